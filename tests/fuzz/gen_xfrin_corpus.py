#!/usr/bin/python3
"""Writes the seed corpus of tests/fuzz/fuzz_xfrin.c (corpus/xfrin/) with
dnspython (Debian's /usr/bin/python3): valid AXFR and IXFR streams and
broken ones, in fuzz_xfrin's input format (a flags byte, then messages
each behind a big-endian u16 length; id 0x4242; the secondary holds
example.com. serial 1).

    /usr/bin/python3 tests/fuzz/gen_xfrin_corpus.py
"""

import struct
from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.rdatatype
import dns.rrset

OUT = Path(__file__).resolve().parent / "corpus" / "xfrin"
ZONE = "example.com."
ID = 0x4242
IXFR, NOZONE = 1, 2


def soa(serial):
    return dns.rrset.from_text(ZONE, 300, "IN", "SOA",
                               f"ns1.example.com. h.example.com. {serial} 3600 600 86400 300")


def rr(name, rdtype, text):
    return dns.rrset.from_text(name, 300, "IN", rdtype, text)


BODY = [rr(ZONE, "NS", "ns1.example.com."), rr("ns1.example.com.", "A", "192.0.2.1"),
        rr("www.example.com.", "A", "192.0.2.2"), rr("mail.example.com.", "MX", "10 www.example.com."),
        rr("t.example.com.", "TXT", "\"hello\" \"world\"")]


def msg(rrsets, qtype="AXFR", question=True):
    m = dns.message.Message(id=ID)
    m.flags = dns.flags.QR | dns.flags.AA
    if question:
        m.question.append(dns.rrset.RRset(dns.name.from_text(ZONE), 1,
                                          dns.rdatatype.from_text(qtype)))
    for s in rrsets:
        m.answer.append(s)
    return m.to_wire()


def stream(flags, wires):
    return bytes([flags]) + b"".join(struct.pack("!H", len(w)) + w for w in wires)


SEEDS = {
    "axfr-one": stream(NOZONE, [msg([soa(2)] + BODY + [soa(2)])]),
    "axfr-three": stream(0, [msg([soa(2)]), msg(BODY, question=False),
                             msg([soa(2)], question=False)]),
    "ixfr-two-changesets": stream(IXFR, [msg([soa(3), soa(1), rr("www.example.com.", "A",
                                  "192.0.2.2"), soa(2), rr("www.example.com.", "A", "192.0.2.3"),
                                  soa(2), soa(3), rr("new.example.com.", "AAAA", "2001:db8::1"),
                                  soa(3)], "IXFR")]),
    "ixfr-axfr-style": stream(IXFR, [msg([soa(2)] + BODY + [soa(2)], "IXFR")]),
    "ixfr-up-to-date": stream(IXFR, [msg([soa(1)], "IXFR")]),
    "bad-out-of-zone": stream(0, [msg([soa(2)] + BODY + [rr("evil.example.org.", "A",
                                                           "192.0.2.66"), soa(2)])]),
    "bad-first-not-soa": stream(0, [msg(BODY + [soa(2)])]),
    "bad-ixfr-absent": stream(IXFR, [msg([soa(2), soa(1), rr("no.example.com.", "A",
                              "192.0.2.9"), soa(2), soa(2)], "IXFR")]),
    "bad-truncated": stream(0, [msg([soa(2)] + BODY)]),
}
# a compression pointer to itself, and an rdata length past the end
LOOP = struct.pack("!HHHHHH", ID, 0x8400, 0, 1, 0, 0) + b"\xc0\x0c" + \
    struct.pack("!HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, 9])
SEEDS["bad-pointer-loop"] = stream(0, [msg([soa(2)]), LOOP])
LONG = struct.pack("!HHHHHH", ID, 0x8400, 0, 1, 0, 0) + b"\x01x" + dns.name.from_text(
    ZONE).to_wire() + struct.pack("!HHIH", 1, 1, 300, 200) + bytes([192, 0, 2, 9])
SEEDS["bad-rdlength"] = stream(0, [msg([soa(2)]), LONG])

OUT.mkdir(parents=True, exist_ok=True)
for name, data in SEEDS.items():
    (OUT / name).write_bytes(data)
print(f"{len(SEEDS)} seeds in {OUT}")
