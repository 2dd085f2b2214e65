/* Unit tests of the journal (src/server/journal.c): round trips of
 * changesets made by changeset_diff of random zones, reads from the
 * middle, unknown serials, discontinuities, serial wrap-around,
 * compaction, persistence, timers, corrupt records and a kill -9 crash
 * check.  Every test works in its own mkdtemp directory, removed after.
 * Randomised tests print their seed. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <lmdb.h>

#include "common/err.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "server/journal.h"
#include "zone/changeset.h"
#include "zone/zone.h"
#include "zone/zone_load.h"

#include "../common/zone_rdata.h"

static const uint8_t ORIGIN[] = "\7example\3com";
static const uint8_t ORIGIN_UPPER[] = "\7EXAMPLE\3com";
static const uint8_t OTHER[] = "\7example\3org";

static void N(const char *text, uint8_t *out)
{
	size_t len;
	assert_int_equal(name_from_text(text, strlen(text), ORIGIN, out, &len), 0);
}

/* ---- temporary directories ---- */

static void tmpdir(char *buf, size_t cap)
{
	snprintf(buf, cap, "/tmp/nsf-journal-XXXXXX");
	assert_non_null(mkdtemp(buf));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rmtree(const char *dir)
{
	assert_int_equal(nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

/* ---- zones and changesets (the style of test_zone.c) ---- */

static void add(zone_builder_t *b, const char *owner, uint16_t type, uint32_t ttl,
		const uint8_t *rd, size_t len)
{
	uint8_t o[NAME_MAXLEN];
	N(owner, o);
	assert_int_equal(zone_builder_add(b, o, type, ttl, rd, len, "r.zone", 1, 1), 0);
}

static void add_a(zone_builder_t *b, const char *owner, unsigned last)
{
	uint8_t rd[4];
	add(b, owner, RRTYPE_A, 3600, rd, zr_a(rd, last));
}

static void add_name(zone_builder_t *b, const char *owner, uint16_t type, const char *target)
{
	uint8_t rd[NAME_MAXLEN];
	add(b, owner, type, 3600, rd, zr_name(rd, ORIGIN, target));
}

static zone_t *random_zone(unsigned seed, unsigned n, uint32_t serial)
{
	zone_builder_t *b = zone_builder_new(ORIGIN, "r.zone", NULL, NULL);
	uint8_t rd[600];
	add(b, "@", RRTYPE_SOA, 3600, rd, zr_soa(rd, ORIGIN, serial));
	add_name(b, "@", RRTYPE_NS, "ns1");
	add_a(b, "ns1", 1);
	srand(seed);
	char owner[64];
	for (unsigned i = 0; i < n; i++) {
		if (rand() % 4 == 0)
			continue;
		snprintf(owner, sizeof(owner), "h%u%s", i, i % 7 == 0 ? ".deep" : "");
		add_a(b, owner, (unsigned)rand() % 4);
		if (rand() % 3 == 0)
			add_a(b, owner, 10 + (unsigned)rand() % 3);
		if (rand() % 5 == 0)
			add_name(b, owner, RRTYPE_PTR, "www");
	}
	zone_t *z;
	int rc = zone_builder_finish(b, &z);
	zone_builder_free(b);
	assert_int_equal(rc, 0);
	return z;
}

/* n+1 random zones with serials s0, s0+step, ... (mod 2^32) and the n
 * changesets between them. */
typedef struct {
	size_t n;
	zone_t *z[32];
	uint32_t serial[32];
	changeset_t cs[32];
} chain_t;

static void chain_make(chain_t *c, unsigned seed, size_t n, uint32_t s0, uint32_t step)
{
	assert_true(n < 32);
	c->n = n;
	for (size_t i = 0; i <= n; i++) {
		c->serial[i] = s0 + (uint32_t)i * step;
		c->z[i] = random_zone(seed * 31u + (unsigned)i, 60, c->serial[i]);
	}
	for (size_t i = 0; i < n; i++) {
		changeset_init(&c->cs[i]);
		assert_int_equal(changeset_diff(c->z[i], c->z[i + 1], &c->cs[i]), 0);
	}
}

static void chain_free(chain_t *c)
{
	for (size_t i = 0; i <= c->n; i++)
		zone_free(c->z[i]);
	for (size_t i = 0; i < c->n; i++)
		changeset_free(&c->cs[i]);
}

/* A changeset that only changes the SOA serial, and adds `extra` A RRs. */
static void soa_cs(changeset_t *cs, uint32_t from, uint32_t to, unsigned extra)
{
	uint8_t rd[600], owner[NAME_MAXLEN];
	changeset_init(cs);
	assert_int_equal(changeset_remove(cs, ORIGIN, RRTYPE_SOA, 3600, rd, zr_soa(rd, ORIGIN, from)), 0);
	assert_int_equal(changeset_add(cs, ORIGIN, RRTYPE_SOA, 3600, rd, zr_soa(rd, ORIGIN, to)), 0);
	for (unsigned i = 0; i < extra; i++) {
		char text[64];
		snprintf(text, sizeof(text), "x%u.s%u", i, to);
		N(text, owner);
		assert_int_equal(changeset_add(cs, owner, RRTYPE_A, 60, rd, zr_a(rd, i)), 0);
	}
}

static bool rr_same(const changeset_rr_t *a, const changeset_rr_t *b)
{
	if (a->owner == NULL || b->owner == NULL)
		return a->owner == b->owner;
	return name_equal(a->owner, b->owner) && a->type == b->type && a->ttl == b->ttl &&
	       a->rdlen == b->rdlen && memcmp(a->rdata, b->rdata, a->rdlen) == 0;
}

static void assert_cs_equal(const changeset_t *a, const changeset_t *b)
{
	assert_true(rr_same(&a->soa_from, &b->soa_from));
	assert_true(rr_same(&a->soa_to, &b->soa_to));
	assert_int_equal(a->nremoved, b->nremoved);
	assert_int_equal(a->nadded, b->nadded);
	for (size_t i = 0; i < a->nremoved; i++)
		assert_true(rr_same(&a->removed[i], &b->removed[i]));
	for (size_t i = 0; i < a->nadded; i++)
		assert_true(rr_same(&a->added[i], &b->added[i]));
}

/* ---- reading ---- */

typedef struct {
	const changeset_t *want; /* expected changesets, or NULL */
	size_t n;                /* seen so far */
	zone_t *zone;            /* applied to, when not NULL */
	bool own;                /* zone was made here */
} reader_t;

static int on_cs(void *ctx, const changeset_t *cs)
{
	reader_t *r = ctx;
	if (r->want)
		assert_cs_equal(cs, &r->want[r->n]);
	if (r->zone) {
		zone_t *next;
		assert_int_equal(changeset_apply(r->zone, cs, &next), 0);
		if (r->own)
			zone_free(r->zone);
		r->zone = next;
		r->own = true;
	}
	r->n++;
	return 0;
}

static void assert_same_zone(const zone_t *a, const zone_t *b)
{
	changeset_t cs;
	changeset_init(&cs);
	assert_int_equal(changeset_diff(a, b, &cs), 0);
	assert_true(changeset_empty(&cs));
	changeset_free(&cs);
}

/* Reads from every serial of the chain and checks what comes back. */
static void check_chain(journal_t *j, chain_t *c)
{
	for (size_t k = 0; k <= c->n; k++) {
		reader_t r = {.want = &c->cs[k], .zone = c->z[k]};
		assert_int_equal(journal_read(j, ORIGIN, c->serial[k], on_cs, &r), 0);
		assert_int_equal(r.n, c->n - k);
		assert_same_zone(r.zone, c->z[c->n]);
		if (r.own)
			zone_free(r.zone);
	}
}

static void test_roundtrip(void **state)
{
	(void)state;
	unsigned seed = (unsigned)time(NULL);
	print_message("seed %u\n", seed);
	char dir[64];
	tmpdir(dir, sizeof(dir));
	journal_t *j;
	assert_int_equal(journal_open(dir, 0, 0, &j), 0);
	chain_t c;
	chain_make(&c, seed, 10, 2024010100, 1);
	for (size_t i = 0; i < c.n; i++)
		assert_int_equal(journal_store(j, ORIGIN, &c.cs[i]), 0);
	uint32_t first, last;
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), 0);
	assert_int_equal(first, c.serial[0]);
	assert_int_equal(last, c.serial[c.n]);
	size_t count, bytes, sum = 0;
	for (size_t i = 0; i < c.n; i++)
		sum += journal_changeset_size(&c.cs[i]);
	assert_int_equal(journal_usage(j, ORIGIN, &count, &bytes), 0);
	assert_int_equal(count, c.n);
	assert_int_equal(bytes, sum);
	check_chain(j, &c);
	/* the origin is compared case-insensitively */
	reader_t r = {.want = &c.cs[3]};
	assert_int_equal(journal_read(j, ORIGIN_UPPER, c.serial[3], on_cs, &r), 0);
	assert_int_equal(r.n, c.n - 3);
	journal_close(j);

	/* persistence: everything is there after a reopen */
	assert_int_equal(journal_open(dir, 0, 0, &j), 0);
	check_chain(j, &c);
	journal_close(j);
	chain_free(&c);
	rmtree(dir);
}

static int stop_at_two(void *ctx, const changeset_t *cs)
{
	(void)cs;
	return ++*(int *)ctx == 2 ? 42 : 0;
}

static void test_notfound(void **state)
{
	(void)state;
	char dir[64], sub[80];
	tmpdir(dir, sizeof(dir));
	snprintf(sub, sizeof(sub), "%s/j", dir); /* open makes the directory */
	journal_t *j;
	assert_int_equal(journal_open(sub, 0, 0, &j), 0);
	reader_t r = {0};
	uint32_t first, last;
	assert_int_equal(journal_read(j, ORIGIN, 1, on_cs, &r), ERR_NOTFOUND);
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), ERR_NOTFOUND);
	changeset_t cs[3];
	for (int i = 0; i < 3; i++) {
		soa_cs(&cs[i], 10 + (uint32_t)i, 11 + (uint32_t)i, 2);
		assert_int_equal(journal_store(j, ORIGIN, &cs[i]), 0);
	}
	assert_int_equal(journal_read(j, ORIGIN, 9, on_cs, &r), ERR_NOTFOUND);
	assert_int_equal(journal_read(j, ORIGIN, 14, on_cs, &r), ERR_NOTFOUND);
	assert_int_equal(journal_read(j, OTHER, 10, on_cs, &r), ERR_NOTFOUND);
	assert_int_equal(journal_serial_range(j, OTHER, &first, &last), ERR_NOTFOUND);
	/* up to date: nothing to send */
	assert_int_equal(journal_read(j, ORIGIN, 13, on_cs, &r), 0);
	assert_int_equal(r.n, 0);
	int calls = 0;
	assert_int_equal(journal_read(j, ORIGIN, 10, stop_at_two, &calls), 42);
	assert_int_equal(calls, 2);
	for (int i = 0; i < 3; i++)
		changeset_free(&cs[i]);
	journal_close(j);
	rmtree(dir);
}

static void test_discontinuity(void **state)
{
	(void)state;
	char dir[64];
	tmpdir(dir, sizeof(dir));
	journal_t *j;
	assert_int_equal(journal_open(dir, 0, 0, &j), 0);
	changeset_t a, gap, back, equal, nosoa;
	soa_cs(&a, 100, 101, 1);
	soa_cs(&gap, 105, 106, 1);
	soa_cs(&back, 101, 100, 0);
	soa_cs(&equal, 101, 101, 0);
	changeset_init(&nosoa);
	assert_int_equal(journal_store(j, ORIGIN, &nosoa), ERR_INVAL);
	assert_int_equal(journal_store(j, ORIGIN, &a), 0);
	assert_int_equal(journal_store(j, ORIGIN, &gap), ERR_INVAL);
	assert_int_equal(journal_store(j, ORIGIN, &back), ERR_INVAL);
	assert_int_equal(journal_store(j, ORIGIN, &equal), ERR_INVAL);
	uint32_t first, last;
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), 0);
	assert_int_equal(first, 100);
	assert_int_equal(last, 101);
	/* another zone is independent */
	assert_int_equal(journal_store(j, OTHER, &gap), 0);
	/* a discontinuity: flush, then start again */
	assert_int_equal(journal_flush(j, ORIGIN), 0);
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), ERR_NOTFOUND);
	reader_t r = {0};
	assert_int_equal(journal_read(j, ORIGIN, 100, on_cs, &r), ERR_NOTFOUND);
	assert_int_equal(journal_store(j, ORIGIN, &gap), 0);
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), 0);
	assert_int_equal(first, 105);
	assert_int_equal(last, 106);
	r = (reader_t){.want = &gap};
	assert_int_equal(journal_read(j, ORIGIN, 105, on_cs, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(journal_serial_range(j, OTHER, &first, &last), 0);
	assert_int_equal(first, 105);
	assert_int_equal(journal_flush(j, OTHER), 0);
	assert_int_equal(journal_flush(j, OTHER), 0); /* flushing nothing is fine */
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), 0);
	changeset_free(&a);
	changeset_free(&gap);
	changeset_free(&back);
	changeset_free(&equal);
	changeset_free(&nosoa);
	journal_close(j);
	rmtree(dir);
}

static void test_wrap(void **state)
{
	(void)state;
	unsigned seed = (unsigned)time(NULL) + 1;
	print_message("seed %u\n", seed);
	char dir[64];
	tmpdir(dir, sizeof(dir));
	journal_t *j;
	assert_int_equal(journal_open(dir, 0, 0, &j), 0);
	/* serials 2^32-7, -4, -1, 2, 5 ...: the chain crosses zero */
	chain_t c;
	chain_make(&c, seed, 8, UINT32_MAX - 6, 3);
	for (size_t i = 0; i < c.n; i++)
		assert_int_equal(journal_store(j, ORIGIN, &c.cs[i]), 0);
	check_chain(j, &c);
	chain_free(&c);
	assert_int_equal(journal_flush(j, ORIGIN), 0);

	/* 0 -> 2^31-1 -> 2^32-2 -> 0: back at the first serial, whose old
	 * changeset must go (serials stay unique) */
	uint32_t s[4] = {0, 0x7fffffffu, 0xfffffffeu, 0};
	changeset_t cs[3];
	for (int i = 0; i < 3; i++) {
		soa_cs(&cs[i], s[i], s[i + 1], 1);
		assert_int_equal(journal_store(j, ORIGIN, &cs[i]), 0);
	}
	uint32_t first, last;
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), 0);
	assert_int_equal(first, 0x7fffffffu);
	assert_int_equal(last, 0);
	reader_t r = {.want = &cs[1]};
	assert_int_equal(journal_read(j, ORIGIN, 0x7fffffffu, on_cs, &r), 0);
	assert_int_equal(r.n, 2);
	r = (reader_t){0};
	assert_int_equal(journal_read(j, ORIGIN, 0, on_cs, &r), 0);
	assert_int_equal(r.n, 0);
	size_t count, bytes;
	assert_int_equal(journal_usage(j, ORIGIN, &count, &bytes), 0);
	assert_int_equal(count, 2);
	assert_int_equal(bytes, journal_changeset_size(&cs[1]) + journal_changeset_size(&cs[2]));
	for (int i = 0; i < 3; i++)
		changeset_free(&cs[i]);
	journal_close(j);
	rmtree(dir);
}

static void test_compaction(void **state)
{
	(void)state;
	char dir[64];
	tmpdir(dir, sizeof(dir));
	journal_t *j;
	const size_t limit = 4096;
	assert_int_equal(journal_open(dir, 4u << 20, 8u << 20, &j), ERR_INVAL);
	assert_int_equal(journal_open(dir, 4u << 20, limit, &j), 0);
	changeset_t cs[40];
	size_t one = 0;
	for (uint32_t i = 0; i < 40; i++) {
		soa_cs(&cs[i], 1000 + i, 1001 + i, 8);
		one = journal_changeset_size(&cs[i]);
		assert_int_equal(journal_store(j, ORIGIN, &cs[i]), 0);
		size_t count, bytes;
		assert_int_equal(journal_usage(j, ORIGIN, &count, &bytes), 0);
		assert_true(bytes <= limit);
		assert_true(bytes + one > limit || count == i + 1);
	}
	size_t count, bytes;
	assert_int_equal(journal_usage(j, ORIGIN, &count, &bytes), 0);
	assert_int_equal(count, limit / one);
	uint32_t first, last;
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), 0);
	assert_int_equal(last, 1040);
	assert_int_equal(first, 1040 - count);
	reader_t r = {0};
	/* IXFR from a dropped serial falls back to AXFR */
	assert_int_equal(journal_read(j, ORIGIN, 1000, on_cs, &r), ERR_NOTFOUND);
	assert_int_equal(journal_read(j, ORIGIN, first - 1, on_cs, &r), ERR_NOTFOUND);
	r = (reader_t){.want = &cs[first - 1000]};
	assert_int_equal(journal_read(j, ORIGIN, first, on_cs, &r), 0);
	assert_int_equal(r.n, count);
	/* a changeset bigger than the limit on its own is kept, alone */
	changeset_t big;
	soa_cs(&big, 1040, 1041, 200);
	assert_true(journal_changeset_size(&big) > limit);
	assert_int_equal(journal_store(j, ORIGIN, &big), 0);
	assert_int_equal(journal_usage(j, ORIGIN, &count, &bytes), 0);
	assert_int_equal(count, 1);
	assert_int_equal(bytes, journal_changeset_size(&big));
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), 0);
	assert_int_equal(first, 1040);
	assert_int_equal(last, 1041);
	changeset_free(&big);
	for (int i = 0; i < 40; i++)
		changeset_free(&cs[i]);
	journal_close(j);
	rmtree(dir);
}

typedef struct {
	uint32_t expect;
	size_t n;
} crash_reader_t;

static int on_crash_cs(void *ctx, const changeset_t *cs)
{
	crash_reader_t *r = ctx;
	uint32_t from = wire_get_u32(cs->soa_from.rdata + cs->soa_from.rdlen - 20);
	uint32_t to = wire_get_u32(cs->soa_to.rdata + cs->soa_to.rdlen - 20);
	assert_int_equal(from, r->expect);
	r->expect = to;
	r->n++;
	return 0;
}

/* A full environment refuses the store and changes nothing. */
static void test_map_full(void **state)
{
	(void)state;
	char dir[64];
	tmpdir(dir, sizeof(dir));
	journal_t *j;
	const size_t map = 1u << 20;
	assert_int_equal(journal_open(dir, map, map, &j), 0);
	uint32_t s = 1;
	int rc = 0;
	for (int i = 0; i < 1000 && rc == 0; i++, s++) {
		changeset_t cs;
		soa_cs(&cs, s, s + 1, 400);
		rc = journal_store(j, ORIGIN, &cs);
		changeset_free(&cs);
	}
	assert_int_equal(rc, ERR_SPACE);
	s--; /* the refused one */
	uint32_t first, last;
	assert_int_equal(journal_serial_range(j, ORIGIN, &first, &last), 0);
	assert_int_equal(first, 1);
	assert_int_equal(last, s);
	crash_reader_t r = {.expect = 1};
	assert_int_equal(journal_read(j, ORIGIN, 1, on_crash_cs, &r), 0);
	assert_int_equal(r.expect, s);
	/* a flush makes room again */
	assert_int_equal(journal_flush(j, ORIGIN), 0);
	changeset_t cs;
	soa_cs(&cs, s, s + 1, 400);
	assert_int_equal(journal_store(j, ORIGIN, &cs), 0);
	changeset_free(&cs);
	journal_close(j);
	rmtree(dir);
}

static void assert_timers_equal(const journal_timers_t *a, const journal_timers_t *b)
{
	assert_true(a->last_refresh == b->last_refresh);
	assert_true(a->next_refresh == b->next_refresh);
	assert_true(a->expire_at == b->expire_at);
	assert_int_equal(a->last_serial, b->last_serial);
}

static void test_timers(void **state)
{
	(void)state;
	char dir[64];
	tmpdir(dir, sizeof(dir));
	journal_t *j;
	assert_int_equal(journal_open(dir, 0, 0, &j), 0);
	journal_timers_t t = {0}, u;
	assert_int_equal(journal_timers_load(j, ORIGIN, &u), ERR_NOTFOUND);
	t.last_refresh = 1700000000;
	t.next_refresh = 1700003600;
	t.expire_at = UINT64_MAX; /* boundaries of every field */
	t.last_serial = UINT32_MAX;
	assert_int_equal(journal_timers_save(j, ORIGIN, &t), 0);
	journal_timers_t t2 = {1, 2, 3, 4};
	assert_int_equal(journal_timers_save(j, OTHER, &t2), 0);
	journal_close(j);
	assert_int_equal(journal_open(dir, 0, 0, &j), 0);
	assert_int_equal(journal_timers_load(j, ORIGIN_UPPER, &u), 0);
	assert_timers_equal(&u, &t);
	t.next_refresh = 0;
	assert_int_equal(journal_timers_save(j, ORIGIN, &t), 0);
	assert_int_equal(journal_timers_load(j, ORIGIN, &u), 0);
	assert_int_equal(u.next_refresh, 0);
	/* a flush leaves the timers alone */
	assert_int_equal(journal_flush(j, ORIGIN), 0);
	assert_int_equal(journal_timers_load(j, ORIGIN, &u), 0);
	assert_int_equal(journal_timers_remove(j, ORIGIN), 0);
	assert_int_equal(journal_timers_load(j, ORIGIN, &u), ERR_NOTFOUND);
	assert_int_equal(journal_timers_load(j, OTHER, &u), 0);
	assert_timers_equal(&u, &t2);
	journal_close(j);
	rmtree(dir);
}

/* ---- corrupt records ---- */

static int decode(const uint8_t *buf, size_t len)
{
	changeset_t cs;
	changeset_init(&cs);
	int rc = journal_changeset_decode(buf, len, &cs);
	changeset_free(&cs);
	return rc;
}

static void test_codec(void **state)
{
	(void)state;
	changeset_t cs, back;
	soa_cs(&cs, 7, 8, 3);
	uint8_t owner[NAME_MAXLEN], rd[64];
	N("gone", owner);
	assert_int_equal(changeset_remove(&cs, owner, RRTYPE_A, 60, rd, zr_a(rd, 9)), 0);
	size_t size = journal_changeset_size(&cs), len;
	uint8_t *buf = malloc(size + 1);
	assert_int_equal(journal_changeset_encode(&cs, buf, size - 1, &len), ERR_SPACE);
	assert_int_equal(journal_changeset_encode(&cs, buf, size, &len), 0);
	assert_int_equal(len, size);
	changeset_init(&back);
	assert_int_equal(journal_changeset_decode(buf, len, &back), 0);
	assert_cs_equal(&cs, &back);
	changeset_free(&back);
	/* the layout of doc/journal.md */
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], 3);
	assert_int_equal(wire_get_u32(buf + 2), 7);
	assert_int_equal(wire_get_u32(buf + 6), 8);
	assert_int_equal(wire_get_u32(buf + 10), 1);
	assert_int_equal(wire_get_u32(buf + 14), 3);
	assert_memory_equal(buf + 18, ORIGIN, sizeof(ORIGIN));
	/* every truncation, and one trailing byte */
	for (size_t i = 0; i < len; i++)
		assert_int_equal(decode(buf, i), ERR_MALFORMED);
	buf[len] = 0;
	assert_int_equal(decode(buf, len + 1), ERR_MALFORMED);
	/* every single-byte corruption decodes or is refused, never crashes */
	size_t refused = 0;
	for (size_t i = 0; i < len; i++) {
		for (unsigned x = 1; x < 256; x <<= 1) {
			buf[i] ^= (uint8_t)x;
			int rc = decode(buf, len);
			assert_true(rc == 0 || rc == ERR_MALFORMED);
			refused += rc != 0;
			buf[i] ^= (uint8_t)x;
		}
	}
	assert_true(refused > len);
	/* field by field */
	static const struct {
		size_t off;
		uint8_t val;
	} bad[] = {
		{0, 2},    /* version */
		{1, 4},    /* unknown flag */
		{1, 1},    /* soa_to flag cleared: the bytes no longer match */
		{5, 6},    /* serial_from differs from the SOA's */
		{9, 9},    /* serial_to differs */
		{10, 0x7f}, /* a count far past the end */
		{14, 0xff},
		{17, 4},   /* one more RR than there is */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t keep = buf[bad[i].off];
		buf[bad[i].off] = bad[i].val;
		assert_int_equal(decode(buf, len), ERR_MALFORMED);
		buf[bad[i].off] = keep;
	}
	assert_int_equal(decode(buf, len), 0);
	free(buf);
	changeset_free(&cs);

	/* an SOA among the added RRs would replace soa_to: refused */
	uint8_t rec[256];
	wire_t w = wire_init(rec, sizeof(rec));
	wire_write_u8(&w, 1);
	wire_write_u8(&w, 0);
	wire_write_u32(&w, 0);
	wire_write_u32(&w, 0);
	wire_write_u32(&w, 0);
	wire_write_u32(&w, 1);
	wire_write(&w, ORIGIN, sizeof(ORIGIN));
	wire_write_u16(&w, RRTYPE_SOA);
	wire_write_u32(&w, 60);
	size_t soalen = zr_soa(rd, ORIGIN, 5);
	wire_write_u16(&w, (uint16_t)soalen);
	wire_write(&w, rd, soalen);
	assert_int_equal(w.err, 0);
	assert_int_equal(decode(rec, wire_offset(&w)), ERR_MALFORMED);
	/* bad rdata (an A of 3 octets) and a compressed owner are refused */
	w = wire_init(rec, sizeof(rec));
	uint8_t head[18] = {1, 0};
	wire_put_u32(head + 14, 1);
	wire_write(&w, head, sizeof(head));
	wire_write(&w, "\1a\0", 3);
	wire_write_u16(&w, RRTYPE_A);
	wire_write_u32(&w, 60);
	wire_write_u16(&w, 3);
	wire_write(&w, "\1\2\3", 3);
	assert_int_equal(decode(rec, wire_offset(&w)), ERR_MALFORMED);
	rec[21 + 4 + 2 + 1] = 4; /* rdlen 4 but only 3 bytes */
	assert_int_equal(decode(rec, wire_offset(&w)), ERR_MALFORMED);
	rec[18] = 0xc0;
	assert_int_equal(decode(rec, wire_offset(&w)), ERR_MALFORMED);
	/* the empty changeset (no SOAs, no RRs) is the smallest record */
	assert_int_equal(decode(head, 18), ERR_MALFORMED); /* count 1, no RR */
	wire_put_u32(head + 14, 0);
	assert_int_equal(decode(head, 18), 0);
}

/* Overwrites the record of (zone, seq) with raw bytes through LMDB. */
static void poke(const char *dir, const char *db, const uint8_t *key, size_t klen,
		 const void *val, size_t vlen)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_set_mapsize(env, JOURNAL_DEFAULT_MAP_SIZE), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
	MDB_val k = {klen, (void *)(uintptr_t)key}, v = {vlen, (void *)(uintptr_t)val};
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void test_corrupt_store(void **state)
{
	(void)state;
	char dir[64];
	tmpdir(dir, sizeof(dir));
	journal_t *j;
	assert_int_equal(journal_open(dir, 0, 0, &j), 0);
	changeset_t cs[3];
	for (int i = 0; i < 3; i++) {
		soa_cs(&cs[i], 50 + (uint32_t)i, 51 + (uint32_t)i, 2);
		assert_int_equal(journal_store(j, ORIGIN, &cs[i]), 0);
	}
	journal_close(j);
	/* record seq 1 (serials 51 -> 52) becomes garbage */
	uint8_t key[NAME_MAXLEN + 8];
	memcpy(key, ORIGIN, sizeof(ORIGIN));
	memset(key + sizeof(ORIGIN), 0, 8);
	key[sizeof(ORIGIN) + 7] = 1;
	poke(dir, "changesets", key, sizeof(ORIGIN) + 8, "\1\3garbage", 9);
	assert_int_equal(journal_open(dir, 0, 0, &j), 0);
	reader_t r = {0};
	assert_int_equal(journal_read(j, ORIGIN, 50, on_cs, &r), ERR_MALFORMED);
	assert_int_equal(r.n, 1); /* the good one before it came out */
	r = (reader_t){.want = &cs[2]};
	assert_int_equal(journal_read(j, ORIGIN, 52, on_cs, &r), 0);
	assert_int_equal(r.n, 1);
	journal_close(j);
	/* a well-formed record that breaks the chain is refused too */
	changeset_t other;
	soa_cs(&other, 60, 61, 0);
	size_t len, size = journal_changeset_size(&other);
	uint8_t *buf = malloc(size);
	assert_int_equal(journal_changeset_encode(&other, buf, size, &len), 0);
	poke(dir, "changesets", key, sizeof(ORIGIN) + 8, buf, len);
	free(buf);
	changeset_free(&other);
	assert_int_equal(journal_open(dir, 0, 0, &j), 0);
	r = (reader_t){0};
	assert_int_equal(journal_read(j, ORIGIN, 50, on_cs, &r), ERR_MALFORMED);
	/* a flush repairs the zone */
	assert_int_equal(journal_flush(j, ORIGIN), 0);
	assert_int_equal(journal_store(j, ORIGIN, &cs[0]), 0);
	journal_close(j);
	/* a journal of another format version is not opened */
	poke(dir, "meta", (const uint8_t *)"version", 7, "\0\0\0\2", 4);
	assert_int_equal(journal_open(dir, 0, 0, &j), ERR_MALFORMED);
	for (int i = 0; i < 3; i++)
		changeset_free(&cs[i]);
	rmtree(dir);
}

/* ---- crash safety: kill -9 a writer, then reopen ---- */

static void crash_child(const char *dir, unsigned seed)
{
	journal_t *j;
	if (journal_open(dir, 8u << 20, 64u << 10, &j) != 0)
		_exit(2);
	uint32_t first, last = 1;
	if (journal_serial_range(j, ORIGIN, &first, &last) != 0)
		last = 1;
	srand(seed);
	time_t stop = time(NULL) + 20; /* the parent kills us long before */
	while (time(NULL) < stop) {
		changeset_t cs;
		uint32_t next = last + 1 + (uint32_t)rand() % 1000;
		soa_cs(&cs, last, next, (unsigned)rand() % 40);
		int rc = journal_store(j, ORIGIN, &cs);
		changeset_free(&cs);
		if (rc != 0)
			_exit(3);
		last = next;
		if (rand() % 50 == 0 && journal_flush(j, ORIGIN) != 0)
			_exit(4);
	}
	journal_close(j);
	_exit(0);
}

static void test_crash(void **state)
{
	(void)state;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	print_message("seed %u\n", seed);
	srand(seed);
	char dir[64];
	tmpdir(dir, sizeof(dir));
	size_t stored = 0;
	for (int round = 0; round < 6; round++) {
		unsigned child_seed = (unsigned)rand();
		useconds_t delay = 20000 + (useconds_t)(rand() % 200000);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			crash_child(dir, child_seed);
		usleep(delay);
		assert_int_equal(kill(pid, SIGKILL), 0);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

		journal_t *j;
		assert_int_equal(journal_open(dir, 8u << 20, 64u << 10, &j), 0);
		uint32_t first, last;
		int rc = journal_serial_range(j, ORIGIN, &first, &last);
		if (rc == ERR_NOTFOUND) {
			/* killed right after a flush, or before the first store */
			journal_close(j);
			continue;
		}
		assert_int_equal(rc, 0);
		size_t count, bytes;
		assert_int_equal(journal_usage(j, ORIGIN, &count, &bytes), 0);
		crash_reader_t r = {.expect = first};
		assert_int_equal(journal_read(j, ORIGIN, first, on_crash_cs, &r), 0);
		assert_int_equal(r.n, count);
		assert_int_equal(r.expect, last);
		stored += count;
		/* and it takes the next changeset */
		changeset_t cs;
		soa_cs(&cs, last, last + 1, 1);
		assert_int_equal(journal_store(j, ORIGIN, &cs), 0);
		changeset_free(&cs);
		journal_close(j);
	}
	print_message("%zu changesets checked after 6 crashes\n", stored);
	rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),   cmocka_unit_test(test_notfound),
		cmocka_unit_test(test_discontinuity), cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_compaction), cmocka_unit_test(test_map_full),  cmocka_unit_test(test_timers),
		cmocka_unit_test(test_codec),       cmocka_unit_test(test_corrupt_store),
		cmocka_unit_test(test_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
