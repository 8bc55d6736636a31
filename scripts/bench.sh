#!/usr/bin/env bash
# make bench [BENCH_ARGS=--quick]: release build of switchboard-bench, every scenario, one table,
# bench/results.json (SPEC §7). Full run ≈ 24 minutes (storm alone is 5, store 6, audio 3.5, cluster 3); --quick ≈ 4.5 minutes.
# Other flags: --only ingest,footprint,connections,fanout,recovery,churn,store,storm,audio,spotting,journeys,relay,cluster   --out PATH
# (--only cluster: three `switchboard run` replicas on a throw-away PostgreSQL server, ≈ 3 minutes)
# --soak: 30 minutes of storm with random faults on every org and 1,000 clients (never part of the full run);
#   --soak-minutes N for another length (70 runs past the views' 65-minute history horizon)
# (--only audio-opus: the audio scenario's Opus rows alone, ≈ 1 minute)
# (with --only, the other scenarios' rows already in the output file are kept).
# See docs/performance.md for what each figure means and how it is measured.
set -euo pipefail
cd "$(dirname "$0")/.."
# --help before the build (a release build takes minutes); every other flag is checked by the driver, which refuses
# what it does not know.
for a in "$@"; do
    case "$a" in --help|-h) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
done

SCRATCH="${BENCH_SCRATCH:-.build-release}"
echo "building switchboard-bench (release, scratch path $SCRATCH)..." >&2
swift build -c release --scratch-path "$SCRATCH" --product switchboard-bench >&2
# The store, relay and cluster scenarios run `switchboard run` as a child; they look for it beside the bench.
swift build -c release --scratch-path "$SCRATCH" --product switchboard >&2
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/switchboard-bench"

# Allocation counting for the ingest scenario: an LD_PRELOAD malloc counter (bench/malloc-count.c).
if command -v clang >/dev/null 2>&1; then
    mkdir -p "$SCRATCH"
    if clang -O2 -shared -fPIC -o "$SCRATCH/libmalloccount.so" bench/malloc-count.c; then
        export SWITCHBOARD_MALLOC_COUNTER="$PWD/$SCRATCH/libmalloccount.so"
    fi
fi

# 10,000 downstream connections need 10,000 descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
export SWITCHBOARD_SWIFT_VERSION="$(swift --version 2>/dev/null | head -1 | sed -E 's/.*Swift version ([^ ]+).*/\1/')"
mkdir -p bench
exec "$BIN" "$@"
