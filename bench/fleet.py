#!/usr/bin/python3
"""bench/fleet.py: the fleet speed benchmarks of issue 5 (section "Speed").

Usage (from the repository root; nsfleetd from $NSFLEETD, else
build/src/server/nsfleetd):

    bench/fleet.py [--parts prop,change,axfr] [--changes 100] [--pairs nsfleet,knot,bind]
                   [--big-rounds 3] [--big-secondaries nsfleet,knot] [--axfr-runs 2]
                   [--axfr-primary knot] [--perf] [--work /tmp/fleetbench]

Parts (each prints its numbers; everything runs in one invocation):

prop    Propagation on a 100k-name zone (--small-n).  Three pairs run side
        by side: nsfleetd -> nsfleetd, knotd -> knotd, named -> named, all
        six processes up at once, the changes interleaved (change k of
        every pair before change k+1), so that the load of the shared
        machine falls on all of them alike.  A change rewrites the
        primary's zone file (one A record changed, serial + 1), reloads the
        primary (SIGHUP; --knot-reload knotc uses `knotc zone-reload`
        instead for Knot) and polls, over UDP with a raw socket about
        every ms, the SOA of the primary and of the secondary until each
        answers the new serial.  Reported per pair: time from the reload
        to the primary answering the new serial, to the secondary
        answering it (the propagation), and the difference (NOTIFY + SOA
        query + IXFR + apply + publish on the secondary), p50 and p99
        over --changes changes.  NOTIFY + IXFR carry each change: nsfleetd
        primary with its journal, Knot primary with zonefile-load:
        difference, BIND primary with ixfr-from-differences yes and
        notify-delay 0 (its default of 5 s would hold back a NOTIFY that
        follows another within 5 s); the transfers done are counted from
        the logs of both sides and printed (IXFR vs AXFR).
change  A 1-record and a 1000-record change of a 1M-name zone (--big-n),
        nsfleetd primary -> SECONDARY for each of --big-secondaries:
        the primary's reload time (SIGHUP to its log line "reloaded,
        serial S", and to answering S), the secondary's time to S, and
        both processes' VmRSS before and after and VmHWM during the change
        (/proc/PID/clear_refs 5 resets the high-water mark before each
        change).  --big-rounds rounds of each size.
axfr    AXFR in of the 1M-name zone: wall time from the secondary's start
        (empty storage) to answering the zone's serial, nsfleetd vs knotd as
        secondary, both from the same primary (--axfr-primary, default
        knotd, started once), alternated, --axfr-runs each; the
        secondary's VmHWM (peak RSS) at that moment.

--perf records `perf record -g` of the nsfleetd secondary during its
first AXFR in, and of the nsfleetd primary and secondary during the first
1-record and 1000-record change of the 1M zone (perf.data files in their
directories; the times of those changes include perf's overhead).

Every server runs on 127.0.0.1 at free high ports, in a directory under
--work, TSIG hmac-sha256 on every NOTIFY, SOA query and transfer, pinned
to CPU --server-cpu (1) with `taskset -c` (and every thread re-pinned
with `taskset -a -p` after start, since knotd pins its workers itself);
this script, the poller, pins itself to --client-cpu (0).  Every wait is
bounded; every process is stopped at the end, also on failure (SIGTERM
to its process group, then SIGKILL).  Servers log to a file in their
directory, each line prefixed by the time (s since the start of the run)
at which this script read it; those timestamps give the per-step
timeline printed for the propagation (median over the changes).

Zones come from /work/shared/bench/gen-zone.py N (origin bench.test.,
serial 2024010101), generated once per N under --work.
"""

import argparse
import base64
import os
import platform
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GEN_ZONE = os.environ.get("GEN_ZONE", "/work/shared/bench/gen-zone.py")
ORIGIN = "bench.test."
SERIAL0 = 2024010101
KEY_NAME = "fleet-key"
KEY_SECRET = base64.b64encode(b"nsfleet-fleet-bench-tsig-secret!").decode()
T0 = time.monotonic()


def out(*a):
    print(*a, flush=True)


def die(msg):
    raise RuntimeError(msg)


# ------------------------------------------------------------------ ports


_used_ports = set()


def free_port():
    """A port free for UDP and TCP on 127.0.0.1, from the kernel's
    ephemeral (high) range, never handed out twice in a run."""
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
        if port not in _used_ports and port > 1024:
            _used_ports.add(port)
            return port
    die("no free port")


# ------------------------------------------------------------------ zone


def zone_path(work, n):
    p = Path(work) / f"bench-{n}.zone"
    if not p.exists() or p.stat().st_size == 0:
        out(f"# generating {p} ({n} names)")
        tmp = p.with_suffix(".tmp")
        subprocess.run([sys.executable, GEN_ZONE, str(n), str(tmp)], check=True, timeout=1800)
        tmp.rename(p)
    return p


class ZoneText:
    """The generated zone's lines in memory, changed in place: change()
    gives m A records new addresses (a global counter keeps every new
    address unique) and sets the serial; write() puts the text in a
    file (a temporary file renamed over it)."""

    def __init__(self, path):
        self.lines = Path(path).read_text().splitlines(keepends=True)
        self.soa = next(i for i, l in enumerate(self.lines) if "\tSOA\t" in l)
        self.a = [i for i, l in enumerate(self.lines) if "\tA\t10." in l]
        self.pos = 0
        self.counter = 0
        m = re.search(r"\tSOA\t(\S+ \S+) (\d+) (.*)$", self.lines[self.soa])
        self.soa_head, self.soa_tail = m.group(1), m.group(3)
        self.serial = int(m.group(2))

    def change(self, m, serial):
        for _ in range(m):
            i = self.a[self.pos % len(self.a)]
            self.pos += 1
            c = self.counter
            self.counter += 1
            owner = self.lines[i].split("\t", 1)[0]
            self.lines[i] = f"{owner}\tA\t172.{16 + (c >> 16) % 16}.{(c >> 8) & 255}.{c & 255}\n"
        self.serial = serial
        self.lines[self.soa] = f"@\tSOA\t{self.soa_head} {serial} {self.soa_tail}\n"

    def write(self, path):
        path = Path(path)
        tmp = path.with_name(path.name + ".new")
        tmp.write_text("".join(self.lines))
        os.replace(tmp, path)


# ------------------------------------------------------------------ DNS probe


def _skip_name(b, o):
    while True:
        n = b[o]
        if n == 0:
            return o + 1
        if n & 0xC0 == 0xC0:
            return o + 2
        o += n + 1


class Prober:
    """SOA queries over UDP from one raw socket (no dnspython on the hot
    path): serial(port) is the serial answered, or None."""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.qname = b"".join(bytes([len(x)]) + x.encode() for x in ORIGIN.split(".") if x) + b"\0"
        self.id = 0

    def serial(self, port, timeout=0.1):
        self.id = (self.id + 1) & 0xFFFF
        q = struct.pack("!HHHHHH", self.id, 0, 1, 0, 0, 0) + self.qname + struct.pack("!HH", 6, 1)
        try:
            self.s.sendto(q, ("127.0.0.1", port))
        except OSError:
            return None
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                b, _ = self.s.recvfrom(65535)
            except (socket.timeout, OSError):
                return None
            if len(b) < 12:
                continue
            rid, flags, qd, an = struct.unpack("!HHHH", b[:8])
            if rid != self.id:
                continue  # a late answer to an earlier query
            if flags & 0xF != 0 or an == 0:
                return None
            try:
                o = 12
                for _ in range(qd):
                    o = _skip_name(b, o) + 4
                o = _skip_name(b, o)
                rtype, = struct.unpack("!H", b[o:o + 2])
                if rtype != 6:
                    return None
                o += 10
                o = _skip_name(b, o)
                o = _skip_name(b, o)
                return struct.unpack("!I", b[o:o + 4])[0]
            except (IndexError, struct.error):
                return None


# ------------------------------------------------------------------ processes


class Proc:
    """A server process in its own session (process group), pinned with
    taskset, its output read line by line by a thread that stamps each
    line with the time it was read."""

    def __init__(self, name, argv, d, port, cpu):
        self.name, self.argv, self.dir, self.port, self.cpu = name, [str(a) for a in argv], d, port, cpu
        self.p = None
        self.lines = []
        self.lock = threading.Lock()

    def start(self):
        self.logf = open(self.dir / f"{self.name}.log", "w")
        self.t_start = time.monotonic()
        self.p = subprocess.Popen(["taskset", "-c", str(self.cpu)] + self.argv,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, cwd=self.dir, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def _read(self):
        for raw in iter(self.p.stdout.readline, b""):
            t = time.monotonic()
            line = raw.decode(errors="replace").rstrip("\n")
            with self.lock:
                self.lines.append((t, line))
            self.logf.write(f"{t - T0:.6f} {line}\n")
            self.logf.flush()

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def pin(self):
        subprocess.run(["taskset", "-a", "-p", "-c", str(self.cpu), str(self.pid)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)

    def mem(self):
        """(VmRSS, VmHWM) in MiB."""
        v = {}
        try:
            for l in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                k, _, rest = l.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    v[k] = int(rest.split()[0]) / 1024
        except OSError:
            pass
        return v.get("VmRSS", 0.0), v.get("VmHWM", 0.0)

    def reset_hwm(self):
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            pass

    def grep(self, rx, since=0.0):
        """Lines (t, text) read at or after since that match rx."""
        r = re.compile(rx)
        with self.lock:
            return [(t, l) for t, l in self.lines if t >= since and r.search(l)]

    def first(self, rx, since=0.0):
        g = self.grep(rx, since)
        return g[0][0] if g else None

    def wait_line(self, rx, since=0.0, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            t = self.first(rx, since)
            if t is not None:
                return t
            if not self.alive():
                die(f"{self.name} exited ({self.p.returncode}); log {self.dir}/{self.name}.log:\n"
                    + self.tail())
            time.sleep(0.01)
        die(f"{self.name}: no log line /{rx}/ within {timeout}s:\n" + self.tail())

    def tail(self, n=30):
        with self.lock:
            return "\n".join(l for _, l in self.lines[-n:])

    def stop(self):
        if self.p is None:
            return
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.p.wait(timeout=10)
        else:
            try:  # anything left in its group
                os.killpg(self.p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.reader.join(timeout=5)
        self.logf.close()


class Procs:
    """Every process started, stopped in reverse order by stop_all()."""

    def __init__(self):
        self.all = []

    def add(self, p):
        self.all.append(p)
        p.start()
        return p

    def stop_all(self):
        for p in reversed(self.all):
            try:
                p.stop()
            except Exception as e:  # noqa: BLE001 - stop the others anyway
                out(f"# stopping {p.name}: {e!r}")
        self.all = []


def wait_serial(prober, proc, serial, timeout, interval=0.01):
    """Polls proc's SOA until it answers serial; the time it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = prober.serial(proc.port)
        if s == serial:
            return time.monotonic()
        if not proc.alive():
            die(f"{proc.name} exited ({proc.p.returncode}):\n{proc.tail()}")
        time.sleep(interval)
    die(f"{proc.name} did not answer serial {serial} within {timeout}s (last {s}):\n{proc.tail()}")


# ------------------------------------------------------------------ servers


def nsfleetd_bin():
    b = os.environ.get("NSFLEETD") or str(REPO / "build/src/server/nsfleetd")
    if not os.access(b, os.X_OK):
        die(f"no nsfleetd at {b}: set NSFLEETD")
    return b


def knot_bins():
    return ("/usr/sbin/knotd" if Path("/usr/sbin/knotd").exists() else "knotd",
            "/usr/sbin/knotc" if Path("/usr/sbin/knotc").exists() else "knotc")


def named_bin():
    return "/usr/sbin/named" if Path("/usr/sbin/named").exists() else "named"


class Server:
    """kind (nsfleet|knot|bind), role (primary|secondary), its Proc, its
    zone file (a primary's), reload()."""

    def __init__(self, kind, role, proc, zonefile=None, ctl=None):
        self.kind, self.role, self.proc, self.zonefile, self.ctl = kind, role, proc, zonefile, ctl
        self.knot_reload = "sighup"

    @property
    def port(self):
        return self.proc.port

    def reload(self):
        if self.kind == "knot" and self.knot_reload == "knotc":
            subprocess.Popen([knot_bins()[1], "-s", str(self.ctl), "zone-reload", ORIGIN],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            os.kill(self.proc.pid, signal.SIGHUP)


def make_nsfleet(d, name, role, port, cpu, zone_src=None, peer_port=None):
    """nsfleetd from a YAML config: a primary (journal in its storage,
    NOTIFY to peer_port, transfers allowed with the key, serial-policy
    keep, notify-ns false: the generated zone's NS addresses are not
    ours) or a secondary of peer_port (NOTIFY allowed with the key,
    notify-ns false as well)."""
    d.mkdir(parents=True, exist_ok=True)
    lines = ["server:", f"  listen: [ \"127.0.0.1@{port}\" ]", f"  storage: \"{d}\"",
             f"  control: \"{d}/ctl.sock\"", "  udp-workers: 1", "  tcp-workers: 1",
             "key:", f"  - id: {KEY_NAME}", "    algorithm: hmac-sha256",
             f"    secret: \"{KEY_SECRET}\"",
             "remote:", "  - id: peer", f"    address: [ \"127.0.0.1@{peer_port}\" ]",
             f"    key: {KEY_NAME}",
             "acl:", "  - id: fleet", "    address: [ \"127.0.0.0/8\" ]", f"    key: {KEY_NAME}",
             "    action: [ transfer, notify ]",
             "zone:", f"  - domain: {ORIGIN}", f"    role: {role}", "    file: bench.test.zone",
             "    acl: [ fleet ]"]
    zf = d / "bench.test.zone"
    if role == "primary":
        lines += ["    notify: [ peer ]", "    notify-ns: false", "    serial-policy: keep",
                  "    shrink-limit: 100"]
        ZoneText(zone_src).write(zf) if zone_src else None
    else:
        # notify-ns false here too: after each transfer a secondary NOTIFYs
        # the zone's NS addresses (its own secondaries), 192.0.2.53 and
        # 198.51.100.53 at port 53 in the generated zone, never answering
        lines += ["    primaries: [ peer ]", "    notify-ns: false"]
    (d / "nsfleetd.yaml").write_text("\n".join(lines) + "\n")
    p = Proc(name, [nsfleetd_bin(), "-c", d / "nsfleetd.yaml"], d, port, cpu)
    return Server("nsfleet", role, p, zf if role == "primary" else None, d / "ctl.sock")


def make_knot(d, name, role, port, cpu, zone_src=None, peer_port=None):
    """knotd: a primary (zonefile-load: difference, journal of changes:
    a reload of a changed file makes an IXFR; zonefile-sync -1: the file
    is ours, never written back; NOTIFY to peer_port) or a secondary of
    peer_port (Knot's defaults otherwise: journal of changes, zone file
    flushed after each change, zonefile-sync 0)."""
    (d / "db").mkdir(parents=True, exist_ok=True)
    zf = d / "bench.test.zone"
    tmpl = [f"    storage: \"{d}\""]
    if role == "primary":
        ZoneText(zone_src).write(zf)
        tmpl += ["    zonefile-load: difference", "    journal-content: changes",
                 "    zonefile-sync: -1"]
        zone = [f"  - domain: {ORIGIN}", f"    file: \"{zf}\"", "    notify: peer",
                "    acl: fleet"]
    else:
        zone = [f"  - domain: {ORIGIN}", f"    file: \"{zf}\"", "    master: peer",
                "    acl: fleet"]
    conf = "\n".join([
        "server:", f"    rundir: \"{d}\"", f"    listen: 127.0.0.1@{port}",
        "    udp-workers: 1", "    tcp-workers: 1", "    background-workers: 1",
        "key:", f"  - id: {KEY_NAME}", "    algorithm: hmac-sha256", f"    secret: {KEY_SECRET}",
        "remote:", "  - id: peer", f"    address: 127.0.0.1@{peer_port}", f"    key: {KEY_NAME}",
        "acl:", "  - id: fleet", "    address: 127.0.0.0/8", f"    key: {KEY_NAME}",
        "    action: [ transfer, notify ]",
        "database:", f"    storage: \"{d}/db\"",
        "log:", "  - target: stderr", "    any: info",
        "template:", "  - id: default"] + tmpl + ["zone:"] + zone) + "\n"
    (d / "knot.conf").write_text(conf)
    p = Proc(name, [knot_bins()[0], "-c", d / "knot.conf"], d, port, cpu)
    return Server("knot", role, p, zf if role == "primary" else None, d / "knot.sock")


def make_bind(d, name, role, port, cpu, zone_src=None, peer_port=None):
    """named -g -n 1: a primary (ixfr-from-differences yes, notify
    explicit to peer_port, notify-delay 0) or a secondary of peer_port
    (request-ixfr yes, its default)."""
    d.mkdir(parents=True, exist_ok=True)
    zf = d / "bench.test.zone"
    if role == "primary":
        ZoneText(zone_src).write(zf)
        zone = f"""zone "bench.test" {{
    type primary;
    file "{zf}";
    ixfr-from-differences yes;
    notify explicit;
    notify-delay 0;
    also-notify {{ 127.0.0.1 port {peer_port} key {KEY_NAME}; }};
    allow-transfer {{ key {KEY_NAME}; }};
}};"""
    else:
        zone = f"""zone "bench.test" {{
    type secondary;
    file "{d}/bench.test.bk";
    primaries {{ 127.0.0.1 port {peer_port} key {KEY_NAME}; }};
    allow-notify {{ key {KEY_NAME}; }};
    request-ixfr yes;
    notify no;
}};"""
    (d / "named.conf").write_text(f"""options {{
    directory "{d}";
    pid-file "{d}/named.pid";
    session-keyfile "{d}/session.key";
    managed-keys-directory "{d}";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
}};
controls {{ }};
key "{KEY_NAME}" {{ algorithm hmac-sha256; secret "{KEY_SECRET}"; }};
logging {{
    channel all {{ stderr; severity info; print-time yes; }};
    category default {{ all; }};
    category xfer-in {{ all; }};
    category xfer-out {{ all; }};
    category notify {{ all; }};
}};
{zone}
""")
    p = Proc(name, [named_bin(), "-g", "-4", "-n", "1", "-c", d / "named.conf"], d, port, cpu)
    return Server("bind", role, p, zf if role == "primary" else None)


MAKE = {"nsfleet": make_nsfleet, "knot": make_knot, "bind": make_bind}

# transfers, counted in the logs: (side, kind) -> regex
XFR_RX = {
    ("nsfleet", "secondary", "IXFR"): r"xfr-in zone=\S+ kind=IXFR peer=.* result=ok",
    ("nsfleet", "secondary", "AXFR"): r"xfr-in zone=\S+ kind=(AXFR|IXFR \(AXFR-style\)) .*result=ok",
    ("nsfleet", "primary", "IXFR"): r"IXFR out: .*incremental",
    ("nsfleet", "primary", "AXFR"): r"AXFR out: |IXFR out: .*full zone",
    ("knot", "secondary", "IXFR"): r"IXFR, incoming, .*finished",
    ("knot", "secondary", "AXFR"): r"AXFR, incoming, .*finished",
    ("knot", "primary", "IXFR"): r"IXFR, outgoing, .*started",
    ("knot", "primary", "AXFR"): r"AXFR, outgoing, .*started",
    # named's secondary does not say at level info which kind it got: the
    # primary's xfer-out lines do (IXFR started / AXFR started)
    ("bind", "secondary", "all kinds"): r"Transfer completed",
    ("bind", "primary", "IXFR"): r"(?<!AXFR-style )IXFR started",
    ("bind", "primary", "AXFR"): r"AXFR started|AXFR-style IXFR started",
}

# per-step timeline of one change to serial {s}: (label, side, regex)
STEPS = {
    "nsfleet": [
        ("primary: reloaded", "primary", r"zone bench\.test\.: reloaded, serial {s}\b"),
        ("secondary: NOTIFY in", "secondary", r"NOTIFY for bench\.test\.? from"),
        ("primary: IXFR out done", "primary", r"IXFR out: .*-> {s}\b"),
        ("secondary: xfr-in done", "secondary", r"xfr-in .*->{s} .*result=ok"),
        ("secondary: serving", "secondary", r"serving serial {s}\b"),
        ("primary: NOTIFY acked", "primary", r"NOTIFY out: .*serial {s}\b.*acked"),
    ],
    "knot": [
        ("primary: loaded", "primary", r"serial \d+ -> {s}|loaded, serial {s}\b"),
        ("secondary: NOTIFY in", "secondary", r"notify, incoming.*serial {s}\b"),
        ("secondary: IXFR started", "secondary", r"IXFR, incoming, .*started"),
        ("secondary: IXFR finished", "secondary", r"IXFR, incoming, .*finished"),
        ("secondary: zone updated", "secondary", r"zone updated, .*serial \d+ -> {s}\b"),
    ],
    "bind": [
        ("primary: loaded", "primary", r"loaded serial {s}\b"),
        ("primary: sending NOTIFY", "primary", r"sending notifies \(serial {s}\)"),
        ("secondary: NOTIFY in", "secondary", r"notify from .*serial {s}\b"),
        ("secondary: transfer started", "secondary", r"Transfer started"),
        ("secondary: transferred", "secondary", r"transferred serial {s}\b"),
        ("secondary: completed", "secondary", r"Transfer completed"),
    ],
}


# ------------------------------------------------------------------ helpers


def pct(v, p):
    """Nearest-rank percentile of v (p in 0..100)."""
    s = sorted(v)
    if not s:
        return float("nan")
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def ms(x):
    return "-" if x is None or x != x else f"{x * 1000:.1f}"


def ratio(a, b):
    return "-" if not a or not b or a != a or b != b else f"{a / b:.2f}"


def loadavg():
    return Path("/proc/loadavg").read_text().split()[:3]


def note_machine(args):
    out(f"# machine: {platform.node()}, {os.cpu_count()} CPUs, "
        f"{platform.platform()}, load average {' '.join(loadavg())}")
    out(f"# nsfleetd {nsfleetd_bin()} "
        f"({subprocess.run([nsfleetd_bin(), '--version'], capture_output=True, text=True).stdout.strip()}), "
        f"built {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(os.stat(nsfleetd_bin()).st_mtime))}; "
        f"git HEAD now {subprocess.run(['git', '-C', str(REPO), 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()} "
        "(not necessarily the binary's tree)")
    out(f"# knotd {subprocess.run([knot_bins()[0], '-V'], capture_output=True, text=True).stdout.strip()}; "
        f"named {subprocess.run([named_bin(), '-v'], capture_output=True, text=True).stdout.strip()}")
    out(f"# servers pinned to CPU {args.server_cpu} (taskset -c, threads re-pinned), "
        f"this poller to CPU {args.client_cpu}")


def start_pair(procs, kind, d, n_src, cpu, prober, timeout):
    """Starts kind's primary on the zone file n_src and its secondary;
    waits until the secondary answers the first serial (first AXFR)."""
    pport, sport = free_port(), free_port()
    pri = MAKE[kind](d / f"{kind}-primary", f"{kind}-primary", "primary", pport, cpu,
                     zone_src=n_src, peer_port=sport)
    sec = MAKE[kind](d / f"{kind}-secondary", f"{kind}-secondary", "secondary", sport, cpu,
                     peer_port=pport)
    procs.add(pri.proc)
    wait_serial(prober, pri.proc, SERIAL0, timeout)
    pri.proc.pin()
    t = time.monotonic()
    procs.add(sec.proc)
    wait_serial(prober, sec.proc, SERIAL0, timeout)
    sec.proc.pin()
    out(f"# {kind}: primary @{pport}, secondary @{sport}: first transfer in "
        f"{time.monotonic() - t:.2f} s")
    return pri, sec


def one_change(prober, pri, sec, serial, timeout, poll_s):
    """Reloads pri (its file already written) and polls both until sec
    answers serial: (t0, t_primary, t_secondary) or t_* None on timeout."""
    t0 = time.monotonic()
    pri.reload()
    tp = ts = None
    deadline = t0 + timeout
    nxt = t0
    while ts is None and time.monotonic() < deadline:
        if tp is None and prober.serial(pri.port, 0.05) == serial:
            tp = time.monotonic()
        if prober.serial(sec.port, 0.05) == serial:
            ts = time.monotonic()
            tp = tp or ts
            break
        nxt += poll_s
        d = nxt - time.monotonic()
        if d > 0:
            time.sleep(d)
        else:
            nxt = time.monotonic()
    return t0, tp, ts


def count_xfr(srv):
    return {kind: len(srv.proc.grep(rx)) for (k, role, kind), rx in XFR_RX.items()
            if k == srv.kind and role == srv.role}


# ------------------------------------------------------------------ part 1


def part_prop(args, work, prober):
    out(f"\n## propagation: {args.small_n} names, {args.changes} changes of 1 record + serial, "
        f"pairs {','.join(args.pairs)} interleaved")
    src = zone_path(args.work, args.small_n)
    procs = Procs()
    res = {k: {"pri": [], "sec": [], "miss": 0, "steps": {}} for k in args.pairs}
    try:
        pairs = {}
        for kind in args.pairs:
            pairs[kind] = start_pair(procs, kind, work / "prop", src, args.server_cpu, prober, 120)
            pairs[kind][0].knot_reload = args.knot_reload
        texts = {k: ZoneText(src) for k in args.pairs}
        base = {k: {s: count_xfr(s) for s in pairs[k]} for k in args.pairs}
        out(f"# load average before the changes: {' '.join(loadavg())}")
        for i in range(1, args.changes + 1):
            serial = SERIAL0 + i
            for kind in args.pairs:
                if res[kind]["miss"] >= 3:
                    continue
                pri, sec = pairs[kind]
                texts[kind].change(1, serial)
                texts[kind].write(pri.zonefile)
                t0, tp, ts = one_change(prober, pri, sec, serial, args.timeout, args.poll_ms / 1000)
                if ts is None:
                    res[kind]["miss"] += 1
                    out(f"# {kind}: change {i} (serial {serial}) not propagated within "
                        f"{args.timeout}s (primary {ms(tp and tp - t0)} ms)")
                    # resync: wait for it before the next change
                    try:
                        wait_serial(prober, sec.proc, serial, args.timeout)
                    except RuntimeError as e:
                        out(f"# {kind}: {str(e).splitlines()[0]}")
                    continue
                res[kind]["pri"].append(tp - t0)
                res[kind]["sec"].append(ts - t0)
                res[kind].setdefault("t0", []).append((serial, t0))
                time.sleep(args.gap_ms / 1000)
            if i % 10 == 0:
                out(f"# change {i}: " + ", ".join(
                    f"{k} p50 {ms(statistics.median(res[k]['sec']) if res[k]['sec'] else None)} ms"
                    for k in args.pairs) + f"; load {' '.join(loadavg())}")
        time.sleep(1.5)  # the last log lines (NOTIFY acks)
        out(f"# load average after the changes: {' '.join(loadavg())}")
        # transfers done during the changes, from both sides' logs
        xfr = {}
        for kind in args.pairs:
            xfr[kind] = {}
            for s in pairs[kind]:
                now = count_xfr(s)
                xfr[kind][s.role] = {k: now[k] - base[kind][s][k] for k in now}
        # timelines
        for kind in args.pairs:
            pri, sec = pairs[kind]
            for label, side, rx in STEPS[kind]:
                p = pri if side == "primary" else sec
                v = []
                for serial, t0 in res[kind].get("t0", []):
                    t = p.proc.first(rx.format(s=serial), t0)
                    if t is not None and t - t0 < args.timeout:
                        v.append(t - t0)
                res[kind]["steps"][label] = v
    finally:
        procs.stop_all()

    out("\n### propagation (ms from the reload signal; p50 / p99 over the changes)\n")
    out("| pair | changes ok | primary answers new serial p50 | p99 "
        "| secondary answers p50 | p99 | secondary - primary p50 | p99 | transfers seen (secondary log) "
        "| (primary log) |")
    out("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    summ = {}
    for kind in args.pairs:
        r = res[kind]
        d = [s - p for s, p in zip(r["sec"], r["pri"])]
        summ[kind] = (pct(r["pri"], 50), pct(r["pri"], 99), pct(r["sec"], 50), pct(r["sec"], 99),
                      pct(d, 50), pct(d, 99))
        x = xfr.get(kind, {})
        out(f"| {kind} -> {kind} | {len(r['sec'])}/{args.changes} | "
            + " | ".join(ms(v) for v in summ[kind])
            + " | " + ", ".join(f"{k} {v}" for k, v in x.get("secondary", {}).items())
            + " | " + ", ".join(f"{k} {v}" for k, v in x.get("primary", {}).items()) + " |")
    for other in ("knot", "bind"):
        if "nsfleet" in summ and other in summ:
            a, b = summ["nsfleet"], summ[other]
            out(f"| **nsfleet / {other}** | | " + " | ".join(ratio(x, y) for x, y in zip(a, b))
                + " | | |")
    if "nsfleet" in summ:
        p50 = summ["nsfleet"][2]
        k50 = summ.get("knot", (None,) * 6)[2]
        out(f"\ngoal p50 <= Knot's: nsfleet {ms(p50)} ms vs knot {ms(k50)} ms: "
            f"{'met' if k50 and p50 <= k50 else 'MISSED' if k50 else '?'}; "
            f"goal p50 <= 50 ms: {'met' if p50 <= 0.050 else 'MISSED'}")
    out("\n### timeline of a change (ms from the reload signal, median over the changes; "
        "log lines as this script read them)\n")
    for kind in args.pairs:
        steps = res[kind]["steps"]
        out(f"- {kind}: " + "; ".join(
            f"{lbl} {ms(statistics.median(v)) if v else '-'} ({len(v)})" for lbl, v in steps.items()))
    return summ


# ------------------------------------------------------------------ part 2


def part_change(args, work, prober):
    out(f"\n## changes of a {args.big_n}-name zone: nsfleetd primary -> "
        f"{', '.join(args.big_secondaries)} secondary, {args.big_rounds} rounds of 1 and of 1000 records")
    src = zone_path(args.work, args.big_n)
    rows = []
    for skind in args.big_secondaries:
        procs = Procs()
        try:
            pport, sport = free_port(), free_port()
            d = work / f"change-{skind}"
            pri = make_nsfleet(d / "nsfleet-primary", "nsfleet-primary", "primary", pport,
                               args.server_cpu, zone_src=src, peer_port=sport)
            sec = MAKE[skind](d / f"{skind}-secondary", f"{skind}-secondary", "secondary", sport,
                              args.server_cpu, peer_port=pport)
            procs.add(pri.proc)
            wait_serial(prober, pri.proc, SERIAL0, 600)
            pri.proc.pin()
            t = time.monotonic()
            procs.add(sec.proc)
            wait_serial(prober, sec.proc, SERIAL0, 900)
            sec.proc.pin()
            out(f"# nsfleet primary -> {skind} secondary: first AXFR in {time.monotonic() - t:.2f} s")
            time.sleep(2)
            text = ZoneText(src)
            serial = SERIAL0
            for rnd in range(args.big_rounds):
                for m in (1, 1000):
                    serial += 1
                    text.change(m, serial)
                    text.write(pri.zonefile)
                    time.sleep(0.5)
                    pm0, sm0 = pri.proc.mem(), sec.proc.mem()
                    pri.proc.reset_hwm()
                    sec.proc.reset_hwm()
                    la = loadavg()[0]
                    perfs = []
                    if args.perf and rnd == 0 and skind == "nsfleet":
                        for p in (pri, sec):
                            pd = p.proc.dir / f"perf-change-{m}.data"
                            perfs.append((pd, subprocess.Popen(
                                ["perf", "record", "-F", "999", "-g", "-o", str(pd), "-p",
                                 str(p.proc.pid)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)))
                        time.sleep(0.5)
                    t0, tp, ts = one_change(prober, pri, sec, serial, args.big_timeout,
                                            args.poll_ms / 1000)
                    if perfs:
                        time.sleep(0.5)
                        for pd, pp in perfs:
                            pp.send_signal(signal.SIGINT)
                            try:
                                pp.wait(timeout=60)
                            except subprocess.TimeoutExpired:
                                os.killpg(pp.pid, signal.SIGKILL)
                            out(f"# perf data: {pd}")
                    if ts is None:
                        out(f"# {skind}: {m}-record change to {serial} not propagated within "
                            f"{args.big_timeout}s")
                        wait_serial(prober, sec.proc, serial, args.big_timeout)
                    time.sleep(1.0)  # settle: the secondary's file write, journal, ...
                    pm1, sm1 = pri.proc.mem(), sec.proc.mem()
                    tlog = pri.proc.first(rf"reloaded, serial {serial}\b", t0)
                    row = {"sec": skind, "m": m, "serial": serial,
                           "reload_log": tlog - t0 if tlog else None,
                           "pri": tp - t0 if tp else None, "secd": ts - t0 if ts else None,
                           "pri_rss0": pm0[0], "pri_rss1": pm1[0], "pri_hwm": pm1[1],
                           "sec_rss0": sm0[0], "sec_rss1": sm1[0], "sec_hwm": sm1[1],
                           "load": la}
                    xin = [l for _, l in sec.proc.grep(
                        "|".join(rx for (k, role, _), rx in XFR_RX.items()
                                 if k == skind and role == "secondary"), t0)]
                    row["xfr"] = xin[-1][:200] if xin else "?"
                    rows.append(row)
                    out(f"# {skind} m={m} serial={serial}: primary reloaded (log) {ms(row['reload_log'])} ms, "
                        f"answers {ms(row['pri'])} ms, secondary {ms(row['secd'])} ms; "
                        f"RSS MiB primary {pm0[0]:.0f}->{pm1[0]:.0f} (HWM {pm1[1]:.0f}), "
                        f"secondary {sm0[0]:.0f}->{sm1[0]:.0f} (HWM {sm1[1]:.0f}); load {la}")
                    out(f"#   {row['xfr']}")
        finally:
            procs.stop_all()
    out("\n### one-record and 1000-record changes (times: median over the rounds, ms from SIGHUP; "
        "memory: MiB, each round)\n")
    out("| secondary | records changed | primary reload (log) | primary answers | secondary answers "
        "| secondary - primary | primary RSS before -> after | primary HWM during | secondary RSS before -> after "
        "| secondary HWM during |")
    out("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: |")
    summ = {}
    for skind in args.big_secondaries:
        for m in (1, 1000):
            rr = [r for r in rows if r["sec"] == skind and r["m"] == m]
            if not rr:
                continue

            def med(k):
                v = [r[k] for r in rr if r[k] is not None]
                return statistics.median(v) if v else None
            d = [r["secd"] - r["pri"] for r in rr if r["secd"] and r["pri"]]
            summ[(skind, m)] = (med("reload_log"), med("pri"), med("secd"),
                                statistics.median(d) if d else None)
            # memory per round (a median of the befores and one of the
            # afters would pair numbers of different rounds)
            def each(a, b=None):
                return ", ".join(f"{r[a]:.0f}" + (f"->{r[b]:.0f}" if b else "") for r in rr)
            out(f"| {skind} | {m} | {ms(med('reload_log'))} | {ms(med('pri'))} | {ms(med('secd'))} | "
                f"{ms(statistics.median(d) if d else None)} | {each('pri_rss0', 'pri_rss1')} | "
                f"{each('pri_hwm')} | {each('sec_rss0', 'sec_rss1')} | {each('sec_hwm')} |")
    return summ


# ------------------------------------------------------------------ part 3


def part_axfr(args, work, prober):
    out(f"\n## AXFR in of {args.big_n} names: nsfleetd vs knotd secondary, primary "
        f"{args.axfr_primary}, {args.axfr_runs} runs each, alternated")
    src = zone_path(args.work, args.big_n)
    procs = Procs()
    res = {"nsfleet": [], "knot": []}
    try:
        pport = free_port()
        d = work / "axfr"
        pri = MAKE[args.axfr_primary](d / f"{args.axfr_primary}-primary", "axfr-primary", "primary",
                                      pport, args.axfr_primary_cpu, zone_src=src, peer_port=1)
        procs.add(pri.proc)
        wait_serial(prober, pri.proc, SERIAL0, 600)
        pri.proc.pin()
        time.sleep(2)
        for run in range(args.axfr_runs):
            for skind in ("nsfleet", "knot") if run % 2 == 0 else ("knot", "nsfleet"):
                sport = free_port()
                sd = d / f"{skind}-secondary-{run}"
                sec = MAKE[skind](sd, f"{skind}-secondary-{run}", "secondary", sport,
                                  args.server_cpu, peer_port=pport)
                la = loadavg()[0]
                perf = None
                t0 = time.monotonic()
                sec.proc.start()
                procs.all.append(sec.proc)
                try:
                    # re-pin Knot's threads as soon as they exist
                    time.sleep(0.05)
                    sec.proc.pin()
                    if args.perf and skind == "nsfleet" and run == 0:
                        perf = subprocess.Popen(["perf", "record", "-F", "999", "-g", "-o",
                                                 str(sd / "perf.data"), "-p", str(sec.proc.pid)],
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                                start_new_session=True)
                    t1 = wait_serial(prober, sec.proc, SERIAL0, args.big_timeout, interval=0.005)
                    rss, hwm = sec.proc.mem()
                    wall = t1 - t0
                    xin = [l for _, l in sec.proc.grep(r"AXFR", 0)]
                    res[skind].append((wall, rss, hwm))
                    out(f"# run {run + 1} {skind}: {wall:.2f} s, RSS {rss:.0f} MiB, HWM {hwm:.0f} MiB, "
                        f"load {la}")
                    for l in xin[-2:]:
                        out(f"#   {l[:220]}")
                finally:
                    if perf is not None:
                        perf.send_signal(signal.SIGINT)
                        try:
                            perf.wait(timeout=60)
                        except subprocess.TimeoutExpired:
                            os.killpg(perf.pid, signal.SIGKILL)
                        out(f"# perf data: {sd / 'perf.data'}")
                    sec.proc.stop()
                    procs.all.remove(sec.proc)
                time.sleep(1)
    finally:
        procs.stop_all()
    out(f"\n### AXFR in, {args.big_n} names (from start with empty storage to answering the serial)\n")
    out("| secondary | runs | wall s (each) | median wall s | peak RSS (VmHWM) MiB median | RSS after MiB |")
    out("| --- | ---: | --- | ---: | ---: | ---: |")
    summ = {}
    for k, v in res.items():
        if not v:
            continue
        summ[k] = (statistics.median(x[0] for x in v), statistics.median(x[2] for x in v),
                   statistics.median(x[1] for x in v))
        out(f"| {k} | {len(v)} | {', '.join(f'{x[0]:.2f}' for x in v)} | {summ[k][0]:.2f} | "
            f"{summ[k][1]:.0f} | {summ[k][2]:.0f} |")
    if "nsfleet" in summ and "knot" in summ:
        r = summ["nsfleet"][0] / summ["knot"][0]
        out(f"| **nsfleet / knot** | | | {r:.2f} | {summ['nsfleet'][1] / summ['knot'][1]:.2f} | "
            f"{summ['nsfleet'][2] / summ['knot'][2]:.2f} |")
        out(f"\ngoal AXFR-in wall <= 0.7x Knot: {r:.3f}x: {'met' if r <= 0.7 else 'MISSED'}")
    return summ


# ------------------------------------------------------------------ main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", default="prop,change,axfr")
    ap.add_argument("--changes", type=int, default=100)
    ap.add_argument("--pairs", default="nsfleet,knot,bind")
    ap.add_argument("--small-n", type=int, default=100000)
    ap.add_argument("--big-n", type=int, default=1000000)
    ap.add_argument("--big-rounds", type=int, default=3)
    ap.add_argument("--big-secondaries", default="nsfleet,knot")
    ap.add_argument("--axfr-runs", type=int, default=2)
    ap.add_argument("--axfr-primary", default="knot", choices=("knot", "nsfleet"))
    ap.add_argument("--axfr-primary-cpu", type=int, default=None,
                    help="CPU of the AXFR part's primary (default: --server-cpu)")
    ap.add_argument("--knot-reload", default="sighup", choices=("sighup", "knotc"))
    ap.add_argument("--perf", action="store_true")
    ap.add_argument("--poll-ms", type=float, default=1.0)
    ap.add_argument("--gap-ms", type=float, default=100.0, help="pause after each change")
    ap.add_argument("--timeout", type=float, default=30.0, help="bound of one change, 100k zone")
    ap.add_argument("--big-timeout", type=float, default=600.0)
    ap.add_argument("--server-cpu", type=int, default=1)
    ap.add_argument("--client-cpu", type=int, default=0)
    ap.add_argument("--work", default="/tmp/fleetbench")
    args = ap.parse_args()
    args.pairs = [p for p in args.pairs.split(",") if p]
    args.big_secondaries = [p for p in args.big_secondaries.split(",") if p]
    if args.axfr_primary_cpu is None:
        args.axfr_primary_cpu = args.server_cpu
    parts = args.parts.split(",")
    os.sched_setaffinity(0, {args.client_cpu})
    Path(args.work).mkdir(parents=True, exist_ok=True)
    work = Path(args.work) / time.strftime("run-%Y%m%d-%H%M%S")
    work.mkdir()
    out(f"# bench/fleet.py {' '.join(sys.argv[1:])}")
    out(f"# {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, work dir {work}")
    note_machine(args)
    prober = Prober()
    ok = True
    for part, fn in (("prop", part_prop), ("change", part_change), ("axfr", part_axfr)):
        if part in parts:
            try:
                fn(args, work, prober)
            except Exception as e:  # noqa: BLE001 - report and go on to the next part
                ok = False
                out(f"\n# part {part} FAILED: {e}")
    out(f"\n# done {time.strftime('%H:%M:%S UTC', time.gmtime())}, load average {' '.join(loadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
