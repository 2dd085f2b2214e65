"""AXFR out (RFC 5936) and IXFR answered in full (RFC 1995 §4)."""

import re
import socket
import time

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.xfr
import dns.zone
import pytest

from nsfleetd_harness import (EXAMPLE, frame, nsfleetd_bin, recv_msg, start_server,  # noqa: F401
                              tcp_connect)


def zone_rrs(z):
    """The set of (name, ttl, type, rdata text) of a dnspython zone."""
    out = set()
    for name, node in z.nodes.items():
        for rds in node.rdatasets:
            for rd in rds:
                out.add((name.derelativize(z.origin).to_text().lower(), rds.ttl,
                         rds.rdtype, rd.to_digestable(z.origin)))
    return out


def axfr_messages(port, zone, rdtype="AXFR", addr="127.0.0.1", serial=None):
    q = dns.message.make_query(zone, rdtype)
    if rdtype == "IXFR":
        q = dns.message.make_query(zone, "IXFR")
        soa = dns.rrset.from_text(zone, 0, "IN", "SOA", f". . {serial} 0 0 0 0")
        q.authority.append(soa)
    msgs = []
    with tcp_connect(port, addr, timeout=10) as c:
        c.sendall(frame(q))
        soas = 0
        while True:
            m = recv_msg(c)
            assert m.id == q.id
            assert m.rcode() == dns.rcode.NOERROR, m
            msgs.append(m)
            soas += sum(1 for rr in m.answer if rr.rdtype == dns.rdatatype.SOA)
            if soas >= 2:
                break
    return msgs


def test_axfr_allowed_whole_zone(start_server):
    s = start_server(extra=["--allow-transfer", "127.0.0.0/8"])
    msgs = axfr_messages(s.port, "example.com.")
    rrs = [rr for m in msgs for rr in m.answer]
    assert rrs[0].rdtype == dns.rdatatype.SOA and rrs[-1].rdtype == dns.rdatatype.SOA
    assert rrs[0][0].serial == 2024010101
    got = dns.zone.Zone("example.com.")
    for rr in rrs[:-1]:
        got.find_rdataset(rr.name, rr.rdtype, rr.covers, create=True).update(rr)
    want = dns.zone.from_file(str(EXAMPLE), "example.com.", relativize=False)
    assert zone_rrs(got) == zone_rrs(want)
    assert re.search(r"^nsfleetd: info: AXFR out: zone example\.com\., peer 127\.0\.0\.1@\d+, "
                     r"serial 2024010101, 1 messages, 58 records, \d+ bytes, [0-9.]+ s$",
                     s.log(), re.M), s.log()
    # dnspython's own client agrees (it checks the SOA framing itself)
    z = dns.zone.from_xfr(dns.query.xfr("127.0.0.1", "example.com.", port=s.port, timeout=10))
    assert zone_rrs(z) == zone_rrs(want)


def big_zone(path, n):
    lines = ["$ORIGIN big.example.", "$TTL 300",
             "@ SOA ns1 hostmaster 7 3600 600 86400 300", "@ NS ns1", "ns1 A 192.0.2.1"]
    for i in range(n):
        lines.append(f"host{i} A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
        lines.append(f"host{i} TXT \"record number {i} of a zone big enough for many messages\"")
    path.write_text("\n".join(lines) + "\n")
    return 2 * n + 3


def test_axfr_big_zone_many_messages_and_queries_meanwhile(start_server, tmp_path):
    zf = tmp_path / "big.example.zone"
    records = big_zone(zf, 20000)
    s = start_server(zones={"big.example": zf}, extra=["--allow-transfer", "127.0.0.1/32"])
    q = dns.message.make_query("big.example.", "AXFR")
    count, sizes, names = 0, [], []
    with tcp_connect(s.port, timeout=10) as c:
        c.sendall(frame(q))
        soas = 0
        while soas < 2:
            raw_len = c.recv(2, socket.MSG_WAITALL)
            n = int.from_bytes(raw_len, "big")
            sizes.append(n)
            data = b""
            while len(data) < n:
                chunk = c.recv(n - len(data))
                assert chunk
                data += chunk
            m = dns.message.from_wire(data, one_rr_per_rrset=True)
            for rr in m.answer:
                count += len(rr)
                names.append(rr.name)
                soas += rr.rdtype == dns.rdatatype.SOA
            # answered while the transfer runs: UDP does not wait for it
            if len(sizes) == 3:
                assert s.soa_serial("big.example.") == 7
        # a pipelined query after the transfer is answered after it
    assert count == records + 1  # SOA twice
    assert len(sizes) > 10 and max(sizes) < 65536 and min(sizes[:-1]) >= 16384 - 0
    # canonical order between the SOAs
    body = names[1:-1]
    assert body == sorted(body)
    assert re.search(rf"AXFR out: zone big\.example\., peer 127\.0\.0\.1@\d+, serial 7, "
                     rf"{len(sizes)} messages, {records + 1} records", s.log()), s.log()


def test_axfr_pipelined_query_after_transfer(start_server):
    s = start_server(extra=["--allow-transfer", "127.0.0.1/32"])
    q1 = dns.message.make_query("example.com.", "AXFR")
    q2 = dns.message.make_query("www.example.com.", "A")
    with tcp_connect(s.port) as c:
        c.sendall(frame(q1) + frame(q2))
        soas = 0
        while soas < 2:
            m = recv_msg(c)
            assert m.id == q1.id
            soas += sum(rr.rdtype == dns.rdatatype.SOA for rr in m.answer)
        m = recv_msg(c)
        assert m.id == q2.id and m.rcode() == dns.rcode.NOERROR


def test_axfr_refused_without_acl(start_server):
    s = start_server()
    q = dns.message.make_query("example.com.", "AXFR")
    with tcp_connect(s.port) as c:
        c.sendall(frame(q))
        r = recv_msg(c)
    assert r.id == q.id and r.rcode() == dns.rcode.REFUSED and not r.answer
    assert re.search(r"^nsfleetd: warning: AXFR out refused: zone example\.com\., "
                     r"peer 127\.0\.0\.1@\d+ \(not allowed by the ACL\)$", s.log(), re.M)


def test_axfr_refused_for_other_prefix(start_server):
    s = start_server(extra=["--allow-transfer", "192.0.2.0/24"])
    q = dns.message.make_query("example.com.", "AXFR")
    with tcp_connect(s.port) as c:
        c.sendall(frame(q))
        assert recv_msg(c).rcode() == dns.rcode.REFUSED


@pytest.mark.parametrize("addr", ["::1"])
def test_axfr_over_ipv6(start_server, addr):
    from nsfleetd_harness import have_ipv6
    if not have_ipv6():
        pytest.fail("no IPv6 loopback on this machine", pytrace=False)
    s = start_server(extra=["--allow-transfer", "::1/128"])
    msgs = axfr_messages(s.port, "example.com.", addr=addr)
    assert sum(len(rr) for m in msgs for rr in m.answer) == 58


def test_ixfr_answered_with_full_zone(start_server):
    s = start_server(extra=["--allow-transfer", "127.0.0.0/8"])
    msgs = axfr_messages(s.port, "example.com.", rdtype="IXFR", serial=2024010100)
    rrs = [rr for m in msgs for rr in m.answer]
    assert msgs[0].question[0].rdtype == dns.rdatatype.IXFR
    assert rrs[0].rdtype == dns.rdatatype.SOA and rrs[-1].rdtype == dns.rdatatype.SOA
    assert sum(len(rr) for rr in rrs) == 58
    assert "IXFR out: zone example.com." in s.log()
    assert "answered with the full zone (no journal; RFC 1995 §4)" in s.log()


def test_axfr_client_gone_midway(start_server, tmp_path):
    zf = tmp_path / "big.example.zone"
    big_zone(zf, 20000)
    s = start_server(zones={"big.example": zf}, extra=["--allow-transfer", "127.0.0.1/32"])
    with tcp_connect(s.port) as c:
        c.sendall(frame(dns.message.make_query("big.example.", "AXFR")))
        c.recv(1000)
    s.wait_log(r"^nsfleetd: warning: AXFR out failed: zone big\.example\., .*$", timeout=15)
    assert s.soa_serial("big.example.") == 7
