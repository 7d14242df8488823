# The two commands of the README:
#   make run    builds the release app and serves it on http://127.0.0.1:3000 (helpdesk.db here)
#   make test   every test: unit and integration (cargo test), then Playwright in Chromium
# Both install whatever tools are missing first (scripts/setup.sh).

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/end2end/node_modules/.bin:$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test setup setup-e2e build-release unit e2e lint fmt

run: setup build-release
	./target/release/helpdesk serve

build-release:
	cargo leptos build --release

test: setup-e2e lint unit e2e

setup:
	@scripts/setup.sh

setup-e2e:
	@scripts/setup.sh --e2e

# The same compile-time environment as `cargo leptos build` (debug) gives the server, so the
# two share one set of compiled dependencies in target/debug instead of rebuilding each other's.
unit:
	LEPTOS_OUTPUT_NAME=helpdesk RUSTFLAGS="--cfg erase_components" cargo test --features ssr

# A debug build compiles faster and skips wasm-opt; the tests start their own server.
e2e:
	cargo leptos build
	cd end2end && E2E_PORT=$$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') npx playwright test

lint:
	cargo fmt --check
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --features hydrate --target wasm32-unknown-unknown -- -D warnings

fmt:
	cargo fmt
