#!/usr/bin/env bash
# Starts the debug build of the server on a fresh database in a temporary folder, after
# creating the first admin exactly as the README tells a newcomer to.
set -euo pipefail
cd "$(dirname "$0")"
port=${1:?usage: start-server.sh PORT}
bin=../target/debug/helpdesk
data=$(mktemp -d "${TMPDIR:-/tmp}/helpdesk-e2e.XXXXXX")
export DATABASE_URL="sqlite://$data/helpdesk.db"
printf '%s\n' 'admin-password-1' | "$bin" create-admin --username admin --email admin@example.com
exec "$bin" serve --listen "127.0.0.1:$port" --site-root ../target/site
