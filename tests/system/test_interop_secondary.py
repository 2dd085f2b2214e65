"""nsfleetd as the secondary of BIND and NSD primaries (Knot:
test_secondary_knot.py), all with TSIG (hmac-sha256): three rounds of edits
(add + delete, change of rdata and TTL, SOA only), each a reload of the
peer, reach nsfleetd by the peer's NOTIFY, and after each round nsfleetd's
full AXFR equals the peer's.

IXFR where the peer offers it: BIND with ixfr-from-differences keeps the
difference of each reload in its journal and answers IXFR incrementally,
which nsfleetd's log must show.  NSD 4.6 does not serve IXFR (nsd.conf(5):
"IXFR is implemented for request-xfr, but not for provide-xfr"; store-ixfr
came with NSD 4.7): it answers nsfleetd's IXFR with the full zone, and the
log must show a full transfer, AXFR or AXFR-style IXFR.
"""

import re

import pytest

from interop_util import (ADDR, NsfleetdPeer, axfr, bind_primary, bind_reload,  # noqa: F401
                          fleet, nsd_primary, nsd_reload, rounds, wait_serial)
from nsfleetd_harness import free_port, nsfleetd_bin  # noqa: F401

PEERS = {"bind": (bind_primary, bind_reload), "nsd": (nsd_primary, nsd_reload)}


def xfr_in(sec, old, new):
    """nsfleetd's log line of the transfer old -> new: its kind."""
    m = sec.wait_log(r"^nsfleetd: info: xfr-in zone=example\.com\. kind=([A-Za-z() -]+) "
                     r"peer=\S+ serial=%d->%d .*result=ok$" % (old, new))
    return m.group(1)


@pytest.mark.parametrize("kind", ["bind", "nsd"])
def test_peer_primary_to_nsfleetd_secondary(kind, nsfleetd_bin, tmp_path, fleet):  # noqa: F811
    make, reload = PEERS[kind]
    steps = rounds()
    sport = free_port(False)
    saddr = ADDR["nsfleetd"]
    serial, records = steps[0]
    prim = make(tmp_path, saddr, sport, serial, records)
    fleet(prim)
    sec = fleet(NsfleetdPeer(nsfleetd_bin, tmp_path, "secondary", "secondary", saddr,
                             primaries=[(prim.addr, prim.port)], port=sport))
    wait_serial(sec, serial)
    assert axfr(sec.addr, sec.port) == axfr(prim.addr, prim.port)

    old = serial
    for serial, records in steps[1:]:
        reload(prim, serial, records)
        wait_serial(sec, serial)
        # by the peer's NOTIFY: its SOA refresh is an hour away
        sec.wait_log(r"NOTIFY for example\.com\. from %s@\d+: refreshing now"
                     % re.escape(prim.src))
        got = xfr_in(sec, old, serial)
        if kind == "bind":
            assert got == "IXFR", got
        else:
            assert got in ("AXFR", "IXFR (AXFR-style)"), got
        want = axfr(prim.addr, prim.port)
        have = axfr(sec.addr, sec.port)
        assert have == want, (serial, sorted(have ^ want))
        old = serial
