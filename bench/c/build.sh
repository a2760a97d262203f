#!/bin/sh
# Rebuilds the committed .wasm files from the C sources with Debian's clang and
# wasi-libc (the native builds are made by the harness itself, with the same clang).
set -eu
cd "$(dirname "$0")"
for src in *.c; do
    # hello.c is only built natively: the startup benchmark's wasm is examples/demo.wasm.
    [ "$src" = hello.c ] && continue
    clang --target=wasm32-wasi --sysroot=/usr -O2 -o "${src%.c}.wasm" "$src" -lm
done
