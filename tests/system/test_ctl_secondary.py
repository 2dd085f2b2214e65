"""`nsfleet ctl` refresh, retransfer, notify and status [ZONE], in text and
with --json, against a primary and a secondary nsfleetd; and the errors:
unknown zone, a secondary's command on a primary zone, nothing to
notify, usage."""

import json
import re
import signal
import socket
import subprocess
import time

import dns.message
import dns.opcode
import dns.rdatatype
import pytest

from nsfleetd_harness import free_port, nsfleetd_bin  # noqa: F401
from secondary_util import start_primary, start_secondary, stop_all, wait_serial, zone_text


def ctl(nsfleet, sock, *args):
    p = subprocess.run([str(nsfleet), "ctl", "-s", str(sock), *args], capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def ctl_json(nsfleet, sock, *args):
    rc, out, err = ctl(nsfleet, sock, "--json", *args)
    assert rc in (0, 1), (rc, out, err)
    v = json.loads(out)
    assert v["ok"] == (rc == 0), v
    return v


def wait_status(nsfleet, sock, pred, what, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        z = ctl_json(nsfleet, sock, "status", "example.com")["zones"][0]
        if pred(z):
            return z
        assert time.monotonic() < deadline, f"{what}: {z}"
        time.sleep(0.1)


@pytest.fixture
def servers():
    v = []
    yield v
    stop_all(v)


def test_refresh_retransfer_status(nsfleetd_bin, nsfleet, tmp_path, servers):
    # the primary does not NOTIFY: only the control socket moves the secondary
    p = start_primary(nsfleetd_bin, tmp_path, zone_text(1), servers=servers)
    sock = tmp_path / "sec.sock"
    s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)], servers=servers,
                        control=sock)
    wait_serial(s, 1)

    p.zone.write_text(zone_text(2, ["new A 192.0.2.10"]))
    p.signal(signal.SIGHUP)
    p.wait_log(r"reload done")
    rc, out, err = ctl(nsfleet, sock, "refresh", "example.com")
    assert (rc, out) == (0, "OK refresh of example.com. started\n"), err
    wait_serial(s, 2)
    s.wait_log(r"xfr-in zone=example\.com\. kind=IXFR .*serial=1->2 .*result=ok")
    z = wait_status(nsfleet, sock, lambda z: z["state"] == "idle" and z["serial"] == 2, "idle")
    assert z["role"] == "secondary" and z["loaded"] is True and z["expired"] is False
    assert z["last_error"] is None and z["refreshing"] is False
    assert z["last_refresh"] <= time.time() + 1 and z["next_refresh"] > z["last_refresh"]
    assert z["expire"] - z["last_refresh"] == 86400  # the SOA's expire
    # the IXFR is in the secondary's journal (it could serve it onwards)
    assert (z["journal_from"], z["journal_to"], z["journal_changesets"]) == (1, 2, 1), z

    # up to date: refresh is an SOA query, nothing transferred
    n_xfr = len(re.findall(r"result=ok", s.log()))
    v = ctl_json(nsfleet, sock, "refresh", "example.com")
    assert v == {"ok": True, "message": "refresh of example.com. started"}
    s.wait_log(r"kind=SOA .*serial=2 remote=2 .*result=up-to-date")
    assert len(re.findall(r"result=ok", s.log())) == n_xfr

    # retransfer: a full AXFR whatever the serials; it resets the journal
    v = ctl_json(nsfleet, sock, "retransfer", "example.com")
    assert v == {"ok": True, "message": "retransfer of example.com. started"}
    s.wait_log(r"xfr-in zone=example\.com\. kind=AXFR .*serial=2->2 .*result=ok")
    # (the worker resets the journal before the main loop publishes: wait
    # for the end of the refresh too)
    z = wait_status(nsfleet, sock, lambda z: z["journal_changesets"] == 0 and
                    not z["refreshing"] and z["state"] == "idle", "journal reset")
    assert z["serial"] == 2 and "journal_from" not in z

    # text forms
    rc, out, _ = ctl(nsfleet, sock, "status")
    assert rc == 0
    assert re.fullmatch(r"example\.com\. role secondary serial 2 state idle last-refresh \S+Z "
                        r"next-refresh \S+Z expire \S+Z last-error none\n", out), out
    rc, out, _ = ctl(nsfleet, sock, "status", "example.com")
    lines = out.splitlines()
    assert rc == 0 and lines[0].startswith("example.com. role secondary serial 2 ")
    assert "  journal-changesets: 0" in lines and "  notify-targets: 0" in lines, out

    # a failing refresh: status says why, and the zone is still served
    p.stop()
    assert ctl(nsfleet, sock, "refresh", "example.com")[0] == 0
    z = wait_status(nsfleet, sock, lambda z: z["last_error"], "an error")
    assert re.match(r"127\.0\.0\.1@\d+: connect: Connection refused", z["last_error"]), z
    assert z["state"] == "retry" and z["serial"] == 2
    assert s.soa_serial() == 2
    rc, out, _ = ctl(nsfleet, sock, "status")
    assert re.search(r" state retry .* last-error 127\.0\.0\.1@\d+: connect: Connection "
                     r"refused\n$", out), out


def test_notify_and_errors(nsfleetd_bin, nsfleet, tmp_path, servers):
    # a UDP socket stands for a secondary: what does `ctl notify` send it?
    target = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    target.bind(("127.0.0.1", 0))
    target.settimeout(10)
    try:
        p = start_primary(nsfleetd_bin, tmp_path, zone_text(7), servers=servers,
                          notify_to=[("127.0.0.1", target.getsockname()[1])])
        sock = p.ctl_sock
        rc, out, err = ctl(nsfleet, sock, "notify", "example.com")
        assert (rc, out) == (0, "OK NOTIFY of example.com. serial 7 started to 1 targets\n"), err
        wire, addr = target.recvfrom(65535)
        q = dns.message.from_wire(wire)
        assert q.opcode() == dns.opcode.NOTIFY and q.question[0].name.to_text() == "example.com."
        assert q.question[0].rdtype == dns.rdatatype.SOA and q.answer[0][0].serial == 7
        target.sendto(dns.message.make_response(q).to_wire(), addr)
        p.wait_log(r"NOTIFY out: zone example\.com\., peer 127\.0\.0\.1@\d+, serial 7.*acked")
        # the per-peer NOTIFY state, in JSON and in the detailed text
        ns = ctl_json(nsfleet, sock, "status", "example.com")["zones"][0]["notify_state"]
        assert len(ns) == 1 and ns[0]["state"] == "acked" and ns[0]["serial"] == 7, ns
        assert ns[0]["peer"] == "127.0.0.1@%d" % target.getsockname()[1] and ns[0]["tries"] == 1
        assert ns[0]["when"] > 1700000000
        rc, out, _ = ctl(nsfleet, sock, "status", "example.com")
        assert re.search(r"\n  notify 127\.0\.0\.1@\d+: serial 7, acked, 1 tries, \d{4}-", out), out
        v = ctl_json(nsfleet, sock, "notify", "example.com")
        assert v == {"ok": True, "message": "NOTIFY of example.com. serial 7 started to 1 targets"}

        # status of a primary: the short line; JSON with the notify targets
        rc, out, _ = ctl(nsfleet, sock, "status")
        assert (rc, out) == (0, "example.com. serial 7\n")
        z = ctl_json(nsfleet, sock, "status")["zones"]
        assert len(z) == 1 and z[0]["role"] == "primary" and z[0]["serial"] == 7
        assert z[0]["notify_targets"] == 1 and "state" not in z[0]
        assert ctl_json(nsfleet, sock, "reload") == {"ok": True, "message": "reloaded 1 zones"}

        # errors
        for cmd in ("refresh", "retransfer"):
            rc, out, _ = ctl(nsfleet, sock, cmd, "example.com")
            assert (rc, out) == (1, f"ERROR example.com. is a primary zone: {cmd} is for "
                                    "secondary zones\n")
            v = ctl_json(nsfleet, sock, cmd, "example.com")
            assert v["ok"] is False and "is a primary zone" in v["message"]
        for cmd in ("refresh", "retransfer", "notify", "status", "reload"):
            rc, out, _ = ctl(nsfleet, sock, cmd, "nope.example")
            assert (rc, out) == (1, "ERROR no such zone: nope.example\n"), cmd
            v = ctl_json(nsfleet, sock, cmd, "nope.example")
            assert v == {"ok": False, "message": "no such zone: nope.example"}
        for args in (["refresh"], ["notify"], ["retransfer", "a.", "b."], ["status", "a", "b"],
                     ["frobnicate"], ["refresh", "--force", "example.com"], []):
            assert ctl(nsfleet, sock, *args)[0] == 2, args

        # a secondary zone without notify targets: nothing to notify
        s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)], servers=servers,
                            control=tmp_path / "sec.sock")
        wait_serial(s, 7)
        rc, out, _ = ctl(nsfleet, tmp_path / "sec.sock", "notify", "example.com")
        assert (rc, out) == (1, "ERROR NOTIFY of example.com. serial 7: no target (none "
                                "configured, or none could be started: see the log)\n")
    finally:
        target.close()
