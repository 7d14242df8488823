#!/usr/bin/env bash
# Starts the server on a fresh database in a temporary folder, after creating the first
# admin exactly as the README tells a newcomer to. Playwright ends it with SIGTERM
# (gracefulShutdown in playwright.config.ts); the folder and database go with it.
#
# By default the debug build on SQLite. With E2E_SCALE_OUT=1 (issue 25) the scale-out
# setup instead: the binary E2E_BIN (the release build, its site built in) twice, on one
# PostgreSQL database (scripts/postgres.sh's throwaway cluster), behind proxy.mjs on PORT,
# which sends each request to the next server in turn.
set -euo pipefail
cd "$(dirname "$0")"
port=${1:?usage: start-server.sh PORT}
bin=${E2E_BIN:-../target/debug/helpdesk}
data=$(mktemp -d "${TMPDIR:-/tmp}/helpdesk-e2e.XXXXXX")
pids=()
database=
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  if [[ -n $database ]]; then
    psql -q "$cluster" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 0' TERM INT
# Its log also goes to E2E_SERVER_LOG, which the tests read for panics (tests/fixtures.ts).
log=${E2E_SERVER_LOG:-/dev/null}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if [[ -z ${E2E_SCALE_OUT:-} ]]; then
  export DATABASE_URL="sqlite://$data/helpdesk.db"
  printf '%s\n' 'admin-password-1' | "$bin" create-admin --username admin --email admin@example.com
  "$bin" serve --listen "127.0.0.1:$port" --site-root ../target/site 2> >(tee -a "$log" >&2) &
  pids+=($!)
  wait "${pids[0]}"
  exit
fi

eval "$(../scripts/postgres.sh start)"
cluster=$DATABASE_URL
database="e2e_$$"
psql -q "$cluster" -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database" >/dev/null
export DATABASE_URL="${cluster%/*}/$database"
printf '%s\n' 'admin-password-1' | "$bin" create-admin --username admin --email admin@example.com
upstreams=()
for n in 1 2; do
  p=$(free_port)
  # Each server its own data folder (attachments live in the database on PostgreSQL).
  "$bin" serve --listen "127.0.0.1:$p" --data-dir "$data/server-$n" \
    2> >(tee -a "$log" >&2) &
  pids+=($!)
  upstreams+=("$p")
done
# Both answering before the proxy opens the address Playwright waits on (python3, which
# the Makefile needs anyway, rather than curl, which a fresh machine may lack).
for p in "${upstreams[@]}"; do
  until python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "http://127.0.0.1:$p/login" 2>/dev/null; do
    sleep 0.2
  done
done
node proxy.mjs "$port" "${upstreams[@]}" &
pids+=($!)
wait -n "${pids[@]}"
