"""nsfleet zone check: diagnostics at the right line and column, all of
them in one run, exit statuses, summary line, usage, --help, --version.

The error zones are in tests/zones/errors/; each line of a table names the
token the diagnostic must point at (the column is where that token starts
on its line: doc/nsfleet-zone.md "point at the token at fault (for a record
level check: the record's first token)").

Message words: for the semantic checks they are the doc's contract and are
matched case-sensitively.  The doc names no words for syntax errors; the
words below are what makes a message clear (any one of them, ignoring case).
"""

import json
import re

import pytest

from conftest import (ERRORS, REPO, SUMMARY_FAIL_RE, SUMMARY_OK_RE, ZONES,
                      bind_check, parse_diags, plural_ok)

# (line, token at fault or None for "any column", severity, words)
SYNTAX = [
    (7, "1x", "error", ("ttl", "type")),                      # bad TTL
    (8, "FOO", "error", ("type",)),                            # unknown type
    (9, "192.0.2.256", "error", ("ipv4", "address", "dotted")),
    (10, "192.0.2", "error", ("ipv4", "address", "dotted")),
    (11, "l" * 64, "error", ("label", "63")),                 # label > 63
    (12, "x" * 63, "error", ("name", "255", "long")),         # name > 255
    (13, ")", "error", ("parenthes",)),                        # ) without (
    (14, '"bad', "error", ("escape",)),                        # \256
    (15, None, "error", ("rdata", "missing", "end of", "expected")),  # MX 10
    (16, "192.0.2.8", "error", ("trailing", "extra", "too many")),
    (17, "$FOO", "error", ("directive",)),
    (18, "CH", "error", ("class",)),                           # not the zone's
    (19, "5-1", "error", ("range", "start", "stop")),                          # $GENERATE 5-1
    (20, "nonexistent.inc", "error", ("nonexistent.inc",)),    # $INCLUDE
    (21, "abc", "error", ("ttl",)),                            # $TTL abc
    (22, "2001:db8::g", "error", ("ipv6", "address")),
    (23, "x mail", "error", ("number", "preference", "integer")),   # MX x mail
    (24, None, "error", ("rdata", "missing", "end of", "expected")),  # A
    (25, "4294967296", "error", ("ttl", "type", "range")),    # 2^32
    (26, '"unfinished', "error", ("escape",)),                 # \1"
]

SEMANTIC = [
    (8, "both", "error", ("CNAME",)),           # CNAME beside an A
    (10, "two", "error", ("CNAME",)),           # a second CNAME
    (11, "www.other.example.", "error", ("outside",)),
    (12, "deleg", "error", ("glue",)),          # NS ns.deleg, no glue
    (15, "www.deleg2", "warning", ("occluded",)),  # below the delegation
    (17, "ttl", "warning", ("TTL",)),
    (19, "dup", "warning", ("duplicate",)),
    (21, "dup2", "warning", ("duplicate",)),    # other case, other spelling
    (23, "dup3", "warning", ("duplicate",)),    # 2001:DB8:0:0::1
    (24, "notapex", "error", ("SOA",)),
    (25, "@", "error", ("SOA",)),               # a second SOA
]


def expected_diags(path, table):
    lines = path.read_text().splitlines()
    out = []
    for line, token, severity, words in table:
        text = lines[line - 1]
        if token is None:
            col = None
        else:
            assert token in text, f"test table out of date: {token!r} not on line {line}"
            col = text.index(token) + 1
        out.append((line, col, severity, words))
    return out


def match(diag, line, col, severity, words, case_sensitive):
    if diag.line != line or diag.severity != severity:
        return False
    if col is not None and diag.col != col:
        return False
    msg = diag.message if case_sensitive else diag.message.lower()
    return any((w if case_sensitive else w.lower()) in msg for w in words)


def check_table(r, path, table, case_sensitive):
    diags = parse_diags(r.stderr)
    problems = []
    for line, col, severity, words in expected_diags(path, table):
        found = [d for d in diags if match(d, line, col, severity, words, case_sensitive)]
        if len(found) != 1:
            problems.append(f"expected exactly one {severity} at {line}:{col or '*'} "
                            f"with one of {words}, got {len(found)}")
    expected_lines = {t[0] for t in table}
    for d in diags:
        if d.line not in expected_lines:
            problems.append(f"unexpected diagnostic: {d}")
    per_line = {}
    for d in diags:
        per_line.setdefault(d.line, []).append(d)
    for line, ds in per_line.items():
        if line in expected_lines and len(ds) > 1:
            problems.append(f"{len(ds)} diagnostics for the one problem of line {line}: "
                            + "; ".join(map(str, ds)))
    assert not problems, "\n".join(problems) + f"\n{r}"
    for d in diags:
        assert d.file.endswith(path.name), f"diagnostic names another file: {d}"
    return diags


def test_syntax_errors_all_reported(nsf):
    path = ERRORS / "syntax.example.zone"
    r = nsf("zone", "check", "syntax.example.zone", cwd=ERRORS)
    assert r.returncode == 1, str(r)
    check_table(r, path, SYNTAX, case_sensitive=False)
    m = SUMMARY_FAIL_RE.match(r.stdout.strip())
    assert m, f"summary line:\n{r}"
    assert m["zone"] == "syntax.example."
    assert (int(m["errors"]), int(m["warnings"])) == (len(SYNTAX), 0), r.stdout


@pytest.mark.parametrize("line", [t[0] for t in SYNTAX])
def test_syntax_error_line_is_an_error_for_bind(line, tmp_path):
    """The test data: each line of the table alone after a good header is
    rejected by BIND too."""
    src = (ERRORS / "syntax.example.zone").read_text().splitlines()
    one = tmp_path / "syntax.example.zone"
    one.write_text("\n".join(src[2:6] + [src[line - 1]]) + "\n")
    r = bind_check("syntax.example", one.name, cwd=tmp_path)
    assert r.returncode != 0, f"BIND accepts line {line}:\n{r}"


def test_semantic_errors_all_reported(nsf):
    path = ERRORS / "semantic.example.zone"
    r = nsf("zone", "check", "semantic.example.zone", cwd=ERRORS)
    assert r.returncode == 1, str(r)
    check_table(r, path, SEMANTIC, case_sensitive=True)
    errors = sum(1 for t in SEMANTIC if t[2] == "error")
    warnings = len(SEMANTIC) - errors
    assert r.stdout == f"zone semantic.example.: FAILED, {errors} errors, {warnings} warnings\n", str(r)


def test_semantic_print_refuses(nsf):
    """print of a zone with errors: nothing on stdout, the same diagnostics
    on stderr, exit 1."""
    check = nsf("zone", "check", "semantic.example.zone", cwd=ERRORS)
    r = nsf("zone", "print", "semantic.example.zone", cwd=ERRORS)
    assert r.returncode == 1, str(r)
    assert r.stdout == "", str(r)
    assert parse_diags(r.stderr) == parse_diags(check.stderr)


def test_dname(nsf):
    """DNAME with a name below it and DNAME beside a CNAME.  The doc has two
    rows that may apply to each (occluded data / DNAME; CNAME beside other
    data / DNAME beside CNAME), so either word is accepted, on either line
    of each pair; nothing else may be reported."""
    r = nsf("zone", "check", "dname.example.zone", cwd=ERRORS)
    diags = parse_diags(r.stderr)
    below = [d for d in diags if d.line in (6, 7)
             and ("DNAME" in d.message or "occluded" in d.message)]
    beside = [d for d in diags if d.line in (8, 9)
              and ("DNAME" in d.message or "CNAME" in d.message)]
    assert below, f"no diagnostic for x.dn below DNAME dn:\n{r}"
    assert beside, f"no diagnostic for the DNAME beside a CNAME:\n{r}"
    assert all(d.col == 1 for d in below + beside), str(r)
    assert len(below) + len(beside) == len(diags), f"unexpected diagnostics:\n{r}"
    assert r.returncode == (1 if any(d.severity == "error" for d in diags) else 0), str(r)


@pytest.mark.parametrize("zone,word", [("nosoa.example.zone", "no SOA"),
                                       ("nons.example.zone", "no NS")])
def test_zone_level_errors(nsf, zone, word):
    r = nsf("zone", "check", zone, cwd=ERRORS)
    assert r.returncode == 1, str(r)
    diags = parse_diags(r.stderr)
    assert [d.severity for d in diags] == ["error"], str(r)
    assert word in diags[0].message, str(r)
    assert diags[0].file.endswith(zone), str(r)
    assert r.stdout == f"zone {zone[:-5]}.: FAILED, 1 error, 0 warnings\n", str(r)


def test_unclosed_parenthesis(nsf):
    r = nsf("zone", "check", "unclosed-paren.example.zone", cwd=ERRORS)
    assert r.returncode == 1, str(r)
    diags = parse_diags(r.stderr)
    assert [(d.line, d.col, d.severity) for d in diags] == [(6, 6, "error")], \
        f"one error at the '(' that is never closed:\n{r}"
    assert "parenthes" in diags[0].message.lower(), str(r)


def test_unterminated_quote(nsf):
    r = nsf("zone", "check", "unterminated-quote.example.zone", cwd=ERRORS)
    assert r.returncode == 1, str(r)
    diags = parse_diags(r.stderr)
    col = (ERRORS / "unterminated-quote.example.zone").read_text().splitlines()[5].index('"') + 1
    assert [(d.line, d.col, d.severity) for d in diags] == [(6, col, "error")], \
        f"one error at the string that is never closed:\n{r}"
    assert "quote" in diags[0].message.lower() or "string" in diags[0].message.lower(), str(r)


def test_warnings_only(nsf):
    """Warnings do not fail the zone; print applies what they say."""
    r = nsf("zone", "check", "warnings.example.zone", cwd=ERRORS)
    assert r.returncode == 0, str(r)
    diags = parse_diags(r.stderr)
    assert [(d.line, d.col, d.severity) for d in diags] == [(7, 1, "warning"), (9, 1, "warning")], str(r)
    assert "TTL" in diags[0].message and "duplicate" in diags[1].message, str(r)
    assert r.stdout == "zone warnings.example.: OK, serial 5, 6 records, 2 warnings\n", str(r)
    p = nsf("zone", "print", "warnings.example.zone", cwd=ERRORS)
    assert p.returncode == 0, str(p)
    assert p.stdout == (
        "warnings.example.\t3600\tIN\tNS\tns1.warnings.example.\n"
        "warnings.example.\t3600\tIN\tSOA\tns1.warnings.example. hostmaster.warnings.example. 5 7200 3600 1209600 300\n"
        "dup.warnings.example.\t3600\tIN\tA\t192.0.2.8\n"
        "ns1.warnings.example.\t3600\tIN\tA\t192.0.2.1\n"
        "ttl.warnings.example.\t300\tIN\tA\t192.0.2.6\n"
        "ttl.warnings.example.\t300\tIN\tA\t192.0.2.7\n"), str(p)
    assert parse_diags(p.stderr) == diags, "print reports the warnings check reports"


def test_error_limit(nsf, tmp_path):
    """'All problems of a file are reported, up to 100 errors.'"""
    head = (ERRORS / "warnings.example.zone").read_text().splitlines()[:5]
    f = tmp_path / "many.example.zone"
    f.write_text("\n".join(head + [f"bad{i} A 192.0.2.{256 + i}" for i in range(150)]) + "\n")
    r = nsf("zone", "check", f.name, cwd=tmp_path)
    assert r.returncode == 1, str(r)
    # a last line saying that the scan stopped is welcome, but it is no
    # problem of the file: it is not counted
    diags = parse_diags(r.stderr, strict=False)
    errors = [d for d in diags if d.severity == "error" and "too many" not in d.message]
    assert len(errors) == 100, f"{len(errors)} errors reported for 150 bad lines"
    assert [d.line for d in errors] == list(range(6, 106)), "the first 100, in file order"
    assert r.stdout.startswith("zone many.example.: FAILED, 100 errors,"), \
        f"the summary counts the 100 errors reported:\n{r.stdout}"


def test_check_json_errors(nsf):
    text = nsf("zone", "check", "semantic.example.zone", cwd=ERRORS)
    r = nsf("zone", "check", "semantic.example.zone", "--json", cwd=ERRORS)
    assert r.returncode == 1, str(r)
    assert r.stderr == "", f"--json: nothing on stderr:\n{r}"
    obj = json.loads(r.stdout)
    assert set(obj) >= {"zone", "file", "ok", "serial", "records", "errors", "warnings", "problems"}, obj
    assert obj["zone"] == "semantic.example."
    assert obj["file"] == "semantic.example.zone"
    assert obj["ok"] is False
    errors = sum(1 for t in SEMANTIC if t[2] == "error")
    assert (obj["errors"], obj["warnings"]) == (errors, len(SEMANTIC) - errors)
    probs = [(p["file"], p["line"], p["column"], p["severity"], p["message"]) for p in obj["problems"]]
    assert probs == [(d.file, d.line, d.col, d.severity, d.message) for d in parse_diags(text.stderr)]


def test_check_json_ok(nsf):
    r = nsf("zone", "check", "example.com.zone", "--json")
    assert r.returncode == 0, str(r)
    assert r.stderr == "", str(r)
    obj = json.loads(r.stdout)
    records = nsf("zone", "print", "example.com.zone").stdout.count("\n")
    assert obj == {"zone": "example.com.", "file": "example.com.zone", "ok": True,
                   "serial": 2024010101, "records": records, "errors": 0,
                   "warnings": 0, "problems": []}


def test_print_json_errors(nsf):
    r = nsf("zone", "print", "nosoa.example.zone", "--json", cwd=ERRORS)
    assert r.returncode == 1, str(r)
    assert r.stderr == "", str(r)
    obj = json.loads(r.stdout)
    assert obj["ok"] is False and obj["errors"] == 1 and obj["serial"] is None, obj
    assert "no SOA" in obj["problems"][0]["message"]


def test_clean_zone_summary(nsf):
    r = nsf("zone", "check", "example.com.zone")
    assert r.returncode == 0, str(r)
    assert r.stderr == ""
    m = SUMMARY_OK_RE.match(r.stdout.rstrip("\n"))
    assert m and r.stdout.endswith("\n") and r.stdout.count("\n") == 1, str(r)
    assert m["zone"] == "example.com." and m["serial"] == "2024010101", str(r)
    assert plural_ok(r.stdout, 0, "warning")


# --- exit statuses, usage ---------------------------------------------------------

def test_missing_file(nsf, tmp_path):
    for cmd in (["zone", "check"], ["zone", "print"]):
        r = nsf(*cmd, str(tmp_path / "nonexistent.zone"))
        assert r.returncode == 2, str(r)
        assert "nonexistent.zone" in r.stderr, f"the message names the file:\n{r}"
        assert r.stdout == "" or "FAILED" in r.stdout, str(r)
    r = nsf("zone", "diff", "example.com.zone", str(tmp_path / "nonexistent.zone"))
    assert r.returncode == 2, str(r)
    r = nsf("zone", "diff", str(tmp_path / "nonexistent.zone"), "example.com.zone")
    assert r.returncode == 2, str(r)


def test_unreadable_path(nsf, tmp_path):
    """A path that cannot be opened (a file used as a directory: ENOTDIR,
    which holds even for root, unlike chmod 0)."""
    (tmp_path / "afile").write_text("")
    r = nsf("zone", "check", str(tmp_path / "afile" / "example.com.zone"))
    assert r.returncode == 2, str(r)
    assert "example.com.zone" in r.stderr, str(r)


def test_directory_as_file(nsf, tmp_path):
    r = nsf("zone", "check", str(tmp_path))
    assert r.returncode == 2, str(r)
    assert r.stderr.strip(), str(r)


@pytest.mark.parametrize("args", [
    [],
    ["zone"],
    ["zone", "check"],
    ["zone", "print"],
    ["zone", "diff"],
    ["zone", "diff", "example.com.zone"],
    ["zone", "check", "example.com.zone", "example.com.zone"],
    ["zone", "diff", "example.com.zone", "example.com.zone", "example.com.zone"],
    ["zone", "frobnicate", "example.com.zone"],
    ["frobnicate"],
    ["zone", "check", "--bogus", "example.com.zone"],
    ["zone", "check", "example.com.zone", "--origin"],
    ["zone", "check", "example.com.zone", "--origin", "bad..name"],
], ids=lambda a: " ".join(a) or "no-args")
def test_usage_errors(nsf, args):
    r = nsf(*args)
    assert r.returncode == 2, str(r)
    assert r.stderr.strip(), f"a usage error says something on stderr:\n{r}"
    assert r.stdout == "", str(r)


def test_help(nsf):
    r = nsf("--help")
    assert r.returncode == 0, str(r)
    assert "zone" in r.stdout, f"--help lists the zone subcommand:\n{r}"
    assert "usage" in r.stdout.lower(), str(r)


def test_zone_help(nsf):
    r = nsf("zone", "--help")
    assert r.returncode == 0, str(r)
    for word in ("check", "print", "diff", "--origin", "--json"):
        assert word in r.stdout, f"zone --help mentions {word}:\n{r}"


def test_version(nsf):
    version = re.search(r"version\s*:\s*'([^']+)'", (REPO / "meson.build").read_text())[1]
    r = nsf("--version")
    assert r.returncode == 0, str(r)
    assert r.stdout.startswith("nsfleet") and version in r.stdout, \
        f"--version prints the name and version {version}:\n{r}"
    assert r.stdout.count("\n") == 1, str(r)


def test_error_in_included_file(nsf, tmp_path):
    """A problem in an $INCLUDEd file is reported at that file's line."""
    head = (ERRORS / "warnings.example.zone").read_text().splitlines()[:5]
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "part.inc").write_text("good A 192.0.2.1\nbad  A 192.0.2.300\n")
    (tmp_path / "inc.example.zone").write_text("\n".join(head + ["$INCLUDE inc/part.inc",
                                                                "after A 192.0.2.2"]) + "\n")
    r = nsf("zone", "check", "inc.example.zone", cwd=tmp_path)
    assert r.returncode == 1, str(r)
    diags = parse_diags(r.stderr)
    assert [(d.file.endswith("part.inc"), d.line, d.col) for d in diags] == [(True, 2, 8)], str(r)


def test_syntax_and_semantic_problems_in_one_run(nsf, tmp_path):
    """'All problems of a file are reported': a syntax error does not hide
    a semantic problem among the records that parsed (two independent
    names here)."""
    head = (ERRORS / "warnings.example.zone").read_text().splitlines()[:5]
    f = tmp_path / "mixed.example.zone"
    f.write_text("\n".join(head + ["bad   A     192.0.2.256",
                                   "both  A     192.0.2.1",
                                   "both  CNAME ns1"]) + "\n")
    r = nsf("zone", "check", f.name, cwd=tmp_path)
    assert r.returncode == 1, str(r)
    got = [(d.line, d.col, d.severity) for d in parse_diags(r.stderr)]
    assert got == [(6, 13, "error"), (8, 1, "error")], str(r)
