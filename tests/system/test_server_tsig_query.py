"""Queries signed with TSIG (RFC 8945 §5.3): a signed SOA or A query gets
an answer signed with the same key, over UDP and TCP; an unknown key gets
NOTAUTH/BADKEY, a wrong secret NOTAUTH/BADSIG, a clock far off BADTIME,
each with the error TSIG; an unsigned query still gets a plain answer.
Secondaries (BIND, Knot, our own) sign their SOA checks this way."""

import base64
import socket
import time

import dns.message
import dns.query
import dns.rcode
import dns.tsig
import dns.tsigkeyring
import pytest

from conftest import nsfleet  # noqa: F401
from nsfleetd_harness import nsfleetd_bin  # noqa: F401
from test_primary_reload import big_zone_text, primary  # noqa: F401

SECRET = base64.b64encode(b"nsfleet-query-test-secret-32byte").decode()
OTHER = base64.b64encode(b"another-secret-of-32-bytes-long!").decode()
KEYS = f"""key:
  - id: q-key
    algorithm: hmac-sha256
    secret: "{SECRET}"
  - id: q-key-512
    algorithm: hmac-sha512
    secret: "{OTHER}"
"""


@pytest.fixture
def server(primary):
    return primary(policy="keep", top=KEYS, zone_text=big_zone_text(20))


def ring(name, alg, secret):
    return dns.tsigkeyring.from_text({name: (alg, secret)})


@pytest.mark.parametrize("tcp", [False, True])
@pytest.mark.parametrize("key", [("q-key.", "hmac-sha256", SECRET),
                                 ("q-key-512.", "hmac-sha512", OTHER)])
def test_signed_query_signed_answer(server, tcp, key):
    for qname, qtype in (("example.com.", "SOA"), ("h1.example.com.", "A"),
                         ("nope.example.com.", "A")):
        q = dns.message.make_query(qname, qtype)
        q.use_tsig(ring(key[0], key[1], key[2]),
                   keyname=key[0])
        send = dns.query.tcp if tcp else dns.query.udp
        # dnspython verifies the answer's TSIG with the request MAC and
        # raises if it is missing or wrong
        r = send(q, "127.0.0.1", port=server.port, timeout=5)
        assert r.had_tsig
        assert r.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN)
        assert r.answer or r.authority


def raw_answer(server, q, wire=None):
    """The answer's octets, unverified (dnspython raises on TSIG errors
    when it parses them, which is what the tests check)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(wire or q.to_wire(), ("127.0.0.1", server.port))
        return s.recvfrom(65535)[0]


def test_unknown_key_badkey(server):
    q = dns.message.make_query("example.com.", "SOA")
    q.use_tsig(ring("no-such-key.", "hmac-sha256", SECRET), keyname="no-such-key.")
    with pytest.raises(dns.tsig.PeerBadKey):
        dns.message.from_wire(raw_answer(server, q), keyring=q.keyring, request_mac=q.mac)


def test_wrong_secret_badsig(server):
    q = dns.message.make_query("example.com.", "SOA")
    q.use_tsig(ring("q-key.", "hmac-sha256", OTHER), keyname="q-key.")
    with pytest.raises(dns.tsig.PeerBadSignature):
        dns.message.from_wire(raw_answer(server, q), keyring=q.keyring, request_mac=q.mac)


def test_clock_skew_badtime(server, monkeypatch):
    q = dns.message.make_query("example.com.", "SOA")
    q.use_tsig(ring("q-key.", "hmac-sha256", SECRET), keyname="q-key.")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 3600)
    wire = q.to_wire()
    monkeypatch.setattr(time, "time", real)
    answer = raw_answer(server, q, wire)
    with pytest.raises(dns.tsig.PeerBadTime):
        dns.message.from_wire(answer, keyring=q.keyring, request_mac=q.mac)


def test_unsigned_query_plain_answer(server):
    q = dns.message.make_query("example.com.", "SOA")
    r = dns.query.udp(q, "127.0.0.1", port=server.port, timeout=5)
    assert not r.had_tsig
    assert r.rcode() == dns.rcode.NOERROR and r.answer
