"""The primary goes away: a fleet of NSD, PowerDNS, BIND and nsfleetd
secondaries of an nsfleetd hidden primary keeps answering, with the last
version, while the primary is stopped, also after a refresh that finds no
primary; after the primary restarts and reloads a changed zone, every
secondary converges again by NOTIFY and IXFR (the primary's journal
survived the restart).

Every transfer and NOTIFY is TSIG-signed (hmac-sha256).
"""

import re

import dns.message
import dns.query

from conftest import nsfleet  # noqa: F401
from interop_util import (ADDR, NsfleetdPeer, axfr, bind_secondary, ctl, fleet,  # noqa: F401
                          nsd_secondary, pdns_secondary, rounds, wait_serial)
from nsfleetd_harness import free_port, nsfleetd_bin  # noqa: F401


def www(peer):
    r = dns.query.udp(dns.message.make_query("www.example.com.", "A"), peer.addr,
                      port=peer.port, timeout=3)
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset)


def test_fleet_survives_primary_outage(nsfleetd_bin, nsfleet, tmp_path, fleet):  # noqa: F811
    steps = rounds()
    pport, sport = free_port(False), free_port(False)
    paddr = ADDR["nsfleetd"]
    nsd = nsd_secondary(tmp_path, paddr, pport)
    pdns = pdns_secondary(tmp_path, paddr, pport)
    bind = bind_secondary(tmp_path, paddr, pport)
    serial, records = steps[0]
    primary = fleet(NsfleetdPeer(
        nsfleetd_bin, tmp_path, "primary", "primary", paddr, port=pport,
        notify=[(nsd.addr, nsd.port), (pdns.addr, pdns.port), (bind.addr, bind.port),
                (ADDR["nsfleetd2"], sport)], records=records, serial=serial))
    sec = NsfleetdPeer(nsfleetd_bin, tmp_path, "secondary", "secondary", ADDR["nsfleetd2"],
                       primaries=[(paddr, pport)], port=sport)
    peers = [fleet(p) for p in (nsd, pdns, bind, sec)]
    for p in peers:
        wait_serial(p, serial)

    serial, records = steps[1]
    primary.publish(serial, records)
    for p in peers:
        wait_serial(p, serial)
    want = axfr(primary.addr, primary.port)
    want_www = www(primary)

    # the primary stops: every secondary answers on, the last version
    primary.stop()
    assert primary.proc.returncode == 0, primary.log()
    ctl(nsfleet, sec.ctl_sock, "refresh", "example.com")  # fails: no primary
    sec.wait_log(r"xfr-in zone=example\.com\. kind=SOA peer=%s@%d .*result=failed"
                 % (re.escape(paddr), pport))
    for p in peers:
        wait_serial(p, serial, timeout=5)
        assert www(p) == want_www, p.name
        assert axfr(p.addr, p.port) == want, p.name

    # back, then a changed zone reloaded: the fleet converges, incrementally
    primary.start()
    old = serial
    for serial, records in steps[2:]:
        primary.publish(serial, records)
        for p in peers:
            wait_serial(p, serial)
        want = axfr(primary.addr, primary.port)
        for p in peers:
            got = axfr(p.addr, p.port)
            assert got == want, (p.name, serial, sorted(got ^ want))
        for p in (nsd, pdns, bind):
            primary.wait_log(r"IXFR out: zone example\.com\., peer %s@\d+, serial %d -> %d, .*"
                             r"incremental" % (re.escape(p.src), old, serial))
        sec.wait_log(r"xfr-in zone=example\.com\. kind=IXFR peer=\S+ serial=%d->%d .*result=ok"
                     % (old, serial))
        old = serial
