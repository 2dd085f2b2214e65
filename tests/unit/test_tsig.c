/* Unit tests of src/dns/tsig.c: algorithm names; requests, a response and
 * AXFR-like sequences (all signed, and with an unsigned middle message)
 * signed by dnspython and verified here (fixtures from
 * tests/fuzz/gen_tsig_corpus.py, at Time Signed FIX_TIME); round trips of
 * our signer and verifier for every algorithm; every single-octet change
 * of a signed message; BADKEY, BADSIG, BADTIME (at the fudge boundary),
 * truncated MACs (BADTRUNC / FORMERR at the §5.2.2.1 limits), the error
 * responses, the 99-unsigned-messages limit, room checks.
 *
 * `test_tsig --emit DIR` writes messages signed here for
 * tests/system/test_tsig_keygen.py to verify with dnspython. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"
#include "dns/wire.h"

#define FIX_TIME ((uint64_t)1700000000) /* gen_tsig_corpus.py's TIME */
#define CORPUS   SRCDIR "/tests/fuzz/corpus/tsig/"

static const uint8_t SECRET[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static tsig_key_t KEYS[TSIG_ALG_COUNT];
static const tsig_keyring_t RING = {KEYS, TSIG_ALG_COUNT};
static const char *const ALG_TEXT[TSIG_ALG_COUNT] = {"hmac-md5",    "hmac-sha1",   "hmac-sha224",
                                                     "hmac-sha256", "hmac-sha384", "hmac-sha512"};

static void keys_init(void)
{
	for (int i = 0; i < TSIG_ALG_COUNT; i++)
		assert_int_equal(tsig_key_init(&KEYS[i], "xfr-key", (tsig_alg_t)i, SECRET, 32), 0);
}

static size_t load(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	snprintf(path, sizeof(path), CORPUS "%s.bin", name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static const uint8_t *wname(const char *text)
{
	static uint8_t n[4][NAME_MAXLEN];
	static int next;
	uint8_t *out = n[next++ % 4];
	size_t len;
	assert_int_equal(name_from_text(text, strlen(text), NULL, out, &len), 0);
	return out;
}

/* A query (example.com. SOA, or AXFR) without TSIG into buf. */
static size_t build_query(uint8_t *buf, size_t cap, uint16_t id, uint16_t qtype)
{
	msg_builder_t b;
	assert_int_equal(msg_build_init(&b, buf, cap, id, MSG_FLAGS(MSG_OPCODE_QUERY, 0)), 0);
	assert_int_equal(msg_build_question(&b, wname("example.com."), qtype, RRCLASS_IN), 0);
	return msg_build_len(&b);
}

/* Response message number i to a query id: one A RR. */
static size_t build_answer(uint8_t *buf, size_t cap, uint16_t id, int i)
{
	msg_builder_t b;
	assert_int_equal(msg_build_init(&b, buf, cap, id,
	                                MSG_FLAGS(MSG_OPCODE_QUERY, 0) | MSG_FLAG_QR | MSG_FLAG_AA),
	                 0);
	assert_int_equal(msg_build_question(&b, wname("example.com."), RRTYPE_AXFR, RRCLASS_IN), 0);
	uint8_t a[4] = {192, 0, 2, (uint8_t)i};
	assert_int_equal(msg_build_rr(&b, MSG_SEC_ANSWER, wname("a.example.com."), RRTYPE_A,
	                              RRCLASS_IN, 300, a, 4),
	                 0);
	return msg_build_len(&b);
}

static tsig_status_t verify_wire(const uint8_t *wire, size_t len, const tsig_keyring_t *ring,
                                 uint64_t now, tsig_req_t *req)
{
	msg_t m;
	assert_int_equal(msg_parse(&m, wire, len), 0);
	assert_true(m.has_tsig);
	return tsig_verify(&m, ring, now, req);
}

/* -------------------------------------------------------------- names */

static void test_alg_names(void **state)
{
	(void)state;
	for (int i = 0; i < TSIG_ALG_COUNT; i++) {
		tsig_alg_t a;
		assert_int_equal(tsig_alg_from_text(ALG_TEXT[i], &a), 0);
		assert_int_equal(a, i);
		assert_int_equal(tsig_alg_from_text(tsig_alg_name((tsig_alg_t)i), &a), 0);
		assert_int_equal(a, i);
		assert_int_equal(tsig_alg_from_wire(tsig_alg_wire((tsig_alg_t)i), &a), 0);
		assert_int_equal(a, i);
		char text[NAME_TEXT_MAXLEN];
		assert_true(name_to_text(tsig_alg_wire((tsig_alg_t)i), text, sizeof(text)) > 0);
		assert_string_equal(text, tsig_alg_name((tsig_alg_t)i));
	}
	tsig_alg_t a;
	assert_int_equal(tsig_alg_from_text("HMAC-SHA256.", &a), 0);
	assert_int_equal(a, TSIG_HMAC_SHA256);
	assert_int_equal(tsig_alg_from_text("hmac-md5.sig-alg.reg.int", &a), 0);
	assert_int_equal(a, TSIG_HMAC_MD5);
	assert_int_equal(tsig_alg_from_text("hmac-sha256-128", &a), ERR_NOTFOUND);
	assert_int_equal(tsig_alg_from_text("", &a), ERR_NOTFOUND);
	assert_int_equal(tsig_alg_from_text("hmac-sha", &a), ERR_NOTFOUND);
	assert_int_equal(tsig_alg_from_wire(wname("hmac-sha256.example."), &a), ERR_NOTFOUND);
	assert_string_equal(tsig_alg_name(TSIG_HMAC_MD5), "hmac-md5.sig-alg.reg.int.");
	assert_null(tsig_alg_name(TSIG_ALG_COUNT));
	assert_int_equal(tsig_alg_mac_len(TSIG_HMAC_MD5), 16);
	assert_int_equal(tsig_alg_mac_len(TSIG_HMAC_SHA1), 20);
	assert_int_equal(tsig_alg_mac_len(TSIG_HMAC_SHA224), 28);
	assert_int_equal(tsig_alg_mac_len(TSIG_HMAC_SHA512), 64);
	tsig_key_t k;
	assert_int_equal(tsig_key_init(&k, "k", TSIG_HMAC_SHA256, SECRET, 0), ERR_INVAL);
	assert_int_equal(tsig_key_init(&k, "k", TSIG_ALG_COUNT, SECRET, 1), ERR_INVAL);
	assert_true(tsig_key_init(&k, "a..b", TSIG_HMAC_SHA256, SECRET, 1) < 0);
	/* lookup: name case-insensitive, algorithm exact */
	assert_ptr_equal(tsig_keyring_find(&RING, wname("XFR-Key."), TSIG_HMAC_SHA384),
	                 &KEYS[TSIG_HMAC_SHA384]);
	assert_null(tsig_keyring_find(&RING, wname("other."), TSIG_HMAC_SHA384));
	tsig_keyring_t one = {&KEYS[TSIG_HMAC_SHA1], 1};
	assert_null(tsig_keyring_find(&one, wname("xfr-key."), TSIG_HMAC_SHA256));
}

/* ------------------------------------------------ dnspython's signatures */

static void test_dnspython_requests(void **state)
{
	(void)state;
	for (int i = 0; i < TSIG_ALG_COUNT; i++) {
		char name[64];
		uint8_t buf[512];
		snprintf(name, sizeof(name), "q-%s", ALG_TEXT[i]);
		size_t len = load(name, buf, sizeof(buf));
		tsig_req_t req;
		assert_int_equal(verify_wire(buf, len, &RING, FIX_TIME, &req), TSIG_OK);
		assert_int_equal(req.status, TSIG_OK);
		assert_ptr_equal(req.key, &KEYS[i]);
		assert_int_equal(req.mac_len, tsig_alg_mac_len((tsig_alg_t)i));
		assert_int_equal(req.time_signed, FIX_TIME);
		assert_int_equal(req.fudge, 300);
		/* the fudge window: exactly 300 s either side passes */
		assert_int_equal(verify_wire(buf, len, &RING, FIX_TIME + 300, &req), TSIG_OK);
		assert_int_equal(verify_wire(buf, len, &RING, FIX_TIME - 300, &req), TSIG_OK);
		assert_int_equal(verify_wire(buf, len, &RING, FIX_TIME + 301, &req), TSIG_BADTIME);
		assert_ptr_equal(req.key, &KEYS[i]); /* known: the BADTIME answer is signed */
		assert_int_equal(verify_wire(buf, len, &RING, FIX_TIME - 301, &req), TSIG_BADTIME);
		/* a ring without this algorithm: BADKEY */
		tsig_keyring_t other = {&KEYS[(i + 1) % TSIG_ALG_COUNT], 1};
		assert_int_equal(verify_wire(buf, len, &other, FIX_TIME, &req), TSIG_BADKEY);
		assert_null(req.key);
		/* same name and algorithm, other secret: BADSIG */
		tsig_key_t wrong = KEYS[i];
		wrong.secret_len = 31;
		tsig_keyring_t w = {&wrong, 1};
		assert_int_equal(verify_wire(buf, len, &w, FIX_TIME, &req), TSIG_BADSIG);
		assert_int_equal(verify_wire(buf, len, NULL, FIX_TIME, &req), TSIG_BADKEY);
	}
}

static void test_dnspython_response(void **state)
{
	(void)state;
	uint8_t q[512], r[512];
	size_t qlen = load("q-hmac-sha256", q, sizeof(q));
	size_t rlen = load("r-hmac-sha256", r, sizeof(r));
	tsig_req_t req;
	assert_int_equal(verify_wire(q, qlen, &RING, FIX_TIME, &req), TSIG_OK);
	/* the client side of this exchange: its state after signing q is the
	 * request MAC, which tsig_ctx_init_response sets up the same way */
	tsig_ctx_t c;
	assert_int_equal(tsig_ctx_init_response(&c, &req), 0);
	msg_t m;
	assert_int_equal(msg_parse(&m, r, rlen), 0);
	assert_int_equal(tsig_ctx_verify(&c, &m, FIX_TIME), TSIG_OK);
	assert_int_equal(tsig_ctx_finish(&c), TSIG_OK);
	tsig_ctx_clear(&c);
	/* without the request MAC (another request's) it fails */
	tsig_req_t req2 = req;
	req2.mac[0] ^= 1;
	assert_int_equal(tsig_ctx_init_response(&c, &req2), 0);
	assert_int_equal(tsig_ctx_verify(&c, &m, FIX_TIME), TSIG_BADSIG);
	assert_int_equal(tsig_ctx_finish(&c), TSIG_BADSIG);
	assert_int_equal(tsig_ctx_verify(&c, &m, FIX_TIME), TSIG_BADSIG); /* stays failed */
	tsig_ctx_clear(&c);
	/* the response is not a request of its own: no prior MAC, BADSIG */
	assert_int_equal(verify_wire(r, rlen, &RING, FIX_TIME, &req2), TSIG_BADSIG);
}

/* Verifies the sequence axfr-<variant>-1..n answering q-axfr; the message
 * at index `flip` (if >= 0) gets its A record changed. */
static tsig_status_t run_axfr(const char *variant, int n, int flip, tsig_status_t *finish)
{
	uint8_t q[512];
	size_t qlen = load("q-axfr", q, sizeof(q));
	tsig_req_t req;
	assert_int_equal(verify_wire(q, qlen, &RING, FIX_TIME, &req), TSIG_OK);
	tsig_ctx_t c;
	assert_int_equal(tsig_ctx_init_response(&c, &req), 0);
	tsig_status_t st = TSIG_OK;
	for (int i = 0; i < n && st == TSIG_OK; i++) {
		char name[64];
		uint8_t buf[512];
		snprintf(name, sizeof(name), "axfr-%s-%d", variant, i + 1);
		size_t len = load(name, buf, sizeof(buf));
		msg_t m;
		assert_int_equal(msg_parse(&m, buf, len), 0);
		if (i == flip)
			buf[m.rr[0].rdoff + 3] ^= 1; /* the A record's address */
		st = tsig_ctx_verify(&c, &m, FIX_TIME);
	}
	*finish = tsig_ctx_finish(&c);
	tsig_ctx_clear(&c);
	return st;
}

static void test_dnspython_axfr(void **state)
{
	(void)state;
	tsig_status_t fin;
	assert_int_equal(run_axfr("signed", 3, -1, &fin), TSIG_OK);
	assert_int_equal(fin, TSIG_OK);
	assert_int_equal(run_axfr("unsigned", 3, -1, &fin), TSIG_OK);
	assert_int_equal(fin, TSIG_OK);
	/* stopping after the unsigned message: not authenticated */
	assert_int_equal(run_axfr("unsigned", 2, -1, &fin), TSIG_OK);
	assert_int_equal(fin, TSIG_BADSIG);
	/* a change in the unsigned message shows in the next MAC */
	assert_int_equal(run_axfr("unsigned", 3, 1, &fin), TSIG_BADSIG);
	assert_int_equal(fin, TSIG_BADSIG);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(run_axfr("signed", 3, i, &fin), TSIG_BADSIG);
		assert_int_equal(fin, TSIG_BADSIG);
	}
	/* out of order: message 2 of the signed run where 1 is expected */
	uint8_t q[512], buf[512];
	size_t qlen = load("q-axfr", q, sizeof(q));
	tsig_req_t req;
	assert_int_equal(verify_wire(q, qlen, &RING, FIX_TIME, &req), TSIG_OK);
	tsig_ctx_t c;
	assert_int_equal(tsig_ctx_init_response(&c, &req), 0);
	size_t len = load("axfr-signed-2", buf, sizeof(buf));
	msg_t m;
	assert_int_equal(msg_parse(&m, buf, len), 0);
	assert_int_equal(tsig_ctx_verify(&c, &m, FIX_TIME), TSIG_BADSIG);
	tsig_ctx_clear(&c);
	/* the first message unsigned: refused */
	assert_int_equal(tsig_ctx_init_response(&c, &req), 0);
	len = load("axfr-unsigned-2", buf, sizeof(buf));
	assert_int_equal(msg_parse(&m, buf, len), 0);
	assert_int_equal(tsig_ctx_verify(&c, &m, FIX_TIME), TSIG_BADSIG);
	tsig_ctx_clear(&c);
}

/* ------------------------------------------------------------ round trips */

/* Signs a query with a client context for key (left open in *c). */
static size_t client_query(tsig_ctx_t *c, const tsig_key_t *key, uint8_t *buf, size_t cap,
                           uint64_t now)
{
	size_t len = build_query(buf, cap, 0xbeef, RRTYPE_AXFR);
	assert_int_equal(tsig_ctx_init(c, key), 0);
	assert_int_equal(tsig_ctx_sign(c, buf, &len, cap, now), 0);
	return len;
}

static void test_roundtrip(void **state)
{
	(void)state;
	for (int i = TSIG_HMAC_SHA1; i < TSIG_ALG_COUNT; i++) {
		const tsig_key_t *key = &KEYS[i];
		uint8_t q[512];
		tsig_ctx_t cl, sv;
		size_t qlen = client_query(&cl, key, q, sizeof(q), FIX_TIME);
		assert_int_equal(qlen, build_query(q + 256, 256, 0xbeef, RRTYPE_AXFR) +
		                           tsig_rr_size(key) - TSIG_OTHER_MAX);
		msg_t m;
		assert_int_equal(msg_parse(&m, q, qlen), 0);
		assert_int_equal(m.count[MSG_SEC_ADDITIONAL], 1);
		tsig_rr_t rr;
		assert_int_equal(tsig_rr_read(&m, &rr), 0);
		assert_true(name_equal(rr.key_name, wname("xfr-key.")));
		assert_true(name_equal(rr.alg_name, tsig_alg_wire(key->alg)));
		assert_int_equal(rr.time_signed, FIX_TIME);
		assert_int_equal(rr.fudge, TSIG_FUDGE);
		assert_int_equal(rr.orig_id, 0xbeef);
		assert_int_equal(rr.error, 0);
		assert_int_equal(rr.other_len, 0);
		size_t cmac_len;
		const uint8_t *cmac = tsig_ctx_mac(&cl, &cmac_len);
		assert_int_equal(cmac_len, tsig_alg_mac_len(key->alg));
		assert_memory_equal(cmac, rr.mac, cmac_len);

		tsig_req_t req;
		assert_int_equal(tsig_verify(&m, &RING, FIX_TIME + 10, &req), TSIG_OK);
		assert_ptr_equal(req.key, key);
		assert_int_equal(tsig_ctx_init_response(&sv, &req), 0);
		for (int k = 0; k < 3; k++) {
			uint8_t r[512];
			size_t rlen = build_answer(r, sizeof(r), 0xbeef, k);
			assert_int_equal(tsig_ctx_sign(&sv, r, &rlen, sizeof(r), FIX_TIME + 10 + k),
			                 0);
			assert_int_equal(msg_parse(&m, r, rlen), 0);
			assert_true(m.has_tsig);
			assert_int_equal(tsig_ctx_verify(&cl, &m, FIX_TIME + k), TSIG_OK);
			assert_int_equal(cl.peer_error, 0);
		}
		assert_int_equal(tsig_ctx_finish(&cl), TSIG_OK);
		tsig_ctx_clear(&cl);
		tsig_ctx_clear(&sv);
	}
	/* MD5: never originated, but answered */
	tsig_ctx_t c;
	assert_int_equal(tsig_ctx_init(&c, &KEYS[TSIG_HMAC_MD5]), ERR_INVAL);
	tsig_ctx_clear(&c);
	uint8_t q[512], r[512];
	size_t qlen = load("q-hmac-md5", q, sizeof(q));
	tsig_req_t req;
	assert_int_equal(verify_wire(q, qlen, &RING, FIX_TIME, &req), TSIG_OK);
	tsig_ctx_t sv, cl;
	assert_int_equal(tsig_ctx_init_response(&sv, &req), 0);
	assert_int_equal(tsig_ctx_init_response(&cl, &req), 0);
	size_t rlen = build_answer(r, sizeof(r), 0x1234, 1);
	assert_int_equal(tsig_ctx_sign(&sv, r, &rlen, sizeof(r), FIX_TIME), 0);
	msg_t m;
	assert_int_equal(msg_parse(&m, r, rlen), 0);
	assert_int_equal(tsig_ctx_verify(&cl, &m, FIX_TIME), TSIG_OK);
	tsig_ctx_clear(&sv);
	tsig_ctx_clear(&cl);
	/* a failed request gives no response context */
	req.status = TSIG_BADSIG;
	assert_int_equal(tsig_ctx_init_response(&sv, &req), ERR_INVAL);
	tsig_ctx_clear(&sv);
}

/* Every single-octet change of a signed request past the header ID either
 * makes it unparsable or fails verification. */
static void test_every_octet(void **state)
{
	(void)state;
	uint8_t q[512];
	tsig_ctx_t cl;
	size_t len = client_query(&cl, &KEYS[TSIG_HMAC_SHA256], q, sizeof(q), FIX_TIME);
	tsig_ctx_clear(&cl);
	for (size_t pos = 0; pos < len; pos++) {
		for (int bit = 0; bit < 8; bit++) {
			uint8_t t[512];
			memcpy(t, q, len);
			t[pos] ^= (uint8_t)(1u << bit);
			msg_t m;
			if (msg_parse(&m, t, len) != 0 || !m.has_tsig)
				continue;
			tsig_req_t req;
			tsig_status_t st = tsig_verify(&m, &RING, FIX_TIME, &req);
			bool case_bit =
			    bit == 5 && ((t[pos] | 0x20) >= 'a' && (t[pos] | 0x20) <= 'z');
			if (pos < 2 || (case_bit && pos >= m.tsig.off))
				continue; /* the ID (Original ID counts) and the case of
				             TSIG names (canonical form) are not covered */
			if (st == TSIG_OK)
				fail_msg("octet %zu bit %d changed and still TSIG_OK", pos, bit);
		}
	}
	/* the ID is free (forwarders may change it): Original ID is signed */
	q[0] ^= 0xff;
	tsig_req_t req;
	assert_int_equal(verify_wire(q, len, &RING, FIX_TIME, &req), TSIG_OK);
}

/* ------------------------------------------------------------------ errors */

static void test_error_responses(void **state)
{
	(void)state;
	const tsig_key_t *key = &KEYS[TSIG_HMAC_SHA256];
	uint8_t q[512];
	tsig_ctx_t cl;
	size_t qlen = client_query(&cl, key, q, sizeof(q), FIX_TIME);

	/* BADTIME: the server is 1000 s ahead; its answer is signed and says its time */
	tsig_req_t req;
	assert_int_equal(verify_wire(q, qlen, &RING, FIX_TIME + 1000, &req), TSIG_BADTIME);
	assert_int_equal(tsig_status_rcode(req.status), MSG_RCODE_NOTAUTH);
	uint8_t r[512];
	size_t rlen = build_answer(r, sizeof(r), 0xbeef, 0);
	assert_int_equal(tsig_sign_error(r, &rlen, sizeof(r), &req, FIX_TIME + 1000), 0);
	msg_t m;
	assert_int_equal(msg_parse(&m, r, rlen), 0);
	assert_int_equal(msg_rcode(&m), MSG_RCODE_NOTAUTH);
	tsig_rr_t rr;
	assert_int_equal(tsig_rr_read(&m, &rr), 0);
	assert_int_equal(rr.error, TSIG_BADTIME);
	assert_int_equal(rr.mac_len, 32);
	assert_int_equal(rr.other_len, 6);
	assert_int_equal(wire_get_u16(rr.other), 0);
	assert_int_equal(wire_get_u32(rr.other + 2), FIX_TIME + 1000);
	/* the client verifies it (at the server's time: its own is off) and
	 * learns the error */
	assert_int_equal(tsig_ctx_verify(&cl, &m, FIX_TIME + 1000), TSIG_OK);
	assert_int_equal(cl.peer_error, TSIG_BADTIME);
	tsig_ctx_clear(&cl);

	/* BADTRUNC is signed too */
	req.status = TSIG_BADTRUNC;
	rlen = build_answer(r, sizeof(r), 0xbeef, 0);
	assert_int_equal(tsig_sign_error(r, &rlen, sizeof(r), &req, FIX_TIME), 0);
	assert_int_equal(msg_parse(&m, r, rlen), 0);
	assert_int_equal(tsig_rr_read(&m, &rr), 0);
	assert_int_equal(rr.error, TSIG_BADTRUNC);
	assert_int_equal(rr.mac_len, 32);
	assert_int_equal(rr.other_len, 0);

	/* BADKEY: unsigned, the request's names echoed */
	tsig_keyring_t other = {&KEYS[TSIG_HMAC_SHA1], 1};
	qlen = client_query(&cl, key, q, sizeof(q), FIX_TIME);
	assert_int_equal(verify_wire(q, qlen, &other, FIX_TIME, &req), TSIG_BADKEY);
	rlen = build_answer(r, sizeof(r), 0xbeef, 0);
	assert_int_equal(tsig_sign_error(r, &rlen, sizeof(r), &req, FIX_TIME), 0);
	assert_int_equal(msg_parse(&m, r, rlen), 0);
	assert_int_equal(msg_rcode(&m), MSG_RCODE_NOTAUTH);
	assert_int_equal(tsig_rr_read(&m, &rr), 0);
	assert_int_equal(rr.error, TSIG_BADKEY);
	assert_int_equal(rr.mac_len, 0);
	assert_true(name_equal(rr.key_name, key->name));
	assert_true(name_equal(rr.alg_name, tsig_alg_wire(TSIG_HMAC_SHA256)));
	/* the client cannot trust an unsigned complaint */
	assert_int_equal(tsig_ctx_verify(&cl, &m, FIX_TIME), TSIG_BADSIG);
	assert_int_equal(cl.peer_error, TSIG_BADKEY);
	tsig_ctx_clear(&cl);

	/* BADSIG: unsigned as well */
	qlen = client_query(&cl, key, q, sizeof(q), FIX_TIME);
	tsig_ctx_clear(&cl);
	q[qlen - 10] ^= 1; /* in the MAC */
	assert_int_equal(verify_wire(q, qlen, &RING, FIX_TIME, &req), TSIG_BADSIG);
	rlen = build_answer(r, sizeof(r), 0xbeef, 0);
	assert_int_equal(tsig_sign_error(r, &rlen, sizeof(r), &req, FIX_TIME), 0);
	assert_int_equal(msg_parse(&m, r, rlen), 0);
	assert_int_equal(tsig_rr_read(&m, &rr), 0);
	assert_int_equal(rr.error, TSIG_BADSIG);
	assert_int_equal(rr.mac_len, 0);

	/* FORMERR: RCODE only */
	req.status = TSIG_FORMERR;
	rlen = build_answer(r, sizeof(r), 0xbeef, 0);
	size_t before = rlen;
	assert_int_equal(tsig_sign_error(r, &rlen, sizeof(r), &req, FIX_TIME), 0);
	assert_int_equal(rlen, before);
	assert_int_equal(msg_parse(&m, r, rlen), 0);
	assert_int_equal(msg_rcode(&m), MSG_RCODE_FORMERR);
	assert_false(m.has_tsig);
	req.status = TSIG_OK;
	assert_int_equal(tsig_sign_error(r, &rlen, sizeof(r), &req, FIX_TIME), ERR_INVAL);

	/* no room: the message stays as it was */
	assert_int_equal(verify_wire(q, qlen, &RING, FIX_TIME, &req), TSIG_BADSIG);
	rlen = build_answer(r, sizeof(r), 0xbeef, 0);
	uint8_t copy[512];
	memcpy(copy, r, rlen);
	before = rlen;
	assert_int_equal(tsig_sign_error(r, &rlen, rlen + 10, &req, FIX_TIME), ERR_SPACE);
	assert_int_equal(rlen, before);
	assert_memory_equal(r, copy, rlen);
	assert_int_equal(tsig_status_rcode(TSIG_OK), MSG_RCODE_NOERROR);
}

/* Rewrites the TSIG MAC of a signed message to its first n octets (or
 * appends octets up to n); returns the new length. */
static size_t set_mac_len(uint8_t *buf, size_t len, size_t n)
{
	msg_t m;
	assert_int_equal(msg_parse(&m, buf, len), 0);
	tsig_rr_t rr;
	assert_int_equal(tsig_rr_read(&m, &rr), 0);
	size_t mac_off = (size_t)(rr.mac - buf), old = rr.mac_len;
	size_t tail = len - (mac_off + old);
	memmove(buf + mac_off + n, buf + mac_off + old, tail);
	for (size_t i = old; i < n; i++)
		buf[mac_off + i] = 0xaa;
	wire_put_u16(buf + mac_off - 2, (uint16_t)n);
	wire_put_u16(buf + m.tsig.rdoff - 2, (uint16_t)(m.tsig.rdlen - old + n));
	return len - old + n;
}

static void test_truncation(void **state)
{
	(void)state;
	static const struct {
		tsig_alg_t alg;
		size_t mac_len;
		tsig_status_t st;
	} cases[] = {
	    {TSIG_HMAC_SHA256, 32, TSIG_OK},       {TSIG_HMAC_SHA256, 31, TSIG_BADTRUNC},
	    {TSIG_HMAC_SHA256, 16, TSIG_BADTRUNC}, {TSIG_HMAC_SHA256, 15, TSIG_FORMERR},
	    {TSIG_HMAC_SHA256, 33, TSIG_FORMERR},  {TSIG_HMAC_SHA256, 0, TSIG_FORMERR},
	    {TSIG_HMAC_SHA1, 10, TSIG_BADTRUNC},   {TSIG_HMAC_SHA1, 9, TSIG_FORMERR},
	    {TSIG_HMAC_SHA1, 21, TSIG_FORMERR},    {TSIG_HMAC_SHA512, 32, TSIG_BADTRUNC},
	    {TSIG_HMAC_SHA512, 31, TSIG_FORMERR},  {TSIG_HMAC_SHA224, 14, TSIG_BADTRUNC},
	    {TSIG_HMAC_SHA224, 13, TSIG_FORMERR},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t q[512];
		tsig_ctx_t cl;
		size_t len = client_query(&cl, &KEYS[cases[i].alg], q, sizeof(q), FIX_TIME);
		tsig_ctx_clear(&cl);
		len = set_mac_len(q, len, cases[i].mac_len);
		tsig_req_t req;
		tsig_status_t st = verify_wire(q, len, &RING, FIX_TIME, &req);
		if (st != cases[i].st)
			fail_msg("case %zu: %d, expected %d", i, st, cases[i].st);
		if (st == TSIG_BADTRUNC) {
			assert_int_equal(req.mac_len, cases[i].mac_len);
			/* a wrong truncated MAC is BADSIG, checked first */
			msg_t m;
			assert_int_equal(msg_parse(&m, q, len), 0);
			tsig_rr_t rr;
			assert_int_equal(tsig_rr_read(&m, &rr), 0);
			q[rr.mac - q] ^= 1;
			assert_int_equal(verify_wire(q, len, &RING, FIX_TIME, &req), TSIG_BADSIG);
		}
	}
}

static void test_tsig_placement(void **state)
{
	(void)state;
	uint8_t q[600];
	tsig_ctx_t cl;
	size_t len = client_query(&cl, &KEYS[TSIG_HMAC_SHA256], q, sizeof(q), FIX_TIME);
	/* a second TSIG (signing twice) is not last-and-only: msg_parse FORMERR */
	tsig_ctx_t c2;
	assert_int_equal(tsig_ctx_init(&c2, &KEYS[TSIG_HMAC_SHA256]), 0);
	size_t len2 = len;
	uint8_t q2[600];
	memcpy(q2, q, len);
	assert_int_equal(tsig_ctx_sign(&c2, q2, &len2, sizeof(q2), FIX_TIME), 0);
	msg_t m;
	assert_int_equal(msg_parse(&m, q2, len2), ERR_FORMERR);
	tsig_ctx_clear(&c2);
	/* an A RR after the TSIG: FORMERR */
	static const uint8_t a_rr[] = {0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
	memcpy(q2, q, len);
	memcpy(q2 + len, a_rr, sizeof(a_rr));
	wire_put_u16(q2 + 10, (uint16_t)(wire_get_u16(q2 + 10) + 1));
	assert_int_equal(msg_parse(&m, q2, len + sizeof(a_rr)), ERR_FORMERR);
	/* TSIG with TTL or class changed: FORMERR from us (not covered by the MAC) */
	assert_int_equal(msg_parse(&m, q, len), 0);
	memcpy(q2, q, len);
	q2[m.tsig.rdoff - 3] = 1; /* TTL low octet */
	assert_int_equal(msg_parse(&m, q2, len), 0);
	tsig_req_t req;
	assert_int_equal(tsig_verify(&m, &RING, FIX_TIME, &req), TSIG_FORMERR);
	/* no TSIG at all */
	size_t plain = build_query(q2, sizeof(q2), 1, RRTYPE_SOA);
	assert_int_equal(msg_parse(&m, q2, plain), 0);
	assert_int_equal(tsig_verify(&m, &RING, FIX_TIME, &req), TSIG_FORMERR);
	tsig_rr_t rr;
	assert_int_equal(tsig_rr_read(&m, &rr), ERR_NOTFOUND);
	/* an unsigned response to a signed request */
	assert_int_equal(tsig_ctx_verify(&cl, &m, FIX_TIME), TSIG_BADSIG);
	tsig_ctx_clear(&cl);
	tsig_ctx_clear(&cl); /* idempotent */
}

static void test_sign_space(void **state)
{
	(void)state;
	for (int i = TSIG_HMAC_SHA1; i < TSIG_ALG_COUNT; i++) {
		uint8_t q[512], copy[512];
		size_t base = build_query(q, sizeof(q), 7, RRTYPE_SOA);
		size_t need = tsig_rr_size(&KEYS[i]) - TSIG_OTHER_MAX;
		memcpy(copy, q, base);
		tsig_ctx_t c;
		assert_int_equal(tsig_ctx_init(&c, &KEYS[i]), 0);
		size_t len = base;
		assert_int_equal(tsig_ctx_sign(&c, q, &len, base + need - 1, FIX_TIME), ERR_SPACE);
		assert_int_equal(len, base);
		assert_memory_equal(q, copy, base);
		assert_int_equal(tsig_ctx_sign(&c, q, &len, base + need, FIX_TIME), 0);
		assert_int_equal(len, base + need);
		/* with the builder: reserve, fill, release, sign */
		msg_builder_t b;
		assert_int_equal(msg_build_init(&b, q, 200, 7, 0), 0);
		assert_int_equal(msg_build_reserve(&b, tsig_rr_size(&KEYS[i])), 0);
		assert_int_equal(
		    msg_build_question(&b, wname("example.com."), RRTYPE_SOA, RRCLASS_IN), 0);
		msg_build_release(&b, tsig_rr_size(&KEYS[i]));
		tsig_ctx_clear(&c);
		assert_int_equal(tsig_ctx_init(&c, &KEYS[i]), 0);
		len = msg_build_len(&b);
		assert_int_equal(tsig_ctx_sign(&c, q, &len, 200, FIX_TIME), 0);
		msg_t m;
		assert_int_equal(msg_parse(&m, q, len), 0);
		assert_true(m.has_tsig);
		tsig_ctx_clear(&c);
	}
	/* ARCOUNT full, not a message */
	uint8_t q[512];
	size_t len = build_query(q, sizeof(q), 7, RRTYPE_SOA);
	wire_put_u16(q + 10, UINT16_MAX);
	tsig_ctx_t c;
	assert_int_equal(tsig_ctx_init(&c, &KEYS[TSIG_HMAC_SHA256]), 0);
	assert_int_equal(tsig_ctx_sign(&c, q, &len, sizeof(q), FIX_TIME), ERR_INVAL);
	len = 11;
	assert_int_equal(tsig_ctx_sign(&c, q, &len, sizeof(q), FIX_TIME), ERR_INVAL);
	tsig_ctx_clear(&c);
	assert_int_equal(tsig_ctx_init(&c, NULL), ERR_INVAL);
}

/* A signed first message, then up to 99 unsigned ones; the 100th fails. */
static void test_unsigned_limit(void **state)
{
	(void)state;
	const tsig_key_t *key = &KEYS[TSIG_HMAC_SHA256];
	uint8_t q[512], r[512];
	tsig_ctx_t cl, sv;
	size_t qlen = client_query(&cl, key, q, sizeof(q), FIX_TIME);
	msg_t m;
	assert_int_equal(msg_parse(&m, q, qlen), 0);
	tsig_req_t req;
	assert_int_equal(tsig_verify(&m, &RING, FIX_TIME, &req), TSIG_OK);
	assert_int_equal(tsig_ctx_init_response(&sv, &req), 0);
	size_t rlen = build_answer(r, sizeof(r), 0xbeef, 0);
	assert_int_equal(tsig_ctx_sign(&sv, r, &rlen, sizeof(r), FIX_TIME), 0);
	tsig_ctx_clear(&sv);
	assert_int_equal(msg_parse(&m, r, rlen), 0);
	assert_int_equal(tsig_ctx_verify(&cl, &m, FIX_TIME), TSIG_OK);
	rlen = build_answer(r, sizeof(r), 0xbeef, 1);
	assert_int_equal(msg_parse(&m, r, rlen), 0);
	for (int i = 0; i < TSIG_UNSIGNED_MAX; i++)
		assert_int_equal(tsig_ctx_verify(&cl, &m, FIX_TIME), TSIG_OK);
	assert_int_equal(tsig_ctx_finish(&cl), TSIG_BADSIG);
	assert_int_equal(tsig_ctx_verify(&cl, &m, FIX_TIME), TSIG_BADSIG);
	tsig_ctx_clear(&cl);
}

/* ------------------------------------------------------------------ emit */

static int emit_file(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len) {
		perror(path);
		if (f)
			fclose(f);
		return 1;
	}
	return fclose(f) != 0;
}

/* Writes q-<alg>.bin (our signed queries, Time Signed FIX_TIME) and
 * axfr-1..3.bin (our signed answers to dnspython's q-axfr). */
static int emit(const char *dir)
{
	keys_init();
	int bad = 0;
	for (int i = TSIG_HMAC_SHA1; i < TSIG_ALG_COUNT; i++) {
		uint8_t q[512];
		tsig_ctx_t c;
		size_t len = build_query(q, sizeof(q), 0x4321, RRTYPE_SOA);
		if (tsig_ctx_init(&c, &KEYS[i]) != 0 ||
		    tsig_ctx_sign(&c, q, &len, sizeof(q), FIX_TIME) != 0)
			return 1;
		tsig_ctx_clear(&c);
		char name[64];
		snprintf(name, sizeof(name), "q-%s", ALG_TEXT[i]);
		bad |= emit_file(dir, name, q, len);
	}
	uint8_t q[512];
	size_t qlen = load("q-axfr", q, sizeof(q));
	msg_t m;
	tsig_req_t req;
	if (msg_parse(&m, q, qlen) != 0 || tsig_verify(&m, &RING, FIX_TIME, &req) != TSIG_OK)
		return 1;
	tsig_ctx_t sv;
	if (tsig_ctx_init_response(&sv, &req) != 0)
		return 1;
	for (int k = 0; k < 3; k++) {
		uint8_t r[512];
		size_t rlen = build_answer(r, sizeof(r), m.id, k + 1);
		if (tsig_ctx_sign(&sv, r, &rlen, sizeof(r), FIX_TIME) != 0)
			return 1;
		char name[64];
		snprintf(name, sizeof(name), "axfr-%d", k + 1);
		bad |= emit_file(dir, name, r, rlen);
	}
	tsig_ctx_clear(&sv);
	return bad;
}

static int setup(void **state)
{
	(void)state;
	keys_init();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--emit") == 0)
		return emit(argv[2]);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alg_names),          cmocka_unit_test(test_dnspython_requests),
	    cmocka_unit_test(test_dnspython_response), cmocka_unit_test(test_dnspython_axfr),
	    cmocka_unit_test(test_roundtrip),          cmocka_unit_test(test_every_octet),
	    cmocka_unit_test(test_error_responses),    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_tsig_placement),     cmocka_unit_test(test_sign_space),
	    cmocka_unit_test(test_unsigned_limit),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
