"""nsfleet audit on a signed zone: the fleet of test_audit.py serving
audit.test signed by dnssec-signzone, the parent holding its DS.  A clean
signed fleet gives nothing; then signatures near expiry, a DS that matches
no key, one server with other keys."""

import re
import shutil
import subprocess

import pytest

from audit_util import PARENT_ADDR, PARENT_TEXT, ZONE, Fleet, describe, problems, zone_text


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (bind9-dnsutils / bind9)", pytrace=False)
    return path


def keygen(d):
    d.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([tool("dnssec-keygen"), "-q", "-K", str(d), "-a", "ECDSAP256SHA256",
                        "-f", "KSK", "-n", "ZONE", ZONE], capture_output=True, text=True,
                       timeout=30, check=True)
    return d / (r.stdout.strip() + ".key")


def sign(keyfile, text, tmp, expire="+2592000"):
    """The zone text signed with keyfile (one key signing everything)."""
    tmp.mkdir(parents=True, exist_ok=True)
    src = tmp / "zone.db"
    src.write_text(text)
    out = tmp / "zone.signed"
    subprocess.run([tool("dnssec-signzone"), "-S", "-z", "-K", str(keyfile.parent), "-o", ZONE,
                    "-e", expire, "-f", str(out), str(src)],
                   capture_output=True, text=True, timeout=60, check=True, cwd=tmp)
    return out.read_text()


def ds_of(keyfile):
    r = subprocess.run([tool("dnssec-dsfromkey"), "-2", str(keyfile)], capture_output=True,
                       text=True, timeout=30, check=True)
    # "audit.test. IN DS 12345 13 2 HEX" -> a parent zone line
    m = re.match(r"^audit\.test\.\s+IN\s+DS\s+(.*)$", r.stdout.strip())
    assert m, r.stdout
    return f"audit IN DS {m[1]}\n"


@pytest.fixture
def fleet(tmp_path):
    f = Fleet(tmp_path / "fleet")
    yield f
    f.stop()


def start_signed(fleet, tmp_path, expire="+2592000", ds_key=None, other_on=None):
    key = keygen(tmp_path / "keys")
    signed = sign(key, zone_text(), tmp_path / "sign", expire)
    texts = {k: signed for k in ("nsfleetd", "bind", "knot", "nsd")}
    if other_on:
        other = keygen(tmp_path / "keys2")
        texts[other_on] = sign(other, zone_text(), tmp_path / "sign2", expire)
    ds = ds_of(ds_key(tmp_path) if ds_key else key)
    fleet.start(texts=texts, parent_text=PARENT_TEXT + ds)
    return fleet


def parent_label(fleet):
    return f"parent {PARENT_ADDR}#{fleet.port}"


def test_signed_clean(fleet, tmp_path):
    start_signed(fleet, tmp_path)
    rc, rep, _ = fleet.audit()
    assert problems(rep) == set(), describe(rep)
    assert rc == 0
    assert "no-ds" not in {f["code"] for f in rep["findings"]}


def test_signatures_near_expiry(fleet, tmp_path):
    start_signed(fleet, tmp_path, expire="+259200")  # three days
    rc, rep, _ = fleet.audit()
    labels = tuple(sorted(fleet.label(k) for k in ("nsfleetd", "bind", "knot", "nsd")))
    got = problems(rep)
    # one finding per server, each a warning
    assert {code for code, _ in got} == {"rrsig-expiry"}, describe(rep)
    assert tuple(sorted(s for _, ss in got for s in ss)) == labels, describe(rep)
    assert rc == 1
    assert all(f["severity"] == "warning" for f in rep["findings"]
               if f["code"] == "rrsig-expiry")


def test_signatures_expire_within_a_day(fleet, tmp_path):
    start_signed(fleet, tmp_path, expire="+7200")
    rc, rep, _ = fleet.audit()
    sev = {f["severity"] for f in rep["findings"] if f["code"] == "rrsig-expiry"}
    assert sev == {"error"}, describe(rep)
    assert rc == 2


def test_ds_matches_no_key(fleet, tmp_path):
    start_signed(fleet, tmp_path, ds_key=lambda t: keygen(t / "unused"))
    rc, rep, _ = fleet.audit()
    assert problems(rep) == {("ds-no-match", (parent_label(fleet),))}, describe(rep)
    assert rc == 2


def test_one_server_with_other_keys(fleet, tmp_path):
    start_signed(fleet, tmp_path, other_on="nsd")
    rc, rep, _ = fleet.audit()
    assert problems(rep) == {("dnskey-differ", (fleet.label("nsd"),))}, describe(rep)
    assert rc == 2
