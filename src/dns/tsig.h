/*
 * TSIG (RFC 8945): HMAC transaction signatures on DNS messages.
 *
 * What the module does, and for whom:
 *   - a client (xfr-in, notify, SOA query) signs its request with
 *     tsig_ctx_init + tsig_ctx_sign and checks every response message with
 *     tsig_ctx_verify, then tsig_ctx_finish at the end of a transfer;
 *   - a server (xfr-out, notify/update receiver) checks a request with
 *     tsig_verify against its key ring; on success it signs each response
 *     message with tsig_ctx_init_response + tsig_ctx_sign, on failure it
 *     builds the answer and appends the error TSIG with tsig_sign_error.
 *
 * Digests (RFC 8945 §4.3): a request covers the message and the TSIG
 * variables; the first response also the request MAC; every later message of
 * a multi-message response (AXFR/IXFR) covers the prior MAC, the unsigned
 * messages since it, this message and the timers only (§4.3.1, §5.3.1).
 * Names in the digest are lower-cased, uncompressed (canonical) wire form.
 * The message part is always wire[0 .. TSIG RR) with ARCOUNT without the
 * TSIG and the header ID replaced by the TSIG's Original ID.
 *
 * Policy (each case is a unit test):
 *   - nsfleet signs every message of a multi-message response; it accepts
 *     up to TSIG_UNSIGNED_MAX (99) unsigned messages in a row from a peer
 *     (§5.3.1), digesting them, but the first and the last message must be
 *     signed (tsig_ctx_finish says whether the last one was);
 *   - verification order is RFC 8945 §5.2: key (BADKEY), MAC (FORMERR for a
 *     MAC size §5.2.2.1 forbids, else BADSIG), time (BADTIME, |now - Time
 *     Signed| > the message's Fudge), truncation (BADTRUNC);
 *   - truncated MACs: a MAC shorter than the hash and at least max(10,
 *     hash/2) octets is compared on its length (so the MAC check means
 *     something) and then answered BADTRUNC: nsfleet's keys have no
 *     truncation setting, so the local policy (§5.2.4) is the full length,
 *     as BIND's is for a key without digest-bits.  Shorter or longer MACs
 *     are FORMERR (§5.2.2.1 rules 1 and 3).  nsfleet never truncates;
 *   - hmac-md5 (hmac-md5.sig-alg.reg.int.): RFC 8945 §6 says MUST NOT use.
 *     It verifies and signs responses to a request a peer signed with it
 *     (so legacy peers keep working), but nsfleet never originates it:
 *     tsig_ctx_init with an MD5 key is ERR_INVAL and `nsfleet tsig-keygen`
 *     refuses it.
 *
 * Return values.  Functions that build or set up return 0 or a negative
 * error (common/err.h).  The verifiers return a tsig_status_t instead: the
 * verdict is a protocol value that the caller puts on the wire (the TSIG
 * Error field and RCODE), not a failure of the function, and err.h has no
 * room for it without mixing the two.  TSIG_OK is 0, so `if (st)` rejects.
 *
 * Memory: nothing is allocated by this module per message; keys and key
 * rings are borrowed.  OpenSSL's HMAC (EVP_MAC "HMAC") allocates a context
 * per tsig_verify / tsig_sign_error call and one per tsig_ctx_t (freed by
 * tsig_ctx_clear): TSIG is on the transfer/notify/update paths, not the
 * UDP query hot path.  MACs are compared with CRYPTO_memcmp; computed MACs
 * are wiped from the stack.
 *
 * Thread safety: keys and key rings are read-only and may be shared; a
 * tsig_ctx_t belongs to one thread.
 */
#ifndef NSF_DNS_TSIG_H
#define NSF_DNS_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/msg.h"
#include "dns/name.h"

#define TSIG_FUDGE        300 /* seconds, RFC 8945 §10 recommendation */
#define TSIG_MAC_MAX      64  /* SHA-512 */
#define TSIG_UNSIGNED_MAX 99  /* unsigned messages in a row, §5.3.1 */
#define TSIG_OTHER_MAX    6   /* Other Data we write: BADTIME's server time */

/* The algorithms, in the order of conf_algorithm_t (server/conf.h). */
typedef enum {
	TSIG_HMAC_MD5 = 0, /* verify / respond only, see above */
	TSIG_HMAC_SHA1,
	TSIG_HMAC_SHA224,
	TSIG_HMAC_SHA256,
	TSIG_HMAC_SHA384,
	TSIG_HMAC_SHA512,
	TSIG_ALG_COUNT
} tsig_alg_t;

/* The verdict on a signed message (values as in the TSIG Error field, RFC
 * 8945 §3; TSIG_FORMERR is RCODE 1 with no TSIG error). */
typedef enum {
	TSIG_OK = 0,
	TSIG_FORMERR = 1,
	TSIG_BADSIG = 16,
	TSIG_BADKEY = 17,
	TSIG_BADTIME = 18,
	TSIG_BADTRUNC = 22,
} tsig_status_t;

/* A key.  name: absolute wire-form DNS name (any case; compared
 * case-insensitively, written lower-cased).  secret: borrowed, non-empty;
 * its owner (conf_t) wipes it. */
typedef struct {
	uint8_t name[NAME_MAXLEN];
	tsig_alg_t alg;
	const uint8_t *secret;
	size_t secret_len;
} tsig_key_t;

/* The keys a server accepts: borrowed array.  Lookup is linear (a handful). */
typedef struct {
	const tsig_key_t *keys;
	size_t n;
} tsig_keyring_t;

/* Text form "hmac-sha256" or "hmac-sha256." (case-insensitive; MD5 also as
 * "hmac-md5.sig-alg.reg.int") to the enum: 0 or ERR_NOTFOUND. */
int tsig_alg_from_text(const char *text, tsig_alg_t *alg);
/* The wire name as text: "hmac-sha256.", "hmac-md5.sig-alg.reg.int.";
 * NULL for a value out of range. */
const char *tsig_alg_name(tsig_alg_t alg);
/* The algorithm's wire-form name (static) or NULL. */
const uint8_t *tsig_alg_wire(tsig_alg_t alg);
/* The wire name (any case) to the enum: 0 or ERR_NOTFOUND. */
int tsig_alg_from_wire(const uint8_t *name, tsig_alg_t *alg);
/* The HMAC output length in octets (16..64), 0 for a value out of range. */
size_t tsig_alg_mac_len(tsig_alg_t alg);

/* Fills *key: name from text (absolute or not: "xfr" is "xfr."), the
 * algorithm and a borrowed secret.  0, ERR_INVAL (empty secret, bad alg) or
 * the name parser's error. */
int tsig_key_init(tsig_key_t *key, const char *name, tsig_alg_t alg, const uint8_t *secret,
                  size_t secret_len);

/* The key with this name (case-insensitive) and algorithm, or NULL. */
const tsig_key_t *tsig_keyring_find(const tsig_keyring_t *ring, const uint8_t *name,
                                    tsig_alg_t alg);

/* The largest TSIG RR tsig_ctx_sign / tsig_sign_error append for this key
 * (full MAC, Other Data of a BADTIME): reserve it with msg_build_reserve. */
size_t tsig_rr_size(const tsig_key_t *key);

/* ------------------------------------------------------------- the TSIG RR */

/* The fields of a message's TSIG RR.  Pointers borrow the message. */
typedef struct {
	uint8_t key_name[NAME_MAXLEN]; /* decompressed, case as received */
	const uint8_t *alg_name;       /* in the rdata (never compressed) */
	uint64_t time_signed;          /* 48 bits */
	uint16_t fudge;
	uint16_t mac_len;
	const uint8_t *mac;
	uint16_t orig_id;
	uint16_t error;
	uint16_t other_len;
	const uint8_t *other;
} tsig_rr_t;

/* Reads m's TSIG RR (m accepted by msg_parse).  0, ERR_NOTFOUND when m
 * has none, ERR_FORMERR when its CLASS is not ANY or its TTL not 0 (§4.2). */
int tsig_rr_read(const msg_t *m, tsig_rr_t *rr);

/* ---------------------------------------------------- server: the request */

/* What tsig_verify learnt from a request, for the response. */
typedef struct {
	tsig_status_t status;
	const tsig_key_t *key;         /* NULL after BADKEY (or FORMERR before it) */
	uint8_t key_name[NAME_MAXLEN]; /* as in the request (for error answers) */
	uint8_t alg_name[NAME_MAXLEN]; /* as in the request */
	uint8_t mac[TSIG_MAC_MAX];     /* the request MAC as received (maybe truncated) */
	uint16_t mac_len;
	uint64_t time_signed;
	uint16_t fudge;
} tsig_req_t;

/*
 * Verifies a request m (msg_parse accepted it and m->has_tsig; else
 * TSIG_FORMERR) against ring at time now (seconds since the epoch).
 * Returns the verdict, also in req->status; req is filled as far as the
 * checks went (key, request MAC), which tsig_ctx_init_response and
 * tsig_sign_error need.  If OpenSSL cannot make an HMAC context the
 * verdict is TSIG_BADSIG (fail closed).
 */
__attribute__((warn_unused_result)) tsig_status_t
tsig_verify(const msg_t *m, const tsig_keyring_t *ring, uint64_t now, tsig_req_t *req);

/* The RCODE to answer a verdict with: FORMERR for TSIG_FORMERR, NOTAUTH
 * for the TSIG errors (RFC 8945 §5.3.2), NOERROR for TSIG_OK. */
unsigned tsig_status_rcode(tsig_status_t st);

/*
 * Appends the error TSIG for a failed request to the response built in
 * buf[0..*len) (cap octets in all), sets the header RCODE (low 4 bits) to
 * tsig_status_rcode(req->status) and ARCOUNT + 1.  BADKEY and BADSIG get an
 * unsigned TSIG (MAC size 0) with the request's key and algorithm names;
 * BADTIME and BADTRUNC a signed one, with the request MAC in the digest, and
 * BADTIME the server time (now) in Other Data (§5.2.3, as BIND does).
 * TSIG_FORMERR adds no TSIG (only the RCODE).  0, ERR_SPACE (buffer
 * unchanged) or ERR_INVAL (req->status is TSIG_OK).
 */
__attribute__((warn_unused_result)) int tsig_sign_error(uint8_t *buf, size_t *len, size_t cap,
                                                        const tsig_req_t *req, uint64_t now);

/* ------------------------------------------- a signed exchange (both sides) */

/* State across the messages of one exchange.  Internal fields. */
typedef struct {
	const tsig_key_t *key;
	void *hmac;                  /* EVP_MAC_CTX, running digest */
	uint8_t prior[TSIG_MAC_MAX]; /* request MAC, then the last MAC */
	uint16_t prior_len;
	uint8_t state;  /* request to sign, or responses to sign/verify */
	bool failed;    /* a verification failed: the exchange is over */
	bool digesting; /* hmac holds prior MAC + unsigned messages */
	uint32_t nmsg;  /* response messages signed or verified so far */
	uint32_t unsigned_run;
	uint16_t peer_error; /* Error field of the last TSIG received */
} tsig_ctx_t;

/* Starts a client exchange: the next tsig_ctx_sign signs the request.
 * ERR_INVAL for MD5 (never originated), -ENOMEM. */
__attribute__((warn_unused_result)) int tsig_ctx_init(tsig_ctx_t *c, const tsig_key_t *key);

/* Starts a server's response to a request tsig_verify accepted (req->status
 * TSIG_OK, else ERR_INVAL). */
__attribute__((warn_unused_result)) int tsig_ctx_init_response(tsig_ctx_t *c,
                                                               const tsig_req_t *req);

/* Frees the HMAC context and wipes the state.  Idempotent on a cleared or
 * zeroed ctx. */
void tsig_ctx_clear(tsig_ctx_t *c);

/*
 * Signs the complete message buf[0..*len) (no TSIG yet) in place: appends
 * the TSIG RR (key name, Time Signed now, Fudge TSIG_FUDGE, Original ID =
 * the header ID, Error 0), ARCOUNT + 1, *len grows.  The first message of
 * a context covers the variables (and, in a response, the request MAC);
 * later ones the prior MAC and the timers.  0, ERR_SPACE (message
 * unchanged: reserve tsig_rr_size) or ERR_INVAL (not a message, ARCOUNT
 * full).
 */
__attribute__((warn_unused_result)) int tsig_ctx_sign(tsig_ctx_t *c, uint8_t *buf, size_t *len,
                                                      size_t cap, uint64_t now);

/*
 * Verifies the next response message m to the request signed with c.  A
 * signed message is checked as tsig_verify does (its key must be c's);
 * an unsigned one is digested and accepted (TSIG_OK) only after a signed
 * first message and while fewer than TSIG_UNSIGNED_MAX came in a row
 * (else TSIG_BADSIG): its contents are authenticated only when a later
 * signed message verifies.  A TSIG with a non-zero Error (the peer's
 * complaint, kept in c->peer_error) and no MAC is TSIG_BADSIG; a signed one
 * verifies normally and the caller reads c->peer_error.
 */
__attribute__((warn_unused_result)) tsig_status_t tsig_ctx_verify(tsig_ctx_t *c, const msg_t *m,
                                                                  uint64_t now);

/* At the end of a multi-message response: TSIG_OK when at least one
 * message came and the last one was signed and verified, else TSIG_BADSIG. */
tsig_status_t tsig_ctx_finish(const tsig_ctx_t *c);

/* The MAC of the last message signed or verified (for callers that keep
 * it, e.g. to log); borrowed from c. */
static inline const uint8_t *tsig_ctx_mac(const tsig_ctx_t *c, size_t *len)
{
	*len = c->prior_len;
	return c->prior;
}

#endif
