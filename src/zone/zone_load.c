/*
 * The zone builder: collect, sort, check, build.  See zone_load.h.
 *
 * Records are appended to an arena in arrival order, then an array of
 * pointers is sorted by (key, type, canonical rdata, arrival).  One walk
 * over the sorted array builds each node and runs the per-name checks;
 * names below a zone cut come right after the cut in this order, so
 * occlusion is a prefix test against the current cut.
 *
 * Streaming: while the records come without positions (a transfer) and
 * in canonical order, one owner after another (an AXFR from nsfleetd,
 * Knot, BIND), each owner's records are kept only until the next owner
 * starts; then they are sorted and the node is built at once, so the
 * records are never stored as a whole and finish sorts nothing.  An owner
 * that needs a remark (a duplicate, TTLs to equalise, an RRset too big)
 * or a record out of order or with a position ends the streaming: the
 * nodes built so far are turned back into records (lossless: they needed
 * no remark and carry no positions) and the ordinary path goes on.  The
 * checks of check_node run in finish in both paths, node by node in
 * canonical order, so a stream gets the same reports, in the same order,
 * as the ordinary builder would give it.
 */
#include "zone/zone_load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/err.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dns/wire.h"

typedef struct {
	uint32_t seq;   /* arrival order */
	uint32_t line;
	uint32_t col;
	uint32_t ttl;
	uint16_t file;  /* index into files[] */
	uint16_t type;
	uint16_t keylen;
	uint16_t rdlen;
	uint8_t data[]; /* key, then rdata */
} rec_t;

struct zone_builder {
	uint8_t origin[NAME_MAXLEN];
	uint8_t origin_key[NAME_KEY_MAXLEN];
	size_t origin_keylen;
	zone_report_t report;
	void *ctx;
	arena_t recs_arena;
	rec_t **recs;
	size_t nrecs, cap;
	char **files;
	size_t nfiles;
	const char *last_file_ptr; /* caller's pointer for files[nfiles-1] */
	size_t errors, warnings;
	size_t dups, ttl_fixed; /* duplicates dropped, TTLs equalised */
	bool spent;
	struct group *groups; /* owners in canonical order, see make_groups */
	size_t ngroups;
	/* keys of in-zone NS targets, sorted: what counts as glue */
	uint8_t **glue_keys;
	size_t nglue;
	/* streaming (see the top of the file) */
	bool streaming;
	arena_t pend_arena; /* the current owner's records */
	rec_t **pend;
	size_t npend, pend_cap;
	arena_t nodes_arena; /* the nodes built so far, in canonical order */
	zone_node_t **nodes;
	size_t nnodes, nodes_cap;
	zone_rr_data_t *rrs;
	size_t rrs_cap;
	size_t glue_cap;
	size_t check_at; /* the streamed node stream_finish checks */
	/* the last owner added and its key (in zone): an owner's records
	 * mostly come together */
	uint8_t last_owner[NAME_MAXLEN];
	size_t last_owner_len;
	uint8_t last_key[NAME_KEY_MAXLEN];
	size_t last_keylen;
};

static void report(zone_builder_t *b, const rec_t *r, zone_sev_t sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report(zone_builder_t *b, const rec_t *r, zone_sev_t sev, const char *fmt, ...)
{
	char msg[NAME_TEXT_MAXLEN * 2 + 200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sev == ZONE_ERROR)
		b->errors++;
	else
		b->warnings++;
	if (b->report != NULL)
		b->report(b->ctx, b->files[r ? r->file : 0], r ? r->line : 1, r ? r->col : 1, sev,
			  msg);
}

zone_builder_t *zone_builder_new(const uint8_t *origin, const char *file, zone_report_t rep,
				 void *ctx)
{
	zone_builder_t *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	memcpy(b->origin, origin, name_length(origin));
	b->origin_keylen = name_to_key(origin, b->origin_key);
	b->report = rep;
	b->ctx = ctx;
	arena_init(&b->recs_arena, 4u << 20);
	arena_init(&b->pend_arena, 64u << 10);
	arena_init(&b->nodes_arena, 4u << 20);
	b->streaming = true;
	b->files = malloc(sizeof(char *));
	if (b->files == NULL || (b->files[0] = strdup(file ? file : "-")) == NULL) {
		free(b->files);
		free(b);
		return NULL;
	}
	b->nfiles = 1;
	return b;
}

size_t zone_builder_errors(const zone_builder_t *b)
{
	return b->errors;
}

bool zone_builder_exact(const zone_builder_t *b)
{
	return b->dups == 0 && b->ttl_fixed == 0;
}

size_t zone_builder_warnings(const zone_builder_t *b)
{
	return b->warnings;
}

void zone_builder_free(zone_builder_t *b)
{
	if (b == NULL)
		return;
	arena_free(&b->recs_arena);
	free(b->recs);
	free(b->glue_keys);
	free(b->groups);
	arena_free(&b->pend_arena);
	free(b->pend);
	arena_free(&b->nodes_arena);
	free(b->nodes);
	free(b->rrs);
	for (size_t i = 0; i < b->nfiles; i++)
		free(b->files[i]);
	free(b->files);
	free(b);
}

static int file_index(zone_builder_t *b, const char *file, uint16_t *idx)
{
	if (file == NULL) {
		*idx = 0;
		return 0;
	}
	if (file == b->last_file_ptr) {
		*idx = (uint16_t)(b->nfiles - 1);
		return 0;
	}
	for (size_t i = 0; i < b->nfiles; i++) {
		if (strcmp(b->files[i], file) == 0) {
			*idx = (uint16_t)i;
			if (i == b->nfiles - 1)
				b->last_file_ptr = file;
			return 0;
		}
	}
	if (b->nfiles >= UINT16_MAX)
		return ERR_LIMIT;
	char **f = realloc(b->files, (b->nfiles + 1) * sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	b->files = f;
	if ((f[b->nfiles] = strdup(file)) == NULL)
		return -ENOMEM;
	b->last_file_ptr = file;
	*idx = (uint16_t)b->nfiles++;
	return 0;
}

/* Appends r to *v (of *n, capacity *cap). */
static int push_rec(rec_t ***v, size_t *n, size_t *cap, rec_t *r)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 4096;
		rec_t **nv = realloc(*v, c * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = r;
	return 0;
}

static int stream_owner_done(zone_builder_t *b);
static int stream_stop(zone_builder_t *b);

int zone_builder_add(zone_builder_t *b, const uint8_t *owner, uint16_t type, uint32_t ttl,
		     const uint8_t *rdata, size_t rdlen, const char *file, unsigned line,
		     unsigned col)
{
	uint16_t fidx;
	int rc = file_index(b, file, &fidx);
	if (rc < 0)
		return rc;
	if (rdlen > RDATA_MAXLEN)
		return ERR_INVAL;
	/* the last owner again (in zone, checked): while streaming, also the
	 * current owner's (b->pend) */
	size_t ol = name_length(owner);
	bool again = ol == b->last_owner_len && memcmp(owner, b->last_owner, ol) == 0;
	uint8_t nk[NAME_KEY_MAXLEN];
	const uint8_t *key = b->last_key;
	size_t kl = b->last_keylen;
	if (!again) {
		kl = name_to_key(owner, nk);
		key = nk;
	}
	if (!again &&
	    (kl < b->origin_keylen || memcmp(key, b->origin_key, b->origin_keylen) != 0)) {
		rec_t pos = {.line = line, .col = col, .file = fidx};
		char on[NAME_TEXT_MAXLEN], zn[NAME_TEXT_MAXLEN];
		name_to_text(owner, on, sizeof(on));
		name_to_text(b->origin, zn, sizeof(zn));
		report(b, &pos, ZONE_ERROR, "record '%s' is outside the zone '%s'", on, zn);
		return ERR_NOTZONE;
	}
	if (b->streaming && (file != NULL || line != 0 || col != 0))
		rc = stream_stop(b);
	if (rc == 0 && b->streaming && b->npend > 0 && !again) {
		const rec_t *p = b->pend[0];
		size_t m = p->keylen < kl ? p->keylen : kl;
		int c = memcmp(key, p->data, m);
		if (c == 0)
			c = kl < p->keylen ? -1 : kl > p->keylen;
		if (c > 0)
			rc = stream_owner_done(b);
		else if (c < 0)
			rc = stream_stop(b);
	}
	if (rc < 0)
		return rc;
	if (!again) {
		memcpy(b->last_owner, owner, ol);
		b->last_owner_len = ol;
		memcpy(b->last_key, nk, kl);
		b->last_keylen = kl;
	}
	rec_t *r =
	    arena_alloc(b->streaming ? &b->pend_arena : &b->recs_arena, sizeof(rec_t) + kl + rdlen);
	if (r == NULL)
		return -ENOMEM;
	r->seq = (uint32_t)(b->streaming ? b->npend : b->nrecs);
	r->line = line;
	r->col = col;
	r->ttl = ttl;
	r->file = fidx;
	r->type = type;
	r->keylen = (uint16_t)kl;
	r->rdlen = (uint16_t)rdlen;
	memcpy(r->data, key, kl);
	if (rdlen)
		memcpy(r->data + kl, rdata, rdlen);
	rdata_canonicalize(type, r->data + kl, rdlen);
	if (b->streaming)
		return push_rec(&b->pend, &b->npend, &b->pend_cap, r);
	return push_rec(&b->recs, &b->nrecs, &b->cap, r);
}

/* ---- sorting ---- */

static int key_cmp(const rec_t *a, const rec_t *b)
{
	size_t m = a->keylen < b->keylen ? a->keylen : b->keylen;
	int c = memcmp(a->data, b->data, m);
	if (c != 0)
		return c;
	return (int)a->keylen - (int)b->keylen;
}

/* Order of the records of one owner: type, canonical rdata, arrival. */
static int rec_cmp_owner(const rec_t *a, const rec_t *b)
{
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	int c = rdata_compare(a->data + a->keylen, a->rdlen, b->data + b->keylen, b->rdlen);
	if (c != 0)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int rec_cmp_owner_q(const void *pa, const void *pb)
{
	return rec_cmp_owner(*(rec_t *const *)pa, *(rec_t *const *)pb);
}

static void sort_owner(rec_t **v, size_t n)
{
	if (n > 16) {
		qsort(v, n, sizeof(*v), rec_cmp_owner_q);
		return;
	}
	for (size_t i = 1; i < n; i++) { /* most owners have a few records */
		rec_t *x = v[i];
		size_t j = i;
		while (j > 0 && rec_cmp_owner(v[j - 1], x) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/*
 * Sorting: a zone file mostly lists an owner's records together, so the
 * records (in arrival order) are cut into groups of one owner, and only
 * the groups are sorted by key.  The first 8 key octets after the origin
 * (common to all keys) make an integer that settles most comparisons.
 */
typedef struct group {
	uint64_t prefix;
	rec_t **recs;   /* count records of one owner, consecutive in b->recs */
	uint32_t count;
} group_t;

static int group_cmp(const void *pa, const void *pb)
{
	const group_t *a = pa, *b = pb;
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	int c = key_cmp(a->recs[0], b->recs[0]);
	if (c != 0)
		return c;
	return a->recs[0]->seq < b->recs[0]->seq ? -1 : 1;
}

static uint64_t key_prefix(const rec_t *r, size_t skip)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (skip + i < r->keylen ? r->data[skip + i] : 0);
	return v;
}

static int make_groups(zone_builder_t *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->nrecs; i++)
		n += i == 0 || key_cmp(b->recs[i - 1], b->recs[i]) != 0;
	b->groups = malloc((n ? n : 1) * sizeof(*b->groups));
	if (b->groups == NULL)
		return -ENOMEM;
	b->ngroups = 0;
	for (size_t i = 0; i < b->nrecs; i++) {
		if (i == 0 || key_cmp(b->recs[i - 1], b->recs[i]) != 0) {
			group_t *g = &b->groups[b->ngroups++];
			g->prefix = key_prefix(b->recs[i], b->origin_keylen);
			g->recs = &b->recs[i];
			g->count = 0;
		}
		b->groups[b->ngroups - 1].count++;
	}
	/* a file or a transfer in canonical order (an AXFR from nsfleetd or
	 * Knot, a printed zone) is sorted already: one pass says so */
	size_t k = 1;
	while (k < b->ngroups && group_cmp(&b->groups[k - 1], &b->groups[k]) < 0)
		k++;
	if (k < b->ngroups)
		qsort(b->groups, b->ngroups, sizeof(*b->groups), group_cmp);
	return 0;
}

static uint32_t rec_rrset_id(const rec_t *r)
{
	return zone_rrset_id(r->type, r->data + r->keylen, r->rdlen);
}

/* ---- checks ---- */

static void rec_owner_text(const rec_t *r, char *buf, size_t cap)
{
	uint8_t name[NAME_MAXLEN];
	if (name_from_key(r->data, r->keylen, name) < 0)
		snprintf(buf, cap, "?");
	else
		name_to_text(name, buf, cap);
}

/* First group of key in the sorted groups, or ngroups. */
static size_t find_key(const zone_builder_t *b, const uint8_t *key, size_t kl)
{
	size_t lo = 0, hi = b->ngroups;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const rec_t *r = b->groups[mid].recs[0];
		size_t m = r->keylen < kl ? r->keylen : kl;
		int c = memcmp(r->data, key, m);
		if (c == 0)
			c = (int)r->keylen - (int)kl;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The streamed node of key, or NULL.  The glue of a delegation mostly
 * follows it: the nodes after the one checked are tried first. */
static const zone_node_t *stream_find(const zone_builder_t *b, const uint8_t *key, size_t kl)
{
	for (size_t i = b->check_at + 1; i < b->nnodes && i <= b->check_at + 4; i++) {
		const zone_node_t *n = b->nodes[i];
		if (n->keylen == kl && memcmp(zone_node_key(n), key, kl) == 0)
			return n;
	}
	size_t lo = 0, hi = b->nnodes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const zone_node_t *n = b->nodes[mid];
		size_t m = n->keylen < kl ? n->keylen : kl;
		int c = memcmp(zone_node_key(n), key, m);
		if (c == 0)
			c = n->keylen < kl ? -1 : n->keylen > kl;
		if (c == 0)
			return n;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool has_address(const zone_builder_t *b, const uint8_t *name)
{
	uint8_t key[NAME_KEY_MAXLEN];
	size_t kl = name_to_key(name, key);
	if (b->streaming) {
		const zone_node_t *n = stream_find(b, key, kl);
		zone_rrset_t rs;
		return n != NULL &&
		       (zone_node_rrset(n, RRTYPE_A, &rs) || zone_node_rrset(n, RRTYPE_AAAA, &rs));
	}
	for (size_t i = find_key(b, key, kl); i < b->ngroups; i++) {
		const group_t *g = &b->groups[i];
		if (g->recs[0]->keylen != kl || memcmp(g->recs[0]->data, key, kl) != 0)
			break;
		for (size_t k = 0; k < g->count; k++)
			if (g->recs[k]->type == RRTYPE_A || g->recs[k]->type == RRTYPE_AAAA)
				return true;
	}
	return false;
}

/* RFC 1034 §4.2.1 and RFC 1035 §5.2: every in-zone name server has an
 * address in the zone, or the delegation cannot be followed. */
static void check_glue(zone_builder_t *b, rec_t **run, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const rec_t *r = run[i];
		if (r->type != RRTYPE_NS)
			continue;
		const uint8_t *target = r->data + r->keylen;
		if (!name_is_below(target, b->origin) || has_address(b, target))
			continue;
		char tn[NAME_TEXT_MAXLEN], on[NAME_TEXT_MAXLEN];
		name_to_text(target, tn, sizeof(tn));
		rec_owner_text(r, on, sizeof(on));
		report(b, r, ZONE_ERROR,
		       "NS '%s' of '%s' has no address records (A or AAAA): missing glue", tn, on);
	}
}

typedef struct {
	uint8_t key[NAME_KEY_MAXLEN];
	size_t keylen;
	bool dname;    /* a DNAME cut, else a delegation */
	const rec_t *at;
} cut_t;

static bool key_below(const rec_t *r, const cut_t *c)
{
	return c->keylen > 0 && r->keylen > c->keylen && memcmp(r->data, c->key, c->keylen) == 0;
}

static int glue_key_cmp(const void *pa, const void *pb)
{
	const uint8_t *a = *(uint8_t *const *)pa, *b = *(uint8_t *const *)pb;
	/* each key is stored after its u16 length */
	size_t al = wire_get_u16(a), bl = wire_get_u16(b);
	size_t m = al < bl ? al : bl;
	int c = memcmp(a + 2, b + 2, m);
	return c ? c : (al > bl) - (al < bl);
}

static int add_glue_key(zone_builder_t *b, const uint8_t *target)
{
	/* sized to the key: a zone has many NS records */
	uint8_t key[NAME_KEY_MAXLEN];
	size_t kl = name_to_key(target, key);
	uint8_t *k = arena_alloc(&b->recs_arena, 2 + kl);
	if (k == NULL)
		return -ENOMEM;
	wire_put_u16(k, (uint16_t)kl);
	memcpy(k + 2, key, kl);
	b->glue_keys[b->nglue++] = k;
	return 0;
}

/* Collects the keys of every in-zone name an NS record points to. */
static int index_glue(zone_builder_t *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->nrecs; i++)
		n += b->recs[i]->type == RRTYPE_NS;
	b->glue_keys = malloc((n ? n : 1) * sizeof(*b->glue_keys));
	if (b->glue_keys == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < b->nrecs; i++) {
		const rec_t *r = b->recs[i];
		const uint8_t *target = r->data + r->keylen;
		if (r->type != RRTYPE_NS || !name_is_below(target, b->origin))
			continue;
		if (add_glue_key(b, target) < 0)
			return -ENOMEM;
	}
	qsort(b->glue_keys, b->nglue, sizeof(*b->glue_keys), glue_key_cmp);
	return 0;
}

/* Whether r is an address of a name some NS record points to. */
static bool is_glue(const zone_builder_t *b, const rec_t *r)
{
	if (r->type != RRTYPE_A && r->type != RRTYPE_AAAA)
		return false;
	uint8_t probe[2 + NAME_KEY_MAXLEN];
	wire_put_u16(probe, r->keylen);
	memcpy(probe + 2, r->data, r->keylen);
	const uint8_t *p = probe;
	return bsearch(&p, b->glue_keys, b->nglue, sizeof(*b->glue_keys), glue_key_cmp) != NULL;
}

/* Checks one name's records (sorted, duplicates removed). */
static void check_node(zone_builder_t *b, rec_t **run, size_t n, cut_t *cut)
{
	const rec_t *first = run[0];
	bool apex = first->keylen == b->origin_keylen;
	const rec_t *soa = NULL, *cname = NULL, *dname = NULL, *ns = NULL;
	size_t nsoa = 0, ncname = 0, other = 0;
	for (size_t i = 0; i < n; i++) {
		const rec_t *r = run[i];
		switch (r->type) {
		case RRTYPE_SOA:
			if (nsoa++ == 0)
				soa = r;
			else if (apex)
				report(b, r, ZONE_ERROR, "more than one SOA record at the apex");
			break;
		case RRTYPE_CNAME:
			if (ncname++ == 0)
				cname = r;
			else
				report(b, r, ZONE_ERROR, "more than one CNAME record at one name");
			break;
		case RRTYPE_DNAME:
			if (dname == NULL)
				dname = r;
			other++;
			break;
		case RRTYPE_NS:
			if (ns == NULL)
				ns = r;
			other++;
			break;
		case RRTYPE_RRSIG:
		case RRTYPE_NSEC:
			break; /* may sit beside a CNAME (RFC 4035 §2.5) */
		default:
			other++;
		}
	}
	char on[NAME_TEXT_MAXLEN];
	if (apex) {
		if (soa == NULL)
			report(b, first, ZONE_ERROR, "no SOA record at the zone apex");
		if (ns == NULL)
			report(b, soa ? soa : first, ZONE_ERROR, "no NS records at the zone apex");
	} else if (soa != NULL) {
		rec_owner_text(soa, on, sizeof(on));
		report(b, soa, ZONE_ERROR, "SOA record at '%s', not at the zone apex", on);
	}
	if (cname != NULL && (other > 0 || soa != NULL)) {
		rec_owner_text(cname, on, sizeof(on));
		/* RFC 1034 §3.6.2, RFC 2181 §10.1 */
		report(b, cname, ZONE_ERROR, "CNAME and other data at '%s'", on);
	}
	if (dname != NULL && cname != NULL) {
		rec_owner_text(dname, on, sizeof(on));
		report(b, dname, ZONE_WARNING, "DNAME and CNAME at the same name '%s'", on);
	}

	/* occlusion (RFC 6672 §2.4 for DNAME; RFC 1034 §4.2.1 for cuts) */
	if (cut->keylen > 0 && !key_below(first, cut))
		cut->keylen = 0;
	if (cut->keylen > 0) {
		for (size_t i = 0; i < n; i++) {
			const rec_t *r = run[i];
			if (!cut->dname && is_glue(b, r))
				continue;
			char cn[NAME_TEXT_MAXLEN]; /* only now: glue is common */
			rec_owner_text(cut->at, cn, sizeof(cn));
			rec_owner_text(r, on, sizeof(on));
			report(b, r, ZONE_WARNING, "'%s' is occluded by the %s at '%s'", on,
			       cut->dname ? "DNAME" : "delegation", cn);
			break;
		}
		return;
	}
	if (ns != NULL || apex)
		check_glue(b, run, n);
	if ((ns != NULL && !apex) || dname != NULL) {
		memcpy(cut->key, first->data, first->keylen);
		cut->keylen = first->keylen;
		cut->dname = dname != NULL;
		cut->at = dname ? dname : ns;
	}
}

/* ---- streaming ---- */

/* The current owner's records are complete (b->pend): its node is built,
 * or, when the owner needs a remark, the streaming ends (stream_stop). */
static int stream_owner_done(zone_builder_t *b)
{
	rec_t **v = b->pend;
	size_t n = b->npend;
	sort_owner(v, n);
	for (size_t k = 0; k < n;) {
		size_t e = k + 1;
		uint32_t id = rec_rrset_id(v[k]);
		while (e < n && rec_rrset_id(v[e]) == id) {
			const rec_t *p = v[e - 1], *r = v[e];
			if (r->ttl != v[k]->ttl ||
			    (p->type == r->type && p->rdlen == r->rdlen &&
			     memcmp(p->data + p->keylen, r->data + r->keylen, r->rdlen) == 0))
				return stream_stop(b); /* TTLs to equalise, a duplicate */
			e++;
		}
		if (e - k > UINT16_MAX)
			return stream_stop(b);
		k = e;
	}
	if (n > b->rrs_cap) {
		zone_rr_data_t *nr = realloc(b->rrs, n * 2 * sizeof(*nr));
		if (nr == NULL)
			return -ENOMEM;
		b->rrs = nr;
		b->rrs_cap = n * 2;
	}
	for (size_t k = 0; k < n; k++) {
		if (v[k]->type == RRTYPE_NS &&
		    name_is_below(v[k]->data + v[k]->keylen, b->origin)) {
			if (b->nglue == b->glue_cap) {
				size_t cap = b->glue_cap ? b->glue_cap * 2 : 1024;
				uint8_t **g = realloc(b->glue_keys, cap * sizeof(*g));
				if (g == NULL)
					return -ENOMEM;
				b->glue_keys = g;
				b->glue_cap = cap;
			}
			if (add_glue_key(b, v[k]->data + v[k]->keylen) < 0)
				return -ENOMEM;
		}
		b->rrs[k].type = v[k]->type;
		b->rrs[k].ttl = v[k]->ttl;
		b->rrs[k].rdlen = v[k]->rdlen;
		b->rrs[k].rdata = v[k]->data + v[k]->keylen;
	}
	if (b->nnodes == b->nodes_cap) {
		size_t cap = b->nodes_cap ? b->nodes_cap * 2 : 4096;
		zone_node_t **nn = realloc(b->nodes, cap * sizeof(*nn));
		if (nn == NULL)
			return -ENOMEM;
		b->nodes = nn;
		b->nodes_cap = cap;
	}
	zone_node_t *node = zone_node_build(v[0]->data, v[0]->keylen, b->rrs, n, &b->nodes_arena);
	if (node == NULL)
		return -ENOMEM;
	b->nodes[b->nnodes++] = node;
	b->npend = 0;
	arena_reset(&b->pend_arena);
	return 0;
}

/* A record (no position) of node's RRset rs with rdata rd (len), from
 * arena; NULL on ENOMEM. */
static rec_t *rec_from_node(arena_t *arena, const zone_node_t *node, const zone_rrset_t *rs,
                            const uint8_t *rd, uint16_t len, size_t seq)
{
	rec_t *r = arena_alloc(arena, sizeof(rec_t) + node->keylen + len);
	if (r == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->seq = (uint32_t)seq;
	r->ttl = rs->ttl;
	r->type = rs->type;
	r->keylen = node->keylen;
	r->rdlen = len;
	memcpy(r->data, zone_node_key(node), node->keylen);
	memcpy(r->data + node->keylen, rd, len);
	return r;
}

/* Ends the streaming: the streamed nodes become records again, in their
 * order (which is their arrival order), then the current owner's. */
static int stream_stop(zone_builder_t *b)
{
	b->streaming = false;
	free(b->glue_keys); /* index_glue makes them again (their keys stay in the arena) */
	b->glue_keys = NULL;
	b->nglue = b->glue_cap = 0;
	for (size_t i = 0; i < b->nnodes; i++) {
		const zone_node_t *node = b->nodes[i];
		for (size_t s = 0; s < node->nrrsets; s++) {
			zone_rrset_t rs = zone_node_rrset_at(node, s);
			size_t pos = 0;
			const uint8_t *rd;
			uint16_t len;
			while (zone_rrset_next(&rs, &pos, &rd, &len)) {
				rec_t *r =
				    rec_from_node(&b->recs_arena, node, &rs, rd, len, b->nrecs);
				if (r == NULL)
					return -ENOMEM;
				if (push_rec(&b->recs, &b->nrecs, &b->cap, r) < 0)
					return -ENOMEM;
			}
		}
	}
	/* the current owner's, in arrival order (seq, which sorting may
	 * have changed) */
	rec_t **arrival = malloc((b->npend ? b->npend : 1) * sizeof(*arrival));
	if (arrival == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < b->npend; i++)
		arrival[b->pend[i]->seq] = b->pend[i];
	for (size_t i = 0; i < b->npend; i++) {
		const rec_t *p = arrival[i];
		size_t sz = sizeof(rec_t) + p->keylen + p->rdlen;
		rec_t *r = arena_alloc(&b->recs_arena, sz);
		if (r == NULL) {
			free(arrival);
			return -ENOMEM;
		}
		memcpy(r, p, sz);
		r->seq = (uint32_t)b->nrecs;
		if (push_rec(&b->recs, &b->nrecs, &b->cap, r) < 0) {
			free(arrival);
			return -ENOMEM;
		}
	}
	free(arrival);
	arena_free(&b->pend_arena);
	free(b->pend);
	b->pend = NULL;
	b->npend = b->pend_cap = 0;
	arena_free(&b->nodes_arena);
	free(b->nodes);
	b->nodes = NULL;
	b->nnodes = b->nodes_cap = 0;
	return 0;
}

/* Whether a node below no cut and not the apex gives check_node anything
 * to do: only SOA, CNAME, DNAME and NS records can. */
static bool node_needs_check(const zone_node_t *node)
{
	for (size_t s = 0; s < node->nrrsets; s++) {
		uint16_t t = zone_node_rrset_at(node, s).type;
		if (t == RRTYPE_SOA || t == RRTYPE_CNAME || t == RRTYPE_DNAME || t == RRTYPE_NS)
			return true;
	}
	return false;
}

/* finish for a stream: the checks, node by node, on records made from
 * each node (as the ordinary path sees them), then the version. */
static int stream_finish(zone_builder_t *b, zone_t **out)
{
	/* the glue keys were collected as the nodes were made */
	if (b->glue_keys == NULL && (b->glue_keys = malloc(sizeof(*b->glue_keys))) == NULL)
		return -ENOMEM;
	qsort(b->glue_keys, b->nglue, sizeof(*b->glue_keys), glue_key_cmp);
	arena_t scratch;
	arena_init(&scratch, 64u << 10);
	rec_t **run = NULL, *cut_rec = NULL;
	size_t run_cap = 0;
	cut_t cut = {.keylen = 0};
	bool apex_seen = false;
	int rc = 0;
	for (size_t i = 0; i < b->nnodes && rc == 0; i++) {
		const zone_node_t *node = b->nodes[i];
		if (i + 4 < b->nnodes)
			__builtin_prefetch(b->nodes[i + 4]);
		if (cut.keylen > 0 && !(node->keylen > cut.keylen &&
		                        memcmp(zone_node_key(node), cut.key, cut.keylen) == 0))
			cut.keylen = 0; /* as check_node would */
		if (cut.keylen == 0 && node->keylen != b->origin_keylen && !node_needs_check(node))
			continue; /* check_node would neither report nor start a cut */
		size_t n = 0;
		for (size_t s = 0; s < node->nrrsets && rc == 0; s++) {
			zone_rrset_t rs = zone_node_rrset_at(node, s);
			size_t pos = 0;
			const uint8_t *rd;
			uint16_t len;
			while (rc == 0 && zone_rrset_next(&rs, &pos, &rd, &len)) {
				rec_t *r = rec_from_node(&scratch, node, &rs, rd, len, n);
				if (r == NULL) {
					rc = -ENOMEM;
					break;
				}
				if (n == run_cap) {
					rec_t **nr = realloc(run, (run_cap * 2 + 16) * sizeof(*nr));
					if (nr == NULL) {
						rc = -ENOMEM;
						break;
					}
					run = nr;
					run_cap = run_cap * 2 + 16;
				}
				run[n++] = r;
			}
		}
		if (rc < 0)
			break;
		if (node->keylen == b->origin_keylen)
			apex_seen = true;
		b->check_at = i;
		check_node(b, run, n, &cut);
		if (cut.keylen == node->keylen && cut.keylen > 0) {
			/* a cut at this node: its record outlives the scratch */
			size_t sz = sizeof(rec_t) + cut.at->keylen + cut.at->rdlen;
			rec_t *c = realloc(cut_rec, sz);
			if (c == NULL) {
				rc = -ENOMEM;
				break;
			}
			memcpy(c, cut.at, sz);
			cut_rec = c;
			cut.at = c;
		}
		arena_reset(&scratch);
	}
	arena_free(&scratch);
	free(run);
	free(cut_rec);
	if (rc < 0)
		return rc;
	if (!apex_seen)
		report(b, NULL, ZONE_ERROR, "no SOA record at the zone apex");
	free(b->glue_keys);
	b->glue_keys = NULL;
	b->nglue = 0;
	arena_free(&b->recs_arena);
	arena_free(&b->pend_arena);
	if (b->errors > 0)
		return ERR_SEMANTIC;
	*out = zone_from_sorted(b->origin, b->nodes, b->nnodes, &b->nodes_arena);
	return *out == NULL ? -ENOMEM : 0;
}

/* ---- build ---- */

int zone_builder_finish(zone_builder_t *b, zone_t **out)
{
	*out = NULL;
	if (b->spent)
		return ERR_INVAL;
	b->spent = true;
	if (b->streaming && b->npend > 0) {
		int rc = stream_owner_done(b);
		if (rc < 0)
			return rc;
	}
	if (b->streaming)
		return stream_finish(b, out);
	if (make_groups(b) < 0 || index_glue(b) < 0)
		return -ENOMEM;

	arena_t nodes_arena;
	arena_init(&nodes_arena, 4u << 20);
	zone_node_t **nodes = NULL;
	size_t nnodes = 0, nodes_cap = 0;
	zone_rr_data_t *rrs = NULL;
	rec_t **run = NULL, **owner = NULL;
	size_t rrs_cap = 0;
	cut_t cut = {.keylen = 0};
	bool apex_seen = false;
	int rc = 0;

	for (size_t i = 0; i < b->ngroups;) {
		/* records sit in arrival order: fetch those of later owners
		 * while this one is worked on */
		if (i + 8 < b->ngroups) {
			const rec_t *ahead = b->groups[i + 8].recs[0];
			__builtin_prefetch(ahead);
			__builtin_prefetch((const char *)ahead + 64);
		}
		/* the groups of one owner: usually just one */
		size_t j = i + 1, total = b->groups[i].count;
		while (j < b->ngroups && key_cmp(b->groups[i].recs[0], b->groups[j].recs[0]) == 0)
			total += b->groups[j++].count;
		if (total > rrs_cap) {
			size_t cap = total * 2;
			zone_rr_data_t *nr = realloc(rrs, cap * sizeof(*nr));
			rec_t **nu = realloc(run, cap * sizeof(*nu));
			rec_t **no = realloc(owner, cap * sizeof(*no));
			if (nr)
				rrs = nr;
			if (nu)
				run = nu;
			if (no)
				owner = no;
			if (!nr || !nu || !no) {
				rc = -ENOMEM;
				goto out;
			}
			rrs_cap = cap;
		}
		size_t no = 0;
		for (size_t g = i; g < j; g++)
			for (size_t k = 0; k < b->groups[g].count; k++)
				owner[no++] = b->groups[g].recs[k];
		sort_owner(owner, no);
		/* drop duplicates, equalise TTLs to the first in the file */
		size_t n = 0;
		bool too_big = false;
		for (size_t k = 0; k < no; k++) {
			rec_t *r = owner[k];
			if (n > 0) {
				const rec_t *p = run[n - 1];
				if (p->type == r->type && p->rdlen == r->rdlen &&
				    memcmp(p->data + p->keylen, r->data + r->keylen, r->rdlen) == 0) {
					b->dups++;
					report(b, r, ZONE_WARNING, "duplicate record dropped");
					continue;
				}
			}
			run[n++] = r;
		}
		for (size_t k = 0; k < n;) {
			size_t e = k + 1;
			const rec_t *oldest = run[k];
			uint32_t id = rec_rrset_id(run[k]);
			while (e < n && rec_rrset_id(run[e]) == id) {
				if (run[e]->seq < oldest->seq)
					oldest = run[e];
				e++;
			}
			for (size_t m = k; m < e; m++) {
				rec_t *r = run[m];
				if (r->ttl != oldest->ttl) {
					char tn[RRTYPE_TEXT_MAXLEN];
					rrtype_to_text(r->type, tn, sizeof(tn));
					report(b, r, ZONE_WARNING,
					       "TTL %u of this %s record differs from the RRset's TTL %u; using %u",
					       r->ttl, tn, oldest->ttl, oldest->ttl);
					r->ttl = oldest->ttl;
					b->ttl_fixed++;
				}
			}
			if (e - k > UINT16_MAX) {
				/* a node stores counts in 16 bits, as messages do */
				report(b, run[k], ZONE_ERROR, "RRset of more than %u records",
				       UINT16_MAX);
				too_big = true;
			}
			k = e;
		}
		if (run[0]->keylen == b->origin_keylen)
			apex_seen = true;
		check_node(b, run, n, &cut);
		for (size_t k = 0; k < n; k++) {
			rrs[k].type = run[k]->type;
			rrs[k].ttl = run[k]->ttl;
			rrs[k].rdlen = run[k]->rdlen;
			rrs[k].rdata = run[k]->data + run[k]->keylen;
		}
		if (nnodes == nodes_cap) {
			size_t cap = nodes_cap ? nodes_cap * 2 : 4096;
			zone_node_t **nn = realloc(nodes, cap * sizeof(*nn));
			if (nn == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			nodes = nn;
			nodes_cap = cap;
		}
		if (too_big) { /* reported; the zone will not be made */
			i = j;
			continue;
		}
		nodes[nnodes] = zone_node_build(run[0]->data, run[0]->keylen, rrs, n, &nodes_arena);
		if (nodes[nnodes] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		nnodes++;
		i = j;
	}
	if (!apex_seen)
		report(b, NULL, ZONE_ERROR, "no SOA record at the zone apex");

	/* the records are no longer needed: give their memory back first */
	arena_free(&b->recs_arena);
	free(b->recs);
	free(b->glue_keys);
	free(b->groups);
	b->recs = NULL;
	b->glue_keys = NULL;
	b->groups = NULL;
	b->nrecs = b->cap = b->nglue = b->ngroups = 0;
	if (b->errors == 0) {
		*out = zone_from_sorted(b->origin, nodes, nnodes, &nodes_arena);
		if (*out == NULL)
			rc = -ENOMEM;
	}
out:
	arena_free(&nodes_arena);
	free(nodes);
	free(rrs);
	free(run);
	free(owner);
	if (rc == 0 && b->errors > 0)
		rc = ERR_SEMANTIC;
	return rc;
}
