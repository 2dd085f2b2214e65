"""role: secondary against a scripted fake primary (NSD's tpkg/axfr_incoming
idea): after one good AXFR, every broken or hostile transfer (CASES, and
the TSIG ones in TSIG_CASES: 20 kinds in all) leaves the secondary serving
its last valid version, and one structured log line says zone, peer,
serials and why."""

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
import dns.tsig
import dns.tsigkeyring
import pytest

from nsfleetd_harness import free_port, nsfleetd_bin  # noqa: F401
from secondary_util import KEY_SECRET, SANITIZER, send_notify, start_secondary, wait_serial

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

    def __init__(self, keyring=None, udp=False):
        self.keyring = keyring
        self.port = free_port(False)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.mode = "good1"
        self.stop = False
        self.tcp_conns = self.tcp_soa = self.udp_soa = self.udp_ixfr = 0
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()
        self.udp = None
        if udp:  # SOA queries over UDP too (without it: port unreachable)
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind(("127.0.0.1", self.port))
            self.udp.settimeout(0.2)
            self.tu = threading.Thread(target=self.run_udp, daemon=True)
            self.tu.start()

    def close(self):
        self.stop = True
        self.t.join(5)
        self.sock.close()
        if self.udp:
            self.tu.join(5)
            self.udp.close()

    def run_udp(self):
        while not self.stop:
            try:
                w, addr = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            q = dns.message.from_wire(w, keyring=self.keyring)
            ixfr = q.question[0].rdtype == dns.rdatatype.IXFR
            if ixfr:
                self.udp_ixfr += 1
            else:
                self.udp_soa += 1
            r = dns.message.make_response(q)
            r.flags |= dns.flags.AA
            if self.mode == "udp-tc":
                r.flags |= dns.flags.TC
            elif self.mode == "udp-ixfr" and ixfr:
                # RFC 1995 §2: the whole IXFR 2 -> 3 fits in the datagram
                for x in [soa(3), soa(2), soa(3), rr("udp.example.com.", "A", "192.0.2.33"),
                          soa(3)]:
                    r.answer.append(x)
            else:
                # the new SOA alone: for an IXFR, "ask again over TCP"
                r.answer.append(soa({"good1": 1, "udp-ixfr": 3}.get(self.mode, 2)))
            self.udp.sendto(r.to_wire(), addr)

    def run(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            self.tcp_conns += 1
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

    def reply(self, q, rrsets, ctx=None, multi=False):
        """One framed response; with multi (TSIG streams) also the context
        the next message's signature continues from."""
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        for s in rrsets:
            r.answer.append(s)
        w = r.to_wire(max_size=65535, multi=multi, tsig_ctx=ctx)
        framed = struct.pack("!H", len(w)) + w
        return (framed, r.tsig_ctx) if multi else framed

    def stream(self, q, msgs):
        """Several framed messages, signed as one TSIG stream (RFC 8945
        §5.3.1) when the query was signed."""
        out, ctx = [], None
        for rrsets in msgs:
            w, ctx = self.reply(q, rrsets, ctx, multi=True)
            out.append(w)
        return out

    @staticmethod
    def raw(qid, rrs_wire, count, rcode=0, qd=b""):
        """A framed response from raw bytes: header, question qd, count RRs."""
        w = struct.pack("!HHHHHH", qid, 0x8400 | rcode, 1 if qd else 0, count, 0, 0) + qd
        w += rrs_wire
        return struct.pack("!H", len(w)) + w

    def serve(self, c):
        c.settimeout(30)
        try:
            while True:
                (n,) = struct.unpack("!H", self.recv_exact(c, 2))
                q = dns.message.from_wire(self.recv_exact(c, n), keyring=self.keyring)
                qt = q.question[0].rdtype
                mode = self.mode
                new = {"good1": 1, "tsig-good": 1, "ixfr-gap": 4, "udp-tc": 1}.get(mode, 2)
                if qt == dns.rdatatype.SOA:
                    self.tcp_soa += 1
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
        elif mode == "truncated-between":
            # two whole messages of three, then the connection closes
            w = self.stream(q, [[soa(2)], body, [soa(2)]])
            c.sendall(w[0] + w[1])
            return False
        elif mode == "first-not-soa":
            c.sendall(self.reply(q, body + [soa(2)]))
        elif mode == "soa-not-last":
            c.sendall(self.reply(q, [soa(2)] + body + [soa(2), rr("late.example.com.", "A",
                                                                    "192.0.2.77")]))
        elif mode == "wrong-id":
            q2 = dns.message.make_query(ZONE, q.question[0].rdtype)
            q2.id = q.id ^ 0x5a5a
            c.sendall(self.reply(q2, [soa(2)] + body + [soa(2)]))
        elif mode == "wrong-question":
            q2 = dns.message.make_query("example.net.", q.question[0].rdtype)
            q2.id = q.id
            c.sendall(self.reply(q2, [soa(2)] + body + [soa(2)]))
        elif mode == "rcode-mid-stream":
            c.sendall(self.reply(q, [soa(2)] + body) + self.raw(q.id, b"", 0, rcode=2))
            return False
        elif mode == "pointer-loop":
            # an owner name that is a compression pointer to itself (offset 12)
            loop = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, 9])
            c.sendall(self.reply(q, [soa(2)] + body) + self.raw(q.id, loop, 1))
            return False
        elif mode == "rdlen-long":
            a = dns.name.from_text("x.example.com.").to_wire()
            bad = a + struct.pack("!HHIH", 1, 1, 300, 200) + bytes([192, 0, 2, 9])
            c.sendall(self.reply(q, [soa(2)] + body) + self.raw(q.id, bad, 1))
            return False
        elif mode == "rdlen-short":
            # an A record of 2 octets: the length is consistent, the rdata is not
            a = dns.name.from_text("x.example.com.").to_wire()
            bad = a + struct.pack("!HHIH", 1, 1, 300, 2) + bytes([192, 0])
            c.sendall(self.reply(q, [soa(2)] + body) + self.raw(q.id, bad, 1))
            return False
        elif mode == "ixfr-gap":
            # two changesets that do not chain: 1 -> 2, then 3 -> 4
            c.sendall(self.reply(q, [soa(4), soa(1), soa(2), rr("a.example.com.", "A", "192.0.2.5"),
                                     soa(3), soa(4), soa(4)]))
        elif mode == "huge":
            # 100 MB: the first SOA, then 1,600 messages of one 64,000-octet
            # TXT record each, then the connection closes (no last SOA)
            txt = (b"\xff" + b"x" * 255) * 250
            c.sendall(self.reply(q, [soa(2)] + body))
            for i in range(1600):
                owner = dns.name.from_text(f"t{i:05d}.example.com.").to_wire()
                c.sendall(self.raw(q.id, owner + struct.pack("!HHIH", 16, 1, 300, len(txt)) + txt,
                                   1))
            return False
        elif mode == "tsig-good":
            c.sendall(b"".join(self.stream(q, [[soa(1)], body, [soa(1)]])))
        elif mode == "tsig-bad-middle":
            w = self.stream(q, [[soa(2)], body, [rr("new.example.com.", "A", "192.0.2.10")],
                                [soa(2)]])
            mid = bytearray(w[1])
            mid[-10] ^= 0xff  # inside the MAC (then original id, error, other len)
            c.sendall(w[0] + bytes(mid) + w[2] + w[3])
        elif mode == "tsig-unsigned-run":
            # RFC 8945 §5.3.1: at most 99 unsigned messages in a row; here 100
            w = self.stream(q, [[soa(2)] + body])
            c.sendall(w[0])
            for i in range(100):
                owner = dns.name.from_text(f"u{i}.example.com.").to_wire()
                c.sendall(self.raw(q.id, owner + struct.pack("!HHIH", 1, 1, 300, 4) +
                                   bytes([192, 0, 2, 100]), 1))
            c.sendall(self.stream(q, [[soa(2)]])[0])
        elif mode == "tsig-last-unsigned":
            w = self.stream(q, [[soa(2)], body])
            last = dns.message.Message(id=q.id)
            last.flags = dns.flags.QR | dns.flags.AA
            last.answer.append(soa(2))
            w2 = last.to_wire()
            c.sendall(w[0] + w[1] + struct.pack("!H", len(w2)) + w2)
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
    ("truncated-between", r"connection closed by the primary \(stream truncated\)"),
    ("first-not-soa", r"the first record is not the zone's SOA"),
    ("soa-not-last", r"records after the last SOA"),
    ("wrong-id", r"message 1 is not a response to our query \(id \d+, ours \d+\)"),
    ("wrong-question", r"message 1 answers another question \(example\.net\. type 251"),
    ("rcode-mid-stream", r"the primary answered SERVFAIL in message 2"),
    ("pointer-loop", r"message 2 is malformed"),
    ("rdlen-long", r"message 2 is malformed"),
    ("rdlen-short", r"message 2.*(malformed|bad rdata)"),
    ("ixfr-gap", r"IXFR changeset starts at 3, the previous ended at 2"),
]


def run_case(s, fake, mode, why):
    """One broken transfer: the failure line, then the last valid zone."""
    before = len(re.findall(r"result=failed", s.log()))
    fake.mode = mode
    assert send_notify(s.port, zone=ZONE).rcode() == dns.rcode.NOERROR
    deadline = time.monotonic() + 30
    while len(re.findall(r"result=failed", s.log())) <= before:
        assert time.monotonic() < deadline, f"{mode}: no failure logged:\n{s.log()}"
        time.sleep(0.05)
    line = re.findall(r"^.*result=failed.*$", s.log(), re.M)[before]
    assert re.search(why, line), f"{mode}: {line}"
    # the structured line: zone, peer, our serial and the primary's, why
    assert "zone=example.com." in line and f"peer=127.0.0.1@{fake.port}" in line, line
    assert re.search(r" serial=1 remote=\d+ ", line), line
    assert "keeping the current version" in line
    # still the last valid version
    assert s.soa_serial(ZONE) == 1, mode
    r = s.query("www.example.com.", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].address == "192.0.2.2"
    assert s.query("new.example.com.", "A").rcode() == dns.rcode.NXDOMAIN
    assert s.query("x.example.com.", "A").rcode() == dns.rcode.NXDOMAIN


def test_broken_transfers_keep_last_zone(nsfleetd_bin, tmp_path, fake):
    servers = []
    s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", fake.port)], servers=servers,
                        xfr_timeout=2)
    try:
        wait_serial(s, 1, zone=ZONE)
        for mode, why in CASES:
            run_case(s, fake, mode, why)
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


def test_soa_query_udp_first(nsfleetd_bin, tmp_path):
    """RFC 1996 §3.11 / RFC 1035 §4.2: the refresh asks the SOA over UDP; an
    up-to-date answer costs no TCP connection; a truncated one is asked
    again over TCP; a newer one tries IXFR over UDP (RFC 1995 §2): taken
    when it fits, else TCP for the transfer alone."""
    fake = FakePrimary(udp=True)
    servers = []
    try:
        s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", fake.port)],
                            servers=servers)
        wait_serial(s, 1, zone=ZONE)
        assert fake.udp_soa == 1 and fake.tcp_soa == 0, (fake.udp_soa, fake.tcp_soa)

        def refresh(mode):
            fake.mode = mode
            n = len(re.findall(r"^.*xfr-in .*$", s.log(), re.M))
            assert send_notify(s.port, zone=ZONE).rcode() == dns.rcode.NOERROR
            deadline = time.monotonic() + 15
            while len(re.findall(r"^.*xfr-in .*$", s.log(), re.M)) == n:
                assert time.monotonic() < deadline, s.log()
                time.sleep(0.05)
            return re.findall(r"^.*xfr-in .*$", s.log(), re.M)[n]

        conns = fake.tcp_conns
        line = refresh("good1")
        assert "kind=SOA" in line and "result=up-to-date" in line, line
        assert (fake.udp_soa, fake.tcp_soa, fake.tcp_conns) == (2, 0, conns)

        line = refresh("udp-tc")
        assert "kind=SOA" in line and "result=up-to-date" in line, line
        assert (fake.udp_soa, fake.tcp_soa, fake.tcp_conns) == (3, 1, conns + 1)

        line = refresh("good2")
        assert "kind=IXFR (AXFR-style)" in line and "serial=1->2" in line, line
        assert "result=ok" in line, line
        # the serial came by UDP, the UDP IXFR got the SOA alone ("use TCP"):
        # the TCP connection carries the transfer only
        assert (fake.udp_soa, fake.udp_ixfr, fake.tcp_soa, fake.tcp_conns) == \
            (4, 1, 1, conns + 2)
        wait_serial(s, 2, zone=ZONE)

        line = refresh("udp-ixfr")
        assert "kind=IXFR (UDP)" in line and "serial=2->3" in line, line
        assert "messages=1 " in line and "result=ok" in line, line
        # no TCP at all: the IXFR fitted in the datagram
        assert (fake.udp_soa, fake.udp_ixfr, fake.tcp_conns) == (5, 2, conns + 2)
        wait_serial(s, 3, zone=ZONE)
        assert s.query("udp.example.com.", "A").answer[0][0].address == "192.0.2.33"
        assert s.query("new.example.com.", "A").answer[0][0].address == "192.0.2.10"
    finally:
        fake.close()
        for x in servers:
            rc = x.stop()
            log = x.log()
            x.kill()
            assert rc == 0, log
            assert not SANITIZER.search(log), log


def vm_hwm_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def test_100mb_stream_bounded_memory(nsfleetd_bin, tmp_path, fake):
    """A 100 MB stream that never ends properly.  No size limit (as Knot's
    and BIND's defaults; doc/nsfleetd.md): the records are held until the
    stream ends, so memory grows with the stream, by about its size and no
    more, and is given back when the transfer fails."""
    servers = []
    s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", fake.port)], servers=servers,
                        xfr_timeout=10)
    try:
        wait_serial(s, 1, zone=ZONE)
        before = vm_hwm_kib(s.proc.pid)
        run_case(s, fake, "huge", r"connection closed by the primary \(stream truncated\)")
        grown = vm_hwm_kib(s.proc.pid) - before
        line = re.findall(r"^.*result=failed.*$", s.log(), re.M)[-1]
        assert int(re.search(r"bytes=(\d+)", line)[1]) > 100_000_000, line
        # the peak grew by at most three times the stream (ASan included)
        assert grown < 3 * 100_000, f"VmHWM grew by {grown} KiB"
    finally:
        for x in servers:
            rc = x.stop()
            log = x.log()
            x.kill()
            assert rc == 0, log
            assert not SANITIZER.search(log), log


TSIG_CASES = [
    ("tsig-bad-middle", r"TSIG of message 2 does not verify"),
    ("tsig-unsigned-run", r"TSIG of message 101 does not verify"),
    ("tsig-last-unsigned", r"the last message is not signed"),
]


def test_broken_tsig_streams_keep_last_zone(nsfleetd_bin, tmp_path):
    ring = dns.tsigkeyring.from_text({"xfr-key": KEY_SECRET})
    fake = FakePrimary(keyring=ring)
    fake.mode = "tsig-good"
    servers = []
    try:
        s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", fake.port)],
                            servers=servers, key=("xfr-key", KEY_SECRET), xfr_timeout=2)
        # a good signed three-message AXFR first: the fake signs correctly
        wait_serial(s, 1, zone=ZONE)
        s.wait_log(r"xfr-in zone=example\.com\. kind=AXFR .*messages=3 .*result=ok")
        for mode, why in TSIG_CASES:
            run_case(s, fake, mode, why)
    finally:
        fake.close()
        for x in servers:
            rc = x.stop()
            log = x.log()
            x.kill()
            assert rc == 0, log
            assert not SANITIZER.search(log), log


def test_expire_servfail_then_recover(nsfleetd_bin, nsfleet, tmp_path, fake):
    EXPIRE["value"] = 3
    servers = []
    ctl = tmp_path / "ctl.sock"
    try:
        s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", fake.port)],
                            servers=servers, control=ctl)
        wait_serial(s, 1, zone=ZONE)
        st = ctl_status(nsfleet, ctl)
        assert re.search(r"^example\.com\. role secondary serial 1 state idle last-refresh "
                         r"\S+Z next-refresh \S+Z expire \S+Z last-error none$", st, re.M), st
        fake.mode = "dead"
        send_notify(s.port, zone=ZONE)
        s.wait_log(r"zone example\.com\.: expired", timeout=10)
        assert s.query(ZONE, "SOA").rcode() == dns.rcode.SERVFAIL
        assert s.query("www.example.com.", "A").rcode() == dns.rcode.SERVFAIL
        st = ctl_status(nsfleet, ctl)
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


def ctl_status(nsfleet, path):
    import subprocess
    p = subprocess.run([str(nsfleet), "ctl", "-s", str(path), "status"], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p
    return p.stdout
