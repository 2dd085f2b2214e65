#!/bin/bash
# bench/fleet.sh [fleet.py options]: the fleet speed benchmarks of issue 5
# (propagation on 100k names, 1/1000-record changes and AXFR in on 1M
# names), nsfleetd beside Knot and BIND; see the top of bench/fleet.py.
# NSFLEETD=path picks the binary (default: build/src/server/nsfleetd).
# Output: the tables on stdout, and a copy in $OUT (default
# /tmp/fleetbench/fleet-<time>.txt); work files under /tmp/fleetbench.
# Examples:
#   NSFLEETD=build-fleetbench/src/server/nsfleetd bench/fleet.sh
#   bench/fleet.sh --parts prop --changes 20 --small-n 10000     # quick check
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -n "${NSFLEETD:-}" ]; then NSFLEETD=$(realpath "$NSFLEETD"); export NSFLEETD; fi
mkdir -p /tmp/fleetbench
OUT=${OUT:-/tmp/fleetbench/fleet-$(date -u +%Y%m%d-%H%M%S).txt}
echo "# output also in $OUT"
/usr/bin/python3 "$HERE/fleet.py" "$@" 2>&1 | tee "$OUT"
exit "${PIPESTATUS[0]}"
