#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_journal: changeset records built byte by
byte from doc/journal.md (so they also check the spec), valid and not."""
import struct

def name(text):
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"

def soa(serial):
    return name("ns1.example.com") + name("hostmaster.example.com") + struct.pack(
        ">5I", serial, 3600, 900, 604800, 300)

def rr(owner, rtype, ttl, rdata):
    return name(owner) + struct.pack(">HIH", rtype, ttl, len(rdata)) + rdata

def record(sfrom, sto, removed, added, version=1, flags=None):
    has_from, has_to = sfrom is not None, sto is not None
    if flags is None:
        flags = (1 if has_from else 0) | (2 if has_to else 0)
    out = struct.pack(">BBIIII", version, flags, sfrom or 0, sto or 0, len(removed), len(added))
    if has_from:
        out += rr("example.com", 6, 3600, soa(sfrom))
    if has_to:
        out += rr("example.com", 6, 3600, soa(sto))
    return out + b"".join(removed) + b"".join(added)

A = lambda o, last: rr(o, 1, 3600, bytes([192, 0, 2, last]))
seeds = {
    "empty": record(None, None, [], []),
    "soa-only": record(1, 2, [], []),
    "wrap": record(0xFFFFFFFF, 1, [], []),
    "add-remove": record(10, 11, [A("old.example.com", 1)],
                         [A("new.example.com", 2), A("New.Example.com", 3)]),
    "types": record(5, 6, [rr("example.com", 2, 3600, name("ns1.example.com"))],
                    [rr("mx.example.com", 15, 60, b"\0\x0a" + name("mail.example.com")),
                     rr("t.example.com", 16, 60, b"\x05hello\x05world"),
                     rr("x.example.com", 65280, 60, b"\1\2\3")]),
    "bad-version": record(1, 2, [], [], version=2),
    "bad-count": record(1, 2, [], [])[:14] + b"\xff\xff\xff\xff" + record(1, 2, [], [])[18:],
    "truncated": record(10, 11, [A("old.example.com", 1)], [])[:-2],
}
for k, v in seeds.items():
    with open(f"seed-{k}", "wb") as f:
        f.write(v)
