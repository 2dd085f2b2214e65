#!/bin/bash
# bench/null-limit.sh [N] [DURATION]: the kernel/loopback ceiling for the
# serving benchmark, by /work/shared/bench/limit/measure.sh: a responder
# that answers every query with a fixed packet and does no DNS work
# (nullresp), with run-peers.sh's pinning (server CPU 1, dnsperf CPU 0) and
# dnsperf settings, on the hit mix of the N-name zone (default 1000000;
# the query file must exist: run bench/server.sh with the same N first, or
# /work/shared/bench/gen-queries.sh).  Prints one line: QPS, busy share of
# the server core, QPS per server core.  Compare a server's "QPS per server
# core" in the summary with it.
set -euo pipefail
BENCH_DIR=${BENCH_DIR:-/work/shared/bench}
N=${1:-${N:-1000000}}
DURATION=${2:-${DURATION:-8}}
DATA=${DATA:-/tmp/bench-data}
q=$DATA/queries/bench-$N.hit.q
[ -s "$q" ] || { echo "no query file $q (run bench/server.sh with N=$N first)" >&2; exit 2; }
exec "$BENCH_DIR/limit/measure.sh" "$q" "$DURATION"
