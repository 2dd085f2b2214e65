"""The primary's incremental reload (src/zone/zone_reload.c): after an edit,
only the changed chunks of the file are read, and what is served is what a
whole load of the same file serves: compared by AXFR against a second
nsfleetd started on the file, and by IXFR against the edit itself.  Errors
keep the file:line:column of a whole load; $INCLUDE always loads whole."""

import re

import dns.query
import dns.rdatatype

from conftest import nsfleet  # noqa: F401
from nsfleetd_harness import Server, free_port, nsfleetd_bin  # noqa: F401
from test_primary_reload import ctl, ixfr, primary, split_ixfr, wait_serial  # noqa: F401

TIMEOUT = 10
N = 20000


def zone_text(n, serial=1):
    lines = ["; incremental reload test", "$ORIGIN example.com.", "$TTL 300",
             f"@ SOA ns1 hostmaster ( {serial} ; serial", "  7200 3600 1209600 300 )",
             "@ NS ns1", "ns1 A 192.0.2.1"]
    for i in range(n):
        lines.append(f"h{i} A 198.51.{i // 256 % 256}.{i % 256}")
        if i % 97 == 0:
            lines.append(f"h{i} TXT ( \"part one ; not a comment\"\n\t\"part two\" )")
        if i % 1000 == 500:
            lines += [f"$ORIGIN s{i}.example.com.", "x A 10.0.0.1", "$ORIGIN example.com."]
        if i % 2000 == 7:
            lines += [f"d{i} NS ns.d{i}", f"ns.d{i} A 10.9.0.{i % 256}"]
    return "\n".join(lines) + "\n"


def axfr_set(port):
    out = set()
    for m in dns.query.xfr("127.0.0.1", "example.com.", port=port, timeout=TIMEOUT, lifetime=60,
                           relativize=False):
        for rrset in m.answer:
            for rd in rrset:
                out.add((rrset.name.to_text().lower(), rrset.ttl, rrset.rdtype, rd.to_text()))
    return out


def reload_line(s, serial):
    """The log line of the reload to serial."""
    return s.wait_log(rf"reloaded, serial {serial} .*$").group(0)


def test_incremental_reload_equals_whole_load(primary, nsfleetd_bin, tmp_path):
    s = primary(policy="keep", zone_text=zone_text(N))
    assert s.soa_serial() == 1
    text = s.zone.read_text()
    text = text.replace("( 1 ; serial", "( 2 ; serial", 1)
    text = text.replace("\nh5000 A 198.51.19.136\n", "\nh5000 A 203.0.113.50\n", 1)  # change
    text = text.replace("\nh9000 A 198.51.35.40\n", "\n", 1)                          # delete
    text = text.replace("\nh12000 A", "\nadded 600 TXT \"new\"\nh12000 A", 1)         # add
    text = text.replace("\nh15000 A 198.51.58.152\n", "\nh15000 60 A 198.51.58.152\n", 1)  # TTL
    s.zone.write_text(text)
    s.signal(__import__("signal").SIGHUP)
    wait_serial(s, 2)
    line = reload_line(s, 2)
    m = re.search(r"incremental: (\d+) of (\d+) chunks, (\d+) of (\d+) bytes read", line)
    assert m, line
    read, chunks, bread, size = map(int, m.groups())
    assert chunks > 50 and read <= 10, line
    assert bread * 10 < size, line
    # IXFR 1 -> 2: exactly the edit
    (cs,) = split_ixfr(ixfr(s.port, 1))
    body = sorted((sign, name, ttl, rdtype, rd) for sign, name, ttl, rdtype, rd in cs
                  if rdtype != dns.rdatatype.SOA)
    A, TXT = dns.rdatatype.A, dns.rdatatype.TXT
    assert body == sorted([
        ("-", "h5000.example.com.", 300, A, "198.51.19.136"),
        ("+", "h5000.example.com.", 300, A, "203.0.113.50"),
        ("-", "h9000.example.com.", 300, A, "198.51.35.40"),
        ("+", "added.example.com.", 600, TXT, '"new"'),
        ("-", "h15000.example.com.", 300, A, "198.51.58.152"),
        ("+", "h15000.example.com.", 60, A, "198.51.58.152"),
    ]), body
    # the whole zone equals what a fresh server makes of the same file
    d2 = tmp_path / "fresh"
    d2.mkdir()
    port2 = free_port(False)
    conf2 = d2 / "nsfleetd.yaml"
    conf2.write_text(f"""server:
  listen: [ "127.0.0.1@{port2}" ]
  udp-workers: 1
  tcp-workers: 1
  storage: {d2}
acl:
  - id: xfr
    address: [ "127.0.0.1/32" ]
    action: [ transfer ]
zone:
  - domain: example.com
    file: {s.zone}
    acl: [ xfr ]
""")
    s2 = Server([nsfleetd_bin, "-c", conf2], d2 / "nsfleetd.log", port2)
    try:
        s2.wait_ready()
        assert axfr_set(s.port) == axfr_set(port2)
    finally:
        s2.stop()
        s2.logf.close()


def test_incremental_reload_error_keeps_position(primary):
    s = primary(policy="keep", zone_text=zone_text(5000))
    lines = s.zone.read_text().split("\n")
    at = next(i for i, l in enumerate(lines) if l.startswith("h3000 A"))
    lines[at] = "h3000 A 10.0.0.300"
    lines[3] = lines[3].replace("( 1 ;", "( 2 ;")
    s.zone.write_text("\n".join(lines))
    s.signal(__import__("signal").SIGHUP)
    m = s.wait_log(r"error: zone example\.com\.: (\S+):(\d+):(\d+): (.*); keeping serial 1")
    assert m.group(1).endswith("example.com.zone") and int(m.group(2)) == at + 1, m.group(0)
    assert int(m.group(3)) == len("h3000 A ") + 1, m.group(0)
    assert s.soa_serial() == 1
    lines[at] = "h3000 A 10.0.0.30"
    s.zone.write_text("\n".join(lines))
    s.signal(__import__("signal").SIGHUP)
    wait_serial(s, 2)
    assert "incremental:" in reload_line(s, 2)
    r = s.query("h3000.example.com.", "A")
    assert r.answer[0][0].to_text() == "10.0.0.30"


def test_include_always_loads_whole(primary, tmp_path):
    inc = tmp_path / "inc.db"
    inc.write_text("inc A 10.1.1.1\n")
    s = primary(policy="increment", zone_text=zone_text(2000) + f"$INCLUDE {inc}\n")
    assert s.query("inc.example.com.", "A").answer[0][0].to_text() == "10.1.1.1"
    inc.write_text("inc A 10.1.1.2\n")  # the zone file itself is unchanged
    s.signal(__import__("signal").SIGHUP)
    wait_serial(s, 2)
    assert "whole file read ($INCLUDE)" in reload_line(s, 2)
    assert s.query("inc.example.com.", "A").answer[0][0].to_text() == "10.1.1.2"
