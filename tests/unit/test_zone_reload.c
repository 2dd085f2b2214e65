/* Unit tests of the incremental reload (src/zone/zone_reload.c).
 *
 * The main one is differential: a random zone file (comments, $ORIGIN and
 * $TTL, blank owners, parentheses, quoted ';', delegations with glue,
 * explicit TTLs) takes hundreds of rounds of random edits; after each, the
 * reload's version must equal a whole load of the same file (zone_load_file)
 * record for record, its changeset must be the one changeset_diff makes
 * between the served version and that load, and a file with errors must
 * fail both ways.  Rounds that end incremental are counted: most must.
 * The seed is printed; NSF_SEED=n repeats a run.  Then: a one-record change
 * of a large file reads only a few chunks, and the cases that must load the
 * whole file do.  Files live in a mkdtemp directory, removed after. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/err.h"
#include "zone/changeset.h"
#include "zone/zone.h"
#include "zone/zone_file.h"
#include "zone/zone_reload.h"

static const uint8_t ORIGIN[] = "\7example\3com";
static char dir[64], path[128];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb, (void)flag, (void)f;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/nsf-zreload-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/example.com.zone", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- the file as a list of entries (an entry may span lines) ---- */

#define MAXL 40000
static char *lines[MAXL];
static size_t nlines;
static unsigned serial_no = 1;
static unsigned long long rng;

static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((rng >> 33) % n);
}

static void put(size_t at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(size_t at, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_true(nlines < MAXL);
	memmove(lines + at + 1, lines + at, (nlines - at) * sizeof(*lines));
	lines[at] = strdup(buf);
	nlines++;
}

static void del(size_t at)
{
	free(lines[at]);
	memmove(lines + at, lines + at + 1, (nlines - at - 1) * sizeof(*lines));
	nlines--;
}

static void clear_lines(void)
{
	while (nlines > 0)
		del(nlines - 1);
}

/* One random entry for the body; i makes names unique-ish. */
static void random_entry(size_t at, unsigned i)
{
	switch (rnd(14)) {
	case 0:
		put(at, "h%u AAAA 2001:db8::%x", i, rnd(65536));
		break;
	case 1:
		put(at, "h%u 600 TXT \"text %u ; not a comment\" \"(\"", i, rnd(1000));
		break;
	case 2:
		put(at, "h%u MX %u mail%u.example.net.", i, rnd(50), rnd(100));
		break;
	case 3:
		if (at > 0 && lines[at - 1][0] != ';' && lines[at - 1][0] != '$' &&
		    strchr(lines[at - 1], '\n') == NULL && strstr(lines[at - 1], "CNAME") == NULL) {
			put(at, "   A 10.1.%u.%u", rnd(256), rnd(256)); /* previous owner */
			break;
		}
		/* fall through */
	case 4:
		put(at, "c%u CNAME h%u", i, rnd(1000));
		break;
	case 5:
		put(at, "d%u NS ns.d%u\nns.d%u A 10.9.%u.%u", i, i, i, rnd(256), rnd(256));
		break;
	case 6:
		put(at, "; comment %u", rnd(100000));
		break;
	case 7:
		put(at, "$ORIGIN sub%u.example.com.\nx%u A 10.0.%u.1\n$ORIGIN example.com.", i % 7,
		    i, rnd(256));
		break;
	case 8:
		put(at, "m%u TXT ( \"a%u\"\n\t\"b\" ) ; two lines", i, rnd(100));
		break;
	case 9:
		put(at, "H%u.Example.COM. IN A 10.2.%u.%u", i, rnd(256), rnd(256));
		break;
	case 10:
		if (rnd(8) == 0) {
			put(at, "$TTL %u", 100 + rnd(3) * 100);
			break;
		}
		put(at, "h%u A 10.%u.%u.%u", i, rnd(256), rnd(256), rnd(256));
		break;
	default:
		put(at, "h%u A 10.%u.%u.%u", i, rnd(256), rnd(256), rnd(256));
	}
}

static void base_zone(size_t n)
{
	clear_lines();
	serial_no = 1;
	put(nlines, "; a test zone");
	put(nlines, "$ORIGIN example.com.");
	put(nlines, "$TTL 300");
	put(nlines, "@ IN SOA ns1 hostmaster ( %u ; serial\n\t3600 900 604800 300 )", serial_no);
	put(nlines, "@ NS ns1");
	put(nlines, "@ NS ns2");
	put(nlines, "ns1 A 192.0.2.1");
	put(nlines, "ns2 A 192.0.2.2");
	for (unsigned i = 0; i < n; i++)
		random_entry(nlines, i);
}

static void bump_serial(void)
{
	serial_no++;
	for (size_t i = 0; i < nlines; i++)
		if (strstr(lines[i], " SOA ") != NULL) {
			free(lines[i]);
			char buf[128];
			snprintf(buf, sizeof(buf),
			         "@ IN SOA ns1 hostmaster ( %u ; serial\n\t3600 900 604800 300 )",
			         serial_no);
			lines[i] = strdup(buf);
		}
}

static void write_file(void)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < nlines; i++)
		fprintf(f, "%s\n", lines[i]);
	assert_int_equal(fclose(f), 0);
}

/* the first 8 entries are the header: SOA, apex NS and their glue */
#define HEADER 8

/* Takes out what keeps a load from being exact: duplicates, TTLs that
 * differ within an RRset. */
static void heal(void)
{
	for (size_t i = nlines; i-- > HEADER;)
		if (strcmp(lines[i], lines[i - 1]) == 0 || strstr(lines[i], " 900 A ") != NULL)
			del(i);
}

static void random_edit(unsigned round)
{
	size_t body = nlines - HEADER;
	switch (rnd(10)) {
	case 0:
	case 1:
	case 2:
		if (body > 0) {
			size_t at = HEADER + rnd((unsigned)body);
			del(at);
			random_entry(at, 100000 + round);
		}
		break;
	case 3:
		if (body > 0)
			del(HEADER + rnd((unsigned)body));
		break;
	case 4:
		if (body > 0 && rnd(3) == 0) { /* a duplicate */
			size_t at = HEADER + rnd((unsigned)body);
			put(at + 1, "%s", lines[at]);
		}
		break;
	case 5:
		put(HEADER + rnd((unsigned)body + 1), "h%u CNAME elsewhere", rnd(60)); /* maybe a conflict */
		break;
	case 6:
		if (rnd(4) == 0)
			del(HEADER - 1 - rnd(2)); /* glue of the apex NS: an error */
		else if (rnd(3) == 0)
			put(HEADER + rnd((unsigned)body + 1), "h%u 900 A 10.3.3.%u", rnd(60), rnd(256));
		break;
	default:
		random_entry(HEADER + rnd((unsigned)body + 1), 200000 + round);
	}
}

/* ---- comparing ---- */

typedef struct {
	size_t errors;
	unsigned first_line;
} rep_t;

static void on_problem(void *ctx, const char *file, unsigned line, unsigned col, zone_sev_t sev,
                       const char *msg)
{
	rep_t *r = ctx;
	if (sev == ZONE_ERROR && r->errors++ == 0) {
		r->first_line = line;
		if (getenv("NSF_VERBOSE"))
			printf("# %s:%u:%u: %s\n", file, line, col, msg);
	}
}

static bool soa_equal(const changeset_rr_t *a, const changeset_rr_t *b)
{
	return a->ttl == b->ttl && a->rdlen == b->rdlen && memcmp(a->rdata, b->rdata, a->rdlen) == 0;
}

/* a and b hold the same records with the same TTLs */
static void assert_same_zone(const zone_t *a, const zone_t *b)
{
	changeset_t d;
	changeset_init(&d);
	assert_int_equal(changeset_diff(a, b, &d), 0);
	assert_int_equal(d.nremoved, 0);
	assert_int_equal(d.nadded, 0);
	assert_true(soa_equal(&d.soa_from, &d.soa_to));
	assert_int_equal(a->records, b->records);
	assert_int_equal(a->nodes, b->nodes);
	changeset_free(&d);
}

static unsigned seed_from_env(void)
{
	const char *s = getenv("NSF_SEED");
	unsigned seed = s ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL);
	printf("# test_zone_reload seed %u (NSF_SEED=%u repeats it)\n", seed, seed);
	return seed;
}

static void random_edits(size_t chunk)
{
	rng = seed_from_env();
	base_zone(1500);
	write_file();
	zone_reload_t *r = zone_reload_new(ORIGIN, path, dir);
	assert_non_null(r);
	zone_reload_set_chunk(r, chunk);
	zone_t *served = NULL;
	changeset_t cs;
	changeset_init(&cs);
	zone_reload_info_t info;
	rep_t rep = {0};
	assert_int_equal(zone_reload_load(r, NULL, on_problem, &rep, &served, &cs, &info), 0);
	assert_false(info.incremental);
	zone_reload_commit(r);
	unsigned rounds = 300, incr = 0, failed = 0;
	for (unsigned round = 0; round < rounds; round++) {
		unsigned edits = 1 + rnd(3);
		for (unsigned e = 0; e < edits; e++)
			random_edit(round);
		if (rnd(6) == 0)
			heal();
		if (rnd(5) != 0)
			bump_serial();
		write_file();
		rep_t ra = {0}, rb = {0};
		zone_t *whole = NULL, *next = NULL;
		int wrc = zone_load_file(ORIGIN, path, on_problem, &ra, &whole);
		changeset_free(&cs);
		changeset_init(&cs);
		int rrc = zone_reload_load(r, served, on_problem, &rb, &next, &cs, &info);
		if (wrc != 0) {
			/* errors: both refuse, the first at the same line */
			assert_int_not_equal(rrc, 0);
			assert_null(next);
			assert_int_equal(rb.errors, ra.errors);
			assert_int_equal(rb.first_line, ra.first_line);
			zone_reload_abort(r);
			failed++;
			/* mend it: drop the broken edits by going back to the
			 * served content is not possible here; rebuild instead */
			base_zone(1500);
			write_file();
			zone_free(whole);
			changeset_free(&cs);
			changeset_init(&cs);
			zone_t *fresh = NULL;
			rb = (rep_t){0};
			assert_int_equal(zone_reload_load(r, served, on_problem, &rb, &fresh, &cs, &info),
			                 0);
			zone_reload_commit(r);
			zone_free(served);
			served = fresh;
			continue;
		}
		assert_int_equal(rrc, 0);
		assert_non_null(next);
		assert_same_zone(next, whole);
		if (!info.incremental && getenv("NSF_VERBOSE"))
			printf("# round %u whole: %s\n", round, info.why_full);
		if (info.incremental) {
			incr++;
			/* the changeset is the one a diff makes */
			changeset_t d;
			changeset_init(&d);
			assert_int_equal(changeset_diff(served, whole, &d), 0);
			assert_int_equal(cs.nremoved, d.nremoved);
			assert_int_equal(cs.nadded, d.nadded);
			assert_true(soa_equal(&cs.soa_to, &d.soa_to));
			assert_true(soa_equal(&cs.soa_from, &d.soa_from));
			changeset_free(&d);
		}
		zone_free(whole);
		zone_reload_commit(r);
		zone_free(served);
		served = next;
	}
	printf("# %u rounds: %u incremental, %u with errors\n", rounds, incr, failed);
	/* most edits are plain: they must not all fall back to whole loads */
	assert_true(incr * 2 > rounds - failed);
	changeset_free(&cs);
	zone_free(served);
	zone_reload_free(r);
	clear_lines();
}

static void test_random_edits(void **state)
{
	(void)state;
	random_edits(ZONE_RELOAD_CHUNK);
}

/* The same with chunks of a few lines, so that edits fall on boundaries. */
static void test_random_edits_small_chunks(void **state)
{
	(void)state;
	random_edits(64);
}

/* A one-record change of a 40000-entry file reads a few chunks. */
static void test_reads_little(void **state)
{
	(void)state;
	rng = 12345;
	base_zone(30000);
	write_file();
	zone_reload_t *r = zone_reload_new(ORIGIN, path, NULL);
	assert_non_null(r);
	zone_t *served = NULL, *next = NULL, *whole = NULL;
	changeset_t cs;
	changeset_init(&cs);
	zone_reload_info_t info;
	assert_int_equal(zone_reload_load(r, NULL, NULL, NULL, &served, &cs, &info), 0);
	zone_reload_commit(r);
	size_t at = HEADER + 15000;
	del(at);
	put(at, "changed A 10.200.200.200");
	bump_serial();
	write_file();
	assert_int_equal(zone_reload_load(r, served, NULL, NULL, &next, &cs, &info), 0);
	assert_true(info.incremental);
	printf("# %zu of %zu chunks, %zu of %zu bytes read\n", info.chunks_read, info.chunks,
	       info.bytes_read, info.bytes);
	assert_true(info.chunks > 100);
	assert_true(info.chunks_read <= 6); /* SOA and the changed one, old and new */
	assert_true(info.bytes_read * 20 < info.bytes);
	assert_int_equal(cs.nadded, 1);
	assert_true(cs.nremoved <= 2);
	assert_int_equal(zone_load_file(ORIGIN, path, NULL, NULL, &whole), 0);
	assert_same_zone(next, whole);
	zone_reload_commit(r);
	zone_free(whole);
	zone_free(served);
	zone_free(next);
	changeset_free(&cs);
	zone_reload_free(r);
	clear_lines();
}

/* One reload of the current lines against served; returns info. */
static zone_reload_info_t reload_once(zone_reload_t *r, zone_t **served, rep_t *rep)
{
	zone_t *next = NULL;
	changeset_t cs;
	changeset_init(&cs);
	zone_reload_info_t info;
	write_file();
	int rc = zone_reload_load(r, *served, on_problem, rep, &next, &cs, &info);
	if (rc == 0) {
		zone_reload_commit(r);
		zone_free(*served);
		*served = next;
	} else {
		zone_reload_abort(r);
	}
	changeset_free(&cs);
	return info;
}

static void test_whole_when_needed(void **state)
{
	(void)state;
	rng = 777;
	base_zone(3000);
	zone_reload_t *r = zone_reload_new(ORIGIN, path, dir);
	zone_t *served = NULL;
	rep_t rep = {0};
	zone_reload_info_t info = reload_once(r, &served, &rep);
	if (getenv("NSF_KEEP")) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "cp %s /tmp/zr-base.zone", path);
		assert_int_equal(system(cmd), 0);
	}
	assert_false(info.incremental);
	assert_string_equal(info.why_full, "first load");
	/* a plain change: incremental */
	put(HEADER + 100, "plain A 10.0.0.7");
	bump_serial();
	info = reload_once(r, &served, &rep);
	if (!info.incremental)
		printf("# whole: %s\n", info.why_full);
	assert_true(info.incremental);
	/* a duplicate: dropped with a warning, incremental; the next whole */
	put(HEADER + 200, "plain A 10.0.0.7");
	bump_serial();
	info = reload_once(r, &served, &rep);
	if (!info.incremental)
		printf("# whole: %s\n", info.why_full);
	assert_true(info.incremental);
	bump_serial();
	info = reload_once(r, &served, &rep);
	assert_false(info.incremental);
	assert_string_equal(info.why_full, "the last load was not exact");
	del(HEADER + 200);
	bump_serial();
	info = reload_once(r, &served, &rep); /* whole again: the file had a duplicate */
	assert_false(info.incremental);
	/* a syntax error: refused, with the whole load's position */
	put(HEADER + 300, "bad A 10.0.0.300");
	bump_serial();
	rep = (rep_t){0};
	info = reload_once(r, &served, &rep);
	assert_int_equal(rep.errors, 1);
	unsigned want = 0;
	for (size_t i = 0; i < HEADER + 300; i++) {
		want++;
		for (const char *p = lines[i]; (p = strchr(p, '\n')) != NULL; p++)
			want++;
	}
	assert_int_equal(rep.first_line, want + 1);
	del(HEADER + 300);
	info = reload_once(r, &served, &rep); /* the abort kept the old state */
	assert_true(info.incremental);
	/* a removed delegation: whole */
	put(HEADER + 50, "deleg NS ns.deleg\nns.deleg A 10.8.8.8");
	bump_serial();
	info = reload_once(r, &served, &rep);
	if (!info.incremental)
		printf("# whole: %s\n", info.why_full);
	assert_true(info.incremental);
	for (size_t i = 0; i < nlines; i++)
		if (strncmp(lines[i], "deleg NS", 8) == 0) {
			del(i);
			break;
		}
	put(HEADER + 50, "ns.deleg A 10.8.8.8");
	bump_serial();
	info = reload_once(r, &served, &rep);
	assert_false(info.incremental);
	assert_string_equal(info.why_full, "a delegation or DNAME was removed");
	/* $INCLUDE: always whole */
	FILE *f = fopen("/tmp/nsf-zreload-inc.db", "w");
	fclose(f);
	put(HEADER, "$INCLUDE /tmp/nsf-zreload-inc.db");
	bump_serial();
	info = reload_once(r, &served, &rep);
	assert_false(info.incremental);
	assert_string_equal(info.why_full, "$INCLUDE");
	/* without it again: still whole (the served zone came from two
	 * files), and the same as a whole load */
	f = fopen("/tmp/nsf-zreload-inc.db", "w");
	fprintf(f, "included A 10.7.7.7\n");
	fclose(f);
	bump_serial();
	info = reload_once(r, &served, &rep);
	assert_false(info.incremental);
	assert_non_null(zone_find(served, (const uint8_t *)"\10included\7example\3com"));
	del(HEADER);
	bump_serial();
	info = reload_once(r, &served, &rep);
	assert_false(info.incremental);
	zone_t *whole = NULL;
	assert_int_equal(zone_load_file(ORIGIN, path, NULL, NULL, &whole), 0);
	assert_same_zone(served, whole);
	zone_free(whole);
	remove("/tmp/nsf-zreload-inc.db");
	zone_free(served);
	zone_reload_free(r);
	clear_lines();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_edits),
	    cmocka_unit_test(test_random_edits_small_chunks),
	    cmocka_unit_test(test_reads_little),
	    cmocka_unit_test(test_whole_when_needed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
