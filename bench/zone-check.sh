#!/bin/bash
# Zone-file load and check, side by side: nsfleet zone check, kzonecheck
# and named-checkzone -i none on the same generated zone, in one run.
#
#   bench/zone-check.sh [N] [RUNS]     (defaults: 1000000 names, 5 runs)
#
# Wall time and peak RSS (GNU time's %e and %M) of every run; the medians
# and the ratios nsfleet/peer are printed as a Markdown table, ready for
# bench/RESULTS.md.  The zone comes from the shared generator
# (SHARED_BENCH, default ../shared/bench next to the repository).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
N=${1:-1000000}
RUNS=${2:-5}
SHARED_BENCH=${SHARED_BENCH:-$top/../shared/bench}
DATA=${DATA:-/tmp/bench-data}
NSFLEET=${NSFLEET:-$top/build/src/tools/nsfleet}
ORIGIN=bench.test
ZONE=$DATA/zone-$N.zone
mkdir -p "$DATA"
if [ ! -s "$ZONE" ]; then
	/usr/bin/python3 "$SHARED_BENCH/gen-zone.py" "$N" "$ZONE"
fi
[ -x "$NSFLEET" ] || { echo "build nsfleet first ($NSFLEET)" >&2; exit 2; }

declare -A CMD=(
	[nsfleet]="$NSFLEET zone check --origin $ORIGIN $ZONE"
	[kzonecheck]="kzonecheck -o $ORIGIN. $ZONE"
	[named-checkzone]="named-checkzone -i none $ORIGIN $ZONE"
)
TOOLS=(nsfleet kzonecheck named-checkzone)

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

declare -A WALL RSS
for t in "${TOOLS[@]}"; do
	walls=() rsss=()
	for ((r = 1; r <= RUNS; r++)); do
		/usr/bin/time -o "$DATA/time.out" -f '%e %M' ${CMD[$t]} >/dev/null 2>&1 || true
		out=$(tail -n 1 "$DATA/time.out")
		walls+=("${out% *}")
		rsss+=("${out#* }")
		echo "$t run $r: ${out% *} s, ${out#* } KiB" >&2
	done
	WALL[$t]=$(printf '%s\n' "${walls[@]}" | median)
	RSS[$t]=$(printf '%s\n' "${rsss[@]}" | median)
done

echo
echo "zone: $N names ($(wc -l <"$ZONE") lines, $(du -m "$ZONE" | cut -f1) MB), median of $RUNS runs, $(nproc) cores"
echo
echo "| tool | wall s | peak RSS MiB | nsfleet/tool wall | nsfleet/tool RSS |"
echo "| --- | ---: | ---: | ---: | ---: |"
for t in "${TOOLS[@]}"; do
	awk -v t="$t" -v w="${WALL[$t]}" -v m="${RSS[$t]}" -v nw="${WALL[nsfleet]}" -v nm="${RSS[nsfleet]}" \
		'BEGIN { printf "| %s | %.2f | %.0f | %.2f | %.2f |\n", t, w, m/1024, nw/w, nm/m }'
done
