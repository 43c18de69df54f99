#!/usr/bin/env python
"""Write constraints.txt: every runtime and development dependency of the
portal, transitively, pinned with ``==`` at the version installed in this
virtualenv.

``make constraints`` installs pyproject.toml's pins first and then runs this;
``make install`` and the Dockerfile install with ``pip install -c
constraints.txt``, so that every machine and every image get the same tree.
``--check`` prints the differences and exits 1 instead of writing.
"""

import argparse
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"
PROJECT = "refundportal"
EXTRAS = ("dev",)
HEADER = """\
# Every runtime and development dependency of the portal, transitively, at
# the version installed. Written by `make constraints` (scripts/constraints.py);
# `make install` and the Dockerfile install with `pip install -c constraints.txt`.
"""


def _requirements(name: str, extras: frozenset[str]) -> list[Requirement]:
    """The requirements ``name[extras]`` brings in on this interpreter."""
    found = []
    for text in metadata.requires(name) or []:
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in extras or {""}):
            found.append(requirement)
    return found


def resolved() -> dict[str, str]:
    """Canonical name -> installed version of every dependency, transitively."""
    pins: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(PROJECT, frozenset(EXTRAS))]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for requirement in _requirements(name, extras):
            key = canonicalize_name(requirement.name)
            try:
                pins[key] = metadata.version(requirement.name)
            except metadata.PackageNotFoundError:
                sys.exit(f"{requirement.name} is required but not installed: run make install")
            todo.append((requirement.name, frozenset(requirement.extras)))
            if requirement.extras:
                todo.append((requirement.name, frozenset()))
    pins.pop(canonicalize_name(PROJECT), None)
    return pins


def render(pins: dict[str, str]) -> str:
    return HEADER + "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))


def read(path: Path = CONSTRAINTS) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    options = parser.parse_args()
    text = render(resolved())
    if not options.check:
        CONSTRAINTS.write_text(text)
        print(f"wrote {CONSTRAINTS.name}: {text.count('==')} pins")
        return 0
    current = CONSTRAINTS.read_text() if CONSTRAINTS.exists() else ""
    if current == text:
        return 0
    print("constraints.txt is out of date with the virtualenv: run make constraints")
    return 1


if __name__ == "__main__":
    sys.exit(main())
