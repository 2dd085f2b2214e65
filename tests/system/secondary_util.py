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
import dns.tsigkeyring
import dns.xfr
import dns.zone
import pytest

from nsfleetd_harness import Server, free_port

SANITIZER = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")
KEY_SECRET = "c2VjcmV0LWtleS1mb3ItdGhlLXRlc3RzLTAxMjM0NTY3ODk="  # 36 octets


def write_secondary_conf(path, storage, port, primaries, zone="example.com",
                         key=None, xfr_timeout=None, notify_from="127.0.0.0/8",
                         notify_key=None, control=None):
    """primaries: list of (addr, port).  key: (name, secret) used with them."""
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
    lines += ["acl:", "  - id: notify", f"    address: [ \"{notify_from}\" ]",
              "    action: [ notify ]"]
    if notify_key:
        lines.append(f"    key: {notify_key[0]}")
    lines += ["zone:", f"  - domain: {zone}", "    role: secondary",
              "    primaries: [ " + ", ".join(f"p{i}" for i in range(len(primaries))) + " ]",
              "    acl: [ notify ]"]
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
