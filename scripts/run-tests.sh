#!/usr/bin/env bash
# The whole suite on SQLite, then the database-dependent tests again on PostgreSQL.
# PostgreSQL and Redis run on loopback in a temporary directory and are stopped on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
start_postgres
start_redis
export C_FORCE_ROOT=1 COMPETENCY_INSTANCE_DIR="$SERVICES_DIR/instance"
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

status=0
echo "== Test suite on SQLite (with PostgreSQL for migrations, Redis, Celery, SMTP and Chromium) =="
run_pytest || status=$?

echo "== Database-dependent tests on PostgreSQL =="
TEST_DATABASE_URL="$TEST_PG_URL" run_pytest -m "not browser" tests/unit tests/functional tests/integration \
  || status=$?
exit "$status"
