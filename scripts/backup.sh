#!/usr/bin/env bash
# Back up the portal: its database and its evidence photos, into one new
# timestamped folder with a manifest and SHA-256 checksums.
#
#   scripts/backup.sh [--dest DIR] [--keep N] [--compose]
#
#   --dest DIR   where backup folders go (default $REFUNDPORTAL_BACKUP_DIR, else ./backups)
#   --keep N     afterwards, keep only the N newest backup folders in DIR
#   --compose    back up the docker compose stack (run from anywhere on its host):
#                pg_dump inside the postgres service, the evidence volume read by
#                a one-off container of the web image
#
# Without --compose it reads the same settings as the portal: DATABASE_URL
# (PostgreSQL, backed up with pg_dump -Fc; unset or sqlite:// means the
# embedded SQLite file, SQLITE_PATH or db.sqlite3, copied with SQLite's
# online backup) and REFUNDPORTAL_VAR_DIR (default var/). The portal may keep
# running meanwhile. A folder is named refundportal-YYYYMMDDTHHMMSSZ and
# appears only once complete.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
# shellcheck source=scripts/backup-common.sh
source "$ROOT/scripts/backup-common.sh"
DEST="${REFUNDPORTAL_BACKUP_DIR:-./backups}"
KEEP=""
COMPOSE=0

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --dest) DEST="${2:?--dest needs a folder}"; shift 2 ;;
    --keep) KEEP="${2:?--keep needs a number}"; shift 2 ;;
    --compose) COMPOSE=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "backup: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [[ -n "$KEEP" && ! "$KEEP" =~ ^[1-9][0-9]*$ ]]; then
  echo "backup: --keep needs a whole number of at least 1, not '$KEEP'" >&2
  exit 2
fi

mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
NAME="refundportal-$STAMP"
n=1
while [[ -e "$DEST/$NAME" ]]; do
  n=$((n + 1))
  NAME="refundportal-$STAMP-$n"
done
WORK="$DEST/.$NAME.partial"
rm -rf "$WORK"
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

compose() { (cd "$ROOT" && docker compose "$@"); }

if [[ "$COMPOSE" == 1 ]]; then
  KIND=postgresql
  SOURCE="docker compose service postgres"
  DB_FILE=db.dump
  compose exec -T postgres sh -c 'pg_dump -Fc -U "$POSTGRES_USER" "$POSTGRES_DB"' >"$WORK/$DB_FILE"
  EVIDENCE_SOURCE="docker compose volume evidence (/app/var)"
  compose run --rm --no-deps -T web tar -czf - -C /app/var . >"$WORK/evidence.tar.gz"
else
  resolve_target "$ROOT"
  if [[ "$KIND" == postgresql ]]; then
    DB_FILE=db.dump
    pg_dump -Fc --dbname="$URL" --file="$WORK/$DB_FILE"
  else
    if [[ ! -s "$SQLITE" ]]; then
      echo "backup: no SQLite database at $SQLITE" >&2
      exit 1
    fi
    DB_FILE=db.sqlite3
    "$PYTHON" - "$SQLITE" "$WORK/$DB_FILE" <<'PY'
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
check = target.execute("PRAGMA integrity_check").fetchone()[0]
target.close()
source.close()
if check != "ok":
    sys.exit(f"backup: the copy fails SQLite's integrity check: {check}")
PY
  fi
  mkdir -p "$VAR_DIR"
  EVIDENCE_SOURCE="$(cd "$VAR_DIR" && pwd)"
  tar -czf "$WORK/evidence.tar.gz" -C "$VAR_DIR" .
fi

EVIDENCE_FILES="$(tar -tzf "$WORK/evidence.tar.gz" | grep -cv '/$' || true)"
{
  echo "format=1"
  echo "created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "database=$KIND"
  echo "database_source=$SOURCE"
  echo "database_file=$DB_FILE"
  echo "evidence_source=$EVIDENCE_SOURCE"
  echo "evidence_file=evidence.tar.gz"
  echo "evidence_files=$EVIDENCE_FILES"
} >"$WORK/manifest.txt"
(cd "$WORK" && sha256sum "$DB_FILE" evidence.tar.gz manifest.txt >SHA256SUMS)

mv "$WORK" "$DEST/$NAME"
trap - EXIT
echo "backup: $DEST/$NAME ($KIND database, $EVIDENCE_FILES evidence files)"

if [[ -n "$KEEP" ]]; then
  # Folder names sort by time; only complete backups (with a manifest) count.
  mapfile -t ALL < <(
    find "$DEST" -mindepth 1 -maxdepth 1 -type d -name 'refundportal-*' \
      -exec test -f '{}/manifest.txt' ';' -print | sort
  )
  EXTRA=$((${#ALL[@]} - KEEP))
  for ((i = 0; i < EXTRA; i++)); do
    rm -rf "${ALL[$i]}"
    echo "backup: removed ${ALL[$i]} (--keep $KEEP)"
  done
fi
