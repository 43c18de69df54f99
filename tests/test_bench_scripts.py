"""The benchmarks start as the README runs them (``python bench/X.py``):
none is named like a standard-library module, which would shadow it for
every script in the folder, and each answers ``--help``."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BASE_DIR

BENCH_FILES = sorted((BASE_DIR / "bench").glob("*.py"))
SCRIPTS = [path for path in BENCH_FILES if "__main__" in path.read_text(encoding="utf-8")]


def test_no_benchmark_is_named_like_a_standard_library_module():
    clashes = [path.name for path in BENCH_FILES if path.stem in sys.stdlib_module_names]
    assert clashes == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_benchmark_starts_as_the_readme_runs_it(script: Path):
    result = subprocess.run(
        [sys.executable, f"bench/{script.name}", "--help"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout
