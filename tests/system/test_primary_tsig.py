"""TSIG on transfers out (RFC 8945): an acl that names a key needs a
request signed with it; every response message is signed and dnspython
verifies the whole stream (AXFR and IXFR from the journal)."""

import base64
import signal

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import pytest

from conftest import nsfleet  # noqa: F401
from nsfleetd_harness import frame, nsfleetd_bin, recv_msg, tcp_connect  # noqa: F401
from test_primary_reload import big_zone_text, primary, set_serial, wait_serial  # noqa: F401

SECRET = base64.b64encode(b"nsfleet-xfr-test-secret-32bytes!").decode()
OTHER = base64.b64encode(b"another-secret-of-32-bytes-long!").decode()
KEYS = f"""key:
  - id: xfr-key
    algorithm: hmac-sha256
    secret: "{SECRET}"
"""
ACL_WITH_KEY = """acl:
  - id: xfr-signed
    address: [ "127.0.0.1/32" ]
    key: xfr-key
    action: [ transfer ]
"""


def start(primary, **kw):
    # the zone's acl list names both: the unkeyed one of write_conf and ours
    return primary(policy="keep", top=KEYS, acl_extra=ACL_WITH_KEY, acl_ids="[ xfr-signed ]",
                   **kw)


def test_signed_axfr_and_ixfr_verified(primary, nsfleet):
    s = start(primary, zone_text=big_zone_text(3000))
    ring = dns.tsigkeyring.from_text({"xfr-key.": ("hmac-sha256", SECRET)})
    msgs = list(dns.query.xfr("127.0.0.1", "example.com.", port=s.port, timeout=10,
                              keyring=ring, keyname="xfr-key.", relativize=False))
    assert len(msgs) > 1 and all(m.had_tsig for m in msgs)
    s.wait_log(r"AXFR out: zone example\.com\., .*, TSIG$")
    with open(s.zone, "a") as f:
        f.write("added 300 IN A 192.0.2.77\n")
    set_serial(s.zone, 2)
    s.signal(signal.SIGHUP)
    wait_serial(s, 2)
    msgs = list(dns.query.xfr("127.0.0.1", "example.com.", rdtype=dns.rdatatype.IXFR,
                              serial=1, port=s.port, timeout=10, keyring=ring,
                              keyname="xfr-key.", relativize=False))
    assert all(m.had_tsig for m in msgs)
    assert "192.0.2.77" in "".join(m.to_text() for m in msgs)
    s.wait_log(r"IXFR out: .*serial 1 -> 2, .*TSIG, incremental, 1 changesets")


def test_unsigned_refused_and_bad_key_notauth(primary, nsfleet):
    s = start(primary, zone_text=big_zone_text(10))
    q = dns.message.make_query("example.com.", "AXFR")
    with tcp_connect(s.port) as c:
        c.sendall(frame(q))
        assert recv_msg(c).rcode() == dns.rcode.REFUSED
    s.wait_log(r"AXFR out refused: .*not allowed by the ACL")
    q = dns.message.make_query("example.com.", "AXFR")
    q.use_tsig(dns.tsigkeyring.from_text({"xfr-key.": ("hmac-sha256", OTHER)}),
               keyname="xfr-key.")
    with tcp_connect(s.port) as c:
        w = q.to_wire()
        c.sendall(len(w).to_bytes(2, "big") + w)
        n = int.from_bytes(c.recv(2), "big")
        data = b""
        while len(data) < n:
            data += c.recv(n - len(data))
    # dnspython raises on the error TSIG the server sent: BADSIG
    with pytest.raises(dns.tsig.PeerBadSignature):
        dns.message.from_wire(data, keyring=q.keyring, request_mac=q.mac)
    assert data[3] & 0x0f == dns.rcode.NOTAUTH
    s.wait_log(r"AXFR out refused: .*TSIG does not verify")
