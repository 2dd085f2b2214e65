/* Unit tests of src/zone: the tree, lookups, the builder's checks,
 * changesets (diff/apply) and serial arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <cmocka.h>

#include "common/err.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "zone/changeset.h"
#include "zone/serial.h"
#include "zone/zone.h"
#include "zone/zone_file.h"
#include "zone/zone_load.h"

#include "../common/zone_rdata.h"

static const uint8_t ORIGIN[] = "\7example\3com";

static void N(const char *text, uint8_t *out)
{
	size_t len;
	assert_int_equal(name_from_text(text, strlen(text), ORIGIN, out, &len), 0);
}

/* ---- records (rdata from tests/common/zone_rdata.h) ---- */

typedef struct {
	unsigned line;
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
	(void)file;
	(void)col;
	seen_list_t *s = ctx;
	if (s->n < 64) {
		s->v[s->n].line = line;
		s->v[s->n].sev = sev;
		snprintf(s->v[s->n].msg, sizeof(s->v[s->n].msg), "%s", msg);
		s->n++;
	}
}

static void add(zone_builder_t *b, const char *owner, uint16_t type, uint32_t ttl,
		const uint8_t *rd, size_t len, unsigned line)
{
	uint8_t o[NAME_MAXLEN];
	N(owner, o);
	int rc = zone_builder_add(b, o, type, ttl, rd, len, "t.zone", line, 1);
	assert_true(rc == 0 || rc == ERR_NOTZONE);
}

static void add_a(zone_builder_t *b, const char *owner, unsigned last, unsigned line)
{
	uint8_t rd[4];
	add(b, owner, RRTYPE_A, 3600, rd, zr_a(rd, last), line);
}

static void add_name(zone_builder_t *b, const char *owner, uint16_t type, const char *target,
		     unsigned line)
{
	uint8_t rd[NAME_MAXLEN];
	add(b, owner, type, 3600, rd, zr_name(rd, ORIGIN, target), line);
}

static void add_apex(zone_builder_t *b, uint32_t serial)
{
	uint8_t rd[600];
	add(b, "@", RRTYPE_SOA, 3600, rd, zr_soa(rd, ORIGIN, serial), 1);
	add_name(b, "@", RRTYPE_NS, "ns1", 2);
	add_a(b, "ns1", 1, 3);
}

static zone_t *finish(zone_builder_t *b)
{
	zone_t *z;
	int rc = zone_builder_finish(b, &z);
	zone_builder_free(b);
	assert_int_equal(rc, 0);
	assert_non_null(z);
	return z;
}

/* ---- tree invariants ---- */

static int keycmp(const zone_node_t *a, const zone_node_t *b)
{
	size_t m = a->keylen < b->keylen ? a->keylen : b->keylen;
	int c = memcmp(a->data, b->data, m);
	return c ? c : (int)a->keylen - (int)b->keylen;
}

static size_t check_tree(const zone_node_t *t, const zone_node_t *lo, const zone_node_t *hi)
{
	if (t == NULL)
		return 0;
	if (lo)
		assert_true(keycmp(lo, t) < 0);
	if (hi)
		assert_true(keycmp(t, hi) < 0);
	if (t->left)
		assert_true(t->left->prio <= t->prio);
	if (t->right)
		assert_true(t->right->prio <= t->prio);
	return 1 + check_tree(t->left, lo, t) + check_tree(t->right, t, hi);
}

static void test_lookup(void **state)
{
	(void)state;
	seen_list_t seen = {.n = 0};
	zone_builder_t *b = zone_builder_new(ORIGIN, "t.zone", collect, &seen);
	add_apex(b, 1);
	add_a(b, "a.b.c", 2, 10); /* b.c and c are empty non-terminals */
	add_a(b, "www", 3, 11);
	add_a(b, "*.w", 4, 12);
	zone_t *z = finish(b);
	assert_int_equal(seen.n, 0);
	assert_int_equal(z->serial, 1);
	assert_int_equal(z->nodes, 5);
	assert_int_equal(z->records, 6);
	assert_int_equal(check_tree(z->root, NULL, NULL), 5);

	uint8_t n[NAME_MAXLEN], key[NAME_KEY_MAXLEN];
	N("WWW", n);
	const zone_node_t *node = zone_find(z, n);
	assert_non_null(node);
	zone_rrset_t rs;
	assert_true(zone_node_rrset(node, RRTYPE_A, &rs));
	assert_int_equal(rs.count, 1);
	assert_false(zone_node_rrset(node, RRTYPE_AAAA, &rs));
	N("nope", n);
	assert_null(zone_find(z, n));

	/* predecessor in canonical order: *.w < www */
	N("www", n);
	size_t kl = name_to_key(n, key);
	const zone_node_t *prev = zone_find_prev(z, key, kl);
	assert_non_null(prev);
	uint8_t owner[NAME_MAXLEN], want[NAME_MAXLEN];
	zone_node_owner(prev, owner);
	N("*.w", want);
	assert_true(name_equal(owner, want));
	/* predecessor of the apex is nothing */
	kl = name_to_key(ORIGIN, key);
	assert_null(zone_find_prev(z, key, kl));

	/* closest encloser: existing node, empty non-terminal, apex */
	const zone_node_t *ce;
	N("x.www", n);
	assert_int_equal(zone_closest_encloser(z, n, &ce), 3);
	assert_ptr_equal(ce, node);
	N("x.b.c", n);
	assert_int_equal(zone_closest_encloser(z, n, &ce), 4); /* b.c.example.com */
	assert_null(ce);
	N("q.r", n);
	assert_int_equal(zone_closest_encloser(z, n, &ce), 2);
	assert_non_null(ce);
	N("example.org.", n);
	assert_int_equal(zone_closest_encloser(z, n, &ce), -1);
	zone_free(z);
}

typedef struct {
	const char *keyword;
	unsigned line;
	zone_sev_t sev;
} expect_t;

static void expect_all(const seen_list_t *seen, const expect_t *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t k = 0; k < seen->n; k++)
			if (seen->v[k].line == e[i].line && seen->v[k].sev == e[i].sev &&
			    strstr(seen->v[k].msg, e[i].keyword) != NULL)
				found = true;
		if (!found) {
			for (size_t k = 0; k < seen->n; k++)
				print_message("seen: line %u sev %d: %s\n", seen->v[k].line,
					      seen->v[k].sev, seen->v[k].msg);
			fail_msg("missing '%s' at line %u", e[i].keyword, e[i].line);
		}
	}
	assert_int_equal(seen->n, n);
}

static void test_checks(void **state)
{
	(void)state;
	seen_list_t seen = {.n = 0};
	zone_builder_t *b = zone_builder_new(ORIGIN, "t.zone", collect, &seen);
	uint8_t rd[600];
	add_apex(b, 7);
	add(b, "www", RRTYPE_SOA, 3600, rd, zr_soa(rd, ORIGIN, 1), 10);  /* SOA not at apex */
	add_name(b, "alias", RRTYPE_CNAME, "www", 11);
	add_a(b, "alias", 9, 12);                                  /* CNAME + data */
	add_a(b, "x.example.org.", 1, 13);                         /* outside */
	add_name(b, "sub", RRTYPE_NS, "ns.sub", 14);               /* no glue */
	add_name(b, "sub", RRTYPE_NS, "glue.sub", 15);
	add_a(b, "glue.sub", 1, 24);                               /* glue: fine */
	add_a(b, "deep.sub", 1, 16);                               /* not glue: occluded */
	add_name(b, "mx.sub", RRTYPE_PTR, "www", 17); /* occluded */
	add_name(b, "dn", RRTYPE_DNAME, "example.net.", 18);
	add_name(b, "dn", RRTYPE_CNAME, "www", 19);               /* CNAME+DNAME */
	add_a(b, "below.dn", 1, 20);                               /* occluded by DNAME */
	add_a(b, "ttl", 1, 21);
	add(b, "ttl", RRTYPE_A, 60, rd, zr_a(rd, 2), 22);          /* TTL differs */
	add_a(b, "ttl", 1, 23);                                    /* duplicate */
	zone_t *z;
	assert_int_equal(zone_builder_finish(b, &z), ERR_SEMANTIC);
	assert_null(z);
	assert_int_equal(zone_builder_errors(b), 5);
	assert_int_equal(zone_builder_warnings(b), 6);
	zone_builder_free(b);
	static const expect_t want[] = {
		{"SOA", 10, ZONE_ERROR},
		{"CNAME and other data", 11, ZONE_ERROR},
		{"outside", 13, ZONE_ERROR},
		{"glue", 14, ZONE_ERROR},
		{"occluded", 16, ZONE_WARNING},
		{"occluded", 17, ZONE_WARNING},
		{"CNAME and other data", 19, ZONE_ERROR}, /* DNAME counts as data */
		{"DNAME and CNAME", 18, ZONE_WARNING},
		{"occluded by the DNAME", 20, ZONE_WARNING},
		{"TTL", 22, ZONE_WARNING},
		{"duplicate", 23, ZONE_WARNING},
	};
	expect_all(&seen, want, sizeof(want) / sizeof(want[0]));
}

static void test_apex_checks(void **state)
{
	(void)state;
	seen_list_t seen = {.n = 0};
	zone_builder_t *b = zone_builder_new(ORIGIN, "t.zone", collect, &seen);
	add_a(b, "www", 1, 5);
	zone_t *z;
	assert_int_equal(zone_builder_finish(b, &z), ERR_SEMANTIC);
	zone_builder_free(b);
	static const expect_t want1[] = {{"no SOA", 1, ZONE_ERROR}};
	expect_all(&seen, want1, 1);

	seen.n = 0;
	b = zone_builder_new(ORIGIN, "t.zone", collect, &seen);
	uint8_t rd[600];
	add(b, "@", RRTYPE_SOA, 3600, rd, zr_soa(rd, ORIGIN, 1), 1);
	add(b, "@", RRTYPE_SOA, 3600, rd, zr_soa(rd, ORIGIN, 2), 2);
	assert_int_equal(zone_builder_finish(b, &z), ERR_SEMANTIC);
	zone_builder_free(b);
	static const expect_t want2[] = {{"more than one SOA", 2, ZONE_ERROR},
					 {"no NS", 1, ZONE_ERROR}};
	expect_all(&seen, want2, 2);

	/* apex NS whose in-zone target has no address */
	seen.n = 0;
	b = zone_builder_new(ORIGIN, "t.zone", collect, &seen);
	add(b, "@", RRTYPE_SOA, 3600, rd, zr_soa(rd, ORIGIN, 1), 1);
	add_name(b, "@", RRTYPE_NS, "ns9", 2);
	assert_int_equal(zone_builder_finish(b, &z), ERR_SEMANTIC);
	zone_builder_free(b);
	static const expect_t want3[] = {{"glue", 2, ZONE_ERROR}};
	expect_all(&seen, want3, 1);
}
/* The exact-match index maps every key to this version's own node (not to
 * a copy of it in another version), and nothing else: each node is found
 * as itself, a key next to it is not found. */
static void check_index(const zone_t *z)
{
	assert_non_null(z->hidx);
	zone_iter_t it;
	zone_iter_init(&it, z);
	const zone_node_t *n;
	size_t count = 0;
	uint8_t k[NAME_KEY_MAXLEN + 4];
	while ((n = zone_iter_next(&it)) != NULL) {
		assert_ptr_equal(zone_find_key(z, n->data, n->keylen), n);
		memcpy(k, n->data, n->keylen);
		memcpy(k + n->keylen, "zz", 3); /* a child label that is not there */
		const zone_node_t *ge = zone_find_ge(z, k, n->keylen + 3);
		if (ge == NULL || ge->keylen != n->keylen + 3 ||
		    memcmp(ge->data, k, n->keylen + 3) != 0)
			assert_null(zone_find_key(z, k, n->keylen + 3));
		count++;
	}
	assert_int_equal(it.err, 0);
	zone_iter_free(&it);
	assert_int_equal(count, z->nodes);
}

/* The negative-answer filters never say "no" wrongly: every empty
 * non-terminal (a missing ancestor of a node) may be one, every wildcard's
 * parent may have one; and they do rule out most names that are neither. */
static void check_filters(const zone_t *z)
{
	assert_non_null(z->filters);
	zone_iter_t it;
	zone_iter_init(&it, z);
	const zone_node_t *n;
	size_t probes = 0, ruled_out = 0;
	uint8_t k[NAME_KEY_MAXLEN + 4];
	while ((n = zone_iter_next(&it)) != NULL) {
		for (size_t p = z->origin_keylen; p < n->keylen; p++)
			if (p > 0 && n->data[p - 1] == 0 && zone_find_key(z, n->data, p) == NULL)
				assert_true(zone_may_be_ent(z, n->data, p));
		size_t l = n->keylen;
		if (l >= 2 && n->data[l - 2] == '*' && (l == 2 || n->data[l - 3] == 0))
			assert_true(zone_may_have_wildcard(z, n->data, l - 2));
		/* a child label no node has: neither a node nor an ENT */
		memcpy(k, n->data, l);
		memcpy(k + l, "zq", 3);
		const zone_node_t *ge = zone_find_ge(z, k, l + 3);
		if (ge != NULL && ge->keylen > l + 3 && memcmp(ge->data, k, l + 3) == 0)
			continue; /* it is an ENT after all */
		probes++;
		ruled_out += !zone_may_be_ent(z, k, l + 3) && !zone_may_have_wildcard(z, k, l + 3);
	}
	assert_int_equal(it.err, 0);
	zone_iter_free(&it);
	assert_true(ruled_out * 10 >= probes * 8);
}

/* ---- changesets ---- */

static zone_t *random_zone(unsigned seed, unsigned n, uint32_t serial)
{
	zone_builder_t *b = zone_builder_new(ORIGIN, "r.zone", NULL, NULL);
	add_apex(b, serial);
	srand(seed);
	char owner[64];
	for (unsigned i = 0; i < n; i++) {
		if (rand() % 4 == 0)
			continue;
		snprintf(owner, sizeof(owner), "h%u%s", i, i % 7 == 0 ? ".deep" : "");
		add_a(b, owner, (unsigned)rand() % 4, 100 + i);
		if (rand() % 3 == 0)
			add_a(b, owner, 10 + (unsigned)rand() % 3, 100 + i);
		if (rand() % 5 == 0)
			add_name(b, owner, RRTYPE_PTR, "www", 100 + i);
	}
	return finish(b);
}

static void assert_same(const zone_t *a, const zone_t *b)
{
	changeset_t cs;
	changeset_init(&cs);
	assert_int_equal(changeset_diff(a, b, &cs), 0);
	assert_true(changeset_empty(&cs));
	changeset_free(&cs);
}

static void test_diff_apply(void **state)
{
	(void)state;
	unsigned seed = (unsigned)time(NULL);
	print_message("seed %u\n", seed);
	for (unsigned round = 0; round < 20; round++) {
		unsigned s = seed + round;
		zone_t *a = random_zone(s, 300, 1);
		zone_t *b = random_zone(s * 7919u + 1, 300, 2);
		zone_t *a2 = random_zone(s, 300, 1);
		changeset_t cs;
		changeset_init(&cs);
		assert_int_equal(changeset_diff(a, b, &cs), 0);
		assert_false(changeset_empty(&cs));
		zone_t *c;
		assert_int_equal(changeset_apply(a, &cs, &c), 0);
		assert_same(c, b);
		assert_same(a, a2); /* the old version is unchanged */
		assert_int_equal(c->serial, 2);
		/* the cached apex is the node a lookup finds, in both versions */
		assert_non_null(c->apex);
		assert_ptr_equal(c->apex, zone_find(c, ORIGIN));
		assert_ptr_equal(a->apex, zone_find(a, ORIGIN));
		assert_int_equal(c->records, b->records);
		assert_int_equal(c->nodes, b->nodes);
		assert_int_equal(check_tree(c->root, NULL, NULL), c->nodes);
		check_index(c);
		check_index(a);
		check_filters(c);
		check_filters(a);
		/* the new version is the shape a fresh load gives */
		zone_free(a);
		assert_same(c, b);
		assert_int_equal(check_tree(c->root, NULL, NULL), c->nodes);
		check_index(c);
		changeset_free(&cs);
		zone_free(c);
		zone_free(b);
		zone_free(a2);
	}
}

/* A chain of versions, each changed from the one before and sharing
 * pages of the index with it, freed in a random order: every version
 * left finds exactly its own nodes after each free. */
static void test_index_versions(void **state)
{
	(void)state;
	unsigned seed = (unsigned)time(NULL);
	print_message("seed %u\n", seed);
	enum { V = 6 };
	zone_t *v[V];
	v[0] = random_zone(seed, 3000, 1);
	check_index(v[0]);
	for (int i = 1; i < V; i++) {
		/* alternately a small change and a large one (the index
		 * grows: the second zone has more names) */
		zone_t *b = random_zone(i % 2 ? seed : seed * 13u + (unsigned)i,
					i % 2 ? 3000 : 3000 + 1500 * (unsigned)i, (uint32_t)i + 1);
		changeset_t cs;
		changeset_init(&cs);
		assert_int_equal(changeset_diff(v[i - 1], b, &cs), 0);
		assert_int_equal(changeset_apply(v[i - 1], &cs, &v[i]), 0);
		changeset_free(&cs);
		assert_same(v[i], b);
		check_index(v[i]);
		check_index(v[i - 1]);
		check_filters(v[i]);
		zone_free(b);
	}
	srand(seed);
	bool gone[V] = {false};
	for (int left = V; left > 0; left--) {
		int k = rand() % V;
		while (gone[k])
			k = (k + 1) % V;
		zone_free(v[k]);
		gone[k] = true;
		for (int i = 0; i < V; i++)
			if (!gone[i])
				check_index(v[i]);
	}
}

/* Names set and removed one by one in a draft, many more than the index
 * had room for at load: it grows, and deletions keep probes unbroken. */
static void test_index_set_node(void **state)
{
	(void)state;
	zone_t *z = random_zone(7, 50, 1);
	zone_t *d = zone_clone(z);
	assert_non_null(d);
	uint8_t n[NAME_MAXLEN], key[NAME_KEY_MAXLEN];
	char owner[32];
	uint8_t a4[4] = {192, 0, 2, 1};
	for (int i = 0; i < 5000; i++) {
		snprintf(owner, sizeof(owner), i % 10 == 3 ? "*.w%d.x" : "n%d", i);
		N(owner, n);
		size_t kl = name_to_key(n, key);
		zone_rr_data_t rr = {RRTYPE_A, 300, 4, a4};
		assert_int_equal(zone_set_node(d, key, kl, zone_node_build(key, kl, &rr, 1, NULL)),
				 0);
		if (i % 3 == 2) {
			/* remove an earlier one */
			snprintf(owner, sizeof(owner), "n%d", i / 2);
			N(owner, n);
			kl = name_to_key(n, key);
			assert_int_equal(zone_set_node(d, key, kl, NULL), 0);
			assert_null(zone_find_key(d, key, kl));
		}
		if (i % 1000 == 999) {
			check_index(d);
			check_index(z);
			check_filters(d);
		}
	}
	check_index(d);
	check_filters(d);
	zone_free(z);
	check_index(d);
	/* a copy rebuilds filters that changes filled */
	zone_t *d2 = zone_clone(d);
	check_filters(d2);
	zone_free(d2);
	zone_free(d);
}

/* Without a report callback a zone that does not load is still refused,
 * with the code, not a crash. */
static void test_load_file_no_report(void **state)
{
	(void)state;
	char path[] = "/tmp/nsf-test-zone-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const char text[] = "$TTL 300\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nbad name here\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	zone_t *z = (zone_t *)1;
	assert_int_equal(zone_load_file(ORIGIN, path, NULL, NULL, &z), ERR_SEMANTIC);
	assert_null(z);
	unlink(path);
	assert_int_equal(zone_load_file(ORIGIN, path, NULL, NULL, &z), -ENOENT);
	assert_null(z);
}

static void test_apply_errors(void **state)
{
	(void)state;
	zone_t *a = random_zone(1, 2000, 5);
	uint8_t owner[NAME_MAXLEN], rd[600];
	changeset_t cs;
	changeset_init(&cs);
	N("nothere", owner);
	assert_int_equal(changeset_remove(&cs, owner, RRTYPE_A, 3600, rd, zr_a(rd, 1)), 0);
	zone_t *c;
	assert_int_equal(changeset_apply(a, &cs, &c), ERR_NOTFOUND);
	assert_null(c);
	changeset_free(&cs);

	changeset_init(&cs);
	N("ns1", owner);
	assert_int_equal(changeset_add(&cs, owner, RRTYPE_A, 3600, rd, zr_a(rd, 1)), 0);
	assert_int_equal(changeset_apply(a, &cs, &c), ERR_EXISTS);
	changeset_free(&cs);

	/* a pure SOA change and a TTL change of a whole RRset */
	changeset_init(&cs);
	assert_int_equal(changeset_remove(&cs, ORIGIN, RRTYPE_SOA, 3600, rd, zr_soa(rd, ORIGIN, 5)), 0);
	assert_int_equal(changeset_add(&cs, ORIGIN, RRTYPE_SOA, 3600, rd, zr_soa(rd, ORIGIN, 6)), 0);
	N("new", owner);
	assert_int_equal(changeset_add(&cs, owner, RRTYPE_A, 60, rd, zr_a(rd, 1)), 0);
	assert_int_equal(changeset_apply(a, &cs, &c), 0);
	assert_int_equal(c->serial, 6);
	assert_int_equal(a->serial, 5);
	const zone_node_t *n = zone_find(c, owner);
	assert_non_null(n);
	assert_null(zone_find(a, owner));
	changeset_free(&cs);
	/* untouched nodes are shared, not copied: only the paths to the two
	 * changed names are new */
	size_t shared = 0;
	zone_iter_t it;
	zone_iter_init(&it, a);
	const zone_node_t *na;
	while ((na = zone_iter_next(&it)) != NULL)
		shared += zone_find_key(c, na->data, na->keylen) == na;
	zone_iter_free(&it);
	assert_true(shared > 0);
	assert_true(shared >= a->nodes - 2 * 40);
	assert_true(shared < a->nodes);
	/* delete every record of a name: its node goes */
	changeset_init(&cs);
	N("new", owner);
	assert_int_equal(changeset_remove(&cs, owner, RRTYPE_A, 60, rd, zr_a(rd, 1)), 0);
	zone_t *d;
	assert_int_equal(changeset_apply(c, &cs, &d), 0);
	assert_null(zone_find(d, owner));
	changeset_free(&cs);
	changeset_init(&cs); /* d is a with a new SOA: nothing else differs */
	assert_int_equal(changeset_diff(a, d, &cs), 0);
	assert_int_equal(cs.nremoved + cs.nadded, 0);
	assert_false(changeset_empty(&cs));
	changeset_free(&cs);
	zone_free(d);
	zone_free(c);
	zone_free(a);
}

static size_t rd_rrsig(uint8_t *rd, uint16_t covered, uint32_t ttl)
{
	wire_put_u16(rd, covered);
	rd[2] = 13, rd[3] = 2;
	wire_put_u32(rd + 4, ttl);
	wire_put_u32(rd + 8, 2000000000u);
	wire_put_u32(rd + 12, 1700000000u);
	wire_put_u16(rd + 16, 4242);
	size_t o = 18 + zr_name(rd + 18, ORIGIN, "@");
	memset(rd + o, 0xab, 64);
	return o + 64;
}

/* RRSIGs covering different types keep their own TTLs: no warning, and
 * the zone keeps both; a TTL change of one is a change of that set only. */
static void test_rrsig_sets(void **state)
{
	(void)state;
	seen_list_t seen = {.n = 0};
	zone_builder_t *b = zone_builder_new(ORIGIN, "t.zone", collect, &seen);
	uint8_t rd[600];
	add_apex(b, 1);
	add(b, "@", RRTYPE_RRSIG, 3600, rd, rd_rrsig(rd, RRTYPE_SOA, 3600), 4);
	add(b, "@", RRTYPE_RRSIG, 300, rd, rd_rrsig(rd, RRTYPE_NSEC, 300), 5);
	add(b, "@", RRTYPE_RRSIG, 600, rd, rd_rrsig(rd, RRTYPE_NS, 3600), 6);
	add(b, "@", RRTYPE_RRSIG, 3600, rd, rd_rrsig(rd, RRTYPE_NS, 7200), 7);
	zone_t *z = finish(b);
	static const expect_t want[] = {{"TTL", 7, ZONE_WARNING}}; /* NS sigs: 600 vs 3600 */
	expect_all(&seen, want, 1);
	const zone_node_t *apex = zone_find(z, ORIGIN);
	uint32_t ttls[4];
	size_t nsig = 0;
	for (size_t i = 0; i < apex->nrrsets; i++) {
		zone_rrset_t rs = zone_node_rrset_at(apex, i);
		if (rs.type == RRTYPE_RRSIG)
			ttls[nsig++] = rs.ttl;
	}
	assert_int_equal(nsig, 3); /* NS, SOA, NSEC in covered-type order */
	assert_int_equal(ttls[0], 600);
	assert_int_equal(ttls[1], 3600);
	assert_int_equal(ttls[2], 300);
	assert_int_equal(z->records, 3 + 4);

	changeset_t cs;
	changeset_init(&cs);
	assert_int_equal(changeset_remove(&cs, ORIGIN, RRTYPE_RRSIG, 300, rd,
					  rd_rrsig(rd, RRTYPE_NSEC, 300)), 0);
	assert_int_equal(changeset_add(&cs, ORIGIN, RRTYPE_RRSIG, 900, rd,
				       rd_rrsig(rd, RRTYPE_NSEC, 300)), 0);
	zone_t *c;
	assert_int_equal(changeset_apply(z, &cs, &c), 0);
	changeset_free(&cs);
	changeset_init(&cs);
	assert_int_equal(changeset_diff(z, c, &cs), 0);
	assert_int_equal(cs.nremoved, 1);
	assert_int_equal(cs.nadded, 1);
	assert_int_equal(cs.added[0].ttl, 900);
	changeset_free(&cs);
	zone_free(c);
	zone_free(z);
}

/* A node keeps RR counts in 16 bits, as a message does: one more is an
 * error, not a wrapped count. */
static void test_rrset_limit(void **state)
{
	(void)state;
	for (unsigned total = 65535; total <= 65536; total++) {
		seen_list_t seen = {.n = 0};
		zone_builder_t *b = zone_builder_new(ORIGIN, "t.zone", collect, &seen);
		add_apex(b, 1);
		uint8_t rd[4];
		for (unsigned i = 0; i < total; i++) {
			wire_put_u32(rd, i);
			add(b, "big", RRTYPE_A, 60, rd, 4, 10);
		}
		zone_t *z;
		int rc = zone_builder_finish(b, &z);
		zone_builder_free(b);
		if (total == 65535) {
			assert_int_equal(rc, 0);
			uint8_t n[NAME_MAXLEN];
			N("big", n);
			zone_rrset_t rs;
			assert_true(zone_node_rrset(zone_find(z, n), RRTYPE_A, &rs));
			assert_int_equal(rs.count, 65535);
			zone_free(z);
		} else {
			assert_int_equal(rc, ERR_SEMANTIC);
			static const expect_t want[] = {{"more than 65535", 10, ZONE_ERROR}};
			expect_all(&seen, want, 1);
		}
	}
}

static void test_serial(void **state)
{
	(void)state;
	static const struct {
		uint32_t a, b;
		serial_cmp_t want;
	} cases[] = {
		{0, 0, SERIAL_EQ},
		{1, 2, SERIAL_LT},
		{2, 1, SERIAL_GT},
		{0xffffffffu, 0, SERIAL_LT}, /* wraps */
		{0, 0xffffffffu, SERIAL_GT},
		{0, 0x7fffffffu, SERIAL_LT},
		{0, 0x80000000u, SERIAL_UNDEFINED},
		{0x80000000u, 0, SERIAL_UNDEFINED},
		{0, 0x80000001u, SERIAL_GT},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(serial_compare(cases[i].a, cases[i].b), cases[i].want);
	uint32_t out;
	assert_int_equal(serial_add(0xfffffff0u, 0x20, &out), 0);
	assert_int_equal(out, 0x10);
	assert_int_equal(serial_add(1, 0x7fffffffu, &out), 0);
	assert_int_equal(serial_add(1, 0x80000000u, &out), ERR_RANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),	    cmocka_unit_test(test_checks),
		cmocka_unit_test(test_apex_checks), cmocka_unit_test(test_diff_apply),
		cmocka_unit_test(test_apply_errors), cmocka_unit_test(test_rrsig_sets),
		cmocka_unit_test(test_rrset_limit), cmocka_unit_test(test_serial),
		cmocka_unit_test(test_index_versions), cmocka_unit_test(test_index_set_node),
		cmocka_unit_test(test_load_file_no_report),
	};
	return cmocka_run_group_tests_name("zone", tests, NULL, NULL);
}
