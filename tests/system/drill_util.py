"""Helpers of the `nsfleet drill` system tests (test_drill*.py).

The lab comes from lab_util's `lab` fixture (used as it is): its own name,
its own state directory, and a finalizer that runs `nsfleet lab down` and
deletes every namespace left with its prefix, also when the test failed.
The drill's nft rules live inside the lab's namespaces, so they go with
them.  Loads are small and bounded (--rate, --max-queries, --max-time);
no test asserts an upper bound on time.
"""

import json
import subprocess
import xml.etree.ElementTree as ET

import pytest

from lab_util import SANITIZER

# small, bounded drills: 10 queries/s, short faults
FAST = ["--rate", "10", "--baseline", "1", "--fault", "2", "--settle", "1",
        "--converge", "60", "--max-queries", "3000", "--max-time", "300"]


def drill(lab, *args, timeout=420):
    """Runs `nsfleet drill` on lab; (exit status, stdout, stderr)."""
    cmd = [str(lab.bin), "drill", "--state-dir", str(lab.dir), *args]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=lab.env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"timeout after {timeout}s: {' '.join(cmd)}\n{lab.logs()}", pytrace=False)
    assert p.returncode >= 0, f"nsfleet drill killed by signal {-p.returncode}:\n{p.stderr}"
    assert not SANITIZER.search(p.stderr), p.stderr
    return p.returncode, p.stdout, p.stderr


def drill_json(lab, *args, timeout=420):
    rc, out, err = drill(lab, "--json", *args, timeout=timeout)
    try:
        j = json.loads(out)
    except ValueError:
        pytest.fail(f"no JSON from nsfleet drill (exit {rc}):\n{out}\n{err}\n{lab.logs()}",
                    pytrace=False)
    return rc, j, err


def scenarios(j):
    return {s["scenario"]: s for s in j["scenarios"]}


def check_svg(path):
    """The SVG parses as XML and draws something."""
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg"), root.tag
    tags = {el.tag.split("}")[-1] for el in root.iter()}
    assert "polyline" in tags, tags
    return root


def lab_whole(lab):
    """Every node of the lab runs and every secondary serves the primary's serial."""
    rc, st = lab.status()
    servers = {s["name"]: s for s in st["servers"]}
    assert all(s["running"] for s in servers.values()), servers
    primary = next(s for s in servers.values() if s["role"] == "primary")
    lab.wait_serials(primary["serial"], roles=("secondary",), timeout=60)
