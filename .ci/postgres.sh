#!/usr/bin/env bash
# Sourced by .ci/run (DESIGN §12): PostgreSQL from Debian's packages, a throwaway cluster run
# by the postgres user (initdb refuses root) on a free loopback port, and its URL exported as
# PRISMQ_TEST_PG_URL so the README's test command runs the PostgreSQL tests too. The cluster
# is stopped and removed when the sourcing shell exits. Without root or apt it says so and
# leaves the variable alone (the tests then print that they were skipped, and why).

prismq_pg_start() {
  if [ -n "${PRISMQ_TEST_PG_URL:-}" ]; then
    echo "postgres: using PRISMQ_TEST_PG_URL from the environment"
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "postgres: not root on Debian: PostgreSQL tests will be skipped"
    return 0
  fi
  if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      postgresql >/dev/null
  fi
  local bin port password
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PRISMQ_PG_DIR=$(mktemp -d /tmp/prismq-pg.XXXXXX)
  chown postgres "$PRISMQ_PG_DIR"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
  su postgres -c "$bin/initdb -D $PRISMQ_PG_DIR/data -U postgres -E UTF8 --auth-local=trust \
    --auth-host=scram-sha-256 --no-instructions" >/dev/null
  # A throwaway cluster: no fsync (the crash tests kill workers and connections, not the OS).
  su postgres -c "$bin/pg_ctl -D $PRISMQ_PG_DIR/data -l $PRISMQ_PG_DIR/server.log -w -o \
    '-p $port -k $PRISMQ_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off \
    -c full_page_writes=off -c max_connections=200' start" >/dev/null
  PRISMQ_PG_STOP="su postgres -c '$bin/pg_ctl -D $PRISMQ_PG_DIR/data -m immediate stop' \
    >/dev/null 2>&1; rm -rf $PRISMQ_PG_DIR"
  trap 'eval "$PRISMQ_PG_STOP"' EXIT
  su postgres -c "psql -q -h $PRISMQ_PG_DIR -p $port -d postgres \
    -c \"CREATE ROLE prismq LOGIN CREATEDB PASSWORD '$password'\" \
    -c 'CREATE DATABASE prismq_test OWNER prismq'"
  export PRISMQ_TEST_PG_URL="postgresql://prismq:$password@127.0.0.1:$port/prismq_test"
  echo "postgres: throwaway cluster on 127.0.0.1:$port (PRISMQ_TEST_PG_URL exported)"
}

prismq_pg_start
