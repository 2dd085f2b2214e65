#!/bin/sh
# Regenerates the signed fixtures of the differential test from diff.zone.in:
#   nsec.example.zone.signed    NSEC
#   nsec3.example.zone.signed   NSEC3, salt aabbccdd, 0 extra iterations
#   nsec3o.example.zone.signed  NSEC3 opt-out, no salt, 0 extra iterations
# ECDSAP256SHA256 KSK + ZSK made fresh each time (the keys are not kept;
# ECDSA signatures are random anyway, so the output always differs: commit
# it).  Signatures valid 2024-01-01 .. 2040-01-01.  Needs bind9-utils.
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sign() { # origin extra-signzone-args...
	origin=$1; shift
	k1=$(dnssec-keygen -q -K "$work" -a ECDSAP256SHA256 -f KSK "$origin")
	k2=$(dnssec-keygen -q -K "$work" -a ECDSAP256SHA256 "$origin")
	{ echo "\$ORIGIN $origin."; cat diff.zone.in; echo "\$INCLUDE $work/$k1.key"; echo "\$INCLUDE $work/$k2.key"; } > "$work/$origin.zone"
	dnssec-signzone -q -K "$work" -d "$work" -o "$origin" -N keep -s 20240101000000 -e 20400101000000 \
		"$@" -f "$origin.zone.signed" "$work/$origin.zone" "$work/$k1" "$work/$k2" > /dev/null
	named-checkzone -q "$origin" "$origin.zone.signed"
	echo "$origin.zone.signed"
}
sign nsec.example
sign nsec3.example -3 aabbccdd -H 0
sign nsec3o.example -3 - -H 0 -A
