"""The primary role: reload -> diff -> serial policy -> shrink guard ->
journal -> publish, and IXFR out from the journal (RFC 1995), checked
against `nsfleet zone diff OLD NEW`."""

import re
import shutil
import signal
import subprocess
import time

import dns.message
import dns.query
import dns.rdatatype
import dns.rrset
import pytest

from conftest import nsfleet  # noqa: F401
from nsfleetd_harness import EXAMPLE, Server, free_port, nsfleetd_bin  # noqa: F401

TIMEOUT = 10


def write_conf(tmp_path, port, policy="increment", zone_extra="", top="", acl_extra="",
               acl_ids="[ xfr ]"):
    conf = tmp_path / "nsfleetd.yaml"
    conf.write_text(f"""# written by test_primary_reload.py
server:
  listen: [ "127.0.0.1@{port}" ]
  udp-workers: 1
  tcp-workers: 1
  storage: {tmp_path}
  control: {tmp_path}/ctl.sock
{top}acl:
  - id: xfr
    address: [ "127.0.0.1/32" ]
    action: [ transfer ]
{acl_extra.replace("acl:" + chr(10), "")}zone:
  - domain: example.com
    file: example.com.zone
    acl: {acl_ids}
    serial-policy: {policy}
{zone_extra}""")
    return conf


@pytest.fixture
def primary(nsfleetd_bin, tmp_path):
    """primary(policy=..., zone_extra=..., top=...) -> Server with .zone, .ctl_sock."""
    servers = []

    def _start(policy="increment", zone_extra="", top="", zone_text=None, acl_extra="",
               acl_ids="[ xfr ]"):
        port = free_port(False)
        zone = tmp_path / "example.com.zone"
        if zone_text is None:
            shutil.copy(EXAMPLE, zone)
        else:
            zone.write_text(zone_text)
        conf = write_conf(tmp_path, port, policy, zone_extra, top, acl_extra, acl_ids)
        s = Server([nsfleetd_bin, "-c", conf], tmp_path / f"nsfleetd-{len(servers)}.log", port)
        servers.append(s)
        s.wait_ready()
        s.zone = zone
        s.ctl_sock = tmp_path / "ctl.sock"
        return s

    yield _start
    bad = []
    for s in servers:
        if s.proc.poll() is None:
            rc = s.stop()
            if rc != 0:
                bad.append(f"exit {rc}:\n{s.log()}")
        if re.search(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:", s.log()):
            bad.append(f"sanitizer report:\n{s.log()}")
        s.logf.close()
    if bad:
        pytest.fail("\n".join(bad), pytrace=False)


def big_zone_text(n):
    """example.com with serial 1 and n A records (several AXFR messages)."""
    lines = ["$TTL 300", "@ SOA ns1 hostmaster (", "  1 ; serial", "  7200 3600 1209600 300 )",
             "@ NS ns1",
             "ns1 A 192.0.2.1"]
    lines += [f"h{i} A 198.51.{i // 256 % 256}.{i % 256}" for i in range(n)]
    return "\n".join(lines) + "\n"


def ctl(nsfleet, sock, *args):
    p = subprocess.run([str(nsfleet), "ctl", "-s", str(sock), *args], capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def edit(path, pattern, repl):
    text = path.read_text()
    new = re.sub(pattern, repl, text, count=1, flags=re.M)
    assert new != text, pattern
    path.write_text(new)


def set_serial(path, serial):
    edit(path, r"^(\s*)\d+( ; serial)", rf"\g<1>{serial}\2")


def ixfr(port, serial, zone="example.com."):
    """The answer RRs of an IXFR from serial, one RR per entry, in order:
    [(name, ttl, type, rdata text)]."""
    out = []
    for m in dns.query.xfr("127.0.0.1", zone, rdtype=dns.rdatatype.IXFR, serial=serial,
                           port=port, timeout=TIMEOUT, lifetime=30, relativize=False):
        for rrset in m.answer:
            for rd in rrset:
                out.append((rrset.name.to_text().lower(), rrset.ttl, rrset.rdtype,
                            rd.to_text()))
    return out


def ixfr_raw(port, serial, zone="example.com."):
    """The answer RRs of an IXFR, read by hand (no dnspython state machine):
    every RR until the server stops sending."""
    from nsfleetd_harness import frame, tcp_connect
    q = dns.message.make_query(zone, "IXFR")
    q.authority.append(dns.rrset.from_text(zone, 0, "IN", "SOA", f". . {serial} 0 0 0 0"))
    out = []
    with tcp_connect(port, timeout=TIMEOUT) as c:
        c.sendall(frame(q))
        c.settimeout(1.0)
        buf = b""
        while True:
            try:
                data = c.recv(65536)
            except TimeoutError:
                break
            if not data:
                break
            buf += data
            while len(buf) >= 2 and len(buf) >= 2 + int.from_bytes(buf[:2], "big"):
                n = int.from_bytes(buf[:2], "big")
                m = dns.message.from_wire(buf[2:2 + n], one_rr_per_rrset=True)
                buf = buf[2 + n:]
                assert m.id == q.id
                for rrset in m.answer:
                    for rd in rrset:
                        out.append((rrset.name.to_text().lower(), rrset.ttl, rrset.rdtype,
                                    rd.to_text()))
    return out


def zone_diff(nsfleet, old, new):
    """`nsfleet zone diff OLD NEW` as [(sign, name, ttl, type, rdata text)]."""
    p = subprocess.run([str(nsfleet), "zone", "diff", str(old), str(new)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode in (0, 1), p.stderr
    out = []
    for line in p.stdout.splitlines():
        sign, rest = line[0], line[1:]
        name, ttl, _cls, rtype, rdata = rest.split(None, 4)
        rr = dns.rrset.from_text(name, int(ttl), "IN", rtype, rdata)
        out.append((sign, name.lower(), int(ttl), rr.rdtype, rr[0].to_text()))
    return out


def split_ixfr(rrs):
    """An incremental IXFR answer as a list of changesets [(removed, added)],
    each a list of (sign, name, ttl, type, rdata) with the SOAs in place."""
    assert rrs[0][2] == dns.rdatatype.SOA and rrs[-1] == rrs[0], rrs
    body = rrs[1:-1]
    out, cur, sign = [], None, None
    for rr in body:
        if rr[2] == dns.rdatatype.SOA:
            if sign in (None, "+"):
                cur = []
                out.append(cur)
                sign = "-"
            else:
                sign = "+"
        cur.append((sign, *rr))
    return out


def wait_serial(s, serial, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if s.soa_serial() == serial:
            return
        time.sleep(0.05)
    pytest.fail(f"serial {serial} not served:\n{s.log()}", pytrace=False)


def test_ixfr_from_journal_matches_zone_diff(primary, nsfleet, tmp_path):
    s = primary(policy="keep")
    old_copy = tmp_path / "v1" / "example.com.zone"
    old_copy.parent.mkdir()
    shutil.copy(s.zone, old_copy)
    assert s.soa_serial() == 2024010101
    # add, delete, change (TTL and rdata), bump the serial
    with open(s.zone, "a") as f:
        f.write("added 300 IN A 192.0.2.77\nadded 300 IN TXT \"new\"\n")
    edit(s.zone, r"^(\s+IN\s+MX\s+20 mail\.example\.net\.)$", "")
    edit(s.zone, r"^(\s+IN\s+TXT\s+)\"v=spf1[^\n]*$", r'\1"v=spf1 -all"')
    set_serial(s.zone, 2024010102)
    v2 = tmp_path / "v2" / "example.com.zone"
    v2.parent.mkdir()
    shutil.copy(s.zone, v2)
    s.signal(signal.SIGHUP)
    wait_serial(s, 2024010102)
    # an SOA-only change: refresh and serial
    edit(s.zone, r"^(\s+)7200(\s+; refresh)", r"\g<1>7201\2")
    set_serial(s.zone, 2024010103)
    v3 = tmp_path / "v3" / "example.com.zone"
    v3.parent.mkdir()
    shutil.copy(s.zone, v3)
    rc, out, err = ctl(nsfleet, s.ctl_sock, "reload")
    assert (rc, out) == (0, "OK reloaded 1 zones\n"), (out, err, s.log())
    assert s.soa_serial() == 2024010103

    d12 = zone_diff(nsfleet, old_copy, v2)
    d23 = zone_diff(nsfleet, v2, v3)
    assert len(d12) > 4 and len(d23) == 2
    # IXFR from the first serial: both changesets, in order, exactly the diffs
    for reader in (ixfr, ixfr_raw):
        rrs = reader(s.port, 2024010101)
        assert split_ixfr(rrs) == [d12, d23], s.log()
    # from the middle: the last changeset only
    assert split_ixfr(ixfr_raw(s.port, 2024010102)) == [d23]
    s.wait_log(r"IXFR out: zone example\.com\., peer 127\.0\.0\.1@\d+, serial 2024010101 -> "
               r"2024010103, .*incremental, 2 changesets from the journal")
    # an unknown serial: the full zone (AXFR-style, the SOA first and last)
    full = ixfr_raw(s.port, 2024010001)
    axfr = [(rr[0], rr[1], rr[2], rr[3]) for rr in full]
    assert axfr[0] == axfr[-1] and axfr[0][2] == dns.rdatatype.SOA
    assert len(full) == 1 + sum(1 for line in v3.read_text().splitlines()
                                if re.match(r"^\S*\s+(\d+\s+)?IN\s", line)) or len(full) > 40
    s.wait_log(r"IXFR out: .*serial 2024010001 -> 2024010103, .*full zone \(serial not in "
               r"the journal")
    # at the current serial: our SOA alone
    cur = ixfr_raw(s.port, 2024010103)
    assert len(cur) == 1 and cur[0][2] == dns.rdatatype.SOA and " 2024010103 " in cur[0][3]
    s.wait_log(r"up to date \(our SOA alone\)")


def test_journal_survives_restart(primary, nsfleet, tmp_path):
    s = primary(policy="keep")
    with open(s.zone, "a") as f:
        f.write("added 300 IN A 192.0.2.77\n")
    set_serial(s.zone, 2024010102)
    s.signal(signal.SIGHUP)
    wait_serial(s, 2024010102)
    assert s.stop() == 0
    s2 = primary(policy="keep", zone_text=s.zone.read_text())
    rrs = ixfr_raw(s2.port, 2024010101)
    assert ("added.example.com.", 300, dns.rdatatype.A, "192.0.2.77") in rrs
    assert len(split_ixfr(rrs)) == 1


def test_restart_never_serves_an_older_serial(primary, nsfleet):
    """increment served 2024010102 for a file that says 2024010101; after a
    restart the zone must not go back to 2024010101 (a secondary holding
    2024010102 would never take it, RFC 1982): it is served past it."""
    s = primary(policy="increment")
    with open(s.zone, "a") as f:
        f.write("added 300 IN A 192.0.2.77\n")
    rc, out, _ = ctl(nsfleet, s.ctl_sock, "reload")
    assert rc == 0, out
    assert s.soa_serial() == 2024010102
    assert s.stop() == 0
    s2 = primary(policy="increment", zone_text=s.zone.read_text())
    assert s2.soa_serial() == 2024010103
    assert "192.0.2.77" in s2.query("added.example.com.", "A").to_text()
    s2.wait_log(r"served serial 2024010102 before, the file has 2024010101: serving it as "
                r"serial 2024010103")


def test_keep_policy_refuses_unchanged_serial(primary, nsfleet):
    s = primary(policy="keep")
    with open(s.zone, "a") as f:
        f.write("added 300 IN A 192.0.2.77\n")
    rc, out, _ = ctl(nsfleet, s.ctl_sock, "reload")
    assert rc == 1 and "serial did not increase" in out, out
    assert "keeping serial 2024010101" in out
    assert s.soa_serial() == 2024010101
    assert "192.0.2.77" not in s.query("added.example.com.", "A").to_text()
    # nothing but whitespace changed: nothing to do, no error
    shutil.copy(EXAMPLE, s.zone)
    with open(s.zone, "a") as f:
        f.write("\n; a comment\n")
    rc, out, _ = ctl(nsfleet, s.ctl_sock, "reload")
    assert (rc, out) == (0, "OK reloaded 1 zones\n")
    assert "reloaded, serial" not in s.log()


def test_increment_policy_bumps_serial(primary, nsfleet):
    s = primary(policy="increment")
    with open(s.zone, "a") as f:
        f.write("added 300 IN A 192.0.2.77\n")
    rc, out, _ = ctl(nsfleet, s.ctl_sock, "reload")
    assert rc == 0, out
    assert s.soa_serial() == 2024010102
    assert "192.0.2.77" in s.query("added.example.com.", "A").to_text()
    s.wait_log(r"reloaded, serial 2024010102 \(was 2024010101; 2024010101 in the file")
    # the file unchanged again: nothing (the file's serial is the last one seen)
    rc, out, _ = ctl(nsfleet, s.ctl_sock, "reload")
    assert rc == 0 and s.soa_serial() == 2024010102
    # another edit, serial still untouched in the file: +1 again
    with open(s.zone, "a") as f:
        f.write("added2 300 IN A 192.0.2.78\n")
    rc, out, _ = ctl(nsfleet, s.ctl_sock, "reload")
    assert rc == 0 and s.soa_serial() == 2024010103
    # IXFR carries the server's serials
    cs = split_ixfr(ixfr_raw(s.port, 2024010101))
    assert [c[0][4].split()[2] for c in cs] == ["2024010101", "2024010102"]
    assert [c[1][4].split()[2] for c in cs] == ["2024010102", "2024010103"]


@pytest.mark.parametrize("policy", ["keep", "increment"])
def test_serial_backwards_refused(primary, nsfleet, policy):
    s = primary(policy=policy)
    with open(s.zone, "a") as f:
        f.write("added 300 IN A 192.0.2.77\n")
    set_serial(s.zone, 2024010001)
    rc, out, _ = ctl(nsfleet, s.ctl_sock, "reload")
    assert rc == 1 and "serial went backwards (2024010001, served 2024010101)" in out, out
    assert s.soa_serial() == 2024010101


SMALL = ("$TTL 300\n@ SOA ns1 hostmaster 5 7200 3600 1209600 300\n"
         "@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.2\n")


@pytest.mark.parametrize("policy", ["unixtime", "dateserial"])
def test_unixtime_and_dateserial(primary, nsfleet, policy):
    s = primary(policy=policy, zone_text=SMALL)
    assert s.soa_serial() == 5  # the file's serial at startup
    with open(s.zone, "a") as f:
        f.write("added 300 IN A 192.0.2.77\n")
    before = int(time.time())
    rc, out, _ = ctl(nsfleet, s.ctl_sock, "reload")
    after = int(time.time())
    assert rc == 0, out
    got = s.soa_serial()
    if policy == "unixtime":
        assert before <= got <= after
    else:
        days = {time.strftime("%Y%m%d", time.gmtime(t)) for t in (before, after)}
        assert str(got)[:8] in days and str(got)[8:] == "00"
    # a second change within the same second / day: + 1
    with open(s.zone, "a") as f:
        f.write("added2 300 IN A 192.0.2.78\n")
    rc, out, _ = ctl(nsfleet, s.ctl_sock, "reload")
    assert rc == 0 and s.soa_serial() in (got + 1, int(time.time()))


def test_shrink_guard_and_force(primary, nsfleet):
    s = primary(policy="keep")
    tiny = ("$TTL 300\n@ SOA ns1 hostmaster 2024010102 7200 3600 1209600 300\n"
            "@ NS ns1\nns1 A 192.0.2.1\n")
    s.zone.write_text(tiny)
    rc, out, _ = ctl(nsfleet, s.ctl_sock, "reload")
    assert rc == 1 and "more than 50 % gone" in out and "--force" in out, out
    assert s.soa_serial() == 2024010101
    assert s.query("www.example.com.", "A").answer
    rc, out, err = ctl(nsfleet, s.ctl_sock, "reload", "--force")
    assert (rc, out) == (0, "OK reloaded 1 zones\n"), (out, err)
    assert s.soa_serial() == 2024010102
    rc, out, err = ctl(nsfleet, s.ctl_sock, "reload", "--force", "example.com")
    assert rc == 0, (out, err)
