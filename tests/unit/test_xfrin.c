/*
 * The incoming transfer's parser and state machine (xfrin_parse), table
 * driven over the seed corpus of fuzz_xfrin (tests/fuzz/corpus/xfrin/,
 * made by gen_xfrin_corpus.py; format in fuzz_xfrin.c): each valid stream
 * gives the version and changesets it should, each broken one fails with
 * its reason and hands back nothing.  The secondary holds example.com.
 * serial 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/name.h"
#include "dns/rrtype.h"
#include "server/xfrin.h"
#include "zone/zone_load.h"

static const uint8_t ORIGIN[] = "\7example\3com";

static void no_report(void *ctx, const char *file, unsigned line, unsigned col, zone_sev_t sev,
                      const char *msg)
{
	(void)ctx, (void)file, (void)line, (void)col, (void)sev, (void)msg;
}

/* example.com. serial 1: SOA, NS, ns1 A, www A (as fuzz_xfrin's). */
static zone_t *cur_zone(void)
{
	static const uint8_t ns1[] = "\3ns1\7example\3com", www[] = "\3www\7example\3com",
	                     h[] = "\1h\7example\3com";
	static const uint8_t nums[20] = {0, 0,    0, 1, 0,    0,    0x0e, 0x10, 0, 0,
	                                 2, 0x58, 0, 1, 0x51, 0x80, 0,    0,    1, 0x2c};
	static const uint8_t a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2};
	uint8_t soa[128];
	size_t l = 0;
	memcpy(soa, ns1, sizeof(ns1)), l += sizeof(ns1);
	memcpy(soa + l, h, sizeof(h)), l += sizeof(h);
	memcpy(soa + l, nums, sizeof(nums)), l += sizeof(nums);
	zone_builder_t *b = zone_builder_new(ORIGIN, "test", no_report, NULL);
	zone_t *z = NULL;
	assert_non_null(b);
	assert_int_equal(zone_builder_add(b, ORIGIN, RRTYPE_SOA, 300, soa, l, NULL, 0, 0), 0);
	assert_int_equal(zone_builder_add(b, ORIGIN, RRTYPE_NS, 300, ns1, sizeof(ns1), NULL, 0, 0),
	                 0);
	assert_int_equal(zone_builder_add(b, ns1, RRTYPE_A, 300, a1, 4, NULL, 0, 0), 0);
	assert_int_equal(zone_builder_add(b, www, RRTYPE_A, 300, a2, 4, NULL, 0, 0), 0);
	assert_int_equal(zone_builder_finish(b, &z), 0);
	zone_builder_free(b);
	assert_non_null(z);
	assert_int_equal(z->serial, 1);
	return z;
}

typedef struct {
	const char *file;
	bool ok;
	bool up_to_date;
	uint32_t serial;   /* of the new version */
	size_t ncs;        /* changesets handed back */
	size_t records;    /* of the new version (0: not checked) */
	const char *kind;  /* NULL: not checked */
	const char *error; /* a part of res.error when !ok */
} case_t;

static const case_t CASES[] = {
    {"axfr-one", true, false, 2, 0, 6, "AXFR", NULL},
    {"axfr-three", true, false, 2, 0, 6, "AXFR", NULL},
    {"ixfr-two-changesets", true, false, 3, 2, 5, "IXFR", NULL},
    {"ixfr-axfr-style", true, false, 2, 0, 6, "IXFR (AXFR-style)", NULL},
    {"ixfr-up-to-date", true, true, 0, 0, 0, NULL, NULL},
    {"bad-out-of-zone", false, false, 0, 0, 0, NULL,
     "record evil.example.org. is outside the zone"},
    {"bad-first-not-soa", false, false, 0, 0, 0, NULL, "the first record is not the zone's SOA"},
    {"bad-ixfr-absent", false, false, 0, 0, 0, NULL,
     "IXFR changeset 1 -> 2 does not apply: it removes a record the zone does not have"},
    {"bad-truncated", false, false, 0, 0, 0, NULL, "the stream ends before the last SOA"},
    {"bad-pointer-loop", false, false, 0, 0, 0, NULL, "message 2 is malformed"},
    {"bad-rdlength", false, false, 0, 0, 0, NULL, "message 2 is malformed"},
};

static size_t read_seed(const char *name, uint8_t *buf, size_t cap)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/xfrin/%s", SRCDIR, name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (run tests/fuzz/gen_xfrin_corpus.py)", path);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* Runs one stream of the fuzz_xfrin format. */
static int run(const zone_t *cur, const uint8_t *data, size_t size, xfrin_res_t *res)
{
	const uint8_t *msgs[64];
	size_t lens[64], n = 0;
	for (size_t o = 1; o + 2 <= size && n < 64;) {
		size_t l = (size_t)data[o] << 8 | data[o + 1];
		o += 2;
		if (l > size - o)
			l = size - o;
		msgs[n] = data + o, lens[n++] = l;
		o += l;
	}
	bool ixfr = data[0] & 1, none = (data[0] & 2) && !ixfr;
	xfrin_req_t rq = {.origin = ORIGIN,
	                  .zone_name = "example.com.",
	                  .cur = none ? NULL : cur,
	                  .timeout_ms = 1000};
	return xfrin_parse(&rq, ixfr ? RRTYPE_IXFR : RRTYPE_AXFR, 0x4242, msgs, lens, n, res);
}

static void test_corpus(void **state)
{
	(void)state;
	zone_t *cur = cur_zone();
	static uint8_t data[65536];
	for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
		const case_t *c = &CASES[i];
		size_t size = read_seed(c->file, data, sizeof(data));
		xfrin_res_t res;
		int rc = run(cur, data, size, &res);
		if (!c->ok) {
			if (rc == 0 || strstr(res.error, c->error) == NULL)
				fail_msg("%s: rc %d, error '%s', want '%s'", c->file, rc, res.error,
				         c->error);
			assert_null(res.zone);
			assert_null(res.cs);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: rc %d: %s", c->file, rc, res.error);
		assert_int_equal(res.up_to_date, c->up_to_date);
		if (c->kind != NULL && strcmp(res.kind, c->kind) != 0)
			fail_msg("%s: kind %s, want %s", c->file, res.kind, c->kind);
		if (c->up_to_date) {
			assert_null(res.zone);
			continue;
		}
		assert_non_null(res.zone);
		assert_int_equal(res.zone->serial, c->serial);
		assert_int_equal(res.ncs, c->ncs);
		if (c->records)
			assert_int_equal(res.zone->records, c->records);
		zone_free(res.zone);
		xfrin_res_clear(&res);
		assert_null(res.cs);
	}
	zone_free(cur);
}

/* Boundaries: no message at all; messages after the last SOA are not read
 * (over TCP the transfer stops there); the wrong id in the first one. */
static void test_edges(void **state)
{
	(void)state;
	zone_t *cur = cur_zone();
	static uint8_t data[65536];
	xfrin_res_t res;
	uint8_t none = 0;
	assert_int_not_equal(run(cur, &none, 1, &res), 0);
	assert_non_null(strstr(res.error, "ends before the last SOA"));

	size_t size = read_seed("axfr-one", data, sizeof(data) / 2);
	memcpy(data + size, data + 1, size - 1); /* the same stream again after it */
	assert_int_equal(run(cur, data, 2 * size - 1, &res), 0);
	assert_int_equal(res.zone->serial, 2);
	assert_int_equal(res.messages, 1);
	zone_free(res.zone);
	xfrin_res_clear(&res);

	size = read_seed("axfr-one", data, sizeof(data));
	data[3] ^= 1; /* the id's low octet */
	assert_int_not_equal(run(cur, data, size, &res), 0);
	assert_non_null(strstr(res.error, "message 1 is not a response to our query"));
	zone_free(cur);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus),
	    cmocka_unit_test(test_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
