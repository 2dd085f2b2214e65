/*
 * Incremental reload of a zone file (zone_reload.h).
 *
 *   file ──zscan_split──► chunks ──match (hash, length, state, bytes)──►
 *        equal chunks: skipped; their records are in the served version
 *        new chunks:  scanned from the state the last equal chunk left  ──► added
 *        gone chunks: scanned from the snapshot, from their own state    ──► removed
 *   removed/added ──per RRset against the served version──► changeset
 *   changeset_apply(served) ──checks of the changed names──► *out
 *
 * Why equal chunks need no scan: a chunk starts at the start of an entry
 * that names its owner (the scan that first read it confirmed it with a
 * mark), and what the scanner makes of bytes from there on depends only on
 * those bytes and on zscan_state_t.  The first chunk starts the file and is
 * only ever matched with the first.  By induction over the new file's
 * chunks, each starts at an entry in the new file too: an equal chunk ends
 * where its old self ended, at an entry; a scanned chunk is scanned alone
 * and must end cleanly (an unclosed parenthesis or string at its end is an
 * error, and any error sends the reload to the whole file).
 *
 * Why the records give the right changeset: the last committed load was
 * exact (zone_builder_exact: the version holds each record of the file
 * once, each RRset with one TTL), so a record in a gone chunk is in no
 * equal chunk; a record removed is gone unless it is added again.  A new
 * record already in the version is a duplicate: dropped with the warning a
 * whole load gives, and the next reload is whole.  An RRset whose TTLs
 * would differ is left to the whole load, which knows the file order.
 *
 * The checks a whole load makes (zone_load.c check_node) are made on the
 * changed names; those whose outcome depends on other names (glue of NS
 * records elsewhere, occlusion) send the reload to the whole file when a
 * change could affect them.
 */
#include "zone/zone_reload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/err.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "dns/zscan.h"
#include "zone/zone_file.h"

typedef struct {
	uint64_t hash;
	uint64_t snap; /* offset of its bytes in the snapshot */
	size_t len;
	unsigned line;
	uint32_t state; /* index into gen_t.states: the state at its start */
} chunk_t;

/* One load's view of the file: committed (cur) or pending (pend). */
typedef struct {
	chunk_t *v;
	size_t n;
	zscan_state_t *states; /* distinct states, in file order */
	size_t nstates, capstates;
	zscan_state_t end; /* after the last chunk */
	uint32_t soa_ttl;  /* the file's SOA */
	uint16_t soa_len;
	uint8_t soa[RDATA_MAXLEN];
	size_t file_len;
	bool usable; /* the next reload may be incremental */
	/* in-zone names that NS records point to, as hashes of their keys
	 * with a count (a collision only makes a reload whole) */
	struct tgt {
		uint64_t h;
		uint32_t n;
	} *tg;
	size_t ntg, captg; /* used slots, slots (a power of 2) */
} gen_t;

struct zone_reload {
	uint8_t origin[NAME_MAXLEN];
	uint8_t origin_key[NAME_KEY_MAXLEN];
	size_t origin_keylen;
	char *path, *tmpdir;
	int snap_fd; /* -1: none */
	uint64_t snap_len;
	gen_t cur, pend;
	bool have_pend;
	int pend_fd; /* a new snapshot (whole load), or -1: append to snap_fd */
	uint64_t pend_snap_len;
	const char *map; /* the pending file's bytes, until commit/abort */
	size_t map_len;
	size_t chunk;     /* average chunk size */
	size_t cur_chunk; /* the one cur was cut with */
	size_t pend_chunk;
};

/* ------------------------------------------------------------ helpers */

static void gen_free(gen_t *g)
{
	free(g->v);
	free(g->states);
	free(g->tg);
	memset(g, 0, sizeof(*g));
}

static int gen_state(gen_t *g, const zscan_state_t *st)
{
	if (g->nstates > 0 && zscan_state_equal(&g->states[g->nstates - 1], st))
		return 0;
	if (g->nstates == g->capstates) {
		size_t c = g->capstates ? g->capstates * 2 : 16;
		zscan_state_t *n = realloc(g->states, c * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		g->states = n;
		g->capstates = c;
	}
	g->states[g->nstates++] = *st;
	return 0;
}

static uint64_t key_hash(const uint8_t *key, size_t kl)
{
	return zscan_chunk_hash(key, kl) | 1; /* 0 marks a free slot */
}

static int tgt_add(gen_t *g, uint64_t h, int delta)
{
	if ((g->ntg + 1) * 2 > g->captg) {
		size_t cap = g->captg ? g->captg * 2 : 64;
		struct tgt *n = calloc(cap, sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < g->captg; i++) {
			if (g->tg[i].h == 0)
				continue;
			size_t k = (size_t)g->tg[i].h & (cap - 1);
			while (n[k].h != 0)
				k = (k + 1) & (cap - 1);
			n[k] = g->tg[i];
		}
		free(g->tg);
		g->tg = n;
		g->captg = cap;
	}
	size_t k = (size_t)h & (g->captg - 1);
	while (g->tg[k].h != 0 && g->tg[k].h != h)
		k = (k + 1) & (g->captg - 1);
	if (g->tg[k].h == 0) {
		g->tg[k].h = h;
		g->ntg++;
	}
	if (delta < 0 && g->tg[k].n > 0)
		g->tg[k].n--;
	else if (delta > 0)
		g->tg[k].n++;
	return 0;
}

static bool tgt_has(const gen_t *g, uint64_t h)
{
	if (g->captg == 0)
		return false;
	size_t k = (size_t)h & (g->captg - 1);
	while (g->tg[k].h != 0) {
		if (g->tg[k].h == h)
			return g->tg[k].n > 0;
		k = (k + 1) & (g->captg - 1);
	}
	return false;
}

/* Counts an NS target (delta +1 / -1) when it is in the zone. */
static int tgt_name(gen_t *g, const uint8_t *origin, const uint8_t *target, int delta)
{
	if (!name_is_below(target, origin))
		return 0;
	uint8_t key[NAME_KEY_MAXLEN];
	size_t kl = name_to_key(target, key);
	return tgt_add(g, key_hash(key, kl), delta);
}

/* Every NS target of z into g. */
static int tgt_build(gen_t *g, const zone_t *z)
{
	zone_iter_t it;
	zone_iter_init(&it, z);
	const zone_node_t *n;
	int rc = 0;
	while (rc == 0 && (n = zone_iter_next(&it)) != NULL) {
		zone_rrset_t ns;
		if (!zone_node_rrset(n, RRTYPE_NS, &ns))
			continue;
		size_t pos = 0;
		const uint8_t *rd;
		uint16_t len;
		while (rc == 0 && zone_rrset_next(&ns, &pos, &rd, &len))
			rc = tgt_name(g, z->origin, rd, 1);
	}
	if (rc == 0 && it.err)
		rc = -ENOMEM;
	zone_iter_free(&it);
	return rc;
}

static void initial_state(const zone_reload_t *r, zscan_state_t *st)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->origin, r->origin, name_length(r->origin));
	st->have_origin = true;
}

static int snap_create(const char *dir)
{
	if (dir == NULL)
		dir = getenv("TMPDIR");
	if (dir == NULL || dir[0] == 0)
		dir = "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	char tmpl[4096];
	snprintf(tmpl, sizeof(tmpl), "%s/.nsfleet-reload-XXXXXX", dir);
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(tmpl);
	return fd;
}

static int write_at(int fd, const void *p, size_t n, uint64_t off)
{
	const char *b = p;
	while (n > 0) {
		ssize_t w = pwrite(fd, b, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		b += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static bool has_include(const char *d, size_t len)
{
	const char *p = d, *end = d + len;
	while ((p = memchr(p, '$', (size_t)(end - p))) != NULL) {
		if (end - p >= 8 && strncasecmp(p + 1, "include", 7) == 0)
			return true;
		p++;
	}
	return false;
}

/* Whether SOA rdata a and b are equal but for the serial. */
static bool soa_same_but_serial(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t off = rdata_soa_serial_off(a, al);
	return al == bl && off != 0 && off + 4 <= al && memcmp(a, b, off) == 0 &&
	       memcmp(a + off + 4, b + off + 4, al - off - 4) == 0;
}

/* ------------------------------------------------------ whole load */

static void pend_clear(zone_reload_t *r)
{
	gen_free(&r->pend);
	if (r->pend_fd >= 0)
		close(r->pend_fd);
	r->pend_fd = -1;
	if (r->map != NULL && r->map_len > 0)
		munmap((void *)r->map, r->map_len);
	r->map = NULL;
	r->map_len = 0;
	r->have_pend = false;
}

/* A load this reloader cannot follow: once committed, the next reload is
 * whole. */
static void pend_unusable(zone_reload_t *r)
{
	pend_clear(r);
	r->have_pend = true;
	r->pend_snap_len = r->snap_len;
	r->pend_chunk = r->chunk;
}

/* Records what a successful whole load of map[0..len) gives the next
 * reload: chunks, states, the snapshot.  Any failure only makes the next
 * reload whole too. */
static void remember_whole(zone_reload_t *r, const zone_t *z, const char *map, size_t len,
                           const zscan_chunk_t *ch, size_t nch, const zscan_marks_t *mk,
                           bool usable)
{
	gen_t *g = &r->pend;
	r->have_pend = true;
	g->file_len = len;
	g->usable = false;
	const uint8_t *rd;
	uint16_t rdlen;
	if (!usable || !changeset_zone_soa(z, &g->soa_ttl, &rd, &rdlen) || tgt_build(g, z) < 0)
		return;
	memcpy(g->soa, rd, rdlen);
	g->soa_len = rdlen;
	g->v = malloc(nch * sizeof(*g->v));
	if (g->v == NULL)
		return;
	zscan_state_t st0;
	initial_state(r, &st0);
	for (size_t i = 0; i < nch; i++) {
		if (gen_state(g, i == 0 ? &st0 : &mk->state[i - 1]) < 0)
			return;
		g->v[i] = (chunk_t){ch[i].hash, ch[i].off, ch[i].len, ch[i].line,
		                    (uint32_t)(g->nstates - 1)};
	}
	g->n = nch;
	g->end = mk->end;
	int fd = snap_create(r->tmpdir);
	if (fd < 0)
		return;
	if (write_at(fd, map, len, 0) < 0) {
		close(fd);
		return;
	}
	r->pend_fd = fd;
	r->pend_snap_len = len;
	g->usable = true;
}

/* ------------------------------------------------ incremental load */

typedef struct {
	uint8_t side; /* 0: removed (a gone chunk), 1: added (a new chunk) */
	uint16_t type;
	uint16_t keylen, rdlen;
	uint32_t ttl;
	uint32_t seq;
	unsigned line, col;
	uint8_t data[]; /* key, then canonical rdata */
} rec_t;

#define MAX_HELD 8 /* warnings of the new chunks, given out on success */

typedef struct {
	zone_reload_t *r;
	arena_t arena;
	rec_t **v;
	size_t n, cap;
	uint8_t side;
	bool failed; /* an error, or a record outside the zone */
	size_t nheld;
	struct {
		unsigned line, col;
		char msg[200];
	} held[MAX_HELD];
	char why[96];
} inc_t;

static void inc_fail(inc_t *c, const char *why)
{
	if (!c->failed)
		snprintf(c->why, sizeof(c->why), "%s", why);
	c->failed = true;
}

static int on_rr(void *ctx, const zscan_rr_t *rr)
{
	inc_t *c = ctx;
	uint8_t key[NAME_KEY_MAXLEN];
	size_t kl = name_to_key(rr->owner, key);
	if (kl < c->r->origin_keylen || memcmp(key, c->r->origin_key, c->r->origin_keylen) != 0) {
		inc_fail(c, "a record outside the zone");
		return 1; /* stops the scan */
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		rec_t **v = realloc(c->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	rec_t *x = arena_alloc(&c->arena, sizeof(*x) + kl + rr->rdlen);
	if (x == NULL)
		return -ENOMEM;
	*x = (rec_t){c->side, rr->type, (uint16_t)kl, (uint16_t)rr->rdlen, rr->ttl,
	             (uint32_t)c->n, rr->line, rr->col};
	memcpy(x->data, key, kl);
	memcpy(x->data + kl, rr->rdata, rr->rdlen);
	rdata_canonicalize(rr->type, x->data + kl, rr->rdlen);
	c->v[c->n++] = x;
	return 0;
}

static void on_scan_problem(void *ctx, const char *file, unsigned line, unsigned col,
                            zscan_sev_t sev, const char *msg)
{
	(void)file;
	inc_t *c = ctx;
	if (sev == ZSCAN_ERROR) {
		inc_fail(c, "an error in a changed part");
		return;
	}
	if (sev == ZSCAN_WARNING && c->side == 1 && c->nheld < MAX_HELD) {
		c->held[c->nheld].line = line;
		c->held[c->nheld].col = col;
		snprintf(c->held[c->nheld].msg, sizeof(c->held[0].msg), "%s", msg);
		c->nheld++;
	}
}

/* Scans one chunk from state st (NULL: the file's start); *end gets the
 * state after it.  0, 1 when the reload must be whole, or -ENOMEM. */
static int scan_chunk(inc_t *c, const char *data, size_t len, unsigned line,
                      const zscan_state_t *st, uint8_t side, zscan_state_t *end)
{
	size_t zero = 0;
	zscan_state_t at0;
	zscan_marks_t mk = {.off = &zero, .n = st != NULL ? 1 : 0, .state = &at0};
	zscan_opts_t o = {
	    .origin = c->r->origin,
	    .rclass = RRCLASS_IN,
	    .max_errors = 1,
	    .rr = on_rr,
	    .error = on_scan_problem,
	    .ctx = c,
	    .resume = st,
	    .first_line = line,
	    .marks = &mk,
	};
	c->side = side;
	int rc = zscan_buffer(c->r->path, data, len, &o);
	if (rc == -ENOMEM)
		return rc;
	if (rc != 0)
		inc_fail(c, "an error in a changed part");
	else if (!mk.ok)
		inc_fail(c, "a chunk that does not start an entry");
	else if (mk.include)
		inc_fail(c, "$INCLUDE in a changed part");
	if (c->failed)
		return 1;
	*end = mk.end;
	return 0;
}

static int rec_cmp(const void *pa, const void *pb)
{
	const rec_t *a = *(rec_t *const *)pa, *b = *(rec_t *const *)pb;
	size_t m = a->keylen < b->keylen ? a->keylen : b->keylen;
	int c = memcmp(a->data, b->data, m);
	if (c != 0)
		return c;
	if (a->keylen != b->keylen)
		return a->keylen < b->keylen ? -1 : 1;
	uint32_t ia = zone_rrset_id(a->type, a->data + a->keylen, a->rdlen);
	uint32_t ib = zone_rrset_id(b->type, b->data + b->keylen, b->rdlen);
	if (ia != ib)
		return ia < ib ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	c = rdata_compare(a->data + a->keylen, a->rdlen, b->data + b->keylen, b->rdlen);
	if (c != 0)
		return c;
	if (a->side != b->side)
		return a->side < b->side ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static const uint8_t *rec_rd(const rec_t *x)
{
	return x->data + x->keylen;
}

typedef struct {
	const uint8_t *rd;
	uint16_t len;
	bool removed, readded;
} orr_t;

/* The RRset of node n with id (none: count 0). */
static bool node_rrset_id(const zone_node_t *n, uint32_t id, zone_rrset_t *out)
{
	for (size_t i = 0; n != NULL && i < n->nrrsets; i++) {
		zone_rrset_t rs = zone_node_rrset_at(n, i);
		if (zone_rrset_id(rs.type, rs.rdata + 2, wire_get_u16(rs.rdata)) == id) {
			*out = rs;
			return true;
		}
	}
	return false;
}

/* The changeset being made from the sorted records. */
typedef struct {
	zone_reload_t *r;
	inc_t *c;
	const zone_t *served;
	changeset_t *cs;
	size_t dups;
	bool soa_new; /* the file's SOA changed: soa_* below */
	uint32_t soa_ttl;
	uint16_t soa_len;
	const uint8_t *soa_rd;
} diff_t;

static void held_warning(inc_t *c, const rec_t *x, const char *msg)
{
	if (c->nheld >= MAX_HELD)
		return;
	c->held[c->nheld].line = x->line;
	c->held[c->nheld].col = x->col;
	snprintf(c->held[c->nheld].msg, sizeof(c->held[0].msg), "%s", msg);
	c->nheld++;
}

/* The SOA records of the changed chunks (all at one owner). */
static int diff_soa(diff_t *d, rec_t **g, size_t n)
{
	const gen_t *cur = &d->r->cur;
	size_t nrm = 0, nadd = 0;
	const rec_t *add = NULL;
	if (g[0]->keylen != d->r->origin_keylen) {
		inc_fail(d->c, "an SOA record not at the apex");
		return 1;
	}
	for (size_t k = 0; k < n; k++) {
		const rec_t *x = g[k];
		if (x->side == 0) {
			if (nrm++ > 0 || x->rdlen != cur->soa_len || x->ttl != cur->soa_ttl ||
			    memcmp(rec_rd(x), cur->soa, x->rdlen) != 0) {
				inc_fail(d->c, "the removed SOA is not the file's");
				return 1;
			}
			continue;
		}
		if (add != NULL && add->rdlen == x->rdlen &&
		    memcmp(rec_rd(add), rec_rd(x), x->rdlen) == 0 && add->ttl == x->ttl) {
			d->dups++;
			held_warning(d->c, x, "duplicate record dropped");
			continue;
		}
		if (nadd++ > 0) {
			inc_fail(d->c, "more than one SOA record");
			return 1;
		}
		add = x;
	}
	if (nrm != 1 || nadd != 1) {
		inc_fail(d->c, nrm == 0 ? "a second SOA record" : "no SOA record");
		return 1;
	}
	d->soa_new = true;
	d->soa_ttl = add->ttl;
	d->soa_len = add->rdlen;
	d->soa_rd = rec_rd(add);
	return 0;
}

enum { ADD_NEW, ADD_AGAIN, ADD_DUP };

/* One RRset's records of the changed chunks g[0..n), sorted by rdata then
 * side, against the served RRset.  0, 1 (whole), -ENOMEM. */
static int diff_rrset(diff_t *d, const uint8_t *owner, rec_t **g, size_t n)
{
	const rec_t *f = g[0];
	uint16_t type = f->type;
	if (type == RRTYPE_SOA)
		return diff_soa(d, g, n);
	const zone_node_t *node = zone_find_key(d->served, f->data, f->keylen);
	zone_rrset_t old = {0};
	bool have = node_rrset_id(node, zone_rrset_id(type, rec_rd(f), f->rdlen), &old);
	size_t no = have ? old.count : 0;
	orr_t *o = malloc((no + 1) * sizeof(*o));
	uint8_t *kind = malloc(n + 1);
	if (o == NULL || kind == NULL) {
		free(o);
		free(kind);
		return -ENOMEM;
	}
	size_t pos = 0, k = 0;
	const uint8_t *rd;
	uint16_t len;
	while (have && zone_rrset_next(&old, &pos, &rd, &len))
		o[k++] = (orr_t){rd, len, false, false};
	int rc = 0;
	/* removals: each is in the served RRset, with its TTL (exact load) */
	size_t i = 0, left = no;
	for (k = 0; k < n && rc == 0; k++) {
		const rec_t *x = g[k];
		if (x->side != 0)
			continue;
		int c = 1;
		while (i < no && (c = rdata_compare(o[i].rd, o[i].len, rec_rd(x), x->rdlen)) < 0)
			i++;
		if (i >= no || c != 0 || o[i].removed || x->ttl != old.ttl) {
			inc_fail(d->c, "a removed record is not in the served version");
			rc = 1;
			break;
		}
		o[i].removed = true;
		left--;
	}
	/* additions: new, added again, or already there (a duplicate) */
	bool have_t = left > 0;
	uint32_t t = old.ttl;
	size_t nn = left;
	const rec_t *prev = NULL;
	i = 0;
	for (k = 0; k < n && rc == 0; k++) {
		const rec_t *x = g[k];
		if (x->side != 1)
			continue;
		kind[k] = ADD_NEW;
		if (prev != NULL && prev->rdlen == x->rdlen &&
		    memcmp(rec_rd(prev), rec_rd(x), x->rdlen) == 0) {
			kind[k] = ADD_DUP;
		} else {
			prev = x;
			int c = 1;
			while (i < no &&
			       (c = rdata_compare(o[i].rd, o[i].len, rec_rd(x), x->rdlen)) < 0)
				i++;
			if (i < no && c == 0) {
				if (o[i].removed)
					o[i].readded = true, kind[k] = ADD_AGAIN;
				else
					kind[k] = ADD_DUP;
			}
		}
		if (kind[k] == ADD_DUP) {
			d->dups++;
			held_warning(d->c, x, "duplicate record dropped");
			if (!have_t || x->ttl != t) {
				inc_fail(d->c, "a duplicate with another TTL");
				rc = 1;
			}
			continue;
		}
		if (!have_t) {
			t = x->ttl;
			have_t = true;
		} else if (x->ttl != t) {
			inc_fail(d->c, "TTLs differ within an RRset");
			rc = 1;
		}
		nn++;
	}
	if (rc == 0 && nn > UINT16_MAX) {
		inc_fail(d->c, "an RRset of more than 65535 records");
		rc = 1;
	}
	bool whole = rc == 0 && no > 0 && nn > 0 && t != old.ttl;
	for (k = 0; k < no && rc == 0; k++)
		if (whole || (o[k].removed && !o[k].readded))
			rc = changeset_remove(d->cs, owner, type, old.ttl, o[k].rd, o[k].len);
	for (k = 0; whole && k < no && rc == 0; k++)
		if (!o[k].removed || o[k].readded)
			rc = changeset_add(d->cs, owner, type, t, o[k].rd, o[k].len);
	for (k = 0; k < n && rc == 0; k++)
		if (g[k]->side == 1 && kind[k] == ADD_NEW)
			rc = changeset_add(d->cs, owner, type, t, rec_rd(g[k]), g[k]->rdlen);
	free(o);
	free(kind);
	return rc;
}

/* ------------------------------------------- checks of changed names */

typedef struct {
	size_t soa, cname, other, ns, dname, addr, types;
	bool only_addr;
} node_types_t;

static void node_types(const zone_node_t *n, node_types_t *t)
{
	memset(t, 0, sizeof(*t));
	t->only_addr = true;
	for (size_t i = 0; n != NULL && i < n->nrrsets; i++) {
		zone_rrset_t rs = zone_node_rrset_at(n, i);
		t->types++;
		switch (rs.type) {
		case RRTYPE_SOA:
			t->soa += rs.count;
			break;
		case RRTYPE_CNAME:
			t->cname += rs.count;
			break;
		case RRTYPE_RRSIG:
		case RRTYPE_NSEC:
			break;
		case RRTYPE_NS:
			t->ns++;
			t->other++;
			break;
		case RRTYPE_DNAME:
			t->dname++;
			t->other++;
			break;
		case RRTYPE_A:
		case RRTYPE_AAAA:
			t->addr++;
			t->other++;
			break;
		default:
			t->other++;
		}
		if (rs.type != RRTYPE_A && rs.type != RRTYPE_AAAA)
			t->only_addr = false;
	}
}

static bool has_addr(const zone_node_t *n)
{
	node_types_t t;
	node_types(n, &t);
	return t.addr > 0;
}

/* Whether the NS RRset of cut names owner. */
static bool ns_names(const zone_node_t *cut, const uint8_t *owner)
{
	zone_rrset_t ns;
	if (!zone_node_rrset(cut, RRTYPE_NS, &ns))
		return false;
	size_t pos = 0;
	const uint8_t *rd;
	uint16_t len;
	while (zone_rrset_next(&ns, &pos, &rd, &len))
		if (name_equal(rd, owner))
			return true;
	return false;
}

/* The node after key in z, or NULL. */
static const zone_node_t *node_after(const zone_t *z, const uint8_t *key, size_t kl)
{
	uint8_t probe[NAME_KEY_MAXLEN + 1];
	memcpy(probe, key, kl);
	probe[kl] = 0; /* above key, below anything after it */
	return zone_find_ge(z, probe, kl + 1);
}

/* Whether the names below key in z (a new cut at node cut) would get
 * occlusion warnings from a whole load: any of them, unless each is an
 * address of a name server of the cut (glue).  Looks at a few only. */
static bool below_occluded(const zone_t *z, const zone_node_t *cut, const uint8_t *key, size_t kl)
{
	node_types_t ct;
	node_types(cut, &ct);
	const zone_node_t *n = node_after(z, key, kl);
	for (int seen = 0; n != NULL && n->keylen > kl && memcmp(zone_node_key(n), key, kl) == 0;
	     seen++) {
		node_types_t t;
		uint8_t owner[NAME_MAXLEN];
		node_types(n, &t);
		if (seen >= 16 || ct.dname > 0 || !t.only_addr ||
		    name_from_key(zone_node_key(n), n->keylen, owner) < 0 || !ns_names(cut, owner))
			return true;
		n = node_after(z, zone_node_key(n), n->keylen);
	}
	return false;
}

/* The checks of zone_load.c check_node on one changed name of out, in the
 * cases where they need no other names; "false" means: load it whole. */
static bool check_name(const zone_reload_t *r, const gen_t *g, const zone_t *served,
                       const zone_t *out, const uint8_t *key, size_t kl, const char **why)
{
	const zone_node_t *was = zone_find_key(served, key, kl), *n = zone_find_key(out, key, kl);
	bool apex = kl == r->origin_keylen;
	node_types_t o, t;
	node_types(was, &o);
	node_types(n, &t);
	*why = "the apex changed beyond its SOA and NS";
	if (apex && (t.soa != 1 || t.ns == 0))
		return false;
	*why = "a name server lost its last address record";
	if (o.addr > 0 && t.addr == 0 && tgt_has(g, key_hash(key, kl)))
		return false;
	*why = "a delegation or DNAME was removed";
	if (!apex && ((o.ns && !t.ns) || (o.dname && !t.dname)))
		return false;
	if (n == NULL)
		return true;
	*why = "an SOA, CNAME or DNAME conflict";
	if ((!apex && t.soa > 0) || t.cname > 1 || (t.cname > 0 && (t.other > 0 || t.soa > 0)) ||
	    (t.dname > 0 && t.cname > 0))
		return false;
	*why = "a new delegation or DNAME above existing names";
	if (!apex && ((t.ns && !o.ns) || (t.dname && !o.dname)) && below_occluded(out, n, key, kl))
		return false;
	uint8_t owner[NAME_MAXLEN];
	if (name_from_key(key, kl, owner) < 0)
		return false;
	/* occlusion: a cut between the apex and this name */
	bool occluded = false;
	for (size_t p = r->origin_keylen + 1; p < kl; p++) {
		if (key[p - 1] != 0)
			continue;
		const zone_node_t *anc = zone_find_key(out, key, p);
		node_types_t a;
		node_types(anc, &a);
		*why = "a changed name under a delegation or DNAME";
		if (a.dname > 0 || (a.ns > 0 && (!t.only_addr || !ns_names(anc, owner))))
			return false;
		occluded |= a.ns > 0;
	}
	if (t.ns == 0 || occluded)
		return true;
	/* glue: every in-zone name server has an address */
	zone_rrset_t ns;
	zone_node_rrset(n, RRTYPE_NS, &ns);
	size_t pos = 0;
	const uint8_t *rd;
	uint16_t len;
	*why = "an NS record without glue";
	while (zone_rrset_next(&ns, &pos, &rd, &len))
		if (name_is_below(rd, r->origin) && !has_addr(zone_find(out, rd)))
			return false;
	return true;
}

/* ------------------------------------------------ the incremental path */

/* The snapshot read through a window of SNAP_WINDOW bytes (pread), so
 * that a reload does not map the whole old file beside the new one. */
#define SNAP_WINDOW (1u << 20)

typedef struct {
	int fd;
	uint64_t size;
	char *buf;
	size_t cap;
	uint64_t off;
	size_t len;
} snapwin_t;

/* Bytes [off, off + n) of the snapshot, valid until the next call; NULL
 * when they are not there or cannot be read. */
static const char *snap_get(snapwin_t *w, uint64_t off, size_t n)
{
	if (off > w->size || n > w->size - off)
		return NULL;
	if (w->buf != NULL && off >= w->off && off + n <= w->off + w->len)
		return w->buf + (off - w->off);
	size_t want = n > SNAP_WINDOW ? n : SNAP_WINDOW;
	if (want > w->size - off)
		want = (size_t)(w->size - off);
	if (want > w->cap) {
		char *b = realloc(w->buf, want ? want : 1);
		if (b == NULL)
			return NULL;
		w->buf = b;
		w->cap = want;
	}
	size_t got = 0;
	while (got < want) {
		ssize_t k = pread(w->fd, w->buf + got, want - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			w->len = 0;
			return NULL;
		}
		got += (size_t)k;
	}
	w->off = off;
	w->len = got;
	return w->buf;
}

typedef struct {
	const char *map;
	size_t len;
	const zscan_chunk_t *ch;
	size_t nch;
} newfile_t;

/* 0: done (*out, cs, r->pend); 1: load it whole (info->why_full); <0. */
static int incremental(zone_reload_t *r, const zone_t *served, const newfile_t *nf,
                       zone_report_t report, void *ctx, zone_t **out, changeset_t *cs,
                       zone_reload_info_t *info)
{
	const gen_t *cur = &r->cur;
	uint32_t sttl;
	const uint8_t *srd;
	uint16_t slen;
	if (!changeset_zone_soa(served, &sttl, &srd, &slen) || sttl != cur->soa_ttl ||
	    !soa_same_but_serial(srd, slen, cur->soa, cur->soa_len)) {
		snprintf(info->why_full, sizeof(info->why_full), "the served SOA is not the file's");
		return 1;
	}
	snapwin_t win = {.fd = r->snap_fd, .size = r->snap_len};
	size_t hsize = 16;
	while (hsize < cur->n * 2)
		hsize *= 2;
	uint32_t *ht = calloc(hsize, sizeof(*ht));
	bool *used = calloc(cur->n + 1, sizeof(*used));
	inc_t c = {.r = r};
	arena_init(&c.arena, 64u << 10);
	gen_t g = {0};
	g.v = malloc(nf->nch * sizeof(*g.v));
	int rc = 0;
	if (ht == NULL || used == NULL || g.v == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cur->n; i++) {
		size_t h = (size_t)cur->v[i].hash & (hsize - 1);
		while (ht[h] != 0)
			h = (h + 1) & (hsize - 1);
		ht[h] = (uint32_t)i + 1;
	}
	size_t budget = nf->len / 4 + 65536, readb = 0;
	uint64_t append = r->snap_len;
	zscan_state_t st;
	initial_state(r, &st);
	for (size_t j = 0; j < nf->nch && rc == 0; j++) {
		const zscan_chunk_t *nc = &nf->ch[j];
		if ((rc = gen_state(&g, &st)) < 0)
			break;
		size_t found = SIZE_MAX;
		for (size_t h = (size_t)nc->hash & (hsize - 1); ht[h] != 0; h = (h + 1) & (hsize - 1)) {
			size_t i = ht[h] - 1;
			const chunk_t *oc = &cur->v[i];
			if (used[i] || oc->hash != nc->hash || oc->len != nc->len || (i == 0) != (j == 0) ||
			    !zscan_state_equal(&cur->states[oc->state], &st))
				continue;
			const char *old = snap_get(&win, oc->snap, oc->len);
			if (old == NULL || memcmp(old, nf->map + nc->off, nc->len) != 0)
				continue;
			found = i;
			break;
		}
		g.v[j] = (chunk_t){nc->hash, 0, nc->len, nc->line, (uint32_t)(g.nstates - 1)};
		if (found != SIZE_MAX) {
			used[found] = true;
			g.v[j].snap = cur->v[found].snap;
			st = found + 1 < cur->n ? cur->states[cur->v[found + 1].state] : cur->end;
			continue;
		}
		g.v[j].snap = append;
		append += nc->len;
		readb += nc->len;
		info->chunks_read++;
		if (readb > budget) {
			inc_fail(&c, "more than a quarter of the file changed");
			rc = 1;
			break;
		}
		zscan_state_t end;
		rc = scan_chunk(&c, nf->map + nc->off, nc->len, nc->line, j == 0 ? NULL : &st, 1,
		                &end);
		st = end;
	}
	g.n = nf->nch;
	g.end = st;
	/* the chunks that are gone, from the snapshot */
	for (size_t i = 0; i < cur->n && rc == 0; i++) {
		if (used[i])
			continue;
		const chunk_t *oc = &cur->v[i];
		readb += oc->len;
		info->chunks_read++;
		if (readb > budget) {
			inc_fail(&c, "more than a quarter of the file changed");
			rc = 1;
			break;
		}
		const char *old = snap_get(&win, oc->snap, oc->len);
		if (old == NULL) {
			inc_fail(&c, "the snapshot cannot be read");
			rc = 1;
			break;
		}
		zscan_state_t end;
		rc = scan_chunk(&c, old, oc->len, oc->line,
		                i == 0 ? NULL : &cur->states[oc->state], 0, &end);
	}
	info->bytes_read = readb;
	if (rc != 0)
		goto out;
	/* the changeset, RRset by RRset */
	if (c.n > 0)
		qsort(c.v, c.n, sizeof(*c.v), rec_cmp);
	diff_t d = {.r = r, .c = &c, .served = served, .cs = cs};
	uint8_t owner[NAME_MAXLEN];
	for (size_t a = 0; a < c.n && rc == 0;) {
		size_t b = a + 1;
		uint32_t id = zone_rrset_id(c.v[a]->type, rec_rd(c.v[a]), c.v[a]->rdlen);
		while (b < c.n && c.v[b]->keylen == c.v[a]->keylen &&
		       memcmp(c.v[b]->data, c.v[a]->data, c.v[a]->keylen) == 0 &&
		       zone_rrset_id(c.v[b]->type, rec_rd(c.v[b]), c.v[b]->rdlen) == id)
			b++;
		if (name_from_key(c.v[a]->data, c.v[a]->keylen, owner) < 0) {
			inc_fail(&c, "a bad owner key");
			rc = 1;
			break;
		}
		rc = diff_rrset(&d, owner, c.v + a, b - a);
		a = b;
	}
	if (rc == 0)
		rc = changeset_remove(cs, r->origin, RRTYPE_SOA, sttl, srd, slen);
	if (rc == 0)
		rc = d.soa_new ? changeset_add(cs, r->origin, RRTYPE_SOA, d.soa_ttl, d.soa_rd, d.soa_len)
		               : changeset_add(cs, r->origin, RRTYPE_SOA, cur->soa_ttl, cur->soa,
		                               cur->soa_len);
	if (rc != 0)
		goto out;
	rc = changeset_apply(served, cs, out);
	if (rc == -ENOMEM)
		goto out;
	if (rc != 0) {
		inc_fail(&c, "the changes do not apply to the served version");
		rc = 1;
		goto out;
	}
	/* the NS targets of the new version: the served ones, changed */
	if (cur->captg > 0) {
		g.tg = malloc(cur->captg * sizeof(*g.tg));
		if (g.tg == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(g.tg, cur->tg, cur->captg * sizeof(*g.tg));
		g.ntg = cur->ntg;
		g.captg = cur->captg;
	}
	for (size_t k = 0; k < cs->nremoved && rc == 0; k++)
		if (cs->removed[k].type == RRTYPE_NS)
			rc = tgt_name(&g, r->origin, cs->removed[k].rdata, -1);
	for (size_t k = 0; k < cs->nadded && rc == 0; k++)
		if (cs->added[k].type == RRTYPE_NS)
			rc = tgt_name(&g, r->origin, cs->added[k].rdata, 1);
	for (size_t a = 0; a < c.n && rc == 0; a++) {
		if (a > 0 && c.v[a]->keylen == c.v[a - 1]->keylen &&
		    memcmp(c.v[a]->data, c.v[a - 1]->data, c.v[a]->keylen) == 0)
			continue;
		const char *why;
		if (!check_name(r, &g, served, *out, c.v[a]->data, c.v[a]->keylen, &why)) {
			inc_fail(&c, why);
			rc = 1;
		}
	}
	if (rc != 0) {
		zone_free(*out);
		*out = NULL;
		goto out;
	}
	/* done: the new chunks go to the snapshot, after the committed part */
	bool ok = true;
	for (size_t j = 0; j < g.n && ok; j++)
		if (g.v[j].snap >= r->snap_len)
			ok = write_at(r->snap_fd, nf->map + nf->ch[j].off, g.v[j].len, g.v[j].snap) == 0;
	g.file_len = nf->len;
	g.usable = ok && d.dups == 0;
	if (d.soa_new) {
		g.soa_ttl = d.soa_ttl;
		g.soa_len = d.soa_len;
		memcpy(g.soa, d.soa_rd, d.soa_len);
	} else {
		g.soa_ttl = cur->soa_ttl;
		g.soa_len = cur->soa_len;
		memcpy(g.soa, cur->soa, cur->soa_len);
	}
	r->pend = g;
	memset(&g, 0, sizeof(g));
	r->have_pend = true;
	r->pend_fd = -1;
	r->pend_snap_len = append;
	for (size_t k = 0; k < c.nheld && report != NULL; k++)
		report(ctx, r->path, c.held[k].line, c.held[k].col, ZONE_WARNING, c.held[k].msg);
	info->incremental = true;
out:
	if (rc == 1)
		snprintf(info->why_full, sizeof(info->why_full), "%s", c.why);
	free(win.buf);
	gen_free(&g);
	free(ht);
	free(used);
	free(c.v);
	arena_free(&c.arena);
	return rc;
}

/* ------------------------------------------------------------ the API */

zone_reload_t *zone_reload_new(const uint8_t *origin, const char *path, const char *tmpdir)
{
	zone_reload_t *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	int n = name_check(origin, NAME_MAXLEN);
	r->path = strdup(path);
	r->tmpdir = tmpdir ? strdup(tmpdir) : NULL;
	if (n < 0 || r->path == NULL || (tmpdir && r->tmpdir == NULL)) {
		free(r->path);
		free(r->tmpdir);
		free(r);
		return NULL;
	}
	memcpy(r->origin, origin, (size_t)n);
	name_to_lower(r->origin);
	r->origin_keylen = name_to_key(r->origin, r->origin_key);
	r->snap_fd = r->pend_fd = -1;
	r->chunk = ZONE_RELOAD_CHUNK;
	return r;
}

void zone_reload_set_chunk(zone_reload_t *r, size_t bytes)
{
	r->chunk = bytes < 64 ? 64 : bytes;
}

void zone_reload_free(zone_reload_t *r)
{
	if (r == NULL)
		return;
	pend_clear(r);
	gen_free(&r->cur);
	if (r->snap_fd >= 0)
		close(r->snap_fd);
	free(r->path);
	free(r->tmpdir);
	free(r);
}

int zone_reload_load(zone_reload_t *r, const zone_t *served, zone_report_t report, void *ctx,
                     zone_t **out, changeset_t *cs, zone_reload_info_t *info)
{
	*out = NULL;
	memset(info, 0, sizeof(*info));
	pend_clear(r);
	/* the file's bytes, mapped once for the split, the scan and the
	 * snapshot (a file that cannot be used gets zone_load_file's error) */
	int fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		snprintf(info->why_full, sizeof(info->why_full), "the file cannot be read");
		pend_unusable(r);
		return zone_load_file(r->origin, r->path, report, ctx, out);
	}
	size_t len = (size_t)st.st_size;
	const char *map = "";
	if (len > 0) {
		void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (m == MAP_FAILED) {
			close(fd);
			snprintf(info->why_full, sizeof(info->why_full), "the file cannot be mapped");
			pend_unusable(r);
			return zone_load_file(r->origin, r->path, report, ctx, out);
		}
		map = m;
	}
	close(fd);
	r->map = len > 0 ? map : NULL;
	r->map_len = len;
	info->bytes = len;
	zscan_chunk_t *ch = NULL;
	size_t nch = 0;
	/* cut as the committed load was cut, so that equal parts give equal
	 * chunks; a new size takes effect with the next whole load */
	bool can_incr = served != NULL && r->cur.usable && r->snap_fd >= 0 &&
	                r->cur_chunk == r->chunk;
	r->pend_chunk = r->chunk;
	int rc = zscan_split(map, len, r->chunk, &ch, &nch);
	if (rc < 0) {
		pend_clear(r);
		return rc;
	}
	info->chunks = nch;
	if (has_include(map, len)) {
		/* an included file may change on its own: whole, always */
		free(ch);
		pend_unusable(r);
		snprintf(info->why_full, sizeof(info->why_full), "$INCLUDE");
		return zone_load_file(r->origin, r->path, report, ctx, out);
	}
	if (can_incr) {
		newfile_t nf = {map, len, ch, nch};
		rc = incremental(r, served, &nf, report, ctx, out, cs, info);
		if (rc <= 0) {
			free(ch);
			if (rc < 0)
				pend_clear(r);
			return rc;
		}
		/* whole after all: what the incremental path put in cs goes */
		changeset_free(cs);
		changeset_init(cs);
	} else if (info->why_full[0] == 0) {
		snprintf(info->why_full, sizeof(info->why_full), "%s",
		         served == NULL           ? "first load"
		         : r->snap_fd < 0         ? "no snapshot of the file"
		         : r->cur_chunk != r->chunk ? "a new chunk size"
		                                  : "the last load was not exact");
	}
	info->chunks_read = nch;
	info->bytes_read = len;
	size_t *offs = malloc((nch ? nch : 1) * sizeof(*offs));
	zscan_state_t *states = malloc((nch ? nch : 1) * sizeof(*states));
	if (offs == NULL || states == NULL) {
		free(offs);
		free(states);
		free(ch);
		pend_clear(r);
		return -ENOMEM;
	}
	for (size_t i = 1; i < nch; i++)
		offs[i - 1] = ch[i].off;
	zscan_marks_t mk = {.off = offs, .n = nch - 1, .state = states};
	bool exact = false;
	rc = zone_load_buffer(r->origin, r->path, map, len, &mk, &exact, report, ctx, out);
	if (rc == 0)
		remember_whole(r, *out, map, len, ch, nch, &mk, mk.ok && !mk.include && exact);
	else
		pend_clear(r);
	free(offs);
	free(states);
	free(ch);
	return rc;
}

void zone_reload_abort(zone_reload_t *r)
{
	pend_clear(r);
}

void zone_reload_commit(zone_reload_t *r)
{
	if (!r->have_pend)
		return;
	gen_free(&r->cur);
	r->cur = r->pend;
	r->cur_chunk = r->pend_chunk;
	memset(&r->pend, 0, sizeof(r->pend));
	if (r->pend_fd >= 0) {
		if (r->snap_fd >= 0)
			close(r->snap_fd);
		r->snap_fd = r->pend_fd;
		r->pend_fd = -1;
	}
	r->snap_len = r->pend_snap_len;
	/* more than half of the snapshot is chunks of older files: write the
	 * file anew (O(file) now and then, so the snapshot stays O(file)) */
	if (r->cur.usable && r->snap_len > 2 * (uint64_t)r->cur.file_len + (1u << 20) &&
	    r->map != NULL) {
		int fd = snap_create(r->tmpdir);
		if (fd >= 0 && write_at(fd, r->map, r->map_len, 0) == 0) {
			uint64_t off = 0;
			for (size_t i = 0; i < r->cur.n; i++) {
				r->cur.v[i].snap = off;
				off += r->cur.v[i].len;
			}
			close(r->snap_fd);
			r->snap_fd = fd;
			r->snap_len = r->map_len;
		} else {
			if (fd >= 0)
				close(fd);
			r->cur.usable = false;
		}
	}
	pend_clear(r);
}
