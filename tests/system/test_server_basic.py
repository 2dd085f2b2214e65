"""nsfleetd's network front ends: UDP and TCP on IPv4 and IPv6, RFC 7766
framing (pipelining, partial reads), the idle timeout, the connection
limit, startup and shutdown."""

import signal
import socket
import struct
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from nsfleetd_harness import (EXAMPLE, TIMEOUT, frame, free_port, have_ipv6,  # noqa: F401
                              nsfleetd_bin, recv_exact, recv_msg, start_server, tcp_connect)

ADDRS = ["127.0.0.1"] + (["::1"] if have_ipv6() else [])


@pytest.mark.parametrize("addr", ADDRS)
@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_answers_a_and_soa(start_server, addr, tcp):
    s = start_server()
    r = s.query("www.example.com.", "A", tcp=tcp, addr=addr)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    # www is a CNAME to web in the example zone; its A follows
    rrs = {(rr.name.to_text(), dns.rdatatype.to_text(rr.rdtype)) for rr in r.answer}
    assert ("www.example.com.", "CNAME") in rrs
    addrs = [rd.address for rr in r.answer if rr.rdtype == dns.rdatatype.A for rd in rr]
    assert addrs == ["192.0.2.80"]
    assert s.soa_serial(tcp=tcp, addr=addr) == 2024010101


def test_refused_outside_zones_and_drop_responses(start_server):
    s = start_server()
    r = s.query("www.example.org.", "A")
    assert r.rcode() == dns.rcode.REFUSED
    # a response (QR set) gets no answer at all (ANSWER_DROP)
    q = dns.message.make_query("example.com.", "SOA")
    q.flags |= dns.flags.QR
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.settimeout(0.5)
        u.sendto(q.to_wire(), ("127.0.0.1", s.port))
        with pytest.raises(socket.timeout):
            u.recv(65535)
        # the worker is still there
        u.settimeout(TIMEOUT)
        q2 = dns.message.make_query("example.com.", "SOA")
        u.sendto(q2.to_wire(), ("127.0.0.1", s.port))
        r2 = dns.message.from_wire(u.recv(65535))
        assert r2.id == q2.id and r2.rcode() == dns.rcode.NOERROR


def test_udp_burst_many_queries(start_server):
    """More queries than one recvmmsg batch (64), all answered (bounded:
    150 in flight, well inside the client's receive buffer)."""
    s = start_server()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.settimeout(TIMEOUT)
        ids = set()
        for i in range(150):
            q = dns.message.make_query(f"n{i}.example.com.", "A")
            ids.add(q.id)
            u.sendto(q.to_wire(), ("127.0.0.1", s.port))
        got = set()
        try:
            while len(got) < len(ids):
                got.add(dns.message.from_wire(u.recv(65535)).id)
        except socket.timeout:
            pass
    # UDP may drop under load on a busy machine, but not most of them
    assert len(got) >= len(ids) * 0.9, f"{len(got)} of {len(ids)} answered"


def test_tcp_pipelined_in_order(start_server):
    """RFC 7766 §6.2.1.1: many queries in one write, answers in order."""
    s = start_server()
    qs = [dns.message.make_query(n, t) for n, t in
          [("example.com.", "SOA"), ("www.example.com.", "A"), ("nope.example.com.", "A"),
           ("example.com.", "NS"), ("mail.example.com.", "A")] * 20]
    with tcp_connect(s.port) as c:
        c.sendall(b"".join(frame(q) for q in qs))
        for q in qs:
            r = recv_msg(c)
            assert r.id == q.id
            assert r.question[0].name == q.question[0].name


def test_tcp_partial_reads(start_server):
    """A query arriving one octet at a time, then two in one segment split
    across the length field."""
    s = start_server()
    q1 = dns.message.make_query("example.com.", "SOA")
    q2 = dns.message.make_query("www.example.com.", "A")
    with tcp_connect(s.port) as c:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for b in frame(q1):
            c.sendall(bytes([b]))
            time.sleep(0.002)
        assert recv_msg(c).id == q1.id
        data = frame(q2) + frame(q1)
        c.sendall(data[:1])
        time.sleep(0.05)
        c.sendall(data[1:len(data) - 3])
        time.sleep(0.05)
        c.sendall(data[len(data) - 3:])
        assert recv_msg(c).id == q2.id
        assert recv_msg(c).id == q1.id


def test_tcp_half_close_still_answered(start_server):
    s = start_server()
    q = dns.message.make_query("example.com.", "SOA")
    with tcp_connect(s.port) as c:
        c.sendall(frame(q))
        c.shutdown(socket.SHUT_WR)
        assert recv_msg(c).id == q.id
        assert c.recv(1) == b""  # then the server closes


def test_tcp_idle_timeout(start_server):
    """RFC 7766 §6.2.3: an idle connection is closed after the timeout;
    activity restarts it."""
    s = start_server(extra=["--tcp-idle-timeout", "1"])
    with tcp_connect(s.port) as c:
        for _ in range(3):  # 3 x 0.6 s of activity: longer than the timeout
            time.sleep(0.6)
            q = dns.message.make_query("example.com.", "SOA")
            c.sendall(frame(q))
            assert recv_msg(c).id == q.id
        t0 = time.monotonic()
        c.settimeout(15)  # a bound for the wait, not a timing assertion
        assert c.recv(1) == b""
        waited = time.monotonic() - t0
        assert waited > 0.7, waited  # not before the idle timeout
    # a silent client that sent half a frame is closed too
    with tcp_connect(s.port) as c:
        c.sendall(b"\x00\x40abc")
        c.settimeout(5)
        assert c.recv(1) == b""


def test_tcp_connection_limit(start_server):
    s = start_server(extra=["--tcp-max-clients", "3"])
    conns = []
    try:
        for _ in range(3):
            c = tcp_connect(s.port)
            q = dns.message.make_query("example.com.", "SOA")
            c.sendall(frame(q))
            assert recv_msg(c).id == q.id
            conns.append(c)
        # the fourth is closed at once
        extra = tcp_connect(s.port)
        try:
            extra.sendall(frame(dns.message.make_query("example.com.", "SOA")))
        except OSError:
            pass
        extra.settimeout(5)
        with pytest.raises((EOFError, ConnectionResetError)):
            recv_msg(extra)
        extra.close()
        # one goes: room for a new one
        conns.pop().close()
        deadline = time.monotonic() + 5
        while True:
            c = tcp_connect(s.port)
            try:
                q = dns.message.make_query("example.com.", "SOA")
                c.sendall(frame(q))
                assert recv_msg(c).id == q.id
                conns.append(c)
                break
            except (EOFError, ConnectionResetError):
                c.close()
                assert time.monotonic() < deadline, "no room after a connection closed"
                time.sleep(0.1)
    finally:
        for c in conns:
            c.close()


def test_slow_reader_does_not_block_others(start_server):
    """A client that sends many queries and never reads its answers holds
    no worker: others are answered, and it is closed after the timeout."""
    s = start_server(extra=["--tcp-idle-timeout", "2", "--debug"], workers=1)
    hog = tcp_connect(s.port)
    q = frame(dns.message.make_query("example.com.", "DNSKEY"))
    sent = 0
    hog.settimeout(0.2)
    try:
        for _ in range(20000):
            hog.send(q)
            sent += 1
    except (socket.timeout, BlockingIOError):
        pass
    assert sent > 100
    for tcp in (False, True):
        assert s.soa_serial(tcp=tcp) == 2024010101
    # the hog, which never reads, is closed after the idle timeout: what
    # is left in the kernel's buffers arrives, then the end
    port = hog.getsockname()[1]
    s.wait_log(rf"^nsfleetd: debug: tcp: 127\.0\.0\.1@{port} idle for 2000 ms, closing$",
               timeout=15)
    hog.settimeout(10)
    got, closed = 0, False
    deadline = time.monotonic() + 15
    try:
        while time.monotonic() < deadline:
            b = hog.recv(65536)
            if not b:
                closed = True
                break
            got += len(b)
    except ConnectionResetError:
        closed = True
    hog.close()
    assert closed, (got, sent, s.log())
    assert s.soa_serial() == 2024010101


def test_sigterm_exits_0(start_server):
    s = start_server()
    assert s.soa_serial() == 2024010101
    with tcp_connect(s.port) as c:  # an open connection does not hold the exit
        c.sendall(b"\x00")
        assert s.stop() == 0
    assert "nsfleetd: info: stopped" in s.log()


def test_sigint_exits_0(start_server):
    s = start_server()
    s.signal(signal.SIGINT)
    s.proc.wait(timeout=10)
    assert s.proc.returncode == 0


def test_log_format(start_server):
    s = start_server()
    s.stop()
    for line in s.log().splitlines():
        assert line.startswith(("nsfleetd: info: ", "nsfleetd: warning: ",
                                "nsfleetd: error: ", "nsfleetd: debug: ")), line


def test_bind_failure_exits_1(start_server):
    port = free_port(v6=False)
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", port))
    try:
        s = start_server(port=port, v6=False, wait=False)
        s.proc.wait(timeout=15)
        assert s.proc.returncode == 1
        assert re.search(rf"nsfleetd: error: cannot listen on 127\.0\.0\.1@{port} \(UDP\): "
                         r"Address already in use", s.log()), s.log()
        assert "nsfleetd: info: ready" not in s.log()
    finally:
        holder.close()
    # the same for TCP
    port = free_port(v6=False)
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", port))
    holder.listen(1)
    try:
        s = start_server(port=port, v6=False, wait=False)
        s.proc.wait(timeout=15)
        assert s.proc.returncode == 1
        assert f"cannot listen on 127.0.0.1@{port} (TCP)" in s.log(), s.log()
    finally:
        holder.close()


def test_bad_zone_at_startup_is_left_out(start_server, tmp_path):
    bad = tmp_path / "bad.example.zone"
    bad.write_text("$TTL 300\n@ SOA ns1 host 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n"
                   "oops A 999.1.1.1\n")
    s = start_server(zones={"example.com": EXAMPLE, "bad.example": bad})
    assert re.search(r"^nsfleetd: error: zone bad\.example\.: .*bad\.example\.zone:5:\d+: .*; "
                     r"not served$", s.log(), re.M), s.log()
    assert s.soa_serial() == 2024010101
    assert s.query("bad.example.", "SOA").rcode() == dns.rcode.REFUSED


def test_usage_errors():
    import subprocess
    from nsfleetd_harness import nsfleetd_path
    p = subprocess.run([str(nsfleetd_path()), "--bogus"], capture_output=True, timeout=10)
    assert p.returncode == 1
    p = subprocess.run([str(nsfleetd_path()), "--version"], capture_output=True, timeout=10)
    assert p.returncode == 0 and p.stdout.startswith(b"nsfleetd ")


import re  # noqa: E402
