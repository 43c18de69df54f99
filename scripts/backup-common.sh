# shellcheck shell=bash
# Shared by backup.sh and restore.sh: where the portal's data is, read from
# the same environment as the portal's settings.
#
# Sets KIND (postgresql or sqlite), SOURCE (for the manifest, no password),
# URL (PostgreSQL) or SQLITE (the SQLite file), and VAR_DIR (evidence photos).
resolve_target() {
  local root="$1"
  DATABASE_URL="${DATABASE_URL:-}"
  case "$DATABASE_URL" in
    postgres://* | postgresql://* | pgsql://*)
      KIND=postgresql
      URL="postgresql://${DATABASE_URL#*://}"
      SOURCE="$(sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$URL")"
      ;;
    "" | sqlite://*)
      KIND=sqlite
      if [[ -z "$DATABASE_URL" ]]; then
        SQLITE="${SQLITE_PATH:-$root/db.sqlite3}"
      else
        SQLITE="${DATABASE_URL#sqlite://}"
        SQLITE="${SQLITE#/}" # sqlite:////abs/path or sqlite:///relative/path
      fi
      SOURCE="$SQLITE"
      ;;
    *)
      echo "DATABASE_URL must be postgres:// or sqlite:// (or unset)" >&2
      return 2
      ;;
  esac
  VAR_DIR="${REFUNDPORTAL_VAR_DIR:-$root/var}"
}
