"""A chain of two hops: nsfleetd primary -> nsfleetd secondary -> BIND.
Three rounds of edits on the primary reach BIND through the middle
nsfleetd, and after each round BIND's full AXFR equals the primary's.

TSIG (hmac-sha256) on both hops; both go by NOTIFY (BIND's SOA refresh is
an hour away) and IXFR: the middle nsfleetd journals the IXFRs it gets and
serves them on.
"""

import re

from interop_util import (ADDR, NsfleetdPeer, axfr, bind_secondary, fleet,  # noqa: F401
                          rounds, wait_serial)
from nsfleetd_harness import free_port, nsfleetd_bin  # noqa: F401


def test_chain_nsfleetd_nsfleetd_bind(nsfleetd_bin, tmp_path, fleet):  # noqa: F811
    steps = rounds()
    pport, mport = free_port(False), free_port(False)
    serial, records = steps[0]
    bind = bind_secondary(tmp_path, ADDR["nsfleetd2"], mport)
    primary = fleet(NsfleetdPeer(nsfleetd_bin, tmp_path, "primary", "primary", ADDR["nsfleetd"],
                                 notify=[(ADDR["nsfleetd2"], mport)], records=records,
                                 serial=serial, port=pport))
    middle = fleet(NsfleetdPeer(nsfleetd_bin, tmp_path, "middle", "secondary", ADDR["nsfleetd2"],
                                primaries=[(primary.addr, pport)],
                                notify=[(bind.addr, bind.port)], port=mport))
    fleet(bind)
    for peer in (middle, bind):
        wait_serial(peer, serial)
    old = serial
    for serial, records in steps[1:]:
        primary.publish(serial, records)
        wait_serial(middle, serial)
        middle.wait_log(r"NOTIFY for example\.com\. from 127\.0\.0\.1@\d+: refreshing now")
        middle.wait_log(r"xfr-in zone=example\.com\. kind=IXFR peer=\S+ serial=%d->%d .*"
                        r"result=ok" % (old, serial))
        wait_serial(bind, serial)
        middle.wait_log(r"NOTIFY out: zone example\.com\., peer 127\.0\.0\.1@%d, serial %d, "
                        r"TSIG, acked" % (bind.port, serial))
        middle.wait_log(r"IXFR out: zone example\.com\., peer %s@\d+, serial %d -> %d, .*TSIG, "
                        r"incremental" % (re.escape(bind.src), old, serial))
        want = axfr(primary.addr, primary.port)
        for peer in (middle, bind):
            got = axfr(peer.addr, peer.port)
            assert got == want, (peer.name, serial, sorted(got ^ want))
        old = serial

