"""kill -9 of a secondary nsfleetd at random points of a stream of IXFRs,
repeated: after each restart it serves exactly one version the primary
served (its full AXFR equals one of them, never a mix), and it catches up
with the newest.  The seed is printed; NSFLEET_SEED=N repeats a run."""

import os
import random
import signal
import time

import dns.zone

from nsfleetd_harness import free_port, nsfleetd_bin  # noqa: F401
from secondary_util import (axfr_rrs, start_primary, start_secondary, stop_all, wait_serial,
                            zone_lines, zone_text)

ROUNDS = 20
BASE = [f"h{i} A 192.0.2.{i % 250 + 1}" for i in range(400)]


def version(serial):
    """The zone at serial: a fixed part and 30 names of its own, so that
    every IXFR removes 30 records and adds 30 (and changes a TXT)."""
    own = [f"v{serial}-{i} A 198.51.100.{i + 1}" for i in range(30)]
    return zone_text(serial, BASE + own + [f'www TXT "version {serial}"'])


def lines_of(text):
    return zone_lines(dns.zone.from_text(text, origin="example.com.", relativize=False))


def test_kill9_during_ixfr_stream(nsfleetd_bin, tmp_path):
    seed = int(os.environ.get("NSFLEET_SEED", time.time_ns() % 1_000_000))
    print(f"seed {seed} (NSFLEET_SEED={seed} repeats this run)")
    rng = random.Random(seed)
    servers = []
    try:
        sport = free_port(False)
        serial = 1
        served = {serial: lines_of(version(serial))}
        p = start_primary(nsfleetd_bin, tmp_path, version(serial), servers=servers,
                          notify_to=[("127.0.0.1", sport)])

        def start():
            return start_secondary(nsfleetd_bin, tmp_path, [("127.0.0.1", p.port)],
                                   port=sport, servers=servers, serve_from="127.0.0.0/8")

        s = start()
        wait_serial(s, serial)
        kills_mid_xfr = 0
        for rnd in range(ROUNDS):
            # a burst of 1 to 3 new versions, each NOTIFYed to the secondary;
            # kill -9 a few ms after one of the reloads (when a transfer,
            # its journal commit or the copy's rename is likely running)
            burst = rng.randint(1, 3)
            kill_after = rng.randrange(burst)
            for k in range(burst):
                serial += 1
                p.zone.write_text(version(serial))
                served[serial] = lines_of(version(serial))
                n = len(p.log().split("reload done"))
                p.signal(signal.SIGHUP)
                while len(p.log().split("reload done")) == n:
                    time.sleep(0.002)
                if k == kill_after:
                    time.sleep(rng.uniform(0, 0.03))
                    s.proc.kill()
            s.proc.wait()
            tail = s.log().rsplit("NOTIFY for example.com.", 1)[-1]
            kills_mid_xfr += "serving serial" not in tail and "up-to-date" not in tail
            s = start()
            # at once: exactly one version the primary served
            got = axfr_rrs("127.0.0.1", sport)
            match = [v for v, rrs in served.items() if rrs == got]
            assert match, (f"seed {seed} round {rnd}: the secondary serves a mix of versions "
                           f"(serial {s.soa_serial()}):\n{s.log()}")
            # and it catches up (the start-up refresh, or the next NOTIFY)
            wait_serial(s, serial, timeout=30)
            assert axfr_rrs("127.0.0.1", sport) == served[serial], f"seed {seed} round {rnd}"
        print(f"{ROUNDS} kills, {kills_mid_xfr} of them during a refresh")
        # still IXFR after all that: one more version goes incrementally
        serial += 1
        p.zone.write_text(version(serial))
        p.signal(signal.SIGHUP)
        wait_serial(s, serial, timeout=30)
        s.wait_log(rf"kind=IXFR .*serial={serial - 1}->{serial} .*result=ok")
    finally:
        stop_all(servers)
