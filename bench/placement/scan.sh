#!/bin/sh
# Times sieve-loop.c with the loop at every even offset within a 64-byte line (best of
# 3 runs each): `sh bench/placement/scan.sh`.
set -eu
dir=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pad in $(seq 0 2 62); do
    cc -O2 -DPAD="$pad" -o "$tmp/loop" "$dir/sieve-loop.c"
    best=
    for _ in 1 2 3; do
        t=$("$tmp/loop" | cut -d' ' -f2)
        if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
            best=$t
        fi
    done
    echo "pad $pad: $best s"
done
