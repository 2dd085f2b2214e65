/*
 * DNSSEC in answers from a signed zone (we serve what the zone holds and
 * sign nothing here): the denial-of-existence proofs of RFC 4035
 * §3.1.3 (NSEC) and RFC 5155 §7.2 (NSEC3), and DS or its absence in
 * referrals (RFC 4035 §3.1.4).  RRSIGs themselves ride with each RRset
 * (ans_put_rrset).
 *
 * NSEC3 records live in the same tree as everything else, at
 * <base32hex(hash)>.<apex>.  The NSEC3 matching a name is an exact
 * lookup; the covering one is the predecessor of the hashed owner's key
 * that has an NSEC3 RRset, wrapping around to the last NSEC3 of the
 * chain.  Names that are not NSEC3 owners can sit between them in the
 * tree (an apex child whose label sorts among the hashes): the backward
 * walk jumps over each such child's whole subtree at once.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA1_Init & co: no allocation, see below */
#include <openssl/sha.h>
#include <string.h>

#include "common/err.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "server/answer_int.h"

void ans_dnssec_init(ans_t *a)
{
	zone_rrset_t rs;
	a->dnssec = false;
	a->nsec3 = false;
	if (!a->do_bit)
		return; /* RFC 3225 §3: no DO, no DNSSEC records */
	if (zone_node_rrset(a->apex, RRTYPE_NSEC3PARAM, &rs)) {
		const uint8_t *rd;
		uint16_t len;
		size_t pos = 0;
		/* RFC 5155 §4.2: alg, flags, iterations, salt length, salt;
		 * the first one with SHA-1 (the only hash, §11) */
		while (zone_rrset_next(&rs, &pos, &rd, &len)) {
			if (len >= 5 && rd[0] == 1 && (size_t)5 + rd[4] <= len) {
				a->nsec3 = true;
				a->n3_iter = wire_get_u16(rd + 2);
				a->n3_saltlen = rd[4];
				a->n3_salt = rd + 5;
				break;
			}
		}
	}
	a->dnssec = a->nsec3 || zone_node_rrset(a->apex, RRTYPE_NSEC, &rs) ||
		    zone_node_rrset(a->apex, RRTYPE_DNSKEY, &rs);
}

/* Each proof node once in the authority section. */
static bool proof_once(ans_t *a, const zone_node_t *n)
{
	for (size_t i = 0; i < a->nproof; i++)
		if (a->proof[i] == n)
			return false;
	if (a->nproof < ANS_PROOF_MAX)
		a->proof[a->nproof++] = n;
	return true;
}

/* The NSEC or NSEC3 RRset of node n (and its RRSIG) in authority. */
static void put_denial(ans_t *a, const zone_node_t *n, uint16_t type)
{
	zone_rrset_t rs;
	if (n == NULL || !zone_node_rrset(n, type, &rs) || !proof_once(a, n))
		return;
	uint8_t owner[NAME_MAXLEN];
	if (zone_node_owner(n, owner) < 0)
		return;
	ans_put_rrset(a, MSG_SEC_AUTHORITY, owner, n, &rs, UINT32_MAX, true);
}

static bool has_type(const zone_node_t *n, uint16_t type)
{
	zone_rrset_t rs;
	return zone_node_rrset(n, type, &rs);
}

/* ---- NSEC (RFC 4035 §3.1.3) */

/* The NSEC whose owner is the nearest before key: it covers the name
 * (RFC 4034 §4.1.1).  Nodes without NSEC (glue below a cut) are
 * skipped; the apex has one and sorts first, so there is always one. */
static const zone_node_t *nsec_cover(const ans_t *a, const uint8_t *key, size_t kl)
{
	const zone_node_t *n = zone_find_prev(a->z, key, kl);
	while (n != NULL && !has_type(n, RRTYPE_NSEC))
		n = zone_find_prev(a->z, zone_node_key(n), n->keylen);
	return n;
}

/* The key of "*.<the ancestor of nm with ce labels>" into k. */
static size_t wildcard_key(const ans_name_t *nm, int ce, uint8_t *k)
{
	size_t kl = nm->kend[ce];
	memcpy(k, nm->key, kl);
	k[kl] = '*';
	k[kl + 1] = 0;
	return kl + 2;
}

/* ---- NSEC3 (RFC 5155) */

/* RFC 5155 §5: IH(0) = H(owner | salt), IH(k) = H(IH(k-1) | salt).  The
 * SHA1_* calls keep their state on the stack; EVP would allocate a
 * context per query. */
static void nsec3_hash(const ans_t *a, const uint8_t *name, uint8_t out[ANS_NSEC3_HASHLEN])
{
	uint8_t lower[NAME_MAXLEN];
	size_t len = name_length(name);
	memcpy(lower, name, len);
	name_to_lower(lower);
	SHA_CTX c;
	SHA1_Init(&c);
	SHA1_Update(&c, lower, len);
	SHA1_Update(&c, a->n3_salt, a->n3_saltlen);
	SHA1_Final(out, &c);
	for (unsigned i = 0; i < a->n3_iter; i++) {
		SHA1_Init(&c);
		SHA1_Update(&c, out, ANS_NSEC3_HASHLEN);
		SHA1_Update(&c, a->n3_salt, a->n3_saltlen);
		SHA1_Final(out, &c);
	}
}

/* Key of <base32hex(hash)>.<apex> (RFC 4648 §7, lower case as keys are). */
static size_t nsec3_key(const ans_t *a, const uint8_t *h, uint8_t *k)
{
	static const char b32[] = "0123456789abcdefghijklmnopqrstuv";
	size_t o = a->z->origin_keylen;
	memcpy(k, a->z->origin_key, o);
	for (size_t i = 0; i < ANS_NSEC3_HASHLEN; i += 5) {
		uint64_t v = 0;
		for (int j = 0; j < 5; j++)
			v = v << 8 | h[i + (size_t)j];
		for (int j = 7; j >= 0; j--)
			k[o++] = (uint8_t)b32[(v >> (5 * j)) & 31];
	}
	k[o++] = 0;
	return o;
}

static const zone_node_t *nsec3_match(const ans_t *a, const uint8_t *name)
{
	uint8_t h[ANS_NSEC3_HASHLEN], k[NAME_KEY_MAXLEN];
	nsec3_hash(a, name, h);
	size_t kl = nsec3_key(a, h, k);
	const zone_node_t *n = zone_find_key(a->z, k, kl);
	return n != NULL && has_type(n, RRTYPE_NSEC3) ? n : NULL;
}

/* The nearest NSEC3 before key (exclusive), or NULL. */
static const zone_node_t *nsec3_before(const ans_t *a, const uint8_t *key, size_t kl)
{
	const size_t ol = a->z->origin_keylen;
	const zone_node_t *n = zone_find_prev(a->z, key, kl);
	while (n != NULL && !has_type(n, RRTYPE_NSEC3)) {
		if (n->keylen <= ol)
			return NULL; /* the apex: nothing before it is ours */
		/* jump to before the apex child this node is under */
		const uint8_t *nk = zone_node_key(n);
		size_t cl = ol;
		while (cl < n->keylen && nk[cl] != 0)
			cl++;
		n = zone_find_prev(a->z, nk, cl + 1 < n->keylen ? cl + 1 : n->keylen);
	}
	return n;
}

/* The NSEC3 covering name (RFC 5155 §7.2.1): the one before its hash,
 * or the last of the chain when the hash sorts first. */
static const zone_node_t *nsec3_cover(const ans_t *a, const uint8_t *name)
{
	uint8_t h[ANS_NSEC3_HASHLEN], k[NAME_KEY_MAXLEN];
	nsec3_hash(a, name, h);
	size_t kl = nsec3_key(a, h, k);
	const zone_node_t *n = nsec3_before(a, k, kl);
	if (n == NULL) {
		/* past every base32hex label: 'w' sorts after 'v' */
		size_t ol = a->z->origin_keylen;
		memcpy(k, a->z->origin_key, ol);
		k[ol] = 'w';
		n = nsec3_before(a, k, ol + 1);
	}
	return n;
}

/* "*." + name into out. */
static void wildcard_name(const uint8_t *name, uint8_t *out)
{
	out[0] = 1;
	out[1] = '*';
	size_t l = name_length(name);
	if (l > NAME_MAXLEN - 2)
		l = NAME_MAXLEN - 2; /* cannot happen below an existing name */
	memcpy(out + 2, name, l);
}

static inline const uint8_t *suffix(const ans_name_t *nm, int j)
{
	return nm->name + nm->woff[nm->nlabels - j];
}

/* RFC 5155 §7.2.1: the closest encloser proof: the NSEC3 matching the
 * closest (provable) encloser and the one covering the next closer name.
 * ce < 0: find the closest provable encloser, walking up from nm. */
static int nsec3_ce_proof(ans_t *a, const ans_name_t *nm, int ce)
{
	const zone_node_t *m = NULL;
	if (ce < 0) {
		for (ce = nm->nlabels - 1; ce > a->zlabels; ce--)
			if ((m = nsec3_match(a, suffix(nm, ce))) != NULL)
				break;
		if (m == NULL)
			ce = a->zlabels;
	}
	if (m == NULL)
		m = nsec3_match(a, suffix(nm, ce));
	put_denial(a, m, RRTYPE_NSEC3);
	if (ce < nm->nlabels)
		put_denial(a, nsec3_cover(a, suffix(nm, ce + 1)), RRTYPE_NSEC3);
	return ce;
}

/* ---- the proofs */

void ans_proof_nxdomain(ans_t *a, const ans_name_t *nm, int ce)
{
	if (a->nsec3) {
		/* RFC 5155 §7.2.2: closest encloser proof + no wildcard */
		nsec3_ce_proof(a, nm, ce);
		uint8_t w[NAME_MAXLEN];
		wildcard_name(suffix(nm, ce), w);
		put_denial(a, nsec3_cover(a, w), RRTYPE_NSEC3);
		return;
	}
	/* RFC 4035 §3.1.3.2: the NSEC covering the name and the one
	 * covering the wildcard at the closest encloser */
	put_denial(a, nsec_cover(a, nm->key, nm->keylen), RRTYPE_NSEC);
	uint8_t wk[NAME_KEY_MAXLEN + 2];
	size_t wl = wildcard_key(nm, ce, wk);
	put_denial(a, nsec_cover(a, wk, wl), RRTYPE_NSEC);
}

void ans_proof_nodata(ans_t *a, const ans_name_t *nm, const zone_node_t *n)
{
	if (a->nsec3) {
		/* RFC 5155 §7.2.3 (and §7.2.4 for DS: without a matching
		 * NSEC3, an opt-out span: the closest provable encloser) */
		const zone_node_t *m = nsec3_match(a, nm->name);
		if (m != NULL)
			put_denial(a, m, RRTYPE_NSEC3);
		else
			nsec3_ce_proof(a, nm, -1);
		return;
	}
	/* RFC 4035 §3.1.3.1: the NSEC at the name; for an empty
	 * non-terminal the NSEC covering it (RFC 4035 §3.1.3.2 form) */
	if (n != NULL && has_type(n, RRTYPE_NSEC))
		put_denial(a, n, RRTYPE_NSEC);
	else
		put_denial(a, nsec_cover(a, nm->key, nm->keylen), RRTYPE_NSEC);
}

void ans_proof_wild_nodata(ans_t *a, const ans_name_t *nm, int ce, const zone_node_t *w)
{
	if (a->nsec3) {
		/* RFC 5155 §7.2.5: closest encloser proof + the NSEC3
		 * matching the wildcard */
		nsec3_ce_proof(a, nm, ce);
		uint8_t wn[NAME_MAXLEN];
		wildcard_name(suffix(nm, ce), wn);
		put_denial(a, nsec3_match(a, wn), RRTYPE_NSEC3);
		return;
	}
	/* RFC 4035 §3.1.3.4: the NSEC covering the name, the wildcard's */
	put_denial(a, w, RRTYPE_NSEC);
	put_denial(a, nsec_cover(a, nm->key, nm->keylen), RRTYPE_NSEC);
}

void ans_proof_wild_answer(ans_t *a, const ans_name_t *nm, int ce)
{
	if (a->nsec3) {
		/* RFC 5155 §7.2.6: the NSEC3 covering the next closer name */
		if (ce < nm->nlabels)
			put_denial(a, nsec3_cover(a, suffix(nm, ce + 1)), RRTYPE_NSEC3);
		return;
	}
	/* RFC 4035 §3.1.3.3: the NSEC covering the name */
	put_denial(a, nsec_cover(a, nm->key, nm->keylen), RRTYPE_NSEC);
}

void ans_proof_referral(ans_t *a, const uint8_t *owner, const zone_node_t *cut)
{
	zone_rrset_t ds;
	/* RFC 4035 §3.1.4: the DS RRset and its RRSIG when the child is
	 * signed, else the proof that there is none */
	if (zone_node_rrset(cut, RRTYPE_DS, &ds)) {
		ans_put_rrset(a, MSG_SEC_AUTHORITY, owner, cut, &ds, UINT32_MAX, true);
		return;
	}
	if (!a->nsec3) {
		put_denial(a, cut, RRTYPE_NSEC);
		return;
	}
	/* RFC 5155 §7.2.7: the NSEC3 matching the cut, or in an opt-out
	 * span the closest provable encloser proof */
	const zone_node_t *m = nsec3_match(a, owner);
	if (m != NULL) {
		put_denial(a, m, RRTYPE_NSEC3);
		return;
	}
	ans_name_t nm;
	ans_name_init(&nm, owner);
	nsec3_ce_proof(a, &nm, -1);
}
