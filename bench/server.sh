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
#
# bench/server.sh --cpu-per-query [SERVER ...] (default: knot nsd nsfleet)
#   A measurement that a busy machine disturbs less: for ROUNDS (3) rounds,
#   each server in turn is started with run-peers.sh's config and pinning
#   (server on SERVER_CPU, dnsperf on CLIENT_CPU, same dnsperf options),
#   and for each mix a DURATION (6) s dnsperf run is framed by the CPU time
#   (utime+stime, /proc/PID/stat) of the server's process tree.  Prints
#   one line per run: queries answered per CPU second of the server
#   itself.  Network softirq work charged to no process is left out.  Uses
#   the zone and query files a run-peers.sh run with the same N made.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH_DIR=${BENCH_DIR:-/work/shared/bench}
export BENCH_EXTRA=$HERE/nsfleetd.bench

cpu_per_query() {
    local N=${N:-1000000} ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-6} DATA=${DATA:-/tmp/bench-data}
    local SERVER_CPU=${SERVER_CPU:-1} CLIENT_CPU=${CLIENT_CPU:-0} port=${BASE_PORT:-5300}
    local zone=$DATA/bench-$N.zone q=$DATA/queries/bench-$N s mix round dir pid p c0 c1 out n
    [ -s "$zone" ] && [ -s "$q.hit.q" ] || { echo "no $zone or $q.*.q: run bench/server.sh with N=$N first" >&2; exit 2; }
    # the server definitions of run-peers.sh (without running it) and ours
    eval "$(sed -n '/^server_[a-z]*() {/,/^}$/p' "$BENCH_DIR/run-peers.sh")"
    . "$BENCH_EXTRA"
    [ $# -eq 0 ] && set -- knot nsd nsfleet
    tree() { ps -e -o pid=,ppid= | awk -v r="$1" '{k[$2]=k[$2]" "$1} END{q[0]=r;n=1;for(i=0;i<n;i++){print q[i];m=split(k[q[i]],a," ");for(j=1;j<=m;j++)q[n++]=a[j]}}'; }
    # utime+stime in ticks; the command name (field 2) may hold spaces
    cputicks() { local t=0 p; for p in $(tree "$1"); do
        t=$((t + $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0))); done; echo $t; }
    local hz; hz=$(getconf CLK_TCK)
    for round in $(seq 1 "$ROUNDS"); do
        for s in "$@"; do
            dir=$DATA/cpuq/$s; rm -rf "$dir"; mkdir -p "$dir"; CMD=()
            "server_$s" "$dir" "$port" "$zone" bench.test.
            taskset -c "$SERVER_CPU" "${CMD[@]}" > "$dir/server.log" 2>&1 & pid=$!
            if ! /usr/bin/python3 "$BENCH_DIR/dnsprobe.py" wait-soa "$port" bench.test. 2024010101 600 "$pid" > /dev/null; then
                echo "$s: no SOA answer" >&2; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; continue
            fi
            for mix in ${MIXES:-hit nxdomain referral}; do
                for p in $(tree "$pid"); do taskset -a -p -c "$SERVER_CPU" "$p" > /dev/null 2>&1; done
                c0=$(cputicks "$pid")
                out=$(taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$port" -d "$q.$mix.q" -l "$DURATION" \
                      -T "${DP_THREADS:-2}" -c "${CLIENTS:-10}" -q "${OUTSTANDING:-100}" -Q "${MAXQPS:-2000000}" 2>&1)
                c1=$(cputicks "$pid")
                n=$(awk '/Queries completed/{print $3}' <<< "$out")
                awk -v r="$round" -v s="$s" -v m="$mix" -v n="$n" -v t=$((c1 - c0)) -v hz="$hz" -v d="$DURATION" 'BEGIN {
                    printf "round=%s server=%s mix=%s qps=%.0f server_cpu_share=%.2f queries_per_cpu_s=%.0f\n",
                           r, s, m, n / d, t / hz / d, (t > 0 ? n / (t / hz) : 0) }'
            done
            for p in $(tree "$pid"); do kill -TERM "$p" 2>/dev/null; done
            wait "$pid" 2>/dev/null || true
            sleep 1
        done
    done
}

if [ "${1:-}" = --cpu-per-query ]; then
    shift
    cpu_per_query "$@"
    exit 0
fi
[ $# -eq 0 ] && set -- knot nsd bind nsfleet
exec "$BENCH_DIR/run-peers.sh" "$@"
