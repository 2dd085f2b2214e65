/*
 * Signed queries (RFC 8945 §5.3): see answer_tsig.h.
 */
#include "server/answer_tsig.h"

#include <string.h>
#include <time.h>

#include "dns/msg.h"
#include "server/xfrout.h"

tsig_keyring_t answer_tsig_ring(const conf_t *conf, tsig_key_t *keys, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < conf->key.n && n < cap; i++) {
		const conf_key_t *k = &conf->key.v[i];
		tsig_key_t *t = &keys[n++];
		memcpy(t->name, k->name, name_length(k->name));
		t->alg = (tsig_alg_t)k->algorithm;
		t->secret = k->secret;
		t->secret_len = k->secret_len;
	}
	tsig_keyring_t ring = {keys, n};
	return ring;
}

int answer_signed(const conf_t *conf, const zonedb_t *db, const answer_opts_t *o,
		  const uint8_t *q, size_t qlen, uint8_t *out, size_t outcap, size_t *outlen)
{
	msg_t m;
	if (msg_parse(&m, q, qlen) != 0 || !m.has_tsig)
		return ANSWER_DROP; /* answer_query parsed it and saw the TSIG */
	/* per thread: the ring is rebuilt per query from the live config */
	static _Thread_local tsig_key_t keys[ANSWER_TSIG_KEYS_MAX];
	tsig_keyring_t ring = answer_tsig_ring(conf, keys, ANSWER_TSIG_KEYS_MAX);
	tsig_req_t req;
	uint64_t now = (uint64_t)time(NULL);
	if (tsig_verify(&m, &ring, now, &req) != TSIG_OK) {
		/* §5.3.2: NOTAUTH with the error in the TSIG (FORMERR for a
		 * malformed TSIG, without one) */
		int rc = xfrout_tsig_error(q, qlen, &req, out, outcap, outlen);
		memset(&req, 0, sizeof(req));
		return rc == 0 ? 0 : ANSWER_DROP;
	}
	answer_opts_t so = *o;
	size_t reserve = tsig_rr_size(req.key);
	so.tsig_reserve = (uint16_t)reserve;
	size_t len = 0;
	int rc = answer_query(db, &so, q, qlen, out, outcap, &len);
	if (rc != 0) {
		memset(&req, 0, sizeof(req));
		return ANSWER_DROP;
	}
	tsig_ctx_t ctx;
	rc = tsig_ctx_init_response(&ctx, &req);
	if (rc == 0)
		rc = tsig_ctx_sign(&ctx, out, &len, outcap, now);
	tsig_ctx_clear(&ctx);
	memset(&req, 0, sizeof(req));
	if (rc != 0)
		return ANSWER_DROP;
	*outlen = len;
	return 0;
}
