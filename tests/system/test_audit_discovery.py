"""nsfleet audit finding the nameservers by itself: through a resolver
(Unbound, stubbed to the parent zone) with no --ns at all, and over IPv6."""

import json
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import pytest

from audit_util import (PARENT_ADDR, PARENT_TEXT, SANITIZER, ZONE, Fleet, Member, describe, need, nsfleet_bin,
                        problems, zone_text)
from nsfleetd_harness import free_port, have_ipv6

RESOLVER = "127.10.0.1"
PARENT_TEXT_WITH_HELPER = (PARENT_TEXT + "audit IN NS ns5.helper.test.\n"
                           "ns5.helper IN A 127.4.0.1\n")


@pytest.fixture
def fleet(tmp_path):
    f = Fleet(tmp_path / "fleet")
    yield f
    f.stop()


class Unbound:
    def __init__(self, d, port, parent_port):
        self.dir = d
        d.mkdir()
        conf = d / "unbound.conf"
        conf.write_text(f"""server:
    interface: {RESOLVER}
    port: {port}
    username: ""
    chroot: ""
    directory: "{d}"
    pidfile: "{d}/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    num-threads: 1
    module-config: "iterator"
    do-not-query-localhost: no
    access-control: 127.0.0.0/8 allow
    qname-minimisation: no
    # test. is one of Unbound's built-in local zones (RFC 6761)
    local-zone: "test." nodefault
remote-control:
    control-enable: no
stub-zone:
    name: "test."
    stub-addr: {PARENT_ADDR}@{parent_port}
""")
        self.log = open(d / "unbound.log", "wb")
        self.proc = subprocess.Popen([need("unbound"), "-d", "-c", str(conf)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        q = dns.message.make_query("test.", "SOA")
        while True:
            try:
                r = dns.query.udp(q, RESOLVER, port=port, timeout=0.5)
                if r.rcode() == dns.rcode.NOERROR and r.answer:
                    return
            except (OSError, dns.exception.DNSException):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("unbound did not start:\n" +
                            (d / "unbound.log").read_text(errors="replace"), pytrace=False)
            time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def run_audit(*args):
    p = subprocess.run([str(nsfleet_bin()), "audit", *map(str, args), "--json"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode >= 0 and not SANITIZER.search(p.stderr), p.stderr
    return p.returncode, json.loads(p.stdout)


def test_discovery_through_a_resolver(fleet, tmp_path):
    fleet.start()
    free = free_port(False)
    u = Unbound(tmp_path / "unbound", free, fleet.port)
    try:
        rc, rep = run_audit(ZONE, "--resolver", f"{RESOLVER}#{free}", "--port", fleet.port,
                            "--timeout", 300)
    finally:
        u.stop()
    assert rc == 0, describe(rep)
    assert problems(rep) == set(), describe(rep)
    assert rep["parent"]["server"] == f"{PARENT_ADDR}#{fleet.port}"
    got = sorted((s["name"], s["address"], s["software"]) for s in rep["servers"])
    assert got == sorted((m.name, m.addr, {"bind": "BIND", "knot": "Knot", "nsd": "NSD",
                                           "nsfleetd": "nsfleetd"}[k])
                         for k, m in fleet.members.items()), got
    assert all(set(s["from"]) == {"zone", "parent"} for s in rep["servers"]), rep["servers"]


def test_ipv6_addresses(tmp_path):
    if not have_ipv6():
        pytest.fail("no IPv6 on loopback: the test needs ::1", pytrace=False)
    port = free_port(True)
    text = zone_text().replace("ns2  IN A   127.0.0.1", "ns2  IN AAAA ::1")
    v4 = Member("nsfleetd", "ns1.audit.test.", "127.1.0.1", port, tmp_path / "a", text)
    v6 = Member("nsfleetd", "ns2.audit.test.", "::1", port, tmp_path / "b", text)
    for m in (v4, v6):
        m.start()
    try:
        v4.wait_ready()
        v6.wait_ready()
        rc, rep = run_audit(ZONE, "--timeout", 300, "--port", port,
                            "--ns", f"ns1.audit.test@127.1.0.1#{port}",
                            "--ns", f"ns2.audit.test@::1#{port}",
                            "--ns", f"ns3.audit.test@127.3.0.1#{port}",
                            "--ns", f"ns4.audit.test@127.4.0.1#{port}")
    finally:
        for m in (v4, v6):
            m.stop()
    six = next(s for s in rep["servers"] if s["address"] == "::1")
    assert six["authoritative"] and six["serial"] == 2024010101, six
    # ns3 and ns4 are down; the IPv6 server answered like the IPv4 one
    assert {c for c, s in problems(rep) if f"ns2.audit.test.@::1#{port}" in s} <= \
        {"one-implementation"}, describe(rep)


def test_out_of_zone_ns_name_resolved_through_the_resolver(fleet, tmp_path):
    # a fifth NS name outside the zone (ns5.helper.test., served by the
    # parent zone itself) has no glue: only the resolver finds its address
    extra_ns = "@    IN NS  ns5.helper.test.\n"
    text = zone_text() + extra_ns
    parent = PARENT_TEXT_WITH_HELPER
    fleet.start(texts={k: text for k in ("nsfleetd", "bind", "knot", "nsd")},
                parent_text=parent)
    free = free_port(False)
    u = Unbound(tmp_path / "unbound", free, fleet.port)
    try:
        rc, rep = run_audit(ZONE, "--resolver", f"{RESOLVER}#{free}", "--port", fleet.port,
                            "--timeout", 300)
    finally:
        u.stop()
    assert problems(rep) == set(), describe(rep)
    five = [s for s in rep["servers"] if s["name"] == "ns5.helper.test."]
    assert [(s["address"], s["software"]) for s in five] == [("127.4.0.1", "NSD")], five
    assert set(five[0]["from"]) == {"zone", "parent"}, five
    # from the zone alone (no parent, no resolver) the address of ns5 stays
    # unknown, and that is said
    rc, rep = run_audit(ZONE, "--port", fleet.port, "--timeout", 300,
                        "--ns", f"ns1.audit.test@127.1.0.1#{fleet.port}")
    assert ("ns-no-address", ()) in problems(rep), describe(rep)
    assert "ns5.helper.test." in describe(rep)
