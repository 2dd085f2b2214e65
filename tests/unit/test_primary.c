/* Unit tests of the primary's reload rules (src/server/primary.c): the
 * serial each policy picks, table-driven at the RFC 1982 edges, and
 * primary_reload's verdicts (unchanged, serial did not increase / went
 * backwards, policy serial written into the SOA, shrink guard with its
 * configurable limit and force, the changeset in the journal); and the
 * NOTIFY set (src/server/notify.c: configured remotes, in-zone NS
 * addresses but not the SOA MNAME's, out-of-zone NS skipped (an in-zone
 * NS without an address does not load: "missing glue"), no address
 * twice, never our own listen addresses).  Zones are written to a mkdtemp
 * directory, removed after. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "common/err.h"
#include "server/journal.h"
#include "server/notify.h"
#include "server/primary.h"
#include "zone/zone.h"
#include "zone/zone_file.h"

static const uint8_t ORIGIN[] = "\7example\3com";
static char dir[64];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb, (void)flag, (void)f;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_primary.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* zone_load_file needs a report callback: a test zone that does not load
 * says why. */
static void on_problem(void *ctx, const char *file, unsigned line, unsigned col, zone_sev_t sev,
                       const char *msg)
{
	(void)ctx, (void)sev;
	printf("  %s:%u:%u: %s\n", file, line, col, msg);
}

/* The zone of this text (example.com). */
static zone_t *load_text(const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/t.zone", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	zone_t *z = NULL;
	assert_int_equal(zone_load_file(ORIGIN, path, on_problem, NULL, &z), 0);
	return z;
}

/* A zone with this serial and n A records (plus SOA, NS, glue). */
static zone_t *make_zone(uint32_t serial, int n, const char *extra)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/z.zone", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
	        "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 host %u 7200 3600 1209600 300\n"
	        "@ NS ns1\nns1 A 192.0.2.1\n",
	        serial);
	for (int i = 0; i < n; i++)
		fprintf(f, "h%d A 198.51.100.%d\n", i, i % 250);
	fputs(extra, f);
	fclose(f);
	zone_t *z = NULL;
	assert_int_equal(zone_load_file(ORIGIN, path, on_problem, NULL, &z), 0);
	return z;
}

static void test_policy_serial(void **state)
{
	(void)state;
	static const struct {
		conf_serial_policy_t p;
		uint32_t old;
		uint64_t now;
		uint32_t want;
	} cases[] = {
	    {CONF_SERIAL_INCREMENT, 1, 0, 2},
	    {CONF_SERIAL_INCREMENT, UINT32_MAX, 0, 0}, /* wraps (RFC 1982) */
	    {CONF_SERIAL_KEEP, 7, 0, 7},
	    {CONF_SERIAL_UNIXTIME, 5, 1700000000, 1700000000},
	    {CONF_SERIAL_UNIXTIME, 1700000000, 1700000000, 1700000001}, /* same second */
	    {CONF_SERIAL_UNIXTIME, 2024010101, 1700000000, 2024010102}, /* ahead of now */
	    {CONF_SERIAL_DATESERIAL, 5, 1700000000, 2023111400},        /* 2023-11-14 UTC */
	    {CONF_SERIAL_DATESERIAL, 2023111400, 1700000000, 2023111401},
	    {CONF_SERIAL_DATESERIAL, 2023111499, 1700000000, 2023111500},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(primary_policy_serial(cases[i].p, cases[i].old, cases[i].now),
		                 cases[i].want);
}

typedef struct {
	int rc;
	uint32_t serial; /* of *out; 0: none */
	const char *why; /* substring of why, or NULL */
} verdict_t;

static verdict_t reload(conf_serial_policy_t policy, const zone_t *old, uint32_t old_file,
                        zone_t *loaded, bool force, journal_t *j)
{
	primary_reload_t in = {.name = "example.com.",
	                       .policy = policy,
	                       .old = old,
	                       .old_file_serial = old_file,
	                       .journal = j,
	                       .force = force,
	                       .now = 1700000000};
	zone_t *out = NULL;
	static char why[512];
	verdict_t v = {primary_reload(&in, loaded, &out, why, sizeof(why)), 0, why};
	if (out != NULL) {
		v.serial = out->serial;
		zone_free(out);
	}
	return v;
}

static void test_reload_verdicts(void **state)
{
	(void)state;
	zone_t *old = make_zone(10, 10, "");
	verdict_t v;
	/* the same: nothing */
	v = reload(CONF_SERIAL_KEEP, old, 10, make_zone(10, 10, ""), false, NULL);
	assert_true(v.rc == 0 && v.serial == 0);
	/* keep: changed, same serial */
	v = reload(CONF_SERIAL_KEEP, old, 10, make_zone(10, 11, ""), false, NULL);
	assert_int_equal(v.rc, ERR_RANGE);
	assert_non_null(strstr(v.why, "serial did not increase"));
	/* keep: backwards */
	v = reload(CONF_SERIAL_KEEP, old, 10, make_zone(9, 11, ""), false, NULL);
	assert_int_equal(v.rc, ERR_RANGE);
	assert_non_null(strstr(v.why, "serial went backwards (9, served 10)"));
	/* keep: raised */
	v = reload(CONF_SERIAL_KEEP, old, 10, make_zone(11, 11, ""), false, NULL);
	assert_true(v.rc == 0 && v.serial == 11);
	/* increment: the file left at 10 */
	v = reload(CONF_SERIAL_INCREMENT, old, 10, make_zone(10, 11, ""), false, NULL);
	assert_true(v.rc == 0 && v.serial == 11);
	/* increment: served 10 came from a file at 3; file still 3, no change */
	v = reload(CONF_SERIAL_INCREMENT, old, 3, make_zone(3, 10, ""), false, NULL);
	assert_true(v.rc == 0 && v.serial == 0);
	/* ... the file at 3 and changed: 11 */
	v = reload(CONF_SERIAL_INCREMENT, old, 3, make_zone(3, 12, ""), false, NULL);
	assert_true(v.rc == 0 && v.serial == 11);
	/* ... the file lowered to 2: backwards */
	v = reload(CONF_SERIAL_INCREMENT, old, 3, make_zone(2, 12, ""), false, NULL);
	assert_int_equal(v.rc, ERR_RANGE);
	/* increment: the file raised past O + 1 */
	v = reload(CONF_SERIAL_INCREMENT, old, 10, make_zone(50, 11, ""), false, NULL);
	assert_true(v.rc == 0 && v.serial == 50);
	/* an SOA-only change (refresh) with a raised serial */
	v = reload(CONF_SERIAL_KEEP, old, 10, make_zone(11, 10, ""), false, NULL);
	assert_true(v.rc == 0 && v.serial == 11);
	/* shrink guard: 13 records -> 3 */
	v = reload(CONF_SERIAL_KEEP, old, 10, make_zone(11, 0, ""), false, NULL);
	assert_int_equal(v.rc, ERR_LIMIT);
	assert_non_null(strstr(v.why, "--force"));
	v = reload(CONF_SERIAL_KEEP, old, 10, make_zone(11, 0, ""), true, NULL);
	assert_true(v.rc == 0 && v.serial == 11);
	/* exactly half the records left: accepted */
	zone_t *even = make_zone(10, 11, "");                                      /* 14 records */
	v = reload(CONF_SERIAL_KEEP, even, 10, make_zone(11, 4, ""), false, NULL); /* 7 */
	assert_true(v.rc == 0 && v.serial == 11);
	zone_free(even);
	zone_free(old);
}

static void test_shrink_limit(void **state)
{
	(void)state;
	static const struct {
		size_t old, new;
		unsigned limit;
		bool refused;
	} cases[] = {
	    {100, 50, 50, false}, /* exactly the limit gone */
	    {100, 49, 50, true},
	    {100, 100, 0, false},
	    {100, 101, 0, false},
	    {100, 99, 0, true},   /* 0: no loss at all */
	    {100, 0, 100, false}, /* 100: off */
	    {100, 0, 99, true},
	    {100, 90, 10, false},
	    {100, 89, 10, true},
	    {3, 1, 50, true},
	    {3, 2, 50, false},
	    {0, 0, 50, false},
	    {(size_t)1 << 40, ((size_t)1 << 40) / 2, 50, false}, /* no overflow */
	    {(size_t)1 << 40, ((size_t)1 << 40) / 2 - 1, 50, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = primary_shrink_refused(cases[i].old, cases[i].new, cases[i].limit);
		if (got != cases[i].refused)
			fail_msg("case %zu: %zu -> %zu at %u %%: got %d", i, cases[i].old,
			         cases[i].new, cases[i].limit, got);
	}
}

/* primary_reload with a zone conf: its shrink-limit decides. */
static void test_reload_shrink_limit(void **state)
{
	(void)state;
	zone_t *old = make_zone(10, 17, ""); /* 20 records */
	conf_zone_t zc;
	memset(&zc, 0, sizeof(zc));
	primary_reload_t in = {.name = "example.com.",
	                       .policy = CONF_SERIAL_KEEP,
	                       .old = old,
	                       .old_file_serial = 10,
	                       .now = 1700000000,
	                       .conf = &zc};
	static const struct {
		int n;          /* A records: n + 3 in all */
		unsigned limit; /* shrink-limit */
		int rc;
	} cases[] = {
	    {7, 50, 0},                             /* 10 of 20 left: exactly 50 % gone */
	    {6, 50, ERR_LIMIT},                     /* 9 left */
	    {6, 60, 0},         {0, 80, ERR_LIMIT}, /* 3 left: 85 % gone */
	    {0, 85, 0},         {0, 100, 0},        /* off */
	    {16, 0, ERR_LIMIT},                     /* 0: any loss refused */
	    {17, 0, 0},                             /* no loss, a change */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		zc.shrink_limit = cases[i].limit;
		char why[512];
		zone_t *out = NULL;
		zone_t *loaded =
		    make_zone(11, cases[i].n, cases[i].n == 17 ? "x A 192.0.2.7\n" : "");
		if (cases[i].n == 17) /* one record more, then one of them less */
			loaded = (zone_free(loaded), make_zone(11, 16, "x A 192.0.2.7\n"));
		int rc = primary_reload(&in, loaded, &out, why, sizeof(why));
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, cases[i].rc, why);
		if (rc == ERR_LIMIT) {
			char want[64];
			snprintf(want, sizeof(want), "more than %u %% gone, shrink-limit",
			         cases[i].limit);
			assert_non_null(strstr(why, want));
		}
		zone_free(out);
	}
	/* forced: past any limit */
	zc.shrink_limit = 0;
	in.force = true;
	zone_t *out = NULL;
	char why[512];
	assert_int_equal(primary_reload(&in, make_zone(11, 0, ""), &out, why, sizeof(why)), 0);
	assert_non_null(out);
	zone_free(out);
	zone_free(old);
}

/* ---------------------------------------------------------- NOTIFY set */

static conf_addr_t addr(const char *ip, unsigned port)
{
	conf_addr_t a;
	memset(&a, 0, sizeof(a));
	if (strchr(ip, ':') != NULL) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a.sa;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
		a.len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&a.sa;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET, ip, &in->sin_addr), 1);
		a.len = sizeof(*in);
	}
	return a;
}

/* d as "IP@PORT" plus " key" when it is signed, " ns" when from an NS. */
static void dest_text(const notify_dest_t *d, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned port;
	if (d->addr.sa.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&d->addr.sa;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&d->addr.sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		port = ntohs(in6->sin6_port);
	}
	snprintf(buf, cap, "%s@%u%s%s", ip, port, d->key ? " key" : "", d->ns ? " ns" : "");
}

/* The NOTIFY set of z under zc as one line, entries joined by ", ". */
static const char *dests_line(const conf_zone_t *zc, const zone_t *z, size_t cap)
{
	static char line[2048];
	notify_dest_t d[16];
	assert_true(cap <= 16);
	size_t n = notify_dests(zc, z, d, cap);
	line[0] = 0;
	for (size_t i = 0; i < n; i++) {
		char one[80];
		dest_text(&d[i], one, sizeof(one));
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s", i ? ", " : "",
		         one);
	}
	return line;
}

static const char NS_ZONE[] = "$ORIGIN example.com.\n$TTL 300\n"
                              "@ SOA ns1 host 1 7200 3600 1209600 300\n"
                              "@ NS ns1\n@ NS ns2\n@ NS ns4\n@ NS ns5\n@ NS ns.example.net.\n"
                              "@ NS www\n"
                              "ns1 A 192.0.2.1\n" /* the SOA MNAME: not notified */
                              "ns2 A 192.0.2.2\nns2 AAAA 2001:db8::2\n"
                              "ns4 A 127.0.0.1\n"  /* ourselves when we listen on 127.0.0.1@53 */
                              "ns5 A 192.0.2.9\n"  /* also a configured remote at port 53 */
                              "www A 192.0.2.2\n"; /* the same address as ns2: once */

static void test_notify_dests(void **state)
{
	(void)state;
	zone_t *z = load_text(NS_ZONE);
	conf_key_t key;
	memset(&key, 0, sizeof(key));
	conf_addr_t r1a[] = {addr("192.0.2.9", 5300), addr("192.0.2.9", 53)};
	conf_remote_t r1 = {.id = "r1", .address = {r1a, 2}, .key = &key};
	const conf_remote_t *remotes[] = {&r1};
	conf_addr_t listen[] = {addr("127.0.0.1", 53), addr("::1", 5300)};
	conf_server_t srv;
	memset(&srv, 0, sizeof(srv));
	srv.listen.v = listen;
	srv.listen.n = 2;
	conf_zone_t zc;
	memset(&zc, 0, sizeof(zc));
	zc.notify.v = remotes;
	zc.notify.n = 1;
	zc.notify_ns = true;
	zc.server = &srv;

	/* remotes first with their key; then the NS addresses, unsigned, at 53 */
	assert_string_equal(dests_line(&zc, z, 16),
	                    "192.0.2.9@5300 key, 192.0.2.9@53 key, 192.0.2.2@53 ns, "
	                    "2001:db8::2@53 ns");
	/* notify-ns: false: the configured remotes alone */
	zc.notify_ns = false;
	assert_string_equal(dests_line(&zc, z, 16), "192.0.2.9@5300 key, 192.0.2.9@53 key");
	/* no remote, no NS: nothing */
	zc.notify.n = 0;
	assert_string_equal(dests_line(&zc, z, 16), "");
	/* the cap holds */
	zc.notify.n = 1;
	zc.notify_ns = true;
	assert_string_equal(dests_line(&zc, z, 3),
	                    "192.0.2.9@5300 key, 192.0.2.9@53 key, 192.0.2.2@53 ns");
	/* no server section known: 127.0.0.1@53 is someone else */
	zc.server = NULL;
	assert_string_equal(dests_line(&zc, z, 16),
	                    "192.0.2.9@5300 key, 192.0.2.9@53 key, 192.0.2.2@53 ns, "
	                    "2001:db8::2@53 ns, 127.0.0.1@53 ns");
	/* a configured remote at our own listen address is not notified either */
	conf_addr_t self[] = {addr("::1", 5300)};
	conf_remote_t r2 = {.id = "r2", .address = {self, 1}, .key = NULL};
	const conf_remote_t *two[] = {&r2, &r1};
	zc.server = &srv;
	zc.notify.v = two;
	zc.notify.n = 2;
	assert_string_equal(dests_line(&zc, z, 16),
	                    "192.0.2.9@5300 key, 192.0.2.9@53 key, 192.0.2.2@53 ns, "
	                    "2001:db8::2@53 ns");
	zone_free(z);
}

static void test_notify_is_self(void **state)
{
	(void)state;
	conf_addr_t listen[] = {addr("0.0.0.0", 53), addr("192.0.2.1", 5300)};
	conf_server_t srv;
	memset(&srv, 0, sizeof(srv));
	srv.listen.v = listen;
	srv.listen.n = 2;
	static const struct {
		const char *ip;
		unsigned port;
		bool self;
	} cases[] = {
	    {"127.0.0.1", 53, true}, /* the wildcard covers loopback */
	    {"127.9.9.9", 53, true},    {"127.0.0.1", 54, false},    {"192.0.2.1", 5300, true},
	    {"192.0.2.1", 5301, false}, {"198.51.100.1", 53, false}, /* not a local address */
	    {"::1", 53, false}, /* an IPv4 wildcard does not take IPv6 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		conf_addr_t a = addr(cases[i].ip, cases[i].port);
		if (notify_is_self(&srv, (const struct sockaddr *)&a.sa) != cases[i].self)
			fail_msg("case %zu: %s@%u", i, cases[i].ip, cases[i].port);
	}
	conf_addr_t v6any[] = {addr("::", 53)};
	srv.listen.v = v6any;
	srv.listen.n = 1;
	conf_addr_t a = addr("::1", 53), b = addr("127.0.0.1", 53), c = addr("2001:db8::1", 53);
	assert_true(notify_is_self(&srv, (const struct sockaddr *)&a.sa));
	assert_true(notify_is_self(&srv, (const struct sockaddr *)&b.sa)); /* dual stack */
	assert_false(notify_is_self(&srv, (const struct sockaddr *)&c.sa));
	assert_false(notify_is_self(NULL, (const struct sockaddr *)&a.sa));
}

typedef struct {
	int n;
	uint32_t from, to;
} read_ctx_t;

static int on_cs(void *ctx, const changeset_t *cs)
{
	read_ctx_t *r = ctx;
	const uint8_t *a = cs->soa_from.rdata + cs->soa_from.rdlen - 20;
	const uint8_t *b = cs->soa_to.rdata + cs->soa_to.rdlen - 20;
	r->from = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	r->to = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	r->n++;
	return 0;
}

static void test_reload_journal(void **state)
{
	(void)state;
	char jdir[128];
	snprintf(jdir, sizeof(jdir), "%s/journal", dir);
	journal_t *j = NULL;
	assert_int_equal(journal_open(jdir, 0, 0, &j), 0);
	zone_t *old = make_zone(10, 10, "");
	assert_int_equal(primary_journal_start(j, "example.com.", CONF_SERIAL_INCREMENT, 0, &old),
	                 0);
	assert_int_equal(old->serial, 10);
	verdict_t v =
	    reload(CONF_SERIAL_INCREMENT, old, 10, make_zone(10, 10, "x A 192.0.2.9\n"), false, j);
	assert_true(v.rc == 0 && v.serial == 11);
	read_ctx_t r = {0};
	assert_int_equal(journal_read(j, ORIGIN, 10, on_cs, &r), 0);
	assert_true(r.n == 1 && r.from == 10 && r.to == 11);
	/* a refused reload stores nothing */
	v = reload(CONF_SERIAL_KEEP, old, 10, make_zone(9, 10, "y A 192.0.2.9\n"), false, j);
	assert_int_equal(v.rc, ERR_RANGE);
	uint32_t first, last;
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), 0);
	assert_true(first == 10 && last == 11);
	/* a restart that finds the file at 10 while 11 was served: the
	 * zone is served past 11, never back at 10 (a secondary at 11 would
	 * not take it); the journal of versions we lost is flushed */
	zone_t *file = make_zone(10, 10, "x A 192.0.2.9\n");
	assert_int_equal(primary_journal_start(j, "example.com.", CONF_SERIAL_INCREMENT, 0, &file),
	                 0);
	assert_int_equal(file->serial, 12);
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), ERR_NOTFOUND);
	zone_free(file);
	/* with keep the file's serial stands (and a warning says so) */
	v = reload(CONF_SERIAL_INCREMENT, old, 10, make_zone(10, 10, "z A 192.0.2.9\n"), false, j);
	assert_true(v.rc == 0 && v.serial == 11);
	file = make_zone(10, 10, "");
	assert_int_equal(primary_journal_start(j, "example.com.", CONF_SERIAL_KEEP, 0, &file), 0);
	assert_int_equal(file->serial, 10);
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), ERR_NOTFOUND);
	zone_free(file);
	/* startup at a serial past the journal's: flushed, served as is */
	v = reload(CONF_SERIAL_INCREMENT, old, 10, make_zone(10, 10, "w A 192.0.2.9\n"), false, j);
	assert_true(v.rc == 0 && v.serial == 11);
	file = make_zone(42, 10, "");
	assert_int_equal(primary_journal_start(j, "example.com.", CONF_SERIAL_INCREMENT, 0, &file),
	                 0);
	assert_int_equal(file->serial, 42);
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), ERR_NOTFOUND);
	zone_free(file);
	zone_free(old);
	journal_close(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_policy_serial),
	    cmocka_unit_test_setup_teardown(test_reload_verdicts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload_journal, setup, teardown),
	    cmocka_unit_test(test_shrink_limit),
	    cmocka_unit_test_setup_teardown(test_reload_shrink_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_notify_dests, setup, teardown),
	    cmocka_unit_test(test_notify_is_self),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
