"""nsfleet audit against a real fleet: nsfleetd, BIND, Knot and NSD serving
one zone on four loopback networks, a parent (nsfleetd) delegating to them
(audit_util.py).  A clean fleet gives no error and no warning; then one
fault at a time, and the audit must report exactly that fault on exactly
that server."""

import subprocess

import pytest

from audit_util import (PARENT_ADDR, PARENT_TEXT, SERIAL, ZONE, Fleet, describe, nsfleet_bin,
                        problems, zone_text)

OTHER_ZONE = """$ORIGIN other.test.
$TTL 300
@ IN SOA ns1 hostmaster 1 3600 900 1209600 300
@ IN NS ns1
ns1 IN A 127.4.0.1
"""


@pytest.fixture
def fleet(tmp_path):
    f = Fleet(tmp_path)
    yield f
    f.stop()


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    f = Fleet(tmp_path_factory.mktemp("clean"))
    try:
        f.start()
        yield f
    finally:
        f.stop()


def expect(f, rc_want, want, *extra):
    rc, rep, _ = f.audit(*extra)
    got = problems(rep)
    want = {(code, tuple(sorted(f.label(k) for k in kinds))) for code, kinds in want}
    assert got == want, f"findings:\n{describe(rep)}"
    assert rc == rc_want, f"exit {rc}, findings:\n{describe(rep)}"
    return rep


def test_clean_fleet(clean):
    rep = expect(clean, 0, set())
    servers = {s["label"]: s for s in rep["servers"]}
    assert len(servers) == 4, servers
    assert {s["software"] for s in servers.values()} == {"nsfleetd", "BIND", "Knot", "NSD"}
    assert all(s["serial"] == SERIAL and s["authoritative"] for s in servers.values())
    assert all(set(s["from"]) == {"cli", "zone", "parent"} for s in servers.values()), servers
    assert rep["parent"]["answered"] is True
    assert rep["summary"]["errors"] == 0 and rep["summary"]["warnings"] == 0


def test_clean_fleet_without_parent_says_skipped(clean):
    rc, rep, _ = clean.audit(parent=False)
    assert rc == 0, describe(rep)
    codes = {f["code"]: f["severity"] for f in rep["findings"]}
    assert codes.get("parent-skipped") == "info", describe(rep)
    assert rep["parent"] is None


def test_text_report_and_exit_status(clean):
    p = subprocess.run([str(nsfleet_bin()), *clean.audit_args()], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "\033[" not in p.stdout  # no colour when stdout is not a terminal
    assert f"{ZONE}: 0 errors, 0 warnings" in p.stdout
    for name in ("ns1", "ns2", "ns3", "ns4"):
        assert f"{name}.audit.test.@" in p.stdout


@pytest.mark.parametrize("args, message", [
    ([], "which zone"),
    (["audit.test."], "nothing to ask"),
    (["audit.test.", "--ns", "ns1.audit.test"], "NAME@ADDR"),
    (["audit.test.", "--ns", "ns1@300.1.1.1"], "NAME@ADDR"),
    (["audit.test.", "--ns", "ns1@127.0.0.1#0"], "NAME@ADDR"),
    (["audit.test.", "--parent", "nowhere"], "--parent"),
    (["audit.test.", "--ns", "a@127.0.0.1", "--timeout", "x"], "--timeout"),
    (["audit.test.", "--ns", "a@127.0.0.1", "--asn-table", "/nonexistent/asn"], "asn-table"),
    (["audit.test.", "--bogus"], "usage"),
    (["audit.test.", "--ns", "a@127.0.0.1", "--tsig", "nokey"], "--tsig"),
    (["audit.test.", "--ns", "a@127.0.0.1", "--tsig", "hmac-md5:k:c2VjcmV0"], "--tsig"),
])
def test_usage_errors(args, message):
    p = subprocess.run([str(nsfleet_bin()), "audit", *args], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 64, p.stdout + p.stderr
    assert message in p.stderr, p.stderr


def test_stale_serial(fleet):
    fleet.start(texts={"knot": zone_text(serial=SERIAL - 3)})
    rep = expect(fleet, 1, {("serial-lag", ("knot",))})
    msg = next(f["message"] for f in rep["findings"] if f["code"] == "serial-lag")
    assert f"{SERIAL - 3} is 3 behind the newest, {SERIAL}" in msg


def test_lame_server(fleet):
    fleet.start(texts={"nsd": OTHER_ZONE}, origins={"nsd": "other.test."})
    expect(fleet, 2, {("lame-refused", ("nsd",))})


def test_record_changed_on_one_server(fleet):
    fleet.start(texts={"bind": zone_text(www_a="192.0.2.99")})
    rep = expect(fleet, 2, {("record-differ", ("bind",))})
    msg = next(f["message"] for f in rep["findings"] if f["code"] == "record-differ")
    assert "www.audit.test. A" in msg and "192.0.2.99" in msg and "192.0.2.80" in msg, msg


def test_open_axfr(fleet):
    fleet.start(axfr_open=("nsfleetd",))
    rep = expect(fleet, 1, {("axfr-open", ("nsfleetd",))})
    assert [s["axfr_open"] for s in rep["servers"]].count(True) == 1


def test_open_axfr_on_two_servers_compares_whole_zones(fleet):
    # knot and nsd allow AXFR and serve the same zone: no difference found;
    # the whole-zone comparison runs (and the sample from the AXFR is asked
    # of the servers that refuse it)
    fleet.start(axfr_open=("knot", "nsd"))
    expect(fleet, 1, {("axfr-open", ("knot",)), ("axfr-open", ("nsd",))})


def test_open_axfr_zone_differs(fleet):
    text = zone_text() + "extra IN A 192.0.2.200\n"
    fleet.start(texts={"nsd": text}, axfr_open=("knot", "nsd"))
    rep = expect(fleet, 2, {("axfr-open", ("knot",)), ("axfr-open", ("nsd",)),
                            ("zone-differ", ("nsd",))})
    msg = next(f["message"] for f in rep["findings"] if f["code"] == "zone-differ")
    assert "extra.audit.test." in msg, msg


def test_day_ttl_on_www(fleet):
    fleet.start(texts={"nsd": zone_text(www_ttl="86400")})
    rep = expect(fleet, 1, {("ttl-day", ("nsd",)), ("ttl-differ", ("nsd",))})
    msg = next(f["message"] for f in rep["findings"] if f["code"] == "ttl-day")
    assert "www.audit.test. A has TTL 86400" in msg, msg


def test_stopped_server(fleet):
    fleet.start()
    fleet.members["knot"].stop()
    rep = expect(fleet, 2, {("no-answer", ("knot",))})
    knot = next(s for s in rep["servers"] if s["label"] == fleet.label("knot"))
    assert knot["answers"] is False


def test_glue_differs_from_zone(fleet):
    fleet.start(parent_text=PARENT_TEXT.replace("ns3.audit IN A 127.3.0.1",
                                                "ns3.audit IN A 127.3.0.9"))
    rc, rep, _ = fleet.audit()
    parent = f"parent {PARENT_ADDR}#{fleet.port}"
    assert problems(rep) == {("glue-mismatch", (parent,))}, describe(rep)
    assert rc == 2
    msg = next(f["message"] for f in rep["findings"] if f["code"] == "glue-mismatch")
    assert "ns3.audit.test. A 127.3.0.9" in msg and "127.3.0.1" in msg, msg


def test_all_in_one_prefix_is_an_error(fleet):
    # the same fleet seen through one address: every --ns on 127.0.0.1
    fleet.start()
    port = fleet.port
    p = subprocess.run([str(nsfleet_bin()), "audit", ZONE, "--json", "--timeout", "300",
                        "--ns", f"ns2.audit.test@127.0.0.1#{port}",
                        "--ns", f"ns1.audit.test@127.0.0.2#{port}",
                        "--ns", f"ns3.audit.test@127.0.0.3#{port}",
                        "--ns", f"ns4.audit.test@127.0.0.4#{port}"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stdout
    assert '"code": "one-prefix"' in p.stdout, p.stdout


def test_asn_table(clean, tmp_path):
    table = tmp_path / "asn.txt"
    table.write_text("# all loopback in one AS\n127.0.0.0/8 AS64500\n")
    rc, rep, _ = clean.audit("--asn-table", str(table))
    assert rc == 1, describe(rep)
    assert {f["code"] for f in rep["findings"] if f["severity"] == "warning"} == {"one-asn"}
    table.write_text("127.0.0.0/16 64500\n127.1.0.0/16 64501\n127.3.0.0/16 64502\n"
                     "127.4.0.0/16 64503\n")
    rc, rep, _ = clean.audit("--asn-table", str(table))
    assert rc == 0, describe(rep)
    table.write_text("127.0.0.0/8 64500\n127.1.0.0/16 AS-x\n")
    p = subprocess.run([str(nsfleet_bin()), *clean.audit_args(), "--asn-table", str(table)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 64
    assert f"{table}:2:14: bad ASN" in p.stderr, p.stderr


def test_software_by_version_and_by_behaviour(fleet):
    # BIND, Knot and NSD with their versions hidden: still told apart by
    # how they answer odd queries (nsfleetd has no option to hide it)
    fleet.start(hide_version=True)
    rc, rep, _ = fleet.audit()
    assert rc == 0, describe(rep)
    sw = {s["label"]: (s["software"], s["software_by"]) for s in rep["servers"]}
    assert sw == {fleet.label("nsfleetd"): ("nsfleetd", "version.bind"),
                  fleet.label("bind"): ("BIND", "behaviour"),
                  fleet.label("knot"): ("Knot", "behaviour"),
                  fleet.label("nsd"): ("NSD", "behaviour")}, sw


def test_one_implementation_everywhere(fleet):
    # four nsfleetd: the software diversity warning names all of them
    fleet.start(software=["nsfleetd"] * 4)
    rc, rep, _ = fleet.audit()
    assert rc == 1, describe(rep)
    assert problems(rep) == {("one-implementation",
                              tuple(sorted(f"{m.name}@{m.addr}#{fleet.port}"
                                           for m in fleet.members.values())))}, describe(rep)


KEY = ("audit-key", "c2VjcmV0LWtleS1mb3ItdGhlLWF1ZGl0LXRlc3RzLTAxMjM=")


def test_tsig_axfr_compares_whole_zones(fleet):
    # AXFR only with the key everywhere: nothing exposed, the whole zones
    # compared; an extra name on NSD (not among the sampled names) is found
    text = zone_text() + "extra IN A 192.0.2.200\n"
    fleet.start(texts={"nsd": text}, tsig=KEY)
    rep = expect(fleet, 2, {("zone-differ", ("nsd",))}, "--tsig", f"{KEY[0]}:{KEY[1]}")
    assert all(s["axfr_tsig"] and not s["axfr_open"] for s in rep["servers"]), rep["servers"]
    msg = next(f["message"] for f in rep["findings"] if f["code"] == "zone-differ")
    assert "extra.audit.test." in msg, msg
    # without the key the difference goes unseen (only names are sampled)
    expect(fleet, 0, set())
    # a wrong key: every server's whole zone is left out, and said so
    rc, rep, _ = fleet.audit("--tsig", f"hmac-sha256:{KEY[0]}:{'A' * 44}")
    refused = [f for f in rep["findings"] if f["code"] == "axfr-tsig-refused"]
    assert len(refused) == 4 and all(f["severity"] == "info" for f in refused), describe(rep)
    assert rc == 0, describe(rep)


def on_terminal(argv):
    """Runs argv with stdout on a pseudo-terminal: (exit status, output)."""
    import os
    import pty
    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.environ.pop("NO_COLOR", None)
        os.execv(argv[0], argv)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO once the child is gone
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.WEXITSTATUS(status), out


def test_colour_only_on_a_terminal(clean):
    argv = [str(nsfleet_bin()), *clean.audit_args()]
    rc, out = on_terminal(argv)
    assert rc == 0 and b"\033[" in out, out
    rc, out = on_terminal(argv + ["--no-color"])
    assert rc == 0 and b"\033[" not in out and b"0 errors, 0 warnings" in out, out


def test_soa_timers_against_practice(fleet):
    text = zone_text().replace("3600 900 1209600 300", "86400 86400 3600 172800")
    fleet.start(texts={k: text for k in ("nsfleetd", "bind", "knot", "nsd")})
    everyone = ("nsfleetd", "bind", "knot", "nsd")
    rep = expect(fleet, 2, {("soa-refresh", everyone), ("soa-retry-above-refresh", everyone),
                            ("soa-expire-below-refresh", everyone),
                            ("soa-negative-ttl-long", everyone)})
    sev = {f["code"]: f["severity"] for f in rep["findings"]}
    assert sev["soa-expire-below-refresh"] == "error" and sev["soa-refresh"] == "warning"


@pytest.mark.parametrize("change, code, rc_want", [
    # the zone serves a second address for ns3 the parent's glue lacks
    ("zone", "glue-incomplete", 1),
    # the parent has no glue at all for ns3, a name inside the zone
    ("parent", "glue-missing", 2),
])
def test_glue_incomplete_or_missing(fleet, change, code, rc_want):
    if change == "zone":
        text = zone_text().replace("ns3  IN A   127.3.0.1",
                                   "ns3  IN A   127.3.0.1\nns3  IN A   127.3.0.9")
        fleet.start(texts={k: text for k in ("nsfleetd", "bind", "knot", "nsd")})
    else:
        # nsfleetd refuses to serve a delegation without glue: NSD serves it
        fleet.start(parent_text=PARENT_TEXT.replace("ns3.audit IN A 127.3.0.1\n", ""),
                    parent_kind="nsd")
    rc, rep, _ = fleet.audit()
    parent = f"parent {PARENT_ADDR}#{fleet.port}"
    assert problems(rep) == {(code, (parent,))}, describe(rep)
    assert rc == rc_want
    assert "ns3.audit.test." in next(f["message"] for f in rep["findings"] if f["code"] == code)
