#!/usr/bin/env bash
# Sourced by the test and bench scripts: start PostgreSQL and Redis on loopback in temporary
# directories, export their URLs, and stop them on exit.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
SERVICES_DIR=$(mktemp -d /tmp/competency-services.XXXXXX)
chmod 755 "$SERVICES_DIR"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  PG_PORT=$(free_port)
  PG_DATA="$SERVICES_DIR/pg"
  mkdir -p "$PG_DATA"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DATA"
  as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U competency --auth=trust -E UTF8 >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w \
    -o "-k $PG_DATA -c listen_addresses=127.0.0.1 -p $PG_PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 ${PG_EXTRA_OPTS:-}" start >/dev/null
  as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U competency competency_test
  export PG_URL_BASE="postgresql+psycopg://competency@127.0.0.1:$PG_PORT"
  export TEST_PG_URL="$PG_URL_BASE/competency_test"
}

# start_redis [name]: a Redis of its own under $SERVICES_DIR/<name> (default "redis"); exports
# TEST_REDIS_URL for it. Call it once per test process that must not share Redis with another.
REDIS_DIRS=()
start_redis() {
  local name="${1:-redis}" port
  port=$(free_port)
  mkdir -p "$SERVICES_DIR/$name"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$SERVICES_DIR/$name" \
    --pidfile "$SERVICES_DIR/$name/redis.pid" --save '' --appendonly no --logfile "$SERVICES_DIR/$name/redis.log"
  echo "$port" > "$SERVICES_DIR/$name/port"
  REDIS_DIRS+=("$SERVICES_DIR/$name")
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  REDIS_PORT=$port
  export TEST_REDIS_URL="redis://127.0.0.1:$port/0"
}

stop_services() {
  local dir
  for dir in "${REDIS_DIRS[@]}"; do
    redis-cli -p "$(cat "$dir/port")" shutdown nosave >/dev/null 2>&1 \
      || { [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null; } || true
  done
  [ -n "${PG_DATA:-}" ] && as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$SERVICES_DIR"
}
trap stop_services EXIT
# A signal ends the script through EXIT, so the servers stop on Ctrl-C and on CI's TERM too.
trap 'exit 130' INT
trap 'exit 143' TERM
