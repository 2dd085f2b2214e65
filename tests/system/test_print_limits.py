"""zone print and --json of the longest rdata texts: an NSEC whose bitmap
names every type prints about 75 times its wire size, far more than the
4 characters per octet an escaped TXT needs."""

import json

import dns.rdata
import dns.rdataclass
import dns.rdatatype


def all_types_nsec_zone(tmp_path):
    # every window 0..255 with all 256 bits set (but type 0, which
    # dnspython refuses): 256 * 34 octets of bitmap
    bitmap = b"".join(bytes([w, 32]) + (b"\x7f" if w == 0 else b"\xff") + b"\xff" * 31
                      for w in range(256))
    rdata = b"\x03www\x08big-nsec\x04test\x00" + bitmap
    f = tmp_path / "big-nsec.test.zone"
    f.write_text("$TTL 300\n"
                 "@ SOA ns hostmaster 1 2 3 4 5\n"
                 "@ NS ns\n"
                 "ns A 192.0.2.1\n"
                 f"www NSEC \\# {len(rdata)} {rdata.hex()}\n")
    return f, rdata


def test_print_all_types_nsec(nsf, tmp_path):
    f, rdata = all_types_nsec_zone(tmp_path)
    r = nsf("zone", "print", f.name, cwd=tmp_path)
    assert r.returncode == 0, str(r)
    line = [l for l in r.stdout.splitlines() if "\tNSEC\t" in l]
    assert len(line) == 1, str(r)
    text = line[0].split("\t")[4]
    assert len(text) > 4 * len(rdata)
    rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NSEC, text)
    assert rd.to_digestable() == rdata


def test_print_json_all_types_nsec(nsf, tmp_path):
    f, rdata = all_types_nsec_zone(tmp_path)
    r = nsf("zone", "print", "--json", f.name, cwd=tmp_path)
    assert r.returncode == 0, str(r)
    recs = [x for x in json.loads(r.stdout)["records"] if x["type"] == "NSEC"]
    assert len(recs) == 1
    rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NSEC, recs[0]["rdata"])
    assert rd.to_digestable() == rdata
