#!/bin/sh
# The main job, for a new user: install what is needed, build, check and
# print the example zone shipped in the repo, serve it with nsfleetd for
# two queries; then the fleet: a lab (root, parent, hidden primary,
# secondaries of several implementations, Unbound) in network namespaces,
# an audit of it, one failover drill through the resolver, and the lab
# down again (root only: network namespaces; skipped with a line
# otherwise).  BUILD picks the build directory (default: build).
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
[ $status -eq 0 ] || exit $status

# The fleet (doc/nsfleet-lab.md, doc/nsfleet-audit.md, doc/nsfleet-drill.md).
# Bounded: lab up waits for every server with timeouts, the drill's load is
# capped in count and time, and the lab is taken down on any exit.
NSFLEET=./$BUILD/src/tools/nsfleet
if [ "$(id -u)" -ne 0 ] || ! ip netns add nsfl-runcheck 2>/dev/null; then
	echo
	echo "(the lab needs root and network namespaces: lab, audit and drill skipped)"
	exit 0
fi
ip netns del nsfl-runcheck
STATE=$(mktemp -d)
trap '"$NSFLEET" lab down --state-dir "$STATE" >/dev/null 2>&1; rm -rf "$STATE"' EXIT
"$NSFLEET" lab down --state-dir "$STATE" >/dev/null 2>&1 || true # a crashed run's leftovers
echo
echo "\$ nsfleet lab up"
"$NSFLEET" lab up --state-dir "$STATE"
echo
echo "\$ ip netns exec nsfl-lab-hub nsfleet audit example.lab. --resolver 10.53.0.4"
audit=0
ip netns exec nsfl-lab-hub "$NSFLEET" audit example.lab. --resolver 10.53.0.4 || audit=$?
echo "(audit exit status $audit: 0 clean, 1 warnings, 2 errors; a lab on one /24 with short SOA timers has some by design)"
echo
echo "\$ nsfleet drill --scenario kill --target nsfleetd,bind"
drill=0
"$NSFLEET" drill --state-dir "$STATE" --scenario kill --target nsfleetd,bind || drill=$?
echo "(drill exit status $drill: 0 the fleet passed, 1 it failed the verdict)"
echo
echo "\$ nsfleet lab down"
"$NSFLEET" lab down --state-dir "$STATE"
trap - EXIT
rm -rf "$STATE"
