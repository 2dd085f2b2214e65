/*
 * The round-trip oracle shared by test_msg and fuzz_msg: rebuild a parsed
 * message with the builder (same header, question, RRs in order, the OPT
 * where it was), so that parsing the result can be compared with the
 * original.  Test code only: static buffers, not thread safe.
 */
#ifndef NSF_TESTS_MSG_REBUILD_H
#define NSF_TESTS_MSG_REBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "dns/msg.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"

/* Returns 0, or the builder's error (ERR_SPACE is expected sometimes). */
static inline int msg_rebuild(const msg_t *m, uint8_t *out, size_t max, size_t *outlen)
{
	static uint8_t rd[RDATA_MAXLEN];
	static msg_ednsopt_t opts[RDATA_MAXLEN / 4 + 1];
	msg_builder_t b;
	int rc = msg_build_init(&b, out, max, m->id, m->flags);
	if (rc == 0 && m->has_question)
		rc = msg_build_question(&b, m->qname, m->qtype, m->qclass);
	if (rc == 0)
		rc = msg_build_set_rcode(&b, msg_rcode(m));
	msg_iter_t it;
	msg_rr_t rr;
	msg_iter_init(&it, m);
	while (rc == 0 && (rc = msg_rr_next(&it, &rr, rd, sizeof(rd))) == 0) {
		if (rr.type == RRTYPE_OPT) {
			msg_ednsopt_iter_t oi;
			size_t n = 0;
			msg_ednsopt_iter_init(&oi, m);
			while (msg_ednsopt_next(&oi, &opts[n]) == 0)
				n++;
			rc = msg_build_opt(&b, m->edns.udp_size, m->edns.version, m->edns.flags,
					   opts, n);
		} else {
			rc = msg_build_rr(&b, rr.section, rr.owner, rr.type, rr.rclass, rr.ttl,
					  rr.rdata, rr.rdlen);
		}
	}
	if (rc == ERR_NOTFOUND)
		rc = 0;
	*outlen = msg_build_len(&b);
	return rc;
}

#endif
