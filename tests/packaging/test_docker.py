"""The image and the compose file, read as text and YAML (no image can be
built or pulled here): what they copy exists, dependencies install from the
constraints before the code is copied, every service is health-checked,
migrations run once per deploy, and every variable the portal reads can be
set from .env."""

import re
import shlex
from pathlib import Path

import pytest
import yaml

from tests.conftest import BASE_DIR

APP_SERVICES = ("web", "worker-payouts", "worker-default", "beat")
# E-mail and links in e-mails: read by the settings of the e-mail work.
ALSO_DOCUMENTED = {
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "DEFAULT_FROM_EMAIL",
    "EMAIL_BACKEND",
    "PORTAL_BASE_URL",
    "POSTGRES_PASSWORD",
}
READ_FROM_ENVIRONMENT = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\]"""
)
APP_FOLDERS = (
    "refundportal",
    "accounts",
    "orders",
    "refunds",
    "payouts",
    "finance",
    "analytics",
    "notifications",
    "demo",
)


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (BASE_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def env_example() -> dict[str, str]:
    names = {}
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        match = re.match(r"#?\s*([A-Z][A-Z0-9_]+)=(.*)", line)
        if match:
            names[match[1]] = match[2]
    return names


def variables_the_portal_reads() -> set[str]:
    names = set()
    for folder in APP_FOLDERS:
        for path in (BASE_DIR / folder).rglob("*.py"):
            for match in READ_FROM_ENVIRONMENT.finditer(path.read_text()):
                names.add(match[1] or match[2])
    return names - {"DJANGO_SETTINGS_MODULE"}


def test_every_path_the_image_copies_exists():
    copies = [args for name, args in dockerfile_instructions() if name == "COPY"]
    assert copies
    for args in copies:
        *sources, _target = shlex.split(args)
        for source in sources:
            assert (BASE_DIR / source).exists(), f"COPY {source}: no such path"


def test_dependencies_install_from_the_constraints_before_the_code_is_copied():
    instructions = dockerfile_instructions()
    copy_all = instructions.index(("COPY", ". ."))
    before = instructions[:copy_all]
    copied_before = [
        source for name, args in before if name == "COPY" for source in shlex.split(args)[:-1]
    ]
    assert sorted(copied_before) == ["constraints.txt", "pyproject.toml"]
    installs = [args for name, args in before if name == "RUN" and "pip install" in args]
    assert len(installs) == 1
    assert "-c constraints.txt" in installs[0]
    # The code's own install takes nothing more from the index.
    after = [args for name, args in instructions[copy_all:] if "pip install" in args]
    assert after and all("--no-deps" in args for args in after)


def test_the_image_checks_its_health_without_curl():
    (check,) = [args for name, args in dockerfile_instructions() if name == "HEALTHCHECK"]
    assert '"python", "-m", "refundportal.probe"' in check
    assert "curl" not in (BASE_DIR / "Dockerfile").read_text()
    assert (BASE_DIR / "refundportal" / "probe.py").is_file()


def test_secrets_stay_out_of_the_image_and_the_repository():
    assert ".env" in (BASE_DIR / ".dockerignore").read_text().split()
    assert ".env" in (BASE_DIR / ".gitignore").read_text().split()


def test_env_example_lists_every_variable_the_portal_reads():
    documented = set(env_example())
    missing = (variables_the_portal_reads() | ALSO_DOCUMENTED) - documented
    assert missing == set()
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "METRICS_TOKEN"} <= documented


def test_app_services_read_env_and_run_after_the_migrations(compose):
    services = compose["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert {"path": ".env", "required": False} in service["env_file"], name
        assert service["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["environment"]["DJANGO_ENV"] == "production"
        assert "DJANGO_SECRET_KEY" in service["environment"]
        assert "migrate" not in str(service["command"]), f"{name} must not migrate"
        assert "healthcheck" in service and not service["healthcheck"].get("disable"), name


def test_migrations_run_once_per_deploy(compose):
    migrate = compose["services"]["migrate"]
    assert "manage.py migrate" in migrate["command"]
    assert migrate["restart"] == "no"
    assert "migrate" not in migrate["depends_on"]
    assert migrate["env_file"] == [{"path": ".env", "required": False}]
    assert "ports" not in migrate


def test_beat_uses_the_configured_scheduler_and_is_health_checked(compose):
    beat = compose["services"]["beat"]
    assert beat["command"] == "celery -A refundportal beat --loglevel INFO"
    assert "--scheduler" not in beat["command"]
    test = beat["healthcheck"]["test"]
    assert test[:4] == ["CMD", "python", "manage.py", "beat_health"]
    assert (BASE_DIR / "refundportal" / "management" / "commands" / "beat_health.py").is_file()


def test_web_is_checked_by_the_probe(compose):
    assert compose["services"]["web"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "-m",
        "refundportal.probe",
    ]
    for name in ("postgres", "redis"):
        assert "healthcheck" in compose["services"][name]


def test_compose_paths_exist(compose):
    for service in compose["services"].values():
        build = service.get("build")
        if build:
            context = build if isinstance(build, str) else build.get("context", ".")
            assert (BASE_DIR / context / "Dockerfile").is_file()
    assert Path(BASE_DIR / ".env.example").is_file()
