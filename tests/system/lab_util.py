"""Helpers of the `nsfleet lab` system tests (test_lab*.py).

Each test gets its own lab: a name of its own (so its namespaces are
nsfl-<name>-*), a state directory under tmp_path, and a finalizer that runs
`nsfleet lab down` and then deletes any namespace left with the lab's
prefix, also when the test failed.  Only the lab's own prefix is cleaned:
another lab on the machine (another test run, a user's) is left alone.
"""

import json
import os
import random
import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import nsfleet_path
from nsfleetd_harness import nsfleetd_path

SANITIZER = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")


def netns_list():
    p = Path("/run/netns")
    return sorted(x.name for x in p.iterdir()) if p.is_dir() else []


def links_in_root_ns(prefix="nsfl-"):
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True,
                         timeout=20).stdout
    return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines()
            if line.split(":")[1].strip().startswith(prefix)]


def namespaces_possible():
    """None when a network namespace can be made, else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    name = f"nsfl-probe{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, timeout=20)
    if r.returncode != 0:
        return f"`ip netns add {name}` failed: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=20)
    return None


def pid_alive(pid):
    """Alive and not a zombie (this container's init may not reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


class Lab:
    def __init__(self, tmp_path):
        self.name = "t%05d" % random.randrange(100000)
        self.prefix = f"nsfl-{self.name}-"
        self.dir = tmp_path / "state"
        self.conf = tmp_path / "lab.yaml"
        self.tmp = tmp_path
        self.bin = nsfleet_path()
        self.env = dict(os.environ)
        # the nsfleetd of the nsfleet under test's build, unless $NSFLEETD
        nsfleetd = self.bin.parent.parent / "server" / "nsfleetd"
        if os.environ.get("NSFLEETD") or not nsfleetd.exists():
            nsfleetd = nsfleetd_path()
        self.env["NSFLEETD"] = str(nsfleetd)
        self.write()

    def write(self, secondaries=None, extra_lab=""):
        """lab.yaml with this lab's name; secondaries: YAML list items."""
        text = f"lab:\n  name: {self.name}\n  start-timeout: 40\n{extra_lab}"
        if secondaries is not None:
            text += "secondaries:\n" + "".join(f"  - {s}\n" for s in secondaries)
        self.conf.write_text(text)

    def run(self, *args, timeout=120, config=True):
        cmd = [str(self.bin), "lab", *args, "--state-dir", str(self.dir)]
        if config:
            cmd += ["--config", str(self.conf)]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=self.env)
        except subprocess.TimeoutExpired:
            pytest.fail(f"timeout after {timeout}s: {' '.join(cmd)}", pytrace=False)
        assert p.returncode >= 0, f"nsfleet killed by signal {-p.returncode}:\n{p.stderr}"
        assert not SANITIZER.search(p.stderr), p.stderr
        return p

    def up(self, *extra):
        p = self.run("up", *extra)
        assert p.returncode == 0, f"lab up failed:\n{p.stdout}\n{p.stderr}\n{self.logs()}"
        return p

    def status(self):
        p = self.run("status", "--json", config=False)
        return p.returncode, json.loads(p.stdout)

    def servers(self):
        return {s["name"]: s for s in self.status()[1]["servers"]}

    def namespaces(self):
        return [n for n in netns_list() if n.startswith(self.prefix)]

    def in_hub(self, *cmd, timeout=30):
        return subprocess.run(["ip", "netns", "exec", f"{self.prefix}hub", *cmd],
                              capture_output=True, text=True, timeout=timeout)

    def resolve(self, resolver, name, port=53):
        """The A addresses of name asked of resolver (from the hub)."""
        code = ("import dns.message, dns.query, sys\n"
                f"q = dns.message.make_query({name!r}, 'A')\n"
                f"r = dns.query.udp(q, {resolver!r}, port={port}, timeout=5)\n"
                "print(' '.join(sorted(rd.address for rrs in r.answer if rrs.rdtype == 1 "
                "for rd in rrs)))\n")
        r = self.in_hub("/usr/bin/python3", "-c", code)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()

    def wait_serials(self, serial, roles=("primary", "secondary"), timeout=40):
        deadline = time.monotonic() + timeout
        last = {}
        while time.monotonic() < deadline:
            last = {n: s["serial"] for n, s in self.servers().items() if s["role"] in roles}
            if all(v == serial for v in last.values()):
                return last
            time.sleep(0.3)
        pytest.fail(f"not every server serves serial {serial} after {timeout}s: {last}\n"
                    f"{self.logs()}", pytrace=False)

    def logs(self):
        out = []
        for f in sorted(self.dir.glob("*.log")) if self.dir.exists() else []:
            out.append(f"--- {f.name}\n" + f.read_text(errors="replace")[-1500:])
        return "\n".join(out)

    def cleanup(self):
        self.run("down", timeout=60)
        for ns in self.namespaces():
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True,
                                  timeout=20).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except OSError:
                    pass
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)


@pytest.fixture
def lab(tmp_path):
    why = namespaces_possible()
    if why is not None:
        pytest.skip(f"network namespaces cannot be made here: {why}")
    lb = Lab(tmp_path)
    try:
        yield lb
    finally:
        lb.cleanup()


@pytest.fixture
def lab_any(tmp_path):
    """A lab that may run without namespaces (the loopback fallback)."""
    lb = Lab(tmp_path)
    try:
        yield lb
    finally:
        lb.cleanup()
