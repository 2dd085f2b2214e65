"""nsfleetd started from a YAML configuration: --check-config, errors at
file:line:column with nothing started, and the options a config sets that
answers show (identity as NSID and id.server, version.bind, the UDP payload
size); hostile packets over the wire."""

import socket
import subprocess
import time

import dns.edns
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

from nsfleetd_harness import EXAMPLE, Server, free_port, nsfleetd_bin  # noqa: F401

TIMEOUT = 5


def write_conf(tmp_path, port, extra_server="", zone_file=EXAMPLE, extra=""):
    conf = tmp_path / "nsfleetd.yaml"
    conf.write_text(f"""# written by test_server_config.py
server:
  listen: [ "127.0.0.1@{port}" ]
  udp-workers: 1
  tcp-workers: 1
  storage: {tmp_path}
{extra_server}zone:
  - domain: example.com
    file: {zone_file}
{extra}""")
    return conf


def run(args, timeout=30):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout)


def test_check_config_clean(nsfleetd_bin, tmp_path):
    conf = write_conf(tmp_path, free_port(False))
    r = run([nsfleetd_bin, "-c", conf, "--check-config"])
    assert r.returncode == 0, r


def test_check_config_reports_errors_at_position(nsfleetd_bin, tmp_path):
    port = free_port(False)
    conf = write_conf(tmp_path, port, extra_server="  udp-workers: 1\n  bogus-option: 3\n"
                      "  udp-max-payload: 70000\n")
    r = run([nsfleetd_bin, "-c", conf, "--check-config"])
    assert r.returncode == 1, r
    assert f"{conf}:8:3: error:" in r.stderr and "bogus-option" in r.stderr, r.stderr
    assert f"{conf}:9:" in r.stderr, r.stderr
    # without --check-config: exit 1 and nothing listening on the port
    r = run([nsfleetd_bin, "-c", conf], timeout=30)
    assert r.returncode == 1, r
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", port))  # free: nothing was started


def test_check_config_missing_zone_file(nsfleetd_bin, tmp_path):
    conf = write_conf(tmp_path, free_port(False), zone_file=tmp_path / "absent.zone")
    r = run([nsfleetd_bin, "-c", conf, "--check-config"])
    assert r.returncode == 1, r
    assert "absent.zone" in r.stderr, r.stderr


@pytest.fixture
def conf_server(nsfleetd_bin, tmp_path):
    servers = []

    def _start(**kw):
        port = free_port(False)
        conf = write_conf(tmp_path, port, **kw)
        s = Server([nsfleetd_bin, "-c", conf], tmp_path / f"conf-{len(servers)}.log", port)
        servers.append(s)
        s.wait_ready()
        return s

    yield _start
    for s in servers:
        code = s.stop()
        s.kill()
        assert code == 0, s.log()


def chaos_txt(port, name):
    q = dns.message.make_query(name, "TXT", rdclass=dns.rdataclass.CH)
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=TIMEOUT)
    txt = [b"".join(rd.strings).decode() for rrs in r.answer for rd in rrs]
    return r.rcode(), txt


def test_config_identity_version_payload(conf_server):
    s = conf_server(extra_server="  identity: ns7.example.net\n  version: \"fleet-test 1\"\n"
                    "  udp-max-payload: 1400\n")
    assert s.soa_serial() == 2024010101
    assert chaos_txt(s.port, "id.server.") == (dns.rcode.NOERROR, ["ns7.example.net"])
    assert chaos_txt(s.port, "version.bind.") == (dns.rcode.NOERROR, ["fleet-test 1"])
    q = dns.message.make_query("www.example.com.", "A", use_edns=0, payload=4096,
                               options=[dns.edns.GenericOption(dns.edns.NSID, b"")])
    r = dns.query.udp(q, "127.0.0.1", port=s.port, timeout=TIMEOUT)
    assert r.payload == 1400
    nsid = [o for o in r.options if o.otype == dns.edns.NSID]
    assert nsid and nsid[0].to_wire() == b"ns7.example.net"


def test_config_version_hidden(conf_server):
    s = conf_server(extra_server="  version: false\n")
    assert chaos_txt(s.port, "version.bind.")[0] == dns.rcode.REFUSED


def udp_exchange(port, data, timeout=1.0):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(data, ("127.0.0.1", port))
        try:
            return s.recv(65535)
        except socket.timeout:
            return None


def test_hostile_packets_formerr_or_drop(conf_server):
    s = conf_server()
    good = dns.message.make_query("www.example.com.", "A").to_wire()
    hostile = {
        "truncated header": good[:7],
        "truncated question": good[:20],
        "pointer loop": good[:12] + b"\xc0\x0c\x00\x01\x00\x01",
        "forward pointer": good[:12] + b"\xc0\x40\x00\x01\x00\x01",
        "label over 63": good[:12] + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01",
        "qdcount 2": good[:4] + b"\x00\x02" + good[6:],
        "garbage after question": good + b"\xde\xad\xbe\xef",
        "rdlength lies": good[:10] + b"\x00\x01" + good[12:] +
        b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x40",
        "OPT twice": good[:10] + b"\x00\x02" + good[12:] + 2 * b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00",
    }
    for what, pkt in hostile.items():
        resp = udp_exchange(s.port, pkt)
        if resp is None:
            continue  # dropped
        m = dns.message.from_wire(resp, question_only=True) if len(resp) >= 12 else None
        assert m is not None, what
        assert m.id == int.from_bytes(pkt[:2], "big"), what
        assert m.rcode() == dns.rcode.FORMERR, f"{what}: {dns.rcode.to_text(m.rcode())}"
    # a response (QR set) is never answered
    r = dns.message.make_response(dns.message.make_query("www.example.com.", "A"))
    assert udp_exchange(s.port, r.to_wire()) is None
    # and the server still answers
    assert s.soa_serial() == 2024010101
