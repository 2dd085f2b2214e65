"""A chain nsfleetd -> nsfleetd -> nsfleetd (issue 5): the middle hop
commits the IXFRs it receives to its journal before it publishes them,
NOTIFYs its own secondary, and serves IXFR onwards out of that journal,
also after a restart; dnspython checks its IXFR answers."""

import signal

from nsfleetd_harness import free_port, nsfleetd_bin  # noqa: F401
from secondary_util import (axfr_rrs, ixfr_query, start_primary, start_secondary, stop_all,
                            wait_serial, zone_text)

EDITS = {
    2: ["new A 192.0.2.10"],
    3: ["new A 192.0.2.10", "new2 A 192.0.2.11", "new2 TXT \"second\""],
    4: ["new2 A 192.0.2.11", "new2 TXT \"changed\""],
}


def soa_serials(rrs):
    return [int(text.split()[2]) for _, t, text in rrs if t == "SOA"]


def test_chain_ixfr_from_the_middle_journal(nsfleetd_bin, tmp_path):
    servers = []
    try:
        mport, tport = free_port(False), free_port(False)
        p = start_primary(nsfleetd_bin, tmp_path, zone_text(1), servers=servers,
                          notify_to=[("127.0.0.1", mport)])
        m = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)], name="middle",
                            port=mport, servers=servers, notify_to=[("127.0.0.1", tport)],
                            serve_from="127.0.0.0/8")
        t = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", mport)], name="third",
                            port=tport, servers=servers, serve_from="127.0.0.0/8")
        wait_serial(t, 1)
        for serial, extra in EDITS.items():
            p.zone.write_text(zone_text(serial, extra))
            p.signal(signal.SIGHUP)
            # NOTIFY primary -> middle -> third: no refresh timer is due
            wait_serial(t, serial, timeout=30)
            for s in (m, t):
                s.wait_log(rf"xfr-in zone=example\.com\. kind=IXFR .*serial={serial - 1}->"
                           rf"{serial} .*result=ok")
            m.wait_log(rf"IXFR out: zone example\.com\., peer \S+, serial {serial - 1} -> "
                       rf"{serial}, .*incremental, 1 changesets from the journal")
            assert axfr_rrs("127.0.0.1", tport) == axfr_rrs("127.0.0.1", p.port)
        m.wait_log(r"NOTIFY out: zone example\.com\., peer 127\.0\.0\.1@\d+, serial 4")

        # IXFR from 1 asked of the middle hop: its three journaled changesets
        rrs = ixfr_query("127.0.0.1", mport, 1)
        assert soa_serials(rrs) == [4, 1, 2, 2, 3, 3, 4, 4], rrs
        assert ("new2.example.com.", "TXT", '"second"') in rrs  # removed 3 -> 4
        assert rrs == ixfr_query("127.0.0.1", p.port, 1)  # what the primary says

        # the journal survives a restart of the middle hop
        assert m.stop() == 0
        m2 = start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)], name="middle",
                             port=mport, servers=servers, notify_to=[("127.0.0.1", tport)],
                             serve_from="127.0.0.0/8")
        wait_serial(m2, 4)
        assert soa_serials(ixfr_query("127.0.0.1", mport, 2)) == [4, 2, 3, 3, 4, 4]
        # up to date: our SOA alone
        assert soa_serials(ixfr_query("127.0.0.1", mport, 4)) == [4]
    finally:
        stop_all(servers)
