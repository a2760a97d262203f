#!/usr/bin/env bash
# Rebuilds the committed modules of the sandbox cases from their sources. Needs Debian's
# clang, lld, wasi-libc and libclang-rt-14-dev-wasm32, and wabt's wat2wasm.
set -euo pipefail
cd "$(dirname "$0")"

clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Wl,--strip-debug -o escape.wasm escape.c
wat2wasm -o pointers.wasm pointers.wat
wat2wasm -o unstable.wasm unstable.wat
