"""The files people expect in a repository, and the commit hook's ruff is
the one pyproject.toml pins."""

import re
import subprocess
import tomllib

import yaml

from tests.conftest import BASE_DIR


def pinned(name: str) -> str:
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    for text in project["optional-dependencies"]["dev"]:
        if text.startswith(f"{name}=="):
            return text.split("==", 1)[1]
    raise AssertionError(f"{name} is not pinned in the dev extra")


def test_license_is_mit_held_by_the_contributors():
    text = (BASE_DIR / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 refundportal contributors" in text
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"


def test_the_changelog_keeps_an_unreleased_section_above_0_1_0():
    text = (BASE_DIR / "CHANGELOG.md").read_text()
    assert "Keep a Changelog" in text
    headings = re.findall(r"^## \[([^\]]+)\]", text, re.MULTILINE)
    assert headings[:2] == ["Unreleased", "0.1.0"]
    assert re.search(r"^## \[0\.1\.0\] - \d{4}-\d{2}-\d{2}$", text, re.MULTILINE)
    version = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]["version"]
    assert version in headings


def test_contributing_says_how_to_run_test_lint_and_translate():
    text = (BASE_DIR / "CONTRIBUTING.md").read_text()
    for needed in (
        "make run",
        "make test",
        "make lint",
        "manage.py makemessages --locale zh_Hans",
        "manage.py compilemessages --locale zh_Hans",
        "django.mo",
        "## Commits",
        "make constraints",
    ):
        assert needed in text, needed


def test_editorconfig_is_the_root_one():
    text = (BASE_DIR / ".editorconfig").read_text()
    assert "root = true" in text
    assert "end_of_line = lf" in text


def test_the_commit_hooks_run_the_pinned_ruff_without_network():
    config = yaml.safe_load((BASE_DIR / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format"} <= set(hooks)
    version = pinned("ruff")
    for repo in config["repos"]:
        if "ruff-pre-commit" in repo["repo"]:
            assert repo["rev"] == f"v{version}"
        else:
            assert repo["repo"] == "local"
    for hook_id in ("ruff-check", "ruff-format"):
        hook = hooks[hook_id]
        if hook.get("language") == "system":
            assert hook["entry"].startswith(".venv/bin/ruff ")
            assert f"ruff=={version}" in hook["description"]
    assert hooks["ruff-check"]["entry"].split()[1] == "check"
    assert hooks["ruff-format"]["entry"].split()[1] == "format"
    installed = subprocess.run(
        [str(BASE_DIR / ".venv" / "bin" / "ruff"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert installed.split() == ["ruff", version]
