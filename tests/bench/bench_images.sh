#!/usr/bin/env bash
# bench_images.sh — a run with many images: listing images/<tag>/ and
# reading one image must not load the other images' bytes.
#
#   tests/bench/bench_images.sh            (10,000 images of 20 kB)
#   N=2000 SIZE=4096 BUILD=build tests/bench/bench_images.sh
#
# Prints the time and the daemon's resident memory (VmRSS) after mounting,
# after `ls` of images/samples/, after reading one image, and after
# reading runs.csv; plus the log size for scale. A command, not a test.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${N:-10000}
SIZE=${SIZE:-20000}
ninja -C "$BUILD" fs/tbfs tests/gen/tbfs-gen >/dev/null
work=$(mktemp -d /tmp/tbfs-bench-images.XXXXXX)
mnt=$work/mnt
pid=""
cleanup() {
	if mountpoint -q "$mnt" 2>/dev/null; then
		fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -u -z "$mnt" || true
	fi
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/logs/run" "$mnt"
"$BUILD/tests/gen/tbfs-gen" images "$work/logs/run/events.out.tfevents.1700000000.bench" \
	--steps "$N" --bytes "$SIZE"
logsize=$(stat -c %s "$work/logs/run/events.out.tfevents.1700000000.bench")

"$BUILD/fs/tbfs" -f "$work/logs" "$mnt" 2>"$work/tbfs.log" &
pid=$!
for _ in $(seq 100); do mountpoint -q "$mnt" && break; sleep 0.05; done
mountpoint -q "$mnt" || { cat "$work/tbfs.log"; exit 1; }

rss() { awk '/VmRSS/ { printf "%.1f MB", $2 / 1024 }' "/proc/$pid/status"; }
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo "$(( (t1 - t0) / 1000000 )) ms"; }

printf 'log: %d images of ~%d bytes, %.1f MB\n' "$N" "$SIZE" "$(echo "$logsize / 1000000" | bc -l)"
printf '%-36s %10s   RSS %s\n' "mounted" "-" "$(rss)"
t=$(ms ls "$mnt/run/images/samples/")
n=$(ls "$mnt/run/images/samples/" | wc -l)
printf '%-36s %10s   RSS %s  (%d entries)\n' "ls images/samples/ (first)" "$t" "$(rss)" "$n"
t=$(ms ls -l "$mnt/run/images/samples/")
printf '%-36s %10s   RSS %s\n' "ls -l images/samples/" "$t" "$(rss)"
one="$mnt/run/images/samples/$((N / 2)).png"
t=$(ms cat "$one")
printf '%-36s %10s   RSS %s  (%d bytes, %s)\n' "cat one image" "$t" "$(rss)" \
	"$(stat -c %s "$one")" "$(head -c 4 "$one" | tail -c 3)"
t=$(ms cat "$mnt/runs.csv")
printf '%-36s %10s   RSS %s\n' "cat runs.csv" "$t" "$(rss)"
