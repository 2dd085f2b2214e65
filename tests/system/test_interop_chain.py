"""A chain of two hops: nsfleetd primary -> nsfleetd secondary -> BIND.
Three rounds of edits on the primary reach BIND through the middle
nsfleetd, and after each round BIND's full AXFR equals the primary's.

One thing keeps the honest version of this (TSIG on both hops) from
passing today, outside the files of this test: nsfleetd answers a
TSIG-signed SOA query without TSIG (answer.c), and the middle nsfleetd
refuses that answer ("SOA query: TSIG of message 1 does not verify"), as
BIND does ("expected a TSIG or SIG(0)").  So test_chain_notify_tsig is the
whole contract, marked xfail (strict: it must be unmarked once that is
fixed), and test_chain_notify_unsigned is the same without keys.  Both
hops go by NOTIFY (BIND's SOA refresh is an hour away) and IXFR.
"""

import re

import pytest

from interop_util import (ADDR, NsfleetdPeer, axfr, bind_secondary, fleet,  # noqa: F401
                          rounds, wait_serial)
from nsfleetd_harness import free_port, nsfleetd_bin  # noqa: F401


def chain(nsfleetd_bin, tmp_path, fleet, tsig):  # noqa: F811
    steps = rounds()
    pport, mport = free_port(False), free_port(False)
    serial, records = steps[0]
    bind = bind_secondary(tmp_path, ADDR["nsfleetd2"], mport, tsig=tsig)
    primary = fleet(NsfleetdPeer(nsfleetd_bin, tmp_path, "primary", "primary", ADDR["nsfleetd"],
                                 notify=[(ADDR["nsfleetd2"], mport)], records=records,
                                 serial=serial, port=pport, tsig=tsig))
    middle = fleet(NsfleetdPeer(nsfleetd_bin, tmp_path, "middle", "secondary", ADDR["nsfleetd2"],
                                primaries=[(primary.addr, pport)],
                                notify=[(bind.addr, bind.port)], port=mport, tsig=tsig))
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
        middle.wait_log(r"NOTIFY out: zone example\.com\., peer 127\.0\.0\.1@%d, serial %d%s, "
                        r"acked" % (bind.port, serial, ", TSIG" if tsig else ""))
        middle.wait_log(r"IXFR out: zone example\.com\., peer %s@\d+, serial %d -> %d, .*"
                        r"incremental" % (re.escape(bind.src), old, serial))
        want = axfr(primary.addr, primary.port)
        for peer in (middle, bind):
            got = axfr(peer.addr, peer.port)
            assert got == want, (peer.name, serial, sorted(got ^ want))
        old = serial


@pytest.mark.xfail(strict=True, reason="nsfleetd answers a TSIG-signed SOA query unsigned "
                   "(answer.c), which the middle nsfleetd and BIND refuse")
def test_chain_notify_tsig(nsfleetd_bin, tmp_path, fleet):  # noqa: F811
    chain(nsfleetd_bin, tmp_path, fleet, tsig=True)


def test_chain_notify_unsigned(nsfleetd_bin, tmp_path, fleet):  # noqa: F811
    chain(nsfleetd_bin, tmp_path, fleet, tsig=False)
