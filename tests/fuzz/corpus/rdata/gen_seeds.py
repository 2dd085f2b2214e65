#!/usr/bin/python3
# Writes one seed per RR type for fuzz_rdata: 2 octets of type, then the
# rdata wire form, made by dnspython (an independent encoder).  Run with
# /usr/bin/python3 from this directory.  (libFuzzer also reads this file
# as an input; that is harmless.)
import struct
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

O = dns.name.from_text("example.com.")
SEEDS = [
    ("A", "192.0.2.1"), ("NS", "ns1"), ("MD", "md.example."), ("MF", "mf.example."),
    ("CNAME", "c"), ("SOA", "ns1 hostmaster 2024010101 3600 900 604800 86400"),
    ("MB", "mbox"), ("MG", "mbox"), ("MR", "mbox"), ("PTR", "host"),
    ("HINFO", '"Intel x86" Linux'), ("MINFO", "rmail emailbx"), ("MX", "10 mail"),
    ("TXT", '"hello world" "a\\"b" "" "\\255"'), ("RP", "mbox txt"), ("AFSDB", "1 afs"),
    ("RT", "10 relay"), ("PX", "10 map822 mapx400"), ("KX", "10 kx"),
    ("SIG", "A 5 3 3600 20240101000000 20230101000000 12345 example.com. AQIDBAUG"),
    ("KEY", "256 3 5 AQIDBAUGBwg="), ("AAAA", "2001:db8::1"),
    ("LOC", "42 21 54.5 N 71 06 18 W -24m 30m 10000m 10m"),
    ("SRV", "0 5 5060 sip"), ("NAPTR", '100 10 "S" "SIP+D2U" "" _sip._udp'),
    ("CERT", "PKIX 0 8 AQIDBA=="), ("DNAME", "target"),
    ("APL", "1:192.168.0.0/24 !1:10.0.0.0/8 2:2001:db8::/32"),
    ("DS", "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"),
    ("SSHFP", "2 1 123456789abcdef67890123456789abcdef67890"),
    ("IPSECKEY", "10 3 2 gw.example.com. AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ=="),
    ("RRSIG", "A 8 3 3600 20240101000000 20230101000000 12345 example.com. AQIDBAUG"),
    ("NSEC", "host.example.com. A MX RRSIG NSEC TYPE1234"),
    ("DNSKEY", "257 3 8 AwEAAagAIKlVZrpC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8g"),
    ("DHCID", "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA="),
    ("NSEC3", "1 1 12 aabbccdd 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG"),
    ("NSEC3PARAM", "1 0 12 aabbccdd"),
    ("TLSA", "3 1 1 d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971"),
    ("SMIMEA", "3 1 1 d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971"),
    ("HIP", "2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cI rvs.example.com."),
    ("CDS", "0 0 0 00"), ("CDNSKEY", "0 3 0 AA=="),
    ("OPENPGPKEY", "AQIDBAUGBwgJCgsMDQ4PEBES"), ("CSYNC", "66 3 A NS AAAA"),
    ("ZONEMD", "2018031900 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B641A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE"),
    ("SVCB", '1 . mandatory=alpn,port alpn="h2,h3" port=443 ipv4hint=192.0.2.1 ech=AQID ipv6hint=2001:db8::1 key667="x"'),
    ("HTTPS", '1 . alpn="h3" no-default-alpn'),
    ("SPF", '"v=spf1 -all"'), ("NID", "10 0014:4fff:ff20:ee64"), ("L32", "10 10.1.2.0"),
    ("L64", "10 2001:0DB8:1140:1000"), ("LP", "10 l64-subnet1.example.com."),
    ("EUI48", "00-00-5e-00-53-2a"), ("EUI64", "00-00-5e-ef-10-00-00-2a"),
    ("URI", '10 1 "ftp://ftp1.example.com/public"'),
    ("CAA", '0 issue "ca.example.net; account=230123"'),
    ("NULL", "\\# 3 010203"), ("TYPE65534", "\\# 4 0a000001"),
]

# types this dnspython cannot parse, encoded as a twin of the same layout
TWIN = {"MD": "CNAME", "MF": "CNAME", "MB": "CNAME", "MG": "CNAME", "MR": "CNAME",
        "MINFO": "RP", "SIG": "RRSIG", "KEY": "DNSKEY"}

for t, text in SEEDS:
    rdtype = dns.rdatatype.from_text(t)
    enc = dns.rdatatype.from_text(TWIN.get(t, t))
    rd = dns.rdata.from_text(dns.rdataclass.IN, enc, text, origin=O, relativize=False)
    wire = rd.to_wire()
    with open("seed-" + t, "wb") as f:
        f.write(struct.pack("!H", rdtype) + wire)

# compression pointers, allowed in these types (backwards inside the rdata)
with open("seed-RP-pointer", "wb") as f:
    f.write(struct.pack("!H", 17) + bytes.fromhex("0361626300c000"))
with open("seed-MX-pointer", "wb") as f:
    f.write(struct.pack("!H", 15) + bytes.fromhex("000a00"))
with open("seed-SOA-pointer", "wb") as f:
    f.write(struct.pack("!H", 6) + bytes.fromhex("0161000162c000") + bytes(20))
