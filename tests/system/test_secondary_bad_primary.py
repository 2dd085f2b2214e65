"""role: secondary against a scripted fake primary (NSD's tpkg/axfr_incoming
idea): after one good AXFR, every broken transfer leaves the secondary
serving its last valid version, and the log says why."""

import re
import socket
import struct
import threading
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from nsfleetd_harness import free_port, nsfleetd_bin  # noqa: F401
from secondary_util import SANITIZER, send_notify, start_secondary, wait_serial

ZONE = "example.com."


EXPIRE = {"value": 86400}


def soa(serial):
    # refresh/retry long: only NOTIFY starts a refresh during the test
    return dns.rrset.from_text(ZONE, 300, "IN", "SOA",
                               f"ns1.example.com. h.example.com. {serial} 3600 3600 "
                               f"{EXPIRE['value']} 300")


def rr(name, rdtype, text, ttl=300):
    return dns.rrset.from_text(name, ttl, "IN", rdtype, text)


def zone_body():
    return [rr(ZONE, "NS", "ns1.example.com."), rr("ns1.example.com.", "A", "192.0.2.1"),
            rr("www.example.com.", "A", "192.0.2.2")]


class FakePrimary:
    """A TCP server speaking raw DNS; mode says what transfers look like."""

    def __init__(self):
        self.port = free_port(False)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.mode = "good1"
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def close(self):
        self.stop = True
        self.t.join(5)
        self.sock.close()

    def run(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    @staticmethod
    def recv_exact(c, n):
        b = b""
        while len(b) < n:
            k = c.recv(n - len(b))
            if not k:
                raise EOFError
            b += k
        return b

    def reply(self, q, rrsets):
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        for s in rrsets:
            r.answer.append(s)
        w = r.to_wire(max_size=65535)
        return struct.pack("!H", len(w)) + w

    def serve(self, c):
        c.settimeout(30)
        try:
            while True:
                (n,) = struct.unpack("!H", self.recv_exact(c, 2))
                q = dns.message.from_wire(self.recv_exact(c, n))
                qt = q.question[0].rdtype
                mode = self.mode
                new = {"good1": 1}.get(mode, 2)
                if qt == dns.rdatatype.SOA and mode != "dead":
                    c.sendall(self.reply(q, [soa(new)]))
                    continue
                if not self.transfer(c, q, mode):
                    break
        except (EOFError, OSError):
            pass
        finally:
            c.close()

    def transfer(self, c, q, mode):
        """Sends the transfer of mode; False: close the connection."""
        body = zone_body()
        if mode == "dead":
            return False  # closes without a word
        if mode == "good1":
            c.sendall(self.reply(q, [soa(1)] + body + [soa(1)]))
        elif mode == "truncated":
            w = self.reply(q, [soa(2)] + body + [soa(2)])
            c.sendall(w[: len(w) // 2])  # half a message, then close
            return False
        elif mode == "no-final-soa":
            c.sendall(self.reply(q, [soa(2)] + body))
            return False
        elif mode == "backwards":
            c.sendall(self.reply(q, [soa(0)] + body + [soa(0)]))
        elif mode == "out-of-zone":
            c.sendall(self.reply(q, [soa(2)] + body +
                                 [rr("evil.example.org.", "A", "192.0.2.66"), soa(2)]))
        elif mode == "ixfr-absent":
            c.sendall(self.reply(q, [soa(2), soa(1), rr("nothere.example.com.", "A", "192.0.2.9"),
                                     soa(2), rr("new.example.com.", "A", "192.0.2.10"),
                                     soa(2)]))
        elif mode == "ixfr-base":
            c.sendall(self.reply(q, [soa(2), soa(7), rr("www.example.com.", "A", "192.0.2.2"),
                                     soa(2), rr("www.example.com.", "A", "192.0.2.3"),
                                     soa(2)]))
        elif mode == "stall":
            w = self.reply(q, [soa(2)] + body)
            c.sendall(w)
            time.sleep(6)  # silent past the secondary's xfr-timeout (2 s)
            return False
        elif mode == "good2":
            c.sendall(self.reply(q, [soa(2)] + body + [rr("new.example.com.", "A", "192.0.2.10"),
                                                       soa(2)]))
        return True


@pytest.fixture
def fake():
    f = FakePrimary()
    yield f
    f.close()


CASES = [
    ("truncated", r"connection closed by the primary \(stream truncated\)"),
    ("no-final-soa", r"connection closed by the primary \(stream truncated\)"),
    ("backwards", r"serial 0 is not newer than ours \(1\)"),
    ("out-of-zone", r"record evil\.example\.org\. is outside the zone"),
    ("ixfr-absent", r"changeset 1 -> 2 does not apply: it removes a record the zone does not have"),
    ("ixfr-base", r"IXFR base serial 7 is not ours \(1\)"),
    ("stall", r"no data for 2 s \(timeout\)"),
]


def test_broken_transfers_keep_last_zone(nsfleetd_bin, tmp_path, fake):
    servers = []
    s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", fake.port)], servers=servers,
                        xfr_timeout=2)
    try:
        wait_serial(s, 1, zone=ZONE)
        for mode, why in CASES:
            before = len(re.findall(r"result=failed", s.log()))
            fake.mode = mode
            assert send_notify(s.port, zone=ZONE).rcode() == dns.rcode.NOERROR
            deadline = time.monotonic() + 15
            while len(re.findall(r"result=failed", s.log())) <= before:
                assert time.monotonic() < deadline, f"{mode}: no failure logged:\n{s.log()}"
                time.sleep(0.05)
            line = re.findall(r"^.*result=failed.*$", s.log(), re.M)[before]
            assert re.search(why, line), f"{mode}: {line}"
            assert "zone=example.com." in line and f"peer=127.0.0.1@{fake.port}" in line
            assert "keeping the current version" in line
            # still the last valid version
            assert s.soa_serial(ZONE) == 1, mode
            r = s.query("www.example.com.", "A")
            assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].address == "192.0.2.2"
            assert s.query("new.example.com.", "A").rcode() == dns.rcode.NXDOMAIN
        # and a good transfer still goes through afterwards
        fake.mode = "good2"
        send_notify(s.port, zone=ZONE)
        wait_serial(s, 2, zone=ZONE, timeout=10)
        assert s.query("new.example.com.", "A").answer[0][0].address == "192.0.2.10"
    finally:
        for x in servers:
            rc = x.stop()
            log = x.log()
            x.kill()
            assert rc == 0, log
            assert not SANITIZER.search(log), log


def test_expire_servfail_then_recover(nsfleetd_bin, tmp_path, fake):
    EXPIRE["value"] = 3
    servers = []
    ctl = tmp_path / "ctl.sock"
    try:
        s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", fake.port)],
                            servers=servers, control=ctl)
        wait_serial(s, 1, zone=ZONE)
        st = ctl_status(ctl)
        assert re.search(r"^example\.com\. role secondary serial 1 state idle last-refresh "
                         r"\S+Z next-refresh \S+Z expire \S+Z last-error none$", st, re.M), st
        fake.mode = "dead"
        send_notify(s.port, zone=ZONE)
        s.wait_log(r"zone example\.com\.: expired", timeout=10)
        assert s.query(ZONE, "SOA").rcode() == dns.rcode.SERVFAIL
        assert s.query("www.example.com.", "A").rcode() == dns.rcode.SERVFAIL
        st = ctl_status(ctl)
        assert re.search(r"^example\.com\. role secondary serial 1 state expired .*last-error "
                         r"\S+@\d+: .+$", st, re.M), st
        fake.mode = "good2"
        send_notify(s.port, zone=ZONE)
        wait_serial(s, 2, zone=ZONE, timeout=10)
        assert s.query("www.example.com.", "A").rcode() == dns.rcode.NOERROR
    finally:
        EXPIRE["value"] = 86400
        for x in servers:
            rc = x.stop()
            log = x.log()
            x.kill()
            assert rc == 0, log
            assert not SANITIZER.search(log), log


def ctl_status(path):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(5)
    c.connect(str(path))
    c.sendall(b"status\n")
    out = b""
    while True:
        k = c.recv(65536)
        if not k:
            break
        out += k
    c.close()
    return out.decode()
