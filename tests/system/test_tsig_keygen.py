"""`nsfleet tsig-keygen` and TSIG interoperability with dnspython.

- The output is YAML whose `key:` section nsfleetd accepts
  (`nsfleetd -c FILE --check-config` on the output alone), whose BIND
  snippet named-checkconf accepts and whose Knot snippet `knotc conf-check`
  accepts; each checker also rejects a broken secret, so the checks bite.
- The secret is random and as long as the algorithm's hash.
- Bad names and algorithms (hmac-md5 included) exit 2 with a message.
- Messages signed by src/dns/tsig.c (written by `test_tsig --emit DIR`,
  the unit test program, Time Signed 1700000000) verify with dnspython:
  queries for every algorithm, and a 3-message AXFR-like answer to the
  dnspython-signed request tests/fuzz/corpus/tsig/q-axfr.bin.
"""

import base64
import os
import shutil
import subprocess
import time
from pathlib import Path

import dns.message
import dns.name
import dns.tsig
import pytest
import yaml

from conftest import REPO, TIMEOUT, nsfleet_path
from nsfleetd_harness import nsfleetd_path

ALGS = {
    "hmac-sha1": 20,
    "hmac-sha224": 28,
    "hmac-sha256": 32,
    "hmac-sha384": 48,
    "hmac-sha512": 64,
}
FIX_TIME = 1700000000
SECRET = bytes(range(1, 33))  # tests/unit/test_tsig.c's key "xfr-key."


def keygen(nsfleet, *args):
    return subprocess.run(
        [str(nsfleet), "tsig-keygen", *args], capture_output=True, text=True, timeout=TIMEOUT
    )


def snippet(out, header):
    """The commented snippet after the line `# <header>`, uncommented."""
    lines = out.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("# " + header))
    body = []
    for l in lines[start + 1 :]:
        if not l.startswith("#"):
            break
        body.append(l[2:] if l.startswith("# ") else l[1:])
    return "\n".join(body) + "\n"


@pytest.mark.parametrize("alg", sorted(ALGS))
def test_yaml_key_block(nsfleet, alg):
    r = keygen(nsfleet, "xfr.example.com", "--algorithm", alg)
    assert r.returncode == 0, r.stderr
    doc = yaml.safe_load(r.stdout)
    assert list(doc) == ["key"]
    (key,) = doc["key"]
    assert key["id"] == "xfr.example.com"
    assert key["algorithm"] == alg
    secret = base64.b64decode(key["secret"], validate=True)
    assert len(secret) == ALGS[alg]
    # the same secret in the BIND and Knot snippets
    assert f'secret "{key["secret"]}";' in snippet(r.stdout, "BIND")
    assert f"secret: {key['secret']}" in snippet(r.stdout, "Knot")


def test_default_algorithm_and_randomness(nsfleet):
    a = yaml.safe_load(keygen(nsfleet, "xfr").stdout)["key"][0]
    b = yaml.safe_load(keygen(nsfleet, "xfr").stdout)["key"][0]
    assert a["algorithm"] == "hmac-sha256"
    assert a["id"] == "xfr"
    assert a["secret"] != b["secret"]


def test_nsfleetd_accepts_output(nsfleet, tmp_path):
    nsfleetd = nsfleetd_path()
    assert nsfleetd.is_file(), f"nsfleetd not built: {nsfleetd}"
    r = keygen(nsfleet, "xfr")
    conf = tmp_path / "k.yaml"
    conf.write_text(r.stdout)
    c = subprocess.run(
        [str(nsfleetd), "-c", str(conf), "--check-config"],
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert c.returncode == 0, c.stdout + c.stderr
    # the control: a broken secret is refused
    conf.write_text(r.stdout.replace('secret: "', 'secret: "!!', 1))
    c = subprocess.run(
        [str(nsfleetd), "-c", str(conf), "--check-config"],
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert c.returncode != 0


@pytest.mark.parametrize("alg", ["hmac-sha256", "hmac-sha512"])
def test_named_checkconf_accepts_bind_snippet(nsfleet, tmp_path, alg):
    checkconf = shutil.which("named-checkconf")
    assert checkconf, "named-checkconf (bind9) is not installed"
    r = keygen(nsfleet, "xfr.example.com", "-a", alg)
    conf = snippet(r.stdout, "BIND")
    assert conf.startswith('key "xfr.example.com" {')
    (tmp_path / "named.conf").write_text(conf)
    c = subprocess.run([checkconf, str(tmp_path / "named.conf")], capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert c.returncode == 0, c.stdout + c.stderr
    (tmp_path / "bad.conf").write_text(conf.replace('secret "', 'secret "!!', 1))
    c = subprocess.run([checkconf, str(tmp_path / "bad.conf")], capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert c.returncode != 0


def test_knotc_accepts_knot_snippet(nsfleet, tmp_path):
    knotc = shutil.which("knotc") or "/usr/sbin/knotc"
    assert os.access(knotc, os.X_OK), "knotc (knot) is not installed"
    r = keygen(nsfleet, "xfr")
    conf = snippet(r.stdout, "Knot")
    (tmp_path / "knot.conf").write_text(conf)
    c = subprocess.run([knotc, "-c", str(tmp_path / "knot.conf"), "conf-check"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert c.returncode == 0, c.stdout + c.stderr
    (tmp_path / "bad.conf").write_text(conf.replace("secret: ", "secret: !!", 1))
    c = subprocess.run([knotc, "-c", str(tmp_path / "bad.conf"), "conf-check"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert c.returncode != 0


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "usage"),
        (["a..b"], "bad key name"),
        (["."], "bad key name"),
        (["x" * 64], "bad key name"),
        (["xfr", "--algorithm", "hmac-sha3"], "unknown algorithm"),
        (["xfr", "--algorithm", "hmac-md5"], "must not be used"),
        (["xfr", "--algorithm"], "needs a value"),
        (["xfr", "--bogus"], "unknown option"),
        (["xfr", "other"], "one key name only"),
    ],
)
def test_bad_arguments(nsfleet, args, message):
    r = keygen(nsfleet, *args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert message in r.stderr


def test_in_main_usage(nsfleet):
    r = subprocess.run([str(nsfleet), "--help"], capture_output=True, text=True, timeout=TIMEOUT)
    assert "tsig-keygen" in r.stdout


# ------------------------------------------------- our signatures, dnspython


def tsig_program():
    env = os.environ.get("NSF_TEST_TSIG")
    return Path(env) if env else nsfleet_path().parents[2] / "tests" / "unit" / "test_tsig"


@pytest.fixture
def emitted(tmp_path, monkeypatch):
    prog = tsig_program()
    if not prog.is_file():
        pytest.fail(f"test_tsig not built: {prog} (set NSF_TEST_TSIG)", pytrace=False)
    r = subprocess.run([str(prog), "--emit", str(tmp_path)], capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    monkeypatch.setattr(time, "time", lambda: FIX_TIME)  # dnspython checks the time
    return tmp_path


def keyring(alg):
    name = dns.name.from_text("xfr-key.")
    return {name: dns.tsig.Key(name, SECRET, dns.name.from_text(alg))}


@pytest.mark.parametrize("alg", sorted(ALGS))
def test_dnspython_verifies_our_queries(emitted, alg):
    wire = (emitted / f"q-{alg}.bin").read_bytes()
    m = dns.message.from_wire(wire, keyring=keyring(alg))
    assert m.had_tsig
    assert m.keyalgorithm == dns.name.from_text(alg)
    # and a changed octet is caught
    bad = bytearray(wire)
    bad[-20] ^= 1
    with pytest.raises(dns.tsig.BadSignature):
        dns.message.from_wire(bytes(bad), keyring=keyring(alg))


def test_dnspython_verifies_our_axfr(emitted):
    kr = keyring("hmac-sha256")
    q = dns.message.from_wire(
        (REPO / "tests" / "fuzz" / "corpus" / "tsig" / "q-axfr.bin").read_bytes(), keyring=kr
    )
    ctx = None
    for i in range(1, 4):
        m = dns.message.from_wire((emitted / f"axfr-{i}.bin").read_bytes(), keyring=kr,
                                  request_mac=q.mac, tsig_ctx=ctx, multi=True)
        assert m.had_tsig
        assert m.id == q.id
        ctx = m.tsig_ctx
