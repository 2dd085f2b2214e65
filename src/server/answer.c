/*
 * answer_query: the header, the question and the dispatch (RFC 1035
 * §4.1.1), before the zone lookup of answer_zone.c.
 *
 * What a response looks like where the RFCs leave room follows Knot DNS
 * 3.2 and NSD 4.6 where they agree, Knot where they differ; doc/answers.md
 * lists every case we had to decide, with what each server does.
 */
#include <string.h>

#include "common/err.h"
#include "dns/rrtype.h"
#include "server/answer.h"
#include "server/answer_int.h"

/* RFC 8914 §4.21: "Not Authoritative", as Knot and NSD send with REFUSED. */
#define EDE_NOT_AUTHORITATIVE 20

/* The response limit: 65535 over TCP; over UDP the requestor's payload
 * size (at least 512, RFC 6891 §6.2.5) but no more than ours, and 512
 * without EDNS (RFC 1035 §4.2.1). */
static size_t response_limit(const answer_opts_t *o, const msg_t *m, size_t outcap)
{
	size_t lim;
	if (o->tcp) {
		lim = MSG_MAXLEN;
	} else {
		lim = msg_udp_size(m);
		size_t ours = o->udp_max ? o->udp_max : ANSWER_UDP_DEFAULT;
		if (ours < MSG_UDP_MIN)
			ours = MSG_UDP_MIN;
		if (m->has_edns && lim > ours)
			lim = ours;
	}
	return lim < outcap ? lim : outcap;
}

/* A response with the question (if any) and no records: FORMERR, NOTIMP,
 * REFUSED, BADVERS. */
static int answer_bare(ans_t *a, bool question, unsigned rcode, bool with_opt, int ede,
		       size_t *outlen)
{
	ans_edns_t e = {0};
	if (question && msg_build_question(&a->b, a->q->qname, a->q->qtype, a->q->qclass) != 0)
		question = false; /* cannot happen: the query held it */
	(void)msg_build_set_rcode(&a->b, rcode);
	if (with_opt && ans_edns_prepare(a, &e, ede) == 0)
		ans_edns_finish(a, &e);
	*outlen = msg_build_len(&a->b);
	return 0;
}

static bool is_xfr(uint16_t t)
{
	return t == RRTYPE_AXFR || t == RRTYPE_IXFR;
}

int answer_query(const zonedb_t *db, const answer_opts_t *o, const uint8_t *q, size_t qlen,
		 uint8_t *out, size_t outcap, size_t *outlen)
{
	/* RFC 1035 §4.1.1: no header, nothing to answer; a response (QR)
	 * is never answered, lest two servers bounce errors forever. */
	if (qlen < MSG_HDR_LEN || (q[2] & 0x80) != 0)
		return ANSWER_DROP;
	if (outcap < MSG_UDP_MIN)
		return ANSWER_DROP; /* the contract asks for at least 512 */

	ans_t a;
	msg_t m;
	a.db = db;
	a.o = o;
	a.q = &m;
	a.z = NULL;
	a.apex = NULL;
	a.tc = false;
	a.dnssec = a.nsec3 = false;
	a.rcode = MSG_RCODE_NOERROR;
	a.nproof = a.naddl = 0;

	int prc = msg_parse(&m, q, qlen);
	unsigned opcode = msg_opcode(&m);
	/* RFC 1035 §4.1.1: id, opcode and RD copied, QR set.  CD is not
	 * copied: Knot 3.2 and NSD 4.6 both clear it (doc/answers.md). */
	uint16_t flags = (uint16_t)(MSG_FLAG_QR | (m.flags & (MSG_OPCODE_MASK | MSG_FLAG_RD)));
	size_t lim = prc == 0 ? response_limit(o, &m, outcap) : MSG_UDP_MIN;
	if (prc == 0 && o->tsig_reserve > 0)
		lim = lim > (size_t)o->tsig_reserve + MSG_HDR_LEN ? lim - o->tsig_reserve
								  : MSG_HDR_LEN;
	if (msg_build_init(&a.b, out, lim, m.id, flags) != 0)
		return ANSWER_DROP;
	a.do_bit = prc == 0 && m.has_edns && (m.edns.flags & MSG_EDNS_DO);
	a.qtype = m.qtype;

	/* Malformed: FORMERR with the question when it parsed, never an
	 * OPT (Knot does not add one: the OPT may be what was malformed). */
	if (prc != 0)
		return answer_bare(&a, m.has_question && m.count[0] == 1, MSG_RCODE_FORMERR, false,
				   -1, outlen);
	/* RFC 1996: a NOTIFY with one question is the refresh code's
	 * (zone, ACL and TSIG checks need the configuration). */
	if (opcode == MSG_OPCODE_NOTIFY && m.count[0] == 1 && m.has_question)
		return ANSWER_NOTIFY;
	/* RFC 1035 §4.3.1 / RFC 2136 §3.8: only QUERY here (UPDATE goes
	 * elsewhere when we support it). */
	if (opcode != MSG_OPCODE_QUERY)
		return answer_bare(&a, m.has_question, MSG_RCODE_NOTIMP, m.has_edns, -1, outlen);
	/* RFC 9619: exactly one question. */
	if (m.count[0] != 1 || !m.has_question)
		return answer_bare(&a, false, MSG_RCODE_FORMERR, false, -1, outlen);
	/* RFC 6891 §6.1.3: we speak version 0 only; BADVERS, no AA. */
	if (m.has_edns && m.edns.version > 0)
		return answer_bare(&a, true, MSG_RCODE_BADVERS, true, -1, outlen);

	/* RFC 8945 §5.3: a signed query gets a signed answer, or an error
	 * saying why not; the keys are the configuration's (answer_signed).
	 * A transfer's TSIG is the transfer code's. */
	if (m.has_tsig && o->tsig_reserve == 0 && !(is_xfr(m.qtype) && o->tcp))
		return ANSWER_TSIG;

	if (m.qclass == RRCLASS_CH) {
		ans_chaos(&a);
		*outlen = msg_build_len(&a.b);
		return 0;
	}
	/* Class ANY is answered from IN, as Knot and NSD do (RFC 1035
	 * §3.2.5 lets QCLASS * match any class). */
	if (m.qclass != RRCLASS_IN && m.qclass != RRCLASS_ANY)
		return answer_bare(&a, true, MSG_RCODE_REFUSED, m.has_edns, -1, outlen);
	/* Type 0 is reserved (RFC 6895 §3.1): Knot says NOTIMP. */
	if (m.qtype == 0)
		return answer_bare(&a, true, MSG_RCODE_NOTIMP, m.has_edns, -1, outlen);

	const zone_t *z = zonedb_find(db, m.qname);
	if (is_xfr(m.qtype)) {
		/* RFC 5936 §4.2: AXFR is TCP only; Knot and NSD say NOTIMP
		 * over UDP.  Over TCP the transfer code takes a served apex. */
		if (o->tcp) {
			if (z != NULL && name_equal(z->origin, m.qname))
				return ANSWER_XFR;
			return answer_bare(&a, true, z ? MSG_RCODE_NOTAUTH : MSG_RCODE_REFUSED,
					   m.has_edns, z ? -1 : EDE_NOT_AUTHORITATIVE, outlen);
		}
		if (m.qtype == RRTYPE_AXFR || z == NULL || !name_equal(z->origin, m.qname))
			return answer_bare(&a, true,
					   m.qtype == RRTYPE_AXFR ? MSG_RCODE_NOTIMP
					   : z == NULL ? MSG_RCODE_REFUSED
						       : MSG_RCODE_NOTAUTH,
					   m.has_edns, -1, outlen);
		/* RFC 1995 §2: IXFR over UDP that does not fit is answered
		 * with the SOA alone, telling the client to use TCP; we keep
		 * no journal here, so it never fits.  Below as a SOA query. */
		a.qtype = RRTYPE_SOA;
	}
	/* DS of a zone apex lives in the parent (RFC 4035 §3.1.4.1): use the
	 * parent zone when we serve it too, as Knot does. */
	if (z != NULL && m.qtype == RRTYPE_DS && name_equal(z->origin, m.qname) &&
	    m.qname[0] != 0) {
		const zone_t *p = zonedb_find(db, m.qname + 1 + m.qname[0]);
		if (p != NULL)
			z = p;
	}
	if (z == NULL)
		return answer_bare(&a, true, MSG_RCODE_REFUSED, m.has_edns, EDE_NOT_AUTHORITATIVE,
				   outlen);
	/* RFC 1035 §3.3.13: an expired secondary zone is no longer
	 * authoritative data; SERVFAIL, as BIND and Knot answer */
	if (zonedb_expired(db, z))
		return answer_bare(&a, true, MSG_RCODE_SERVFAIL, m.has_edns, -1, outlen);

	if (msg_build_question(&a.b, m.qname, m.qtype, m.qclass) != 0)
		return answer_bare(&a, false, MSG_RCODE_SERVFAIL, false, -1, outlen);
	ans_edns_t e = {0};
	if (m.has_edns && ans_edns_prepare(&a, &e, -1) != 0)
		e.present = false;
	a.z = z;
	a.apex = z->apex;
	a.zlabels = name_labels(z->origin);
	if (a.apex == NULL) {
		/* a zone without an apex is not loadable; answer SERVFAIL */
		(void)msg_build_set_rcode(&a.b, MSG_RCODE_SERVFAIL);
	} else {
		msg_build_set_flags(&a.b, msg_build_flags(&a.b) | MSG_FLAG_AA);
		ans_dnssec_init(&a);
		ans_zone(&a, m.qname);
		(void)msg_build_set_rcode(&a.b, a.rcode);
	}
	if (e.present)
		ans_edns_finish(&a, &e);
	*outlen = msg_build_len(&a.b);
	return 0;
}
