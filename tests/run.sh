#!/usr/bin/env bash
# tests/run.sh — THE test command (CI runs it through .ci/run).
#
#   1. installs missing Debian packages (scripts/install-deps.sh);
#   2. configures and builds build/ (-Dwerror=true) and build-asan/
#      (ASan + UBSan, -Dwerror=true), reconfiguring existing build dirs;
#   3. runs the meson `unit` suite in both builds, then the pytest files in
#      tests/e2e/ (if any) against build/ (env TBFS_BIN, TBFS_GEN, TBFS_DUMP,
#      TBFS_FIXTURES, ...), each pytest test counted on its own. (The meson
#      `e2e` suite wraps that same pytest run as one test, so it is not run
#      here a second time.)
#   4. ends with exactly one line: "N passed, M failed" (", K skipped"
#      appended when K > 0), summed over all of the above. A failed setup or
#      build counts as one failure. Exit status 0 only if nothing failed.
#
# Runs unattended (stdin is /dev/null); works from a fresh clone on Debian 12.
set -uo pipefail
exec </dev/null

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT=$PWD
PY=/usr/bin/python3

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
if [ -f "$ROOT/tests/lsan.supp" ]; then
	export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp"
fi

passed=0
failed=0
skipped=0

fail() {
	echo "run.sh: FAILED: $*" >&2
	failed=$((failed + 1))
}

finish() {
	local line="$passed passed, $failed failed"

	if [ "$skipped" -gt 0 ]; then
		line+=", $skipped skipped"
	fi
	echo "$line"
	if [ "$failed" -gt 0 ]; then
		exit 1
	fi
	exit 0
}

# setup_build DIR MESON-OPTION...: configure (or reconfigure) and build.
setup_build() {
	local dir=$1

	shift
	echo "run.sh: === configure and build $dir" >&2
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		meson setup --reconfigure "$dir" "$@" || return 1
	else
		meson setup "$dir" "$@" || return 1
	fi
	ninja -C "$dir" || return 1
}

# add_counts "P F S" RC WHAT: add a runner's passed/failed/skipped counts;
# a non-zero exit with no failed test is a failure of its own.
add_counts() {
	local p f s

	read -r p f s <<<"$1"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail "$3 exited $2"
	fi
}

# meson_suite DIR SUITE: run one meson suite and add its counts.
meson_suite() {
	local dir=$1 suite=$2 log=$1/meson-logs/testlog.json rc counts

	if ! meson test -C "$dir" --no-rebuild --list --suite "$suite" \
		>/dev/null 2>&1; then
		echo "run.sh: no '$suite' tests in $dir" >&2
		return 0
	fi
	echo "run.sh: === meson test --suite $suite in $dir" >&2
	rm -f "$log"
	meson test -C "$dir" --no-rebuild --suite "$suite" --print-errorlogs
	rc=$?
	if [ ! -s "$log" ]; then
		fail "meson test --suite $suite in $dir wrote no log (exit $rc)"
		return 0
	fi
	# One JSON object per test; anything but OK/EXPECTEDFAIL/SKIP failed.
	counts=$(jq -rs '[
		(map(select(.result == "OK" or .result == "EXPECTEDFAIL"))
			| length),
		(map(select(.result != "OK" and .result != "EXPECTEDFAIL"
			and .result != "SKIP")) | length),
		(map(select(.result == "SKIP")) | length)
		] | @tsv' "$log") || {
		fail "cannot read $log"
		return 0
	}
	add_counts "$counts" "$rc" "meson test --suite $suite in $dir"
}

# pytest_e2e DIR: the pytest files of tests/e2e/ against the binaries of
# build directory DIR (the sanitizer build too: the daemon's log is
# checked for sanitizer reports by the tests).
pytest_e2e() {
	local dir=$1 xml rc counts

	if ! compgen -G "tests/e2e/test_*.py" >/dev/null &&
		! compgen -G "tests/e2e/*_test.py" >/dev/null; then
		echo "run.sh: no pytest files in tests/e2e, skipped" >&2
		return 0
	fi
	echo "run.sh: === pytest tests/e2e against $dir" >&2
	xml=$(mktemp "${TMPDIR:-/tmp}/tbfs-pytest.XXXXXX.xml")
	TBFS_BIN="$ROOT/$dir/fs/tbfs" \
	TBFS_GEN="$ROOT/$dir/tests/gen/tbfs-gen" \
	TBFS_DUMP="$ROOT/$dir/reader/tbfs-dump" \
	TBFS_FIXTURES="$ROOT/tests/fixtures/real" \
	TBFS_SRCDIR="$ROOT" \
	TBFS_BUILDDIR="$ROOT/$dir" \
		"$PY" -m pytest -q -p no:cacheprovider --junitxml="$xml" tests/e2e
	rc=$?
	if [ "$rc" -eq 5 ]; then
		# Exit 5: no tests collected. Not a failure.
		rm -f "$xml"
		return 0
	fi
	counts=$("$PY" - "$xml" <<'PYEOF'
import sys
import xml.etree.ElementTree as ET
t = f = s = 0
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    sys.exit(1)
suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
for su in suites:
    t += int(su.get("tests", 0))
    f += int(su.get("failures", 0)) + int(su.get("errors", 0))
    s += int(su.get("skipped", 0))
print(t - f - s, f, s)
PYEOF
	) || counts=""
	rm -f "$xml"
	if [ -z "$counts" ]; then
		fail "pytest exited $rc without a readable report"
		return 0
	fi
	add_counts "$counts" "$rc" "pytest against $dir"
}

if ! bash scripts/install-deps.sh; then
	fail "scripts/install-deps.sh"
	finish
fi

if setup_build build -Dwerror=true; then
	plain_ok=1
else
	fail "configure/build of build/"
	plain_ok=0
fi
# The sanitizer build uses clang when it is there, so CI builds with both
# compilers (gcc for build/) with warnings as errors.
if command -v clang >/dev/null && [ ! -d build-asan/meson-private ]; then
	export CC=clang CXX=clang++
fi
if setup_build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
	-Dwerror=true; then
	asan_ok=1
else
	fail "configure/build of build-asan/"
	asan_ok=0
fi

if [ "$plain_ok" -eq 1 ]; then
	meson_suite build unit
fi
if [ "$asan_ok" -eq 1 ]; then
	meson_suite build-asan unit
fi
unset CC CXX
if [ "$plain_ok" -eq 1 ]; then
	pytest_e2e build
fi
if [ "$asan_ok" -eq 1 ]; then
	pytest_e2e build-asan
fi

finish
