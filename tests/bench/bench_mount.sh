#!/usr/bin/env bash
# bench_mount.sh — speed and memory of a tbfs mount (issues 3 and 4).
#
# A command, not a test: it measures and prints a table, asserts nothing.
#
#   tests/bench/bench_mount.sh                    # full size (slow, ~3 GB disk)
#   RUNS=200 BYTES=100M tests/bench/bench_mount.sh   # quick
#
# Environment (defaults in brackets):
#   BUILD      build directory with tbfs, tbfs-gen, memfs_ceiling [build]
#   RUNS TAGS STEPS  the generated tree, `tbfs-gen tree` [2000 5 1000]
#   BYTES      size of the single big run, `tbfs-gen big` [1G]
#   WORK       where logs and mountpoints go; logs are kept for reuse
#              [/tmp/tbfs-bench-mount]
#   REPS       repetitions of each throughput measure, best kept [3]
#   CACHE      tbfs -o cache= for the mounts [tbfs's default: sized by the
#              reader's index of the logs read]
#
# Measures, on the tree: `ls -R` and `find` of the whole mount (each on a
# fresh mount), `cat` of every CSV, pandas read_csv of the root
# scalars.csv, first read of runs.csv and of one compare/…wide.csv; on the
# big run: open → first byte of one tag's CSV (the view parses the run,
# then renders the CSV: both times are shown), the
# sequential read of that CSV once rendered with the page cache dropped
# (dd bs=1M) against the same number of bytes served from memory by
# memfs_ceiling (the FUSE ceiling), a second read (kernel page cache)
# against `cat` of a regular file in the page cache, and the daemon's RSS
# (VmRSS) after `ls -la` of the run (a stat of every file: the scalar
# files know their size unwritten, run.json etc. are rendered)
# and after reading everything, once the releases of the last files
# read have reached it (they come after close() returns). memfs_ceiling
# -o keep_cache gives the page-cache ceiling of FUSE itself. The reader's
# own footprint is the peak RSS of tbfs-dump LOGDIR, which parses every
# run and keeps it, as the daemon does; bench_reader, when built, gives
# the reader's parse time and index size (tbr_run_memory) too.
set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-2000}
TAGS=${TAGS:-5}
STEPS=${STEPS:-1000}
BYTES=${BYTES:-1G}
WORK=${WORK:-/tmp/tbfs-bench-mount}
REPS=${REPS:-3}
CACHE=${CACHE:-}
PY=/usr/bin/python3

TBFS=$BUILD/fs/tbfs
GEN=$BUILD/tests/gen/tbfs-gen
MEMFS=$BUILD/tests/bench/memfs_ceiling
READER=$BUILD/tests/bench/bench_reader
DUMP=$BUILD/reader/tbfs-dump
for b in "$TBFS" "$GEN" "$MEMFS"; do
	[ -x "$b" ] || { echo "bench_mount: $b not built (ninja -C $BUILD)" >&2; exit 1; }
done

mkdir -p "$WORK"
TREE=$WORK/tree-$RUNS-$TAGS-$STEPS
BIG=$WORK/big-$BYTES
MNT=$WORK/mnt
MNT2=$WORK/mnt-ceiling
MNT3=$WORK/mnt-ceiling-cached
mkdir -p "$MNT" "$MNT2" "$MNT3"
DAEMON=
CEIL=
CEIL3=

now() { date +%s.%N; }
secs() { $PY -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }
mbps() { $PY -c "import sys; print('%.0f' % (int(sys.argv[1]) / 1e6 / float(sys.argv[2])))" "$1" "$2"; }
row() { printf '%-48s %12s  %s\n' "$1" "$2" "${3:-}"; }

cleanup() {
	local m
	for m in "$MNT" "$MNT2" "$MNT3"; do
		if mountpoint -q "$m"; then
			fusermount3 -u -z "$m" 2>/dev/null || true
		fi
	done
	if [ -n "$DAEMON" ]; then kill "$DAEMON" 2>/dev/null || true; fi
	if [ -n "$CEIL" ]; then kill "$CEIL" 2>/dev/null || true; fi
	if [ -n "$CEIL3" ]; then kill "$CEIL3" 2>/dev/null || true; fi
}
trap cleanup EXIT

wait_mount() {	# MOUNTPOINT PID
	local _
	for _ in $(seq 600); do
		mountpoint -q "$1" && return 0
		kill -0 "$2" 2>/dev/null || { echo "bench_mount: daemon died" >&2; exit 1; }
		sleep 0.05
	done
	echo "bench_mount: $1 did not mount" >&2
	exit 1
}

mount_tbfs() {	# LOGDIR [opts...]
	local logdir=$1
	shift
	"$TBFS" -f ${CACHE:+-o cache="$CACHE"} "$@" "$logdir" "$MNT" \
		2>"$WORK/tbfs.log" &
	DAEMON=$!
	wait_mount "$MNT" "$DAEMON"
}

umount_tbfs() {
	fusermount3 -u "$MNT"
	wait "$DAEMON" || echo "bench_mount: tbfs exited with $?" >&2
	DAEMON=
}

rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# RSS once steady: a file's release reaches the daemon after close()
# returns, so the last file read may still be held for a moment.
rss_settled() {	# PID
	local a b _
	a=$(rss_mb "$1")
	for _ in $(seq 30); do
		sleep 0.1
		b=$(rss_mb "$1")
		[ "$a" = "$b" ] && break
		a=$b
	done
	echo "$a"
}

# Peak RSS (MB) of tbfs-dump LOGDIR: the reader alone holding every run.
reader_rss_mb() {	# LOGDIR
	[ -x "$DUMP" ] || { echo "n/a"; return; }
	$PY -c "
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print('%.0f' % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))" \
		"$DUMP" "$1"
}

ratio() { $PY -c "import sys; print('%.2fx' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2" 2>/dev/null || echo "n/a"; }

drop_file_cache() { $PY -c "
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)" "$1"; }

# One dd run (dd's own timing); prints MB/s.
dd_once() {	# FILE BYTES
	local t
	t=$(LC_ALL=C dd if="$1" of=/dev/null bs=1M 2>&1 >/dev/null |
		awk '/copied/ { print $(NF - 3) }')
	mbps "$2" "$t"
}

max() { if [ "$1" -gt "$2" ]; then echo "$1"; else echo "$2"; fi; }

# ---- logs (generated once, kept in WORK) ----
if [ ! -d "$TREE" ]; then
	echo "generating $TREE ..." >&2
	"$GEN" tree "$TREE.tmp" --runs "$RUNS" --tags "$TAGS" --steps "$STEPS"
	mv "$TREE.tmp" "$TREE"
fi
BIGFILE=$BIG/run/events.out.tfevents.1700000000.bench
if [ ! -s "$BIGFILE" ]; then
	echo "generating $BIGFILE ..." >&2
	mkdir -p "$BIG/run"
	"$GEN" big "$BIGFILE.tmp" --bytes "$BYTES"
	mv "$BIGFILE.tmp" "$BIGFILE"
fi

echo
echo "tbfs mount benchmark ($(nproc) CPUs, $(uname -r))"
echo "tree: $RUNS runs x $TAGS tags x $STEPS steps ($(du -sh "$TREE" | cut -f1)); big run: $(du -h "$BIGFILE" | cut -f1)"
echo
row "measure" "value" "note"
row "-------" "-----" "----"

# ---- the tree ----
mount_tbfs "$TREE"
t0=$(now)
# shellcheck disable=SC2012  # ls -R itself is what is measured
n=$(ls -R "$MNT" | wc -l)
t1=$(now)
row "ls -R (fresh mount)" "$(secs "$t0" "$t1") s" "$n lines"
umount_tbfs

mount_tbfs "$TREE"
t0=$(now); n=$(find "$MNT" | wc -l); t1=$(now)
row "find (fresh mount)" "$(secs "$t0" "$t1") s" "$n entries"
t0=$(now); $PY -c "open('$MNT/runs.csv','rb').read()"; t1=$(now)
row "runs.csv, first read" "$(secs "$t0" "$t1") s" "$(stat -c %s "$MNT/runs.csv") bytes"
wide=$MNT/compare/scalars/tag0.wide.csv
if [ -e "$wide" ]; then
	t0=$(now); cat "$wide" >/dev/null; t1=$(now)
	row "compare/scalars/tag0.wide.csv, first read" "$(secs "$t0" "$t1") s" "$(stat -c %s "$wide") bytes"
else
	row "compare/scalars/tag0.wide.csv" "n/a" "not shown by the view yet"
fi
t0=$(now)
bytes=$(find "$MNT" -name '*.csv' -print0 | xargs -0 cat | wc -c)
t1=$(now)
row "cat of every CSV" "$(secs "$t0" "$t1") s" "$bytes bytes, $(mbps "$bytes" "$(secs "$t0" "$t1")") MB/s"
t0=$(now)
rows=$($PY -c "
import pandas as pd
print(len(pd.read_csv('$MNT/scalars.csv', float_precision='round_trip')))")
t1=$(now)
row "pandas read_csv(scalars.csv)" "$(secs "$t0" "$t1") s" "$rows rows"
rss_tree=$(rss_settled "$DAEMON")
umount_tbfs
reader_tree=$(reader_rss_mb "$TREE")
row "daemon RSS after reading everything (tree)" "$rss_tree MB" "$(ratio "$rss_tree" "$reader_tree") the reader's (bar 2x)"
row "reader alone: tbfs-dump of the tree, peak RSS" "$reader_tree MB" ""

# ---- the big run ----
mount_tbfs "$BIG"
csv=$MNT/run/scalars/loss.csv
# The open alone would do both steps; listing the run first parses it, so
# the two costs can be told apart (timed inside Python: no start-up).
read -r parse ttfb < <($PY -c "
import os, sys, time
t0 = time.monotonic()
os.listdir(sys.argv[1])
t1 = time.monotonic()
with open(sys.argv[2], 'rb') as f:
    f.read(1)
t2 = time.monotonic()
print('%.3f %.3f' % (t1 - t0, t2 - t0))" "$MNT/run/scalars" "$csv")
size=$(stat -c %s "$csv")
row "big run: open -> first byte of loss.csv" "$ttfb s" "$(ratio "$ttfb" "$parse") the parse (bar 1.10x)"
row "  of which: parse the run (list run/scalars/)" "$parse s" ""
row "  of which: size, open, first chunk of loss.csv" "$(secs "$parse" "$ttfb") s" "$size bytes"
# stat of every file of the run, the 1 GB scalars.csv included: the
# scalar files give their size without being written.
t0=$(now)
ls -la "$MNT/run/" "$MNT/run/scalars/" >/dev/null
t1=$(now)
row "ls -la run/ run/scalars/ (every size)" "$(secs "$t0" "$t1") s" ""
row "daemon RSS after ls -la run/ run/scalars/" "$(rss_settled "$DAEMON") MB" ""
cat "$csv" >/dev/null	# rendered and cached now

# The ceilings, mounted beside tbfs so that each round measures all under
# the same load: memfs_ceiling without and with the page cache kept.
"$MEMFS" -f -o size="$size" "$MNT2" 2>"$WORK/memfs.log" &
CEIL=$!
wait_mount "$MNT2" "$CEIL"
"$MEMFS" -f -o size="$size",keep_cache "$MNT3" 2>"$WORK/memfs-cached.log" &
CEIL3=$!
wait_mount "$MNT3" "$CEIL3"
cat "$MNT3/data" >/dev/null
reg=$WORK/regular.csv
head -c "$size" /dev/zero | tr '\0' '1' >"$reg"
cat "$reg" >/dev/null

first=0 ceiling=0 second=0 ceiling_cached=0 regular=0
for _ in $(seq "$REPS"); do
	drop_file_cache "$csv"
	first=$(max "$first" "$(dd_once "$csv" "$size")")
	ceiling=$(max "$ceiling" "$(dd_once "$MNT2/data" "$size")")
	second=$(max "$second" "$(dd_once "$csv" "$size")")
	ceiling_cached=$(max "$ceiling_cached" "$(dd_once "$MNT3/data" "$size")")
	regular=$(max "$regular" "$(dd_once "$reg" "$size")")
done
rm -f "$reg"
fusermount3 -u "$MNT2"
fusermount3 -u "$MNT3"
wait "$CEIL" "$CEIL3" || true
CEIL=''
CEIL3=''

for c in "$MNT"/run/scalars/*.csv "$MNT"/run/scalars.csv "$MNT"/scalars.csv; do
	cat "$c" >/dev/null
done
rss_big=$(rss_settled "$DAEMON")
umount_tbfs
reader_big=$(reader_rss_mb "$BIG")

pct() { $PY -c "import sys; print('%.0f%%' % (100.0 * int(sys.argv[1]) / max(int(sys.argv[2]), 1)))" "$1" "$2"; }
row "first read, rendered, page cache dropped" "$first MB/s" "$(pct "$first" "$ceiling") of the FUSE ceiling (bar 70%)"
row "FUSE ceiling: memfs_ceiling, same bytes" "$ceiling MB/s" "dd bs=1M, best of $REPS"
row "second read (kernel page cache)" "$second MB/s" "$(pct "$second" "$regular") of a regular file (bar 50%)"
row "regular file in the page cache" "$regular MB/s" "dd bs=1M"
row "memfs_ceiling -o keep_cache, second read" "$ceiling_cached MB/s" "FUSE page-cache ceiling; tbfs at $(pct "$second" "$ceiling_cached")"
row "daemon RSS after reading everything (big)" "$rss_big MB" "$(ratio "$rss_big" "$reader_big") the reader's (bar 2x)"
row "reader alone: tbfs-dump of the big run, peak RSS" "$reader_big MB" ""

if [ -x "$READER" ]; then
	echo
	echo "reader alone on the same log (bench_reader):"
	"$READER" "$BIGFILE" | sed 's/^/  /'
fi
