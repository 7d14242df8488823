#!/usr/bin/env bash
# Starts the debug build of the server on a fresh database in a temporary folder, after
# creating the first admin exactly as the README tells a newcomer to. Playwright ends it
# with SIGTERM (gracefulShutdown in playwright.config.ts); the folder goes with it.
set -euo pipefail
cd "$(dirname "$0")"
port=${1:?usage: start-server.sh PORT}
bin=../target/debug/helpdesk
data=$(mktemp -d "${TMPDIR:-/tmp}/helpdesk-e2e.XXXXXX")
server=
cleanup() {
  if [[ -n $server ]]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 0' TERM INT
export DATABASE_URL="sqlite://$data/helpdesk.db"
printf '%s\n' 'admin-password-1' | "$bin" create-admin --username admin --email admin@example.com
# Its log also goes to E2E_SERVER_LOG, which the tests read for panics (tests/fixtures.ts).
log=${E2E_SERVER_LOG:-/dev/null}
"$bin" serve --listen "127.0.0.1:$port" --site-root ../target/site 2> >(tee -a "$log" >&2) &
server=$!
wait "$server"
