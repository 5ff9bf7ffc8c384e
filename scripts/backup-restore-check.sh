#!/usr/bin/env bash
# Dump DATABASE_URL, restore the dump into a scratch database, and check both hold the same data.
# Usage: DATABASE_URL=postgresql://… scripts/backup-restore-check.sh [DUMP_FILE]
set -euo pipefail
url=${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up}
url=${url/postgresql+psycopg:/postgresql:}
dump=${1:-$(mktemp -d)/sikk.dump}
scratch="sikk_restore_check_$$"
base=${url%/*}
admin_url="$base/postgres"

pg_dump --format=custom --file="$dump" "$url"
psql -q "$admin_url" -c "CREATE DATABASE \"$scratch\"" >/dev/null
trap 'psql -q "$admin_url" -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null' EXIT
pg_restore --no-owner --dbname="$base/$scratch" "$dump"

fingerprint() {
  psql -qAt "$1" <<'SQL'
SELECT 'submissions', count(*), coalesce(md5(string_agg(id::text || content_hash, ',' ORDER BY id)), '') FROM submissions
UNION ALL SELECT 'attachments', count(*), coalesce(md5(string_agg(sha256, ',' ORDER BY sha256)), '') FROM attachments
UNION ALL SELECT 'users', count(*), coalesce(md5(string_agg(username || password_hash, ',' ORDER BY id)), '') FROM users
UNION ALL SELECT 'rw', count(*), '' FROM rw
UNION ALL SELECT 'targets', count(*), '' FROM targets;
SQL
}
before=$(fingerprint "$url")
after=$(fingerprint "$base/$scratch")
if [ "$before" != "$after" ]; then
  echo "backup-restore-check: MISMATCH" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "backup-restore-check: ok ($(echo "$before" | tr '\n' ' '))"
echo "dump: $dump"
