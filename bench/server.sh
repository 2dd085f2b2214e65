#!/bin/bash
# bench/server.sh [SERVER ...]: the side-by-side serving benchmark of
# nsfleetd with the peers (default: knot nsd bind nsfleet), by
# /work/shared/bench/run-peers.sh with bench/nsfleetd.bench as BENCH_EXTRA.
#
# Every knob of run-peers.sh is read from the environment and so passes
# through: N RUNS DURATION MIXES DP_THREADS CLIENTS OUTSTANDING MAXQPS
# LAT_QPS LAT_DURATION SERVER_CPU CLIENT_CPU DATA OUT BASE_PORT
# LOAD_TIMEOUT SETTLE AXFR_TIMEOUT; NSFLEETD=path picks the binary;
# BENCH_DIR (default /work/shared/bench) where run-peers.sh lives.
# Examples:
#   N=100000 RUNS=1 DURATION=5 bench/server.sh          # quick check
#   RUNS=1 DURATION=10 bench/server.sh                  # 1M names
# Results: $OUT/summary.md (default /tmp/bench-data/results/<time>/).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH_DIR=${BENCH_DIR:-/work/shared/bench}
export BENCH_EXTRA=$HERE/nsfleetd.bench
[ $# -eq 0 ] && set -- knot nsd bind nsfleet
exec "$BENCH_DIR/run-peers.sh" "$@"
