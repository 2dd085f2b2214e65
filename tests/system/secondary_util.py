"""Helpers of the secondary-zone system tests (test_secondary_*.py): a
secondary nsfleetd from a YAML config, zone comparison, NOTIFY."""

import re
import socket
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsigkeyring
import dns.xfr
import dns.zone
import pytest

from nsfleetd_harness import Server, free_port

SANITIZER = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")
KEY_SECRET = "c2VjcmV0LWtleS1mb3ItdGhlLXRlc3RzLTAxMjM0NTY3ODk="  # 36 octets


def write_secondary_conf(path, storage, port, primaries, zone="example.com",
                         key=None, xfr_timeout=None, notify_from="127.0.0.0/8",
                         notify_key=None, control=None, notify_to=(), serve_from=None,
                         zone_extra=()):
    """primaries: list of (addr, port).  key: (name, secret) used with them.
    notify_to: (addr, port) of our own secondaries (a chain); serve_from: a
    prefix allowed to transfer from us; zone_extra: more option lines of the
    zone ("key: value")."""
    lines = ["server:", f"  listen: [ \"127.0.0.1@{port}\" ]", f"  storage: \"{storage}\"",
             "  udp-workers: 1", "  tcp-workers: 1"]
    if control:
        lines.append(f"  control: \"{control}\"")
    if xfr_timeout:
        lines.append(f"  xfr-timeout: {xfr_timeout}")
    if key or notify_key:
        lines.append("key:")
        for k in {key, notify_key} - {None}:
            lines += [f"  - id: {k[0]}", "    algorithm: hmac-sha256", f"    secret: \"{k[1]}\""]
    lines.append("remote:")
    for i, (a, p) in enumerate(primaries):
        lines += [f"  - id: p{i}", f"    address: [ \"{a}@{p}\" ]"]
        if key:
            lines.append(f"    key: {key[0]}")
    for i, (a, p) in enumerate(notify_to):
        lines += [f"  - id: n{i}", f"    address: [ \"{a}@{p}\" ]"]
    lines += ["acl:", "  - id: notify", f"    address: [ \"{notify_from}\" ]",
              "    action: [ notify ]"]
    if notify_key:
        lines.append(f"    key: {notify_key[0]}")
    acls = ["notify"]
    if serve_from:
        lines += ["  - id: serve", f"    address: [ \"{serve_from}\" ]",
                  "    action: [ transfer ]"]
        acls.append("serve")
    lines += ["zone:", f"  - domain: {zone}", "    role: secondary",
              "    primaries: [ " + ", ".join(f"p{i}" for i in range(len(primaries))) + " ]",
              f"    acl: [ {', '.join(acls)} ]"]
    if notify_to:
        lines.append("    notify: [ " + ", ".join(f"n{i}" for i in range(len(notify_to))) + " ]")
    lines += [f"    {x}" for x in zone_extra]
    Path(path).write_text("\n".join(lines) + "\n")


def start_secondary(nsfleetd_bin, tmp_path, primaries, name="secondary", port=None,
                    servers=None, **kw):
    storage = tmp_path / f"{name}-storage"
    storage.mkdir(exist_ok=True)
    port = port or free_port(False)
    conf = tmp_path / f"{name}.yaml"
    write_secondary_conf(conf, storage, port, primaries, **kw)
    s = Server([nsfleetd_bin, "-c", conf], tmp_path / f"{name}-{time.monotonic_ns()}.log", port)
    if servers is not None:
        servers.append(s)
    s.wait_ready()
    s.storage = storage
    return s


def wait_serial(s, serial, zone="example.com.", timeout=15):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            r = s.query(zone, "SOA", timeout=1)
            if r.rcode() == dns.rcode.NOERROR and r.answer:
                last = r.answer[0][0].serial
                if last == serial:
                    return
        except (dns.exception.Timeout, OSError):
            pass
        time.sleep(0.1)
    pytest.fail(f"serial {serial} not served within {timeout}s (last {last}); log:\n{s.log()}",
                pytrace=False)


def zone_lines(z):
    out = set()
    for name, node in z.nodes.items():
        for rds in node.rdatasets:
            for rd in rds:
                out.add(f"{name.derelativize(z.origin)} {rds.ttl} {rd.to_text(origin=z.origin, relativize=False)}"
                        .lower())
    return out


def axfr_rrs(addr, port, zone="example.com.", keyring=None, keyname=None):
    """The zone's records as a set of text lines, by AXFR."""
    z = dns.zone.Zone(zone)
    q, _ = dns.xfr.make_query(z, keyring=keyring, keyname=keyname)
    dns.query.inbound_xfr(addr, z, query=q, port=port, timeout=10, lifetime=30)
    return zone_lines(z)


def file_rrs(path, zone="example.com."):
    return zone_lines(dns.zone.from_file(str(path), origin=zone, relativize=False))


def send_notify(port, zone="example.com.", addr="127.0.0.1", keyring=None, keyname=None):
    q = dns.message.make_query(zone, "SOA")
    q.set_opcode(dns.opcode.NOTIFY)
    q.flags |= dns.flags.AA
    q.flags &= ~dns.flags.RD
    if keyring:
        q.use_tsig(keyring, keyname=keyname)
    return dns.query.udp(q, addr, port=port, timeout=5)


def start_primary(nsfleetd_bin, tmp_path, zone_text, name="primary", notify_to=(), port=None,
                  servers=None):
    """A config-mode primary of example.com (journal under its storage, so
    IXFR out works), transfers allowed to 127.0.0.0/8, a control socket;
    .zone is its zone file, .ctl_sock its socket."""
    storage = tmp_path / f"{name}-storage"
    storage.mkdir(exist_ok=True)
    port = port or free_port(False)
    (storage / "example.com.zone").write_text(zone_text)
    lines = ["server:", f"  listen: [ \"127.0.0.1@{port}\" ]", f"  storage: \"{storage}\"",
             "  udp-workers: 1", "  tcp-workers: 1", f"  control: \"{storage}/ctl.sock\""]
    if notify_to:
        lines.append("remote:")
        for i, (a, p) in enumerate(notify_to):
            lines += [f"  - id: n{i}", f"    address: [ \"{a}@{p}\" ]"]
    lines += ["acl:", "  - id: xfr", "    address: [ \"127.0.0.0/8\" ]",
              "    action: [ transfer ]",
              "zone:", "  - domain: example.com", "    file: example.com.zone",
              "    acl: [ xfr ]", "    serial-policy: keep"]
    if notify_to:
        lines.append("    notify: [ " + ", ".join(f"n{i}" for i in range(len(notify_to))) + " ]")
    conf = tmp_path / f"{name}.yaml"
    conf.write_text("\n".join(lines) + "\n")
    s = Server([nsfleetd_bin, "-c", conf], tmp_path / f"{name}-{time.monotonic_ns()}.log", port)
    if servers is not None:
        servers.append(s)
    s.wait_ready()
    s.storage = storage
    s.zone = storage / "example.com.zone"
    s.ctl_sock = storage / "ctl.sock"
    return s


def zone_text(serial, extra=()):
    """A small example.com zone at serial with extra lines (relative names)."""
    lines = ["$ORIGIN example.com.", "$TTL 300",
             f"@ SOA ns1 hostmaster {serial} 3600 600 86400 300",
             # the second NS out of the zone: no NOTIFY to an NS address
             # ever leaves loopback (notify-ns)
             "@ NS ns1", "@ NS ns.example.net.", "ns1 A 192.0.2.1", "ns2 A 192.0.2.2",
             "www A 192.0.2.80", "mail A 192.0.2.25", "@ MX 10 mail"]
    return "\n".join(lines + list(extra)) + "\n"


def stop_all(servers):
    """Stops every server (SIGTERM); each must exit 0 without a sanitizer
    report.  Every one is stopped even when an earlier one fails."""
    bad = []
    for x in servers:
        try:
            rc = x.stop()
        except BaseException as e:  # noqa: BLE001 - keep stopping the others
            rc = repr(e)
        log = x.log()
        x.kill()
        if rc not in (0, -9) or SANITIZER.search(log):
            bad.append(f"exit {rc}:\n{log}")
    assert not bad, "\n\n".join(bad)


def ixfr_query(addr, port, serial, zone="example.com."):
    """The messages of an IXFR from serial (dnspython, one RR per rrset),
    as one flat list of RRs: [(name, type, text), ...]."""
    import struct
    q = dns.message.make_query(zone, "IXFR")
    q.authority.append(dns.rrset.from_text(zone, 0, "IN", "SOA",
                                           f". . {serial} 0 0 0 0"))
    w = q.to_wire()
    out = []
    with socket.create_connection((addr, port), timeout=10) as c:
        c.sendall(struct.pack("!H", len(w)) + w)
        first, seen = None, 0  # the new serial, and how often its SOA came
        while True:
            n = struct.unpack("!H", _recv(c, 2))[0]
            m = dns.message.from_wire(_recv(c, n), one_rr_per_rrset=True)
            for rrset in m.answer:
                for rd in rrset:
                    out.append((rrset.name.to_text().lower(), rdtype_text(rrset.rdtype),
                                rd.to_text()))
                    if rrset.rdtype == dns.rdatatype.SOA:
                        first = rd.serial if first is None else first
                        seen += rd.serial == first
            incremental = len(out) > 1 and out[1][1] == "SOA"
            if len(out) == 1 and first == serial:
                return out  # up to date: our SOA alone
            # AXFR-style: the new SOA twice; incremental: thrice (first,
            # the last changeset's new SOA, last)
            if seen == (3 if incremental else 2):
                return out


def rdtype_text(t):
    return dns.rdatatype.to_text(t)


def _recv(c, n):
    b = b""
    while len(b) < n:
        k = c.recv(n - len(b))
        if not k:
            raise EOFError
        b += k
    return b
