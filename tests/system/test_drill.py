"""`nsfleet drill` on real labs in network namespaces (lab_util's fixture):

- a 4-server fleet (nsfleetd, BIND, Knot, NSD) survives the SIGKILL and the
  partition (nft drop inside its namespace) of each server in turn with at
  least 99 % of the queries through Unbound answered and no wrong answer;
  --json, --svg and --samples are well formed;
- a 1-server "fleet" is reported as failing the kill drill;
- the other scenarios on a 2-server fleet: stale, primary loss, bad push,
  all-but-one;
- usage errors and the drill of no lab.

Skipped only where network namespaces cannot be made (the fixture says
why).  Every test's lab is torn down by the fixture, also on failure.
"""

import csv

from drill_util import FAST, check_svg, drill, drill_json, lab_whole, scenarios
from lab_util import lab  # noqa: F401

FOUR = ["name: ns1\n    software: nsfleetd", "name: ns2\n    software: bind",
        "name: ns3\n    software: knot", "name: ns4\n    software: nsd"]


def up_with(lab, secondaries):
    lab.write(secondaries=secondaries)
    lab.up()
    rc, st = lab.status()
    return [s for s in st["servers"] if s["role"] == "secondary"], st


def test_drill_four_servers_kill_and_partition(lab, tmp_path):
    secs, st = up_with(lab, FOUR)
    assert len(secs) >= 2, f"too few secondaries could run here: {st['skipped']}"
    svg = tmp_path / "drill.svg"
    samples = tmp_path / "samples.csv"
    rc, j, err = drill_json(lab, "--scenario", "kill,partition", *FAST, "--svg", str(svg),
                            "--samples", str(samples))
    sc = scenarios(j)
    assert set(sc) == {"kill", "partition"}, j
    for name, s in sc.items():
        q = s["queries"]
        assert q["wrong"] == 0, (name, s)
        assert q["sent"] >= 10 * len(secs), (name, q)  # a real load ran
        assert q["success"] >= 0.99, (name, s, err, lab.logs())
        assert s["pass"] is True, (name, s)
        assert s["converge_s"] is not None, (name, s)
        # every secondary was hit: one fault window each
        assert len(s["fault_windows_s"]) == len(secs), s["fault_windows_s"]
        hit = " ".join(e["what"] for e in s["events"])
        for sec in secs:
            assert sec["name"] in hit, (sec["name"], hit)
    assert rc == 0 and j["pass"] is True, j
    assert "unique" in j["load"]["names"]
    for name in ("kill", "partition"):
        check_svg(tmp_path / f"drill-{name}.svg")
    rows = list(csv.DictReader(samples.open()))
    assert {r["scenario"] for r in rows} == {"kill", "partition"}
    assert sum(r["result"] == "ok" for r in rows) >= 0.99 * len(rows)
    # the lab is whole again: restarted servers, no nft rule left
    lab_whole(lab)
    for sec in secs:
        r = lab.in_hub("ip", "netns", "exec", sec["namespace"], "nft", "list", "tables")
        assert "nsfl_drill" not in r.stdout, r.stdout


def test_drill_one_server_fails_kill(lab):
    secs, st = up_with(lab, ["name: ns1\n    software: nsfleetd"])
    assert len(secs) == 1
    rc, out, err = drill(lab, "--scenario", "kill", *FAST)
    assert rc == 1, out + err
    assert "drill kill: FAIL" in out, out
    assert "success rate" in out and "WRONG" in out, out
    rc, j, err = drill_json(lab, "--scenario", "kill", *FAST)
    s = scenarios(j)["kill"]
    assert rc == 1 and j["pass"] is False and s["pass"] is False, j
    assert s["queries"]["success"] < 0.99, s
    assert s["queries"]["wrong"] == 0, s  # failing is not lying
    assert s["during_faults"]["ok"] < s["during_faults"]["sent"], s
    lab_whole(lab)  # the one server was restarted


def test_drill_other_scenarios(lab):
    secs, st = up_with(lab, ["name: ns1\n    software: nsfleetd", "name: ns2\n    software: nsd"])
    assert len(secs) >= 2, st["skipped"]
    rc, j, err = drill_json(lab, "--scenario", "stale,primary-loss,bad-push,all-but-one", *FAST)
    sc = scenarios(j)
    for name, s in sc.items():
        assert s["queries"]["wrong"] == 0, (name, s)
        assert s["converge_s"] is not None, (name, s, lab.logs())
    stale = sc["stale"]
    assert stale["pass"] is True, stale
    assert stale["stale_s"] is None or stale["stale_s"] >= 1.5, stale  # blocked through the fault
    loss = sc["primary-loss"]
    assert loss["pass"] is True, loss
    assert "servers answer with serial" in loss["seen"], loss
    bad = sc["bad-push"]
    assert bad["pass"] is True, bad
    assert bad["seen"].count("no secondary served it") == 3, bad
    assert sc["all-but-one"]["queries"]["sent"] > 0
    lab_whole(lab)


def test_drill_usage_and_no_lab(tmp_path, nsfleet):
    import subprocess

    def run(*args):
        return subprocess.run([str(nsfleet), "drill", *args], capture_output=True, text=True,
                              timeout=60)

    p = run("--scenario", "nope", "--state-dir", str(tmp_path))
    assert p.returncode == 2 and "unknown scenario 'nope'" in p.stderr, p.stderr
    p = run("--config", "fleet.yaml")
    assert p.returncode == 2 and "not supported" in p.stderr, p.stderr
    p = run("--rate", "0")
    assert p.returncode == 2, p.stderr
    p = run("--state-dir", str(tmp_path / "none"))
    assert p.returncode == 1 and "no lab is up" in p.stderr, p.stderr
