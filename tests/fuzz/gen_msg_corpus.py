#!/usr/bin/python3
"""Seed corpus for tests/fuzz/fuzz_msg.c, made with dnspython.

    /usr/bin/python3 tests/fuzz/gen_msg_corpus.py            # writes corpus/msg/*.bin
    /usr/bin/python3 tests/fuzz/gen_msg_corpus.py --c NAME   # prints one as a C array

The messages are real-world shapes (queries with and without EDNS options,
compressed responses, NXDOMAIN with SOA, a referral with glue, an AXFR-like
message, NOTIFY, UPDATE, TSIG) so the fuzzer starts from inputs that pass
msg_parse and can mutate deep into rdata.  Output is deterministic: fixed
message ids, a fixed TSIG time, seeded shuffling and hash seed.  Needs dnspython (Debian python3-dnspython,
hence /usr/bin/python3).
"""
import os
import random
import sys
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsigkeyring
import dns.update

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "msg")


def q(name, rdtype, id_=0x1234, **kw):
    m = dns.message.make_query(name, rdtype, **kw)
    m.id = id_
    return m


def resp(query, answer=(), authority=(), additional=(), rcode=0, aa=True):
    r = dns.message.make_response(query)
    if aa:
        r.flags |= dns.flags.AA
    r.set_rcode(rcode)
    for sec, rrs in ((r.answer, answer), (r.authority, authority),
                     (r.additional, additional)):
        for owner, ttl, rdtype, *rdatas in rrs:
            sec.append(dns.rrset.from_text(owner, ttl, "IN", rdtype, *rdatas))
    return r


SOA = "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300"


def messages():
    m = {}
    m["query-a"] = q("www.example.com.", "A")
    m["query-aaaa-edns"] = q("www.example.com.", "AAAA", use_edns=0, payload=1232,
                             want_dnssec=True)
    m["query-nsid-cookie"] = q("example.com.", "SOA", use_edns=0, payload=4096, options=[
        dns.edns.GenericOption(dns.edns.NSID, b""),
        dns.edns.GenericOption(dns.edns.COOKIE, bytes(range(1, 9)))])
    m["query-cookie-server"] = q("example.com.", "NS", use_edns=0, payload=1232, options=[
        dns.edns.GenericOption(dns.edns.COOKIE, bytes(range(1, 25)))])
    m["query-ecs"] = q("www.example.com.", "A", use_edns=0, payload=1232, options=[
        dns.edns.ECSOption("192.0.2.0", 24), dns.edns.ECSOption("2001:db8::", 56)])
    m["query-padding"] = q("www.example.com.", "A", use_edns=0, payload=1232, options=[
        dns.edns.GenericOption(dns.edns.PADDING, bytes(20)),
        dns.edns.GenericOption(65001, b"unknown")])
    base = q("www.example.com.", "A", use_edns=0, payload=1232)
    m["resp-a-compressed"] = resp(
        base,
        answer=[("www.example.com.", 300, "A", "192.0.2.1", "192.0.2.2")],
        authority=[("example.com.", 3600, "NS", "ns1.example.com.", "ns2.example.com.")],
        additional=[("ns1.example.com.", 3600, "A", "192.0.2.53"),
                    ("ns2.example.com.", 3600, "AAAA", "2001:db8::53")])
    m["resp-nxdomain-soa"] = resp(q("nope.example.com.", "A", use_edns=0),
                                  authority=[("example.com.", 300, "SOA", SOA)], rcode=3)
    m["resp-referral-glue"] = resp(
        q("www.sub.example.com.", "A"), aa=False,
        authority=[("sub.example.com.", 86400, "NS", "ns1.sub.example.com.",
                    "ns2.sub.example.com.", "ns.other.example.")],
        additional=[("ns1.sub.example.com.", 86400, "A", "192.0.2.10"),
                    ("ns2.sub.example.com.", 86400, "A", "192.0.2.11"),
                    ("ns2.sub.example.com.", 86400, "AAAA", "2001:db8::11")])
    m["resp-mx-srv-naptr"] = resp(
        q("example.com.", "ANY"),
        answer=[("example.com.", 300, "MX", "10 mail.example.com.", "20 mx2.example.net."),
                ("_sip._udp.example.com.", 300, "SRV", "0 5 5060 sip.example.com."),
                ("example.com.", 300, "NAPTR",
                 '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.'),
                ("example.com.", 300, "TXT", '"v=spf1 -all"', '"a" "b c" ""')])
    m["resp-cname-chain"] = resp(
        q("WWW.Example.COM.", "A"),
        answer=[("www.example.com.", 300, "CNAME", "web.example.com."),
                ("web.example.com.", 300, "CNAME", "cdn.example.net."),
                ("cdn.example.net.", 60, "A", "198.51.100.7")])
    m["resp-dnssec"] = resp(
        q("example.com.", "DNSKEY", use_edns=0, want_dnssec=True),
        answer=[("example.com.", 3600, "DNSKEY",
                 "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+"
                 "KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="),
                ("example.com.", 3600, "RRSIG",
                 "DNSKEY 13 2 3600 20240201000000 20240101000000 12345 example.com. "
                 "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+"
                 "v6oB9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQ==")],
        authority=[("example.com.", 300, "NSEC", "a.example.com. NS SOA RRSIG NSEC DNSKEY"),
                   ("example.com.", 300, "DS", "12345 13 2 "
                    "3490A6806D47F17A34C29E2CE80E8A999FFBE4BE3490A6806D47F17A34C29E2C")],
        additional=[])
    axfr = q("example.com.", "AXFR")
    m["axfr-like"] = resp(axfr, answer=[
        ("example.com.", 3600, "SOA", SOA),
        ("example.com.", 3600, "NS", "ns1.example.com.", "ns2.example.com."),
        ("example.com.", 3600, "MX", "10 mail.example.com."),
        ("example.com.", 3600, "TXT", '"hello world"'),
        ("ns1.example.com.", 3600, "A", "192.0.2.53"),
        ("ns2.example.com.", 3600, "A", "192.0.2.54"),
        ("mail.example.com.", 3600, "A", "192.0.2.25"),
        ("mail.example.com.", 3600, "AAAA", "2001:db8::25"),
        ("www.example.com.", 3600, "CNAME", "example.com."),
        ("_xmpp._tcp.example.com.", 3600, "SRV", "5 0 5269 xmpp.example.com."),
        ("1.2.0.192.in-addr.example.com.", 3600, "PTR", "www.example.com."),
        ("example.com.", 3600, "CAA", '0 issue "ca.example.net"'),
        ("example.com.", 3600, "SSHFP", "1 1 dd465c09cfa51fb45020cc83316fff21b9ec74ac"),
        ("_443._tcp.www.example.com.", 3600, "TLSA", "3 1 1 " + "ab" * 32),
        ("example.com.", 3600, "HINFO", '"PC" "Linux"'),
        ("loc.example.com.", 3600, "LOC", "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m"),
        ("example.com.", 3600, "SOA", SOA)])
    r = m["axfr-like"]
    r.question = []  # RFC 5936 §2.2.1: later messages may have no question
    notify = dns.message.make_query("example.com.", "SOA")
    notify.id = 0x4242
    notify.set_opcode(dns.opcode.NOTIFY)
    notify.flags = dns.flags.AA | (notify.flags & ~dns.flags.RD)
    notify.answer.append(dns.rrset.from_text("example.com.", 3600, "IN", "SOA", SOA))
    m["notify"] = notify
    up = dns.update.UpdateMessage("example.com.", id=0x7777)
    up.present("www", "A")
    up.absent("new")
    up.delete("old")
    up.delete("www", "AAAA")
    up.delete("www", "A", "192.0.2.9")
    up.add("new", 300, "A", "192.0.2.100")
    m["update"] = up
    keyring = dns.tsigkeyring.from_text({"xfr-key.": ("hmac-sha256",
                                                      "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0")})
    t = q("example.com.", "AXFR", use_edns=None)
    t.use_tsig(keyring, keyname="xfr-key.")
    m["query-tsig"] = t
    tc = resp(q("big.example.com.", "TXT"))
    tc.flags |= dns.flags.TC
    m["resp-tc-empty"] = tc
    bv = resp(q("example.com.", "SOA", use_edns=0), rcode=dns.rcode.BADVERS)
    m["resp-badvers"] = bv
    ixfr = q("example.com.", "IXFR")
    ixfr.authority.append(dns.rrset.from_text("example.com.", 0, "IN", "SOA", SOA))
    m["query-ixfr"] = ixfr
    m["query-root-ns"] = q(".", "NS", use_edns=0, payload=512)
    m["resp-ch-txt"] = resp(q("version.bind.", "TXT", rdclass="CH"), answer=[])
    m["resp-ch-txt"].answer.append(
        dns.rrset.from_text("version.bind.", 0, "CH", "TXT", '"nsfleet"'))
    return m


def wire(msg):
    random.seed(0)  # dnspython shuffles the rdatas of an RRset when rendering
    return msg.to_wire()


def main():
    # dnspython keeps rdatas in sets, whose order may follow the string hash
    # seed: pin it too
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    real_time = time.time
    time.time = lambda: 1700000000.0  # TSIG time signed: deterministic output
    try:
        msgs = {k: wire(v) for k, v in messages().items()}
    finally:
        time.time = real_time
    if len(sys.argv) == 3 and sys.argv[1] == "--c":
        data = msgs[sys.argv[2]]
        name = sys.argv[2].replace("-", "_").upper()
        print("/* %s: %d octets, from tests/fuzz/gen_msg_corpus.py */" % (sys.argv[2], len(data)))
        print("static const uint8_t %s[] = {" % name)
        for i in range(0, len(data), 12):
            print("\t" + " ".join("0x%02x," % b for b in data[i:i + 12]))
        print("};")
        return
    os.makedirs(OUT, exist_ok=True)
    for i, (k, v) in enumerate(sorted(msgs.items())):
        with open(os.path.join(OUT, "%s.bin" % k), "wb") as f:
            f.write(v)
    print("wrote %d messages to %s" % (len(msgs), OUT))


if __name__ == "__main__":
    main()
