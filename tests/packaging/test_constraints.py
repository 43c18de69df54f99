"""constraints.txt pins the whole dependency tree, agrees with every pin of
pyproject.toml, and is what the virtualenv holds: a bumped pin without
``make constraints``, or a virtualenv installed some other way, fails here."""

import importlib.util
import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import BASE_DIR

SCRIPT = BASE_DIR / "scripts" / "constraints.py"
spec = importlib.util.spec_from_file_location("constraints", SCRIPT)
assert spec and spec.loader
constraints = importlib.util.module_from_spec(spec)
spec.loader.exec_module(constraints)


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    texts = project["dependencies"] + [
        text for extra in project["optional-dependencies"].values() for text in extra
    ]
    pins = {}
    for text in texts:
        requirement = Requirement(text)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{text}: pyproject.toml pins with =="
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_every_line_of_constraints_is_an_exact_pin():
    for line in (BASE_DIR / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, operator, version = line.partition("==")
            assert operator and name and version and " " not in line, line


def test_every_pin_of_pyproject_is_in_constraints_at_the_same_version():
    pinned = constraints.read()
    disagreeing = {
        name: (version, pinned.get(name))
        for name, version in pyproject_pins().items()
        if pinned.get(name) != version
    }
    assert disagreeing == {}, "pyproject.toml -> constraints.txt; run make constraints"


def test_constraints_hold_the_whole_tree_and_nothing_else():
    """Transitive dependencies too (kombu's amqp, schemathesis' own), each
    at the version installed."""
    assert constraints.read() == constraints.resolved(), "run make constraints"
    assert {"amqp", "vine", "billiard", "asgiref", "sqlparse"} <= set(constraints.read())


def test_the_virtualenv_holds_what_constraints_pin():
    disagreeing = {}
    for name, version in constraints.read().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            disagreeing[name] = (version, installed)
    assert disagreeing == {}, "constraints.txt -> virtualenv; run make install"


def test_a_missing_or_stale_pin_is_noticed(tmp_path):
    pins = constraints.read()
    pins["django"] = "5.0.0"
    del pins["amqp"]
    stale = tmp_path / "constraints.txt"
    stale.write_text(constraints.render(pins))
    assert constraints.read(stale) != constraints.resolved()
    assert constraints.read(stale)["django"] != pyproject_pins()["django"]
