"""nsfleetd as the hidden primary of BIND, NSD and PowerDNS secondaries, all
with TSIG (hmac-sha256): three rounds of edits (add + delete, change of
rdata and TTL, SOA only), each published by a reload of the primary, reach
every secondary by NOTIFY and IXFR, and after each round the full AXFR of
every secondary equals the primary's.

Who asks what: BIND (request-ixfr yes, its default), NSD (request-xfr
without AXFR) and PowerDNS (secondary=yes, gsqlite3 backend, the zone's
IXFR metadata set to 1; without it PowerDNS 4.7 asks AXFR every time) all
ask IXFR, and the primary's log must show an incremental answer to each,
from the peer's own loopback address.
"""

import re
import signal

import pytest

from interop_util import (ADDR, NsfleetdPeer, axfr, bind_secondary, fleet,  # noqa: F401
                          nsd_secondary, pdns_secondary, rounds, wait_serial, zone_text)
from nsfleetd_harness import free_port, nsfleetd_bin  # noqa: F401


SECONDARIES = {"bind": bind_secondary, "nsd": nsd_secondary, "pdns": pdns_secondary}
ASKS_IXFR = {"bind", "nsd", "pdns"}


def ixfr_served(primary, peer, old, new):
    """The primary's log line of an incremental, signed IXFR old -> new to
    peer."""
    return primary.wait_log(
        r"^.*IXFR out: zone example\.com\., peer %s@\d+, serial %d -> %d, .*TSIG, "
        r"incremental, \d+ changesets.*$" % (re.escape(peer.src), old, new))


@pytest.mark.parametrize("kind", ["bind", "nsd", "pdns"])
def test_nsfleetd_primary_to_secondary(kind, nsfleetd_bin, tmp_path, fleet):  # noqa: F811
    steps = rounds()
    pport = free_port(False)
    paddr = ADDR["nsfleetd"]
    sec = SECONDARIES[kind](tmp_path, paddr, pport)
    serial, records = steps[0]
    primary = fleet(NsfleetdPeer(nsfleetd_bin, tmp_path, "primary", "primary", paddr,
                                 notify=[(sec.addr, sec.port)], records=records, serial=serial,
                                 port=pport))
    fleet(sec)
    wait_serial(sec, serial)
    want = axfr(primary.addr, primary.port)
    assert axfr(sec.addr, sec.port) == want

    old = serial
    for serial, records in steps[1:]:
        primary.publish(serial, records)
        wait_serial(sec, serial)
        primary.wait_log(r"NOTIFY out: zone example\.com\., peer %s@%d, serial %d, TSIG, acked"
                         % (re.escape(sec.addr), sec.port, serial))
        if kind in ASKS_IXFR:
            ixfr_served(primary, sec, old, serial)
        want = axfr(primary.addr, primary.port)
        got = axfr(sec.addr, sec.port)
        assert got == want, (serial, sorted(got ^ want))
        old = serial
    # the NOTIFY set: the configured secondary; of the NS, ns1 is the SOA
    # MNAME (the primary itself) and ns2.example.net. outside the zone
    primary.wait_log(r"NOTIFY out: zone example\.com\.: NS ns2\.example\.net\. is outside the "
                     r"zone: not notified")
    assert not re.search(r"NOTIFY out: zone example\.com\., peer (?!%s@%d,)"
                         % (re.escape(sec.addr), sec.port), primary.log())
    # the first transfer is a full one, every later one incremental
    kinds = re.findall(r"(AXFR|IXFR) out: zone example\.com\., peer %s@\d+, .*"
                       % re.escape(sec.src), primary.log())
    assert kinds == ["AXFR"] + ["IXFR"] * (len(steps) - 1), kinds


def test_notify_ns_off_and_not_to_self(nsfleetd_bin, tmp_path, fleet):  # noqa: F811
    """notify-ns: false: the zone's NS are not even looked at; a remote
    that is the server's own listen address is not notified."""
    steps = rounds()
    pport = free_port(False)
    primary = fleet(NsfleetdPeer(nsfleetd_bin, tmp_path, "primary", "primary", ADDR["nsfleetd"],
                                 records=steps[0][1], serial=steps[0][0], port=pport,
                                 notify=[(ADDR["nsfleetd"], pport)],
                                 extra_zone="    notify-ns: false\n"))
    primary.publish(*steps[1])
    primary.wait_log(r"NOTIFY out: zone example\.com\.: 127\.0\.0\.1@%d is one of our own "
                     r"listen addresses: not notified" % pport)
    primary.wait_log(r"reload done")
    assert not re.search(r"NOTIFY out: zone example\.com\.(, peer|: NS)", primary.log())


def test_shrink_limit_option(nsfleetd_bin, tmp_path, fleet):  # noqa: F811
    """shrink-limit: 90 lets a reload drop 83 % of the records; 91 % gone is
    refused and the served version stays."""
    steps = rounds()
    serial, records = steps[2]  # 54 records with SOA and NS
    primary = fleet(NsfleetdPeer(nsfleetd_bin, tmp_path, "primary", "primary", ADDR["nsfleetd"],
                                 records=records, serial=serial,
                                 extra_zone="    shrink-limit: 90\n"))
    few = [r for r in records if not r.startswith(("many ", "www", "new", "_sip", "ftp"))]
    n = len(axfr(primary.addr, primary.port))
    assert n == 54 and len(few) == 6
    primary.zone.write_text(zone_text(serial + 1, few[:2]))  # 5 left: 91 % gone
    primary.proc.send_signal(signal.SIGHUP)
    primary.wait_log(r"more than 90 % gone, shrink-limit\): refused", timeout=10)
    assert len(axfr(primary.addr, primary.port)) == n
    primary.publish(serial + 2, few)  # 9 left: 83 % gone, accepted
