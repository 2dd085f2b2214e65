/*
 * CHAOS class queries: the de-facto server identification names (BIND's
 * version.bind and hostname.bind, RFC 4892 §2.2 id.server and
 * version.server), TXT only.  As Knot and NSD: TTL 0, class CH, no AA
 * (nothing here is a zone's data), REFUSED for anything else.
 */
#include <string.h>

#include "dns/rrtype.h"
#include "server/answer_int.h"

#define EDE_NOT_AUTHORITATIVE 20

static const char *chaos_text(const answer_opts_t *o, const uint8_t *qname)
{
	static const uint8_t version_bind[] = "\7version\4bind";
	static const uint8_t version_server[] = "\7version\6server";
	static const uint8_t id_server[] = "\2id\6server";
	static const uint8_t hostname_bind[] = "\10hostname\4bind";
	if (name_equal(qname, version_bind) || name_equal(qname, version_server))
		return o->version;
	if (name_equal(qname, id_server) || name_equal(qname, hostname_bind))
		return o->identity;
	return NULL;
}

void ans_chaos(ans_t *a)
{
	const msg_t *m = a->q;
	ans_edns_t e;
	const char *text = m->qtype == RRTYPE_TXT ? chaos_text(a->o, m->qname) : NULL;
	if (msg_build_question(&a->b, m->qname, m->qtype, m->qclass) != 0)
		return;
	if (ans_edns_prepare(a, &e, text == NULL ? EDE_NOT_AUTHORITATIVE : -1) != 0)
		e.present = false;
	if (text == NULL) {
		(void)msg_build_set_rcode(&a->b, MSG_RCODE_REFUSED);
	} else {
		/* one character-string: at most 255 octets (RFC 1035 §3.3) */
		uint8_t rd[256];
		size_t len = strlen(text);
		if (len > 255)
			len = 255;
		rd[0] = (uint8_t)len;
		memcpy(rd + 1, text, len);
		if (msg_build_rr(&a->b, MSG_SEC_ANSWER, m->qname, RRTYPE_TXT, RRCLASS_CH, 0, rd,
				 len + 1) != 0)
			msg_build_set_flags(&a->b, msg_build_flags(&a->b) | MSG_FLAG_TC);
	}
	ans_edns_finish(a, &e);
}
