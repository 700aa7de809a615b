#!/usr/bin/env bash
# Start the web app and a Celery worker with embedded beat on the embedded default; Ctrl-C stops both.
set -euo pipefail
export FLASK_APP=competency:create_app C_FORCE_ROOT=1
pids=()
cleanup() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup INT TERM EXIT
.venv/bin/celery -A worker.celery_app worker -B --loglevel=warning --concurrency=1 \
  --schedule instance/celerybeat-schedule &
pids+=($!)
cat <<TXT

  competency is running at http://127.0.0.1:5000   (Ctrl-C stops the web app and the worker)

  Demo accounts (password: ${DEMO_PASSWORD:-correct-horse-battery}):
    admin@demo.test        organisation administrator (all three demo employers)
    lead@demo.test         principal OT, lead at the county council and the trust
    preceptor@demo.test    senior OT, preceptor at the county council
    preceptee@demo.test    newly registered OT on preceptorship (county council)
    ota@demo.test          OT assistant on the route to a degree apprenticeship
    trust.preceptor@demo.test  physiotherapist, preceptor at the NHS trust
    analyst@demo.test      ICS AHP lead (aggregate figures)
    editor@demo.test       framework editor (regional body)

TXT
.venv/bin/flask run --host 127.0.0.1 --port 5000 &
pids+=($!)
wait -n "${pids[@]}"
