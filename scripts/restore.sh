#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh: the database and the evidence
# photos, replacing what is there.
#
#   scripts/restore.sh [--yes] [--compose] BACKUP_FOLDER
#
#   --yes       replace a database that holds tables, or evidence that is there;
#               without it the restore refuses and changes nothing
#   --compose   restore into the docker compose stack: stops the portal's
#               services, recreates the database inside the postgres service,
#               refills the evidence volume, then `docker compose up -d` (the
#               migrate service applies any migration newer than the backup)
#
# The checksums are verified before anything is touched. Without --compose
# it writes where the portal reads (DATABASE_URL or the SQLite file, and
# REFUNDPORTAL_VAR_DIR): stop the portal and its workers first. A PostgreSQL
# database is dropped and created again (the URL's user needs CREATEDB and
# the maintenance database "postgres"); a dropped one is simply created.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
# shellcheck source=scripts/backup-common.sh
source "$ROOT/scripts/backup-common.sh"
APP_SERVICES="${REFUNDPORTAL_APP_SERVICES:-web worker-payouts worker-default beat}"
YES=0
COMPOSE=0
BACKUP=""

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --yes) YES=1; shift ;;
    --compose) COMPOSE=1; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "restore: unknown option $1" >&2; usage >&2; exit 2 ;;
    *)
      [[ -z "$BACKUP" ]] || { echo "restore: one backup folder only" >&2; exit 2; }
      BACKUP="$1"; shift ;;
  esac
done
[[ -n "$BACKUP" ]] || { echo "restore: name the backup folder" >&2; usage >&2; exit 2; }
[[ -f "$BACKUP/manifest.txt" && -f "$BACKUP/SHA256SUMS" ]] || {
  echo "restore: $BACKUP is not a backup folder (no manifest.txt or SHA256SUMS)" >&2
  exit 2
}
BACKUP="$(cd "$BACKUP" && pwd)"
(cd "$BACKUP" && sha256sum --check --quiet SHA256SUMS) || {
  echo "restore: $BACKUP fails its checksums; nothing was changed" >&2
  exit 1
}
manifest() { sed -n "s/^$1=//p" "$BACKUP/manifest.txt"; }
BACKUP_KIND="$(manifest database)"
DB_FILE="$BACKUP/$(manifest database_file)"
EVIDENCE="$BACKUP/$(manifest evidence_file)"

refuse() {
  echo "restore: $1 already holds data; run again with --yes to replace it with $BACKUP" >&2
  exit 3
}
compose() { (cd "$ROOT" && docker compose "$@"); }

if [[ "$COMPOSE" == 1 ]]; then
  [[ "$BACKUP_KIND" == postgresql ]] || {
    echo "restore: the stack runs PostgreSQL, the backup is of $BACKUP_KIND" >&2
    exit 2
  }
  if [[ "$YES" != 1 ]]; then
    tables="$(compose exec -T postgres sh -c \
      'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = '"'"'public'"'"'"')"
    [[ "${tables//[[:space:]]/}" == 0 ]] || refuse "the stack's database"
  fi
  # shellcheck disable=SC2086
  compose stop $APP_SERVICES
  compose exec -T postgres sh -c \
    'dropdb -U "$POSTGRES_USER" --if-exists --force "$POSTGRES_DB" && createdb -U "$POSTGRES_USER" "$POSTGRES_DB" && pg_restore -U "$POSTGRES_USER" -d "$POSTGRES_DB" --no-owner --exit-on-error' \
    <"$DB_FILE"
  compose run --rm --no-deps -T web sh -c \
    'find /app/var -mindepth 1 -delete && tar -xzf - -C /app/var' <"$EVIDENCE"
  compose up -d
  echo "restore: the stack now holds $BACKUP"
  exit 0
fi

resolve_target "$ROOT"
[[ "$BACKUP_KIND" == "$KIND" ]] || {
  echo "restore: the portal is configured for $KIND, the backup is of $BACKUP_KIND" >&2
  exit 2
}

if [[ "$KIND" == postgresql ]]; then
  BARE="${URL%%\?*}"
  QUERY=""
  [[ "$URL" == *\?* ]] && QUERY="?${URL#*\?}"
  DB_NAME="${BARE##*/}"
  MAINTENANCE="${BARE%/*}/postgres$QUERY"
  exists="$(psql "$MAINTENANCE" -tAc "SELECT 1 FROM pg_database WHERE datname = '${DB_NAME//\'/\'\'}'")"
  if [[ -n "$exists" && "$YES" != 1 ]]; then
    tables="$(psql "$URL" -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
    [[ "$tables" == 0 ]] || refuse "the database $SOURCE"
  fi
else
  if [[ -s "$SQLITE" && "$YES" != 1 ]]; then
    refuse "the SQLite database $SQLITE"
  fi
fi
if [[ "$YES" != 1 && -d "$VAR_DIR" ]] && [[ -n "$(find "$VAR_DIR" -type f -print -quit)" ]]; then
  refuse "the evidence folder $VAR_DIR"
fi

if [[ "$KIND" == postgresql ]]; then
  QUOTED="\"${DB_NAME//\"/\"\"}\""
  psql "$MAINTENANCE" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $QUOTED WITH (FORCE)"
  psql "$MAINTENANCE" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $QUOTED"
  pg_restore --no-owner --no-privileges --exit-on-error --dbname="$URL" "$DB_FILE"
else
  mkdir -p "$(dirname "$SQLITE")"
  # SQLite's backup API writes the copy into the file page by page, under
  # its lock, whatever the file held before.
  "$PYTHON" - "$DB_FILE" "$SQLITE" <<'PY'
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
target.close()
source.close()
PY
fi

# Unpack beside the folder first, so a broken archive leaves the old photos.
mkdir -p "$VAR_DIR"
STAGE="$(mktemp -d "$(dirname "$VAR_DIR")/.restore-evidence.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
tar -xzf "$EVIDENCE" -C "$STAGE"
find "$VAR_DIR" -mindepth 1 -delete
find "$STAGE" -mindepth 1 -maxdepth 1 -exec mv -t "$VAR_DIR" {} +
echo "restore: $SOURCE and $VAR_DIR now hold $BACKUP"
