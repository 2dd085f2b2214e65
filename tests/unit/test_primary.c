/* Unit tests of the primary's reload rules (src/server/primary.c): the
 * serial each policy picks, table-driven at the RFC 1982 edges, and
 * primary_reload's verdicts (unchanged, serial did not increase / went
 * backwards, policy serial written into the SOA, shrink guard and force,
 * the changeset in the journal).  Zones are written to a mkdtemp
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
#include <cmocka.h>

#include "common/err.h"
#include "server/journal.h"
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
	assert_int_equal(zone_load_file(ORIGIN, path, NULL, NULL, &z), 0);
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
	assert_int_equal(primary_journal_start(j, "example.com.", ORIGIN, 10), 0);
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
	/* startup at another serial flushes */
	assert_int_equal(primary_journal_start(j, "example.com.", ORIGIN, 42), 0);
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), ERR_NOTFOUND);
	zone_free(old);
	journal_close(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_policy_serial),
	    cmocka_unit_test_setup_teardown(test_reload_verdicts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload_journal, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
