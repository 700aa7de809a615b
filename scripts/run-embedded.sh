#!/usr/bin/env bash
# Start the web app and a Celery worker with embedded beat on the embedded default; Ctrl-C stops both.
# PORT (default 5000) chooses the port; BASE_URL, used in links, QR codes and DIDs, follows it unless set.
set -euo pipefail
export FLASK_APP=competency:create_app C_FORCE_ROOT=1
PORT="${PORT:-5000}"
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || (( PORT < 1 || PORT > 65535 )); then
  echo "PORT must be a number from 1 to 65535 (got '$PORT')" >&2
  exit 2
fi
export BASE_URL="${BASE_URL:-http://127.0.0.1:$PORT}"
pids=()
cleanup() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup INT TERM EXIT
.venv/bin/celery -A worker.celery_app worker -B --loglevel=warning --concurrency=1 \
  --schedule instance/celerybeat-schedule &
pids+=($!)
echo
echo "  competency is running at http://127.0.0.1:$PORT   (Ctrl-C stops the web app and the worker)"
echo
# The accounts `flask demo seed` printed (make run saves them), so the list never drifts from the seed.
if [[ -s instance/demo-accounts.txt ]]; then
  sed 's/^/  /' instance/demo-accounts.txt
else
  echo "  Demo accounts: run 'flask demo seed' to create them and list them."
fi
echo
.venv/bin/flask run --host 127.0.0.1 --port "$PORT" &
pids+=($!)
wait -n "${pids[@]}"
