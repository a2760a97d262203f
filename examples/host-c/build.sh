#!/usr/bin/env bash
# Builds the C host example into OUT_DIR (default: ./out):
#   two libraries without the runtime, the runtime archive once, and the program.
# Uses $WASI_AOT (default: wasi-aot on the PATH) and $CC (default: cc).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/out}"
wasi_aot="${WASI_AOT:-wasi-aot}"
cc="${CC:-cc}"
mkdir -p "$out"

"$wasi_aot" build --lib "$here/../library/greet.wasm" -o "$out/libgreet.a" \
    --header "$out/greet.h" --no-runtime
"$wasi_aot" build --lib "$here/../library/textstats.wasm" -o "$out/libtextstats.a" \
    --header "$out/textstats.h" --no-runtime
"$wasi_aot" runtime -o "$out/libwasi_aot_runtime.a"

$cc -std=c11 -Wall -Wextra -Werror -O2 -I "$out" -o "$out/host" "$here/main.c" \
    "$out/libgreet.a" "$out/libtextstats.a" "$out/libwasi_aot_runtime.a" \
    -Wl,--gc-sections -Wl,--strip-debug -lpthread -ldl -lm
