"""Starting and stopping nsfleetd for the server system tests.

The binary is $NSFLEETD, or <repo>/build/src/server/nsfleetd; a missing
binary is a failure, never a skip.  Each server gets a free port (the same
number free for UDP and TCP on 127.0.0.1 and ::1), its log in a file, and
is always killed at the end of the test.  Every socket operation has a
timeout.
"""

import os
import re
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

REPO = Path(__file__).resolve().parents[2]
ZONES = REPO / "tests" / "zones"
EXAMPLE = ZONES / "example.com.zone"
TIMEOUT = 5.0       # one query
START_TIMEOUT = 15  # until the server answers


def nsfleetd_path():
    env = os.environ.get("NSFLEETD")
    return Path(env) if env else REPO / "build" / "src" / "server" / "nsfleetd"


def have_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def free_port(v6=True):
    """A port free on 127.0.0.1 (and ::1) for both UDP and TCP."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        ok = True
        probes = [(socket.AF_INET, "127.0.0.1")] + ([(socket.AF_INET6, "::1")] if v6 else [])
        for fam, addr in probes:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                try:
                    with socket.socket(fam, kind) as s:
                        s.bind((addr, port))
                except OSError:
                    ok = False
        if ok:
            return port
    pytest.fail("no free port found")


class Server:
    def __init__(self, args, log_path, port):
        self.args = args
        self.log_path = log_path
        self.port = port
        self.logf = open(log_path, "wb")
        self.proc = subprocess.Popen([str(a) for a in args], stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def log(self):
        self.logf.flush()
        return Path(self.log_path).read_text(errors="backslashreplace")

    def wait_log(self, pattern, timeout=10):
        """Waits until a log line matches pattern (a regex); returns the match."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        while time.monotonic() < deadline:
            m = rx.search(self.log())
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        pytest.fail(f"no log line matching {pattern!r} within {timeout}s; log:\n{self.log()}",
                    pytrace=False)

    def query(self, name, rdtype="A", tcp=False, addr="127.0.0.1", timeout=TIMEOUT, **kw):
        q = dns.message.make_query(name, rdtype, **kw)
        if tcp:
            return dns.query.tcp(q, addr, port=self.port, timeout=timeout)
        return dns.query.udp(q, addr, port=self.port, timeout=timeout)

    def soa_serial(self, zone="example.com.", **kw):
        r = self.query(zone, "SOA", **kw)
        assert r.rcode() == dns.rcode.NOERROR, r
        return r.answer[0][0].serial

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"nsfleetd exited with {self.proc.returncode} while starting:\n"
                            f"{self.log()}", pytrace=False)
            if re.search(r"^nsfleetd: info: ready$", self.log(), re.M):
                return
            time.sleep(0.05)
        pytest.fail(f"nsfleetd not ready within {START_TIMEOUT}s:\n{self.log()}", pytrace=False)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10):
        """SIGTERM, then the exit status (killed after timeout: a failure)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                pytest.fail(f"nsfleetd did not stop within {timeout}s:\n{self.log()}",
                            pytrace=False)
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.logf.close()


@pytest.fixture
def nsfleetd_bin():
    path = nsfleetd_path()
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"nsfleetd not found or not executable: {path}\n"
                    "build it or set NSFLEETD=/path/to/nsfleetd", pytrace=False)
    return path


@pytest.fixture
def start_server(nsfleetd_bin, tmp_path):
    """start_server(zones={'example.com': path}, extra=[...], v6=True, wait=True)."""
    servers = []

    def _start(zones=None, extra=(), v6=True, wait=True, workers=2, port=None):
        if zones is None:
            zones = {"example.com": EXAMPLE}
        v6 = v6 and have_ipv6()
        port = port or free_port(v6)
        args = [nsfleetd_bin, "--listen", f"127.0.0.1@{port}"]
        if v6:
            args += ["--listen", f"::1@{port}"]
        for name, path in zones.items():
            args += ["--zone", f"{name}={path}"]
        args += ["--udp-workers", str(workers), "--tcp-workers", "2", *map(str, extra)]
        s = Server(args, tmp_path / f"nsfleetd-{len(servers)}.log", port)
        servers.append(s)
        if wait:
            s.wait_ready()
        return s

    yield _start
    # every server still running must stop cleanly on SIGTERM: exit 0 and
    # no sanitizer report (an ASan build reports leaks at exit)
    bad = []
    for s in servers:
        if s.proc.poll() is None:
            s.proc.send_signal(signal.SIGTERM)
            try:
                s.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                s.kill()
                bad.append((s, "did not stop within 10 s of SIGTERM"))
                continue
            if s.proc.returncode != 0:
                bad.append((s, f"exit status {s.proc.returncode} after SIGTERM"))
        elif s.proc.returncode < 0:
            bad.append((s, f"killed by signal {-s.proc.returncode}"))
        if re.search(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:", s.log()):
            bad.append((s, "sanitizer report"))
        s.logf.close()
    if bad:
        pytest.fail("\n\n".join(f"nsfleetd {why}:\n{s.log()}" for s, why in bad),
                    pytrace=False)


def tcp_connect(port, addr="127.0.0.1", timeout=TIMEOUT):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((addr, port))
    return s


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError(f"connection closed after {len(buf)} of {n} octets")
        buf += chunk
    return buf


def recv_msg(s):
    (n,) = struct.unpack("!H", recv_exact(s, 2))
    return dns.message.from_wire(recv_exact(s, n), one_rr_per_rrset=True)


def frame(q):
    w = q.to_wire()
    return struct.pack("!H", len(w)) + w
