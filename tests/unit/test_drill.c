/*
 * nsfleet drill's arithmetic (src/tools/drill_stats.c): the wrong-answer
 * check, nearest-rank quantiles, success rates over windows, the failover
 * time, the SVG timeline (well-formed, escaped) and the SOA serial rewrite
 * of a zone text.  Table-driven where there is a table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/msg.h"
#include "tools/drill.h"

static const uint8_t EXPECT[4] = {192, 0, 2, 53};

static void test_answer_check(void **state)
{
	(void)state;
	static const uint8_t good[2][4] = {{192, 0, 2, 53}, {192, 0, 2, 53}};
	static const uint8_t mixed[2][4] = {{192, 0, 2, 53}, {192, 0, 2, 54}};
	static const uint8_t other[1][4] = {{10, 0, 0, 1}};
	static const struct {
		unsigned rcode;
		const uint8_t (*addr)[4];
		size_t n;
		drill_ans_t want;
	} cases[] = {
	    {0, good, 1, DRILL_ANS_OK},     /* the address */
	    {0, good, 2, DRILL_ANS_OK},     /* twice: still only it */
	    {0, mixed, 2, DRILL_ANS_WRONG}, /* one more address: a lie */
	    {0, other, 1, DRILL_ANS_WRONG}, /* another address */
	    {0, NULL, 0, DRILL_ANS_WRONG},  /* NODATA for a wildcard name */
	    {3, NULL, 0, DRILL_ANS_WRONG},  /* NXDOMAIN for a wildcard name */
	    {3, good, 1, DRILL_ANS_WRONG},  /* NXDOMAIN, whatever came with it */
	    {2, NULL, 0, DRILL_ANS_FAIL},   /* SERVFAIL: honest failure */
	    {5, NULL, 0, DRILL_ANS_FAIL},   /* REFUSED */
	    {2, good, 1, DRILL_ANS_FAIL},   /* SERVFAIL with data: not an answer */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(
		    drill_answer_check(cases[i].rcode, cases[i].addr, cases[i].n, EXPECT),
		    cases[i].want);
}

static void test_quantile(void **state)
{
	(void)state;
	double v[100];
	assert_true(drill_quantile(v, 0, 0.5) == 0);
	double one[1] = {7};
	assert_true(drill_quantile(one, 1, 0.5) == 7);
	assert_true(drill_quantile(one, 1, 0.99) == 7);
	/* 1..100 shuffled: p50 = 50, p99 = 99, p100 = 100, p0 = 1 (nearest rank) */
	for (int i = 0; i < 100; i++)
		v[i] = (double)((i * 37) % 100 + 1);
	assert_true(drill_quantile(v, 100, 0.5) == 50);
	assert_true(drill_quantile(v, 100, 0.99) == 99);
	assert_true(drill_quantile(v, 100, 1.0) == 100);
	assert_true(drill_quantile(v, 100, 0.0) == 1);
	double two[2] = {10, 1};
	assert_true(drill_quantile(two, 2, 0.5) == 1);
	assert_true(drill_quantile(two, 2, 0.51) == 10);
	assert_true(drill_quantile(two, 2, 0.99) == 10);
}

static drill_sample_t S(double t, float lat, drill_ans_t r)
{
	drill_sample_t s = {t, lat, (uint8_t)r};
	return s;
}

static void test_stats(void **state)
{
	(void)state;
	drill_sample_t s[] = {
	    S(0, 1, DRILL_ANS_OK),           S(100, 2, DRILL_ANS_OK),   S(200, 3, DRILL_ANS_OK),
	    S(300, 5000, DRILL_ANS_TIMEOUT), S(400, 900, DRILL_ANS_OK), S(500, 4, DRILL_ANS_FAIL),
	    S(600, 5, DRILL_ANS_WRONG),      S(700, 1, DRILL_ANS_OK),
	};
	size_t n = sizeof(s) / sizeof(s[0]);
	drill_stats_t st;
	assert_int_equal(drill_stats(s, n, 0, -1, &st), 0);
	assert_int_equal(st.sent, 8);
	assert_int_equal(st.ok, 5);
	assert_int_equal(st.wrong, 1);
	assert_int_equal(st.fail, 1);
	assert_int_equal(st.timeout, 1);
	assert_true(st.success == 5.0 / 8.0);
	/* latency of the answered ones (ok and wrong): 1 1 2 3 5 900 */
	assert_true(st.p50 == 2);
	assert_true(st.p99 == 900);
	/* [300, 500): the timeout and the slow one */
	assert_int_equal(drill_stats(s, n, 300, 500, &st), 0);
	assert_int_equal(st.sent, 2);
	assert_true(st.success == 0.5);
	/* nothing sent: success 1, quantiles 0 */
	assert_int_equal(drill_stats(s, n, 10000, -1, &st), 0);
	assert_int_equal(st.sent, 0);
	assert_true(st.success == 1.0);
	assert_true(st.p50 == 0 && st.p99 == 0);

	const double w[2][2] = {{250, 450}, {550, 650}};
	drill_stats_t in, out;
	assert_int_equal(drill_stats_windows(s, n, w, 2, true, &in), 0);
	assert_int_equal(drill_stats_windows(s, n, w, 2, false, &out), 0);
	assert_int_equal(in.sent, 3); /* 300, 400, 600 */
	assert_int_equal(in.ok, 1);
	assert_int_equal(in.wrong, 1);
	assert_int_equal(out.sent, 5);
	assert_int_equal(in.sent + out.sent, n);
	assert_true(out.success == 4.0 / 5.0);
}

static void test_failover(void **state)
{
	(void)state;
	drill_sample_t s[] = {
	    S(0, 1, DRILL_ANS_OK),
	    S(1000, 1, DRILL_ANS_OK),
	    S(1100, 400, DRILL_ANS_OK),
	    S(1200, 50, DRILL_ANS_OK),
	    S(1800, 5000, DRILL_ANS_TIMEOUT),
	    S(2500, 1, DRILL_ANS_OK),
	    S(9000, 800, DRILL_ANS_OK),
	};
	size_t n = sizeof(s) / sizeof(s[0]);
	/* fault [1000, 5000]: the last bad one sent at 1800 */
	assert_true(drill_failover_ms(s, n, 1000, 5000, 100) == 800);
	/* a threshold above 400 ms: only the timeout counts */
	assert_true(drill_failover_ms(s, n, 1000, 5000, 500) == 800);
	/* nothing bad in [2000, 8000] */
	assert_true(drill_failover_ms(s, n, 2000, 8000, 100) == 0);
	/* a failure counts whatever its latency */
	drill_sample_t f[] = {S(10, 1, DRILL_ANS_FAIL)};
	assert_true(drill_failover_ms(f, 1, 0, 100, 100) == 10);
}

static void test_xml_escape(void **state)
{
	(void)state;
	char out[64];
	drill_xml_escape("a<b>&\"c'", out, sizeof(out));
	assert_string_equal(out, "a&lt;b&gt;&amp;&quot;c&apos;");
	drill_xml_escape("x\001y", out, sizeof(out));
	assert_string_equal(out, "x?y");
	/* truncation never cuts an entity */
	drill_xml_escape("ab&", out, 5);
	assert_string_equal(out, "ab");
	drill_xml_escape("abc", out, 1);
	assert_string_equal(out, "");
}

/* Counts "<tag" openings minus closings; self-closing tags count zero. */
static int balance(const char *svg)
{
	int depth = 0;
	for (const char *p = svg; (p = strchr(p, '<')) != NULL; p++) {
		if (p[1] == '?' || p[1] == '!')
			continue;
		if (p[1] == '/') {
			depth--;
			continue;
		}
		const char *end = strchr(p, '>');
		if (end == NULL)
			return -1000;
		if (end[-1] != '/')
			depth++;
	}
	return depth;
}

static char *svg_of(const drill_sample_t *s, size_t n, const double (*w)[2], size_t nw,
                    const drill_event_t *ev, size_t nev, const char *title)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(drill_svg_write(f, title, s, n, w, nw, ev, nev, 1000), 0);
	fclose(f);
	return buf;
}

static void test_svg(void **state)
{
	(void)state;
	drill_sample_t s[300];
	for (int i = 0; i < 300; i++)
		s[i] = S(i * 50.0, (float)(i % 7),
		         i > 100 && i < 120 ? DRILL_ANS_TIMEOUT : DRILL_ANS_OK);
	const double w[1][2] = {{5000, 6500}};
	drill_event_t ev[2] = {{5000, "SIGKILL ns1 <bind> & \"friends\""}, {6500, "restarted"}};
	char *svg = svg_of(s, 300, w, 1, ev, 2, "drill <kill> & more");
	assert_non_null(strstr(svg, "<?xml version=\"1.0\""));
	assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	assert_non_null(strstr(svg, "</svg>\n"));
	assert_int_equal(balance(svg), 0);
	assert_non_null(strstr(svg, "<polyline"));
	assert_non_null(strstr(svg, "drill &lt;kill&gt; &amp; more"));
	assert_non_null(strstr(svg, "SIGKILL ns1 &lt;bind&gt; &amp; &quot;friends&quot;"));
	assert_null(strstr(svg, "<kill>"));
	assert_null(strstr(svg, "nan"));
	free(svg);
	/* nothing at all: still a document */
	svg = svg_of(NULL, 0, NULL, 0, NULL, 0, NULL);
	assert_int_equal(balance(svg), 0);
	assert_non_null(strstr(svg, "</svg>\n"));
	assert_null(strstr(svg, "nan"));
	free(svg);
	/* a window beyond the samples is clipped, not negative */
	const double w2[1][2] = {{-100, 1e9}};
	svg = svg_of(s, 10, w2, 1, NULL, 0, "t");
	assert_null(strstr(svg, "width=\"-"));
	assert_int_equal(balance(svg), 0);
	free(svg);
}

static void test_zone_serial(void **state)
{
	(void)state;
	const char *z = "$ORIGIN example.lab.\n$TTL 60\n"
	                "@ 60 IN SOA ns1.example.lab. hostmaster 1 300 60 86400 60\n"
	                "@ IN NS ns1\n";
	char *o = drill_zone_with_serial(z, 4294967295u);
	assert_non_null(o);
	assert_non_null(strstr(o, "hostmaster 4294967295 300 60 86400 60\n@ IN NS ns1\n"));
	free(o);
	o = drill_zone_with_serial(z, 2);
	assert_non_null(strstr(o, " SOA ns1.example.lab. hostmaster 2 300 "));
	free(o);
	assert_null(drill_zone_with_serial("@ IN NS ns1\n", 2));
	assert_null(drill_zone_with_serial("@ IN SOA a b\n", 2)); /* no serial */
}

static void test_kind_names(void **state)
{
	(void)state;
	for (int k = 0; k < DRILL__COUNT; k++) {
		drill_kind_t back;
		assert_non_null(drill_kind_name((drill_kind_t)k));
		assert_int_equal(drill_kind_from_text(drill_kind_name((drill_kind_t)k), &back), 0);
		assert_int_equal(back, k);
	}
	drill_kind_t x;
	assert_int_not_equal(drill_kind_from_text("Kill", &x), 0);
	assert_null(drill_kind_name(DRILL__COUNT));
}

/* ---------------------------------------------------------- the load */

/*
 * A fake resolver on 127.0.0.1: the answer to query q<i>-... depends on
 * i % 5: 0 and 1 the zone's address, 2 another address (wrong), 3
 * SERVFAIL, 4 nothing (a timeout).
 */
typedef struct {
	int fd;
	uint16_t port;
	atomic_bool stop;
	atomic_size_t got;
} fake_t;

static void *fake_run(void *arg)
{
	fake_t *f = arg;
	static uint8_t buf[4096], out[512];
	static msg_t m;
	static msg_builder_t b;
	while (!atomic_load(&f->stop)) {
		struct pollfd p = {f->fd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(f->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0 || msg_parse(&m, buf, (size_t)n) != 0 || !m.has_question)
			continue;
		atomic_fetch_add(&f->got, 1);
		unsigned long i = strtoul((const char *)m.qname + 2, NULL, 10); /* len, 'q' */
		int kind = (int)(i % 5);
		if (kind == 4)
			continue;
		uint16_t flags = MSG_FLAG_QR | MSG_FLAG_RD | MSG_FLAG_RA |
		                 MSG_FLAGS(MSG_OPCODE_QUERY, kind == 3 ? 2 : 0);
		static const uint8_t good[4] = {192, 0, 2, 53}, bad[4] = {192, 0, 2, 99};
		if (msg_build_init(&b, out, sizeof(out), m.id, flags) != 0 ||
		    msg_build_question(&b, m.qname, m.qtype, m.qclass) != 0)
			continue;
		if (kind != 3 && msg_build_rr(&b, MSG_SEC_ANSWER, m.qname, 1, 1, 60,
		                              kind == 2 ? bad : good, 4) != 0)
			continue;
		sendto(f->fd, out, msg_build_len(&b), 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static void fake_start(fake_t *f, pthread_t *t)
{
	memset(f, 0, sizeof(*f));
	f->fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(f->fd >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof(sa);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(f->fd, (struct sockaddr *)&sa, &sl), 0);
	f->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(t, NULL, fake_run, f), 0);
}

static void fake_stop(fake_t *f, pthread_t t)
{
	atomic_store(&f->stop, true);
	pthread_join(t, NULL);
	close(f->fd);
}

static drill_load_conf_t load_conf(uint16_t port, unsigned rate, size_t max, double max_ms)
{
	drill_load_conf_t c;
	memset(&c, 0, sizeof(c));
	snprintf(c.addr, sizeof(c.addr), "127.0.0.1");
	c.port = port;
	snprintf(c.suffix, sizeof(c.suffix), "drill.example.lab.");
	memcpy(c.expect, EXPECT, 4);
	c.rate = rate;
	c.timeout_ms = 400;
	c.max_queries = max;
	c.max_ms = max_ms;
	c.t0 = drill_now();
	return c;
}

static void test_load_results(void **state)
{
	(void)state;
	fake_t f;
	pthread_t t;
	fake_start(&f, &t);
	drill_load_conf_t c = load_conf(f.port, 200, 50, 60000);
	drill_load_t *l;
	assert_int_equal(drill_load_start(&c, &l), 0);
	/* the count bound: 50 at 200/s is 0.25 s; generous for a loaded machine */
	for (int i = 0; i < 200; i++) {
		size_t n;
		drill_load_samples(l, &n);
		if (n == 50)
			break;
		drill_sleep_ms(50);
	}
	drill_load_stop(l);
	size_t n;
	const drill_sample_t *s = drill_load_samples(l, &n);
	assert_int_equal(n, 50);
	drill_stats_t st;
	assert_int_equal(drill_stats(s, n, 0, -1, &st), 0);
	assert_int_equal(st.ok, 20);
	assert_int_equal(st.wrong, 10);
	assert_int_equal(st.fail, 10);
	assert_int_equal(st.timeout, 10);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			assert_true(s[i].t >= s[i - 1].t); /* send order */
		if (s[i].res == DRILL_ANS_TIMEOUT)
			assert_true(s[i].lat == 400);
	}
	drill_load_free(l);
	assert_int_equal(atomic_load(&f.got), 50);
	fake_stop(&f, t);
}

static void test_load_time_bound(void **state)
{
	(void)state;
	fake_t f;
	pthread_t t;
	fake_start(&f, &t);
	/* 100/s for at most 0.1 s: about 11 queries whatever the wait */
	drill_load_conf_t c = load_conf(f.port, 100, 100000, 100);
	drill_load_t *l;
	assert_int_equal(drill_load_start(&c, &l), 0);
	drill_sleep_ms(600);
	drill_load_stop(l);
	size_t n;
	drill_load_samples(l, &n);
	assert_true(n >= 1 && n <= 12);
	drill_load_free(l);
	fake_stop(&f, t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answer_check), cmocka_unit_test(test_quantile),
	    cmocka_unit_test(test_stats),        cmocka_unit_test(test_failover),
	    cmocka_unit_test(test_xml_escape),   cmocka_unit_test(test_svg),
	    cmocka_unit_test(test_zone_serial),  cmocka_unit_test(test_kind_names),
	    cmocka_unit_test(test_load_results), cmocka_unit_test(test_load_time_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
