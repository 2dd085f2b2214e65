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
 * IXFR (RFC 1995 §4): "If incremental zone transfer is not available, the
 * entire zone is returned.  The first and the last RR of the response is
 * the SOA record of the zone." -- the same stream with the IXFR question;
 * the log line says it was answered in full.
 */
#include "server/xfrout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "dns/msg.h"
#include "dns/rrtype.h"
#include "server/log.h"

typedef enum { XFR_SOA_FIRST, XFR_BODY, XFR_SOA_LAST, XFR_DONE } xfr_state_t;

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
	/* for the log line */
	size_t messages, bytes, records;
	struct timespec start;
};

xfrout_t *xfrout_new(zone_t *z, uint16_t id, const uint8_t *qname, uint16_t qtype, const char *peer)
{
	xfrout_t *x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	x->z = z;
	x->id = id;
	x->qtype = qtype;
	memcpy(x->qname, qname, name_length(qname));
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
	return x;
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
			x->state = XFR_BODY;
			rc = xfr_advance_body(x, true);
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
	x->messages++;
	x->records += in_msg;
	x->bytes += msg_build_len(&b);
	*len = msg_build_len(&b);
	return 0;
}

zone_t *xfrout_end(xfrout_t *x, const char *error)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double secs =
	    (double)(now.tv_sec - x->start.tv_sec) + (double)(now.tv_nsec - x->start.tv_nsec) / 1e9;
	const char *kind = x->qtype == RRTYPE_IXFR ? "IXFR" : "AXFR";
	const char *note = x->qtype == RRTYPE_IXFR
	                       ? ", answered with the full zone (no journal; RFC 1995 §4)"
	                       : "";
	if (error == NULL)
		log_info("%s out: zone %s, peer %s, serial %u, %zu messages, %zu records, %zu "
		         "bytes, %.3f s%s",
		         kind, x->zname, x->peer, x->z->serial, x->messages, x->records, x->bytes,
		         secs, note);
	else
		log_warning("%s out failed: zone %s, peer %s, serial %u, %zu messages, %zu "
		            "records, %zu bytes, %.3f s: %s",
		            kind, x->zname, x->peer, x->z->serial, x->messages, x->records,
		            x->bytes, secs, error);
	zone_t *z = x->z;
	zone_iter_free(&x->it);
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
