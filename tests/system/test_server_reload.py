"""Reloads (SIGHUP and the control socket) and `nsfleet ctl`."""

import re
import shutil
import signal
import subprocess
import time

import dns.rcode
import pytest

from conftest import nsfleet  # noqa: F401
from nsfleetd_harness import EXAMPLE, nsfleetd_bin, start_server  # noqa: F401


def wait_serial(s, serial, timeout=10, zone="example.com."):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = s.query(zone, "SOA")
        if r.rcode() == dns.rcode.NOERROR and r.answer[0][0].serial == serial:
            return
        time.sleep(0.05)
    pytest.fail(f"serial {serial} not served within {timeout}s:\n{s.log()}", pytrace=False)


def set_serial(path, serial):
    text = path.read_text()
    path.write_text(re.sub(r"\b2024010\d{3}\b", str(serial), text, count=1))


def break_zone(path):
    with open(path, "a") as f:
        f.write("broken 3600 IN A 192.0.2.999\n")
    return len(path.read_text().splitlines())


@pytest.fixture
def zone_copy(tmp_path):
    p = tmp_path / "example.com.zone"
    shutil.copy(EXAMPLE, p)
    return p


def test_sighup_reload_changed_and_broken(start_server, zone_copy):
    s = start_server(zones={"example.com": zone_copy})
    assert s.soa_serial() == 2024010101
    set_serial(zone_copy, 2024010102)
    s.signal(signal.SIGHUP)
    wait_serial(s, 2024010102)
    s.wait_log(r"zone example\.com\.: reloaded, serial 2024010102 \(was 2024010101\)")
    # a broken file: the old version keeps serving, the log says why
    set_serial(zone_copy, 2024010103)
    line = break_zone(zone_copy)
    s.signal(signal.SIGHUP)
    m = s.wait_log(rf"^nsfleetd: error: zone example\.com\.: {re.escape(str(zone_copy))}:"
                   rf"{line}:\d+: .+; keeping serial 2024010102$")
    assert m
    for tcp in (False, True):
        assert s.soa_serial(tcp=tcp) == 2024010102
    # fixed again: served
    zone_copy.write_text("\n".join(zone_copy.read_text().splitlines()[:-1]) + "\n")
    s.signal(signal.SIGHUP)
    wait_serial(s, 2024010103)
    assert s.stop() == 0


def test_reload_under_query_load(start_server, zone_copy):
    """Queries keep being answered while reloads swap the zone set."""
    import threading
    s = start_server(zones={"example.com": zone_copy})
    errors, stop = [], threading.Event()

    def ask():
        while not stop.is_set():
            try:
                r = s.query("www.example.com.", "A", timeout=2)
                if r.rcode() != dns.rcode.NOERROR:
                    errors.append(r.rcode())
            except Exception as e:  # a lost datagram is an error here
                errors.append(e)
    t = threading.Thread(target=ask)
    t.start()
    try:
        for i in range(10):
            set_serial(zone_copy, 2024010110 + i)
            s.signal(signal.SIGHUP)
            wait_serial(s, 2024010110 + i)
    finally:
        stop.set()
        t.join(timeout=10)
    assert not errors


def test_zone_broken_at_start_then_fixed(start_server, zone_copy):
    good = zone_copy.read_text()
    break_zone(zone_copy)
    s = start_server(zones={"example.com": zone_copy})
    assert s.query("example.com.", "SOA").rcode() == dns.rcode.REFUSED
    zone_copy.write_text(good)
    s.signal(signal.SIGHUP)
    wait_serial(s, 2024010101)


def ctl(nsfleet, sock, *args):
    p = subprocess.run([str(nsfleet), "ctl", "-s", str(sock), *args], capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def test_ctl_status_and_reload(start_server, zone_copy, tmp_path, nsfleet):
    sock = tmp_path / "ctl.sock"
    other = tmp_path / "other.example.zone"
    other.write_text("$TTL 300\n@ SOA ns1 host 42 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n")
    s = start_server(zones={"example.com": zone_copy, "other.example": other},
                     extra=["--control", sock])
    rc, out, err = ctl(nsfleet, sock, "status")
    assert rc == 0, err
    assert out.splitlines() == ["example.com. serial 2024010101", "other.example. serial 42"]

    set_serial(zone_copy, 2024010105)
    rc, out, err = ctl(nsfleet, sock, "reload")
    assert (rc, out) == (0, "OK reloaded 2 zones\n"), err
    assert s.soa_serial() == 2024010105  # published before the reply

    set_serial(zone_copy, 2024010106)
    rc, out, _ = ctl(nsfleet, sock, "reload", "example.com")
    assert (rc, out) == (0, "OK reloaded 1 zones\n")
    assert s.soa_serial() == 2024010106

    break_zone(zone_copy)
    rc, out, _ = ctl(nsfleet, sock, "reload")
    assert rc == 1
    assert re.match(r"ERROR reloaded 1 zones, 1 failed: zone example\.com\.: .*:\d+:\d+: .*; "
                    r"keeping serial 2024010106\n$", out), out
    assert s.soa_serial() == 2024010106
    rc, out, _ = ctl(nsfleet, sock, "status")
    assert rc == 0 and "example.com. serial 2024010106" in out

    rc, out, _ = ctl(nsfleet, sock, "reload", "nope.example")
    assert rc == 1 and out == "ERROR no such zone: nope.example\n"

    assert s.stop() == 0
    assert not sock.exists()  # removed on exit


def test_ctl_errors(nsfleet, tmp_path):
    rc, _, err = ctl(nsfleet, tmp_path / "nothing.sock", "status")
    assert rc == 1 and "cannot connect" in err
    rc, _, _ = ctl(nsfleet, tmp_path / "nothing.sock", "frobnicate")
    assert rc == 2
