"""Differential test of nsfleetd's answers against Knot DNS and NSD.

The zone tests/zones/diff/diff.zone.in (wildcards and empty non-terminals
blocking them, CNAME chains in and out of the zone and in loops, DNAME,
delegations with in-bailiwick and sibling glue, a DS at a signed cut, TXT
answers that do not fit 512/1232/4096 octets, many types on one name) is
served under four origins: diff.example. (unsigned), nsec.example.,
nsec3.example. and nsec3o.example. (NSEC3 opt-out), the signed ones from the
fixtures made by tests/zones/diff/make-signed.sh.

knotd, nsd and nsfleetd (quick mode) are started on free loopback ports with
configs in tmp.  A few thousand questions are generated from the zones with
a seeded RNG (NSFLEET_DIFF_SEED, default below; printed): every name x type,
NODATA and NXDOMAIN at every level, wildcard synthesis, CNAME/DNAME chains,
referrals and DS at cuts, mixed case, with and without EDNS (512, 1232,
4096) and DO, over UDP, and some (all the big ones) over TCP.

Each answer is reduced to: rcode, opcode, question (exact, case included),
each header flag (QR AA TC RD RA AD CD), EDNS (present, version, DO; not
the payload size) and each section as a set of RRsets (owner lower-cased,
type, covered type, class, TTL, set of rdata).  An aspect is compared only
where knotd and nsd give the same value; where they disagree it is skipped
and counted.  The test fails on any other difference, except the documented
ones of ALLOWED below (they mirror doc/answers.md).

Run:
    /usr/bin/python3 -m pytest -s tests/system/test_differential.py
Knobs: NSFLEETD=path (default: next to $NSFLEET, else build/src/server/nsfleetd),
NSFLEET_DIFF_SEED=N, NSFLEET_DIFF_REPEAT=N (variants per question, default 2),
NSFLEET_DIFF_PEERS_ONLY=1 (knot vs nsd only, to work on the harness),
NSFLEET_DIFF_STRICT=1 (see ENFORCED).
A missing nsfleetd is a failure, never a skip.

Differences found so far (nsfleetd 8fff64e + working tree, seed 20241125),
each a real bug where Knot and NSD agree:
  1. NSEC3 owner names answered as existing names (RFC 5155 §7.2.8: the
     answer must be built as if the NSEC3 RR did not exist, i.e. NXDOMAIN
     with the SOA and, under DO, the NXDOMAIN proof):
       dig +norec +noedns 0PJM32G33MG6PD22MB49VQPHUIH23QQ2.nsec3.example. A
       knot+nsd: NXDOMAIN, SOA; nsfleetd: NOERROR, the NSEC3 in the answer
  2. QTYPE NSEC or RRSIG at a CNAME owner (also a wildcard CNAME) follows
     the CNAME; Knot and NSD answer the NSEC / RRSIG RRset of the node
     (RFC 4035 §2.5 puts them beside the CNAME; RFC 1034 §3.6.2 follows a
     CNAME only for other types):
       dig +norec c1.nsec.example. NSEC
       knot+nsd: c1 NSEC c2.nsec.example. CNAME RRSIG NSEC; nsfleetd: the chain
       dig +norec cnx.nsec.example. RRSIG -> knot+nsd NOERROR, nsfleetd NXDOMAIN
  3. Referral glue under a small UDP limit: Knot and NSD put the A glue of
     every NS first and keep ns1 A + ns2 A; nsfleetd writes ns1 A, ns1 AAAA
     and loses ns2 A:
       dig +norec +bufsize=512 +dnssec deep.ns.deleg.nsec3o.example. A
"""

import fnmatch
import os
import random
import time

import pytest

import difflib_dns as dd

DIFF = dd.REPO / "tests" / "zones" / "diff"
ZONES = [
    ("diff.example.", DIFF / "diff.zone.in", False),
    ("nsec.example.", DIFF / "nsec.example.zone.signed", True),
    ("nsec3.example.", DIFF / "nsec3.example.zone.signed", True),
    ("nsec3o.example.", DIFF / "nsec3o.example.zone.signed", True),
]
DEFAULT_SEED = 20241125

# Differences that doc/answers.md documents as nsfleetd's choice, as
# (aspect, query category, mode, transport) fnmatch patterns with the
# reason.  Only what that page documents may be listed here.
ALLOWED = [
]

# The aspects whose differences fail the test.
STRICT = os.environ.get("NSFLEET_DIFF_STRICT") == "1"
ENFORCED = set(dd.ASPECTS)


def allowed(key):
    return any(all(fnmatch.fnmatchcase(k, p) for k, p in zip(key, pat)) for *pat, _why in ALLOWED)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    peers_only = os.environ.get("NSFLEET_DIFF_PEERS_ONLY") == "1"
    if not peers_only:
        path = dd.nsfleetd_path()
        if not (path.is_file() and os.access(path, os.X_OK)):
            pytest.fail(f"nsfleetd not found or not executable: {path}\n"
                        "build it (meson setup build && ninja -C build) or set NSFLEETD=/path/to/nsfleetd; "
                        "the differential test needs the server (NSFLEET_DIFF_PEERS_ONLY=1 runs "
                        "knot vs nsd only)", pytrace=False)
    work = tmp_path_factory.mktemp("diff")
    zones = [(o, str(p)) for o, p, _ in ZONES]
    classes = [dd.Knot, dd.Nsd] + ([] if peers_only else [dd.Nsfleetd])
    started = {}
    try:
        for cls in classes:
            s = cls(work, zones)
            started[s.name] = s
            s.start()
        yield started
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    finally:
        for s in started.values():
            s.stop()


def test_differential(servers):
    seed = int(os.environ.get("NSFLEET_DIFF_SEED", DEFAULT_SEED))
    repeat = int(os.environ.get("NSFLEET_DIFF_REPEAT", 2))
    print(f"\ndifferential test: seed {seed} (NSFLEET_DIFF_SEED={seed} repeats it)")
    rng = random.Random(seed)
    queries = dd.make_queries(rng, ZONES, repeat=repeat)
    knot, nsd = servers["knot"], servers["nsd"]
    ours = servers.get("nsfleetd")
    ports = {n: s.port for n, s in servers.items()}
    ports.setdefault("nsfleetd", "PORT")
    report = dd.Report()
    t0 = time.monotonic()
    for q in queries:
        rk = dd.normalise(*dd.ask(knot, q))
        rn = dd.normalise(*dd.ask(nsd, q))
        if ours is None:
            # peers only: compare nsd with knot to exercise the harness
            report.compared += 1
            for a in dd.ASPECTS:
                if rk.values[a] != rn.values[a]:
                    report.peer_disagree[(a, q.cat)] += 1
                    if len(report.mismatches[dd.category_key(a, q)]) < 3:
                        report.mismatches[dd.category_key(a, q)].append(
                            (q, dd.describe(a, rk, rn, "knot", "nsd")))
            continue
        ro = dd.normalise(*dd.ask(ours, q))
        dd.compare(q, rk, rn, ro, report)
        if ours.crashed():
            report.crashes.append(q)
            break
    elapsed = time.monotonic() - t0
    failing = {k: v for k, v in report.mismatches.items()
               if ours is not None and k[0] in ENFORCED and not allowed(k)}
    allowed_keys = {k for k in report.mismatches if allowed(k)}
    text = dd.format_report(report, ports, allowed_keys)
    print(f"{len(queries)} queries ({sum(q.tcp for q in queries)} over TCP) in {elapsed:.1f}s")
    if ours is None or not failing:
        print(text)
    if ours is None:
        return
    assert not report.crashes, (f"nsfleetd died (signal {-ours.proc.returncode}) at "
                                f"{report.crashes[0].dig(ports['nsfleetd'])}\n{ours.log_tail()}")
    for s in servers.values():
        assert s.proc.poll() is None, f"{s.name} exited during the test:\n{s.log_tail()}"
    if failing:
        n = sum(len(v) for v in failing.values())
        pytest.fail(f"nsfleetd differs from knot+nsd where they agree: {n} differences in "
                    f"{len(failing)} categories (seed {seed})\n{text}", pytrace=False)
