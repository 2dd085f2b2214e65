/*
 * AXFR out (RFC 5936 §2.2): the answer section of the response messages,
 * taken together, is the zone's SOA, every other RR of the zone, and the
 * SOA again.  We send the RRs in canonical order (the order of the zone's
 * index, RFC 4034 §6), RRsets whole and in type order; each message is
 * filled to about XFROUT_MSG_TARGET octets with name compression
 * (RFC 5936 §2.2.1 lets a message carry any number of RRs; only the
 * first carries the question, as BIND and Knot do: §2.2.1 "MAY be
 * empty" for the later ones).  Header: the query's ID, QR and AA
 * (§2.2.1), RCODE NOERROR.
 *
 * The generator's states, one RR at a time:
 *
 *     SOA_FIRST ──► BODY (node by node, RRset by RRset, rdata by rdata,
 *                   │     skipping the apex SOA)
 *                   ▼
 *                SOA_LAST ──► DONE
 *
 * IXFR (RFC 1995): the client's serial (the SOA in the query's authority
 * section) picks one of three answers, decided in xfrout_new:
 *
 *   client serial >= ours ──► SOA_LAST only: our SOA alone (§4 "up to
 *                             date"; BIND and Knot do the same when the
 *                             client is ahead)
 *   journal has from..ours ──► SOA_FIRST ──► DIFF (per changeset: old SOA,
 *                             removed RRs, new SOA, added RRs) ──► SOA_LAST
 *   otherwise               ──► the AXFR stream with the IXFR question
 *                             (§4: "If incremental zone transfer is not
 *                             available, the entire zone is returned")
 *
 * The changesets are copied out of one journal read transaction when the
 * transfer starts, so the stream does not pin LMDB pages while a slow
 * client drains it; the journal may run ahead of the version held (it is
 * committed before the publish), so the copy stops at our serial.
 */
#include "server/xfrout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "dns/msg.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "server/answer_tsig.h"
#include "server/log.h"
#include "zone/changeset.h"
#include "zone/serial.h"

typedef enum { XFR_SOA_FIRST, XFR_BODY, XFR_DIFF, XFR_SOA_LAST, XFR_DONE } xfr_state_t;

/* How an IXFR is answered (the log line says which). */
typedef enum { IXFR_NONE, IXFR_UPTODATE, IXFR_DIFF, IXFR_FULL } ixfr_mode_t;

struct xfrout {
	zone_t *z;
	uint16_t id, qtype;
	uint8_t qname[NAME_MAXLEN];
	char peer[80];
	char zname[NAME_TEXT_MAXLEN];
	xfr_state_t state;
	zone_rrset_t soa;
	/* BODY: the current node, RRset and rdata */
	zone_iter_t it;
	const zone_node_t *node;
	uint8_t owner[NAME_MAXLEN];
	bool apex;
	size_t rrset, pos;
	zone_rrset_t rs;
	const uint8_t *rd;
	uint16_t rdlen;
	/* IXFR */
	ixfr_mode_t mode;
	uint32_t client_serial;
	bool has_client_serial;
	char full_why[64];
	changeset_t *cs; /* DIFF: the changesets, oldest first */
	size_t ncs, cap_cs;
	size_t ci, ck; /* changeset and item within it (0 soa_from, removed, soa_to, added) */
	/* TSIG: every message signed when the query was */
	bool signed_;
	tsig_key_t key; /* copy; the secret is borrowed from the conf */
	tsig_ctx_t tsig;
	/* for the log line */
	size_t messages, bytes, records;
	struct timespec start;
};

/* The serial of the SOA in q's authority section (the IXFR client's). */
static bool query_client_serial(const msg_t *q, uint32_t *serial)
{
	msg_iter_t it;
	msg_rr_t rr;
	uint8_t rd[RDATA_MAXLEN];
	msg_iter_init_section(&it, q, MSG_SEC_AUTHORITY);
	while (msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0) {
		if (rr.type != RRTYPE_SOA)
			continue;
		size_t o = rdata_soa_serial_off(rr.rdata, rr.rdlen);
		if (o == 0)
			return false;
		*serial = wire_get_u32(rr.rdata + o);
		return true;
	}
	return false;
}

/* journal_read callback: copies each changeset until the one ending at the
 * held version's serial. */
#define XFR_READ_ENOUGH 1
static int xfr_copy_changeset(void *ctx, const changeset_t *src)
{
	xfrout_t *x = ctx;
	if (x->ncs == x->cap_cs) {
		size_t c = x->cap_cs ? x->cap_cs * 2 : 8;
		changeset_t *v = realloc(x->cs, c * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		x->cs = v;
		x->cap_cs = c;
	}
	changeset_t *cs = &x->cs[x->ncs++];
	changeset_init(cs);
	const changeset_rr_t *a = &src->soa_from, *b = &src->soa_to;
	int rc = a->owner ? changeset_remove(cs, a->owner, a->type, a->ttl, a->rdata, a->rdlen)
	                  : ERR_MALFORMED;
	if (rc == 0 && b->owner)
		rc = changeset_add(cs, b->owner, b->type, b->ttl, b->rdata, b->rdlen);
	else if (rc == 0)
		rc = ERR_MALFORMED;
	for (size_t i = 0; rc == 0 && i < src->nremoved; i++) {
		const changeset_rr_t *r = &src->removed[i];
		rc = changeset_remove(cs, r->owner, r->type, r->ttl, r->rdata, r->rdlen);
	}
	for (size_t i = 0; rc == 0 && i < src->nadded; i++) {
		const changeset_rr_t *r = &src->added[i];
		rc = changeset_add(cs, r->owner, r->type, r->ttl, r->rdata, r->rdlen);
	}
	if (rc < 0)
		return rc;
	/* soa_to's serial: the last 20 octets hold serial .. minimum */
	const uint8_t *p = b->rdata + b->rdlen - 20;
	uint32_t to = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return to == x->z->serial ? XFR_READ_ENOUGH : 0;
}

static void xfr_free_changesets(xfrout_t *x)
{
	for (size_t i = 0; i < x->ncs; i++)
		changeset_free(&x->cs[i]);
	free(x->cs);
	x->cs = NULL;
	x->ncs = x->cap_cs = 0;
}

/* Decides how an IXFR is answered (see the top of the file). */
static int xfr_plan_ixfr(xfrout_t *x, const msg_t *q, journal_t *j)
{
	x->has_client_serial = query_client_serial(q, &x->client_serial);
	if (!x->has_client_serial) {
		snprintf(x->full_why, sizeof(x->full_why), "no SOA in the query");
		x->mode = IXFR_FULL;
		return 0;
	}
	if (serial_compare(x->client_serial, x->z->serial) != SERIAL_LT) {
		x->mode = IXFR_UPTODATE;
		return 0;
	}
	int rc = j != NULL ? journal_read(j, x->z->origin, x->client_serial, xfr_copy_changeset, x)
	                   : ERR_NOTFOUND;
	if (rc == XFR_READ_ENOUGH) {
		x->mode = IXFR_DIFF;
		return 0;
	}
	xfr_free_changesets(x);
	if (rc == -ENOMEM)
		return rc;
	snprintf(x->full_why, sizeof(x->full_why), "%s",
	         j == NULL                       ? "no journal"
	         : rc == ERR_NOTFOUND || rc == 0 ? "serial not in the journal"
	                                         : "journal unreadable");
	if (rc != ERR_NOTFOUND && rc != 0)
		log_warning("IXFR out: zone %s, peer %s: journal: %s; sending the full zone",
		            x->zname, x->peer, err_str(rc));
	x->mode = IXFR_FULL;
	return 0;
}

xfrout_t *xfrout_new(zone_t *z, const msg_t *q, journal_t *j, const tsig_req_t *req,
                     const char *peer)
{
	xfrout_t *x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	if (req != NULL && req->status == TSIG_OK && req->key != NULL) {
		tsig_req_t r = *req;
		x->key = *req->key;
		r.key = &x->key;
		if (tsig_ctx_init_response(&x->tsig, &r) < 0) {
			free(x);
			return NULL;
		}
		x->signed_ = true;
	}
	x->z = z;
	x->id = q->id;
	x->qtype = q->qtype;
	memcpy(x->qname, q->qname, name_length(q->qname));
	snprintf(x->peer, sizeof(x->peer), "%s", peer);
	if (name_to_text(z->origin, x->zname, sizeof(x->zname)) < 0)
		strcpy(x->zname, "?");
	clock_gettime(CLOCK_MONOTONIC, &x->start);
	const zone_node_t *apex = zone_find(z, z->origin);
	if (apex == NULL || !zone_node_rrset(apex, RRTYPE_SOA, &x->soa))
		x->state = XFR_DONE; /* no SOA: xfrout_next reports it */
	else
		x->state = XFR_SOA_FIRST;
	zone_iter_init(&x->it, z);
	if (x->qtype == RRTYPE_IXFR && x->state != XFR_DONE) {
		if (xfr_plan_ixfr(x, q, j) < 0) {
			zone_iter_free(&x->it);
			tsig_ctx_clear(&x->tsig);
			free(x);
			return NULL;
		}
		if (x->mode == IXFR_UPTODATE)
			x->state = XFR_SOA_LAST;
	}
	return x;
}

/* The current RR of DIFF. */
static const changeset_rr_t *xfr_diff_rr(const xfrout_t *x)
{
	const changeset_t *cs = &x->cs[x->ci];
	size_t k = x->ck;
	if (k == 0)
		return &cs->soa_from;
	if (k <= cs->nremoved)
		return &cs->removed[k - 1];
	if (k == cs->nremoved + 1)
		return &cs->soa_to;
	return &cs->added[k - cs->nremoved - 2];
}

/* Moves DIFF to its next RR; to SOA_LAST after the last changeset. */
static void xfr_advance_diff(xfrout_t *x)
{
	const changeset_t *cs = &x->cs[x->ci];
	if (++x->ck < cs->nremoved + cs->nadded + 2)
		return;
	x->ck = 0;
	if (++x->ci == x->ncs)
		x->state = XFR_SOA_LAST;
}

/* Loads the first rdata of the RRset at x->rrset of x->node, skipping the
 * apex SOA; false when the node has no more. */
static bool xfr_load_rrset(xfrout_t *x)
{
	for (; x->rrset < x->node->nrrsets; x->rrset++) {
		x->rs = zone_node_rrset_at(x->node, x->rrset);
		if (x->apex && x->rs.type == RRTYPE_SOA)
			continue;
		x->pos = 0;
		if (zone_rrset_next(&x->rs, &x->pos, &x->rd, &x->rdlen))
			return true;
	}
	return false;
}

/* Moves BODY to its next RR, over nodes; to SOA_LAST after the last. */
static int xfr_advance_body(xfrout_t *x, bool first)
{
	if (!first) {
		if (zone_rrset_next(&x->rs, &x->pos, &x->rd, &x->rdlen))
			return 0;
		x->rrset++;
		if (xfr_load_rrset(x))
			return 0;
	}
	for (;;) {
		x->node = zone_iter_next(&x->it);
		if (x->node == NULL) {
			if (x->it.err)
				return x->it.err;
			x->state = XFR_SOA_LAST;
			return 0;
		}
		if (zone_node_owner(x->node, x->owner) < 0)
			return ERR_MALFORMED;
		x->apex = name_equal(x->owner, x->z->origin);
		x->rrset = 0;
		if (xfr_load_rrset(x))
			return 0;
	}
}

int xfrout_next(xfrout_t *x, uint8_t *buf, size_t cap, size_t *len)
{
	if (x->state == XFR_DONE)
		return x->messages == 0 ? ERR_MALFORMED : ERR_NOTFOUND; /* no SOA, or finished */
	if (cap > MSG_MAXLEN)
		cap = MSG_MAXLEN;
	msg_builder_t b;
	int rc = msg_build_init(&b, buf, cap, x->id,
	                        MSG_FLAG_QR | MSG_FLAG_AA |
	                            MSG_FLAGS(MSG_OPCODE_QUERY, MSG_RCODE_NOERROR));
	size_t reserve = x->signed_ ? tsig_rr_size(&x->key) : 0;
	if (rc == 0 && reserve > 0)
		rc = msg_build_reserve(&b, reserve);
	if (rc == 0 && x->messages == 0)
		rc = msg_build_question(&b, x->qname, x->qtype, RRCLASS_IN);
	size_t in_msg = 0;
	while (rc == 0 && x->state != XFR_DONE && msg_build_len(&b) < XFROUT_MSG_TARGET) {
		const uint8_t *owner, *rd;
		uint16_t type, rdlen;
		uint32_t ttl;
		if (x->state == XFR_BODY) {
			owner = x->owner;
			type = x->rs.type;
			ttl = x->rs.ttl;
			rd = x->rd;
			rdlen = x->rdlen;
		} else if (x->state == XFR_DIFF) {
			const changeset_rr_t *r = xfr_diff_rr(x);
			owner = r->owner;
			type = r->type;
			ttl = r->ttl;
			rd = r->rdata;
			rdlen = r->rdlen;
		} else {
			size_t pos = 0;
			owner = x->z->origin;
			type = RRTYPE_SOA;
			ttl = x->soa.ttl;
			if (!zone_rrset_next(&x->soa, &pos, &rd, &rdlen))
				return ERR_MALFORMED;
		}
		rc = msg_build_rr(&b, MSG_SEC_ANSWER, owner, type, RRCLASS_IN, ttl, rd, rdlen);
		if (rc == ERR_SPACE && in_msg > 0) {
			rc = 0;
			break; /* the next message takes it */
		}
		if (rc < 0)
			break;
		in_msg++;
		switch (x->state) {
		case XFR_SOA_FIRST:
			if (x->mode == IXFR_DIFF) {
				x->state = XFR_DIFF;
				break;
			}
			x->state = XFR_BODY;
			rc = xfr_advance_body(x, true);
			break;
		case XFR_DIFF:
			xfr_advance_diff(x);
			break;
		case XFR_BODY:
			rc = xfr_advance_body(x, false);
			break;
		case XFR_SOA_LAST:
			x->state = XFR_DONE;
			break;
		case XFR_DONE:
			break;
		}
	}
	if (rc < 0)
		return rc;
	size_t n = msg_build_len(&b);
	if (x->signed_) {
		msg_build_release(&b, reserve);
		rc = tsig_ctx_sign(&x->tsig, buf, &n, cap, (uint64_t)time(NULL));
		if (rc < 0)
			return rc;
	}
	x->messages++;
	x->records += in_msg;
	x->bytes += n;
	*len = n;
	return 0;
}

zone_t *xfrout_end(xfrout_t *x, const char *error)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double secs =
	    (double)(now.tv_sec - x->start.tv_sec) + (double)(now.tv_nsec - x->start.tv_nsec) / 1e9;
	const char *kind = x->qtype == RRTYPE_IXFR ? "IXFR" : "AXFR";
	char note[160] = "";
	char from[32] = "";
	if (x->has_client_serial)
		snprintf(from, sizeof(from), "%u -> ", x->client_serial);
	switch (x->mode) {
	case IXFR_NONE:
		break;
	case IXFR_UPTODATE:
		snprintf(note, sizeof(note), ", up to date (our SOA alone)");
		break;
	case IXFR_DIFF:
		snprintf(note, sizeof(note), ", incremental, %zu changesets from the journal",
		         x->ncs);
		break;
	case IXFR_FULL:
		snprintf(note, sizeof(note), ", answered with the full zone (%s; RFC 1995 §4)",
		         x->full_why);
		break;
	}
	if (error == NULL)
		log_info("%s out: zone %s, peer %s, serial %s%u, %zu messages, %zu records, %zu "
		         "bytes, %.3f s%s%s",
		         kind, x->zname, x->peer, from, x->z->serial, x->messages, x->records,
		         x->bytes, secs, x->signed_ ? ", TSIG" : "", note);
	else
		log_warning("%s out failed: zone %s, peer %s, serial %u, %zu messages, %zu "
		            "records, %zu bytes, %.3f s: %s",
		            kind, x->zname, x->peer, x->z->serial, x->messages, x->records,
		            x->bytes, secs, error);
	zone_t *z = x->z;
	zone_iter_free(&x->it);
	xfr_free_changesets(x);
	tsig_ctx_clear(&x->tsig);
	free(x);
	return z;
}

int xfrout_refused(const uint8_t *q, size_t qlen, uint8_t *out, size_t cap, size_t *outlen)
{
	msg_t m;
	if (msg_parse(&m, q, qlen) != 0 || !m.has_question)
		return ERR_FORMERR;
	msg_builder_t b;
	uint16_t flags =
	    MSG_FLAG_QR | (m.flags & (MSG_OPCODE_MASK | MSG_FLAG_RD)) | MSG_RCODE_REFUSED;
	int rc = msg_build_init(&b, out, cap, m.id, flags);
	if (rc == 0)
		rc = msg_build_question(&b, m.qname, m.qtype, m.qclass);
	if (rc < 0)
		return rc;
	*outlen = msg_build_len(&b);
	return 0;
}

xfrout_auth_t xfrout_authorize(const conf_t *c, const msg_t *q, const uint8_t *origin,
                               const struct sockaddr *client, tsig_req_t *req)
{
	memset(req, 0, sizeof(*req));
	const char *key_id = NULL;
	if (q->has_tsig) {
		static _Thread_local tsig_key_t keys[ANSWER_TSIG_KEYS_MAX];
		tsig_keyring_t ring = answer_tsig_ring(c, keys, ANSWER_TSIG_KEYS_MAX);
		if (tsig_verify(q, &ring, (uint64_t)time(NULL), req) != TSIG_OK)
			return XFROUT_BADTSIG;
		const conf_key_t *k = conf_key_find(c, req->key->name);
		key_id = k ? k->id : NULL;
	}
	return conf_acl_allows(c, origin, client, CONF_ACTION_TRANSFER, key_id) ? XFROUT_ALLOW
	                                                                        : XFROUT_DENY;
}

int xfrout_tsig_error(const uint8_t *q, size_t qlen, const tsig_req_t *req, uint8_t *out,
                      size_t cap, size_t *outlen)
{
	msg_t m;
	if (msg_parse(&m, q, qlen) != 0 || !m.has_question)
		return ERR_FORMERR;
	msg_builder_t b;
	uint16_t flags = MSG_FLAG_QR | (m.flags & MSG_OPCODE_MASK);
	int rc = msg_build_init(&b, out, cap, m.id, flags);
	if (rc == 0)
		rc = msg_build_question(&b, m.qname, m.qtype, m.qclass);
	if (rc < 0)
		return rc;
	size_t n = msg_build_len(&b);
	rc = tsig_sign_error(out, &n, cap, req, (uint64_t)time(NULL));
	if (rc < 0)
		return rc;
	*outlen = n;
	return 0;
}
