#!/bin/sh
# The main job, for a new user: install what is needed, build, check and
# print the example zone shipped in the repo, then serve it with nsfleetd
# for two queries.  BUILD picks the build directory (default: build).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
./scripts/install-deps.sh
./scripts/build.sh >/dev/null
ZONE=tests/zones/example.com.zone
echo "\$ nsfleet zone check $ZONE"
"./$BUILD/src/tools/nsfleet" zone check "$ZONE"
echo
echo "\$ nsfleet zone print $ZONE"
"./$BUILD/src/tools/nsfleet" zone print "$ZONE"

# Serve it: nsfleetd in quick mode on a free loopback port, two queries,
# then stop it.  Bounded: the server must be ready within 10 s and stop
# within 10 s after SIGTERM.
NSFLEETD=./$BUILD/src/server/nsfleetd
PORT=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000)))
LOG=$(mktemp)
echo
echo "\$ nsfleetd --listen 127.0.0.1@$PORT --zone example.com=$ZONE &"
"$NSFLEETD" --listen "127.0.0.1@$PORT" --zone "example.com=$ZONE" --udp-workers 2 \
	2>"$LOG" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; rm -f "$LOG"' EXIT
i=0
until grep -q '^nsfleetd: info: ready$' "$LOG"; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $PID 2>/dev/null; then
		cat "$LOG"
		echo "nsfleetd did not start" >&2
		exit 1
	fi
	sleep 0.1
done
cat "$LOG"
if command -v kdig >/dev/null; then
	DIG="kdig +timeout=2 +retry=1"
else
	DIG="dig +time=2 +tries=1"
fi
for q in "www.example.com A" "example.com SOA"; do
	echo
	echo "\$ ${DIG%% *} @127.0.0.1 -p $PORT $q"
	# shellcheck disable=SC2086
	$DIG @127.0.0.1 -p "$PORT" $q
done
echo
echo "\$ kill -TERM nsfleetd"
kill -TERM $PID
i=0
while kill -0 $PID 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		kill -KILL $PID
		echo "nsfleetd did not stop" >&2
		exit 1
	fi
	sleep 0.1
done
status=0
wait $PID || status=$?
trap - EXIT
tail -n 2 "$LOG"
rm -f "$LOG"
echo "nsfleetd exited with status $status"
exit $status
