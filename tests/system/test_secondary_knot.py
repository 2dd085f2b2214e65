"""role: secondary with Knot DNS as the primary: AXFR, then IXFR of a
change Knot journals (zonefile-load: difference, knotc zone-reload); TSIG
with the right key transfers, with a wrong key nothing is transferred."""

import base64
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import dns.rcode
import dns.tsigkeyring
import pytest

from nsfleetd_harness import free_port, nsfleetd_bin  # noqa: F401
from secondary_util import (SANITIZER, KEY_SECRET, axfr_rrs, file_rrs, send_notify, start_secondary,
                            wait_serial)

ZONE = "example.com."
ZONE_TEXT = """$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 hostmaster {serial} 3600 3600 86400 300
@ IN NS ns1
ns1 IN A 192.0.2.1
www IN A 192.0.2.2
{extra}
"""


def knot_bins():
    for b in ("knotd", "knotc"):
        if shutil.which(b) is None and not Path(f"/usr/sbin/{b}").exists():
            pytest.fail(f"{b} not installed (Debian package knot)", pytrace=False)
    return (shutil.which("knotd") or "/usr/sbin/knotd", shutil.which("knotc") or "/usr/sbin/knotc")


class Knot:
    def __init__(self, tmp_path, key=None):
        self.knotd, self.knotc = knot_bins()
        self.dir = tmp_path / "knot"
        self.dir.mkdir()
        self.port = free_port(False)
        self.zone = self.dir / "example.com.zone"
        self.write(2024010101)
        self.conf = self.dir / "knot.conf"
        keys = ""
        acl_key = ""
        if key:
            keys = f"key:\n  - id: {key[0]}\n    algorithm: hmac-sha256\n    secret: {key[1]}\n"
            acl_key = f"    key: {key[0]}\n"
        self.conf.write_text(f"""server:
    rundir: "{self.dir}"
    listen: 127.0.0.1@{self.port}
{keys}acl:
  - id: xfr
    address: 127.0.0.0/8
    action: transfer
{acl_key}database:
    storage: "{self.dir}"
template:
  - id: default
    storage: "{self.dir}"
    zonefile-load: difference
    journal-content: changes
zone:
  - domain: example.com
    file: "{self.zone}"
    acl: xfr
log:
  - target: stderr
    any: info
""")
        self.logf = open(self.dir / "knotd.log", "wb")
        self.proc = subprocess.Popen([self.knotd, "-c", str(self.conf)], stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = self.ctl("zone-status", "example.com")
            if r.returncode == 0 and "serial: 2024010101" in r.stdout:
                return
            time.sleep(0.1)
        pytest.fail(f"knotd did not start:\n{self.log()}", pytrace=False)

    def write(self, serial, extra=""):
        self.zone.write_text(ZONE_TEXT.format(serial=serial, extra=extra))

    def ctl(self, *args):
        return subprocess.run([self.knotc, "-c", str(self.conf), "-s",
                               str(self.dir / "knot.sock"), *args],
                              capture_output=True, text=True, timeout=10)

    def log(self):
        self.logf.flush()
        return (self.dir / "knotd.log").read_text(errors="replace")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.logf.close()


@pytest.fixture
def servers():
    out = []
    yield out
    for s in out:
        if isinstance(s, Knot):
            s.stop()
            continue
        rc = s.stop()
        log = s.log()
        s.kill()
        assert rc == 0, log
        assert not SANITIZER.search(log), log


def test_knot_axfr_then_ixfr(nsfleetd_bin, tmp_path, servers):
    k = Knot(tmp_path)
    servers.append(k)
    s = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", k.port)], servers=servers)
    wait_serial(s, 2024010101, zone=ZONE)
    s.wait_log(r"xfr-in zone=example\.com\. kind=AXFR .*result=ok")
    assert file_rrs(s.storage / "example.com.zone") == axfr_rrs("127.0.0.1", k.port)

    k.write(2024010102, "new IN A 192.0.2.10\nwww IN AAAA 2001:db8::2")
    r = k.ctl("zone-reload", "example.com")
    assert r.returncode == 0, r.stderr
    deadline = time.monotonic() + 10
    while "serial: 2024010102" not in k.ctl("zone-status", "example.com").stdout:
        assert time.monotonic() < deadline, k.log()
        time.sleep(0.1)
    assert send_notify(s.port, zone=ZONE).rcode() == dns.rcode.NOERROR
    wait_serial(s, 2024010102, zone=ZONE, timeout=10)
    # an incremental transfer, not a new AXFR
    s.wait_log(r"xfr-in zone=example\.com\. kind=IXFR peer=\S+ serial=2024010101->2024010102 "
               r".*result=ok")
    assert s.query("new.example.com.", "A").answer[0][0].address == "192.0.2.10"
    assert file_rrs(s.storage / "example.com.zone") == axfr_rrs("127.0.0.1", k.port)


def test_knot_tsig(nsfleetd_bin, tmp_path, servers):
    key = ("xfr-key", KEY_SECRET)
    k = Knot(tmp_path, key=key)
    servers.append(k)
    ok = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", k.port)], servers=servers,
                         name="good", key=key)
    wait_serial(ok, 2024010101, zone=ZONE)
    wrong = base64.b64encode(b"not-the-right-secret-at-all-0123456").decode()
    bad = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", k.port)], servers=servers,
                          name="bad", key=("xfr-key", wrong))
    bad.wait_log(r"xfr-in zone=example\.com\. .*result=failed: .*TSIG", timeout=10)
    assert bad.query(ZONE, "SOA").rcode() == dns.rcode.REFUSED
    assert not (bad.storage / "example.com.zone").exists()
    # unsigned: Knot refuses; nothing transferred either
    none = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", k.port)], servers=servers,
                           name="unsigned")
    none.wait_log(r"xfr-in zone=example\.com\. .*result=failed", timeout=10)
    assert none.query(ZONE, "SOA").rcode() == dns.rcode.REFUSED
