#!/usr/bin/env bash
# demo.sh — a two-minute tour of tbfs on the bundled logs (examples/logs).
#
# Installs missing Debian packages (scripts/install-deps.sh), builds build/,
# mounts examples/logs at a fresh temporary directory, shows a few ways to
# read the files (ls, head, awk, pandas), then unmounts. A trap unmounts
# and stops tbfs on every exit path. Without a usable FUSE (no /dev/fuse,
# e.g. in some containers) it shows the same tree written by
# `tbfs --export` instead.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
LOGDIR=$ROOT/examples/logs
TBFS=$ROOT/build/fs/tbfs
PY=/usr/bin/python3

MNT=""
WORK=""
PID=""
MOUNTED=0

cleanup() {
	local rc=$?

	if [ "$MOUNTED" -eq 1 ] && mountpoint -q "$MNT" 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -u -z "$MNT" \
			2>/dev/null || true
	fi
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	if [ -n "$WORK" ] && ! mountpoint -q "$MNT" 2>/dev/null; then
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Echo a command line (one string) like a transcript, then run it.
show() {
	printf '\n$ %s\n' "$1"
	eval "$1"
}

bash scripts/install-deps.sh

# Build quietly; show the output only if something fails.
if [ ! -f build/build.ninja ]; then
	if ! out=$(meson setup build 2>&1); then
		printf '%s\n' "$out" >&2
		exit 1
	fi
fi
if ! out=$(ninja -C build 2>&1); then
	printf '%s\n' "$out" >&2
	exit 1
fi
if [ ! -x "$TBFS" ]; then
	echo "demo: $TBFS was not built" >&2
	exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tbfs-demo.XXXXXX")
MNT=$WORK/mnt
mkdir "$MNT"

if [ -c /dev/fuse ] && command -v fusermount3 >/dev/null; then
	echo "demo: mounting examples/logs at $MNT"
	"$TBFS" -f "$LOGDIR" "$MNT" 2>"$WORK/tbfs.log" &
	PID=$!
	MOUNTED=1
	# Wait for the mount (10 s at most), failing at once if tbfs died.
	for _ in $(seq 100); do
		if mountpoint -q "$MNT"; then
			break
		fi
		if ! kill -0 "$PID" 2>/dev/null; then
			echo "demo: tbfs exited before mounting:" >&2
			cat "$WORK/tbfs.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	if ! mountpoint -q "$MNT"; then
		echo "demo: $MNT is not mounted after 10 s" >&2
		cat "$WORK/tbfs.log" >&2
		exit 1
	fi
else
	echo "demo: FUSE is not usable here; showing \`tbfs --export\` output"
	"$TBFS" --export "$LOGDIR" "$MNT"
fi

cd "$MNT"
CSV=seeds/run_1/scalars/strict/foo.csv

show 'ls -R | head -n 40 || true'
show "head -n 5 runs.csv | cut -c 1-120 || true"
show "head -n 5 $CSV || true"
show "awk -F, 'NR > 1 { n++; s += \$3; if (\$3 > max || n == 1) max = \$3 }
    END { printf \"%d points, mean %.4f, max %.4f\\n\", n, s / n, max }' $CSV"
show "$PY - <<'EOF'
import glob
import pandas as pd

# One column per seed, indexed by step; then the mean over seeds.
runs = sorted(glob.glob('seeds/run_*/scalars/strict/foo.csv'))
df = pd.concat({p.split('/')[1]: pd.read_csv(p, index_col='step')['value']
                for p in runs}, axis=1)
df['mean'] = df.mean(axis=1)
print(df.tail())
EOF"

cd "$ROOT"
if [ "$MOUNTED" -eq 1 ]; then
	printf '\n$ fusermount3 -u %s\n' "$MNT"
	fusermount3 -u "$MNT"
	rc=0
	wait "$PID" || rc=$?
	PID=""
	MOUNTED=0
	if [ "$rc" -ne 0 ]; then
		echo "demo: tbfs exited with status $rc:" >&2
		cat "$WORK/tbfs.log" >&2
		exit 1
	fi
fi
echo
echo "demo: done. Mount your own logs with: build/fs/tbfs LOGDIR MOUNTPOINT"
