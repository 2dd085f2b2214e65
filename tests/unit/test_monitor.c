/*
 * Unit tests of nsfleet monitor's pure rules (src/tools/monitor_logic.c),
 * its config parser and its exposition text: latency window quantiles at
 * the window's edges, the incident state machine (N failures in a row ->
 * one alert, recovery -> one), RFC 1982 serial lag and lag in seconds.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "tools/monitor.h"

/* ------------------------------------------------------------- window */

static void test_window_empty(void **state)
{
	(void)state;
	mon_window_t w;
	assert_int_equal(mon_window_init(&w, 4), 0);
	assert_true(isnan(mon_window_quantile(&w, 0.5)));
	mon_window_free(&w);
	assert_int_equal(mon_window_init(&w, 0), ERR_RANGE);
	assert_int_equal(mon_window_init(&w, MON_WINDOW_MAX + 1), ERR_RANGE);
}

static void test_window_quantiles(void **state)
{
	(void)state;
	static const struct {
		unsigned n; /* samples 1..n added in a scrambled order */
		double q;
		double expect; /* nearest rank: the ceil(q*n)-th smallest */
	} cases[] = {
	    {1, 0.5, 1},   {1, 0.99, 1}, {1, 0, 1},      {2, 0.5, 1},      {2, 0.99, 2},
	    {3, 0.5, 2},   {4, 0.5, 2},  {4, 0.75, 3},   {100, 0.5, 50},   {100, 0.99, 99},
	    {100, 1, 100}, {100, 0, 1},  {101, 0.5, 51}, {101, 0.99, 100},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mon_window_t w;
		assert_int_equal(mon_window_init(&w, cases[i].n), 0);
		for (unsigned k = 0; k < cases[i].n; k++)
			mon_window_add(&w, (double)((k * 37) % cases[i].n + 1));
		double got = mon_window_quantile(&w, cases[i].q);
		if (got != cases[i].expect)
			fail_msg("n=%u q=%g: %g, expected %g", cases[i].n, cases[i].q, got,
			         cases[i].expect);
		mon_window_free(&w);
	}
}

static void test_window_slides(void **state)
{
	(void)state;
	mon_window_t w;
	assert_int_equal(mon_window_init(&w, 3), 0);
	mon_window_add(&w, 100);
	mon_window_add(&w, 100);
	mon_window_add(&w, 100);
	assert_true(mon_window_quantile(&w, 0.5) == 100);
	/* the window holds the last 3: one old sample left, then none */
	mon_window_add(&w, 1);
	mon_window_add(&w, 2);
	assert_true(mon_window_quantile(&w, 0.5) == 2);
	assert_true(mon_window_quantile(&w, 0.99) == 100);
	mon_window_add(&w, 3);
	assert_true(mon_window_quantile(&w, 0.99) == 3);
	assert_true(mon_window_quantile(&w, 0) == 1);
	assert_int_equal(w.n, 3);
	mon_window_free(&w);
}

/* ----------------------------------------------------------- incident */

static void test_incident_streak(void **state)
{
	(void)state;
	mon_incident_t i = {0};
	/* down after 3 failures in a row: one alert, however long it lasts */
	assert_int_equal(mon_incident_step(&i, true, 0, 3, 0), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, true, 1, 3, 0), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, true, 2, 3, 0), MON_EV_ALERT);
	assert_int_equal(i.st, MON_INC_FIRING);
	for (int k = 3; k < 100; k++)
		assert_int_equal(mon_incident_step(&i, true, k, 3, 0), MON_EV_NONE);
	/* one recovery, then quiet */
	assert_int_equal(mon_incident_step(&i, false, 100, 3, 0), MON_EV_RECOVERY);
	for (int k = 101; k < 110; k++)
		assert_int_equal(mon_incident_step(&i, false, k, 3, 0), MON_EV_NONE);
	/* a failure streak broken before N gives nothing, also no recovery */
	assert_int_equal(mon_incident_step(&i, true, 110, 3, 0), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, true, 111, 3, 0), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, false, 112, 3, 0), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, true, 113, 3, 0), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, true, 114, 3, 0), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, true, 115, 3, 0), MON_EV_ALERT);
	/* a second incident gives a second alert and recovery */
	assert_int_equal(mon_incident_step(&i, false, 116, 3, 0), MON_EV_RECOVERY);
}

static void test_incident_duration(void **state)
{
	(void)state;
	mon_incident_t i = {0};
	/* diverged for longer than 10 s: the bad time counts from the first */
	assert_int_equal(mon_incident_step(&i, true, 100.0, 1, 10), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, true, 105.0, 1, 10), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, true, 109.9, 1, 10), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, true, 110.0, 1, 10), MON_EV_ALERT);
	assert_int_equal(mon_incident_step(&i, true, 200.0, 1, 10), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, false, 201.0, 1, 10), MON_EV_RECOVERY);
	/* a good check restarts the clock */
	assert_int_equal(mon_incident_step(&i, true, 300.0, 1, 10), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, false, 305.0, 1, 10), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, true, 309.0, 1, 10), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, true, 312.0, 1, 10), MON_EV_NONE);
	assert_int_equal(mon_incident_step(&i, true, 319.0, 1, 10), MON_EV_ALERT);
	/* threshold 0 and streak 1: at once */
	mon_incident_t j = {0};
	assert_int_equal(mon_incident_step(&j, true, 0, 1, 0), MON_EV_ALERT);
}

/* ------------------------------------------------------------- serials */

static void test_serial_lag(void **state)
{
	(void)state;
	static const struct {
		uint32_t ref, s;
		int rc;
		int64_t lag;
	} cases[] = {
	    {5, 5, 0, 0},
	    {10, 7, 0, 3},
	    {7, 10, 0, -3},
	    {2, 0xfffffffeu, 0, 4}, /* wrapped: 2^32 - 2 is before 2 */
	    {0xfffffffeu, 2, 0, -4},
	    {0x7fffffffu, 0, 0, 0x7fffffff}, /* the largest lag */
	    {0, 0x7fffffffu, 0, -0x7fffffffLL},
	    {0x80000000u, 0, ERR_RANGE, 0}, /* exactly 2^31 apart: undefined */
	    {0, 0x80000000u, ERR_RANGE, 0},
	    {0x80000001u, 1, ERR_RANGE, 0},
	    {0x80000001u, 0, 0, -0x7fffffffLL}, /* 0 is after 2^31 + 1 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t lag = 12345;
		int rc = mon_serial_lag(cases[i].ref, cases[i].s, &lag);
		if (rc != cases[i].rc || (rc == 0 && lag != cases[i].lag))
			fail_msg("ref %u s %u: rc %d lag %lld, expected %d %lld", cases[i].ref,
			         cases[i].s, rc, (long long)lag, cases[i].rc,
			         (long long)cases[i].lag);
	}
}

static void test_lag_seconds(void **state)
{
	(void)state;
	mon_serial_hist_t h = {0};
	assert_true(mon_hist_lag_seconds(&h, 1, 50) == 0); /* nothing known */
	mon_hist_note(&h, 10, 100);
	mon_hist_note(&h, 10, 110); /* same serial: no new entry */
	assert_int_equal(h.n, 1);
	mon_hist_note(&h, 11, 120);
	mon_hist_note(&h, 12, 130);
	/* current or ahead: 0 */
	assert_true(mon_hist_lag_seconds(&h, 12, 140) == 0);
	assert_true(mon_hist_lag_seconds(&h, 13, 140) == 0);
	/* at 11: since 12 appeared (130); at 10: since 11 (120) */
	assert_true(mon_hist_lag_seconds(&h, 11, 140) == 10);
	assert_true(mon_hist_lag_seconds(&h, 10, 140) == 20);
	/* older than the history: since its oldest entry (a lower bound) */
	assert_true(mon_hist_lag_seconds(&h, 5, 140) == 40);
	/* the history forgets the oldest when full */
	for (uint32_t k = 0; k < MON_SERIAL_HIST; k++)
		mon_hist_note(&h, 100 + k, 200 + k);
	assert_int_equal(h.n, MON_SERIAL_HIST);
	assert_int_equal(h.serial[0], 100);
	assert_true(mon_hist_lag_seconds(&h, 100, 1000) == 1000 - 201);
}

/* ------------------------------------------------------------- config */

static const char GOOD[] = "monitor:\n"
                           "  interval: 0.5\n"
                           "  window: 10\n"
                           "  listen: \"127.0.0.1#0\"\n"
                           "alert:\n"
                           "  hook: [ /bin/cat, -u ]\n"
                           "  down-after: 2\n"
                           "  diverged-after: 2m\n"
                           "nameserver:\n"
                           "  - { name: ns1, address: \"127.0.0.1#5300\" }\n"
                           "  - { name: ns2, address: \"::1@5301\" }\n"
                           "  - { name: ns3, address: 192.0.2.3 }\n"
                           "zone:\n"
                           "  - domain: Example.COM.\n"
                           "    primary: ns1\n"
                           "  - domain: example.net\n"
                           "    nameservers: [ ns2, ns3 ]\n";

static void test_conf_good(void **state)
{
	(void)state;
	mon_conf_t c;
	mon_conf_default(&c);
	char err[256];
	int rc = mon_conf_parse(&c, GOOD, strlen(GOOD), "t.yaml", err, sizeof(err));
	if (rc != 0)
		fail_msg("%s", err);
	assert_true(c.interval == 0.5);
	assert_int_equal(c.window, 10);
	assert_int_equal(c.down_after, 2);
	assert_true(c.diverged_after == 120);
	assert_string_equal(c.hook[0], "/bin/cat");
	assert_string_equal(c.hook[1], "-u");
	assert_null(c.hook[2]);
	assert_int_equal(c.nns, 3);
	assert_int_equal(c.ns[1].addr.ss_family, AF_INET6);
	assert_int_equal(c.nzones, 2);
	assert_string_equal(c.zone[0].domain, "example.com");
	assert_int_equal(c.zone[0].primary, 0);
	assert_int_equal(c.zone[0].nns, 3);
	assert_int_equal(c.zone[1].primary, -1);
	assert_int_equal(c.zone[1].nns, 2);
	assert_int_equal(c.zone[1].ns[0], 1);
	mon_conf_free(&c);
}

static void test_conf_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *expect; /* expect: "LINE:COL: " prefix and a word */
	} cases[] = {
	    {"nameserver: []\nzone: []\nbogus: 1\n", "3:1: unknown key 'bogus'"},
	    {"monitor:\n  intervall: 5\n", "2:3: unknown key 'intervall' in 'monitor'"},
	    {"monitor:\n  interval: fast\n", "2:13: 'interval': 'fast' is not a duration"},
	    {"monitor:\n  interval: 0\n", "2:13: 'interval': 0 is out of range"},
	    {"monitor:\n  tcp: maybe\n", "2:8: 'tcp': 'maybe' is not true or false"},
	    {"monitor:\n  window: -1\n", "2:11: 'window': '-1' is not a number"},
	    {"monitor:\n  listen: 127.0.0.1\n", "2:11: 'listen': '127.0.0.1' is not ADDR#PORT"},
	    {"alert:\n  hook: []\n", "2:9: 'hook' is an empty list"},
	    {"alert:\n  hook: { a: b }\n", "2:9: 'hook' must be a program path"},
	    {"nameserver:\n  - { name: a, address: 300.1.1.1 }\n", "2:25: 'address': '300.1.1.1'"},
	    {"nameserver:\n  - { name: a }\n", "2:5: a nameserver needs an 'address'"},
	    {"nameserver:\n  - { name: a, address: 1.2.3.4 }\n  - { name: a, address: 1.2.3.5 }\n",
	     "3:13: two nameservers named 'a'"},
	    {"nameserver:\n  - { name: a, address: 1.2.3.4 }\nzone:\n  - domain: x\n    primary: "
	     "b\n",
	     "5:14: 'primary': no nameserver named 'b'"},
	    {"nameserver:\n  - { name: a, address: 1.2.3.4 }\nzone:\n  - domain: x..y\n",
	     "4:13: 'domain': 'x..y' is not a domain name"},
	    {"nameserver:\n  - { name: a, address: 1.2.3.4 }\n", "1:1: no 'zone' list"},
	    {"", "1:1: empty file"},
	    {"monitor: [\n", "2:1: "}, /* libyaml's own error, with its position */
	    {"- a\n", "1:1: a monitor config is a mapping"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mon_conf_t c;
		mon_conf_default(&c);
		char err[256] = "";
		int rc = mon_conf_parse(&c, cases[i].text, strlen(cases[i].text), "t.yaml", err,
		                        sizeof(err));
		mon_conf_free(&c);
		char want[256];
		snprintf(want, sizeof(want), "t.yaml:%s", cases[i].expect);
		if (rc == 0 || strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu: rc %d, error '%s', expected it to start with '%s'", i,
			         rc, err, want);
	}
}

/* ------------------------------------------------------------ metrics */

static void test_metrics_text(void **state)
{
	(void)state;
	mon_conf_t c;
	mon_conf_default(&c);
	char err[256];
	assert_int_equal(mon_conf_parse(&c, GOOD, strlen(GOOD), "t.yaml", err, sizeof(err)), 0);
	mon_t m;
	assert_int_equal(mon_init(&m, &c), 0);
	assert_int_equal(m.nt, 5);
	m.t[0].checked = m.t[0].up = m.t[0].has_serial = true;
	m.t[0].serial = 7;
	m.t[1].checked = true;
	m.zs[0].has_ref = true;
	m.zs[0].ref = 7;
	m.t[0].lag_known = true;
	mon_window_add(&m.t[0].lat, 0.25);
	m.t[0].rtt_sum = 0.25;
	m.t[0].rtt_count = 1;
	size_t len;
	char *text = mon_metrics_text(&m, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	assert_non_null(strstr(text, "# TYPE nsfleet_ns_up gauge\n"));
	assert_non_null(strstr(text, "nsfleet_ns_up{zone=\"example.com\",server=\"ns1\"} 1\n"));
	assert_non_null(strstr(text, "nsfleet_ns_up{zone=\"example.com\",server=\"ns2\"} 0\n"));
	assert_non_null(strstr(text, "nsfleet_ns_serial{zone=\"example.com\",server=\"ns1\"} 7\n"));
	assert_non_null(
	    strstr(text, "nsfleet_ns_serial_lag{zone=\"example.com\",server=\"ns1\"} 0\n"));
	assert_non_null(strstr(text,
	                       "nsfleet_ns_latency_seconds{zone=\"example.com\",server=\"ns1\","
	                       "quantile=\"0.5\"} 0.25\n"));
	assert_non_null(strstr(text,
	                       "nsfleet_ns_latency_seconds{zone=\"example.net\",server=\"ns3\","
	                       "quantile=\"0.99\"} NaN\n"));
	/* ns2 is down: no serial sample */
	assert_null(strstr(text, "nsfleet_ns_serial{zone=\"example.com\",server=\"ns2\"}"));
	free(text);
	mon_free(&m);
	mon_conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_window_empty),      cmocka_unit_test(test_window_quantiles),
	    cmocka_unit_test(test_window_slides),     cmocka_unit_test(test_incident_streak),
	    cmocka_unit_test(test_incident_duration), cmocka_unit_test(test_serial_lag),
	    cmocka_unit_test(test_lag_seconds),       cmocka_unit_test(test_conf_good),
	    cmocka_unit_test(test_conf_errors),       cmocka_unit_test(test_metrics_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
