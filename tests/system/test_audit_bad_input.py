"""nsfleet audit against servers that misbehave (issue 6, "Bad input"): one
that answers garbage, one that never answers, one that streams an AXFR
forever and one that lies in its SOA, beside a good nsfleetd.  Each is a
finding with a clear reason, never a hang (the subprocess timeout only
catches a hang) or a crash.  Then a proxy in front of a good server that
spoils one thing (no AA, SERVFAIL, no TCP, no UDP, no EDNS, RA set): that
finding on the proxy only."""

import socket
import struct
import threading

import dns.flags
import dns.message
import dns.rrset
import pytest

from audit_util import SANITIZER, Member, ZONE, describe, free_port, nsfleet_bin, zone_text

GOOD, GARBAGE, SILENT, ENDLESS, LIAR = ("127.1.0.1", "127.6.0.1", "127.7.0.1", "127.8.0.1",
                                       "127.9.0.1")


class FakeServer:
    """A scripted peer on addr@port (UDP and TCP) in threads."""

    def __init__(self, addr, port, mode):
        self.addr, self.port, self.mode = addr, port, mode
        self.stop_ev = threading.Event()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((addr, port))
        self.udp.settimeout(0.1)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((addr, port))
        self.tcp.listen(16)
        self.tcp.settimeout(0.1)
        self.threads = [threading.Thread(target=self.udp_loop, daemon=True),
                        threading.Thread(target=self.tcp_loop, daemon=True)]
        for t in self.threads:
            t.start()

    def answer(self, wire):
        q = dns.message.from_wire(wire)
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        if self.mode == "liar":
            # an SOA of another zone, with AA
            r.answer.append(dns.rrset.from_text("elsewhere.test.", 300, "IN", "SOA",
                                                "a. b. 1 3600 900 1209600 300"))
        elif q.question and q.question[0].rdtype == dns.rdatatype.SOA:
            r.answer.append(dns.rrset.from_text(ZONE, 300, "IN", "SOA",
                                                "ns1.audit.test. h.audit.test. 7 3600 900 "
                                                "1209600 300"))
        return r

    def udp_loop(self):
        while not self.stop_ev.is_set():
            try:
                wire, peer = self.udp.recvfrom(65535)
            except (socket.timeout, OSError):
                continue
            if self.mode == "silent":
                continue
            if self.mode == "garbage":
                self.udp.sendto(wire[:2] + b"\x81\x80\xff\xff garbage \x00\x01", peer)
                continue
            try:
                self.udp.sendto(self.answer(wire).to_wire(), peer)
            except Exception:  # noqa: BLE001 - a fake peer answers what it can
                pass

    def tcp_loop(self):
        while not self.stop_ev.is_set():
            try:
                conn, _ = self.tcp.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self.tcp_conn, args=(conn,), daemon=True).start()

    def tcp_conn(self, conn):
        conn.settimeout(0.5)
        try:
            (n,) = struct.unpack("!H", conn.recv(2))
            wire = b""
            while len(wire) < n:
                wire += conn.recv(n - len(wire))
            if self.mode == "silent":
                self.stop_ev.wait(30)
                return
            if self.mode == "garbage":
                conn.sendall(struct.pack("!H", 20) + wire[:2] + b"\x81\x80" + b"\xff" * 16)
                return
            q = dns.message.from_wire(wire)
            if self.mode == "endless" and q.question[0].rdtype == dns.rdatatype.AXFR:
                # the SOA, then 64 KB messages of A records forever
                r = self.answer(wire)
                r.answer = [dns.rrset.from_text(ZONE, 300, "IN", "SOA",
                                                "ns1.audit.test. h.audit.test. 7 3600 900 "
                                                "1209600 300")]
                out = r.to_wire()
                conn.sendall(struct.pack("!H", len(out)) + out)
                i = 0
                while not self.stop_ev.is_set():
                    r = dns.message.make_response(q)
                    r.answer = [dns.rrset.from_text(f"n{i}-{k}.{ZONE}", 300, "IN", "A",
                                                    "192.0.2.1") for k in range(1500)]
                    i += 1
                    out = r.to_wire()
                    conn.sendall(struct.pack("!H", len(out)) + out)
                return
            out = self.answer(wire).to_wire()
            conn.sendall(struct.pack("!H", len(out)) + out)
        except (OSError, struct.error, dns.exception.DNSException):
            pass
        finally:
            conn.close()

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(5)
        self.udp.close()
        self.tcp.close()


@pytest.fixture
def peers(tmp_path):
    port = free_port([GOOD, GARBAGE, SILENT, ENDLESS, LIAR])
    good = Member("nsfleetd", "ns1.audit.test.", GOOD, port, tmp_path, zone_text())
    good.start()
    fakes = []
    try:
        good.wait_ready()
        for addr, mode in ((GARBAGE, "garbage"), (SILENT, "silent"), (ENDLESS, "endless"),
                           (LIAR, "liar")):
            fakes.append(FakeServer(addr, port, mode))
        yield port
    finally:
        for f in fakes:
            f.stop()
        good.stop()


def test_misbehaving_servers_are_findings_not_hangs(peers):
    port = peers
    import json
    import subprocess
    ns = [f"ns1.audit.test@{GOOD}#{port}", f"garbage.example@{GARBAGE}#{port}",
          f"silent.example@{SILENT}#{port}", f"endless.example@{ENDLESS}#{port}",
          f"liar.example@{LIAR}#{port}"]
    argv = [str(nsfleet_bin()), "audit", ZONE, "--json", "--timeout", "100", "--port",
            str(port)]
    for n in ns:
        argv += ["--ns", n]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stdout + p.stderr
    assert not SANITIZER.search(p.stderr), p.stderr
    rep = json.loads(p.stdout)
    by = {}
    for f in rep["findings"]:
        for s in f["servers"]:
            by.setdefault(s, []).append((f["code"], f["message"]))
    lab = {m: f"{n.split('@')[0]}.@{a}#{port}" for m, n, a in
           (("garbage", "garbage.example", GARBAGE), ("silent", "silent.example", SILENT),
            ("endless", "endless.example", ENDLESS), ("liar", "liar.example", LIAR))}
    lab = {k: f"{v.split('@')[0]}@{v.split('@')[1]}" for k, v in lab.items()}
    assert ("no-answer" in {c for c, _ in by.get(lab["garbage"], [])}
            and any("does not parse" in m for _, m in by[lab["garbage"]])), describe(rep)
    assert any(c == "no-answer" and "timeout" in m
               for c, m in by.get(lab["silent"], [])), describe(rep)
    assert {c for c, _ in by.get(lab["liar"], [])} >= {"lame-no-soa"}, describe(rep)
    endless = next(s for s in rep["servers"] if s["address"] == ENDLESS)
    assert endless["authoritative"] and not endless["axfr_open"], endless
    # the good server stays clean: only fleet-wide findings name it
    good = f"ns1.audit.test.@{GOOD}#{port}"
    assert {c for c, _ in by.get(good, [])} <= {"one-implementation", "few-prefixes",
                                                 "ns-differ", "serial-lag"}, describe(rep)


class Proxy:
    """Forwards to a real server and spoils the answers one way (mode)."""

    def __init__(self, addr, port, target, mode):
        self.addr, self.port, self.target, self.mode = addr, port, target, mode
        self.stop_ev = threading.Event()
        self.socks = []
        self.threads = []
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((addr, port))
        self.udp.settimeout(0.1)
        self.threads.append(threading.Thread(target=self.udp_loop, daemon=True))
        self.tcp = None
        if mode != "udponly":
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.tcp.bind((addr, port))
            self.tcp.listen(16)
            self.tcp.settimeout(0.1)
            self.threads.append(threading.Thread(target=self.tcp_loop, daemon=True))
        for t in self.threads:
            t.start()

    def spoil(self, wire, tcp):
        w = bytearray(wire)
        if self.mode == "noaa":
            w[2] &= ~0x04
        elif self.mode == "servfail":
            w[3] = (w[3] & 0xF0) | 2
        elif self.mode == "recursive":
            w[3] |= 0x80
        elif self.mode == "noedns" and not tcp:
            m = dns.message.from_wire(bytes(w))
            m.use_edns(False)
            return m.to_wire()
        return bytes(w)

    def udp_loop(self):
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        up.settimeout(1)
        while not self.stop_ev.is_set():
            try:
                wire, peer = self.udp.recvfrom(65535)
            except (socket.timeout, OSError):
                continue
            if self.mode == "tcponly":
                continue
            try:
                up.sendto(wire, self.target)
                ans, _ = up.recvfrom(65535)
                self.udp.sendto(self.spoil(ans, False), peer)
            except (OSError, dns.exception.DNSException):
                pass
        up.close()

    def tcp_loop(self):
        while not self.stop_ev.is_set():
            try:
                conn, _ = self.tcp.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self.tcp_conn, args=(conn,), daemon=True).start()

    def tcp_conn(self, conn):
        conn.settimeout(2)
        up = socket.create_connection(self.target, timeout=2)
        try:
            (n,) = struct.unpack("!H", conn.recv(2))
            wire = b""
            while len(wire) < n:
                wire += conn.recv(n - len(wire))
            up.sendall(struct.pack("!H", n) + wire)
            while True:  # every message of the answer (AXFR: until close)
                hdr = up.recv(2)
                if len(hdr) < 2:
                    break
                (n,) = struct.unpack("!H", hdr)
                ans = b""
                while len(ans) < n:
                    chunk = up.recv(n - len(ans))
                    if not chunk:
                        raise EOFError
                    ans += chunk
                out = self.spoil(ans, True)
                conn.sendall(struct.pack("!H", len(out)) + out)
        except (OSError, EOFError, struct.error, dns.exception.DNSException):
            pass
        finally:
            up.close()
            conn.close()

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(5)
        self.udp.close()
        if self.tcp:
            self.tcp.close()


# findings about the fleet as a whole, which name every server
FLEETWIDE = {"one-implementation", "few-prefixes", "one-prefix"}


@pytest.mark.parametrize("mode, codes", [
    ("noaa", {"lame-not-authoritative"}),
    ("servfail", {"lame-servfail"}),
    ("udponly", {"no-tcp"}),
    ("tcponly", {"no-udp"}),
    ("noedns", {"edns-broken", "edns-version-ignored"}),
    ("recursive", {"recursion"}),
])
def test_one_broken_behaviour(tmp_path, mode, codes):
    """A proxy in front of a good nsfleetd spoils one thing: that one
    finding, on the proxy only."""
    import json
    import subprocess
    port = free_port([GOOD, GARBAGE])
    good = Member("nsfleetd", "ns1.audit.test.", GOOD, port, tmp_path, zone_text())
    good.start()
    proxy = None
    try:
        good.wait_ready()
        proxy = Proxy(GARBAGE, port, (GOOD, port), mode)
        argv = [str(nsfleet_bin()), "audit", ZONE, "--json", "--timeout", "200",
                "--ns", f"ns1.audit.test@{GOOD}#{port}", "--ns", f"ns2.audit.test@{GARBAGE}#{port}",
                "--ns", f"ns3.audit.test@{GARBAGE}#{port}", "--ns", f"ns4.audit.test@{GOOD}#{port}"]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    finally:
        if proxy:
            proxy.stop()
        good.stop()
    assert not SANITIZER.search(p.stderr), p.stderr
    rep = json.loads(p.stdout)
    spoilt = f"ns2.audit.test.@{GARBAGE}#{port}"
    got = {f["code"] for f in rep["findings"]
           if spoilt in f["servers"] and f["code"] not in FLEETWIDE}
    assert got == codes, describe(rep)
    clean = f"ns1.audit.test.@{GOOD}#{port}"
    assert not {f["code"] for f in rep["findings"]
                if clean in f["servers"] and f["code"] not in FLEETWIDE}, describe(rep)
