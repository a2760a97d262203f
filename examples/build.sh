#!/usr/bin/env bash
# Rebuilds the committed example modules from their sources. Needs Debian's clang, lld,
# wasi-libc and libclang-rt-14-dev-wasm32, wabt's wat2wasm, and rustup.
set -euo pipefail
cd "$(dirname "$0")"

clang --target=wasm32-wasi --sysroot=/usr -O2 -Wl,--strip-debug -o c/wordfreq.wasm c/wordfreq.c

# The library-mode modules (examples/host-c, examples/host-rust): a command and a reactor.
clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror -Wl,--strip-debug \
    -o library/greet.wasm library/greet.c
clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror -Wl,--strip-debug \
    -mexec-model=reactor -o library/textstats.wasm library/textstats.c

rustup target add wasm32-wasip1
rustc --target wasm32-wasip1 -O -C strip=debuginfo -o rust/dirstat.wasm rust/dirstat.rs

wat2wasm -o demo.wasm demo.wat
