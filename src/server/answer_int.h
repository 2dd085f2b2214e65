/*
 * Internals of answer_query, shared by answer_*.c (not a public header).
 *
 * One ans_t lives on the stack of answer_query and holds everything about
 * the response being built: the message builder over the caller's buffer,
 * the parsed query, the zone, and the DNSSEC state.  Nothing here
 * allocates; every function takes validated input (the query went through
 * msg_parse, the zone through the zone builder).
 */
#ifndef NSF_SERVER_ANSWER_INT_H
#define NSF_SERVER_ANSWER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/msg.h"
#include "dns/name.h"
#include "server/answer.h"
#include "zone/zone.h"

/* CNAME/DNAME links followed inside one zone before we stop (Knot and
 * NSD stop at a loop; this bounds the work for long chains too). */
#define ANS_CHAIN_MAX 16
/* Nodes whose NSEC/NSEC3 went into the authority section (dedup). */
#define ANS_PROOF_MAX 8
/* Additional-section targets already added (dedup). */
#define ANS_ADDL_MAX 32
/* SHA-1 digest length: the only NSEC3 hash (RFC 5155 §11). */
#define ANS_NSEC3_HASHLEN 20

/* A name with its lookup key and label boundaries, computed once. */
typedef struct {
	const uint8_t *name; /* wire form, case as received (borrowed) */
	int nlabels;
	uint8_t woff[NAME_MAXLABELS + 1];  /* wire offset of label i, left to right */
	uint16_t kend[NAME_MAXLABELS + 1]; /* key length of the j root-most labels */
	size_t keylen;
	uint8_t key[NAME_KEY_MAXLEN];
} ans_name_t;

typedef struct {
	msg_builder_t b;
	const zonedb_t *db;
	const answer_opts_t *o;
	const msg_t *q;
	const zone_t *z;
	const zone_node_t *apex;
	int zlabels;    /* labels of the zone origin */
	bool do_bit;    /* the query's DO (RFC 3225) */
	bool dnssec;    /* DO and a signed zone: add RRSIGs and proofs */
	bool nsec3;     /* the zone is signed with NSEC3 (apex NSEC3PARAM) */
	bool tc;        /* a required RRset did not fit: add nothing more */
	uint16_t qtype;
	unsigned rcode;
	/* NSEC3PARAM of the zone (RFC 5155 §4) */
	uint16_t n3_iter;
	uint8_t n3_saltlen;
	const uint8_t *n3_salt;
	const zone_node_t *proof[ANS_PROOF_MAX];
	size_t nproof;
	const zone_node_t *addl[ANS_ADDL_MAX];
	size_t naddl;
	/* wildcard answers met along a CNAME chain: their proofs go to the
	 * authority section, after the whole answer section (ans_flush_wild) */
	struct {
		const uint8_t *name; /* stable: the query's, zone rdata, or synth */
		int ce;
	} wild[ANS_CHAIN_MAX + 1];
	size_t nwild;
} ans_t;

/* ---- answer_zone.c: RFC 1034 §4.3.2 from one zone */
void ans_zone(ans_t *a, const uint8_t *qname);
void ans_name_init(ans_name_t *nm, const uint8_t *name);

/* Adds the RRset rs of node n (owner written as owner) to section sec,
 * with the RRSIGs covering it when a->dnssec; ttl_cap caps the TTLs
 * (RFC 2308 §3 for the negative SOA), UINT32_MAX for none.  A required
 * RRset that does not fit truncates (TC, and a->tc stops the rest); an
 * optional one is just left out.  Returns 0 or ERR_SPACE. */
int ans_put_rrset(ans_t *a, int sec, const uint8_t *owner, const zone_node_t *n,
		  const zone_rrset_t *rs, uint32_t ttl_cap, bool required);
/* The RRSIG RRset covering type at node n. */
bool ans_rrsig_of(const zone_node_t *n, uint16_t type, zone_rrset_t *out);
/* SOA of the apex in the authority section with the negative TTL. */
void ans_put_soa_neg(ans_t *a);
/* Writes the pending wildcard proofs; call before the authority section. */
void ans_flush_wild(ans_t *a);

/* ---- answer_dnssec.c: denial proofs (RFC 4035 §3.1.3, RFC 5155 §7.2) */
void ans_dnssec_init(ans_t *a);
/* NXDOMAIN: qname does not exist, ce_labels is its closest encloser. */
void ans_proof_nxdomain(ans_t *a, const ans_name_t *nm, int ce_labels);
/* NODATA at an existing name (node n, NULL for an empty non-terminal). */
void ans_proof_nodata(ans_t *a, const ans_name_t *nm, const zone_node_t *n);
/* Wildcard NODATA: nm matched the wildcard node w below ce_labels. */
void ans_proof_wild_nodata(ans_t *a, const ans_name_t *nm, int ce_labels, const zone_node_t *w);
/* Wildcard answer: the proof that nm itself does not exist. */
void ans_proof_wild_answer(ans_t *a, const ans_name_t *nm, int ce_labels);
/* Referral to the cut at node cut with owner name: DS or its absence. */
void ans_proof_referral(ans_t *a, const uint8_t *owner, const zone_node_t *cut);

/* ---- answer_edns.c: OPT of the response (RFC 6891, 5001, 7873, 8914) */
typedef struct {
	bool present;       /* the response carries an OPT */
	uint8_t nopt;
	msg_ednsopt_t opt[3];
	uint8_t cookie[40]; /* client cookie + our server cookie */
	uint8_t ede[2];
	size_t size; /* of the OPT RR, reserved in the builder */
} ans_edns_t;

/* Decides the response's OPT (options from the query and opts) and
 * reserves its room; ede >= 0 adds an Extended DNS Error (RFC 8914). */
int ans_edns_prepare(ans_t *a, ans_edns_t *e, int ede);
/* Writes the OPT reserved by ans_edns_prepare. */
void ans_edns_finish(ans_t *a, ans_edns_t *e);
/* The server cookie (RFC 9018) for the client cookie cc (8 octets). */
void ans_cookie_server(const answer_opts_t *o, const uint8_t *cc, uint8_t out[16]);
/* SipHash-2-4 of in[0..len) under key (RFC 9018 §4.4). */
uint64_t ans_siphash24(const uint8_t key[16], const uint8_t *in, size_t len);

/* ---- answer_chaos.c: CH TXT version.bind and friends */
void ans_chaos(ans_t *a);

#endif
