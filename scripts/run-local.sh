#!/usr/bin/env bash
# Start web (gunicorn) + worker (Celery with beat) as the Procfile does, for `make run`.
#
# A quiet console: gunicorn's access log is off and the worker logs warnings only, so the
# periodic outbox relay (every few seconds) prints nothing; SIKK_LOG_LEVEL=info (or debug) and
# SIKK_ACCESS_LOG=1 bring them back. The URL and the demo logins are printed last, once the web
# answers, and again every SIKK_BANNER_EVERY seconds (default 300) so they are on screen when
# someone comes back to the terminal. Ctrl-C stops both processes and exits with status 0.
set -uo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-5000}
export PATH="$PWD/.venv/bin:$PATH"
LOG_LEVEL=${SIKK_LOG_LEVEL:-warning}
BANNER_EVERY=${SIKK_BANNER_EVERY:-300}

# Under `make run`, make shares our process group and would turn Ctrl-C into its own error
# status. With a terminal, run the real work as a job of its own (job control gives it the
# terminal), so Ctrl-C reaches only that job, which stops cleanly and exits 0.
if [ -z "${SIKK_RUN_JOB:-}" ] && [ -t 0 ]; then
  set -m
  SIKK_RUN_JOB=1 "$0" "$@"
  exit $?
fi

banner() {
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
}

access_log=()
[ "${SIKK_ACCESS_LOG:-0}" = "1" ] && access_log=(--access-logfile -)
gunicorn -w "${WEB_CONCURRENCY:-2}" -b "0.0.0.0:$PORT" --log-level "$LOG_LEVEL" "${access_log[@]}" 'server:create_app()' &
web=$!
celery -A workers.worker worker -B --loglevel="$LOG_LEVEL" --concurrency="${WORKER_CONCURRENCY:-2}" &
worker=$!
repeat=""

stop() {
  trap - INT TERM
  echo "  Stopping SIKK…"
  kill -TERM $web $worker $repeat 2>/dev/null
  wait $web $worker 2>/dev/null
  echo "  Stopped."
  exit 0
}
trap stop INT TERM

for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null 2>&1 && break
  kill -0 $web 2>/dev/null || break
  sleep 0.25
done
banner
( while sleep "$BANNER_EVERY"; do banner; done ) &
repeat=$!

# Ctrl-C at the terminal reaches gunicorn and Celery too (same process group): one of them may end,
# with status 0, before this shell runs its trap. Status 0 is such an asked-for stop; any other
# status is a process that ended on its own: stop the other and pass its status on.
wait -n $web $worker
status=$?
[ "$status" -eq 0 ] && stop
trap - INT TERM
kill -TERM $web $worker $repeat 2>/dev/null
wait $web $worker 2>/dev/null
echo "  SIKK stopped unexpectedly (status $status)." >&2
exit "$status"
