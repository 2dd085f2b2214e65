"""Helpers of the nsfleet monitor system tests: a strict parser of the
Prometheus text exposition format (version 0.0.4), the monitor process,
its alert hook's record, and a Knot DNS secondary.

python3-prometheus-client is not installed here, and its parser is lenient
anyway; this one rejects what the format does not allow."""

import json
import math
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from nsfleetd_harness import free_port

# ------------------------------------------------------------ the exposition

METRIC_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class ExpositionError(AssertionError):
    pass


def _value(text, line):
    if text in ("NaN", "+Inf", "-Inf"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.fullmatch(r"[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)", text):
        raise ExpositionError(f"bad value {text!r} in line {line!r}")
    return float(text)


def _labels(s, line):
    """Parses 'a="x",b="y"' (the text between the braces)."""
    out = {}
    i = 0
    while i < len(s):
        m = LABEL_RE.match(s, i)
        if not m:
            raise ExpositionError(f"bad label name at {s[i:]!r} in {line!r}")
        name = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            raise ExpositionError(f"expected =\" after label {name} in {line!r}")
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise ExpositionError(f"unterminated label value in {line!r}")
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise ExpositionError(f"bad escape \\{nxt} in {line!r}")
                val.append("\n" if nxt == "n" else nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise ExpositionError(f"newline in label value in {line!r}")
            else:
                val.append(c)
                i += 1
        if name in out:
            raise ExpositionError(f"label {name} twice in {line!r}")
        out[name] = "".join(val)
        if i < len(s):
            if s[i] != ",":
                raise ExpositionError(f"expected , between labels in {line!r}")
            i += 1
    return out


def _family_of(name, types):
    """The family a sample name belongs to (summary/histogram suffixes)."""
    if name in types:
        return name
    for suf in ("_sum", "_count", "_bucket"):
        if name.endswith(suf) and types.get(name[: -len(suf)]) in ("summary", "histogram"):
            return name[: -len(suf)]
    return name


def parse_exposition(text):
    """Parses text strictly; returns {family: {"type", "help", "samples":
    [(name, labels dict, value)]}}.  Raises ExpositionError on anything
    the format does not allow: a sample before its TYPE, a TYPE or HELP
    twice, a family's samples not together, a duplicate series, bad names,
    bad escapes, bad values, a negative counter, no final newline."""
    if text and not text.endswith("\n"):
        raise ExpositionError("the text does not end with a newline")
    fams = {}
    types = {}
    done = set()  # families whose samples ended
    current = None
    series = set()
    for line in text.split("\n")[:-1]:
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 2 and parts[1] in ("HELP", "TYPE"):
                if len(parts) < 3 or not METRIC_RE.fullmatch(parts[2]):
                    raise ExpositionError(f"bad {parts[1]} line {line!r}")
                name = parts[2]
                f = fams.setdefault(name, {"type": "untyped", "help": None, "samples": [],
                                           "typed": False})
                if name in done or (f["samples"] and parts[1] == "TYPE"):
                    raise ExpositionError(f"{parts[1]} of {name} after its samples")
                if parts[1] == "TYPE":
                    if f["typed"]:
                        raise ExpositionError(f"TYPE of {name} twice")
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise ExpositionError(f"bad TYPE line {line!r}")
                    f["type"] = parts[3]
                    f["typed"] = True
                    types[name] = parts[3]
                else:
                    if f["help"] is not None:
                        raise ExpositionError(f"HELP of {name} twice")
                    f["help"] = parts[3] if len(parts) == 4 else ""
            continue
        m = METRIC_RE.match(line)
        if not m:
            raise ExpositionError(f"bad sample line {line!r}")
        name = m.group(0)
        rest = line[m.end():]
        labels = {}
        if rest.startswith("{"):
            end = rest.rfind("}")
            if end < 0:
                raise ExpositionError(f"no closing brace in {line!r}")
            labels = _labels(rest[1:end], line)
            rest = rest[end + 1:]
        if not rest.startswith(" "):
            raise ExpositionError(f"expected a space before the value in {line!r}")
        fields = rest[1:].split(" ")
        if len(fields) not in (1, 2) or fields[0] == "":
            raise ExpositionError(f"bad value part in {line!r}")
        value = _value(fields[0], line)
        if len(fields) == 2 and not re.fullmatch(r"-?\d+", fields[1]):
            raise ExpositionError(f"bad timestamp in {line!r}")
        fam = _family_of(name, types)
        if fam != current:
            if fam in done:
                raise ExpositionError(f"samples of {fam} not together ({line!r})")
            if current is not None:
                done.add(current)
            current = fam
        f = fams.setdefault(fam, {"type": "untyped", "help": None, "samples": [],
                                  "typed": False})
        if f["type"] == "summary":
            if name == fam and "quantile" not in labels:
                raise ExpositionError(f"summary sample without quantile: {line!r}")
            if name != fam and "quantile" in labels:
                raise ExpositionError(f"quantile label on {name}: {line!r}")
        if f["type"] == "counter" and not (value >= 0 or math.isnan(value)):
            raise ExpositionError(f"negative counter {line!r}")
        key = (name, tuple(sorted(labels.items())))
        if key in series:
            raise ExpositionError(f"series twice: {line!r}")
        series.add(key)
        f["samples"].append((name, labels, value))
    for f in fams.values():
        del f["typed"]
    return fams


def value(fams, name, **labels):
    """The value of the one sample of name with exactly these labels (None
    when there is none)."""
    fam = _family_of(name, {k: v["type"] for k, v in fams.items()})
    for n, ls, v in fams.get(fam, {}).get("samples", []):
        if n == name and ls == labels:
            return v
    return None


# ------------------------------------------------------------- the monitor

HOOK_SCRIPT = """import sys
data = sys.stdin.read()
with open(sys.argv[1], "a") as f:
    f.write(data if data.endswith("\\n") else data + "\\n")
"""


def write_config(path, servers, zone="example.com", primary=None, interval=0.5, timeout=1,
                 tries=2, hook=None, down_after=3, diverged_after=2, extra_monitor=()):
    """servers: list of (name, addr, port)."""
    lines = ["monitor:", f"  interval: {interval}", f"  timeout: {timeout}",
             f"  tries: {tries}", "  listen: \"127.0.0.1#0\"", *extra_monitor,
             "alert:", f"  down-after: {down_after}", f"  diverged-after: {diverged_after}s"]
    if hook:
        lines.append("  hook: [ " + ", ".join(json.dumps(str(a)) for a in hook) + " ]")
    lines.append("nameserver:")
    for name, addr, port in servers:
        lines.append(f"  - {{ name: {name}, address: \"{addr}#{port}\" }}")
    lines += ["zone:", f"  - domain: {zone}"]
    if primary:
        lines.append(f"    primary: {primary}")
    Path(path).write_text("\n".join(lines) + "\n")


class Monitor:
    def __init__(self, nsfleet, conf, tmp_path):
        self.log_path = tmp_path / "monitor.log"
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(nsfleet), "monitor", str(conf)], stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        m = self.wait_log(r"http://127\.0\.0\.1:(\d+)/metrics")
        self.port = int(m.group(1))

    def log(self):
        if not self.logf.closed:
            self.logf.flush()
        return self.log_path.read_text(errors="backslashreplace")

    def wait_log(self, pattern, timeout=20):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        while time.monotonic() < deadline:
            m = rx.search(self.log())
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        pytest.fail(f"monitor: no log line {pattern!r} within {timeout}s:\n{self.log()}",
                    pytrace=False)

    def get(self, path="/metrics"):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()

    def scrape(self):
        status, ctype, body = self.get("/metrics")
        assert status == 200
        assert ctype.startswith("text/plain; version=0.0.4"), ctype
        return parse_exposition(body)

    def wait_metrics(self, cond, what, timeout=40):
        """Scrapes until cond(families) is true; returns the families."""
        deadline = time.monotonic() + timeout
        fams = None
        while time.monotonic() < deadline:
            try:
                fams = self.scrape()
            except urllib.error.HTTPError as e:
                if e.code != 503:  # before the first round
                    raise
                fams = None
            if fams is not None and cond(fams):
                return fams
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        dump = "" if fams is None else "\n".join(
            f"{n}{ls} {v}" for f in fams.values() for n, ls, v in f["samples"]
            if n.startswith("nsfleet_ns_") and "latency" not in n)
        pytest.fail(f"monitor: {what} not seen within {timeout}s; last scrape:\n{dump}\n"
                    f"log:\n{self.log()}", pytrace=False)

    def rounds(self):
        return value(self.scrape(), "nsfleet_monitor_rounds_total")

    def wait_rounds(self, n, timeout=40):
        """Waits until n more rounds ran."""
        start = self.rounds()
        self.wait_metrics(lambda f: value(f, "nsfleet_monitor_rounds_total") >= start + n,
                          f"{n} more rounds", timeout)

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.logf.close()
                pytest.fail(f"monitor did not stop within {timeout}s of SIGTERM:\n"
                            f"{self.log()}", pytrace=False)
        self.logf.close()
        return self.proc.returncode


class HookRecord:
    """The alert hook: a python script appending its stdin to a file."""

    def __init__(self, tmp_path):
        self.script = tmp_path / "hook.py"
        self.script.write_text(HOOK_SCRIPT)
        self.out = tmp_path / "hook.jsonl"
        self.argv = [sys.executable, str(self.script), str(self.out)]

    def events(self):
        if not self.out.exists():
            return []
        return [json.loads(line) for line in self.out.read_text().splitlines() if line]

    def matching(self, **kw):
        return [e for e in self.events() if all(e.get(k) == v for k, v in kw.items())]

    def wait(self, what, timeout=40, **kw):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.matching(**kw)
            if got:
                return got
            time.sleep(0.1)
        pytest.fail(f"no hook call {what} ({kw}) within {timeout}s; calls: {self.events()}",
                    pytrace=False)


# ---------------------------------------------------------------- Knot DNS


def knotd_path():
    return shutil.which("knotd") or ("/usr/sbin/knotd" if Path("/usr/sbin/knotd").exists()
                                     else None)


class KnotSecondary:
    """knotd as a secondary of example.com from (addr, port), on its own
    free port.  It is never notified by the tests' primary and refreshes
    only after the SOA refresh (an hour): a secondary left stale."""

    def __init__(self, tmp_path, primary_port, primary_addr="127.0.0.1"):
        knotd = knotd_path()
        if knotd is None:
            pytest.skip("knotd not installed (Debian package knot)")
        self.dir = tmp_path / "knot"
        self.dir.mkdir()
        self.port = free_port(False)
        self.conf = self.dir / "knot.conf"
        self.conf.write_text(f"""server:
    rundir: "{self.dir}"
    listen: 127.0.0.1@{self.port}
remote:
  - id: primary
    address: {primary_addr}@{primary_port}
database:
    storage: "{self.dir}"
template:
  - id: default
    storage: "{self.dir}"
zone:
  - domain: example.com
    master: primary
    file: "{self.dir}/example.com.zone"
log:
  - target: stderr
    any: info
""")
        self.logf = open(self.dir / "knotd.log", "wb")
        self.proc = subprocess.Popen([knotd, "-c", str(self.conf)], stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def log(self):
        self.logf.flush()
        return (self.dir / "knotd.log").read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
