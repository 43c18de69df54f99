#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy .
env -u DATABASE_URL .venv/bin/python manage.py makemigrations --check --dry-run
