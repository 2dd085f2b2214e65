"""Hostile and broken input files: each gives a clear error and a non-zero
exit within the timeout, never a crash (a signal fails the test in run()),
never an endless loop (the 60 s timeout fails it).

Every case runs both zone check and zone print.
"""

import os
import shutil
import time

import pytest

from conftest import TIMEOUT, parse_diags

HEADER = [
    "$TTL 3600",
    "@    SOA   ns1 hostmaster 1 7200 3600 1209600 300",
    "     NS    ns1",
    "ns1  A     192.0.2.1",
]
BAD_LINE = len(HEADER) + 1      # the line after the header


def write_zone(tmp_path, body: bytes, name="bad.example.zone"):
    f = tmp_path / name
    f.write_bytes("\n".join(HEADER).encode() + b"\n" + body)
    return f


def run_both(nsf, f, cwd):
    out = []
    for cmd in ("check", "print"):
        r = nsf("zone", cmd, f.name, cwd=cwd)
        assert r.returncode == 1, f"zone {cmd}: exit status 1 for a zone with errors:\n{r}"
        if cmd == "print":
            assert r.stdout == "", f"zone print prints nothing for a zone with errors:\n{r}"
        diags = parse_diags(r.stderr, strict=False)
        errors = [d for d in diags if d.severity == "error"]
        assert errors, f"zone {cmd}: no FILE:LINE:COL: error: diagnostic:\n{r}"
        assert len(errors) <= 100, f"zone {cmd}: more than 100 errors"
        out.append((r, errors))
    return out[0]


def test_nul_bytes(nsf, tmp_path):
    f = write_zone(tmp_path, b"www\x00x A 192.0.2.1\nok A 192.0.2.2\n")
    r, errors = run_both(nsf, f, tmp_path)
    assert errors[0].line == BAD_LINE, str(r)


def test_nul_bytes_in_txt(nsf, tmp_path):
    f = write_zone(tmp_path, b'txt TXT "a\x00b"\n')
    r, errors = run_both(nsf, f, tmp_path)
    assert errors[0].line == BAD_LINE, str(r)


def test_invalid_utf8_as_type(nsf, tmp_path):
    f = write_zone(tmp_path, b"bad \xc3\x28 192.0.2.1\n")
    r, errors = run_both(nsf, f, tmp_path)
    assert (errors[0].line, errors[0].col) == (BAD_LINE, 5), str(r)


def test_invalid_utf8_in_txt(nsf, tmp_path):
    """Invalid UTF-8 is refused even in a quoted string (the octets must be
    written as \\DDD); BIND would take them as they are."""
    f = write_zone(tmp_path, b'txt TXT "caf\xc3\xa9 \xff"\nok A 192.0.2.2\n')
    r, errors = run_both(nsf, f, tmp_path)
    assert [e.line for e in errors] == [BAD_LINE], str(r)
    assert "UTF-8" in errors[0].message, str(r)


def test_utf8_in_txt_is_data(nsf, tmp_path):
    """Valid UTF-8 in a TXT string is data; the canonical output is ASCII,
    the octets as \\DDD (RFC 1035 §5.1)."""
    f = write_zone(tmp_path, 'txt TXT "café ☃"\n'.encode())
    r = nsf("zone", "print", f.name, cwd=tmp_path)
    assert r.returncode == 0, str(r)
    assert r.stdout_bytes.isascii(), f"zone print writes raw octets:\n{r}"
    assert 'txt.bad.example.\t3600\tIN\tTXT\t"caf\\195\\169 \\226\\152\\131"\n' in r.stdout, str(r)


def test_one_gigabyte_line(nsf, tmp_path):
    """A 1 GiB line (an unquoted TXT string far over 255 octets), written in
    1 MiB chunks and deleted after the test."""
    f = tmp_path / "huge.example.zone"
    chunk = b"a" * (1 << 20)
    with open(f, "wb") as out:
        out.write("\n".join(HEADER).encode() + b"\nhuge TXT ")
        for _ in range(1024):
            out.write(chunk)
        out.write(b"\nok A 192.0.2.2\n")
    try:
        t0 = time.monotonic()
        r, errors = run_both(nsf, f, tmp_path)
        assert time.monotonic() - t0 < 2 * TIMEOUT
        assert errors[0].line == BAD_LINE, str(r)
    finally:
        f.unlink()


def test_include_directory(nsf, tmp_path):
    d = tmp_path / "adir"
    d.mkdir()
    f = write_zone(tmp_path, f"$INCLUDE {d}\n".encode())
    r, errors = run_both(nsf, f, tmp_path)
    assert (errors[0].line, errors[0].col) == (BAD_LINE, 10), str(r)


def test_include_dev_zero(nsf, tmp_path):
    f = write_zone(tmp_path, b"$INCLUDE /dev/zero\n")
    r, errors = run_both(nsf, f, tmp_path)
    assert any(e.line == BAD_LINE or e.file == "/dev/zero" for e in errors), str(r)


def test_include_loop(nsf, tmp_path):
    """a includes b, b includes a: an error, not a stack overflow."""
    f = write_zone(tmp_path, b"$INCLUDE b.inc\n", name="a.example.zone")
    (tmp_path / "b.inc").write_text("x A 192.0.2.9\n$INCLUDE a.example.zone\n")
    r, errors = run_both(nsf, f, tmp_path)
    assert len(r.stderr) < 100_000, "the loop is reported, not walked"


def test_include_self(nsf, tmp_path):
    f = write_zone(tmp_path, b"$INCLUDE self.example.zone\n", name="self.example.zone")
    r, errors = run_both(nsf, f, tmp_path)
    assert len(r.stderr) < 100_000


def test_generate_one_billion(nsf, tmp_path):
    f = write_zone(tmp_path, b"$GENERATE 1-1000000000 h$ A 192.0.2.1\n")
    r, errors = run_both(nsf, f, tmp_path)
    assert errors[0].line == BAD_LINE, str(r)


def test_empty_file(nsf, tmp_path):
    f = tmp_path / "empty.example.zone"
    f.write_bytes(b"")
    r, errors = run_both(nsf, f, tmp_path)
    assert any("no SOA" in e.message for e in errors), str(r)


def test_binary_file(nsf, tmp_path):
    f = tmp_path / "ls.example.zone"
    shutil.copyfile("/bin/ls", f)
    run_both(nsf, f, tmp_path)


def test_random_bytes(nsf, tmp_path):
    import random
    seed = int(os.environ.get("NSFLEET_SEED", random.randrange(1 << 32)))
    print(f"seed={seed} (NSFLEET_SEED={seed} repeats this run)")
    rnd = random.Random(seed)
    f = tmp_path / "random.example.zone"
    f.write_bytes(bytes(rnd.randrange(256) for _ in range(1 << 16)))
    run_both(nsf, f, tmp_path)


def test_only_open_parenthesis(nsf, tmp_path):
    f = tmp_path / "paren.example.zone"
    f.write_bytes(b"(")
    r, errors = run_both(nsf, f, tmp_path)
    assert any((e.line, e.col) == (1, 1) and "parenthes" in e.message.lower()
               for e in errors), str(r)


def test_nested_parenthesis(nsf, tmp_path):
    f = write_zone(tmp_path, b"x ( A ( 192.0.2.1 ) )\n")
    r, errors = run_both(nsf, f, tmp_path)
    assert (errors[0].line, errors[0].col) == (BAD_LINE, 7), str(r)


def test_many_open_parentheses(nsf, tmp_path):
    f = write_zone(tmp_path, b"(" * 100000 + b"\n")
    r, errors = run_both(nsf, f, tmp_path)
    assert errors[0].line == BAD_LINE, str(r)


def test_long_owner(nsf, tmp_path):
    f = write_zone(tmp_path, b"a." * 500000 + b" A 192.0.2.1\n")
    r, errors = run_both(nsf, f, tmp_path)
    assert (errors[0].line, errors[0].col) == (BAD_LINE, 1), str(r)


def test_no_final_newline(nsf, tmp_path):
    """Not an error: the last record without a newline still counts."""
    f = write_zone(tmp_path, b"last A 192.0.2.5")
    r = nsf("zone", "print", f.name, cwd=tmp_path)
    assert r.returncode == 0, str(r)
    assert "last.bad.example.\t3600\tIN\tA\t192.0.2.5\n" in r.stdout, str(r)


def test_crlf_line_ends(nsf, tmp_path):
    """Not an error: CR LF line ends (files edited on Windows) load as LF."""
    body = "\r\n".join(HEADER + ["crlf A 192.0.2.5", "txt TXT \"x\"", ""]).encode()
    f = tmp_path / "crlf.example.zone"
    f.write_bytes(body)
    r = nsf("zone", "print", f.name, cwd=tmp_path)
    assert r.returncode == 0, str(r)
    assert "crlf.crlf.example.\t3600\tIN\tA\t192.0.2.5\n" in r.stdout, str(r)
    assert "txt.crlf.example.\t3600\tIN\tTXT\t\"x\"\n" in r.stdout, str(r)
