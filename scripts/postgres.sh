#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (issue 14): installs Debian's postgresql if
# it is missing, starts a private cluster on a free loopback port (trust authentication,
# nothing else listens), and prints its URL. Idempotent: a running cluster is reused.
#   scripts/postgres.sh [start]   start (or reuse) it; prints DATABASE_URL=postgres://...
#   scripts/postgres.sh stop      stop it and remove its files
set -euo pipefail

DIR="${HELPDESK_PG_DIR:-/tmp/helpdesk-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  stop)
    if [ -n "$BIN" ] && [ -f "$DIR/data/postmaster.pid" ]; then
      as_postgres "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
    fi
    rm -rf "$DIR"
    exit 0
    ;;
  start) ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

if [ -z "$BIN" ]; then
  echo "installing postgresql (Debian package)" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi

if [ -f "$DIR/port" ] && as_postgres "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  echo "DATABASE_URL=postgres://postgres@127.0.0.1:$(cat "$DIR/port")/postgres"
  exit 0
fi

# A cluster made earlier but stopped (a reboot) is started again with what it holds (the
# benchmark's seeded databases); otherwise a new one is made.
if ! [ -f "$DIR/data/PG_VERSION" ]; then
  rm -rf "$DIR"
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
  as_postgres "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# Tests make and drop many databases: durability is not what they check. The benchmark's
# cluster (HELPDESK_PG_BENCH=1) keeps fsync and full pages and, like SQLite's WAL with
# synchronous=NORMAL, does not wait for the disk at each commit; 1 GB of shared buffers.
if [ -n "${HELPDESK_PG_BENCH:-}" ]; then
  SETTINGS="-c synchronous_commit=off -c shared_buffers=1GB"
else
  SETTINGS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi
as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 $SETTINGS" \
  start >/dev/null
echo "$PORT" | as_postgres tee "$DIR/port" >/dev/null
echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/postgres"
