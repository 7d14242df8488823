#!/usr/bin/env bash
# The Rust tests again on PostgreSQL (issue 14): unit tests and the integration suite with
# HELPDESK_TEST_POSTGRES set, so every test makes a database of its own on a throwaway
# cluster (scripts/postgres.sh installs and starts it). The SQLite-file commands (cli::)
# are left to the SQLite run; postgres:: runs here only. Test databases are dropped before
# and after, so a reused cluster does not fill the disk. The cluster is stopped at the end
# (a test run leaves nothing running) unless HELPDESK_PG_KEEP=1 asks it to stay, which
# saves a few seconds on the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/postgres.sh start)"
drop_test_databases() {
  psql -q "$DATABASE_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'hd\_test\_%'" |
    while read -r db; do
      psql -q "$DATABASE_URL" -c "DROP DATABASE \"$db\" WITH (FORCE)" >/dev/null
    done
}
finish() {
  drop_test_databases || true
  if [ "${HELPDESK_PG_KEEP:-}" != 1 ]; then
    scripts/postgres.sh stop
  fi
}
drop_test_databases
trap finish EXIT
export HELPDESK_TEST_POSTGRES="$DATABASE_URL"
export LEPTOS_OUTPUT_NAME=helpdesk RUSTFLAGS="--cfg erase_components"
cargo test --features ssr --lib --test integration -- --skip cli:: "$@"
