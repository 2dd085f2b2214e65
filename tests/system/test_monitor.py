"""nsfleet monitor against real servers on loopback: a primary nsfleetd,
a secondary nsfleetd it notifies, and a Knot DNS secondary it does not
notify (left stale when the zone changes).  /metrics is parsed with a
strict exposition-format parser (monitor_util.parse_exposition); the alert
hook records its JSON.  Waits poll with generous deadlines, never assert
an upper bound on time."""

import json
import sys
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest

from conftest import run
from monitor_util import (ExpositionError, HookRecord, KnotSecondary, Monitor, parse_exposition,
                          value, write_config)
from nsfleetd_harness import Server, free_port, nsfleetd_bin  # noqa: F401
from secondary_util import SANITIZER, start_primary, start_secondary, wait_serial, zone_text

ZONE = "example.com"


def soa_serial(port, timeout=1):
    try:
        r = dns.query.udp(dns.message.make_query(ZONE + ".", "SOA"), "127.0.0.1", port=port,
                          timeout=timeout)
    except (dns.exception.Timeout, OSError):
        return None
    if r.rcode() != dns.rcode.NOERROR or not r.answer:
        return None
    return r.answer[0][0].serial


def wait_soa(port, serial, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if soa_serial(port) == serial:
            return
        time.sleep(0.1)
    pytest.fail(f"{what}: serial {serial} not served within {timeout}s", pytrace=False)


@pytest.fixture
def procs():
    """Everything started, stopped at the end whatever happens."""
    out = []
    yield out
    bad = []
    for p in reversed(out):
        try:
            if isinstance(p, KnotSecondary):
                p.stop()
                continue
            if isinstance(p, Monitor):
                rc = p.stop()
                if rc != 0 or SANITIZER.search(p.log()):
                    bad.append(f"monitor exit {rc}:\n{p.log()}")
                continue
            rc = p.stop()
            log = p.log()
            p.kill()
            if rc not in (0, -9) or SANITIZER.search(log):
                bad.append(f"exit {rc}:\n{log}")
        except BaseException as e:  # noqa: BLE001 - stop the others too
            bad.append(repr(e))
    assert not bad, "\n\n".join(bad)


def test_monitor_fleet(nsfleet, nsfleetd_bin, tmp_path, procs):  # noqa: F811
    sec1_port = free_port(False)
    primary = start_primary(nsfleetd_bin, tmp_path, zone_text(1),
                            notify_to=[("127.0.0.1", sec1_port)], servers=procs)
    sec1 = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", primary.port)], name="sec1",
                           port=sec1_port, servers=procs)
    knot = KnotSecondary(tmp_path, primary.port)
    procs.append(knot)
    wait_serial(sec1, 1)
    wait_soa(knot.port, 1, "knotd")

    hook = HookRecord(tmp_path)
    conf = tmp_path / "monitor.yaml"
    write_config(conf, [("primary", "127.0.0.1", primary.port),
                        ("sec1", "127.0.0.1", sec1.port),
                        ("knot", "127.0.0.1", knot.port)],
                 primary="primary", hook=hook.argv, down_after=3, diverged_after=3)
    mon = Monitor(nsfleet, conf, tmp_path)
    procs.append(mon)
    names = ("primary", "sec1", "knot")

    # all up, all at serial 1, no lag
    fams = mon.wait_metrics(
        lambda f: all(value(f, "nsfleet_ns_up", zone=ZONE, server=s) == 1 for s in names),
        "every server up")
    for s in names:
        assert value(fams, "nsfleet_ns_serial", zone=ZONE, server=s) == 1, s
        assert value(fams, "nsfleet_ns_serial_lag", zone=ZONE, server=s) == 0, s
        assert value(fams, "nsfleet_ns_tcp_up", zone=ZONE, server=s) == 1, s
        p50 = value(fams, "nsfleet_ns_latency_seconds", zone=ZONE, server=s, quantile="0.5")
        p99 = value(fams, "nsfleet_ns_latency_seconds", zone=ZONE, server=s, quantile="0.99")
        assert 0 <= p50 <= p99, (s, p50, p99)
        assert value(fams, "nsfleet_ns_latency_seconds_count", zone=ZONE, server=s) >= 1
    assert value(fams, "nsfleet_zone_serial", zone=ZONE) == 1
    for name in ("nsfleet_ns_up", "nsfleet_ns_serial", "nsfleet_ns_serial_lag",
                 "nsfleet_ns_latency_seconds", "nsfleet_monitor_rounds_total"):
        assert fams[name]["help"], name
    assert fams["nsfleet_ns_up"]["type"] == "gauge"
    assert fams["nsfleet_ns_latency_seconds"]["type"] == "summary"
    assert fams["nsfleet_monitor_rounds_total"]["type"] == "counter"
    # no RRSIG in this zone: no expiry sample
    assert "nsfleet_rrsig_expiry_seconds" not in fams

    # the status page names every server; other paths are 404
    status, ctype, html = mon.get("/")
    assert status == 200 and ctype.startswith("text/html")
    for s in names:
        assert f"<td>{s}" in html
    with pytest.raises(Exception) as e:
        mon.get("/nothing")
    assert getattr(e.value, "code", None) == 404

    # a secondary stops: down after 3 failed checks, one alert naming it
    sec1.stop()
    fams = mon.wait_metrics(lambda f: value(f, "nsfleet_ns_up", zone=ZONE, server="sec1") == 0,
                            "sec1 down")
    alert = hook.wait("for sec1 down", kind="down", event="alert", server="sec1")
    assert len(alert) == 1, hook.events()
    a = alert[0]
    assert a["zone"] == ZONE and a["address"] == f"127.0.0.1#{sec1.port}"
    assert a["consecutive_failures"] >= 3 and a["up"] is False
    assert "sec1" in a["message"] and a["reason"]
    fams = mon.scrape()
    assert value(fams, "nsfleet_ns_consecutive_failures", zone=ZONE, server="sec1") >= 3
    assert value(fams, "nsfleet_ns_incident", zone=ZONE, server="sec1", kind="down") == 1
    # still down for more rounds: no second alert
    mon.wait_rounds(4)
    assert len(hook.matching(kind="down", server="sec1")) == 1, hook.events()
    assert [e for e in hook.events() if e["server"] != "sec1"] == []

    # it comes back: one recovery
    sec1 = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", primary.port)], name="sec1",
                           port=sec1_port, servers=procs)
    hook.wait("for sec1 recovery", kind="down", event="recovery", server="sec1")
    mon.wait_rounds(3)
    assert len(hook.matching(kind="down", event="recovery", server="sec1")) == 1
    assert len(hook.matching(kind="down", server="sec1")) == 2, hook.events()

    # the zone changes; knotd is not notified and stays at serial 1
    primary.zone.write_text(zone_text(2, ["new A 192.0.2.99"]))
    rc = run([nsfleet, "ctl", "-s", primary.ctl_sock, "reload"])
    assert rc.returncode == 0, rc
    wait_serial(sec1, 2)
    fams = mon.wait_metrics(
        lambda f: value(f, "nsfleet_ns_serial_lag", zone=ZONE, server="knot") == 1,
        "knot one serial behind")
    assert value(fams, "nsfleet_zone_serial", zone=ZONE) == 2
    assert value(fams, "nsfleet_ns_serial", zone=ZONE, server="knot") == 1
    assert value(fams, "nsfleet_ns_serial_lag_seconds", zone=ZONE, server="knot") >= 0
    div = hook.wait("for knot diverged", kind="serial-diverged", event="alert", server="knot")
    d = div[0]
    assert d["serial"] == 1 and d["reference_serial"] == 2 and d["serial_lag"] == 1
    assert d["lag_seconds"] >= 3 and d["primary"] == "primary"
    fams = mon.scrape()
    assert value(fams, "nsfleet_ns_serial_lag_seconds", zone=ZONE, server="knot") >= 3
    mon.wait_rounds(4)
    assert len(hook.matching(kind="serial-diverged", server="knot")) == 1, hook.events()
    assert hook.matching(kind="serial-diverged", server="primary") == []

    # SIGTERM: a clean stop
    assert mon.stop() == 0, mon.log()
    assert "stopping" in mon.log()


def test_monitor_once(nsfleet, nsfleetd_bin, tmp_path, procs):  # noqa: F811
    port = free_port(False)
    (tmp_path / "z.zone").write_text(zone_text(7))
    s = Server([nsfleetd_bin, "--listen", f"127.0.0.1@{port}", "--zone",
                f"example.com={tmp_path / 'z.zone'}"], tmp_path / "d.log", port)
    procs.append(s)
    s.wait_ready()
    dead = free_port(False)  # nothing listens there
    conf = tmp_path / "m.yaml"
    write_config(conf, [("a", "127.0.0.1", port), ("b", "127.0.0.1", dead)], timeout=0.5)
    r = run([nsfleet, "monitor", conf, "--once"])
    assert r.returncode == 0 and not SANITIZER.search(r.stderr), r
    fams = parse_exposition(r.stdout)
    assert value(fams, "nsfleet_ns_up", zone=ZONE, server="a") == 1
    assert value(fams, "nsfleet_ns_up", zone=ZONE, server="b") == 0
    assert value(fams, "nsfleet_ns_serial", zone=ZONE, server="a") == 7
    assert value(fams, "nsfleet_ns_serial", zone=ZONE, server="b") is None
    # without a primary the newest serial served is the reference
    assert value(fams, "nsfleet_zone_serial", zone=ZONE) == 7
    assert value(fams, "nsfleet_monitor_rounds_total") == 1


def test_parser_is_strict():
    """The test's own parser rejects what the format does not allow."""
    good = "# HELP x a\n# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"2\"} NaN\n"
    parse_exposition(good)
    for bad in ["x 1",                                   # no final newline
                "x 1\n# TYPE x gauge\n",                 # TYPE after samples
                "# TYPE x gauge\n# TYPE x gauge\nx 1\n",
                "# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n",
                "x{a=\"\\q\"} 1\n", "x{a=1} 1\n", "x 1e\n", "1x 1\n",
                "# TYPE c counter\nc -1\n",
                "x 1\ny 1\nx{a=\"b\"} 1\n",              # x not together
                "# TYPE s summary\ns 1\n"]:               # summary without quantile
        with pytest.raises(ExpositionError):
            parse_exposition(bad)


BAD_CONFIGS = [
    ("monitor:\n  interval: 1\n  colour: red\n", 3, 3, "unknown key 'colour' in 'monitor'"),
    ("monitor:\n  interval: soon\n", 2, 13, "'interval': 'soon' is not a duration"),
    ("alert:\n  down-after: 0\n", 2, 15, "'down-after': '0' is not a number from 1"),
    ("nameserver:\n  - { name: a, address: \"127.0.0.1#99999\" }\n", 2, 25,
     "'address': '127.0.0.1#99999' is not ADDR[#PORT]"),
    ("nameserver:\n  - { name: a, address: 127.0.0.1 }\nzone:\n  - domain: example.com\n"
     "    primary: z\n", 5, 14, "'primary': no nameserver named 'z'"),
    ("nameserver:\n  - { name: a, address: 127.0.0.1 }\n", 1, 1, "no 'zone' list"),
    ("zone: [\n", 2, 1, ""),
]


@pytest.mark.parametrize("text,line,col,msg", BAD_CONFIGS)
def test_bad_config(nsfleet, tmp_path, text, line, col, msg):
    conf = tmp_path / "bad.yaml"
    conf.write_text(text)
    for args in (["--check"], ["--once"], []):
        r = run([nsfleet, "monitor", conf, *args])
        assert r.returncode == 1, r
        lines = r.stderr.splitlines()
        assert len(lines) == 1, r
        assert lines[0].startswith(f"{conf}:{line}:{col}: {msg}"), r
        assert r.stdout == ""


def test_config_missing_and_usage(nsfleet, tmp_path):
    r = run([nsfleet, "monitor", tmp_path / "none.yaml", "--check"])
    assert r.returncode == 1 and "none.yaml" in r.stderr
    r = run([nsfleet, "monitor"])
    assert r.returncode == 2 and "usage" in r.stderr
    r = run([nsfleet, "monitor", "--help"])
    assert r.returncode == 0 and "--once" in r.stdout
    good = tmp_path / "good.yaml"
    write_config(good, [("a", "127.0.0.1", 5300)], hook=["/bin/true"])
    r = run([nsfleet, "monitor", good, "--check"])
    assert r.returncode == 0 and r.stderr == "", r


SLOW_HOOK = """import sys, time
data = sys.stdin.read()
with open(sys.argv[1], "a") as f:
    f.write(data)
time.sleep(3600)
"""


def signed_zone(serial, expires):
    """A zone whose SOA carries an RRSIG expiring at `expires` (Unix time).
    The signature is not a real one: the monitor reads the expiration, it
    does not validate."""
    fmt = "%Y%m%d%H%M%S"
    exp = time.strftime(fmt, time.gmtime(expires))
    inc = time.strftime(fmt, time.gmtime(expires - 30 * 86400))
    sig = ("MIHTKOKTCrARxBrs/SYs5yTpsyrbUuW8tF2X0Q4KT5miTG3yt5c+o3Pm"
           "Lb0x7KSf91BpAZfFhVarVLSE2aZpCQ==")
    return zone_text(serial, [
        "@ DNSKEY 257 3 15 nuTo/W/e7LWt+frPAyMo7S8ACLzxsY5D9q0XVtGMxuc=",
        f"@ RRSIG SOA 15 2 300 {exp} {inc} 39506 example.com. {sig}"])


def test_monitor_rrsig_expiry_and_slow_hook(nsfleet, nsfleetd_bin, tmp_path, procs):  # noqa: F811
    """Signatures 2 days from expiry with a 7-day warning: one alert; the
    zone re-signed for 30 days: one recovery.  The hook never ends by
    itself: it is killed at hook-timeout, and counted as failed."""
    now = time.time()
    primary = start_primary(nsfleetd_bin, tmp_path, signed_zone(1, now + 2 * 86400),
                            servers=procs)
    slow = tmp_path / "slow_hook.py"
    slow.write_text(SLOW_HOOK)
    out = tmp_path / "hook.jsonl"
    conf = tmp_path / "monitor.yaml"
    write_config(conf, [("p", "127.0.0.1", primary.port)], primary="p",
                 hook=[sys.executable, slow, out])
    text = conf.read_text().replace("alert:\n", "alert:\n  hook-timeout: 0.5s\n"
                                    "  expiry-warning: 7d\n")
    conf.write_text(text)
    mon = Monitor(nsfleet, conf, tmp_path)
    procs.append(mon)
    fams = mon.wait_metrics(
        lambda f: value(f, "nsfleet_rrsig_expiry_seconds", zone=ZONE, server="p") is not None,
        "an RRSIG expiry")
    left = value(fams, "nsfleet_rrsig_expiry_seconds", zone=ZONE, server="p")
    assert 86400 < left <= 2 * 86400, left

    def calls():
        return [json.loads(x) for x in out.read_text().splitlines()] if out.exists() else []

    deadline = time.monotonic() + 40
    while not calls() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [(c["event"], c["kind"], c["server"]) for c in calls()] == \
        [("alert", "rrsig-expiry", "p")], calls()
    assert 86400 < calls()[0]["rrsig_expiry_seconds"] <= 2 * 86400
    # the hook sleeps: killed after hook-timeout, a failure
    mon.wait_metrics(lambda f: value(f, "nsfleet_monitor_hook_failures_total") == 1,
                     "the slow hook killed")
    mon.wait_log(r"hook .* killed after")
    mon.wait_rounds(3)
    assert len(calls()) == 1, calls()

    primary.zone.write_text(signed_zone(2, now + 30 * 86400))
    rc = run([nsfleet, "ctl", "-s", primary.ctl_sock, "reload"])
    assert rc.returncode == 0, rc
    mon.wait_metrics(lambda f: value(f, "nsfleet_monitor_recoveries_total",
                                     kind="rrsig-expiry") == 1, "the recovery")
    deadline = time.monotonic() + 40
    while len(calls()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [(c["event"], c["kind"]) for c in calls()] == \
        [("alert", "rrsig-expiry"), ("recovery", "rrsig-expiry")], calls()
    fams = mon.wait_metrics(lambda f: value(f, "nsfleet_monitor_hook_failures_total") == 2,
                            "the second slow hook killed")
    assert value(fams, "nsfleet_monitor_hook_runs_total") == 2
    assert mon.stop() == 0, mon.log()
