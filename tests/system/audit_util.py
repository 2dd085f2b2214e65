"""A fleet for the `nsfleet audit` system tests: nsfleetd, BIND (named), Knot
(knotd) and NSD each serving one zone on its own loopback address, in four
different 127.N.0.0/24 networks (all of 127.0.0.0/8 is loopback on Linux;
BIND only listens on addresses an interface has, so it gets 127.0.0.1),
all on one port, plus a parent zone on nsfleetd that delegates to them.

Every server loads the zone from a file (they are all primaries): a fault
is a different file, or option, for one of them.  Every process is stopped
in Fleet.stop(), which the fixture calls in its finalizer."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20
SANITIZER = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")

ZONE = "audit.test."
SERIAL = 2024010101
ZONE_TEXT = """$ORIGIN audit.test.
$TTL 300
@    IN SOA ns1 hostmaster {serial} 3600 900 1209600 300
@    IN NS  ns1
@    IN NS  ns2
@    IN NS  ns3
@    IN NS  ns4
@    IN A   192.0.2.1
@    IN MX  10 mail
@    IN TXT "v=spf1 -all"
ns1  IN A   127.1.0.1
ns2  IN A   127.0.0.1
ns3  IN A   127.3.0.1
ns4  IN A   127.4.0.1
mail IN A   192.0.2.25
www  {www_ttl} IN A   {www_a}
www  IN AAAA 2001:db8::80
ftp  IN CNAME www
"""
PARENT_TEXT = """$ORIGIN test.
$TTL 300
@    IN SOA ns hostmaster 1 3600 900 1209600 300
@    IN NS  ns
ns   IN A   127.5.0.1
audit IN NS ns1.audit.test.
audit IN NS ns2.audit.test.
audit IN NS ns3.audit.test.
audit IN NS ns4.audit.test.
ns1.audit IN A 127.1.0.1
ns2.audit IN A 127.0.0.1
ns3.audit IN A 127.3.0.1
ns4.audit IN A 127.4.0.1
"""

# the four servers: NS name, address, implementation
MEMBERS = [("ns1.audit.test.", "127.1.0.1", "nsfleetd"),
           ("ns2.audit.test.", "127.0.0.1", "bind"),
           ("ns3.audit.test.", "127.3.0.1", "knot"),
           ("ns4.audit.test.", "127.4.0.1", "nsd")]
PARENT_ADDR = "127.5.0.1"


def zone_text(serial=SERIAL, www_a="192.0.2.80", www_ttl=""):
    return ZONE_TEXT.format(serial=serial, www_a=www_a, www_ttl=www_ttl)


def nsfleet_bin():
    env = os.environ.get("NSFLEET")
    return Path(env) if env else REPO / "build" / "src" / "tools" / "nsfleet"


def nsfleetd_bin():
    env = os.environ.get("NSFLEETD")
    if env:
        return Path(env)
    cli = os.environ.get("NSFLEET")
    if cli:
        return Path(cli).resolve().parents[1] / "server" / "nsfleetd"
    return REPO / "build" / "src" / "server" / "nsfleetd"


def need(binary):
    path = shutil.which(binary) or (f"/usr/sbin/{binary}"
                                    if Path(f"/usr/sbin/{binary}").exists() else None)
    if path is None:
        pytest.fail(f"{binary} is not installed", pytrace=False)
    return path


def free_port(addrs):
    """A port free for UDP and TCP on every address."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((addrs[0], 0))
            port = s.getsockname()[1]
        ok = True
        for a in addrs:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                try:
                    with socket.socket(socket.AF_INET, kind) as s:
                        s.bind((a, port))
                except OSError:
                    ok = False
        if ok:
            return port
    pytest.fail("no port free on every fleet address")


class Member:
    """One server process serving the zone (or another zone) at addr@port."""

    def __init__(self, kind, name, addr, port, workdir, text, origin=ZONE, axfr_open=False,
                 hide_version=False, tsig=None):
        self.hide_version = hide_version
        self.tsig = tsig  # (name, base64 secret): AXFR allowed with this key only
        self.kind, self.name, self.addr, self.port = kind, name, addr, port
        self.dir = Path(workdir) / f"{kind}-{addr}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.origin = origin
        self.zonefile = self.dir / "zone.db"
        self.zonefile.write_text(text)
        self.axfr_open = axfr_open
        self.proc = None
        self.log = self.dir / "server.log"

    def argv(self):
        o = self.origin.rstrip(".")
        if self.kind == "nsfleetd" and self.tsig:
            conf = self.dir / "nsfleetd.yaml"
            conf.write_text(f"""server:
  listen: [ "{self.addr}@{self.port}" ]
  storage: "{self.dir}"
  udp-workers: 1
  tcp-workers: 1
key:
  - id: {self.tsig[0]}
    algorithm: hmac-sha256
    secret: "{self.tsig[1]}"
acl:
  - id: xfr
    address: [ "127.0.0.0/8" ]
    key: {self.tsig[0]}
    action: [ transfer ]
zone:
  - domain: {o}
    role: primary
    file: "{self.zonefile}"
    acl: [ xfr ]
""")
            return [nsfleetd_bin(), "-c", conf]
        if self.kind == "nsfleetd":
            argv = [nsfleetd_bin(), "--listen", f"{self.addr}@{self.port}", "--udp-workers", "1",
                    "--tcp-workers", "1", "--zone", f"{o}={self.zonefile}"]
            if self.axfr_open:
                argv += ["--allow-transfer", "127.0.0.0/8"]
            return argv
        if self.kind == "bind":
            conf = self.dir / "named.conf"
            key = (f'key "{self.tsig[0]}" {{ algorithm hmac-sha256; secret "{self.tsig[1]}"; }};\n'
                   if self.tsig else "")
            xfr = ("127.0.0.0/8" if self.axfr_open else
                   f'key "{self.tsig[0]}"' if self.tsig else "none")
            conf.write_text(key + f"""options {{
    directory "{self.dir}";
    pid-file "{self.dir}/named.pid";
    listen-on port {self.port} {{ {self.addr}; }};
    listen-on-v6 {{ none; }};
    recursion no;
    allow-transfer {{ {xfr}; }};
    dnssec-validation no;
    notify no;
{'    version none;' if self.hide_version else ''}
}};
controls {{ }};
zone "{o}" {{ type primary; file "{self.zonefile}"; }};
""")
            return [need("named"), "-g", "-c", conf]
        if self.kind == "knot":
            conf = self.dir / "knot.conf"
            acl = ("acl:\n  - id: xfr\n    address: 127.0.0.0/8\n    action: transfer\n"
                   if self.axfr_open or self.tsig else "")
            if self.tsig:
                acl = (f"key:\n  - id: {self.tsig[0]}\n    algorithm: hmac-sha256\n"
                       f"    secret: {self.tsig[1]}\n" + acl + f"    key: {self.tsig[0]}\n")
            conf.write_text(f"""server:
    listen: {self.addr}@{self.port}
    rundir: {self.dir}
    pidfile: {self.dir}/knot.pid
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
{'    version: ""' if self.hide_version else ''}
{acl}database:
    storage: {self.dir}/db
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: {self.dir}
    journal-content: none
    zonefile-sync: -1
    zonefile-load: whole
zone:
  - domain: {o}
    file: {self.zonefile}
{"    acl: xfr" if self.axfr_open or self.tsig else ""}
""")
            return [need("knotd"), "-c", conf]
        if self.kind == "nsd":
            conf = self.dir / "nsd.conf"
            conf.write_text(f"""server:
    ip-address: {self.addr}@{self.port}
    server-count: 1
    database: ""
    zonesdir: "{self.dir}"
    zonelistfile: "{self.dir}/zone.list"
    xfrdfile: "{self.dir}/xfrd.state"
    xfrdir: "{self.dir}"
    pidfile: "{self.dir}/nsd.pid"
    username: ""
    chroot: ""
    zonefiles-write: 0
    verbosity: 1
    rrl-ratelimit: 0
    hide-version: {"yes" if self.hide_version else "no"}
remote-control:
    control-enable: no
{f'key:{chr(10)}    name: {self.tsig[0]}{chr(10)}    algorithm: hmac-sha256{chr(10)}    secret: "{self.tsig[1]}"' if self.tsig else ""}
zone:
    name: {o}
    zonefile: "{self.zonefile}"
{"    provide-xfr: 127.0.0.0/8 NOKEY" if self.axfr_open else ""}
{f"    provide-xfr: 127.0.0.0/8 {self.tsig[0]}" if self.tsig else ""}
""")
            return [need("nsd"), "-d", "-c", conf]
        raise ValueError(self.kind)

    def start(self):
        argv = [str(a) for a in self.argv()]
        with open(self.log, "wb") as logf:
            self.proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.dir,
                                         start_new_session=True)

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        q = dns.message.make_query(self.origin, "SOA", use_edns=False)
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"{self.kind} at {self.addr} exited with {self.proc.returncode}:\n"
                            f"{self.log.read_text(errors='replace')}", pytrace=False)
            try:
                r = dns.query.udp(q, self.addr, port=self.port, timeout=0.3)
                if (r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
                        and any(rr.rdtype == dns.rdatatype.SOA for rr in r.answer)):
                    return
            except (OSError, dns.exception.DNSException):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{self.kind} at {self.addr} not serving {self.origin} within "
                            f"{START_TIMEOUT}s:\n{self.log.read_text(errors='replace')}",
                            pytrace=False)
            time.sleep(0.05)

    def stop(self):
        p = self.proc
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(5)


class Fleet:
    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.port = free_port([a for _, a, _ in MEMBERS] + [PARENT_ADDR])
        self.members = {}
        self.parent = None

    def start(self, texts=None, origins=None, axfr_open=(), parent_text=PARENT_TEXT,
              hide_version=False, software=None, tsig=None, parent_kind="nsfleetd"):
        """texts/origins: {kind: zone text / origin} for the faults; software:
        the kind of each of the four servers instead of MEMBERS' (then
        members are keyed by NS name)."""
        texts, origins = texts or {}, origins or {}
        for i, (name, addr, kind) in enumerate(MEMBERS):
            if software:
                kind = software[i]
            m = Member(kind, name, addr, self.port, self.workdir, texts.get(kind, zone_text()),
                       origin=origins.get(kind, ZONE), axfr_open=kind in axfr_open,
                       hide_version=hide_version, tsig=tsig)
            self.members[name if software else kind] = m
        self.parent = Member(parent_kind, "ns.test.", PARENT_ADDR, self.port,
                             self.workdir / "parent", parent_text, origin="test.")
        every = list(self.members.values()) + [self.parent]
        for m in every:
            m.start()
        for m in every:
            m.wait_ready()

    def stop(self):
        for m in list(self.members.values()) + ([self.parent] if self.parent else []):
            m.stop()

    def label(self, kind):
        m = self.members[kind]
        return f"{m.name}@{m.addr}#{self.port}"

    def audit_args(self, parent=True):
        args = ["audit", ZONE, "--port", str(self.port), "--timeout", "300"]
        for name, addr, _ in MEMBERS:
            args += ["--ns", f"{name}@{addr}#{self.port}"]
        if parent:
            args += ["--parent", f"{PARENT_ADDR}#{self.port}"]
        return args

    def audit(self, *extra, parent=True):
        """Runs nsfleet audit --json; returns (exit status, report dict, Result text)."""
        argv = [str(nsfleet_bin()), *self.audit_args(parent), "--json", *extra]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert p.returncode >= 0, f"nsfleet audit crashed:\n{p.stderr}"
        assert not SANITIZER.search(p.stderr), p.stderr
        try:
            report = json.loads(p.stdout)
        except json.JSONDecodeError:
            pytest.fail(f"not JSON (exit {p.returncode}):\n{p.stdout}\n{p.stderr}", pytrace=False)
        return p.returncode, report, p


def problems(report):
    """{(code, tuple(servers))} of the errors and warnings."""
    return {(f["code"], tuple(sorted(f["servers"])))
            for f in report["findings"] if f["severity"] in ("error", "warning")}


def describe(report):
    return "\n".join(f"{f['severity']} {f['code']} {f['servers']}: {f['message']}"
                     for f in report["findings"])
