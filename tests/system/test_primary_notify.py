"""NOTIFY out (RFC 1996) after a primary zone changes: a fake secondary (a
Python UDP listener) receives it with the new SOA, retries come while it
does not answer, TSIG-signed with the remote's key and verified by
dnspython; and a real secondary (Knot) pulls the change by IXFR."""

import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.tsigkeyring
import pytest

from conftest import nsfleet  # noqa: F401
from nsfleetd_harness import free_port, nsfleetd_bin  # noqa: F401
from test_primary_reload import ctl, primary, set_serial, wait_serial  # noqa: F401

SECRET = base64.b64encode(b"nsfleet-notify-test-secret-32by!").decode()


def fake_secondary():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(10)
    return s, s.getsockname()[1]


def notify_conf(port, key=False):
    top = ""
    if key:
        top += f"""key:
  - id: notify-key
    algorithm: hmac-sha256
    secret: "{SECRET}"
"""
    top += f"""remote:
  - id: sec1
    address: [ "127.0.0.1@{port}" ]
{"    key: notify-key" + chr(10) if key else ""}"""
    return top


def recv_notify(sock, keyring=None):
    data, peer = sock.recvfrom(65535)
    kw = {"keyring": keyring} if keyring else {}
    m = dns.message.from_wire(data, **kw)
    return m, peer


def check_notify(m, serial):
    assert m.opcode() == dns.opcode.NOTIFY
    assert m.flags & dns.flags.AA and not m.flags & dns.flags.QR
    assert m.question[0].name.to_text() == "example.com."
    assert m.question[0].rdtype == dns.rdatatype.SOA
    assert m.answer and m.answer[0].rdtype == dns.rdatatype.SOA
    assert m.answer[0][0].serial == serial


def test_notify_sent_and_acked(primary, nsfleet):
    sock, port = fake_secondary()
    with sock:
        s = primary(policy="increment", zone_extra="    notify: [ sec1 ]\n",
                    top=notify_conf(port))
        set_serial(s.zone, 2024010105)
        s.signal(signal.SIGHUP)
        m, peer = recv_notify(sock)
        check_notify(m, 2024010105)
        r = dns.message.make_response(m)
        sock.sendto(r.to_wire(), peer)
        s.wait_log(r"NOTIFY out: zone example\.com\., peer 127\.0\.0\.1@%d, serial 2024010105, "
                   r"acked after 1 tries" % port)


def test_notify_retried_then_given_up(primary, nsfleet):
    sock, port = fake_secondary()
    with sock:
        s = primary(policy="increment", zone_extra="    notify: [ sec1 ]\n",
                    top=notify_conf(port))
        set_serial(s.zone, 2024010105)
        s.signal(signal.SIGHUP)
        first, _ = recv_notify(sock)
        t0 = time.monotonic()
        second, peer = recv_notify(sock)
        gap = time.monotonic() - t0
        # a retry, not sooner than the first backoff step (load can only
        # delay it, so there is no upper bound: no timing assertions)
        assert second.id == first.id and gap > 0.7, gap
        check_notify(second, 2024010105)
        third, _ = recv_notify(sock)
        assert third.id == first.id
        # a response with the wrong id is ignored; then the right one acks
        bad = dns.message.make_response(third)
        bad.id ^= 1
        sock.sendto(bad.to_wire(), peer)
        sock.sendto(dns.message.make_response(third).to_wire(), peer)
        s.wait_log(r"NOTIFY out: .*serial 2024010105, acked after 3 tries")


def test_notify_tsig_signed(primary, nsfleet):
    sock, port = fake_secondary()
    keyring = dns.tsigkeyring.from_text({"notify-key.": ("hmac-sha256", SECRET)})
    with sock:
        s = primary(policy="increment", zone_extra="    notify: [ sec1 ]\n",
                    top=notify_conf(port, key=True))
        set_serial(s.zone, 2024010105)
        s.signal(signal.SIGHUP)
        m, peer = recv_notify(sock, keyring)  # raises unless the TSIG verifies
        assert m.had_tsig and m.keyname.to_text() == "notify-key."
        check_notify(m, 2024010105)
        r = dns.message.make_response(m)  # signed with the same key
        sock.sendto(r.to_wire(), peer)
        s.wait_log(r"NOTIFY out: .*serial 2024010105, TSIG, acked after 1 tries")


def test_notify_unsigned_answer_to_signed_notify_not_accepted(primary, nsfleet):
    sock, port = fake_secondary()
    keyring = dns.tsigkeyring.from_text({"notify-key.": ("hmac-sha256", SECRET)})
    with sock:
        s = primary(policy="increment", zone_extra="    notify: [ sec1 ]\n",
                    top=notify_conf(port, key=True))
        set_serial(s.zone, 2024010105)
        s.signal(signal.SIGHUP)
        m, peer = recv_notify(sock, keyring)
        r = dns.message.make_query("example.com.", "SOA")
        r.id = m.id
        r.flags = dns.flags.QR | dns.flags.AA
        r.set_opcode(dns.opcode.NOTIFY)
        sock.sendto(r.to_wire(), peer)
        s.wait_log(r"NOTIFY out: .*serial 2024010105, TSIG, bad TSIG on the response")


# ---------------------------------------------------------------- Knot


def knot_conf(tmp_path, kport, primary_port):
    d = tmp_path / "knot"
    d.mkdir()
    (d / "db").mkdir()
    conf = d / "knot.conf"
    conf.write_text(f"""server:
    rundir: "{d}"
    listen: 127.0.0.1@{kport}
database:
    storage: "{d}/db"
log:
  - target: stderr
    any: info
remote:
  - id: primary
    address: 127.0.0.1@{primary_port}
acl:
  - id: notify_from_primary
    address: 127.0.0.1
    action: notify
template:
  - id: default
    storage: "{d}/db"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
zone:
  - domain: example.com
    master: primary
    acl: notify_from_primary
""")
    return conf


@pytest.mark.skipif(shutil.which("knotd") is None, reason="knotd not installed")
def test_knot_secondary_pulls_by_ixfr(primary, nsfleet, tmp_path):
    kport = free_port(False)
    s = primary(policy="increment", zone_extra="    notify: [ sec1 ]\n",
                top=notify_conf(kport))
    conf = knot_conf(tmp_path, kport, s.port)
    log = open(tmp_path / "knot.log", "wb")
    k = subprocess.Popen(["knotd", "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    try:
        def knot_serial():
            try:
                q = dns.message.make_query("example.com.", "SOA")
                r = dns.query.udp(q, "127.0.0.1", port=kport, timeout=1)
                return r.answer[0][0].serial if r.answer else None
            except Exception:
                return None

        def wait_knot(serial, timeout=20):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if knot_serial() == serial:
                    return
                time.sleep(0.2)
            pytest.fail(f"knot did not reach {serial}:\n"
                        f"{(tmp_path / 'knot.log').read_text()}\n{s.log()}", pytrace=False)

        wait_knot(2024010101)  # the first transfer (AXFR)
        with open(s.zone, "a") as f:
            f.write("knot-sees-me 300 IN A 192.0.2.99\n")
        s.signal(signal.SIGHUP)
        wait_serial(s, 2024010102)
        wait_knot(2024010102)
        s.wait_log(r"NOTIFY out: zone example\.com\., peer 127\.0\.0\.1@%d, serial 2024010102, "
                   r"acked" % kport)
        s.wait_log(r"IXFR out: zone example\.com\., .*serial 2024010101 -> 2024010102, .*"
                   r"incremental, 1 changesets")
        q = dns.message.make_query("knot-sees-me.example.com.", "A")
        r = dns.query.udp(q, "127.0.0.1", port=kport, timeout=2)
        assert "192.0.2.99" in r.to_text()
    finally:
        k.send_signal(signal.SIGTERM)
        try:
            k.wait(timeout=10)
        except subprocess.TimeoutExpired:
            k.kill()
            k.wait()
        log.close()
