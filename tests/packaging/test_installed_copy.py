"""``pip install .`` gives a working portal: the wheel, installed into a
fresh virtualenv and run from a folder outside the checkout, migrates a new
SQLite database, renders pages from its templates in Chinese, serves its
static files and passes ``refundportal check``.

Offline: the wheel is built with no build isolation and installed with
``--no-deps --no-index``; the new virtualenv sees this one's site-packages
(Django and the rest) through a ``.pth`` file, but not the checkout.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from tests.conftest import BASE_DIR

# What the wheel is built from: the checkout without its local state.
NOT_SHIPPED = shutil.ignore_patterns(
    ".*",
    "__pycache__",
    "*.pyc",
    "*.egg-info",
    "build",
    "dist",
    "var",
    "artifacts",
    "staticfiles",
    "db.sqlite3*",
    "tests",
    "bench",
    "docs",
)

# Run inside the installed copy: what a visitor and an operator would see.
PROBE = textwrap.dedent(
    """
    import json, django
    django.setup()
    import refundportal
    from django.template.loader import get_template
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    login = client.get("/accounts/login/")
    css = client.get("/static/css/app.css")
    healthz = client.get("/healthz")
    print(json.dumps({
        "package": refundportal.__file__,
        "login_status": login.status_code,
        "login": login.content.decode(),
        "css_status": css.status_code,
        "css": b"".join(css.streaming_content).decode() if css.streaming else "",
        "healthz": healthz.status_code,
        "app_template": get_template("notifications/title/refund_approved.txt").origin.name,
    }))
    """
)


def _environment(venv: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "PYTHON"))
        and name not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "REFUNDPORTAL_VAR_DIR"}
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A virtualenv holding the built wheel; answers its bin/ folder."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    shutil.copytree(BASE_DIR, source, ignore=NOT_SHIPPED)
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            str(work / "wheel"),
            str(source),
        ],
        cwd=work,
    )
    (wheel,) = (work / "wheel").glob("refundportal-*.whl")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work)
    python = venv / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], work
        ).strip()
    )
    # Django and the other dependencies come from this virtualenv.
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        cwd=work,
    )
    shutil.rmtree(source)
    return venv


def test_the_installed_copy_runs_outside_the_checkout(installed, tmp_path):
    env = _environment(installed)
    run_dir = tmp_path / "portal"
    run_dir.mkdir()
    command = str(installed / "bin" / "refundportal")

    _run([command, "migrate", "--no-input", "-v", "0"], run_dir, env)
    # The installed copy keeps its data in the folder it runs from.
    assert (run_dir / "db.sqlite3").is_file()
    assert "System check identified no issues" in _run([command, "check"], run_dir, env)

    seen = json.loads(
        _run(
            [str(installed / "bin" / "python"), "-c", PROBE],
            run_dir,
            {**env, "DJANGO_SETTINGS_MODULE": "refundportal.settings.local"},
        )
    )
    assert Path(seen["package"]).is_relative_to(installed), "the checkout was imported"
    assert seen["login_status"] == 200
    assert "<h1>登录</h1>" in seen["login"]
    assert 'href="/static/css/app.css"' in seen["login"]
    assert seen["css_status"] == 200
    assert seen["css"] == (BASE_DIR / "static" / "css" / "app.css").read_text()
    assert seen["healthz"] == 200
    assert Path(seen["app_template"]).is_relative_to(installed)


def test_the_wheel_holds_every_package_of_the_checkout(installed):
    site = next((installed / "lib").glob("python3*/site-packages"))
    packages = {
        path.parent.relative_to(BASE_DIR)
        for path in BASE_DIR.glob("*/**/__init__.py")
        if path.parts[len(BASE_DIR.parts)] not in {"tests", "bench", ".venv", "docs"}
    }
    assert {Path("notifications"), Path("finance"), Path("demo"), Path("analytics")} <= packages
    missing = sorted(str(p) for p in packages if not (site / p / "__init__.py").is_file())
    assert missing == []
    project = site / "refundportal" / "project"
    for folder in ("templates", "static", "locale"):
        shipped = {p.relative_to(BASE_DIR / folder) for p in (BASE_DIR / folder).rglob("*.*")}
        installed_files = {p.relative_to(project / folder) for p in (project / folder).rglob("*.*")}
        assert shipped <= installed_files, f"{folder}/ is incomplete in the wheel"
    assert (project / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo").is_file()
    app_files = [
        p.relative_to(BASE_DIR)
        for p in BASE_DIR.glob("*/templates/**/*.*")
        if p.parts[len(BASE_DIR.parts)] != "templates"
    ]
    assert app_files
    assert [p for p in app_files if not (site / p).is_file()] == []
    assert (installed / "bin" / "refundportal").is_file()
