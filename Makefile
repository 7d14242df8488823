# The two commands of the README:
#   make run    builds the release app and serves it on http://127.0.0.1:3000 (helpdesk.db here)
#   make test   every test: unit and integration (cargo test, on SQLite and on PostgreSQL),
#               then Playwright in Chromium; then checks that nothing was left running
# Both install whatever tools are missing first (scripts/setup.sh).

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/end2end/node_modules/.bin:$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# cargo-leptos's error reports end with the error, not a backtrace of its own code (CI
# shows a run's last lines: a failing build showed only the backtrace). Panics keep theirs.
export RUST_LIB_BACKTRACE := 0

# The same compile-time environment as `cargo leptos build` (debug) gives the server, so the
# two (and clippy's build scripts and proc macros) share one set of compiled dependencies in
# target/debug instead of rebuilding each other's.
SSR_ENV := LEPTOS_OUTPUT_NAME=helpdesk RUSTFLAGS="--cfg erase_components"

.PHONY: run test setup setup-e2e release release-test unit e2e e2e-scale-out lint fmt

run: release
	./target/release/helpdesk serve

# The self-hoster's binary: the site first (optimised WASM, minified JS, CSS, public files,
# each with .br and .gz variants) into target/release-site, apart from the debug build's
# target/site; then the server with all of it embedded (feature embed-site).
# target/release/helpdesk then runs alone, from any folder.
release: setup target/release-site.built
	LEPTOS_SITE_ROOT=target/release-site cargo leptos build --release --server-only --bin-features embed-site

# The site is rebuilt only when something it is made from changed (cargo-leptos would redo
# wasm-bindgen and wasm-opt every time: 25 s), into a staging folder emptied first (the WASM's
# lazily loaded parts are numbered files: an older build's must not linger), and only files
# whose content changed are copied into the embedded folder (scripts/sync-site.sh says why).
# --split: the admin pages are lazy routes, each page's code a part of the WASM of its own
# (src/app/mod.rs); without it their imports stay unresolved and the app does not start.
SITE_INPUTS := $(shell find src style public -type f) Cargo.toml Cargo.lock
target/release-site.built: $(SITE_INPUTS)
	rm -rf target/release-site.new
	LEPTOS_SITE_ROOT=target/release-site.new cargo leptos build --release --split --precompress --frontend-only
	scripts/sync-site.sh target/release-site.new target/release-site
	touch $@

test: setup-e2e lint unit release-test e2e e2e-scale-out
	@scripts/leftovers.sh

setup:
	@scripts/setup.sh

setup-e2e:
	@scripts/setup.sh --e2e

# The release binary copied alone into an empty folder: serves everything, compressed and
# cached right (tests/integration/release.rs), and hydrates in Chromium (end2end/tests/release.spec.ts,
# run with the other journeys).
release-test: release
	$(SSR_ENV) cargo test --features ssr --test integration release:: -- --ignored

# Every Rust test on SQLite, then again on PostgreSQL (a throwaway cluster, installed if
# missing; the several-servers tests run there only).
unit:
	$(SSR_ENV) cargo test --features ssr -- --skip postgres::
	scripts/test-postgres.sh

# A debug build compiles faster and skips wasm-opt; the tests start their own server.
# cargo-leptos builds the site; the server is the binary `cargo test` builds for the
# integration tests: `cargo leptos build` would build it again with other features on the
# dependencies (cargo unifies dev-dependencies' features only for tests), 4 more minutes.
# The shared server's log is read after each test (end2end/tests/fixtures.ts) and once more
# here for the whole run: a panic anywhere, or a line its logger did not write (Leptos's
# own warnings go straight to stderr), fails it.
E2E_LOG := $(CURDIR)/target/e2e-server.log
# A CI run on a clean clone failed in this build (cargo-leptos's error report was cut off
# above its backtrace) where the same commit passed here cold and warm: on a failure, the
# disk and memory are shown and the build runs once more (a real error fails twice).
once-more-if-it-fails = $(1) || { df -h . /tmp; free -m; echo "retrying once: $(1)"; $(1); }
e2e:
	$(call once-more-if-it-fails,cargo leptos build --split --frontend-only)
	$(SSR_ENV) cargo test --features ssr --no-run
	rm -f $(E2E_LOG)
	cd end2end && E2E_SERVER_LOG=$(E2E_LOG) E2E_PORT=$$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') npx playwright test
	@if grep -n -e "panicked at" -e '^[^0-9]' $(E2E_LOG); then echo "The server panicked, or wrote past its logger, during the Playwright run (above)."; exit 1; fi

# Every journey again on the scale-out setup, with the binary a self-hoster runs: the
# release build twice on one PostgreSQL database, behind one address that sends each
# request to the next server in turn (end2end/proxy.mjs; start-server.sh and OwnServer).
# The throwaway cluster is stopped after, unless HELPDESK_PG_KEEP=1.
E2E_SCALE_OUT_LOG := $(CURDIR)/target/e2e-scale-out-server.log
e2e-scale-out: release
	rm -f $(E2E_SCALE_OUT_LOG)
	cd end2end && E2E_SCALE_OUT=1 E2E_BIN=../target/release/helpdesk E2E_SERVER_LOG=$(E2E_SCALE_OUT_LOG) E2E_PORT=$$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') npx playwright test; \
	  status=$$?; cd .. && { [ "$${HELPDESK_PG_KEEP:-}" = 1 ] || scripts/postgres.sh stop; }; exit $$status
	@if grep -n -e "panicked at" -e '^[^0-9]' $(E2E_SCALE_OUT_LOG); then echo "A server panicked, or wrote past its logger, during the scale-out Playwright run (above)."; exit 1; fi

lint:
	cargo fmt --check
	python3 scripts/import-loops.py
	$(SSR_ENV) cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --features hydrate --target wasm32-unknown-unknown -- -D warnings

fmt:
	cargo fmt
