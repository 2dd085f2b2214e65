#include "zone/changeset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dns/wire.h"

void changeset_init(changeset_t *cs)
{
	memset(cs, 0, sizeof(*cs));
	arena_init(&cs->arena, 64u << 10);
}

void changeset_free(changeset_t *cs)
{
	arena_free(&cs->arena);
	free(cs->removed);
	free(cs->added);
	memset(cs, 0, sizeof(*cs));
}

static int make_rr(changeset_t *cs, changeset_rr_t *rr, const uint8_t *owner, uint16_t type,
		   uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	if (rdlen > RDATA_MAXLEN)
		return ERR_INVAL;
	uint8_t *o = arena_dup(&cs->arena, owner, name_length(owner));
	uint8_t *r = arena_dup(&cs->arena, rdata, rdlen);
	if (o == NULL || r == NULL)
		return -ENOMEM;
	name_to_lower(o);
	rdata_canonicalize(type, r, rdlen);
	rr->owner = o;
	rr->type = type;
	rr->ttl = ttl;
	rr->rdlen = (uint16_t)rdlen;
	rr->rdata = r;
	return 0;
}

static int push(changeset_t *cs, changeset_rr_t **list, size_t *n, size_t *cap,
		const uint8_t *owner, uint16_t type, uint32_t ttl, const uint8_t *rdata,
		size_t rdlen)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		changeset_rr_t *l = realloc(*list, c * sizeof(*l));
		if (l == NULL)
			return -ENOMEM;
		*list = l;
		*cap = c;
	}
	int rc = make_rr(cs, &(*list)[*n], owner, type, ttl, rdata, rdlen);
	if (rc == 0)
		(*n)++;
	return rc;
}

int changeset_remove(changeset_t *cs, const uint8_t *owner, uint16_t type, uint32_t ttl,
		     const uint8_t *rdata, size_t rdlen)
{
	if (type == RRTYPE_SOA)
		return make_rr(cs, &cs->soa_from, owner, type, ttl, rdata, rdlen);
	return push(cs, &cs->removed, &cs->nremoved, &cs->cap_removed, owner, type, ttl, rdata,
		    rdlen);
}

int changeset_add(changeset_t *cs, const uint8_t *owner, uint16_t type, uint32_t ttl,
		  const uint8_t *rdata, size_t rdlen)
{
	if (type == RRTYPE_SOA)
		return make_rr(cs, &cs->soa_to, owner, type, ttl, rdata, rdlen);
	return push(cs, &cs->added, &cs->nadded, &cs->cap_added, owner, type, ttl, rdata,
		    rdlen);
}

static bool rr_equal(const changeset_rr_t *a, const changeset_rr_t *b)
{
	if (a->owner == NULL || b->owner == NULL)
		return a->owner == b->owner;
	return name_equal(a->owner, b->owner) && a->type == b->type && a->ttl == b->ttl &&
	       a->rdlen == b->rdlen && memcmp(a->rdata, b->rdata, a->rdlen) == 0;
}

bool changeset_empty(const changeset_t *cs)
{
	return cs->nremoved == 0 && cs->nadded == 0 && rr_equal(&cs->soa_from, &cs->soa_to);
}

/* ---- diff ---- */

bool changeset_zone_soa(const zone_t *z, uint32_t *ttl, const uint8_t **rd, uint16_t *rdlen)
{
	const zone_node_t *apex = zone_find(z, z->origin);
	zone_rrset_t soa;
	size_t pos = 0;
	if (apex == NULL || !zone_node_rrset(apex, RRTYPE_SOA, &soa) ||
	    !zone_rrset_next(&soa, &pos, rd, rdlen))
		return false;
	*ttl = soa.ttl;
	return true;
}

static int node_keycmp(const zone_node_t *a, const zone_node_t *b)
{
	size_t m = a->keylen < b->keylen ? a->keylen : b->keylen;
	int c = memcmp(zone_node_key(a), zone_node_key(b), m);
	return c ? c : (int)a->keylen - (int)b->keylen;
}

/* All RRs of rs, removed (add false) or added. */
static int emit_rrset(changeset_t *cs, const uint8_t *owner, const zone_rrset_t *rs, bool add)
{
	size_t pos = 0;
	const uint8_t *rd;
	uint16_t len;
	while (zone_rrset_next(rs, &pos, &rd, &len)) {
		int rc = add ? changeset_add(cs, owner, rs->type, rs->ttl, rd, len)
			     : changeset_remove(cs, owner, rs->type, rs->ttl, rd, len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int diff_rrset(changeset_t *cs, const uint8_t *owner, const zone_rrset_t *a,
		      const zone_rrset_t *b)
{
	if (a->ttl != b->ttl || a->type == RRTYPE_SOA) {
		int rc = emit_rrset(cs, owner, a, false);
		return rc < 0 ? rc : emit_rrset(cs, owner, b, true);
	}
	size_t pa = 0, pb = 0;
	const uint8_t *ra = NULL, *rb = NULL;
	uint16_t la = 0, lb = 0;
	bool ha = zone_rrset_next(a, &pa, &ra, &la), hb = zone_rrset_next(b, &pb, &rb, &lb);
	while (ha || hb) {
		int c = !ha ? 1 : !hb ? -1 : rdata_compare(ra, la, rb, lb);
		int rc = 0;
		if (c < 0)
			rc = changeset_remove(cs, owner, a->type, a->ttl, ra, la);
		else if (c > 0)
			rc = changeset_add(cs, owner, b->type, b->ttl, rb, lb);
		if (rc < 0)
			return rc;
		if (c <= 0)
			ha = zone_rrset_next(a, &pa, &ra, &la);
		if (c >= 0)
			hb = zone_rrset_next(b, &pb, &rb, &lb);
	}
	return 0;
}

static uint32_t rrset_id(const zone_rrset_t *rs)
{
	return zone_rrset_id(rs->type, rs->rdata + 2, wire_get_u16(rs->rdata));
}

static int diff_node(changeset_t *cs, const zone_node_t *a, const zone_node_t *b)
{
	uint8_t owner[NAME_MAXLEN];
	int rc = zone_node_owner(a ? a : b, owner);
	if (rc < 0)
		return rc;
	size_t ia = 0, ib = 0, na = a ? a->nrrsets : 0, nb = b ? b->nrrsets : 0;
	while (ia < na || ib < nb) {
		zone_rrset_t ra, rb;
		if (ia < na)
			ra = zone_node_rrset_at(a, ia);
		if (ib < nb)
			rb = zone_node_rrset_at(b, ib);
		int c = ia >= na   ? 1
			: ib >= nb ? -1
				   : (rrset_id(&ra) > rrset_id(&rb)) - (rrset_id(&ra) < rrset_id(&rb));
		if (c < 0)
			rc = emit_rrset(cs, owner, &ra, false);
		else if (c > 0)
			rc = emit_rrset(cs, owner, &rb, true);
		else
			rc = diff_rrset(cs, owner, &ra, &rb);
		if (rc < 0)
			return rc;
		if (c <= 0)
			ia++;
		if (c >= 0)
			ib++;
	}
	return 0;
}

int changeset_diff(const zone_t *old, const zone_t *new, changeset_t *cs)
{
	zone_iter_t ia, ib;
	zone_iter_init(&ia, old);
	zone_iter_init(&ib, new);
	const zone_node_t *a = zone_iter_next(&ia), *b = zone_iter_next(&ib);
	int rc = 0;
	while (rc == 0 && (a != NULL || b != NULL)) {
		int c = a == NULL ? 1 : b == NULL ? -1 : node_keycmp(a, b);
		/* identical shared nodes (a version made by apply) skip fast */
		if (c == 0 && a == b) {
			a = zone_iter_next(&ia);
			b = zone_iter_next(&ib);
			continue;
		}
		rc = diff_node(cs, c <= 0 ? a : NULL, c >= 0 ? b : NULL);
		if (c <= 0)
			a = zone_iter_next(&ia);
		if (c >= 0)
			b = zone_iter_next(&ib);
	}
	if (rc == 0 && (ia.err || ib.err))
		rc = -ENOMEM;
	zone_iter_free(&ia);
	zone_iter_free(&ib);
	if (rc == 0 && cs->soa_from.owner == NULL) {
		/* SOAs equal: diff_rrset did not run for them */
		const zone_node_t *apex = zone_find(old, old->origin);
		zone_rrset_t soa;
		if (apex && zone_node_rrset(apex, RRTYPE_SOA, &soa)) {
			rc = emit_rrset(cs, old->origin, &soa, false);
			if (rc == 0)
				rc = emit_rrset(cs, old->origin, &soa, true);
		}
	}
	return rc;
}

/* ---- apply ---- */

typedef struct {
	const changeset_rr_t *rr;
	uint8_t key[NAME_KEY_MAXLEN];
	size_t keylen;
	bool add;
} change_t;

static int change_cmp(const void *pa, const void *pb)
{
	const change_t *a = *(change_t *const *)pa, *b = *(change_t *const *)pb;
	size_t m = a->keylen < b->keylen ? a->keylen : b->keylen;
	int c = memcmp(a->key, b->key, m);
	if (c == 0)
		c = (int)a->keylen - (int)b->keylen;
	if (c == 0)
		c = (int)a->add - (int)b->add; /* removals first */
	return c;
}

typedef struct {
	zone_rr_data_t d;
	bool gone;
} work_t;

static int work_cmp(const void *pa, const void *pb)
{
	const zone_rr_data_t *a = pa, *b = pb;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return rdata_compare(a->rdata, a->rdlen, b->rdata, b->rdlen);
}

static work_t *work_find(work_t *w, size_t n, const changeset_rr_t *rr)
{
	for (size_t i = 0; i < n; i++)
		if (!w[i].gone && w[i].d.type == rr->type && w[i].d.rdlen == rr->rdlen &&
		    memcmp(w[i].d.rdata, rr->rdata, rr->rdlen) == 0)
			return &w[i];
	return NULL;
}

/* Applies changes ch[0..n) (one owner) to the draft. */
static int apply_owner(zone_t *draft, change_t **ch, size_t n)
{
	const zone_node_t *old = zone_find_key(draft, ch[0]->key, ch[0]->keylen);
	size_t have = 0;
	for (size_t i = 0; old && i < old->nrrsets; i++)
		have += zone_node_rrset_at(old, i).count;
	work_t *w = malloc((have + n) * sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	size_t nw = 0;
	for (size_t i = 0; old && i < old->nrrsets; i++) {
		zone_rrset_t rs = zone_node_rrset_at(old, i);
		size_t pos = 0;
		const uint8_t *rd;
		uint16_t len;
		while (zone_rrset_next(&rs, &pos, &rd, &len))
			w[nw++] = (work_t){{rs.type, rs.ttl, len, rd}, false};
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const changeset_rr_t *rr = ch[i]->rr;
		work_t *hit = work_find(w, nw, rr);
		if (!ch[i]->add) {
			if (hit == NULL)
				rc = ERR_NOTFOUND;
			else
				hit->gone = true;
			continue;
		}
		if (hit != NULL) {
			rc = ERR_EXISTS;
			continue;
		}
		uint32_t id = zone_rrset_id(rr->type, rr->rdata, rr->rdlen);
		for (size_t k = 0; k < nw; k++)
			if (zone_rrset_id(w[k].d.type, w[k].d.rdata, w[k].d.rdlen) == id)
				w[k].d.ttl = rr->ttl;
		w[nw++] = (work_t){{rr->type, rr->ttl, rr->rdlen, rr->rdata}, false};
	}
	if (rc == 0) {
		size_t m = 0;
		zone_rr_data_t *d = (zone_rr_data_t *)w; /* compact in place */
		for (size_t k = 0; k < nw; k++) {
			if (w[k].gone)
				continue;
			/* d[m] and w[k] may overlap (m <= k, smaller
			 * elements): copy through a temporary */
			zone_rr_data_t t = w[k].d;
			d[m++] = t;
		}
		qsort(d, m, sizeof(*d), work_cmp);
		zone_node_t *node = NULL;
		if (m > 0) {
			node = zone_node_build(ch[0]->key, ch[0]->keylen, d, m, NULL);
			if (node == NULL)
				rc = -ENOMEM;
		}
		if (rc == 0)
			rc = zone_set_node(draft, ch[0]->key, ch[0]->keylen, node);
	}
	free(w);
	return rc;
}

int changeset_apply(const zone_t *z, const changeset_t *cs, zone_t **out)
{
	*out = NULL;
	size_t n = cs->nremoved + cs->nadded + 2;
	change_t *all = malloc(n * sizeof(*all));
	change_t **order = malloc(n * sizeof(*order));
	zone_t *draft = zone_clone(z);
	int rc = 0;
	if (all == NULL || order == NULL || draft == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	size_t k = 0;
	/* the SOA swap is a removal and an addition like any other */
	const changeset_rr_t *soas[2] = {&cs->soa_from, &cs->soa_to};
	for (int i = 0; i < 2; i++) {
		if (soas[i]->owner == NULL || rr_equal(&cs->soa_from, &cs->soa_to))
			continue;
		all[k] = (change_t){.rr = soas[i], .add = i == 1};
		k++;
	}
	for (size_t i = 0; i < cs->nremoved; i++)
		all[k++] = (change_t){.rr = &cs->removed[i], .add = false};
	for (size_t i = 0; i < cs->nadded; i++)
		all[k++] = (change_t){.rr = &cs->added[i], .add = true};
	for (size_t i = 0; i < k; i++) {
		all[i].keylen = name_to_key(all[i].rr->owner, all[i].key);
		order[i] = &all[i];
	}
	qsort(order, k, sizeof(*order), change_cmp);
	for (size_t i = 0; i < k && rc == 0;) {
		size_t j = i + 1;
		while (j < k && order[j]->keylen == order[i]->keylen &&
		       memcmp(order[j]->key, order[i]->key, order[i]->keylen) == 0)
			j++;
		rc = apply_owner(draft, order + i, j - i);
		i = j;
	}
out:
	free(all);
	free(order);
	if (rc == 0)
		*out = draft;
	else
		zone_free(draft);
	return rc;
}
