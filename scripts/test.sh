#!/usr/bin/env bash
# The whole test suite. On the embedded default (no DATABASE_URL) tests that
# need PostgreSQL or a Celery worker skip; with DATABASE_URL and REDIS_URL
# set they run. pytest's exit code 5 (no test collected) is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "No tests were collected: that is a failure." >&2
fi
exit "$status"
