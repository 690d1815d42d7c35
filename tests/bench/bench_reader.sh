#!/usr/bin/env bash
# Reader benchmark: generates a ~1 GB scalar-heavy log with tbfs-gen (once,
# cached in $TBFS_BENCH_DIR, default /tmp/tbfs-bench) and runs bench_reader
# on it. Usage: tests/bench/bench_reader.sh [BYTES] [--drop-caches]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
bytes=${1:-1G}
dir=${TBFS_BENCH_DIR:-/tmp/tbfs-bench}
mkdir -p "$dir"
log="$dir/big-$bytes.tfevents"
ninja -C "$build" tests/gen/tbfs-gen tests/bench/bench_reader >/dev/null
if [ ! -s "$log" ]; then
	echo "generating $log ..."
	"$build/tests/gen/tbfs-gen" big "$log" --bytes "$bytes"
fi
"$build/tests/bench/bench_reader" "$log" "${2:-}"
