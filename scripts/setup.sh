#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already present, so a
# fresh machine of this kind gets everything and a second run starts at once.
#   scripts/setup.sh          build tools (wasm target, cargo-leptos, wasm-bindgen, wasm-opt)
#   scripts/setup.sh --e2e    ... plus Chromium for the Playwright tests
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

# 0.3.11 needs rustc 1.96; no_downloads: a missing tool is an error, not a failing download.
# Its own release profile (fat LTO, one codegen unit, opt-level 3) took 22-25 minutes here;
# opt-level 1 without LTO took 16.5 minutes while another build shared the two cores, and
# its work (CSS, JS minifying, brotli of the site) stays a few seconds (bench/README.md).
if ! cargo leptos --version 2>/dev/null | grep -q ' 0\.3\.10'; then
    say "installing cargo-leptos 0.3.10 (about 15 minutes on 2 cores, once)"
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false \
        CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_DEBUG=false \
        cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads
fi

# The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
wb=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"; then
    say "installing wasm-bindgen-cli $wb"
    # Not --locked: its own lockfile pins a yanked crate.
    cargo install wasm-bindgen-cli --version "$wb"
fi

# npm packages: Playwright (browsers are never downloaded) and binaryen's wasm-opt.
if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -d end2end/node_modules/@playwright/test ] \
    || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "installing npm packages in end2end/"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# The tests' machines (make test): Chromium for Playwright, and real mail servers: one to
# send to (aiosmtpd, run by Debian's own python: scripts/smtp-sink.py) and one to read
# from (dovecot: scripts/imap-server.sh).
if [ "${1:-}" = "--e2e" ]; then
    missing=""
    [ -x /usr/bin/chromium ] || missing="chromium"
    /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing="$missing python3-aiosmtpd"
    command -v dovecot >/dev/null || missing="$missing dovecot-imapd"
    if [ -n "$missing" ]; then
        say "installing $missing (Debian packages)"
        sudo_cmd=""
        [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
        $sudo_cmd apt-get update -qq
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $missing
    fi
fi
say "tools ready"
