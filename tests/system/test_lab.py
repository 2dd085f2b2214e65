"""`nsfleet lab up|down|status` with real processes in network namespaces:
the whole hierarchy up, every server at the same serial, www resolved
through Unbound from the lab's root, a change on the hidden primary reaching
every secondary by NOTIFY + IXFR, and a clean `lab down`; then the bad
cases: a lab.yaml with an unknown key, a crashed lab, a missing
implementation, a server that will not start, the loopback fallback.

Skipped (with the reason) only where network namespaces cannot be made.
Every test cleans its own namespaces (nsfl-<its lab>-*), also on failure.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from lab_util import lab, lab_any, links_in_root_ns, pid_alive  # noqa: F401

SECONDARY_SW = {"nsfleetd", "bind", "knot", "nsd", "pdns"}


def test_lab_up_resolve_reload_down(lab):
    p = lab.up()
    assert "lab up:" in p.stdout, p.stdout
    rc, st = lab.status()
    assert rc == 0, st
    assert st["mode"] == "netns" and st["up"] is True
    servers = {s["name"]: s for s in st["servers"]}
    roles = {s["role"] for s in servers.values()}
    assert roles == {"root", "parent", "resolver", "primary", "secondary"}, servers
    # the default lab: every secondary implementation installed here runs
    running_sw = {s["software"] for s in servers.values() if s["role"] == "secondary"}
    skipped_sw = {s["software"] for s in st["skipped"]}
    assert running_sw | skipped_sw == SECONDARY_SW
    assert {"nsfleetd", "bind", "knot", "nsd"} <= running_sw | skipped_sw
    for s in servers.values():
        assert s["running"], s
        assert s["namespace"] == f"{lab.prefix}{s['name']}", s
        assert s["namespace"] in lab.namespaces()
        assert s["address"].startswith("10.53.0.") and s["port"] == 53
        assert s["serial"] == 1, s  # root, parent, the zone; the resolver asked recursively
    # the text form names every server with its serial
    text = lab.run("status", config=False).stdout
    for name in servers:
        assert name in text
    # nothing of the lab in the host's namespace
    assert links_in_root_ns() == []

    # a real resolver walks root -> parent -> the lab's secondaries
    resolver = servers["resolver"]["address"]
    assert lab.resolve(resolver, "www.example.lab.") == ["192.0.2.80"]
    assert lab.resolve(resolver, "x1.drill.example.lab.") == ["192.0.2.53"]

    # a change on the hidden primary reaches every secondary
    primary = servers["primary"]
    zf = primary["zone_file"]
    text = open(zf).read().replace(" 1 300 60 86400 ", " 2 300 60 86400 ")
    open(zf, "w").write(text + "new IN A 192.0.2.99\n")
    r = subprocess.run([str(lab.bin), "ctl", "-s", primary["control"], "reload"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    t0 = time.monotonic()
    serials = lab.wait_serials(2)
    print(f"serial 2 on {sorted(serials)} in {time.monotonic() - t0:.1f}s")
    for s in servers.values():
        if s["role"] == "secondary":
            assert lab.resolve(s["address"], "new.example.lab.") == ["192.0.2.99"], s["name"]
    # by NOTIFY + IXFR signed with the lab's key, to every secondary (the
    # primary's log; a line may land just after the secondary serves)
    want = []
    for s in servers.values():
        if s["role"] == "secondary":
            addr = re.escape(s["address"])
            want += [rf"NOTIFY out: zone example\.lab\., peer {addr}@53, serial 2, TSIG, acked",
                     rf"IXFR out: zone example\.lab\., peer {addr}@\d+, serial 1 -> 2, .*TSIG, "
                     r"incremental"]
    deadline = time.monotonic() + 10
    while True:
        log = open(primary["log"]).read()
        missing = [w for w in want if not re.search(w, log)]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not missing, f"not in the primary's log: {missing}\n{log[-4000:]}"

    pids = [s["pid"] for s in servers.values()]
    p = lab.run("down")
    assert p.returncode == 0, p.stdout + p.stderr
    assert lab.namespaces() == []
    assert links_in_root_ns() == []
    assert not any(pid_alive(pid) for pid in pids)
    assert not (lab.dir / "state").exists()
    rc, st = lab.status()
    assert rc == 1 and st["up"] is False


def test_bad_lab_yaml(lab):
    lab.conf.write_text(f"lab:\n  name: {lab.name}\n  colour: blue\n")
    p = lab.run("up")
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stderr.startswith(f"{lab.conf}:3:3: unknown key 'colour' in 'lab'"), p.stderr
    assert lab.namespaces() == [] and not (lab.dir / "state").exists()
    # a bad value, a bad section, a secondary without software
    for text, where, what in [
        ("lab:\n  ttl: -5\n", "2:8", "'ttl'"),
        ("labs:\n  ttl: 5\n", "1:1", "unknown section 'labs'"),
        ("secondaries:\n  - name: a\n", "2:5", "needs 'software'"),
        ("secondaries:\n  - software: djbdns\n", "2:15", "'djbdns' is not one of"),
        ("lab:\n  zone: example.com\n", "1:1", "is not below parent"),
        ("lab: [\n", "2:1", ""),
    ]:
        lab.conf.write_text(text)
        p = lab.run("up")
        assert p.returncode == 2, (text, p.stderr)
        assert p.stderr.startswith(f"{lab.conf}:{where}: "), (text, p.stderr)
        assert what in p.stderr, (text, p.stderr)
    assert lab.namespaces() == []


def test_crashed_lab_then_down(lab):
    lab.write(secondaries=["name: ns1\n    software: nsfleetd", "name: ns2\n    software: nsd"])
    lab.up()
    pids = [s["pid"] for s in lab.servers().values()]
    # every server killed, nothing deleted
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    rc, st = lab.status()
    assert rc == 1 and not any(s["running"] for s in st["servers"])
    assert "stopped" in lab.run("status", config=False).stdout
    # a second up refuses and says how to clean
    p = lab.run("up")
    assert p.returncode == 1
    assert "nsfleet lab down" in p.stderr, p.stderr
    assert lab.namespaces() != []
    p = lab.run("down")
    assert p.returncode == 0, p.stderr
    assert "removed namespace" in p.stdout
    assert lab.namespaces() == [] and links_in_root_ns() == []
    assert not (lab.dir / "state").exists()
    # the lab comes up again; crashed once more, and the state file lost too:
    # up names the namespaces left, down finds them by the lab's name
    lab.up()
    for s in lab.servers().values():
        os.kill(s["pid"], signal.SIGKILL)
    os.unlink(lab.dir / "state")
    p = lab.run("up")
    assert p.returncode == 1 and "left by a crashed run" in p.stderr, p.stderr
    assert f"{lab.prefix}hub" in p.stderr and "nsfleet lab down" in p.stderr
    p = lab.run("down")
    assert p.returncode == 0, p.stderr
    assert lab.namespaces() == [] and links_in_root_ns() == []


def test_lab_up_killed_midway(lab):
    """`lab up` itself killed -9 while it waits for a server that never
    answers: down stops what it had started and removes its namespaces."""
    fake = lab.tmp / "silent-nsd"
    fake.write_text("#!/bin/sh\nexec sleep 300\n")
    fake.chmod(0o755)
    lab.write(secondaries=["name: ns1\n    software: nsfleetd",
                           f"name: ns2\n    software: nsd\n    binary: {fake}"])
    cmd = [str(lab.bin), "lab", "up", "--state-dir", str(lab.dir), "--config", str(lab.conf)]
    proc = subprocess.Popen(cmd, env=lab.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = lab.dir / "state"
        if state.exists() and " ns2 secondary nsd " in state.read_text() \
                and not re.search(r" ns2 secondary nsd \S+ \S+ \d+ \S+ 0 ", state.read_text()):
            break
        time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError("lab up never started ns2")
    time.sleep(0.5)
    proc.kill()
    proc.wait()
    sleepers = [int(x) for x in subprocess.run(["ip", "netns", "pids", f"{lab.prefix}ns2"],
                                               capture_output=True, text=True,
                                               timeout=20).stdout.split()]
    assert sleepers, "the fake server is not running in its namespace"
    p = lab.run("down")
    assert p.returncode == 0, p.stderr
    assert lab.namespaces() == [] and links_in_root_ns() == []
    assert not any(pid_alive(pid) for pid in sleepers)


def test_processes_left_running_are_stopped_by_down(lab):
    """lab up's own process gone (here: it exited), the state file gone:
    down stops every process of the lab's namespaces."""
    lab.write(secondaries=["name: ns1\n    software: nsfleetd"])
    lab.up()
    pids = [s["pid"] for s in lab.servers().values()]
    os.unlink(lab.dir / "state")
    p = lab.run("down")
    assert p.returncode == 0, p.stderr
    assert not any(pid_alive(pid) for pid in pids)
    assert lab.namespaces() == []


def test_missing_implementation_is_skipped(lab):
    lab.write(secondaries=["name: ns1\n    software: nsfleetd",
                           "name: ns2\n    software: knot\n    binary: /nonexistent/knotd"])
    p = lab.up()
    assert ("lab: skipping secondary ns2 (knot): /nonexistent/knotd not found or not "
            "executable") in p.stdout, p.stdout
    rc, st = lab.status()
    assert rc == 0
    assert [s["name"] for s in st["servers"] if s["role"] == "secondary"] == ["ns1"]
    assert st["skipped"][0]["name"] == "ns2"
    # the delegation names only what runs: the resolver still resolves
    resolver = [s for s in st["servers"] if s["role"] == "resolver"][0]["address"]
    assert lab.resolve(resolver, "www.example.lab.") == ["192.0.2.80"]


def test_server_that_will_not_start(lab):
    lab.write(secondaries=["name: ns1\n    software: nsfleetd",
                           "name: ns2\n    software: nsd\n    binary: /bin/false"])
    p = lab.run("up")
    assert p.returncode == 1
    assert "ns2 (nsd, /bin/false) exited while starting; its log:" in p.stderr, p.stderr
    assert str(lab.dir / "ns2.log") in p.stderr
    assert "tearing down" in p.stderr
    # never a half-up lab
    assert lab.namespaces() == []
    assert not (lab.dir / "state").exists()
    assert lab.status()[0] == 1


def test_loopback_fallback(lab_any):
    lab = lab_any
    lab.write(secondaries=["name: ns1\n    software: nsfleetd", "name: ns2\n    software: nsd",
                           "name: ns3\n    software: bind", "name: ns4\n    software: pdns"])
    p = lab.up("--namespaces", "no")
    assert "127.53.0.x on free ports" in p.stdout
    rc, st = lab.status()
    assert rc == 0 and st["mode"] == "loopback"
    assert lab.namespaces() == []
    for s in st["servers"]:
        assert s["namespace"] is None and s["port"] != 53
        assert s["address"].startswith("127."), s
        assert s["serial"] == 1
    resolver = [s for s in st["servers"] if s["role"] == "resolver"][0]
    import dns.message
    import dns.query
    r = dns.query.udp(dns.message.make_query("www.example.lab.", "A"), resolver["address"],
                      port=resolver["port"], timeout=5)
    assert [rd.address for rrs in r.answer for rd in rrs] == ["192.0.2.80"]
    # a change reaches every secondary that runs here, PowerDNS included
    primary = [s for s in st["servers"] if s["role"] == "primary"][0]
    zf = primary["zone_file"]
    text = open(zf).read().replace(" 1 300 60 86400 ", " 2 300 60 86400 ")
    open(zf, "w").write(text)
    r = subprocess.run([str(lab.bin), "ctl", "-s", primary["control"], "reload"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    lab.wait_serials(2)
    pids = [s["pid"] for s in st["servers"]]
    assert lab.run("down").returncode == 0
    assert not any(pid_alive(pid) for pid in pids)


def test_usage_and_nothing_up(lab):
    p = lab.run("status", config=False)
    assert p.returncode == 1 and "no lab is up" in p.stderr, p.stderr
    p = lab.run("down")
    assert p.returncode == 0 and "nothing to do" in p.stdout, p.stdout
    assert lab.run("sideways").returncode == 2
    assert lab.run("up", "--namespaces", "maybe").returncode == 2
    assert lab.run("status", "--colour", config=False).returncode == 2
    r = subprocess.run([str(lab.bin), "lab", "--help"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0 and "nsfleet lab up" in r.stdout
    r = subprocess.run([str(lab.bin), "lab", "up", "--config", str(lab.tmp / "nope.yaml"),
                        "--state-dir", str(lab.dir)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "nope.yaml" in r.stderr
    assert lab.namespaces() == []


def test_not_root_falls_back_to_loopback(lab_any, tmp_path):
    """As an unprivileged user (setpriv to nobody) no namespace can be made:
    lab up says so and runs on 127.53.0.x with free ports."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv (util-linux) to become nobody")
    lab = lab_any
    work = Path(tempfile.mkdtemp(prefix="nsfl-lab-nobody-"))
    try:
        work.chmod(0o777)
        conf = work / "lab.yaml"
        conf.write_text(f"lab:\n  name: {lab.name}\nsecondaries:\n"
                        "  - name: ns1\n    software: nsfleetd\n")
        conf.chmod(0o644)
        as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        base = [str(lab.bin), "lab"]
        opts = ["--state-dir", str(work / "state"), "--config", str(conf)]
        p = subprocess.run(as_nobody + base + ["up"] + opts, capture_output=True, text=True,
                           timeout=120, env=lab.env)
        try:
            assert p.returncode == 0, p.stdout + p.stderr
            assert "network namespaces unavailable (not root)" in p.stdout, p.stdout
            r = subprocess.run(as_nobody + base + ["status", "--json"] + opts[:2],
                               capture_output=True, text=True, timeout=60)
            st = json.loads(r.stdout)
            assert r.returncode == 0 and st["mode"] == "loopback", r.stdout
            assert all(s["serial"] == 1 and s["running"] for s in st["servers"])
            assert lab.namespaces() == []
        finally:
            d = subprocess.run(as_nobody + base + ["down"] + opts, capture_output=True,
                               text=True, timeout=60)
        assert d.returncode == 0, d.stderr
        assert not any(pid_alive(s["pid"]) for s in st["servers"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
