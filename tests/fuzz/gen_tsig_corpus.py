#!/usr/bin/python3
"""Writes the TSIG fixtures of tests/unit/test_tsig.c, which are also the
seed corpus of tests/fuzz/fuzz_tsig.c, with dnspython (Debian's
/usr/bin/python3).  Time is fixed at TIME so that the output is the same on
every run; the C test verifies with now = the message's Time Signed.

    /usr/bin/python3 tests/fuzz/gen_tsig_corpus.py

Key: name "xfr-key.", secret bytes 1..32, every algorithm (the C test's
keyring holds the same).
"""

import time
from pathlib import Path

import dns.message
import dns.rrset
import dns.tsig
import dns.tsigkeyring

TIME = 1700000000
time.time = lambda: TIME  # dnspython signs with int(time.time())

OUT = Path(__file__).resolve().parent / "corpus" / "tsig"
KEYNAME = "xfr-key."
SECRET = bytes(range(1, 33))
ALGS = {
    "hmac-md5": dns.tsig.HMAC_MD5,
    "hmac-sha1": dns.tsig.HMAC_SHA1,
    "hmac-sha224": dns.tsig.HMAC_SHA224,
    "hmac-sha256": dns.tsig.HMAC_SHA256,
    "hmac-sha384": dns.tsig.HMAC_SHA384,
    "hmac-sha512": dns.tsig.HMAC_SHA512,
}


def key(alg):
    return {dns.name.from_text(KEYNAME): dns.tsig.Key(KEYNAME, SECRET, ALGS[alg])}


def query(alg, qtype="SOA"):
    q = dns.message.make_query("example.com.", qtype, id=0x1234, use_edns=False)
    q.use_tsig(key(alg), KEYNAME, algorithm=ALGS[alg])
    return q.to_wire()


def write(name, wire):
    (OUT / (name + ".bin")).write_bytes(wire)


def soa_rrset():
    return dns.rrset.from_text(
        "example.com.", 3600, "IN", "SOA", "ns1.example.com. admin.example.com. 1 7200 3600 1209600 300"
    )


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for alg in ALGS:
        write("q-" + alg, query(alg))

    # a response to q-hmac-sha256, with the request MAC in its digest
    kr = key("hmac-sha256")
    qwire = query("hmac-sha256")
    q = dns.message.from_wire(qwire, keyring=kr)
    r = dns.message.make_response(q)
    r.answer.append(soa_rrset())
    write("r-hmac-sha256", r.to_wire())

    # AXFR-like sequences answering q-axfr: all signed, and signed/unsigned/signed
    qa = dns.message.from_wire(query("hmac-sha256", "AXFR"), keyring=kr)
    write("q-axfr", qa.to_wire())
    for variant in ("signed", "unsigned"):
        ctx = None
        for i in range(3):
            r = dns.message.make_response(qa)
            r.answer.append(
                dns.rrset.from_text("a%d.example.com." % i, 300, "IN", "A", "192.0.2.%d" % (i + 1))
            )
            if variant == "unsigned" and i == 1:
                r.keyring = None
                r.tsig = None
                wire = r.to_wire()
                ctx.update(wire)  # RFC 8945 §4.3.1: unsigned messages join the digest
            else:
                wire = r.to_wire(multi=True, tsig_ctx=ctx)
                ctx = r.tsig_ctx
            write("axfr-%s-%d" % (variant, i + 1), wire)


if __name__ == "__main__":
    main()
