#!/usr/bin/env bash
# The last step of `make test`: a test run leaves nothing running. Fails, naming them, if a
# server a test started (the debug or release binary of this checkout, or a copy of it in
# a test's temporary folder) or the test PostgreSQL cluster (unless HELPDESK_PG_KEEP=1) is
# still up, and stops them so the next run starts clean.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
servers="^($root/target/(debug|release)/helpdesk|[^ ]*/(\.tmp[^/ ]*|helpdesk-own-[^/ ]*)/helpdesk) serve"
# The mail tests' SMTP and IMAP servers; the scale-out journeys' proxy.
servers="$servers|$root/scripts/smtp-sink.py|dovecot -F -c [^ ]*/dovecot.conf|node proxy.mjs"
pattern="$servers"
if [ "${HELPDESK_PG_KEEP:-}" != 1 ]; then
  pattern="$pattern|postgres -D ${HELPDESK_PG_DIR:-/tmp/helpdesk-pg}/data"
fi
left=$(pgrep -af -- "$pattern")
if [ -z "$left" ]; then
  echo "leftovers: none (no test server, no test cluster running)"
  exit 0
fi
echo "leftovers: the test run left these running:" >&2
echo "$left" >&2
pkill -KILL -f -- "$servers" || true
[ "${HELPDESK_PG_KEEP:-}" = 1 ] || "$root/scripts/postgres.sh" stop
exit 1
