#!/usr/bin/env bash
# The whole suite on SQLite, then the database-dependent tests again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
start_postgres
start_redis
export C_FORCE_ROOT=1 COMPETENCY_INSTANCE_DIR="$SERVICES_DIR/instance"
PYTEST=".venv/bin/pytest -p no:cacheprovider"

echo "== Test suite on SQLite (with Redis, Celery, SMTP and Chromium) =="
status=0
$PYTEST -q || status=$?

echo "== Database-dependent tests on PostgreSQL =="
TEST_DATABASE_URL="$TEST_PG_URL" $PYTEST -q -m "not browser" tests/unit tests/functional tests/integration || status=$?
exit $status
