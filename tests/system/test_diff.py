"""nsfleet zone diff: IXFR order (RFC 1995 §4), exit statuses, --json, and
on random pairs of zones: applying the diff to zone print OLD gives zone
print NEW.

The doc does not say in which order the removed (and the added) RRs come;
these tests expect zone print's order, the canonical order.
"""

import json
import os
import random
import re

import pytest

from conftest import ZONES, parse_diags, parse_rr_line, parse_rr_text

OLD_SOA = ("example.com.\t3600\tIN\tSOA\tns1.example.com. hostmaster.example.com. "
           "2024010101 7200 3600 1209600 300")
NEW_SOA = OLD_SOA.replace("2024010101", "2024010102")


def changed_example(tmp_path):
    """example.com with the serial bumped, ftp removed, sip's TTL changed,
    mail and new added."""
    src = (ZONES / "example.com.zone").read_text()
    edits = [
        ("2024010101 ; serial", "2024010102 ; serial"),
        ("ftp      600    IN  CNAME files.example.net.\n", ""),
        ("sip             IN  A     192.0.2.60\n", "sip      7200   IN  A     192.0.2.60\n"),
        ("mail            IN  A     192.0.2.25\n",
         "mail            IN  A     192.0.2.25\n                IN  A     192.0.2.26\n"),
    ]
    for old, new in edits:
        assert src.count(old) == 1, f"example.com.zone changed: {old!r}"
        src = src.replace(old, new)
    src += "new             IN  A     192.0.2.200\n"
    d = tmp_path / "new"
    d.mkdir()
    f = d / "example.com.zone"
    f.write_text(src)
    return f


EXPECTED_DIFF = "".join(line + "\n" for line in [
    "-" + OLD_SOA,
    "-ftp.example.com.\t600\tIN\tCNAME\tfiles.example.net.",
    "-sip.example.com.\t3600\tIN\tA\t192.0.2.60",
    "+" + NEW_SOA,
    "+mail.example.com.\t3600\tIN\tA\t192.0.2.26",
    "+new.example.com.\t3600\tIN\tA\t192.0.2.200",
    "+sip.example.com.\t7200\tIN\tA\t192.0.2.60",
])


@pytest.mark.parametrize("zone", sorted(p.name for p in ZONES.glob("*.zone")))
def test_diff_with_itself(nsf, zone):
    r = nsf("zone", "diff", zone, zone)
    assert r.returncode == 0, str(r)
    assert r.stdout == "" and r.stderr == "", str(r)


def test_diff_changed(nsf, tmp_path):
    new = changed_example(tmp_path)
    r = nsf("zone", "diff", "example.com.zone", str(new))
    assert r.returncode == 1, str(r)
    assert r.stderr == "", str(r)
    assert r.stdout == EXPECTED_DIFF, f"expected:\n{EXPECTED_DIFF}\n{r}"


def test_diff_reverse(nsf, tmp_path):
    """NEW to OLD is the same change backwards."""
    new = changed_example(tmp_path)
    r = nsf("zone", "diff", str(new), "example.com.zone")
    assert r.returncode == 1, str(r)
    lines = EXPECTED_DIFF.splitlines()
    minus = [l[1:] for l in lines if l[0] == "-"]
    plus = [l[1:] for l in lines if l[0] == "+"]
    expected = "".join("-" + l + "\n" for l in plus) + "".join("+" + l + "\n" for l in minus)
    assert r.stdout == expected, str(r)


def test_diff_only_serial(nsf, tmp_path):
    src = (ZONES / "example.com.zone").read_text().replace("2024010101 ; serial", "2024010105 ; serial")
    (tmp_path / "example.com.zone").write_text(src)
    r = nsf("zone", "diff", "example.com.zone", str(tmp_path / "example.com.zone"))
    assert r.returncode == 1, str(r)
    assert r.stdout == f"-{OLD_SOA}\n+{OLD_SOA.replace('2024010101', '2024010105')}\n", str(r)


@pytest.mark.parametrize("zone", ["example.com.zone", "MiXeD.Example.zone", "features.example.zone"])
def test_diff_ignores_form(nsf, tmp_path, zone):
    """The same records written otherwise (here: zone print's form, lower
    case, no directives) are no change."""
    printed = nsf("zone", "print", zone)
    assert printed.returncode == 0, str(printed)
    (tmp_path / zone).write_text(printed.stdout)
    r = nsf("zone", "diff", zone, str(tmp_path / zone))
    assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), str(r)


def test_diff_zone_with_errors(nsf, tmp_path):
    src = (ZONES / "example.com.zone").read_text() + "broken A 192.0.2.256\n"
    (tmp_path / "example.com.zone").write_text(src)
    bad = str(tmp_path / "example.com.zone")
    for args in (["example.com.zone", bad], [bad, "example.com.zone"]):
        r = nsf("zone", "diff", *args)
        assert r.returncode == 2, f"a zone that fails to load: exit 2\n{r}"
        assert r.stdout == "", str(r)
        diags = parse_diags(r.stderr)
        assert any(d.severity == "error" and d.line == src.count("\n") for d in diags), str(r)


def rr_obj_line(o):
    assert set(o) == {"owner", "ttl", "class", "type", "rdata"}, o
    return "\t".join([o["owner"], str(o["ttl"]), o["class"], o["type"], o["rdata"]])


def test_diff_json(nsf, tmp_path):
    new = changed_example(tmp_path)
    r = nsf("zone", "diff", "example.com.zone", str(new), "--json")
    assert r.returncode == 1, str(r)
    assert r.stderr == "", str(r)
    obj = json.loads(r.stdout)
    assert obj["zone"] == "example.com."
    assert obj["equal"] is False
    assert (obj["from_serial"], obj["to_serial"]) == (2024010101, 2024010102)
    lines = EXPECTED_DIFF.splitlines()
    assert [rr_obj_line(o) for o in obj["removed"]] == [l[1:] for l in lines[1:3]]
    assert [rr_obj_line(o) for o in obj["added"]] == [l[1:] for l in lines[4:]]


def test_diff_json_equal(nsf):
    r = nsf("zone", "diff", "example.com.zone", "example.com.zone", "--json")
    assert r.returncode == 0, str(r)
    assert r.stderr == "", str(r)
    obj = json.loads(r.stdout)
    assert obj == {"zone": "example.com.", "equal": True, "from_serial": 2024010101,
                   "to_serial": 2024010101, "removed": [], "added": []}


# --- random pairs -------------------------------------------------------------------

ORIGIN = "rand.example."
TYPES = ["A", "AAAA", "TXT", "MX", "SRV", "CAA", "SSHFP", "HINFO"]


def rand_rdata(rnd, t):
    if t == "A":
        return f"192.0.2.{rnd.randrange(256)}"
    if t == "AAAA":
        return f"2001:db8::{rnd.randrange(1 << 16):x}"
    if t == "TXT":
        words = ["".join(rnd.choice("abcXYZ019 -=;") for _ in range(rnd.randrange(1, 12)))
                 for _ in range(rnd.randrange(1, 3))]
        return " ".join('"' + w.replace(";", "\\;") + '"' for w in words)
    if t == "MX":
        return f"{rnd.randrange(100)} mx{rnd.randrange(5)}.example.net."
    if t == "SRV":
        return f"{rnd.randrange(10)} {rnd.randrange(10)} {rnd.randrange(65536)} srv{rnd.randrange(5)}.example.net."
    if t == "CAA":
        return f"0 issue \"ca{rnd.randrange(5)}.example.net\""
    if t == "SSHFP":
        return f"{rnd.choice([1, 4])} 2 " + "".join(rnd.choice("0123456789abcdef") for _ in range(64))
    if t == "HINFO":
        return f"\"cpu{rnd.randrange(5)}\" \"os{rnd.randrange(5)}\""
    raise AssertionError(t)


def rand_owner(rnd):
    labels = [rnd.choice(["www", "mail", "a", "b", "x-1", "_tcp", "_sip", "*", "z"])
              + (str(rnd.randrange(20)) if rnd.random() < 0.7 else "")
              for _ in range(rnd.randrange(1, 3))]
    labels = [l if not l.startswith("*") or i == 0 else l.lstrip("*") or "s"
              for i, l in enumerate(labels)]
    return ".".join(labels) + "." + ORIGIN


def rand_zone(rnd, n):
    """{(owner, type): (ttl, set of rdata)}; no CNAME/NS/DNAME below the
    apex, so that no semantic check applies."""
    z = {
        (ORIGIN, "NS"): (3600, {"ns1." + ORIGIN, "ns.example.net."}),
        ("ns1." + ORIGIN, "A"): (3600, {"192.0.2.53"}),
    }
    for _ in range(n):
        key = (rand_owner(rnd), rnd.choice(TYPES))
        if key[0] == "ns1." + ORIGIN:
            continue
        ttl = rnd.choice([60, 300, 3600, 86400])
        z[key] = (ttl, {rand_rdata(rnd, key[1]) for _ in range(rnd.randrange(1, 4))})
    return z


def mutate(rnd, z):
    z = {k: (ttl, set(rds)) for k, (ttl, rds) in z.items()}
    for key in list(z):
        if key[0] == ORIGIN or key[0] == "ns1." + ORIGIN:
            continue
        ttl, rds = z[key]
        p = rnd.random()
        if p < 0.1:
            del z[key]
        elif p < 0.2:
            z[key] = (rnd.choice([60, 120, 3600, 7200]), rds)
        elif p < 0.3 and len(rds) > 1:
            rds.discard(sorted(rds)[0])
        elif p < 0.4:
            rds.add(rand_rdata(rnd, key[1]))
    z.update(rand_zone(rnd, 10))
    return z


def write_rand_zone(rnd, path, z, serial):
    """Random form: relative or absolute owners, blank owners, TTL and class
    in either order or left out, random line order of RRsets."""
    lines = [f"$ORIGIN {ORIGIN}", "$TTL 3600",
             f"@ IN SOA ns1 hostmaster {serial} 7200 3600 1209600 300"]
    keys = list(z)
    rnd.shuffle(keys)
    for owner, t in keys:
        ttl, rds = z[(owner, t)]
        rel = owner[: -len(ORIGIN) - 1] if owner != ORIGIN else "@"
        first = True
        for rd in sorted(rds):
            if first or rnd.random() < 0.5:
                o = rnd.choice([owner, rel, owner.upper(), rel.upper()])
            else:
                o = ""
            first = False
            ttl_class = rnd.choice([f"{ttl} IN", f"IN {ttl}", f"{ttl}"] +
                                   ([f"IN", ""] if ttl == 3600 else []))
            lines.append(f"{o}\t{ttl_class} {t} {rd}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def expected_keys(z, serial):
    lines = [f"{ORIGIN} 3600 IN SOA ns1.{ORIGIN} hostmaster.{ORIGIN} {serial} 7200 3600 1209600 300"]
    lines += [f"{o} {ttl} IN {t} {rd}" for (o, t), (ttl, rds) in z.items() for rd in rds]
    return {parse_rr_line(l).key for l in lines}


def seeds():
    base = int(os.environ.get("NSFLEET_SEED", random.randrange(1 << 32)))
    return [base + i for i in range(5)]


@pytest.mark.parametrize("seed", seeds())
def test_diff_random_pair_applies(nsf, tmp_path, seed):
    print(f"seed={seed} (NSFLEET_SEED={seed} repeats this pair first)")
    rnd = random.Random(seed)
    old_z = rand_zone(rnd, 80)
    new_z = mutate(rnd, old_z)
    old_serial = rnd.randrange(1, 1 << 31)
    new_serial = (old_serial + rnd.randrange(1, 1000)) % (1 << 32)
    old, new = tmp_path / "old" / "rand.example.zone", tmp_path / "new" / "rand.example.zone"
    write_rand_zone(rnd, old, old_z, old_serial)
    write_rand_zone(rnd, new, new_z, new_serial)

    p_old = nsf("zone", "print", str(old))
    p_new = nsf("zone", "print", str(new))
    assert p_old.returncode == 0 and p_new.returncode == 0, f"seed={seed}\n{p_old}\n{p_new}"
    assert {rr.key for rr in parse_rr_text(p_old.stdout)} == expected_keys(old_z, old_serial), \
        f"seed={seed}: zone print OLD does not hold the generated records"
    assert {rr.key for rr in parse_rr_text(p_new.stdout)} == expected_keys(new_z, new_serial), \
        f"seed={seed}: zone print NEW does not hold the generated records"

    r = nsf("zone", "diff", str(old), str(new))
    assert r.returncode == 1, f"seed={seed}\n{r}"
    lines = r.stdout.splitlines()
    signs = "".join(l[0] for l in lines)
    assert re.fullmatch(r"-+\++", signs), f"seed={seed}: all - lines, then all + lines\n{r}"
    removed = [l[1:] for l in lines if l[0] == "-"]
    added = [l[1:] for l in lines if l[0] == "+"]
    old_lines = p_old.stdout.splitlines()
    new_lines = p_new.stdout.splitlines()
    old_soa = [l for l in old_lines if l.split("\t")[3] == "SOA"]
    new_soa = [l for l in new_lines if l.split("\t")[3] == "SOA"]
    assert removed[0] == old_soa[0] and added[0] == new_soa[0], f"seed={seed}: SOAs first\n{r}"
    applied = (set(old_lines) - set(removed)) | set(added)
    assert applied == set(new_lines), (
        f"seed={seed}: print OLD - removed + added != print NEW\n"
        f"missing: {sorted(set(new_lines) - applied)}\nextra: {sorted(applied - set(new_lines))}")
    assert set(removed) == set(old_lines) - set(new_lines), f"seed={seed}: minimal removals"
    assert set(added) == set(new_lines) - set(old_lines), f"seed={seed}: minimal additions"
    assert len(removed) == len(set(removed)) and len(added) == len(set(added))
    order = {l: i for i, l in enumerate(old_lines)}
    assert [order[l] for l in removed[1:]] == sorted(order[l] for l in removed[1:]), \
        f"seed={seed}: removed RRs in canonical order"
    order = {l: i for i, l in enumerate(new_lines)}
    assert [order[l] for l in added[1:]] == sorted(order[l] for l in added[1:]), \
        f"seed={seed}: added RRs in canonical order"

    j = nsf("zone", "diff", str(old), str(new), "--json")
    assert j.returncode == 1, f"seed={seed}\n{j}"
    obj = json.loads(j.stdout)
    assert obj["equal"] is False
    assert (obj["from_serial"], obj["to_serial"]) == (old_serial, new_serial)
    assert [rr_obj_line(o) for o in obj["removed"]] == removed[1:], f"seed={seed}"
    assert [rr_obj_line(o) for o in obj["added"]] == added[1:], f"seed={seed}"
