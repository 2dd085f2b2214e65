#!/usr/bin/python3
# Seed corpus of fuzz_answer: queries for every answer rule of the
# test_answer fixture zone.  Run with /usr/bin/python3 (dnspython):
#   /usr/bin/python3 tests/fuzz/gen_answer_corpus.py tests/fuzz/corpus/answer
import dns.message, dns.edns, os, sys
out = sys.argv[1]
L = "a" * 62
qs = [("www.example.com","A",{}), ("WwW.ExAmPlE.CoM","AAAA",{}), ("example.com","MX",{"want_dnssec":True}),
 ("example.com","NS",{"use_edns":0}), ("example.com","ANY",{}), ("example.com","RRSIG",{"want_dnssec":True}),
 ("example.com","DNSKEY",{"want_dnssec":True}), ("example.com","NSEC3PARAM",{}), ("nothere.example.com","A",{"want_dnssec":True}),
 ("www.example.com","TXT",{"want_dnssec":True}), ("c1.example.com","A",{"want_dnssec":True}), ("loop1.example.com","A",{}),
 ("dangling.example.com","A",{"want_dnssec":True}), ("x.wild.example.com","A",{"want_dnssec":True}),
 ("x.wild.example.com","MX",{"want_dnssec":True}), ("b.wild.example.com","A",{"want_dnssec":True}),
 ("q.b.wild.example.com","A",{"want_dnssec":True}), ("x.cw.example.com","A",{"want_dnssec":True}),
 ("a.dname.example.com","A",{"want_dnssec":True}), (L+".long.example.com","A",{"want_dnssec":True}),
 ("sub.example.com","A",{"want_dnssec":True}), ("sibling.example.com","DS",{"want_dnssec":True}),
 ("ns1.sub.example.com","A",{}), ("big.example.com","TXT",{"use_edns":0,"payload":512}),
 ("_sip._tcp.example.com","SRV",{}), ("example.com","AXFR",{}), ("example.com","IXFR",{}),
 ("www.example.org","A",{"use_edns":0}), ("version.bind","TXT",{"rdclass":"CH"}),
 ("id.server","TXT",{"rdclass":"CH","use_edns":0}),
 ("www.example.com","A",{"use_edns":0,"options":[dns.edns.GenericOption(3,b""), dns.edns.GenericOption(10,b"12345678")]}),
 ("www.example.com","A",{"use_edns":0,"options":[dns.edns.GenericOption(10,b"12345678"+b"\x01\0\0\0"+b"abcdefghijkl")]}),
]
os.makedirs(out, exist_ok=True)
for i, (n, t, kw) in enumerate(qs):
    m = dns.message.make_query(n, t, **kw); m.id = 0x1000 + i
    w = m.to_wire()
    open(os.path.join(out, "q%02d-%s-%s.bin" % (i, n.split('.')[0][:12], t)), "wb").write(w)
# header oddities
w = bytearray(dns.message.make_query("www.example.com","A",use_edns=1).to_wire()); open(os.path.join(out,"badvers.bin"),"wb").write(w)
w = bytearray(dns.message.make_query("www.example.com","A").to_wire()); w[2] |= 0x20; open(os.path.join(out,"notify.bin"),"wb").write(w)
w = bytearray(dns.message.make_query("www.example.com","A").to_wire()); w[5] = 2; open(os.path.join(out,"qd2.bin"),"wb").write(w)
print(len(os.listdir(out)))
