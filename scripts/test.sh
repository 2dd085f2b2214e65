#!/bin/sh
# Installs, builds and runs every test: the cmocka unit tests, the same
# under ASan+UBSan, the pytest system tests, and each libFuzzer target for
# a bounded time (FUZZ_SECONDS, default 30) on its seed corpus.
# Prints each runner's own summary; exits non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
failed=""

stage() { printf '\n===== %s =====\n' "$1"; }
fail() { failed="$failed $1"; echo "FAILED: $1"; }

stage "install dependencies"
./scripts/install-deps.sh || { echo "dependency install failed"; exit 1; }

stage "build"
BUILD=build ./scripts/build.sh >/dev/null || fail build

stage "unit tests (cmocka)"
meson test -C build --verbose --print-errorlogs || fail unit

stage "unit tests under ASan+UBSan"
if BUILD=build-asan ./scripts/build.sh -Db_sanitize=address,undefined -Db_lundef=false >/dev/null; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-asan --verbose --print-errorlogs || fail unit-asan
else
	fail build-asan
fi

# The system tests run in a network namespace of their own with only
# loopback up: whatever a test or a daemon under test would send to an
# address that is not loopback (a NOTIFY to the NS of a test zone, say)
# fails there instead of leaving the machine.  Lab tests make their own
# namespaces inside it.
isolated() {
	if [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
		unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh "$@"
	else
		echo "(cannot make a network namespace: the system tests use the host's network)"
		"$@"
	fi
}

stage "system tests (pytest)"
isolated env NSFLEET="$PWD/build/src/tools/nsfleet" /usr/bin/python3 -m pytest -q tests/system || fail system

stage "fuzz targets (${FUZZ_SECONDS}s each)"
if CC=clang BUILD=build-fuzz ./scripts/build.sh -Dfuzz=true -Dtests=false >/dev/null; then
	for f in build-fuzz/tests/fuzz/fuzz_*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		t=${f##*/fuzz_}
		work=$(mktemp -d)
		cp -r "tests/fuzz/corpus/$t/." "$work/" 2>/dev/null || true
		echo "--- fuzz_$t"
		if NSF_ANSWER_DATA="$PWD/tests/unit/data" "$f" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$work.crash-" \
			-print_final_stats=0 "$work" >"$work.log" 2>&1; then
			tail -n 2 "$work.log"
		else
			tail -n 40 "$work.log"
			fail "fuzz_$t"
		fi
		rm -rf "$work" "$work.log" "$work".crash-*
	done
else
	fail build-fuzz
fi

stage "summary"
if [ -n "$failed" ]; then
	echo "FAILED:$failed"
	exit 1
fi
echo "all tests passed"
