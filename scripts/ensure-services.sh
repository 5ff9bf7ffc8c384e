#!/usr/bin/env bash
# Bring up what the tests need: PostgreSQL, Redis and Debian's Chromium.
# Uses DATABASE_URL / REDIS_URL when set, else 127.0.0.1:5432 (db `test`) and 127.0.0.1:6379.
# Starts a stopped local service, installs a missing one (Debian, as root), and says clearly when it cannot.
set -uo pipefail

DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_updated=0

say() { printf '[ensure-services] %s\n' "$*"; }
die() { printf '[ensure-services] ERROR: %s\n' "$*" >&2; exit 1; }
apt_install() {
  command -v apt-get >/dev/null || die "cannot install $* (no apt-get); install it by hand"
  if [ $apt_updated -eq 0 ]; then $SUDO apt-get update -qq || die "apt-get update failed"; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

pg_ok() { .venv/bin/python - "$DATABASE_URL" <<'PY' >/dev/null 2>&1
import sys, psycopg
url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
psycopg.connect(url, connect_timeout=3).close()
PY
}

if ! pg_ok; then
  say "PostgreSQL not reachable at $DATABASE_URL; trying to start a local one"
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  ver=$(ls /etc/postgresql | sort -V | tail -n1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || $SUDO pg_ctlcluster "$ver" main start || true
  for _ in $(seq 1 30); do pg_ok && break; sleep 1; done
  pg_ok || die "PostgreSQL is not reachable at $DATABASE_URL. Start it, or set DATABASE_URL to a server where this user may CREATE DATABASE."
fi
say "PostgreSQL ok"

redis_ok() { .venv/bin/python - "$REDIS_URL" <<'PY' >/dev/null 2>&1
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()
PY
}
if ! redis_ok; then
  say "Redis not reachable at $REDIS_URL; trying to start a local one"
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null 2>&1 || true
  for _ in $(seq 1 20); do redis_ok && break; sleep 0.5; done
  redis_ok || die "Redis is not reachable at $REDIS_URL. Start it, or set REDIS_URL."
fi
say "Redis ok"

CHROMIUM=${SIKK_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  say "Chromium missing; installing Debian's chromium package"
  apt_install chromium fonts-dejavu-core
fi
[ -x "$CHROMIUM" ] || die "Chromium not found at $CHROMIUM (set SIKK_CHROMIUM)."
say "Chromium ok ($CHROMIUM)"
