"""nsfleet zone print against BIND, the format of its lines, canonical
order and case, the golden files, and print/check consistency.

The reference is named-compilezone (BIND 9.18) loading the same file with
all its checks off; records are compared semantically (owner, TTL, class,
type, canonical rdata wire) so that presentation differences (hex case,
line splitting, SVCB key names) do not matter, and the exact bytes are
pinned by the golden files instead.
"""

import re

import dns.name
import dns.rdatatype
import pytest

from conftest import (GOLDEN, VALID_ZONES, ZONES, SUMMARY_OK_RE, bind_check,
                      bind_compile, check_golden, describe_difference,
                      origin_of, parse_diags, parse_rr_line, parse_rr_text,
                      rr_keys)


def golden_path(zone):
    return GOLDEN / (zone[: -len(".zone")] + ".print")


def print_zone(nsf, zone, *extra):
    r = nsf("zone", "print", zone, *extra)
    assert r.returncode == 0, f"zone print of a valid zone failed:\n{r}"
    return r


@pytest.mark.parametrize("zone", VALID_ZONES)
def test_valid_zone_passes_bind(zone):
    """The test data itself: each valid zone is valid for BIND too."""
    r = bind_check(origin_of(zone).rstrip("."), zone)
    assert r.returncode == 0, f"named-checkzone rejects {zone}:\n{r}"


@pytest.mark.parametrize("zone", VALID_ZONES)
def test_print_same_records_as_bind(nsf, zone):
    ours = parse_rr_text(print_zone(nsf, zone).stdout)
    theirs = parse_rr_text(bind_compile(origin_of(zone), zone))
    assert len(ours) == len(rr_keys(ours)), "zone print printed a record twice"
    assert rr_keys(ours) == rr_keys(theirs), (
        f"zone print {zone} and named-compilezone differ:\n"
        + describe_difference(ours, theirs))


@pytest.mark.parametrize("zone", VALID_ZONES)
def test_print_line_format(nsf, zone):
    """OWNER<TAB>TTL<TAB>CLASS<TAB>TYPE<TAB>RDATA, absolute lower-case
    owner, one RR per line."""
    out = print_zone(nsf, zone).stdout
    assert out.endswith("\n"), "the last line has no newline"
    bad = []
    for i, line in enumerate(out.splitlines(), 1):
        f = line.split("\t")
        problems = []
        if len(f) != 5:
            problems.append(f"{len(f)} tab-separated fields, not 5")
        else:
            owner, ttl, rdclass, rdtype, rdata = f
            if not owner.endswith("."):
                problems.append("owner not absolute")
            if owner != owner.lower():
                problems.append("owner not lower case")
            if not re.fullmatch(r"\d+", ttl):
                problems.append("TTL not a number of seconds")
            if rdclass != "IN":
                problems.append("class not IN")
            if not re.fullmatch(r"[A-Z][A-Z0-9-]*", rdtype):
                problems.append("type not a mnemonic or TYPEnnn")
            if rdata != rdata.strip() or "  " in rdata:
                problems.append("rdata with stray white space")
        if problems:
            bad.append(f"line {i}: {', '.join(problems)}: {line!r}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("zone", VALID_ZONES)
def test_print_canonical_order(nsf, zone):
    """RFC 4034 §6: owner in canonical name order, then type number, then
    rdata as left-justified octets (no duplicates, so strictly ascending)."""
    rrs = parse_rr_text(print_zone(nsf, zone).stdout)
    bad = [f"  {a.text}\n  must come after\n  {b.text}"
           for a, b in zip(rrs, rrs[1:]) if not a.order < b.order]
    assert not bad, "records out of canonical order:\n" + "\n".join(bad)


@pytest.mark.parametrize("zone", VALID_ZONES)
def test_print_golden(nsf, zone):
    check_golden(golden_path(zone), print_zone(nsf, zone).stdout_bytes)


@pytest.mark.parametrize("zone", VALID_ZONES)
def test_print_output_reloads_to_itself(nsf, zone, tmp_path):
    """The canonical form is a zone file: printing it again gives it back."""
    first = print_zone(nsf, zone).stdout
    copy = tmp_path / zone
    copy.write_text(first)
    second = nsf("zone", "print", copy.name, cwd=tmp_path)
    assert second.returncode == 0, f"zone print cannot read its own output:\n{second}"
    assert second.stdout == first


@pytest.mark.parametrize("zone", VALID_ZONES)
def test_check_valid_zone(nsf, zone):
    """check: exit 0, no diagnostics, the summary with the serial and the
    number of records zone print prints."""
    records = print_zone(nsf, zone).stdout.count("\n")
    soa = next(rr for rr in parse_rr_text(print_zone(nsf, zone).stdout)
               if rr.rdtype == dns.rdatatype.SOA)
    serial = int(soa.text.split("\t")[4].split()[2])
    r = nsf("zone", "check", zone)
    assert r.returncode == 0, f"check of a valid zone failed:\n{r}"
    assert parse_diags(r.stderr) == [], f"diagnostics for a valid zone:\n{r}"
    lines = r.stdout.splitlines()
    assert len(lines) == 1, f"check prints one summary line:\n{r}"
    m = SUMMARY_OK_RE.match(lines[0])
    assert m, f"summary line not in the documented format:\n{r}"
    assert m["zone"] == origin_of(zone).lower() or m["zone"] == origin_of(zone), lines[0]
    assert int(m["serial"]) == serial, lines[0]
    assert int(m["records"]) == records, lines[0]
    assert int(m["warnings"]) == 0, lines[0]
    assert lines[0].endswith(" 0 warnings"), lines[0]


def test_print_mixed_case(nsf):
    """Owners are lower-cased; rdata names lower-cased for the types of RFC
    4034 §6.2 (NS, CNAME, SOA, PTR, MX, RP, AFSDB, NAPTR, KX, SRV, DNAME,
    RRSIG, ...), kept for others (SVCB target) and TXT text kept as is."""
    out = print_zone(nsf, "MiXeD.Example.zone").stdout
    lines = set(out.splitlines())
    expected = [
        "mixed.example.\t3600\tIN\tSOA\tns1.mixed.example. hostmaster.mixed.example. 7 7200 3600 1209600 300",
        "mixed.example.\t3600\tIN\tNS\tns1.mixed.example.",
        "mixed.example.\t3600\tIN\tNS\tns2.other.example.",
        "www.mixed.example.\t3600\tIN\tCNAME\tweb.mixed.example.",
        "web.mixed.example.\t3600\tIN\tAAAA\t2001:db8::2",
        "mail.mixed.example.\t3600\tIN\tMX\t10 mail.mixed.example.",
        "txt.mixed.example.\t3600\tIN\tTXT\t\"Case Is Kept In TXT\"",
        "_sip._tcp.mixed.example.\t3600\tIN\tSRV\t0 0 5060 sip.mixed.example.",
        "ptr.mixed.example.\t3600\tIN\tPTR\ttarget.example.",
        "old.mixed.example.\t3600\tIN\tDNAME\tnew.example.",
        "rp.mixed.example.\t3600\tIN\tRP\tadmin.mixed.example. txt.mixed.example.",
        "afsdb.mixed.example.\t3600\tIN\tAFSDB\t1 afshost.example.",
        "naptr.mixed.example.\t3600\tIN\tNAPTR\t10 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.mixed.example.",
        "kx.mixed.example.\t3600\tIN\tKX\t10 kxhost.example.",
        "hinfo.mixed.example.\t3600\tIN\tHINFO\t\"Mixed CPU\" \"Mixed OS\"",
        "*.wildcard.mixed.example.\t3600\tIN\tA\t192.0.2.6",
        "abc.mixed.example.\t3600\tIN\tA\t192.0.2.7",
        "sub.mixed.example.\t3600\tIN\tNS\tns.sub.mixed.example.",
    ]
    missing = [e for e in expected if e not in lines]
    assert not missing, "expected lines missing from zone print:\n" + "\n".join(missing) + \
        "\n--- zone print:\n" + out
    svcb = [l for l in lines if "\tSVCB\t" in l]
    assert len(svcb) == 1 and "SvcTarget.Example." in svcb[0], \
        f"SVCB is not in RFC 4034 §6.2: its target keeps its case: {svcb}"
    rrsig = [l for l in lines if "\tRRSIG\t" in l]
    assert len(rrsig) == 1 and " mixed.example. " in rrsig[0], \
        f"the RRSIG signer name is lower-cased (RFC 4034 §6.2): {rrsig}"


def test_print_features_values(nsf):
    """A few values of the syntax features zone, written out by hand."""
    out = print_zone(nsf, "features.example.zone").stdout
    lines = set(out.splitlines())
    expected = [
        "features.example.\t3600\tIN\tSOA\tns1.features.example. hostmaster.features.example. 2024020301 7200 1800 1296000 300",
        "units.features.example.\t788645\tIN\tA\t192.0.2.3",
        "upper.features.example.\t5400\tIN\tA\t192.0.2.4",
        "secs.features.example.\t42\tIN\tA\t192.0.2.5",
        "zero.features.example.\t0\tIN\tA\t192.0.2.7",
        "max.features.example.\t2147483647\tIN\tA\t192.0.2.9",
        "ns2.features.example.\t300\tIN\tA\t192.0.2.2",
        "ns2.features.example.\t300\tIN\tAAAA\t2001:db8::2",
        "after-ttl.features.example.\t300\tIN\tA\t192.0.2.10",
        "multi.features.example.\t300\tIN\tA\t192.0.2.11",
        "abc.features.example.\t300\tIN\tA\t192.0.2.13",
        "alias.features.example.\t300\tIN\tCNAME\tfeatures.example.",
        "mx.features.example.\t300\tIN\tMX\t10 ns1.features.example.",
        "sub.features.example.\t300\tIN\tTXT\t\"origin changed\"",
        "rel.sub.features.example.\t300\tIN\tA\t192.0.2.16",
        "inc1.features.example.\t300\tIN\tA\t192.0.2.30",
        "inc2.deeper.features.example.\t300\tIN\tA\t192.0.2.31",
        "after-include.features.example.\t300\tIN\tA\t192.0.2.17",
        "other.features.example.\t300\tIN\tTXT\t\"origin given on the $INCLUDE line\"",
        "x.other.features.example.\t300\tIN\tA\t192.0.2.32",
        "after-include2.features.example.\t300\tIN\tA\t192.0.2.18",
        "host-1.features.example.\t300\tIN\tA\t192.0.2.1",
        "host-4.features.example.\t300\tIN\tA\t192.0.2.4",
        "ptr-010.features.example.\t300\tIN\tPTR\thost-01.features.example.",
        "ptr-020.features.example.\t300\tIN\tPTR\thost-0b.features.example.",
        "ptr-030.features.example.\t300\tIN\tPTR\thost-15.features.example.",
        "hfa.features.example.\t600\tIN\tAAAA\t2001:db8::fa",
        "hfc.features.example.\t600\tIN\tAAAA\t2001:db8::fc",
        "o010.features.example.\t300\tIN\tTXT\t\"octal-010-of-8\"",
        "lit-2.features.example.\t300\tIN\tTXT\t\"dollar-$-2\"",
        "generic.features.example.\t300\tIN\tA\t192.0.2.19",
        "generic2.features.example.\t300\tIN\tA\t192.0.2.20",
        "generic3.features.example.\t300\tIN\tTXT\t\"hello\"",
        "ttl-1d.features.example.\t86400\tIN\tA\t192.0.2.21",
    ]
    missing = [e for e in expected if e not in lines]
    assert not missing, "expected lines missing from zone print:\n" + "\n".join(missing) + \
        "\n--- zone print:\n" + out
    # labels holding a dot and a space: compared as names, since both
    # esc\.dot and esc\046dot are correct presentations
    rrs = parse_rr_text(out)
    for label, addr in ((b"esc.dot", "192.0.2.12"), (b"sp ace", "192.0.2.14")):
        name = dns.name.Name((label, b"features", b"example", b""))
        found = [rr.text for rr in rrs if rr.owner == name and rr.text.endswith("\t" + addr)]
        assert len(found) == 1, f"no A {addr} at {name!r}"
    unknown = sorted(l for l in lines if l.startswith("unknown.features.example.\t"))
    assert len(unknown) == 2, unknown
    assert unknown[0].split("\t")[3:] == ["TYPE65280", "\\# 0"], unknown
    t = unknown[1].split("\t")
    assert t[3] == "TYPE65281" and parse_rr_line(unknown[1]).wire == bytes(range(1, 7)), unknown


def test_print_json(nsf):
    """--json: the records of the text output, in the same order."""
    import json
    zone = "example.com.zone"
    text = print_zone(nsf, zone).stdout.splitlines()
    r = nsf("zone", "print", zone, "--json")
    assert r.returncode == 0, str(r)
    assert r.stderr == "", f"--json writes nothing on stderr:\n{r}"
    obj = json.loads(r.stdout)
    assert obj["zone"] == "example.com."
    assert obj["serial"] == 2024010101
    recs = obj["records"]
    assert all(set(rec) == {"owner", "ttl", "class", "type", "rdata"} for rec in recs), recs[:3]
    assert all(isinstance(rec["ttl"], int) for rec in recs)
    assert ["\t".join([x["owner"], str(x["ttl"]), x["class"], x["type"], x["rdata"]])
            for x in recs] == text


def test_origin_option(nsf, tmp_path):
    """--origin names the zone, with or without the final dot; without it
    the origin comes from the file name."""
    src = (ZONES / "example.com.zone").read_text()
    f = tmp_path / "db.example"
    f.write_text(src)
    expected = print_zone(nsf, "example.com.zone").stdout
    for origin in ("example.com", "example.com.", "EXAMPLE.COM."):
        r = nsf("zone", "print", str(f), "--origin", origin)
        assert r.returncode == 0, str(r)
        assert r.stdout == expected, f"--origin {origin}"
    # origin db.example.: the file's $ORIGIN example.com. puts every record
    # outside the zone
    r = nsf("zone", "check", str(f))
    assert r.returncode == 1, str(r)
    assert "zone db.example.: FAILED" in r.stdout, str(r)
    assert any("outside" in d.message for d in parse_diags(r.stderr)), str(r)
    # the base name counts, not the directory
    sub = tmp_path / "dir.zone"
    sub.mkdir()
    (sub / "example.com.zone").write_text(src)
    r = nsf("zone", "print", str(sub / "example.com.zone"))
    assert r.returncode == 0 and r.stdout == expected, str(r)
