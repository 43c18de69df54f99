#!/usr/bin/env bash
# Serve the portal on the embedded default: migrate, seed demo data into an
# empty database, run the periodic jobs every minute, serve on $HOST:$PORT
# (default 127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# Show the tick loop's lines as they happen, not when a buffer fills.
export PYTHONUNBUFFERED=1

$PY manage.py migrate --no-input -v 0
if ! $PY manage.py shell -v 0 -c "import sys; from orders.models import Order; sys.exit(0 if Order.objects.exists() else 1)"; then
  echo "Empty database: seeding demo data (about a minute)..."
  $PY manage.py seed_demo
fi

$PY manage.py tick --every 60 &
TICK_PID=$!
trap 'kill $TICK_PID 2>/dev/null || true' EXIT INT TERM

PY=$PY bash scripts/serve.sh
