#!/usr/bin/env bash
# bench/floor/build.sh A|B|C: builds one of the minimal Leptos apps the way cargo-leptos
# 0.3.10 builds a release client (no --split), with this repository's Cargo.lock, and
# prints its sizes raw / gzip -9 / brotli 11. bench/RESULTS.md ("Leptos's own floor").
set -euo pipefail
V=${1:?A, B or C}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export PATH=$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH
WORK=${FLOOR_DIR:-/tmp/helpdesk-floor}
mkdir -p "$WORK"
cp -r "$HERE/Cargo.toml" "$HERE/src" "$WORK/"
# The app's own versions of leptos, wasm-bindgen, serde (cargo drops what is unused).
cp "$ROOT/Cargo.lock" "$WORK/"
cd "$WORK"
case $V in A) FEAT=() ;; B) FEAT=(--features b) ;; C) FEAT=(--features c) ;; *) exit 2 ;; esac
LEPTOS_OUTPUT_NAME=floor RUSTFLAGS="--cfg erase_components" \
  cargo build --lib --target=wasm32-unknown-unknown --no-default-features "${FEAT[@]}" \
  --profile=wasm-release
OUT=out/$V
rm -rf "$OUT" && mkdir -p "$OUT"
# As cargo-leptos (src/compile/front.rs, not split): wasm-bindgen --target=web, then
# wasm-opt -Oz with the features it enables by default.
wasm-bindgen --target=web --out-name=floor --out-dir="$OUT" \
  target/wasm32-unknown-unknown/wasm-release/floor.wasm
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$OUT/floor_bg.wasm" -o "$OUT/floor.wasm"
node "$HERE/sizes.js" "$OUT/floor.wasm"
