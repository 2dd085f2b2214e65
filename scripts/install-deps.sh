#!/bin/sh
# Installs everything nsfleet needs to build, run and test on Debian 12.
# Run as root (or with sudo available). Idempotent.
set -eu
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
PKGS="build-essential meson ninja-build pkg-config clang libclang-rt-14-dev llvm
libssl-dev liburcu-dev liblmdb-dev libyaml-dev libuv1-dev libjansson-dev
libmicrohttpd-dev libcmocka-dev
python3 python3-dnspython python3-pytest
bind9 bind9-utils knot knot-dnsutils knot-dnssecutils nsd pdns-server pdns-backend-sqlite3 unbound dnsperf
time iproute2 nftables util-linux sqlite3"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	$SUDO apt-get update
	# shellcheck disable=SC2086
	$SUDO apt-get install -y --no-install-recommends $missing
fi
# Debian starts the peers' services on install; the tests start their own
# instances on free loopback ports, so stop the packaged ones if running.
for s in named bind9 knot nsd pdns unbound; do
	$SUDO systemctl stop "$s" >/dev/null 2>&1 || true
done
exit 0
