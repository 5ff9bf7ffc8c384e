#!/usr/bin/env bash
# Start web (gunicorn) + worker (Celery with beat) as the Procfile does, print the URL and logins.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-5000}
export PATH="$PWD/.venv/bin:$PATH"

gunicorn -w 2 -b "0.0.0.0:$PORT" --access-logfile - 'server:create_app()' &
web=$!
celery -A workers.worker worker -B --loglevel=info --concurrency=2 &
worker=$!
trap 'kill $web $worker 2>/dev/null; wait' INT TERM EXIT

for _ in $(seq 1 40); do
  curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null 2>&1 && break
  sleep 0.25
done
cat <<MSG

  SIKK is running.
    Field app (PWA):  http://127.0.0.1:$PORT/app/
    Admin:            http://127.0.0.1:$PORT/admin/
    API (OpenAPI):    http://127.0.0.1:$PORT/api/v1/openapi.json
  Demo logins (password demo123):
    camat    kecamatan admin (Kecamatan Coblong)
    lurah    kelurahan admin (one kelurahan)
    petugas  field officer
    kiosk    survey kiosk (SKM only)
  Database: ${DATABASE_URL:-SQLite in instance/sikk.sqlite}   Broker: ${REDIS_URL:-SQLite in instance/broker.sqlite}
  Press Ctrl-C to stop.

MSG
wait -n $web $worker
