"""Shared helpers of the nsfleet system tests.

The binary under test is $NSFLEET, or <repo>/build/src/tools/nsfleet.  A
missing binary is a failure, never a skip.  Every process is started with a
timeout; a process killed by a signal (a crash) fails the test.

Run with the Debian python, which has pytest and dnspython:
    /usr/bin/python3 -m pytest tests/system
Set NSFLEET_UPDATE_GOLDEN=1 to rewrite the golden files instead of comparing.
"""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.DNSKEY
import dns.rdtypes.ANY.RRSIG
import dns.tokenizer
import pytest

REPO = Path(__file__).resolve().parents[2]
ZONES = REPO / "tests" / "zones"
GOLDEN = ZONES / "golden"
ERRORS = ZONES / "errors"
TIMEOUT = 60

# The valid zones: every *.zone directly in tests/zones.  Their origin is the
# file name without ".zone" (the rule of doc/nsfleet-zone.md).
VALID_ZONES = sorted(p.name for p in ZONES.glob("*.zone"))


def origin_of(zone_file):
    name = Path(zone_file).name
    if name.endswith(".zone"):
        name = name[: -len(".zone")]
    return name + "."


def nsfleet_path():
    env = os.environ.get("NSFLEET")
    return Path(env) if env else REPO / "build" / "src" / "tools" / "nsfleet"


@pytest.fixture(scope="session")
def nsfleet():
    path = nsfleet_path()
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"nsfleet binary not found or not executable: {path}\n"
            "build it (meson setup build && ninja -C build) or set NSFLEET=/path/to/nsfleet",
            pytrace=False,
        )
    return path


def _decode(b):
    return b.decode("utf-8", errors="backslashreplace")


@dataclass
class Result:
    args: list
    returncode: int
    stdout: str
    stderr: str
    stdout_bytes: bytes = b""

    def __str__(self):
        out = self.stdout if len(self.stdout) < 4000 else self.stdout[:4000] + "\n[...]"
        err = self.stderr if len(self.stderr) < 4000 else self.stderr[:4000] + "\n[...]"
        return (f"$ {' '.join(map(str, self.args))}\nexit status {self.returncode}\n"
                f"--- stdout\n{out}--- stderr\n{err}---")


def run(cmd, cwd=ZONES, timeout=TIMEOUT, input=None):
    """Runs cmd (a list) and returns a Result; fails on timeout or signal."""
    try:
        p = subprocess.run([str(c) for c in cmd], cwd=cwd, input=input,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"timeout after {timeout}s: {' '.join(map(str, cmd))}", pytrace=False)
    r = Result(list(cmd), p.returncode, _decode(p.stdout), _decode(p.stderr), p.stdout)
    if p.returncode < 0:
        pytest.fail(f"killed by signal {-p.returncode} (crash):\n{r}", pytrace=False)
    return r


@pytest.fixture
def nsf(nsfleet):
    """nsf('zone', 'check', FILE, ...) runs nsfleet in tests/zones."""
    def _run(*args, cwd=ZONES, timeout=TIMEOUT, input=None):
        return run([nsfleet, *args], cwd=cwd, timeout=timeout, input=input)
    return _run


# --- diagnostics --------------------------------------------------------------

DIAG_RE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): "
                     r"(?P<severity>error|warning): (?P<message>.+)$")


@dataclass(frozen=True)
class Diag:
    file: str
    line: int
    col: int
    severity: str
    message: str

    def __str__(self):
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"


def parse_diags(stderr, strict=True):
    """The diagnostics of stderr.  strict: every non-empty line must be one."""
    diags, other = [], []
    for line in stderr.splitlines():
        if not line.strip():
            continue
        m = DIAG_RE.match(line)
        if m:
            diags.append(Diag(m["file"], int(m["line"]), int(m["col"]),
                              m["severity"], m["message"]))
        else:
            other.append(line)
    if strict:
        assert not other, ("lines on stderr that are not FILE:LINE:COL: error|warning: MSG "
                           "diagnostics:\n" + "\n".join(other))
    return diags


SUMMARY_OK_RE = re.compile(r"^zone (?P<zone>\S+): OK, serial (?P<serial>\d+), "
                           r"(?P<records>\d+) records?, (?P<warnings>\d+) warnings?$")
SUMMARY_FAIL_RE = re.compile(r"^zone (?P<zone>\S+): FAILED, (?P<errors>\d+) errors?, "
                             r"(?P<warnings>\d+) warnings?$")


def plural_ok(text, n, word):
    """'1 warning', '2 warnings', '0 warnings' as the doc's examples show."""
    return f"{n} {word}" + ("" if n == 1 else "s") in text


# --- records ------------------------------------------------------------------

IN = dns.rdataclass.IN
ROOT = dns.name.root
_SIG = dns.rdatatype.from_text("SIG")
_KEY = dns.rdatatype.from_text("KEY")
_NSEC = dns.rdatatype.NSEC
_NID = dns.rdatatype.from_text("NID")
_L64 = dns.rdatatype.from_text("L64")


def parse_rdata(rdtype, text):
    """Rdata from presentation text; dnspython 2.3 lacks SIG and KEY, which
    have the syntax of RRSIG and DNSKEY."""
    if rdtype in (_SIG, _KEY) and not text.lstrip().startswith("\\#"):
        cls = dns.rdtypes.ANY.RRSIG.RRSIG if rdtype == _SIG else dns.rdtypes.ANY.DNSKEY.DNSKEY
        tok = dns.tokenizer.Tokenizer(text)
        rd = cls.from_text(IN, rdtype, tok, ROOT, False, None)
        tok.get_eol()
        return rd
    if rdtype in (_NID, _L64) and not text.lstrip().startswith("\\#"):
        # BIND prints 2001:db8:1140:1000 (no leading zeros), dnspython 2.3
        # wants four hex digits per group: both are the same 64 bits
        pref, loc = text.split()
        text = pref + " " + ":".join(g.rjust(4, "0") for g in loc.split(":"))
    return dns.rdata.from_text(IN, rdtype, text, origin=ROOT, relativize=False)


def canonical_wire(rd):
    """The rdata in canonical form (RFC 4034 §6.2).  NSEC's next name is
    lower-cased too (RFC 4034 lists NSEC, RFC 6840 §5.1 removed it): the
    comparisons with BIND must not depend on that choice."""
    if rd.rdtype == _NSEC:
        rd = rd.replace(next=rd.next.canonicalize())
    return rd.to_digestable(ROOT)


@dataclass(frozen=True)
class RR:
    owner: dns.name.Name
    ttl: int
    rdclass: int
    rdtype: int
    wire: bytes          # canonical rdata wire
    text: str            # the line it came from

    @property
    def key(self):
        """Semantic identity: what must be equal between two tools."""
        return (self.owner.to_text().lower(), self.ttl, self.rdclass, self.rdtype, self.wire)

    @property
    def order(self):
        """RFC 4034 §6 canonical order: dnspython's Name comparison is it."""
        return (self.owner, self.rdtype, self.wire)


def parse_rr_line(line):
    """One RR in the form OWNER TTL CLASS TYPE RDATA (whitespace separated,
    the form of zone print and of named-compilezone -s full)."""
    parts = line.split(None, 4)
    if len(parts) < 4:
        raise ValueError(f"not an RR line: {line!r}")
    owner, ttl, rdclass, rdtype = parts[:4]
    rdata = parts[4] if len(parts) == 5 else ""
    name = dns.name.from_text(owner, origin=None)
    t = dns.rdatatype.from_text(rdtype)
    rd = parse_rdata(t, rdata)
    return RR(name, int(ttl), dns.rdataclass.from_text(rdclass), t, canonical_wire(rd), line)


def parse_rr_text(text):
    """All RRs of a one-RR-per-line text; comment and blank lines skipped."""
    rrs = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(";"):
            continue
        try:
            rrs.append(parse_rr_line(line))
        except Exception as e:  # noqa: BLE001 - report the line
            raise AssertionError(f"cannot parse RR line {line!r}: {e}") from e
    return rrs


def rr_keys(rrs):
    return {rr.key for rr in rrs}


def describe_difference(ours, theirs, our_name="nsfleet", their_name="BIND"):
    a = {rr.key: rr.text for rr in ours}
    b = {rr.key: rr.text for rr in theirs}
    lines = [f"only in {our_name}:"] + sorted("  " + a[k] for k in a.keys() - b.keys())
    lines += [f"only in {their_name}:"] + sorted("  " + b[k] for k in b.keys() - a.keys())
    return "\n".join(lines)


# --- BIND ---------------------------------------------------------------------

BIND_COMPILE = ["named-compilezone", "-k", "ignore", "-n", "ignore", "-m", "ignore",
                "-M", "ignore", "-S", "ignore", "-r", "ignore", "-T", "ignore",
                "-W", "ignore", "-i", "none", "-s", "full", "-o", "-"]


def need(tool):
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed (Debian package bind9-utils)", pytrace=False)


def bind_compile(origin, path, cwd=ZONES):
    """The zone as named-compilezone dumps it: one RR per line, absolute
    names.  -i none and the check modes 'ignore': BIND only loads."""
    need("named-compilezone")
    r = run(BIND_COMPILE + [origin, path], cwd=cwd)
    assert r.returncode == 0, f"BIND cannot load {path}:\n{r}"
    # named-compilezone writes its own messages on stdout after the dump
    text = "\n".join(l for l in r.stdout.splitlines()
                     if not l.startswith("zone ") and l != "OK")
    return text


def bind_check(origin, path, cwd=ZONES):
    need("named-checkzone")
    return run(["named-checkzone", "-i", "local", origin, path], cwd=cwd)


# --- golden files ---------------------------------------------------------------

def update_golden():
    return os.environ.get("NSFLEET_UPDATE_GOLDEN") == "1"


def check_golden(path, actual):
    """Compares actual with the golden file byte for byte, or rewrites it
    with NSFLEET_UPDATE_GOLDEN=1 (then review the git diff!)."""
    if update_golden():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
        return
    assert path.exists(), (f"no golden file {path}; create it with NSFLEET_UPDATE_GOLDEN=1 "
                           "after checking the output by hand")
    expected = path.read_bytes()
    if actual != expected:
        import difflib
        diff = "\n".join(difflib.unified_diff(
            _decode(expected).splitlines(), _decode(actual).splitlines(),
            str(path), "actual", lineterm=""))
        pytest.fail(f"output differs from golden file {path}:\n{diff}", pytrace=False)
