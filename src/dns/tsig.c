/*
 * TSIG (RFC 8945): see tsig.h for the policy.
 *
 * A client exchange (xfr-in) and a server's response stream (xfr-out):
 *
 *   client:  REQUEST --tsig_ctx_sign--> RESPONSE --tsig_ctx_verify--> RESPONSE ...
 *                                         |  signed message: check MAC, time,
 *                                         |  restart the running digest with
 *                                         |  its MAC; unsigned: digest it
 *                                         +--tsig_ctx_finish: last one signed?
 *   server:  tsig_verify(request) --OK--> tsig_ctx_init_response
 *                                 --> RESPONSE --tsig_ctx_sign--> RESPONSE ...
 *                                 --error--> tsig_sign_error (one message)
 */
#include "dns/tsig.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/err.h"
#include "dns/rrtype.h"
#include "dns/wire.h"

enum { ST_REQUEST = 0, ST_RESPONSE = 1 };

/* Fixed part of a TSIG RR after the owner: TYPE CLASS TTL RDLENGTH, and of
 * its rdata after the algorithm name: Time(6) Fudge MAC-Size ... Original
 * ID, Error, Other Len. */
#define RR_FIXED   10
#define TSIG_FIXED (6 + 2 + 2 + 2 + 2 + 2)

static const struct {
	const char *text;   /* the wire name as text */
	const char *wire;   /* the wire name (the literal's NUL is the root) */
	const char *digest; /* OpenSSL digest name */
	size_t mac_len;
} algs[TSIG_ALG_COUNT] = {
    [TSIG_HMAC_MD5] = {"hmac-md5.sig-alg.reg.int.", "\x08hmac-md5\x07sig-alg\x03reg\x03int", "MD5",
                       16},
    [TSIG_HMAC_SHA1] = {"hmac-sha1.", "\x09hmac-sha1", "SHA1", 20},
    [TSIG_HMAC_SHA224] = {"hmac-sha224.", "\x0bhmac-sha224", "SHA224", 28},
    [TSIG_HMAC_SHA256] = {"hmac-sha256.", "\x0bhmac-sha256", "SHA256", 32},
    [TSIG_HMAC_SHA384] = {"hmac-sha384.", "\x0bhmac-sha384", "SHA384", 48},
    [TSIG_HMAC_SHA512] = {"hmac-sha512.", "\x0bhmac-sha512", "SHA512", 64},
};

_Static_assert(TSIG_MAC_MAX == 64, "TSIG_MAC_MAX is SHA-512's output");

static bool alg_valid(tsig_alg_t alg)
{
	return (unsigned)alg < TSIG_ALG_COUNT;
}

const char *tsig_alg_name(tsig_alg_t alg)
{
	return alg_valid(alg) ? algs[alg].text : NULL;
}

const uint8_t *tsig_alg_wire(tsig_alg_t alg)
{
	return alg_valid(alg) ? (const uint8_t *)algs[alg].wire : NULL;
}

size_t tsig_alg_mac_len(tsig_alg_t alg)
{
	return alg_valid(alg) ? algs[alg].mac_len : 0;
}

int tsig_alg_from_text(const char *text, tsig_alg_t *alg)
{
	size_t n = strlen(text);
	if (n > 0 && text[n - 1] == '.')
		n--;
	for (int i = 0; i < TSIG_ALG_COUNT; i++) {
		const char *t = algs[i].text;
		size_t tn = strlen(t) - 1; /* without the final dot */
		if ((n == tn && strncasecmp(text, t, n) == 0) ||
		    (i == TSIG_HMAC_MD5 && n == 8 && strncasecmp(text, "hmac-md5", 8) == 0)) {
			*alg = (tsig_alg_t)i;
			return 0;
		}
	}
	return ERR_NOTFOUND;
}

int tsig_alg_from_wire(const uint8_t *name, tsig_alg_t *alg)
{
	for (int i = 0; i < TSIG_ALG_COUNT; i++) {
		if (name_equal(name, (const uint8_t *)algs[i].wire)) {
			*alg = (tsig_alg_t)i;
			return 0;
		}
	}
	return ERR_NOTFOUND;
}

int tsig_key_init(tsig_key_t *key, const char *name, tsig_alg_t alg, const uint8_t *secret,
                  size_t secret_len)
{
	static const uint8_t root[1] = {0};
	if (!alg_valid(alg) || secret == NULL || secret_len == 0)
		return ERR_INVAL;
	size_t len;
	int rc = name_from_text(name, strlen(name), root, key->name, &len);
	if (rc < 0)
		return rc;
	key->alg = alg;
	key->secret = secret;
	key->secret_len = secret_len;
	return 0;
}

const tsig_key_t *tsig_keyring_find(const tsig_keyring_t *ring, const uint8_t *name, tsig_alg_t alg)
{
	for (size_t i = 0; ring != NULL && i < ring->n; i++)
		if (ring->keys[i].alg == alg && name_equal(ring->keys[i].name, name))
			return &ring->keys[i];
	return NULL;
}

size_t tsig_rr_size(const tsig_key_t *key)
{
	return name_length(key->name) + RR_FIXED + name_length(tsig_alg_wire(key->alg)) +
	       TSIG_FIXED + algs[key->alg].mac_len + TSIG_OTHER_MAX;
}

unsigned tsig_status_rcode(tsig_status_t st)
{
	switch (st) {
	case TSIG_OK:
		return MSG_RCODE_NOERROR;
	case TSIG_FORMERR:
		return MSG_RCODE_FORMERR;
	default:
		return MSG_RCODE_NOTAUTH;
	}
}

/* ----------------------------------------------------------------- HMAC */

/* An HMAC in progress with a sticky failure flag, like the wire cursor. */
typedef struct {
	EVP_MAC_CTX *ctx;
	bool ok;
} hm_t;

static EVP_MAC_CTX *hm_new(void)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac == NULL)
		return NULL;
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac); /* the context keeps its own reference */
	return ctx;
}

/* (Re)starts ctx with the key: EVP_MAC_init resets a finished context. */
static hm_t hm_start(EVP_MAC_CTX *ctx, const tsig_key_t *key)
{
	OSSL_PARAM params[2] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)algs[key->alg].digest,
	                                     0),
	    OSSL_PARAM_construct_end(),
	};
	hm_t h = {ctx, ctx != NULL};
	if (h.ok && EVP_MAC_init(ctx, key->secret, key->secret_len, params) != 1)
		h.ok = false;
	return h;
}

static void hm_put(hm_t *h, const void *p, size_t n)
{
	if (h->ok && n > 0 && EVP_MAC_update(h->ctx, p, n) != 1)
		h->ok = false;
}

static void hm_u16(hm_t *h, uint16_t v)
{
	uint8_t b[2];
	wire_put_u16(b, v);
	hm_put(h, b, 2);
}

/* The prior MAC as RFC 8945 §4.3.1 digests it: MAC Size, MAC. */
static void hm_mac(hm_t *h, const uint8_t *mac, size_t len)
{
	hm_u16(h, (uint16_t)len);
	hm_put(h, mac, len);
}

/* A canonical (lower-cased) name. */
static void hm_name(hm_t *h, const uint8_t *name)
{
	uint8_t lc[NAME_MAXLEN];
	size_t n = name_length(name);
	memcpy(lc, name, n);
	name_to_lower(lc);
	hm_put(h, lc, n);
}

/* The TSIG variables (§4.3.3), or with full false only the timers (§4.3.1). */
static void hm_vars(hm_t *h, bool full, const uint8_t *key_name, const uint8_t *alg_name,
                    uint64_t time_signed, uint16_t fudge, uint16_t error, const uint8_t *other,
                    size_t other_len)
{
	uint8_t b[8];
	if (full) {
		hm_name(h, key_name);
		wire_put_u16(b, RRCLASS_ANY);
		wire_put_u32(b + 2, 0); /* TTL */
		hm_put(h, b, 6);
		hm_name(h, alg_name);
	}
	wire_put_u16(b, (uint16_t)(time_signed >> 32));
	wire_put_u32(b + 2, (uint32_t)time_signed);
	wire_put_u16(b + 6, fudge);
	hm_put(h, b, 8);
	if (full) {
		hm_u16(h, error);
		hm_u16(h, (uint16_t)other_len);
		hm_put(h, other, other_len);
	}
}

/* The message of a received signed m as it was before the TSIG was added:
 * Original ID in the header, ARCOUNT one less, octets up to the TSIG RR. */
static void hm_received(hm_t *h, const msg_t *m, uint16_t orig_id)
{
	uint8_t hdr[MSG_HDR_LEN];
	memcpy(hdr, m->wire, MSG_HDR_LEN);
	wire_put_u16(hdr, orig_id);
	wire_put_u16(hdr + 10, (uint16_t)(m->count[MSG_SEC_ADDITIONAL] - 1));
	hm_put(h, hdr, MSG_HDR_LEN);
	hm_put(h, m->wire + MSG_HDR_LEN, m->tsig.off - MSG_HDR_LEN);
}

static bool hm_final(hm_t *h, uint8_t *out, size_t *len)
{
	if (h->ok && EVP_MAC_final(h->ctx, out, len, TSIG_MAC_MAX) != 1)
		h->ok = false;
	return h->ok;
}

/* ---------------------------------------------------------- the TSIG RR */

int tsig_rr_read(const msg_t *m, tsig_rr_t *rr)
{
	if (!m->has_tsig)
		return ERR_NOTFOUND;
	/* §4.2: CLASS ANY, TTL 0; the digest uses these constants, so other
	 * values would be unauthenticated octets */
	if (m->tsig.rclass != RRCLASS_ANY || m->tsig.ttl != 0)
		return ERR_FORMERR;
	size_t pos = m->tsig.off, nlen;
	if (name_unpack(m->wire, m->len, &pos, rr->key_name, &nlen) != 0)
		return ERR_FORMERR;
	const uint8_t *d = m->wire + m->tsig.rdoff;
	int an = name_check(d, m->tsig.rdlen);
	if (an < 0)
		return ERR_FORMERR;
	rr->alg_name = d;
	wire_t w = wire_init_const(d, m->tsig.rdlen);
	wire_skip(&w, (size_t)an);
	uint64_t hi = wire_read_u16(&w);
	rr->time_signed = hi << 32 | wire_read_u32(&w);
	rr->fudge = wire_read_u16(&w);
	rr->mac_len = wire_read_u16(&w);
	rr->mac = w.pos;
	wire_skip(&w, rr->mac_len);
	rr->orig_id = wire_read_u16(&w);
	rr->error = wire_read_u16(&w);
	rr->other_len = wire_read_u16(&w);
	rr->other = w.pos;
	wire_skip(&w, rr->other_len);
	if (w.err != 0 || wire_avail(&w) != 0)
		return ERR_FORMERR;
	return 0;
}

/*
 * Appends a TSIG RR to the message buf[0..*len) and counts it in ARCOUNT.
 * Nothing changes on failure.
 */
static int put_rr(uint8_t *buf, size_t *len, size_t cap, const uint8_t *owner,
                  const uint8_t *alg_name, uint64_t time_signed, const uint8_t *mac, size_t mac_len,
                  uint16_t error, const uint8_t *other, size_t other_len)
{
	uint16_t arcount = wire_get_u16(buf + 10);
	if (arcount == UINT16_MAX)
		return ERR_INVAL;
	size_t olen = name_length(owner), alen = name_length(alg_name);
	size_t rdlen = alen + TSIG_FIXED + mac_len + other_len;
	uint8_t lc[NAME_MAXLEN];
	memcpy(lc, owner, olen);
	name_to_lower(lc);
	wire_t w = wire_init(buf + *len, cap - *len);
	wire_write(&w, lc, olen);
	wire_write_u16(&w, RRTYPE_TSIG);
	wire_write_u16(&w, RRCLASS_ANY);
	wire_write_u32(&w, 0);
	wire_write_u16(&w, (uint16_t)rdlen);
	memcpy(lc, alg_name, alen);
	name_to_lower(lc);
	wire_write(&w, lc, alen);
	wire_write_u16(&w, (uint16_t)(time_signed >> 32));
	wire_write_u32(&w, (uint32_t)time_signed);
	wire_write_u16(&w, TSIG_FUDGE);
	wire_write_u16(&w, (uint16_t)mac_len);
	wire_write(&w, mac, mac_len);
	wire_write_u16(&w, wire_get_u16(buf)); /* Original ID */
	wire_write_u16(&w, error);
	wire_write_u16(&w, (uint16_t)other_len);
	wire_write(&w, other, other_len);
	if (w.err != 0)
		return ERR_SPACE;
	*len += wire_offset(&w);
	wire_put_u16(buf + 10, (uint16_t)(arcount + 1));
	return 0;
}

/* ------------------------------------------------------------ verifying */

/* §5.2.2.1: the MAC sizes a receiver may accept at all. */
static bool mac_len_allowed(tsig_alg_t alg, size_t len)
{
	size_t full = algs[alg].mac_len;
	size_t min = full / 2 > 10 ? full / 2 : 10;
	return len <= full && len >= min;
}

static uint64_t time_diff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/*
 * The MAC, time and truncation checks (§5.2.2 - §5.2.4) of rr in m, whose
 * digest h already holds what comes before the message (prior MAC,
 * unsigned messages).  The MAC size was checked.
 */
static tsig_status_t check_signed(hm_t *h, const msg_t *m, const tsig_rr_t *rr,
                                  const tsig_key_t *key, bool full, uint64_t now)
{
	uint8_t mac[TSIG_MAC_MAX];
	size_t len = 0;
	hm_received(h, m, rr->orig_id);
	hm_vars(h, full, rr->key_name, rr->alg_name, rr->time_signed, rr->fudge, rr->error,
	        rr->other, rr->other_len);
	bool ok = hm_final(h, mac, &len) && len == algs[key->alg].mac_len &&
	          CRYPTO_memcmp(mac, rr->mac, rr->mac_len) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	if (!ok)
		return TSIG_BADSIG;
	if (time_diff(now, rr->time_signed) > rr->fudge)
		return TSIG_BADTIME;
	if (rr->mac_len < algs[key->alg].mac_len)
		return TSIG_BADTRUNC;
	return TSIG_OK;
}

static tsig_status_t req_done(tsig_req_t *req, tsig_status_t st)
{
	req->status = st;
	return st;
}

tsig_status_t tsig_verify(const msg_t *m, const tsig_keyring_t *ring, uint64_t now, tsig_req_t *req)
{
	memset(req, 0, sizeof(*req));
	tsig_rr_t rr;
	if (tsig_rr_read(m, &rr) != 0)
		return req_done(req, TSIG_FORMERR);
	memcpy(req->key_name, rr.key_name, name_length(rr.key_name));
	memcpy(req->alg_name, rr.alg_name, name_length(rr.alg_name));
	req->time_signed = rr.time_signed;
	req->fudge = rr.fudge;

	tsig_alg_t alg;
	if (tsig_alg_from_wire(rr.alg_name, &alg) != 0)
		return req_done(req, TSIG_BADKEY);
	const tsig_key_t *key = tsig_keyring_find(ring, rr.key_name, alg);
	if (key == NULL)
		return req_done(req, TSIG_BADKEY);
	if (!mac_len_allowed(alg, rr.mac_len))
		return req_done(req, TSIG_FORMERR);
	req->key = key;
	memcpy(req->mac, rr.mac, rr.mac_len);
	req->mac_len = rr.mac_len;

	EVP_MAC_CTX *ctx = hm_new();
	hm_t h = hm_start(ctx, key);
	tsig_status_t st = check_signed(&h, m, &rr, key, true, now);
	EVP_MAC_CTX_free(ctx);
	return req_done(req, st);
}

int tsig_sign_error(uint8_t *buf, size_t *len, size_t cap, const tsig_req_t *req, uint64_t now)
{
	if (req->status == TSIG_OK || *len < MSG_HDR_LEN || *len > cap)
		return ERR_INVAL;
	bool sign = req->status == TSIG_BADTIME || req->status == TSIG_BADTRUNC;
	if (sign && req->key == NULL)
		return ERR_INVAL;
	uint16_t old_flags = wire_get_u16(buf + 2);
	wire_put_u16(buf + 2,
	             (uint16_t)((old_flags & ~MSG_RCODE_MASK) | tsig_status_rcode(req->status)));
	if (req->status == TSIG_FORMERR)
		return 0;
	if (!sign) {
		int rc = put_rr(buf, len, cap, req->key_name, req->alg_name, now, NULL, 0,
		                (uint16_t)req->status, NULL, 0);
		if (rc != 0)
			wire_put_u16(buf + 2, old_flags);
		return rc;
	}

	uint8_t other[TSIG_OTHER_MAX];
	size_t other_len = 0;
	if (req->status == TSIG_BADTIME) {
		wire_put_u16(other, (uint16_t)(now >> 32));
		wire_put_u32(other + 2, (uint32_t)now);
		other_len = 6;
	}
	const tsig_key_t *key = req->key;
	const uint8_t *alg_name = tsig_alg_wire(key->alg);
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len = 0;
	EVP_MAC_CTX *ctx = hm_new();
	hm_t h = hm_start(ctx, key);
	hm_mac(&h, req->mac, req->mac_len);
	hm_put(&h, buf, *len);
	hm_vars(&h, true, key->name, alg_name, now, TSIG_FUDGE, (uint16_t)req->status, other,
	        other_len);
	bool ok = hm_final(&h, mac, &mac_len);
	EVP_MAC_CTX_free(ctx);
	int rc = ok ? put_rr(buf, len, cap, key->name, alg_name, now, mac, mac_len,
	                     (uint16_t)req->status, other, other_len)
	            : -ENOMEM;
	OPENSSL_cleanse(mac, sizeof(mac));
	if (rc != 0)
		wire_put_u16(buf + 2, old_flags);
	return rc;
}

/* ------------------------------------------------------------- exchanges */

static int ctx_start(tsig_ctx_t *c, const tsig_key_t *key)
{
	memset(c, 0, sizeof(*c));
	if (key == NULL || !alg_valid(key->alg) || key->secret == NULL || key->secret_len == 0)
		return ERR_INVAL;
	c->hmac = hm_new();
	if (c->hmac == NULL)
		return -ENOMEM;
	c->key = key;
	return 0;
}

int tsig_ctx_init(tsig_ctx_t *c, const tsig_key_t *key)
{
	if (key != NULL && key->alg == TSIG_HMAC_MD5) {
		memset(c, 0, sizeof(*c));
		return ERR_INVAL; /* RFC 8945 §6: MUST NOT use */
	}
	int rc = ctx_start(c, key);
	if (rc == 0)
		c->state = ST_REQUEST;
	return rc;
}

int tsig_ctx_init_response(tsig_ctx_t *c, const tsig_req_t *req)
{
	if (req->status != TSIG_OK) {
		memset(c, 0, sizeof(*c));
		return ERR_INVAL;
	}
	int rc = ctx_start(c, req->key);
	if (rc != 0)
		return rc;
	memcpy(c->prior, req->mac, req->mac_len);
	c->prior_len = req->mac_len;
	c->state = ST_RESPONSE;
	return 0;
}

void tsig_ctx_clear(tsig_ctx_t *c)
{
	EVP_MAC_CTX_free(c->hmac); /* cleanses the key schedule */
	OPENSSL_cleanse(c, sizeof(*c));
}

int tsig_ctx_sign(tsig_ctx_t *c, uint8_t *buf, size_t *len, size_t cap, uint64_t now)
{
	if (c->hmac == NULL || c->failed || *len < MSG_HDR_LEN || *len > cap)
		return ERR_INVAL;
	const tsig_key_t *key = c->key;
	const uint8_t *alg_name = tsig_alg_wire(key->alg);
	/* the room check first: a failed sign leaves c as it was */
	size_t need = tsig_rr_size(key) - TSIG_OTHER_MAX;
	if (cap - *len < need)
		return ERR_SPACE;
	if (wire_get_u16(buf + 10) == UINT16_MAX)
		return ERR_INVAL;

	bool first = c->state == ST_REQUEST || c->nmsg == 0;
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len = 0;
	hm_t h = hm_start(c->hmac, key);
	if (c->state == ST_RESPONSE)
		hm_mac(&h, c->prior, c->prior_len);
	hm_put(&h, buf, *len);
	hm_vars(&h, first, key->name, alg_name, now, TSIG_FUDGE, 0, NULL, 0);
	if (!hm_final(&h, mac, &mac_len))
		return -ENOMEM;
	int rc = put_rr(buf, len, cap, key->name, alg_name, now, mac, mac_len, 0, NULL, 0);
	if (rc == 0) {
		memcpy(c->prior, mac, mac_len);
		c->prior_len = (uint16_t)mac_len;
		if (c->state == ST_REQUEST)
			c->state = ST_RESPONSE; /* the responses follow */
		else
			c->nmsg++;
	}
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}

static tsig_status_t ctx_fail(tsig_ctx_t *c, tsig_status_t st)
{
	c->failed = true;
	c->digesting = false;
	return st;
}

tsig_status_t tsig_ctx_verify(tsig_ctx_t *c, const msg_t *m, uint64_t now)
{
	if (c->hmac == NULL || c->state != ST_RESPONSE || c->failed)
		return TSIG_BADSIG;
	if (!m->has_tsig) {
		/* §5.3.1: the first message is signed, then at most 99 unsigned */
		if (!c->digesting || c->unsigned_run >= TSIG_UNSIGNED_MAX)
			return ctx_fail(c, TSIG_BADSIG);
		hm_t h = {c->hmac, true};
		hm_put(&h, m->wire, m->len);
		if (!h.ok)
			return ctx_fail(c, TSIG_BADSIG);
		c->unsigned_run++;
		c->nmsg++;
		return TSIG_OK;
	}

	tsig_rr_t rr;
	if (tsig_rr_read(m, &rr) != 0)
		return ctx_fail(c, TSIG_FORMERR);
	c->peer_error = rr.error;
	tsig_alg_t alg;
	if (tsig_alg_from_wire(rr.alg_name, &alg) != 0 || alg != c->key->alg ||
	    !name_equal(rr.key_name, c->key->name))
		return ctx_fail(c, TSIG_BADKEY);
	if (rr.error != 0 && rr.mac_len == 0)
		return ctx_fail(c, TSIG_BADSIG); /* an unsigned complaint */
	if (!mac_len_allowed(alg, rr.mac_len))
		return ctx_fail(c, TSIG_FORMERR);

	bool first = c->nmsg == 0;
	hm_t h;
	if (first) {
		h = hm_start(c->hmac, c->key);
		hm_mac(&h, c->prior, c->prior_len);
	} else {
		h = (hm_t){c->hmac, c->digesting};
	}
	tsig_status_t st = check_signed(&h, m, &rr, c->key, first, now);
	if (st != TSIG_OK)
		return ctx_fail(c, st);
	memcpy(c->prior, rr.mac, rr.mac_len);
	c->prior_len = rr.mac_len;
	/* the next message's digest starts with this MAC (§4.3.1) */
	h = hm_start(c->hmac, c->key);
	hm_mac(&h, c->prior, c->prior_len);
	if (!h.ok)
		return ctx_fail(c, TSIG_BADSIG);
	c->digesting = true;
	c->unsigned_run = 0;
	c->nmsg++;
	return TSIG_OK;
}

tsig_status_t tsig_ctx_finish(const tsig_ctx_t *c)
{
	if (c->failed || c->state != ST_RESPONSE || c->nmsg == 0 || c->unsigned_run != 0)
		return TSIG_BADSIG;
	return TSIG_OK;
}
