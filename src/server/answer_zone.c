/*
 * The lookup of RFC 1034 §4.3.2 in one zone: walk down from the apex to
 * the query name looking for a zone cut (referral) or a DNAME (RFC 6672),
 * then the exact match, a CNAME to follow, a wildcard (RFC 4592), or the
 * negative answers of RFC 2308.  Additional-section processing (RFC 1034
 * §4.3.2 step 6) adds in-zone A/AAAA for NS, MX and SRV targets.
 *
 * Every lookup is a descent of the zone's treap by a prefix of one key
 * computed once per name (ans_name_init): the key of an ancestor is a
 * prefix of the key of its descendants.
 */
#include <string.h>

#include "common/err.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "server/answer_int.h"

void ans_name_init(ans_name_t *nm, const uint8_t *name)
{
	nm->name = name;
	int n = 0;
	size_t p = 0;
	while (name[p] != 0) {
		nm->woff[n++] = (uint8_t)p;
		p += (size_t)name[p] + 1;
	}
	nm->woff[n] = (uint8_t)p;
	nm->nlabels = n;
	nm->keylen = name_to_key(name, nm->key);
	/* each label of the key ends with the only 0x00 octets it has */
	int j = 0;
	nm->kend[0] = 0;
	for (size_t i = 0; i < nm->keylen; i++)
		if (nm->key[i] == 0)
			nm->kend[++j] = (uint16_t)(i + 1);
}

/* The ancestor-or-self of nm with j labels, as a wire name (a suffix). */
static inline const uint8_t *suffix(const ans_name_t *nm, int j)
{
	return nm->name + nm->woff[nm->nlabels - j];
}

bool ans_rrsig_of(const zone_node_t *n, uint16_t type, zone_rrset_t *out)
{
	for (size_t i = 0; i < n->nrrsets; i++) {
		zone_rrset_t rs = zone_node_rrset_at(n, i);
		if (rs.type < RRTYPE_RRSIG)
			continue;
		if (rs.type > RRTYPE_RRSIG)
			return false;
		if (rs.count > 0 && wire_get_u16(rs.rdata + 2) == type) {
			*out = rs;
			return true;
		}
	}
	return false;
}

static int put_rrs(ans_t *a, int sec, const uint8_t *owner, const zone_rrset_t *rs,
		   uint32_t ttl_cap)
{
	uint32_t ttl = rs->ttl < ttl_cap ? rs->ttl : ttl_cap;
	size_t pos = 0;
	const uint8_t *rd;
	uint16_t len;
	while (zone_rrset_next(rs, &pos, &rd, &len)) {
		int rc = msg_build_rr(&a->b, sec, owner, rs->type, RRCLASS_IN, ttl, rd, len);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int ans_put_rrset(ans_t *a, int sec, const uint8_t *owner, const zone_node_t *n,
		  const zone_rrset_t *rs, uint32_t ttl_cap, bool required)
{
	if (a->tc)
		return ERR_SPACE;
	msg_mark_t mark;
	msg_build_mark(&a->b, &mark);
	int rc = put_rrs(a, sec, owner, rs, ttl_cap);
	zone_rrset_t sig;
	/* RFC 4035 §3.1.1: with DO, each RRset with its RRSIGs, and only
	 * whole: an RRset without its signature is of no use to a validator */
	if (rc == 0 && a->dnssec && rs->type != RRTYPE_RRSIG && ans_rrsig_of(n, rs->type, &sig))
		rc = put_rrs(a, sec, owner, &sig, ttl_cap);
	if (rc == 0)
		return 0;
	if (required) {
		/* RFC 2181 §9: a required RRset that does not fit: TC */
		msg_build_truncate(&a->b, &mark);
		a->tc = true;
	} else {
		msg_build_rollback(&a->b, &mark);
	}
	return ERR_SPACE;
}

void ans_flush_wild(ans_t *a)
{
	for (size_t i = 0; i < a->nwild; i++) {
		ans_name_t nm;
		ans_name_init(&nm, a->wild[i].name);
		ans_proof_wild_answer(a, &nm, a->wild[i].ce);
	}
	a->nwild = 0;
}

void ans_put_soa_neg(ans_t *a)
{
	ans_flush_wild(a);
	zone_rrset_t soa;
	if (!zone_node_rrset(a->apex, RRTYPE_SOA, &soa))
		return;
	/* RFC 2308 §3: the negative TTL is min(SOA TTL, SOA MINIMUM) */
	const uint8_t *rd;
	uint16_t len;
	size_t pos = 0;
	uint32_t cap = UINT32_MAX;
	if (zone_rrset_next(&soa, &pos, &rd, &len) && len >= 20)
		cap = wire_get_u32(rd + len - 4);
	ans_put_rrset(a, MSG_SEC_AUTHORITY, a->z->origin, a->apex, &soa, cap, true);
}

/* ---- additional section (RFC 1034 §4.3.2 step 6, RFC 2782) */

static const uint8_t *rdata_target(uint16_t type, const uint8_t *rd, uint16_t len)
{
	switch (type) {
	case RRTYPE_NS:
		return rd;
	case RRTYPE_MX:
		return len > 2 ? rd + 2 : NULL;
	case RRTYPE_SRV:
		return len > 6 ? rd + 6 : NULL;
	default:
		return NULL;
	}
}

static bool addl_seen(ans_t *a, const zone_node_t *n)
{
	for (size_t i = 0; i < a->naddl; i++)
		if (a->addl[i] == n)
			return true;
	if (a->naddl < ANS_ADDL_MAX)
		a->addl[a->naddl++] = n;
	return false;
}

/* A and AAAA of the in-zone targets of rs: first the A of every target,
 * then the AAAA, as Knot and NSD order them, so that when space runs out
 * every server keeps at least one address.  glue_below: the targets at or
 * below this name are glue that must fit (RFC 9471 §3: in-domain glue of
 * a referral), others are optional (RFC 2181 §9). */
static void put_additional(ans_t *a, const zone_rrset_t *rs, const uint8_t *glue_below)
{
	ans_flush_wild(a);
	const uint8_t *target[ANS_ADDL_MAX];
	const zone_node_t *node[ANS_ADDL_MAX];
	size_t nt = 0;
	size_t pos = 0;
	const uint8_t *rd;
	uint16_t len;
	while (nt < ANS_ADDL_MAX && zone_rrset_next(rs, &pos, &rd, &len)) {
		const uint8_t *t = rdata_target(rs->type, rd, len);
		if (t == NULL || !name_is_below(t, a->z->origin))
			continue;
		const zone_node_t *n = zone_find(a->z, t);
		if (n == NULL || addl_seen(a, n))
			continue;
		target[nt] = t;
		node[nt++] = n;
	}
	static const uint16_t types[2] = {RRTYPE_A, RRTYPE_AAAA};
	for (int i = 0; i < 2; i++) {
		for (size_t k = 0; k < nt && !a->tc; k++) {
			zone_rrset_t ad;
			bool req = glue_below != NULL && name_is_below(target[k], glue_below);
			if (zone_node_rrset(node[k], types[i], &ad))
				ans_put_rrset(a, MSG_SEC_ADDITIONAL, target[k], node[k], &ad,
					      UINT32_MAX, req);
		}
	}
}

/* ---- the walk */

typedef enum {
	L_FOUND, /* the name has a node */
	L_ENT,   /* the name is an empty non-terminal */
	L_CUT,   /* a zone cut at or above the name: node, depth */
	L_DNAME, /* a DNAME above the name: node, depth */
	L_NX,    /* no such name; depth = closest encloser */
} lookup_kind_t;

typedef struct {
	lookup_kind_t kind;
	const zone_node_t *node;
	int depth; /* labels of node (CUT, DNAME) or of the closest encloser (NX) */
} lookup_t;

/* A node of NSEC3 records alone (and their RRSIGs) is not a name of the
 * zone's namespace (RFC 5155 §7.2.8 via §7.1: hashed owners are not
 * answered as names); Knot and NSD answer NXDOMAIN there. */
static bool nsec3_only(const zone_node_t *n)
{
	for (size_t i = 0; i < n->nrrsets; i++) {
		zone_rrset_t rs = zone_node_rrset_at(n, i);
		if (rs.type == RRTYPE_NSEC3)
			continue;
		if (rs.type == RRTYPE_RRSIG && rs.count > 0 &&
		    wire_get_u16(rs.rdata + 2) == RRTYPE_NSEC3)
			continue;
		return false;
	}
	return n->nrrsets > 0;
}

/* RFC 1034 §4.3.2 steps 2-3, walking down from the apex.  A node with NS
 * below the apex is a cut (RFC 1034 §4.2.1), except for DS at the cut
 * itself, which is the parent's (RFC 4035 §3.1.4.1). */
static lookup_t lookup(const ans_t *a, const ans_name_t *nm)
{
	const zone_t *z = a->z;
	lookup_t r = {L_NX, NULL, a->zlabels};
	/* The name's own node, looked up when a name above it is missing:
	 * if the name has a node, every missing name above it is an empty
	 * non-terminal, known without the ordered (treap) search below. */
	const zone_node_t *full = NULL;
	bool have_full = false;
	for (int j = a->zlabels; j <= nm->nlabels; j++) {
		/* the apex node is known: one lookup fewer per query */
		const zone_node_t *n;
		if (j == a->zlabels)
			n = a->apex;
		else if (j == nm->nlabels && have_full)
			n = full;
		else
			n = zone_find_key(z, nm->key, nm->kend[j]);
		if (n == NULL && j < nm->nlabels) {
			if (!have_full) {
				full = zone_find_key(z, nm->key, nm->keylen);
				have_full = true;
			}
			if (full != NULL)
				continue; /* an empty non-terminal above the name's node */
		}
		if (n != NULL && j > a->zlabels && nsec3_only(n)) {
			/* hashed owners have no children either */
			r.kind = L_NX;
			r.depth = j - 1;
			return r;
		}
		if (n == NULL) {
			/* an empty non-terminal has a descendant whose key
			 * extends its own (RFC 4592 §2.2.2); the zone's filter
			 * rules most names out without the ordered search */
			const zone_node_t *ge = zone_may_be_ent(z, nm->key, nm->kend[j])
							? zone_find_ge(z, nm->key, nm->kend[j])
							: NULL;
			if (ge != NULL && ge->keylen > nm->kend[j] &&
			    memcmp(ge->data, nm->key, nm->kend[j]) == 0) {
				if (j == nm->nlabels) {
					r.kind = L_ENT;
					r.node = NULL;
					r.depth = j;
					return r;
				}
				continue;
			}
			r.kind = L_NX;
			r.depth = j - 1;
			return r;
		}
		zone_rrset_t rs;
		if (j > a->zlabels && zone_node_rrset(n, RRTYPE_NS, &rs) &&
		    !(j == nm->nlabels && a->qtype == RRTYPE_DS)) {
			r.kind = L_CUT;
			r.node = n;
			r.depth = j;
			return r;
		}
		if (j < nm->nlabels && zone_node_rrset(n, RRTYPE_DNAME, &rs)) {
			r.kind = L_DNAME;
			r.node = n;
			r.depth = j;
			return r;
		}
		if (j == nm->nlabels) {
			r.kind = L_FOUND;
			r.node = n;
			r.depth = j;
			return r;
		}
	}
	return r; /* not reached: the name is at or below the origin */
}

/* RFC 1034 §4.3.2 step 3b: NS of the cut in authority, glue in
 * additional, no AA when nothing above it is ours to answer. */
static void referral(ans_t *a, const ans_name_t *nm, const lookup_t *l, bool first)
{
	const uint8_t *owner = suffix(nm, l->depth);
	zone_rrset_t ns;
	if (!zone_node_rrset(l->node, RRTYPE_NS, &ns))
		return;
	if (first)
		msg_build_set_flags(&a->b, msg_build_flags(&a->b) & (uint16_t)~MSG_FLAG_AA);
	ans_flush_wild(a);
	if (ans_put_rrset(a, MSG_SEC_AUTHORITY, owner, l->node, &ns, UINT32_MAX, true) != 0)
		return;
	if (a->dnssec)
		ans_proof_referral(a, owner, l->node);
	put_additional(a, &ns, owner);
}

/* The RRset ANY returns (RFC 8482 §4.1): the first of the node, as Knot
 * does (NSD prefers the SOA at the apex). */
static bool any_rrset(const zone_node_t *n, uint16_t skip, zone_rrset_t *out)
{
	for (size_t i = 0; i < n->nrrsets; i++) {
		zone_rrset_t rs = zone_node_rrset_at(n, i);
		if (rs.type != skip) {
			*out = rs;
			return true;
		}
	}
	return false;
}

static bool chain_seen(const uint8_t *const *seen, int n, const uint8_t *name)
{
	for (int i = 0; i < n; i++)
		if (name_equal(seen[i], name))
			return true;
	return false;
}

/* The CNAME synthesized from a DNAME (RFC 6672 §2.2): the labels of cur
 * below the DNAME owner (depth labels), then the DNAME target.  false if
 * the result is longer than 255 octets. */
static bool dname_subst(const ans_name_t *nm, int depth, const uint8_t *target, uint8_t *out,
			size_t *outlen)
{
	size_t pre = nm->woff[nm->nlabels - depth];
	size_t tl = name_length(target);
	if (pre + tl > NAME_MAXLEN)
		return false;
	memcpy(out, nm->name, pre);
	memcpy(out + pre, target, tl);
	*outlen = pre + tl;
	return true;
}

static void zone_chain(ans_t *a, const uint8_t *qname)
{
	const uint8_t *seen[ANS_CHAIN_MAX + 1];
	int nseen = 0;
	uint8_t synth[ANS_CHAIN_MAX + 1][NAME_MAXLEN]; /* DNAME results */
	int nsynth = 0;
	const uint8_t *cur = qname;
	ans_name_t nm;

	for (int step = 0; step <= ANS_CHAIN_MAX && !a->tc; step++) {
		seen[nseen++] = cur;
		ans_name_init(&nm, cur);
		lookup_t l = lookup(a, &nm);
		const zone_node_t *n = l.node;
		bool wild = false;
		zone_rrset_t rs;

		if (l.kind == L_CUT) {
			referral(a, &nm, &l, step == 0);
			return;
		}
		if (l.kind == L_DNAME) {
			/* RFC 6672 §3.1: the DNAME, a CNAME synthesized from it
			 * with its TTL, then on with the new name */
			zone_rrset_t dn;
			zone_node_rrset(n, RRTYPE_DNAME, &dn);
			if (ans_put_rrset(a, MSG_SEC_ANSWER, suffix(&nm, l.depth), n, &dn, UINT32_MAX,
					  true) != 0)
				return;
			const uint8_t *rd;
			uint16_t len;
			size_t pos = 0;
			zone_rrset_next(&dn, &pos, &rd, &len);
			uint8_t *next = synth[nsynth++];
			size_t nl;
			if (!dname_subst(&nm, l.depth, rd, next, &nl)) {
				/* RFC 6672 §2.2: the name would be too long */
				a->rcode = MSG_RCODE_YXDOMAIN;
				return;
			}
			if (msg_build_rr(&a->b, MSG_SEC_ANSWER, cur, RRTYPE_CNAME, RRCLASS_IN, dn.ttl,
					 next, nl) != 0) {
				msg_build_set_flags(&a->b, msg_build_flags(&a->b) | MSG_FLAG_TC);
				a->tc = true;
				return;
			}
			if (chain_seen(seen, nseen, next) || !name_is_below(next, a->z->origin))
				return;
			cur = next;
			continue;
		}
		if (l.kind == L_NX) {
			/* RFC 4592 §3.3.1: the source of synthesis "*.<closest
			 * encloser>", unless the encloser is the cut or a DNAME */
			uint8_t wkey[NAME_KEY_MAXLEN + 2];
			size_t kl = nm.kend[l.depth];
			memcpy(wkey, nm.key, kl);
			wkey[kl] = '*';
			wkey[kl + 1] = 0;
			n = zone_may_have_wildcard(a->z, nm.key, kl) ? zone_find_key(a->z, wkey, kl + 2)
								      : NULL;
			if (n == NULL) {
				/* RFC 1034 §4.3.2 step 3c, RFC 2308 §2.1: NXDOMAIN */
				a->rcode = MSG_RCODE_NXDOMAIN;
				ans_put_soa_neg(a);
				if (a->dnssec)
					ans_proof_nxdomain(a, &nm, l.depth);
				return;
			}
			wild = true;
		}
		if (l.kind == L_ENT) {
			/* RFC 2308 §2.2: NODATA */
			ans_put_soa_neg(a);
			if (a->dnssec)
				ans_proof_nodata(a, &nm, NULL);
			return;
		}

		/* n: the node of cur or the wildcard matching it */
		/* RFC 4035 §2.5: NSEC and RRSIG live beside a CNAME; asked for,
		 * they are answered, not the CNAME (as Knot and NSD do) */
		if (a->qtype != RRTYPE_CNAME && a->qtype != RRTYPE_ANY &&
		    !zone_node_rrset(n, a->qtype, &rs) && zone_node_rrset(n, RRTYPE_CNAME, &rs)) {
			/* RFC 1034 §4.3.2 step 3a: the CNAME, then its target */
			if (ans_put_rrset(a, MSG_SEC_ANSWER, cur, n, &rs, UINT32_MAX, true) != 0)
				return;
			if (wild && a->dnssec && a->nwild <= ANS_CHAIN_MAX) {
				/* RFC 4035 §3.1.3.3 / RFC 5155 §7.2.6, once the
				 * answer section is complete */
				a->wild[a->nwild].name = cur;
				a->wild[a->nwild++].ce = l.depth;
			}
			const uint8_t *rd;
			uint16_t len;
			size_t pos = 0;
			zone_rrset_next(&rs, &pos, &rd, &len);
			/* a loop ends the chain where it closes, as in Knot and
			 * NSD; a target outside the zone is the resolver's */
			if (chain_seen(seen, nseen, rd) || !name_is_below(rd, a->z->origin))
				return;
			cur = rd;
			continue;
		}

		bool found;
		if (a->qtype == RRTYPE_ANY)
			found = any_rrset(n, RRTYPE_RRSIG, &rs);
		else
			found = zone_node_rrset(n, a->qtype, &rs);
		if (found) {
			if (ans_put_rrset(a, MSG_SEC_ANSWER, cur, n, &rs, UINT32_MAX, true) != 0)
				return;
			if (wild && a->dnssec)
				ans_proof_wild_answer(a, &nm, l.depth);
			put_additional(a, &rs, NULL);
			ans_flush_wild(a);
			return;
		}
		/* RFC 2308 §2.2: NODATA */
		ans_put_soa_neg(a);
		if (a->dnssec) {
			if (wild)
				ans_proof_wild_nodata(a, &nm, l.depth, n);
			else
				ans_proof_nodata(a, &nm, n);
		}
		return;
	}
}

void ans_zone(ans_t *a, const uint8_t *qname)
{
	a->nwild = 0;
	zone_chain(a, qname);
	ans_flush_wild(a); /* a chain that ended in a CNAME out of the zone */
}
