/* libFuzzer target of src/dns/tsig.c: input = one message.  When
 * msg_parse accepts it and it carries a TSIG, it is verified as a request
 * against a fixed key ring (every algorithm, key "xfr-key.", the secret of
 * tests/unit/test_tsig.c) and as the first response of an exchange; failed
 * requests get their error TSIG appended to a copy, which must parse.
 * Never crash, never read past the input.  Seeds: tests/fuzz/corpus/tsig
 * (dnspython-signed, tests/fuzz/gen_tsig_corpus.py). */
#include <stdint.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "dns/msg.h"
#include "dns/tsig.h"

#define FIX_TIME ((uint64_t)1700000000)

static const uint8_t SECRET[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static tsig_key_t keys[TSIG_ALG_COUNT];
static tsig_keyring_t ring;
static uint8_t out[MSG_MAXLEN];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ring.n == 0) {
		for (int i = 0; i < TSIG_ALG_COUNT; i++)
			if (tsig_key_init(&keys[i], "xfr-key.", (tsig_alg_t)i, SECRET, 32) != 0)
				abort();
		ring.keys = keys;
		ring.n = TSIG_ALG_COUNT;
	}
	msg_t m;
	if (msg_parse(&m, data, size) != 0 || !m.has_tsig)
		return 0;
	tsig_rr_t rr;
	(void)tsig_rr_read(&m, &rr);

	tsig_req_t req;
	tsig_status_t st = tsig_verify(&m, &ring, FIX_TIME, &req);
	if (st != req.status)
		abort();
	if (st != TSIG_OK && size <= sizeof(out)) {
		/* answer it: the message as the "response", error TSIG appended */
		memcpy(out, data, m.tsig.off);
		size_t len = m.tsig.off;
		out[10] = (uint8_t)((m.count[3] - 1) >> 8);
		out[11] = (uint8_t)(m.count[3] - 1);
		int rc = tsig_sign_error(out, &len, sizeof(out), &req, FIX_TIME);
		msg_t r;
		/* the copied part must still parse with the new header: a
		 * compression pointer into the header (legal, if hostile) reads
		 * the rcode byte the error answer changes */
		static uint8_t prefix[MSG_MAXLEN];
		memcpy(prefix, out, m.tsig.off);
		prefix[10] = prefix[11] = 0;
		bool prefix_ok = msg_parse(&r, prefix, m.tsig.off) == 0;
		if (rc == 0 && st != TSIG_FORMERR && prefix_ok &&
		    (msg_parse(&r, out, len) != 0 || !r.has_tsig))
			abort();
	}

	/* as the first response to a request whose MAC was all zeros */
	tsig_req_t fake = {.status = TSIG_OK, .key = &keys[TSIG_HMAC_SHA256], .mac_len = 32};
	tsig_ctx_t c;
	if (tsig_ctx_init_response(&c, &fake) == 0) {
		(void)tsig_ctx_verify(&c, &m, FIX_TIME);
		(void)tsig_ctx_verify(&c, &m, FIX_TIME);
		(void)tsig_ctx_finish(&c);
	}
	tsig_ctx_clear(&c);
	return 0;
}
