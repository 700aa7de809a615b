#!/usr/bin/env bash
# The whole suite on SQLite and, at the same time, the database-dependent tests again on
# PostgreSQL: two pytest processes, one per core, each with its own Redis, temporary
# directory and instance folder (the PostgreSQL server is shared; every test that needs a
# database of its own makes one with a random name). Each round's output is printed when both
# have finished; the exit status is non-zero if either round failed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
# On any exit (CI's TERM included) stop the rounds still running before the servers they use.
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; stop_services' EXIT
start_postgres
export C_FORCE_ROOT=1
PYTEST=(.venv/bin/pytest -p no:cacheprovider -q)

# pytest exits 5 when it collected no test: that is a broken run, never a pass.
run_pytest() {
  local code=0
  "${PYTEST[@]}" "$@" || code=$?
  if [ "$code" -eq 5 ]; then
    echo "pytest collected no tests for: $*" >&2
    code=1
  fi
  return "$code"
}

# round <name> <title> [VAR=value ...] -- <pytest args>: runs in the background, output to a log.
round() {
  local name=$1 title=$2
  shift 2
  local env=()
  while [ "$1" != "--" ]; do env+=("$1"); shift; done
  shift
  start_redis "redis-$name"
  mkdir -p "$SERVICES_DIR/$name/instance"
  echo "$title" > "$SERVICES_DIR/$name.log"
  (
    export COMPETENCY_INSTANCE_DIR="$SERVICES_DIR/$name/instance" "${env[@]}"
    code=0
    run_pytest --basetemp="$SERVICES_DIR/$name/tmp" "$@" >> "$SERVICES_DIR/$name.log" 2>&1 || code=$?
    echo "$code" > "$SERVICES_DIR/$name.rc"
  ) &
}

started=$(date +%s)
round sqlite "== Test suite on SQLite (with PostgreSQL for migrations, Redis, Celery, SMTP and Chromium) ==" \
  --
round postgres "== Database-dependent tests on PostgreSQL ==" TEST_DATABASE_URL="$TEST_PG_URL" \
  -- -m "not browser" tests/unit tests/functional tests/integration
echo "Both rounds are running (SQLite and PostgreSQL); their output follows when both end."
wait

status=0
for name in sqlite postgres; do
  cat "$SERVICES_DIR/$name.log"
  code=$(cat "$SERVICES_DIR/$name.rc" 2>/dev/null || echo 1)
  [ "$code" -eq 0 ] || status=1
done
echo "Both rounds took $(( $(date +%s) - started )) s."
exit "$status"
