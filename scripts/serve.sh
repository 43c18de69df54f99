#!/usr/bin/env bash
# Serve the portal on $HOST:$PORT (default 127.0.0.1:8000): gunicorn, quiet
# itself, so that the console shows the portal's own lines, one per request.
# DJANGO_DEBUG=1 reloads on code changes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
reload=()
if [ "${DJANGO_DEBUG:-}" = "1" ]; then reload=(--reload); fi

echo "Refund portal at http://$HOST:$PORT/  (API docs: http://$HOST:$PORT/api/docs/)"
exec "$PY" -m gunicorn refundportal.wsgi:application --bind "$HOST:$PORT" \
  --workers 2 --threads 4 --log-level warning ${reload[@]+"${reload[@]}"}
