"""Peers for the interop system tests (test_interop_*.py): nsfleetd as a
primary or secondary from a YAML config, and BIND (named), NSD and PowerDNS
(pdns_server, bind backend) as secondaries or primaries, each the test's
own process in its own directory under tmp_path, on a free loopback port
and its own loopback address (127.0.0.N, so that the primary's log tells
the peers apart), all with TSIG hmac-sha256.

A peer binary that is not installed skips the test with the reason.  The
`fleet` fixture stops every process it started, also when the test fails.
"""

import base64
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.tsigkeyring
import dns.xfr
import dns.zone
import pytest

from nsfleetd_harness import free_port

KEY_NAME = "xfr-key"
KEY_SECRET = base64.b64encode(b"nsfleet-interop-tsig-secret-32b!").decode()
KEYRING = dns.tsigkeyring.from_text({KEY_NAME + ".": ("hmac-sha256", KEY_SECRET)})
ZONE = "example.com."
SANITIZER = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")

# one loopback address per kind of peer: its transfers and NOTIFYs come from
# it, and it listens on it (BIND listens only on addresses of an interface,
# so it listens on 127.0.0.1 and only sends from its own)
ADDR = {"nsfleetd": "127.0.0.1", "bind": "127.0.0.2", "nsd": "127.0.0.3", "pdns": "127.0.0.4",
        "nsfleetd2": "127.0.0.5"}


def binary(name, package):
    """The path of a peer's binary, or skip the test saying which package."""
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists()
                                  else None)
    if path is None:
        pytest.skip(f"{name} not installed (Debian package {package}; "
                    "scripts/install-deps.sh installs it)")
    return path


# ------------------------------------------------------------------ zone text


def zone_text(serial, records):
    """example.com with this serial and these records (a list of
    "OWNER TTL TYPE RDATA" lines, owners relative to the origin)."""
    # ns1, the SOA MNAME, is the hidden primary: not notified as an NS;
    # ns2.example.net. is outside the zone: not notified either (logged)
    head = [f"$ORIGIN {ZONE}", "$TTL 300",
            f"@ 300 IN SOA ns1 hostmaster {serial} 3600 600 86400 300",
            "@ 300 IN NS ns1", "@ 300 IN NS ns2.example.net."]
    return "\n".join(head + list(records)) + "\n"


BASE_RECORDS = [
    "ns1 300 IN A 127.0.0.1",
    "www 300 IN A 192.0.2.10",
    "www 300 IN AAAA 2001:db8::10",
    "@ 300 IN MX 10 mail",
    "mail 300 IN A 192.0.2.25",
    "@ 300 IN TXT \"v=spf1 mx -all\"",
    "old 300 IN A 192.0.2.66",
    "ftp 300 IN CNAME www",
    "_sip._udp 300 IN SRV 10 60 5060 www",
    "sub 300 IN NS ns.sub",
    "ns.sub 300 IN A 192.0.2.53",
]


def rounds():
    """(serial, records) for the initial version and three rounds of edits:
    1 adds and deletes, 2 changes rdata and a TTL, 3 changes only the SOA."""
    r0 = list(BASE_RECORDS)
    r1 = [r for r in r0 if not r.startswith("old ")] + [
        "new 300 IN A 192.0.2.77", "new 300 IN TXT \"added in round 1\""]
    r2 = [r.replace("192.0.2.10", "192.0.2.11").replace("www 300 IN AAAA", "www 600 IN AAAA")
          for r in r1] + ["many 300 IN A 192.0.2.%d" % i for i in range(1, 40)]
    r3 = list(r2)  # SOA serial only
    return [(2024010101, r0), (2024010102, r1), (2024010103, r2), (2024010104, r3)]


# ------------------------------------------------------------------ AXFR


def zone_lines(z):
    out = set()
    for name, node in z.nodes.items():
        for rds in node.rdatasets:
            for rd in rds:
                out.add(f"{name.derelativize(z.origin)} {rds.ttl} "
                        f"{dns.rdatatype.to_text(rds.rdtype)} "
                        f"{rd.to_text(origin=z.origin, relativize=False)}".lower())
    return out


def axfr(addr, port, zone=ZONE, tsig=True):
    """The zone's records by AXFR (TSIG-signed unless tsig=False), as a set
    of lower-cased text lines."""
    z = dns.zone.Zone(zone)
    kw = {"keyring": KEYRING, "keyname": KEY_NAME + "."} if tsig else {}
    q, _ = dns.xfr.make_query(z, **kw)
    dns.query.inbound_xfr(addr, z, query=q, port=port, timeout=10, lifetime=30)
    return zone_lines(z)


def soa_serial(addr, port, zone=ZONE, timeout=1):
    """The SOA serial a server answers for zone, or None (no answer yet)."""
    try:
        r = dns.query.udp(dns.message.make_query(zone, "SOA"), addr, port=port,
                          timeout=timeout)
    except (dns.exception.Timeout, OSError):
        return None
    if r.rcode() != dns.rcode.NOERROR or not r.answer:
        return None
    return r.answer[0][0].serial


def wait_serial(peer, serial, timeout=30):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = soa_serial(peer.addr, peer.port)
        if last == serial:
            return
        time.sleep(0.1)
    pytest.fail(f"{peer.name} did not serve serial {serial} within {timeout}s (last {last}); "
                f"its log:\n{peer.log()[-6000:]}", pytrace=False)


# ------------------------------------------------------------------ processes


class Peer:
    """A peer process: name, addr, port, dir, log()."""

    def __init__(self, name, args, dirpath, addr, port, env=None, src=None):
        self.name = name
        self.addr = addr  # where it answers
        self.src = src or addr  # where its transfers and NOTIFYs come from
        self.port = port
        self.dir = dirpath
        self.args = [str(a) for a in args]
        if "/" in self.args[0]:  # it runs in dirpath
            self.args[0] = os.path.abspath(self.args[0])
        self.log_path = dirpath / f"{name}.log"
        self.env = env
        self.proc = None
        self.logf = None

    def start(self):
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir, env=self.env)
        return self

    def log(self):
        if self.logf:
            self.logf.flush()
        text = self.log_path.read_text(errors="backslashreplace") if self.log_path.exists() else ""
        return text

    def wait_log(self, pattern, timeout=30):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        while time.monotonic() < deadline:
            m = rx.search(self.log())
            if m:
                return m
            time.sleep(0.1)
        pytest.fail(f"{self.name}: no log line matching {pattern!r} within {timeout}s; "
                    f"log:\n{self.log()[-6000:]}", pytrace=False)

    def wait_answering(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"{self.name} exited with {self.proc.returncode} while starting:\n"
                            f"{self.log()[-6000:]}", pytrace=False)
            try:
                dns.query.udp(dns.message.make_query(ZONE, "SOA"), self.addr, port=self.port,
                              timeout=0.5)
                return
            except (dns.exception.Timeout, OSError):
                time.sleep(0.1)
        pytest.fail(f"{self.name} not answering within {timeout}s:\n{self.log()[-6000:]}",
                    pytrace=False)

    def stop(self, timeout=15):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.logf:
            self.logf.close()
            self.logf = None


class NsfleetdPeer(Peer):
    """nsfleetd from a YAML config; zone file (primary) at self.zone."""

    def __init__(self, nsfleetd_bin, tmp_path, name, role, addr, notify=(), primaries=(),
                 records=None, serial=None, extra_zone="", port=None, tsig=True):
        """notify: (addr, port) or (addr, port, tsig) of each remote to
        NOTIFY; primaries: (addr, port); tsig: keys on the remotes and the
        acl; extra_zone: YAML lines added to the zone."""
        d = tmp_path / name
        d.mkdir()
        port = port or free_port(False)
        super().__init__(name, [nsfleetd_bin, "-c", d / "nsfleetd.yaml"], d, addr, port)
        self.zone = d / "example.com.zone"
        self.ctl_sock = d / "ctl.sock"
        if role == "primary":
            self.zone.write_text(zone_text(serial, records))
        lines = ["server:", f"  listen: [ \"{addr}@{port}\" ]", f"  storage: \"{d}\"",
                 f"  control: \"{self.ctl_sock}\"", "  udp-workers: 1", "  tcp-workers: 1",
                 "key:", f"  - id: {KEY_NAME}", "    algorithm: hmac-sha256",
                 f"    secret: \"{KEY_SECRET}\""]
        remotes = [(f"p{i}", a, p, tsig) for i, (a, p) in enumerate(primaries)]
        remotes += [(f"n{i}", n[0], n[1], n[2] if len(n) > 2 else tsig)
                    for i, n in enumerate(notify)]
        if remotes:
            lines.append("remote:")
            for rid, a, p, signed in remotes:
                lines += [f"  - id: {rid}", f"    address: [ \"{a}@{p}\" ]"]
                if signed:
                    lines.append(f"    key: {KEY_NAME}")
        lines += ["acl:", "  - id: xfr", "    address: [ \"127.0.0.0/8\" ]",
                  f"    key: {KEY_NAME}" if tsig else "", "    action: [ transfer, notify ]"]
        lines += ["zone:", "  - domain: example.com", f"    role: {role}",
                  "    file: example.com.zone",
                  "    acl: [ xfr ]"]
        if role == "primary":
            lines.append("    serial-policy: keep")
        if primaries:
            lines.append("    primaries: [ " + ", ".join(r[0] for r in remotes
                                                         if r[0][0] == "p") + " ]")
        if notify:
            lines.append("    notify: [ " + ", ".join(r[0] for r in remotes
                                                      if r[0][0] == "n") + " ]")
        lines = [x for x in lines if x]
        (d / "nsfleetd.yaml").write_text("\n".join(lines) + "\n" + extra_zone)

    def start(self):
        """Starts (or restarts) nsfleetd and waits for this run's "ready"."""
        before = len(self.log())
        super().start()
        deadline = time.monotonic() + 20
        while "nsfleetd: info: ready\n" not in self.log()[before:]:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{self.name} not ready:\n{self.log()[before:][-6000:]}",
                            pytrace=False)
            time.sleep(0.05)
        return self

    def publish(self, serial, records, timeout=20):
        """Writes the zone file, reloads (SIGHUP) and waits for the serial."""
        self.zone.write_text(zone_text(serial, records))
        self.proc.send_signal(signal.SIGHUP)
        wait_serial(self, serial, timeout)


def bind_secondary(tmp_path, primary_addr, primary_port, name="bind", addr=ADDR["bind"],
                   tsig=True):
    """named as a secondary of example.com from primary, TSIG on transfers
    and NOTIFY.  BIND asks IXFR first (request-ixfr yes, its default)."""
    named = binary("named", "bind9")
    d = tmp_path / name
    d.mkdir()
    port = free_port(False)
    (d / "named.conf").write_text(f"""
options {{
    directory "{d}";
    pid-file "{d}/named.pid";
    session-keyfile "{d}/session.key";
    managed-keys-directory "{d}";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    transfer-source {addr};
    notify-source {addr};
    query-source address {addr};
    recursion no;
    dnssec-validation no;
    notify no;
    request-ixfr yes;
}};
controls {{ }};
key "{KEY_NAME}" {{ algorithm hmac-sha256; secret "{KEY_SECRET}"; }};
logging {{
    channel all {{ stderr; severity info; print-time yes; }};
    category default {{ all; }};
    category xfer-in {{ all; }};
    category notify {{ all; }};
}};
zone "example.com" {{
    type secondary;
    file "{d}/example.com.bk";
    primaries {{ {primary_addr} port {primary_port}{f" key {KEY_NAME}" if tsig else ""}; }};
    allow-notify {{ {f"key {KEY_NAME}" if tsig else "127.0.0.0/8"}; }};
    allow-transfer {{ key {KEY_NAME}; }};
}};
""")
    p = Peer(name, [named, "-g", "-4", "-n", "1", "-c", d / "named.conf"], d, "127.0.0.1",
             port, src=addr)
    return p


def bind_primary(tmp_path, notify_addr, notify_port, serial, records, name="bind",
                 addr=ADDR["bind"]):
    """named as the primary of example.com (ixfr-from-differences: a reload
    of a changed file makes an IXFR-able journal; max-ixfr-ratio unlimited:
    else BIND answers a delta larger than the zone, as round 2's of this
    small zone is, with the full zone), NOTIFY to notify."""
    named = binary("named", "bind9")
    d = tmp_path / name
    d.mkdir()
    port = free_port(False)
    zf = d / "example.com.zone"
    zf.write_text(zone_text(serial, records))
    (d / "named.conf").write_text(f"""
options {{
    directory "{d}";
    pid-file "{d}/named.pid";
    session-keyfile "{d}/session.key";
    managed-keys-directory "{d}";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    notify-source {addr};
    recursion no;
    dnssec-validation no;
}};
key "{KEY_NAME}" {{ algorithm hmac-sha256; secret "{KEY_SECRET}"; }};
logging {{
    channel all {{ stderr; severity info; print-time yes; }};
    category default {{ all; }};
    category xfer-out {{ all; }};
    category notify {{ all; }};
}};
zone "example.com" {{
    type primary;
    file "{zf}";
    ixfr-from-differences yes;
    max-ixfr-ratio unlimited;
    notify-delay 0;
    notify explicit;
    also-notify {{ {notify_addr} port {notify_port} key {KEY_NAME}; }};
    allow-transfer {{ key {KEY_NAME}; }};
}};
""")
    p = Peer(name, [named, "-g", "-4", "-n", "1", "-c", d / "named.conf"], d, "127.0.0.1",
             port, src=addr)
    p.zone = zf
    return p


def bind_reload(p, serial, records):
    """Rewrites the zone file and reloads named (SIGHUP: BIND reloads every
    zone whose file changed)."""
    # BIND compares the file's mtime with the last load's: make it move
    p.zone.write_text(zone_text(serial, records))
    t = time.time() + 2
    os.utime(p.zone, (t, t))
    p.proc.send_signal(signal.SIGHUP)
    wait_serial(p, serial)


def _nsd_common(d, addr, port):
    return f"""server:
    ip-address: {addr}@{port}
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "{d}"
    database: ""
    zonelistfile: "{d}/zone.list"
    xfrdfile: "{d}/xfrd.state"
    xfrdir: "{d}"
    pidfile: "{d}/nsd.pid"
    logfile: "{d}/nsd.log"
    verbosity: 2
    server-count: 1
    tcp-timeout: 10
remote-control:
    control-enable: no
key:
    name: "{KEY_NAME}"
    algorithm: hmac-sha256
    secret: "{KEY_SECRET}"
"""


def nsd_secondary(tmp_path, primary_addr, primary_port, name="nsd", addr=ADDR["nsd"]):
    """nsd as a secondary: request-xfr without the AXFR option asks IXFR
    first, then AXFR (allow-axfr-fallback, the default)."""
    nsd = binary("nsd", "nsd")
    d = tmp_path / name
    d.mkdir()
    port = free_port(False)
    (d / "nsd.conf").write_text(_nsd_common(d, addr, port) + f"""zone:
    name: example.com
    zonefile: "example.com.zone"
    outgoing-interface: {addr}
    allow-notify: 127.0.0.0/8 {KEY_NAME}
    request-xfr: {primary_addr}@{primary_port} {KEY_NAME}
    provide-xfr: 127.0.0.0/8 {KEY_NAME}
""")
    p = Peer(name, [nsd, "-d", "-c", d / "nsd.conf"], d, addr, port)
    p.log_path = d / "nsd.log"
    return p


def nsd_primary(tmp_path, notify_addr, notify_port, serial, records, name="nsd",
                addr=ADDR["nsd"]):
    """nsd as the primary.  NSD 4.6 serves AXFR only (nsd.conf(5): "IXFR is
    implemented for request-xfr, but not for provide-xfr"; store-ixfr and
    create-ixfr came with 4.7)."""
    nsd = binary("nsd", "nsd")
    d = tmp_path / name
    d.mkdir()
    port = free_port(False)
    zf = d / "example.com.zone"
    zf.write_text(zone_text(serial, records))
    (d / "nsd.conf").write_text(_nsd_common(d, addr, port) + f"""zone:
    name: example.com
    zonefile: "{zf}"
    outgoing-interface: {addr}
    notify: {notify_addr}@{notify_port} {KEY_NAME}
    provide-xfr: 127.0.0.0/8 {KEY_NAME}
""")
    p = Peer(name, [nsd, "-d", "-c", d / "nsd.conf"], d, addr, port)
    p.log_path = d / "nsd.log"
    p.zone = zf
    return p


def nsd_reload(p, serial, records):
    """Rewrites the zone file and reloads nsd (SIGHUP: reread changed zone
    files; it then NOTIFYs its secondaries)."""
    p.zone.write_text(zone_text(serial, records))
    t = time.time() + 2
    os.utime(p.zone, (t, t))
    p.proc.send_signal(signal.SIGHUP)
    wait_serial(p, serial)


PDNS_SCHEMA = Path("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql")


def pdns_secondary(tmp_path, primary_addr, primary_port, name="pdns", addr=ADDR["pdns"]):
    """pdns_server as a secondary (secondary=yes) with the gsqlite3 backend:
    the zone, the TSIG key and the zone's AXFR-MASTER-TSIG and IXFR
    metadata made with pdnsutil.  IXFR=1 makes PowerDNS ask IXFR.  (The
    bind backend logs an IXFR as committed but keeps serving the old
    version in PowerDNS 4.7, so it is not used here.)"""
    pdns = binary("pdns_server", "pdns-server")
    pdnsutil = binary("pdnsutil", "pdns-server")
    found = sorted(Path("/usr/lib").glob("*/pdns/libgsqlite3backend.so"))
    if not found or not PDNS_SCHEMA.exists():
        pytest.skip("PowerDNS gsqlite3 backend not installed (Debian package "
                    "pdns-backend-sqlite3)")
    d = tmp_path / name
    d.mkdir()
    port = free_port(False)
    db = d / "pdns.sqlite3"
    with sqlite3.connect(db) as c:
        c.executescript(PDNS_SCHEMA.read_text())
    (d / "pdns.conf").write_text(f"""
launch=gsqlite3
gsqlite3-database={db}
module-dir={found[0].parent}
secondary=yes
local-address={addr}
local-port={port}
query-local-address={addr}
socket-dir={d}
guardian=no
daemon=no
disable-syslog=yes
log-timestamp=yes
loglevel=6
allow-notify-from=127.0.0.0/8
xfr-cycle-interval=1
webserver=no
api=no
""")
    util = [pdnsutil, f"--config-dir={d}"]
    for cmd in (["create-secondary-zone", "example.com", f"{primary_addr}:{primary_port}"],
                ["import-tsig-key", KEY_NAME, "hmac-sha256", KEY_SECRET],
                ["set-meta", "example.com", "AXFR-MASTER-TSIG", KEY_NAME],
                ["set-meta", "example.com", "TSIG-ALLOW-AXFR", KEY_NAME],
                ["set-meta", "example.com", "IXFR", "1"]):
        r = subprocess.run(util + cmd, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, f"pdnsutil {cmd}: {r.stdout}{r.stderr}"
    return Peer(name, [pdns, f"--config-dir={d}"], d, addr, port)


# ------------------------------------------------------------------ fixture


@pytest.fixture
def fleet():
    """fleet(peer) starts peer and stops it at the end of the test, also on
    failure; nsfleetd peers must also have exited cleanly with no
    sanitizer report."""
    peers = []

    def _start(peer, wait=True):
        peers.append(peer)
        peer.start()
        if wait and not isinstance(peer, NsfleetdPeer):
            peer.wait_answering()
        return peer

    yield _start
    bad = []
    for p in reversed(peers):
        was_running = p.proc is not None and p.proc.poll() is None
        p.stop()
        if isinstance(p, NsfleetdPeer):
            if was_running and p.proc.returncode != 0:
                bad.append(f"{p.name}: exit {p.proc.returncode}:\n{p.log()[-4000:]}")
            if SANITIZER.search(p.log()):
                bad.append(f"{p.name}: sanitizer report:\n{p.log()[-8000:]}")
    if bad:
        pytest.fail("\n".join(bad), pytrace=False)


def ctl(nsfleet_bin, sock, *args):
    p = subprocess.run([str(nsfleet_bin), "ctl", "-s", str(sock), *args], capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr
