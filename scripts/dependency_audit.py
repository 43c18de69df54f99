"""Audit the virtualenv's installed packages for known vulnerabilities.

    .venv/bin/python scripts/dependency_audit.py [extra pip-audit options, e.g. -s osv]

Runs ``pip-audit --skip-editable`` (the project itself is not on PyPI) with
its default service, PyPI's JSON API, and decides what CI does with the
answer:

- a known vulnerability in any installed package: the list, exit 1;
- every package audited, none vulnerable: exit 0;
- the service unreachable (no network, DNS, a refused connection or a
  timeout), or reachable but answering nothing for any package (pip-audit
  then says "No known vulnerabilities found" although it checked nothing,
  e.g. where PyPI's per-release JSON pages answer 404): a loud NOTE and exit
  0, so that a network that cannot see the service does not fail CI, and
  nobody mistakes that for a clean audit.

Any other pip-audit failure (a crash, a bad option) exits with its code.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

UNREACHABLE = (
    "ConnectionError",
    "NameResolutionError",
    "Max retries exceeded",
    "Failed to resolve",
    "Temporary failure in name resolution",
    "Connection refused",
    "timed out",
    "Timeout",
    "ProxyError",
    "SSLError",
)


def note(message: str) -> None:
    print(f"NOTE: {message}", flush=True)


def main(extra: list[str]) -> int:
    pip_audit = Path(sys.executable).parent / "pip-audit"
    command = [
        str(pip_audit),
        "--skip-editable",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        *extra,
    ]
    print("$ " + " ".join(command), flush=True)
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError:
        errors = result.stderr.strip()
        if any(marker in errors for marker in UNREACHABLE):
            last = errors.splitlines()[-1] if errors else ""
            note(
                "pip-audit could not reach its vulnerability service; NOTHING WAS AUDITED. "
                f"({last[:300]})"
            )
            return 0
        print(errors or result.stdout, file=sys.stderr)
        print(f"pip-audit failed with exit code {result.returncode}", file=sys.stderr)
        return result.returncode or 1

    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} installed package(s) with known vulnerabilities:")
        for dependency in vulnerable:
            for vuln in dependency["vulns"]:
                fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
                aliases = ", ".join(vuln.get("aliases") or [])
                print(
                    f"  {dependency['name']} {dependency.get('version', '?')}: {vuln['id']}"
                    f"{f' ({aliases})' if aliases else ''}; fixed in {fixes}"
                )
        print("Bump the pins in pyproject.toml to a fixed version and run the suite.")
        return 1
    if dependencies and not audited:
        note(
            f"pip-audit reached its service but it answered for none of the {len(dependencies)} "
            "installed packages, so NOTHING WAS AUDITED (first reason: "
            f"{skipped[0]['skip_reason']}). Run `make install && .venv/bin/python "
            "scripts/dependency_audit.py` where pypi.org's JSON API (or `-s osv`, "
            "api.osv.dev) is reachable."
        )
        return 0
    if skipped:
        names = ", ".join(d["name"] for d in skipped[:10])
        note(f"{len(skipped)} package(s) could not be audited: {names}")
    print(f"pip-audit: {audited} packages audited, no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
