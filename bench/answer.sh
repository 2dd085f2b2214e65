#!/bin/bash
# bench/answer.sh [N] [PASSES]: CPU time per query of nsfleetd's answer
# engine alone (build/bench/answer-loop: answer_query over the dnsperf
# query files, no sockets, no client), for the hit, nxdomain and referral
# mixes that bench/server.sh uses.  Needs the zone and query files a
# bench/server.sh run with the same N made (in $DATA, default
# /tmp/bench-data).  ANSWER_LOOP=path picks the binary; SERVER_CPU (1)
# the core it is pinned to.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
N=${1:-${N:-1000000}}
PASSES=${2:-3}
DATA=${DATA:-/tmp/bench-data}
BIN=${ANSWER_LOOP:-$HERE/../build/bench/answer-loop}
zone=$DATA/bench-$N.zone q=$DATA/queries/bench-$N
[ -s "$zone" ] && [ -s "$q.hit.q" ] || { echo "no $zone or $q.*.q: run bench/server.sh with N=$N first" >&2; exit 2; }
for mix in ${MIXES:-hit nxdomain referral}; do
    printf 'mix=%s ' "$mix"
    taskset -c "${SERVER_CPU:-1}" "$BIN" "$zone" bench.test. "$q.$mix.q" "$PASSES"
done
