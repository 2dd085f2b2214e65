/*
 * Rdata in its three forms: presentation text, uncompressed wire form (what
 * the zone stores: "rdata" below means that), and message wire form with
 * compression.  All conversions are driven by the descriptor table in
 * rrtype.c (STYLE rule 9).  Types the table does not know are handled as
 * opaque octets (RFC 3597).  Nothing here allocates.
 */
#ifndef NSF_DNS_RDATA_H
#define NSF_DNS_RDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/wire.h"

#define RDATA_MAXLEN 65535
/* Room for the text of any rdata: the worst case is a type bitmap naming
 * all 65536 types, up to 11 characters each. */
#define RDATA_TEXT_MAXLEN (11 * 65536 + 4096)

/*
 * One token of presentation text, as the zone scanner splits a record.
 * s points at the raw text with escapes NOT decoded (each field decodes
 * its own: names keep "\." meaning a dot inside a label).  For a quoted
 * token the quotes are removed and quoted is true.  line/col (1-based)
 * locate the token's first character for error messages.
 */
typedef struct {
	const char *s;
	uint32_t len;
	uint32_t line, col;
	bool quoted;
} rdata_tok_t;

/* What went wrong in rdata_from_text: the token at fault (tok == ntok when
 * a token is missing at the end) and a message such as
 * "bad IPv4 address 'x.y'" or "missing exchange name". */
typedef struct {
	size_t tok;
	char msg[200];
} rdata_err_t;

/*
 * Parses the rdata tokens of one record of the given type, including the
 * RFC 3597 generic form "\# len hex" for any type.  Relative names get
 * origin appended (origin may be NULL: then they are an error).
 * Writes the uncompressed wire rdata to out[0..cap) and its length to
 * *outlen.  On error returns ERR_BAD_RDATA (or ERR_SPACE when cap is too
 * small) and fills *err.
 *
 * Token conventions: "\#" must be an unquoted token.  Base64 and hex
 * fields at the end of a record may be split over any number of tokens.
 * An SVCB/HTTPS parameter with a quoted value may come either as one
 * token with the quotes inside (alpn="h2,h3") or as "key=" followed by
 * the quoted token, which is how zscan splits it.  Types without a text
 * form (unknown ones, NULL) only take the "\#" form.
 * No allocation; out is written only up to cap.  Reentrant.
 */
__attribute__((warn_unused_result)) int
rdata_from_text(uint16_t type, const rdata_tok_t *tok, size_t ntok, const uint8_t *origin,
		uint8_t *out, size_t cap, size_t *outlen, rdata_err_t *err);

/*
 * A TTL or other period in BIND's syntax (RFC 1035 §5.1 plain seconds, or
 * unit groups such as "1w2d3h4m5s", case-insensitive): the zone scanner's
 * TTLs and the SOA timers.  0, ERR_BAD_TTL for bad syntax, ERR_RANGE above
 * 2^32-1 (the caller applies tighter limits, such as RFC 2181 §8's 2^31-1).
 */
__attribute__((warn_unused_result)) int rdata_ttl_from_text(const char *s, size_t len,
							    uint32_t *out);

/*
 * Writes the canonical presentation form (what `nsfleet zone print` shows:
 * the form BIND's named-compilezone prints, names absolute) of validated
 * rdata, NUL-terminated.  Unknown types print as "\# len hex".
 * Returns the text length or ERR_SPACE.  The few places where the text
 * differs from BIND's are listed at the top of rdata_to_text.c.  A cap of
 * RDATA_TEXT_MAXLEN always fits.
 */
int rdata_to_text(uint16_t type, const uint8_t *rd, size_t len, char *buf, size_t cap);

/* Checks uncompressed wire rdata against the type's fields.  0 or
 * ERR_MALFORMED (with no explanation: this is for trusted callers and
 * fuzzers; rdata_from_wire is the edge check). */
__attribute__((warn_unused_result)) int rdata_check(uint16_t type, const uint8_t *rd, size_t len);

/*
 * Reads the rdata at msg[pos .. pos+rdlen) of a DNS message: decompresses
 * names where RFC 3597 §4 allows pointers (well-known types, and RP, AFSDB,
 * RT, SIG, PX, NXT, NAPTR, SRV), validates every field, and writes the
 * uncompressed rdata to out (cap >= RDATA_MAXLEN always fits).
 * Returns 0, or ERR_MALFORMED / ERR_BAD_POINTER / ERR_TRUNCATED.
 */
__attribute__((warn_unused_result)) int
rdata_from_wire(uint16_t type, const uint8_t *msg, size_t msglen, size_t pos, size_t rdlen,
		uint8_t *out, size_t cap, size_t *outlen);

/*
 * Writes validated rdata into a message being built.  Every embedded
 * domain name goes through put(ctx, w, name, compress), with compress true
 * only for the RFC 1035 types whose names may be compressed (RFC 3597 §4);
 * all other octets are copied.  The caller writes RDLENGTH.
 */
typedef int (*rdata_name_put_t)(void *ctx, wire_t *w, const uint8_t *name, bool compress);
int rdata_to_wire(uint16_t type, const uint8_t *rd, size_t len, wire_t *w, rdata_name_put_t put,
		  void *ctx);

/* Lower-cases, in place, the names that RFC 4034 §6.2 (as amended by
 * RFC 6840 §5.1: not NSEC's) puts in canonical form.  Length unchanged. */
void rdata_canonicalize(uint16_t type, uint8_t *rd, size_t len);

/* Canonical RR order inside an RRset (RFC 4034 §6.3): octet strings of
 * canonical rdata, a prefix sorts first.  <0, 0, >0. */
int rdata_compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* Offset of SERIAL in uncompressed SOA rdata rd[0..len) (valid names, as
 * the codec or msg_rr_next gives them): the two names, then SERIAL,
 * REFRESH, RETRY, EXPIRE, MINIMUM (RFC 1035 §3.3.13); 0 when the five do
 * not fit. */
size_t rdata_soa_serial_off(const uint8_t *rd, size_t len);

#endif
