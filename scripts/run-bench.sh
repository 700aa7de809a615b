#!/usr/bin/env bash
# Benchmarks at ICS scale on PostgreSQL: seed 1x and 10x datasets and the full dataset
# (50,000 practitioners by default; BENCH_PRACTITIONERS to change), then measure the key
# pages and write bench/results/latest.md. Everything started here stops on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
PRACTITIONERS=${BENCH_PRACTITIONERS:-50000}
# A bulk-load friendly server: bigger memory for sorts and index builds, fewer checkpoints.
PG_EXTRA_OPTS="-c shared_buffers=1GB -c maintenance_work_mem=512MB -c work_mem=64MB -c max_wal_size=8GB -c checkpoint_timeout=30min -c autovacuum=off -c jit=off"
source scripts/services.sh
start_postgres
export COMPETENCY_INSTANCE_DIR="$SERVICES_DIR/instance" SECRET_KEY="bench-only-secret-key" IDENTITY_SALT="bench-only-salt"
export FLASK_APP="competency:create_app" BASE_URL="http://127.0.0.1:5000"
mkdir -p "$COMPETENCY_INSTANCE_DIR"
FLASK=.venv/bin/flask

seed() {  # database practitioners
  as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U competency "$1"
  echo "== Seeding $1 with $2 practitioners =="
  DATABASE_URL="$PG_URL_BASE/$1" $FLASK bench seed --practitioners "$2"
}

seed bench_1x 200
seed bench_10x 2000
seed_started=$(date +%s)
seed bench_full "$PRACTITIONERS"
seed_seconds=$(( $(date +%s) - seed_started ))

echo "== Reminder planning (bench/bench_reminders.py) =="
as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U competency bench_reminders
.venv/bin/python bench/bench_reminders.py --database-url "$PG_URL_BASE/bench_reminders" \
  --json "$SERVICES_DIR/reminders.json"

echo "== Measuring =="
.venv/bin/python -m bench.run \
  --reminders-json "$SERVICES_DIR/reminders.json" \
  --db-1x "$PG_URL_BASE/bench_1x" --db-10x "$PG_URL_BASE/bench_10x" --db-full "$PG_URL_BASE/bench_full" \
  --label-1x "1x (200 practitioners)" --label-10x "10x (2,000 practitioners)" \
  --elapsed "Seeding the full dataset: ${seed_seconds} s" \
  --elapsed "Whole run before measuring: $(( $(date +%s) - started )) s" \
  --out bench/results/latest.md
echo "== make bench finished in $(( $(date +%s) - started )) s; results in bench/results/latest.md =="
