"""role: secondary — nsfleetd primary to nsfleetd secondary: initial AXFR,
NOTIFY, a new serial; a restart serves the copy at once; ctl status."""

import shutil
import signal
import time

import dns.rcode
import pytest

from nsfleetd_harness import EXAMPLE, nsfleetd_bin, start_server  # noqa: F401
from secondary_util import KEY_SECRET, SANITIZER, axfr_rrs, file_rrs, send_notify, start_secondary, wait_serial


@pytest.fixture
def secondaries():
    servers = []
    yield servers
    for s in servers:
        rc = s.stop()
        log = s.log()
        s.kill()
        assert rc == 0, log
        assert not SANITIZER.search(log), log


def bump(path, old, new):
    text = path.read_text().replace(str(old), str(new), 1)
    path.write_text(text)


def test_axfr_then_notify(start_server, nsfleetd_bin, tmp_path, secondaries):
    zf = tmp_path / "example.com.zone"
    shutil.copy(EXAMPLE, zf)
    p = start_server(zones={"example.com": zf}, extra=["--allow-transfer", "127.0.0.0/8"],
                     v6=False)
    s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)], servers=secondaries)
    wait_serial(s, 2024010101)
    # records equal: the primary's AXFR and the secondary's copy on disk
    # (what it serves: written from the version it published)
    assert axfr_rrs("127.0.0.1", p.port) == file_rrs(s.storage / "example.com.zone")
    r = s.query("www.example.com.", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.answer
    assert r.answer == p.query("www.example.com.", "A").answer
    s.wait_log(r"xfr-in zone=example\.com\. kind=AXFR .*serial=0->2024010101 .*result=ok")

    # change the primary, reload, NOTIFY (from the test: does not depend on
    # the primary's own NOTIFY sender)
    bump(zf, 2024010101, 2024010102)
    zf.write_text(zf.read_text() + "added 300 IN A 192.0.2.99\n")
    p.signal(signal.SIGHUP)
    p.wait_log(r"reload done")
    r = send_notify(s.port)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & 0x0400  # AA
    # bounded wait, not a timing assertion: the refresh timer is hours
    # away, so only the NOTIFY can bring the new serial this soon
    wait_serial(s, 2024010102, timeout=20)
    assert axfr_rrs("127.0.0.1", p.port) == file_rrs(s.storage / "example.com.zone")
    r = s.query("added.example.com.", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].address == "192.0.2.99"


def test_notify_refused_and_notauth(start_server, nsfleetd_bin, tmp_path, secondaries):
    p = start_server(extra=["--allow-transfer", "127.0.0.0/8"], v6=False)
    s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)], servers=secondaries,
                        notify_from="192.0.2.0/24")
    wait_serial(s, 2024010101)
    assert send_notify(s.port).rcode() == dns.rcode.REFUSED
    assert send_notify(s.port, zone="example.org.").rcode() == dns.rcode.NOTAUTH
    s.wait_log(r"NOTIFY for example\.com\. from 127\.0\.0\.1@\d+ refused \(not allowed")


def test_restart_serves_copy_without_primary(start_server, nsfleetd_bin, tmp_path,
                                             secondaries):
    p = start_server(extra=["--allow-transfer", "127.0.0.0/8"], v6=False)
    s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)], servers=secondaries)
    wait_serial(s, 2024010101)
    want = s.query("www.example.com.", "A").answer
    assert s.stop() == 0
    p.stop()
    s2 = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)], servers=secondaries,
                         port=s.port)
    # served at once, from the copy: no transfer needed (the primary is gone)
    assert s2.soa_serial() == 2024010101
    assert s2.query("www.example.com.", "A").answer == want
    assert "kind=AXFR" not in s2.log()
    s2.wait_log(r"loaded the copy in .*serial 2024010101")


def test_copy_written_after_publish(start_server, nsfleetd_bin, tmp_path, secondaries):
    """The transfer is served first and the copy on disk written after it;
    the copy is there without a clean stop (kill -9), and a restart serves
    it at once."""
    p = start_server(extra=["--allow-transfer", "127.0.0.0/8"], v6=False)
    s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)], servers=secondaries)
    wait_serial(s, 2024010101)
    copy = tmp_path / "secondary-storage" / "example.com.zone"
    deadline = time.monotonic() + 30
    while not (copy.exists() and "serial 2024010101" in copy.read_text()):
        assert time.monotonic() < deadline, "the copy was not written"
        time.sleep(0.05)
    s.signal(signal.SIGKILL)
    s.proc.wait(timeout=10)
    secondaries.remove(s)  # killed on purpose: not a clean stop to check
    s.kill()
    p.stop()
    s2 = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)], servers=secondaries,
                         port=s.port)
    assert s2.soa_serial() == 2024010101
    s2.wait_log(r"loaded the copy in .*serial 2024010101")


def test_refresh_max_interval_bounds_the_soa(start_server, nsfleetd_bin, tmp_path,
                                             secondaries):
    """The example zone's SOA says refresh 7200 s; refresh-max-interval: 1
    makes the secondary check the primary every second."""
    p = start_server(extra=["--allow-transfer", "127.0.0.0/8"], v6=False)
    s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)], servers=secondaries,
                        zone_extra=["refresh-max-interval: 1"])
    wait_serial(s, 2024010101)
    deadline = time.monotonic() + 30
    while s.log().count("result=up-to-date") < 3:
        assert time.monotonic() < deadline, s.log()
        time.sleep(0.2)


def test_no_copy_not_served(nsfleetd_bin, tmp_path, secondaries):
    from nsfleetd_harness import free_port
    dead = free_port(False)
    s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", dead)], servers=secondaries)
    assert s.query("example.com.", "SOA").rcode() == dns.rcode.REFUSED
    s.wait_log(r"xfr-in zone=example\.com\. .*result=failed: connect")


def test_notify_tsig(start_server, nsfleetd_bin, tmp_path, secondaries):
    import base64
    import dns.tsigkeyring
    p = start_server(extra=["--allow-transfer", "127.0.0.0/8"], v6=False)
    s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)], servers=secondaries,
                        notify_key=("notify-key", KEY_SECRET))
    wait_serial(s, 2024010101)
    ring = dns.tsigkeyring.from_text({"notify-key": KEY_SECRET})
    r = send_notify(s.port, keyring=ring, keyname="notify-key")
    assert r.rcode() == dns.rcode.NOERROR and r.had_tsig
    # the acl names the key: unsigned is refused
    assert send_notify(s.port).rcode() == dns.rcode.REFUSED
    wrong = dns.tsigkeyring.from_text(
        {"notify-key": base64.b64encode(b"the-wrong-secret-0123456789").decode()})
    try:
        r = send_notify(s.port, keyring=wrong, keyname="notify-key")
        rcode = r.rcode()
    except dns.tsig.PeerBadSignature:
        rcode = dns.rcode.NOTAUTH
    assert rcode == dns.rcode.NOTAUTH
    s.wait_log(r"NOTIFY for example\.com\. from \S+ refused \(TSIG does not verify\)")
