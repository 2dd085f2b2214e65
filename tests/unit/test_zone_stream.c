/* Unit tests of the zone builder's streaming path (zone_load.c): records
 * without positions in canonical order are built node by node as they
 * come.  Every case is built twice, once streamed (no positions) and once
 * the ordinary way (positions: the builder does not stream), in order and
 * shuffled, and must give the same result code, counters, exactness,
 * reports (severity and text, in order) and zone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "zone/zone.h"
#include "zone/zone_load.h"

#include "../common/zone_rdata.h"

static const uint8_t ORIGIN[] = "\7example\3com";

typedef struct {
	const char *owner;
	uint16_t type;
	uint32_t ttl;
	const char *target; /* NS, CNAME, DNAME, MX-less name rdata */
	unsigned a;         /* A: last octet; SOA: serial */
} rec_spec_t;

#define SOA(serial)                                                                                \
	{                                                                                          \
		"@", RRTYPE_SOA, 3600, NULL, serial                                                \
	}
#define A(o, last)                                                                                 \
	{                                                                                          \
		o, RRTYPE_A, 3600, NULL, last                                                      \
	}
#define A_TTL(o, last, t)                                                                          \
	{                                                                                          \
		o, RRTYPE_A, t, NULL, last                                                         \
	}
#define NAMED(o, type, tg)                                                                         \
	{                                                                                          \
		o, type, 3600, tg, 0                                                               \
	}
#define END                                                                                        \
	{                                                                                          \
		NULL, 0, 0, NULL, 0                                                                \
	}

typedef struct {
	zone_sev_t sev;
	char msg[300];
} seen_t;

typedef struct {
	seen_t v[64];
	size_t n;
} seen_list_t;

static void collect(void *ctx, const char *file, unsigned line, unsigned col, zone_sev_t sev,
                    const char *msg)
{
	(void)file, (void)line, (void)col;
	seen_list_t *s = ctx;
	if (s->n < 64) {
		s->v[s->n].sev = sev;
		snprintf(s->v[s->n].msg, sizeof(s->v[s->n].msg), "%s", msg);
		s->n++;
	}
}

typedef struct {
	int rc;
	size_t errors, warnings;
	bool exact;
	seen_list_t seen;
	zone_t *z;
} result_t;

static void build(const rec_spec_t *v, const size_t *order, size_t n, bool positions, result_t *res)
{
	memset(res, 0, sizeof(*res));
	zone_builder_t *b = zone_builder_new(ORIGIN, "t.zone", collect, &res->seen);
	assert_non_null(b);
	for (size_t k = 0; k < n; k++) {
		const rec_spec_t *s = &v[order[k]];
		uint8_t owner[NAME_MAXLEN], rd[600];
		size_t len, rl = 0;
		assert_int_equal(name_from_text(s->owner, strlen(s->owner), ORIGIN, owner, &len),
		                 0);
		if (s->type == RRTYPE_SOA)
			rl = zr_soa(rd, ORIGIN, s->a);
		else if (s->type == RRTYPE_A)
			rl = zr_a(rd, s->a);
		else
			rl = zr_name(rd, ORIGIN, s->target);
		int rc =
		    zone_builder_add(b, owner, s->type, s->ttl, rd, rl, positions ? "t.zone" : NULL,
		                     positions ? (unsigned)k + 1 : 0, positions ? 1 : 0);
		assert_true(rc == 0 || rc == ERR_NOTZONE);
	}
	res->rc = zone_builder_finish(b, &res->z);
	res->errors = zone_builder_errors(b);
	res->warnings = zone_builder_warnings(b);
	res->exact = zone_builder_exact(b);
	zone_builder_free(b);
}

static void same_zone(const zone_t *a, const zone_t *b)
{
	assert_true((a == NULL) == (b == NULL));
	if (a == NULL)
		return;
	assert_int_equal(a->nodes, b->nodes);
	assert_int_equal(a->records, b->records);
	assert_int_equal(a->serial, b->serial);
	zone_iter_t ia, ib;
	zone_iter_init(&ia, a);
	zone_iter_init(&ib, b);
	const zone_node_t *na, *nb;
	size_t n = 0;
	while ((na = zone_iter_next(&ia)) != NULL) {
		nb = zone_iter_next(&ib);
		assert_non_null(nb);
		assert_int_equal(na->keylen, nb->keylen);
		assert_int_equal(na->size, nb->size);
		assert_int_equal(na->nrrsets, nb->nrrsets);
		assert_memory_equal(na->data, nb->data, na->size);
		/* the exact-match index finds every node */
		assert_ptr_equal(zone_find_key(a, na->data, na->keylen), na);
		n++;
	}
	assert_null(zone_iter_next(&ib));
	assert_int_equal(n, a->nodes);
	zone_iter_free(&ia);
	zone_iter_free(&ib);
}

static void same_result(const result_t *a, const result_t *b)
{
	assert_int_equal(a->rc, b->rc);
	assert_int_equal(a->errors, b->errors);
	assert_int_equal(a->warnings, b->warnings);
	assert_int_equal(a->exact, b->exact);
	assert_int_equal(a->seen.n, b->seen.n);
	for (size_t i = 0; i < a->seen.n; i++) {
		assert_int_equal(a->seen.v[i].sev, b->seen.v[i].sev);
		assert_string_equal(a->seen.v[i].msg, b->seen.v[i].msg);
	}
	same_zone(a->z, b->z);
}

/* Builds v (END-terminated) streamed and not, in order and in a few
 * shuffles (seeded, printed); returns the in-order streamed result in
 * *out (its zone owned by the caller). */
static void check_case(const rec_spec_t *v, result_t *out)
{
	size_t n = 0;
	while (v[n].owner != NULL)
		n++;
	size_t *order = malloc(n * sizeof(*order));
	assert_non_null(order);
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	result_t s, o;
	build(v, order, n, false, &s);
	build(v, order, n, true, &o);
	same_result(&s, &o);
	zone_free(o.z);
	unsigned seed = 12345;
	for (int round = 0; round < 8; round++) {
		for (size_t i = n; i > 1; i--) {
			seed = seed * 1103515245u + 12345u;
			size_t j = (seed >> 8) % i;
			size_t t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		result_t s2, o2;
		build(v, order, n, false, &s2);
		build(v, order, n, true, &o2);
		if (s2.rc != o2.rc || s2.seen.n != o2.seen.n)
			print_message("shuffle round %d (seed 12345) differs\n", round);
		same_result(&s2, &o2);
		/* a record set in any order makes the same zone */
		same_zone(s.z, s2.z);
		zone_free(s2.z);
		zone_free(o2.z);
	}
	free(order);
	*out = s;
}

/* A clean zone in canonical order, as an AXFR from Knot sends it. */
static const rec_spec_t CLEAN[] = {
    SOA(7),
    NAMED("@", RRTYPE_NS, "ns1"),
    NAMED("@", RRTYPE_NS, "ns2.sub"),
    A("@", 1),
    A("*", 9),
    A("a", 2),
    A("a", 3),
    NAMED("b", RRTYPE_CNAME, "a"),
    A("x.c", 4),
    A("ns1", 5),
    NAMED("sub", RRTYPE_NS, "ns2.sub"),
    A("ns2.sub", 6),
    A("*.w", 7),
    END,
};

static void test_clean(void **state)
{
	(void)state;
	result_t r;
	check_case(CLEAN, &r);
	assert_int_equal(r.rc, 0);
	assert_non_null(r.z);
	assert_true(r.exact);
	assert_int_equal(r.seen.n, 0);
	assert_int_equal(r.z->serial, 7);
	assert_int_equal(r.z->nodes, 9);
	assert_int_equal(r.z->records, 13);
	/* the empty non-terminal c and the wildcard *.w are known */
	uint8_t c[NAME_MAXLEN], key[NAME_KEY_MAXLEN];
	size_t len;
	assert_int_equal(name_from_text("c", 1, ORIGIN, c, &len), 0);
	size_t kl = name_to_key(c, key);
	assert_null(zone_find_key(r.z, key, kl));
	assert_true(zone_may_be_ent(r.z, key, kl));
	zone_free(r.z);
}

/* Every check of check_node, with the glue of an NS after it and an NS
 * whose address comes later in the stream. */
static const rec_spec_t CHECKS[] = {
    SOA(7),
    NAMED("@", RRTYPE_NS, "ns1"),
    NAMED("@", RRTYPE_NS, "zz"), /* address later: fine */
    NAMED("alias", RRTYPE_CNAME, "www"),
    A("alias", 9), /* CNAME and other data */
    NAMED("dn", RRTYPE_CNAME, "www"),
    NAMED("dn", RRTYPE_DNAME, "example.net."),
    A("below.dn", 1), /* occluded by the DNAME */
    A("ns1", 1),
    NAMED("sub", RRTYPE_NS, "ns.sub"), /* no glue */
    NAMED("sub", RRTYPE_NS, "glue.sub"),
    A("deep.sub", 1),                   /* occluded */
    A("glue.sub", 1),                   /* glue */
    NAMED("mx.sub", RRTYPE_PTR, "www"), /* occluded */
    SOA(1),                             /* not at the apex: www */
    A("zz", 3),
    END,
};

static void test_checks(void **state)
{
	(void)state;
	static rec_spec_t v[sizeof(CHECKS) / sizeof(CHECKS[0])];
	memcpy(v, CHECKS, sizeof(v));
	v[14].owner = "www";
	assert_int_equal(v[14].type, RRTYPE_SOA);
	result_t r;
	check_case(v, &r);
	assert_int_equal(r.rc, ERR_SEMANTIC);
	assert_null(r.z);
	assert_int_equal(r.errors, 4);
	assert_true(r.exact);

	/* in canonical order of the names */
	static const char *const want[] = {"CNAME and other data",
	                                   "CNAME and other data",
	                                   "DNAME and CNAME",
	                                   "occluded",
	                                   "glue",
	                                   "occluded",
	                                   "occluded",
	                                   "not at the zone apex"};
	assert_int_equal(r.seen.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < r.seen.n; i++)
		if (strstr(r.seen.v[i].msg, want[i]) == NULL)
			fail_msg("report %zu: '%s', wanted '%s'", i, r.seen.v[i].msg, want[i]);
}

/* Remarks in the middle of an in-order stream end the streaming: a
 * duplicate, TTLs to equalise, a record outside the zone; then records
 * out of order, and an owner that comes back. */
static const rec_spec_t REMARKS[] = {
    SOA(7),
    NAMED("@", RRTYPE_NS, "ns1"),
    A("a", 1),
    A("ns1", 1),
    A("ns1", 1), /* duplicate */
    A("p", 1),
    A_TTL("p", 2, 60),      /* TTL differs */
    A("x.example.org.", 1), /* outside */
    A("q", 1),
    END,
};

static const rec_spec_t DISORDER[] = {
    SOA(7),    NAMED("@", RRTYPE_NS, "ns1"),
    A("b", 1), A("ns1", 1),
    A("a", 1), /* before ns1 */
    A("b", 2), /* b again */
    A("c", 1), END,
};

static void test_remarks(void **state)
{
	(void)state;
	result_t r;
	check_case(REMARKS, &r);
	assert_int_equal(r.rc, ERR_SEMANTIC);
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.warnings, 2);
	assert_false(r.exact);

	/* just the duplicate (no error): a zone, not exact */
	static rec_spec_t dup[sizeof(REMARKS) / sizeof(REMARKS[0])];
	memcpy(dup, REMARKS, sizeof(dup));
	dup[6] = (rec_spec_t)A("p", 2);
	dup[7] = (rec_spec_t)A("pp", 1);
	check_case(dup, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.warnings, 1);
	assert_false(r.exact);
	assert_int_equal(r.z->records, 8);
	zone_free(r.z);

	check_case(DISORDER, &r);
	assert_int_equal(r.rc, 0);
	assert_true(r.exact);
	assert_int_equal(r.z->nodes, 5);
	assert_int_equal(r.z->records, 7);
	zone_free(r.z);
}

/* A large in-order zone: many nodes, every one built while streaming;
 * the same zone as the ordinary builder's. */
static void test_large(void **state)
{
	(void)state;
	enum { N = 5000 };
	static rec_spec_t v[2 * N + 4];
	static char names[N][16];
	size_t k = 0;
	v[k++] = (rec_spec_t)SOA(9);
	v[k++] = (rec_spec_t)NAMED("@", RRTYPE_NS, "ns");
	/* "h00000".."h04999" are in canonical order */
	for (unsigned i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "h%05u", i);
		v[k++] = (rec_spec_t)A(names[i], i % 250 + 1);
		v[k++] = (rec_spec_t)A(names[i], i % 250 + 2);
	}
	v[k++] = (rec_spec_t)A("ns", 1);
	v[k] = (rec_spec_t)END;
	result_t r;
	check_case(v, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.z->nodes, N + 2);
	assert_int_equal(r.z->records, 2 * N + 3);
	zone_free(r.z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean),
	    cmocka_unit_test(test_checks),
	    cmocka_unit_test(test_remarks),
	    cmocka_unit_test(test_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
