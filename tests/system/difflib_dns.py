"""Helpers of the differential test (test_differential.py): start knotd, nsd
and nsfleetd on free loopback ports, generate queries from a zone, send them
over UDP/TCP with timeouts, and compare the answers aspect by aspect.

Everything here uses the Debian python (/usr/bin/python3, dnspython 2.3).
"""

import os
import random
import socket
import struct
import subprocess
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.zone

REPO = Path(__file__).resolve().parents[2]
SOCK_TIMEOUT = 2.0        # every socket operation
START_TIMEOUT = 30.0      # a server must answer every zone's SOA by then


# --- servers ------------------------------------------------------------------

def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (bound, then closed)."""
    for _ in range(100):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            u.close()
            t.close()
        if port >= 10000:
            return port
    raise RuntimeError("no free port")


def nsfleetd_path():
    """$NSFLEETD, else next to $NSFLEET (…/src/tools/nsfleet ->
    …/src/server/nsfleetd), else <repo>/build/src/server/nsfleetd."""
    env = os.environ.get("NSFLEETD")
    if env:
        return Path(env)
    cli = os.environ.get("NSFLEET")
    if cli:
        return Path(cli).resolve().parents[1] / "server" / "nsfleetd"
    return REPO / "build" / "src" / "server" / "nsfleetd"


class Server:
    """One server process serving zones [(origin, file)] on 127.0.0.1@port."""

    name = "?"

    def __init__(self, workdir, zones):
        self.dir = Path(workdir) / self.name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.zones = zones
        self.port = free_port()
        self.proc = None
        self.log = self.dir / "server.log"

    def argv(self):
        raise NotImplementedError

    def start(self):
        argv = self.argv()
        self.argv_used = argv
        with open(self.log, "wb") as logf:
            self.proc = subprocess.Popen([str(a) for a in argv], stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.dir,
                                         start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        pending = [origin for origin, _ in self.zones]
        while pending:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with status {self.proc.returncode} "
                                   f"before serving:\n$ {' '.join(map(str, argv))}\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not answer the SOA of {pending[0]} within "
                                   f"{START_TIMEOUT:.0f}s:\n$ {' '.join(map(str, argv))}\n{self.log_tail()}")
            origin = pending[0]
            q = dns.message.make_query(origin, "SOA", use_edns=False)
            try:
                wire = udp_exchange(self.port, q.to_wire(), timeout=0.2)
                r = dns.message.from_wire(wire)
                if (r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
                        and any(rr.rdtype == dns.rdatatype.SOA for rr in r.answer)):
                    pending.pop(0)
                    continue
            except (OSError, dns.exception.DNSException):
                pass
            time.sleep(0.05)

    def log_tail(self, n=30):
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-n:])

    def stop(self):
        p = self.proc
        if p is None or p.poll() is not None:
            return
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, 9)
            except OSError:
                p.kill()
            p.wait(5)

    def crashed(self):
        """The process died by a signal (e.g. SIGSEGV) while we queried it."""
        return self.proc is not None and self.proc.poll() is not None and self.proc.returncode < 0


class Knot(Server):
    name = "knot"

    def argv(self):
        zlines = "".join(f"  - domain: {o}\n    file: {f}\n" for o, f in self.zones)
        conf = self.dir / "knot.conf"
        conf.write_text(f"""server:
    listen: 127.0.0.1@{self.port}
    rundir: {self.dir}
    pidfile: {self.dir}/knot.pid
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
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
{zlines}""")
        return ["knotd", "-c", conf]


class Nsd(Server):
    name = "nsd"

    def argv(self):
        zlines = "".join(f"zone:\n    name: {o}\n    zonefile: \"{f}\"\n" for o, f in self.zones)
        conf = self.dir / "nsd.conf"
        conf.write_text(f"""server:
    ip-address: 127.0.0.1@{self.port}
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
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
{zlines}""")
        return ["nsd", "-d", "-c", conf]


class Nsfleetd(Server):
    name = "nsfleetd"

    def argv(self):
        argv = [nsfleetd_path(), "--listen", f"127.0.0.1@{self.port}", "--udp-workers", "1"]
        for o, f in self.zones:
            argv += ["--zone", f"{o.rstrip('.')}={f}"]
        return argv


# --- queries ------------------------------------------------------------------

@dataclass
class Query:
    zone: str            # origin
    signed: bool
    qname: str           # as sent (maybe mixed case)
    qtype: int
    cat: str             # category of what is asked
    edns: int = None     # payload size, None = no EDNS
    do: bool = False
    rd: bool = False
    cd: bool = False
    tcp: bool = False
    qid: int = 0

    def wire(self):
        q = dns.message.make_query(self.qname, self.qtype, use_edns=self.edns is not None,
                                   payload=self.edns or 512, want_dnssec=self.do)
        q.id = self.qid
        q.flags = (dns.flags.RD if self.rd else 0) | (dns.flags.CD if self.cd else 0)
        return q.to_wire()

    def dig(self, port="PORT"):
        opts = ["+norec" if not self.rd else "+rec"]
        opts.append(f"+bufsize={self.edns}" if self.edns is not None else "+noedns")
        if self.do:
            opts.append("+dnssec")
        if self.cd:
            opts.append("+cd")
        if self.tcp:
            opts.append("+tcp")
        return f"dig @127.0.0.1 -p {port} {' '.join(opts)} {self.qname} {dns.rdatatype.to_text(self.qtype)}"

    @property
    def mode(self):
        if not self.signed:
            return "unsigned"
        return "signed+DO" if self.do else "signed-noDO"


def mixcase(rng, name):
    return "".join(c.upper() if c.isalpha() and rng.random() < 0.5 else c for c in name)


def rand_label(rng):
    return "zz" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))


COMMON_TYPES = ["A", "AAAA", "MX", "TXT", "NS", "SOA", "SRV", "CAA", "PTR", "HINFO", "DS",
                "CNAME", "DNAME", "NAPTR", "SSHFP", "DNSKEY", "NSEC", "RRSIG", "NSEC3PARAM", "LOC"]
# names whose answers do not fit small (or any) UDP sizes: every EDNS variant
BIG = {"txt-600": "TXT", "txt-1400": "TXT", "txt-many": "TXT", "txt-4k": "TXT", "a-many": "A",
       "multi": "ANY", "@": "ANY", "txt-300": "TXT", "@@": "DNSKEY"}
OUTSIDE = ["outside.test.", "www.outside.test.", "example.", "diff.example.evil.", "."]


def zone_queries(rng, origin, path, signed):
    """(qname, qtype, category) for every interesting question about the zone
    in path, classified by what the answer should be."""
    z = dns.zone.from_file(str(path), origin, relativize=False, check_origin=True)
    zo = z.origin
    nodes = {n: z.nodes[n] for n in z.nodes}
    types_at = {n: {rds.rdtype for rds in node.rdatasets} for n, node in nodes.items()}
    cuts = {n for n, ts in types_at.items() if dns.rdatatype.NS in ts and n != zo}
    dnames = {n for n, ts in types_at.items() if dns.rdatatype.DNAME in ts}
    nsec3_owners = {n for n, ts in types_at.items() if ts & {dns.rdatatype.NSEC3}
                    and ts <= {dns.rdatatype.NSEC3, dns.rdatatype.RRSIG}}
    ents = set()
    for n in nodes:
        p = n.parent() if n != zo else None
        while p is not None and p != zo and p.is_subdomain(zo):
            if p not in nodes:
                ents.add(p)
            p = p.parent()

    def below(n, tops):
        return any(n != t and n.is_subdomain(t) for t in tops)

    def classify_missing(n):
        """Category of a name n that does not exist in the zone."""
        if any(n.is_subdomain(c) for c in cuts):
            return "referral"
        if below(n, dnames):
            return "dname"
        # closest encloser: nearest existing (or ENT) ancestor
        ce = n.parent()
        while ce not in nodes and ce not in ents and ce != zo:
            ce = ce.parent()
        if dns.name.Name((b"*",)) + ce in nodes:
            return "wildcard"
        # a wildcard higher up that the closest encloser blocks
        a = ce
        while a != zo:
            a = a.parent()
            if dns.name.Name((b"*",)) + a in nodes:
                return "nxdomain-wild-blocked"
        return "nxdomain"

    out = []
    add = lambda n, t, c: out.append((n.to_text(), t if isinstance(t, int) else dns.rdatatype.from_text(t), c))
    for n in sorted(nodes):
        ts = types_at[n]
        if n in nsec3_owners:
            add(n, "NSEC3", "nsec3-owner")
            add(n, "A", "nsec3-owner")
            continue
        if below(n, cuts):
            for t in ("A", "AAAA", "TXT"):
                add(n, t, "referral-glue")
            add(dns.name.Name((rand_label(rng).encode(),)) + n, "A", "referral")
            continue
        if n in cuts:
            for t in ("A", "NS", "MX", "TXT", "ANY", "SOA"):
                add(n, t, "referral")
            add(n, "DS", "ds-at-cut")
            add(n, "NSEC", "referral")
            add(dns.name.Name((rand_label(rng).encode(),)) + n, rng.choice(["A", "AAAA", "MX"]), "referral")
            continue
        if n.labels[0] == b"*":
            cat = "wildcard-literal"
        elif dns.rdatatype.CNAME in ts:
            cat = "cname"
        elif n in dnames:
            cat = "dname-owner"
        else:
            cat = "hit"
        for t in sorted(ts):
            add(n, t, cat)
        absent = [t for t in COMMON_TYPES if dns.rdatatype.from_text(t) not in ts]
        for t in rng.sample(absent, 4):
            tt = dns.rdatatype.from_text(t)
            c = cat if cat in ("cname", "wildcard-literal") else "nodata"
            if tt == dns.rdatatype.DS and n == zo:
                c = "ds-apex"
            add(n, tt, c)
        add(n, "ANY", "any" if cat == "hit" else cat)
        if n != zo and cat == "hit":
            add(n, "DS", "nodata-ds")
        for _ in range(2):
            child = dns.name.Name((rand_label(rng).encode(),)) + n
            c = classify_missing(child)
            add(child, rng.choice(["A", "AAAA", "TXT", "MX", "SRV"]), c)
        if n != zo and n.labels[0] != b"*":
            child = dns.name.Name((rand_label(rng).encode(), b"x")) + n
            add(child, "A", classify_missing(child))
    for n in sorted(ents):
        if any(n.is_subdomain(c) for c in cuts):
            add(n, "A", "referral-ent")
            continue
        for t in ("A", "TXT", "NS"):
            add(n, t, "nodata-ent")
        child = dns.name.Name((rand_label(rng).encode(),)) + n
        add(child, "A", classify_missing(child))
    # siblings of the apex and more misses under every level
    for _ in range(10):
        child = dns.name.Name((rand_label(rng).encode(),)) + zo
        add(child, rng.choice(COMMON_TYPES), classify_missing(child))
    # wildcard synthesis with many labels and every type
    for w in [n for n in nodes if n.labels[0] == b"*"]:
        for t in sorted(types_at[w]) + [dns.rdatatype.AAAA, dns.rdatatype.NS, dns.rdatatype.ANY]:
            deep = dns.name.Name((rand_label(rng).encode(), rand_label(rng).encode())) + w.parent()
            add(deep, t, "wildcard")
    for n, t in BIG.items():
        name = zo if n in ("@", "@@") else dns.name.from_text(n, zo)
        for _ in range(3):
            add(name, t, "big")
    for o in OUTSIDE:
        add(dns.name.from_text(o), "A", "refused")
    add(dns.name.from_text("x.dnloop", zo), "A", "dname")
    return out


def make_queries(rng, zones, repeat=2, tcp_share=0.04):
    """Queries for zones [(origin, path, signed)]: each question of
    zone_queries `repeat` times with random EDNS/DO/RD/CD/case; every 'big'
    one (and tcp_share of the rest) also over TCP."""
    qs = []
    for origin, path, signed in zones:
        for qname, qtype, cat in zone_queries(rng, origin, path, signed):
            variants = repeat
            if cat == "big":
                variants = 1
                edns_list = [None, 512, 1232, 4096]
            else:
                edns_list = [rng.choice([None, 512, 1232, 4096]) for _ in range(variants)]
            for edns in edns_list:
                q = Query(origin, signed, mixcase(rng, qname) if rng.random() < 0.3 else qname, qtype, cat,
                          edns=edns, do=edns is not None and rng.random() < 0.5,
                          rd=rng.random() < 0.15, cd=rng.random() < 0.1, qid=rng.randrange(65536))
                qs.append(q)
                if cat == "big" or rng.random() < tcp_share:
                    qs.append(Query(**{**q.__dict__, "tcp": True, "qid": rng.randrange(65536)}))
    return qs


# --- transport ----------------------------------------------------------------

def udp_exchange(port, wire, timeout=SOCK_TIMEOUT):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.connect(("127.0.0.1", port))
        s.send(wire)
        deadline = time.monotonic() + timeout
        while True:
            resp = s.recv(65535)
            if resp[:2] == wire[:2]:
                return resp
            if time.monotonic() > deadline:
                raise socket.timeout("no answer with our id")
    finally:
        s.close()


def _recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf


def tcp_exchange(port, wire, timeout=SOCK_TIMEOUT):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.settimeout(timeout)
        s.sendall(struct.pack("!H", len(wire)) + wire)
        n = struct.unpack("!H", _recv_exact(s, 2))[0]
        return _recv_exact(s, n)
    finally:
        s.close()


def ask(server, q):
    """(wire or None, error text or None)."""
    wire = q.wire()
    for attempt in range(2):
        try:
            if q.tcp:
                return tcp_exchange(server.port, wire), None
            return udp_exchange(server.port, wire), None
        except (OSError, ConnectionError) as e:
            err = f"{type(e).__name__}: {e}"
    return None, err


# --- normalisation and comparison ---------------------------------------------

FLAGS = [("QR", dns.flags.QR), ("AA", dns.flags.AA), ("TC", dns.flags.TC), ("RD", dns.flags.RD),
         ("RA", dns.flags.RA), ("AD", dns.flags.AD), ("CD", dns.flags.CD)]
SECTIONS = ["answer", "authority", "additional"]
ASPECTS = (["rcode", "opcode", "question"] + [f"flag-{f}" for f, _ in FLAGS] + ["edns"] + SECTIONS)


def rrset_key(rrset):
    """An RRset as a comparable value: owner lower-cased, type, covered type,
    class, TTL, set of canonical rdata."""
    return (rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype),
            dns.rdatatype.to_text(rrset.covers) if rrset.covers else "",
            dns.rdataclass.to_text(rrset.rdclass), rrset.ttl,
            frozenset(rd.to_digestable(dns.name.root) for rd in rrset))


def rrset_text(key, rrsets):
    for r in rrsets:
        if rrset_key(r) == key:
            return r.to_text()
    return repr(key)


@dataclass
class Norm:
    """A response reduced to what the comparison looks at."""
    values: dict
    msg: object = None
    raw: bytes = b""


def normalise(wire, err):
    if wire is None:
        return Norm({a: f"<no answer: {err}>" for a in ASPECTS})
    try:
        m = dns.message.from_wire(wire, ignore_trailing=False)
    except dns.exception.DNSException as e:
        return Norm({a: f"<unparsable: {type(e).__name__}: {e}>" for a in ASPECTS}, raw=wire)
    v = {
        "rcode": dns.rcode.to_text(m.rcode()),
        "opcode": m.opcode(),
        "question": tuple((r.name.to_text(), r.rdtype, r.rdclass) for r in m.question),
        # EDNS: present or not, version and the DO bit; the payload size is
        # each server's choice (not compared)
        "edns": None if m.edns < 0 else (m.edns, bool(m.ednsflags & dns.flags.DO)),
    }
    for f, bit in FLAGS:
        v[f"flag-{f}"] = bool(m.flags & bit)
    for s in SECTIONS:
        v[s] = frozenset(rrset_key(r) for r in getattr(m, s))
    return Norm(v, msg=m, raw=wire)


def describe(aspect, ref, got, name_ref="knot+nsd", name_got="nsfleetd"):
    if aspect in SECTIONS and isinstance(ref.values[aspect], frozenset) \
            and isinstance(got.values[aspect], frozenset):
        a, b = ref.values[aspect], got.values[aspect]
        lines = []
        for k in sorted(a - b, key=repr):
            lines.append(f"    only {name_ref}: " + rrset_text(k, getattr(ref.msg, aspect)).replace("\n", "\n" + " " * 18))
        for k in sorted(b - a, key=repr):
            lines.append(f"    only {name_got}: " + rrset_text(k, getattr(got.msg, aspect)).replace("\n", "\n" + " " * 18))
        return "\n".join(lines)
    return f"    {name_ref}: {ref.values[aspect]!r}\n    {name_got}: {got.values[aspect]!r}"


@dataclass
class Report:
    compared: int = 0
    mismatches: dict = field(default_factory=lambda: defaultdict(list))     # key -> [(q, text)]
    peer_disagree: Counter = field(default_factory=Counter)                 # key -> count
    checked: Counter = field(default_factory=Counter)                       # aspect -> count
    crashes: list = field(default_factory=list)


def category_key(aspect, q):
    return (aspect, q.cat, q.mode, "tcp" if q.tcp else "udp")


def compare(q, knot, nsd, ours, report, nsd_port="PORT"):
    report.compared += 1
    for aspect in ASPECTS:
        k, n, o = knot.values[aspect], nsd.values[aspect], ours.values[aspect]
        key = category_key(aspect, q)
        if k != n:
            report.peer_disagree[(aspect, q.cat)] += 1
            continue
        report.checked[aspect] += 1
        if o != k:
            report.mismatches[key].append((q, describe(aspect, knot, ours)))


def format_key(key):
    aspect, cat, mode, tr = key
    return f"{aspect:<16} {cat:<22} {mode:<12} {tr}"


def format_report(report, ports, allowed_keys, max_examples=3):
    out = [f"{report.compared} queries compared; aspects where knot and nsd agree and were checked: "
           + ", ".join(f"{a}={n}" for a, n in sorted(report.checked.items()))]
    out.append("")
    out.append("knot and nsd disagree (skipped), per aspect/category:")
    for (a, c), n in sorted(report.peer_disagree.items()):
        out.append(f"  {a:<16} {c:<22} {n}")
    out.append("")
    tot = sum(len(v) for v in report.mismatches.values())
    out.append(f"nsfleetd differs from knot+nsd: {tot} (aspect, query category, mode, transport):")
    for key in sorted(report.mismatches, key=lambda k: (-len(report.mismatches[k]), k)):
        lst = report.mismatches[key]
        tag = "  [allowed: doc/answers.md]" if key in allowed_keys else ""
        out.append(f"  {format_key(key)}  {len(lst)}{tag}")
    out.append("")
    out.append("examples:")
    for key in sorted(report.mismatches, key=lambda k: (-len(report.mismatches[k]), k)):
        if key in allowed_keys:
            continue
        out.append(f"== {format_key(key)} ({len(report.mismatches[key])})")
        for q, text in report.mismatches[key][:max_examples]:
            out.append(f"  {q.dig(ports['nsfleetd'])}   (knot: -p {ports['knot']}, nsd: -p {ports['nsd']})")
            out.append(text)
    return "\n".join(out)
