/*
 * Internal to the rdata codec: the per-type descriptor table (STYLE rule 9)
 * and the small helpers that the parser, printer and wire code share.
 *
 * Each known type is a list of field kinds.  rdata_from_text.c,
 * rdata_to_text.c and rdata_wire.c each walk that list with one switch on
 * the kind; fields that are more than a number or a name (LOC, APL, the
 * IPSECKEY gateway, HIP, SVCB parameters) have their own small functions in
 * rdata_special.c and svcb.c.
 */
#ifndef NSF_DNS_RDATA_DESC_H
#define NSF_DNS_RDATA_DESC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/rdata.h"
#include "dns/wire.h"

typedef enum {
	RF_END = 0,
	RF_U8,        /* 8-bit number */
	RF_U16,       /* 16-bit number */
	RF_U32,       /* 32-bit number */
	RF_PERIOD,    /* 32-bit number; text also "1h30m" (SOA timers) */
	RF_TIME,      /* 32-bit time, text YYYYMMDDHHmmSS (RFC 4034 §3.2) */
	RF_TYPE,      /* 16-bit RR type, text a mnemonic (RRSIG covered) */
	RF_ALG,       /* 8-bit DNSSEC algorithm, text number or mnemonic */
	RF_ALG_MN,    /* the same, printed as mnemonic (CERT, as BIND does) */
	RF_DIGEST,    /* 8-bit DS digest type, text number or SHA-256 etc. */
	RF_CERTTYPE,  /* 16-bit CERT type, mnemonic (RFC 4398 §2.1) */
	RF_NAME,      /* domain name */
	RF_A,         /* 4 octets, dotted quad */
	RF_AAAA,      /* 16 octets, RFC 4291 text */
	RF_STR,       /* one <character-string>, 0..255 octets */
	RF_STRS,      /* one or more <character-string>s to the end */
	RF_STR_REST,  /* all remaining octets as one quoted string (CAA value) */
	RF_STR_REST1, /* the same, at least one octet (URI target) */
	RF_B64,       /* remaining octets, base64, at least one */
	RF_B64_OPT,   /* remaining octets, base64, may be empty */
	RF_HEX,       /* remaining octets, hex, at least one */
	RF_SALT,      /* length octet + hex, "-" for empty (NSEC3) */
	RF_HASH,      /* length octet + base32hex, at least one (NSEC3) */
	RF_BITMAP,    /* type bitmap to the end (RFC 4034 §4.1.2) */
	RF_LOC,       /* the 16 octets of LOC (RFC 1876) */
	RF_APL,       /* APL items to the end (RFC 3123) */
	RF_GATEWAY,   /* IPSECKEY gateway, typed by the 2nd octet (RFC 4025) */
	RF_HIP,       /* all of HIP's rdata (RFC 8005) */
	RF_SVCPARAMS, /* SvcParams to the end (RFC 9460) */
	RF_ILNP64,    /* 8 octets, "xxxx:xxxx:xxxx:xxxx" (RFC 6742) */
	RF_EUI48,     /* 6 octets, xx-xx-xx-xx-xx-xx (RFC 7043) */
	RF_EUI64,     /* 8 octets */
	RF_CAATAG,    /* length octet + 1..255 letters/digits (RFC 8659) */
	RF_OPAQUE,    /* any octets; text only in the RFC 3597 form (NULL) */
} rfield_t;

enum {
	RT_COMPRESS = 1 << 0,   /* RFC 3597 §4: names may be compressed when
	                           writing and must be decompressed reading */
	RT_DECOMPRESS = 1 << 1, /* names may arrive compressed (RFC 3597 §4
	                           "SHOULD") but are never written so */
	RT_CANON = 1 << 2,      /* names lower-cased for DNSSEC (RFC 4034
	                           §6.2 as amended by RFC 6840 §5.1) */
	RT_FIELDS = 1 << 3,     /* the table knows the rdata fields */
};

#define RDESC_MAXFIELDS 10

typedef struct {
	const char *name; /* mnemonic, NULL for a slot the table lacks */
	const char *doc;  /* field names for messages, space-separated */
	uint8_t flags;
	uint8_t field[RDESC_MAXFIELDS]; /* RF_END terminated */
	/* Checks that go beyond single fields (a digest length that depends
	 * on the digest type): run on the final uncompressed rdata. */
	int (*check)(const uint8_t *rd, size_t len);
} rdesc_t;

/* The descriptor of a type, or NULL when the table does not know its
 * fields (then the rdata is opaque, RFC 3597). */
const rdesc_t *rdesc_get(uint16_t type);
/* Name of field i of d for messages ("exchange"), into buf. */
const char *rdesc_field_name(const rdesc_t *d, size_t i, char *buf, size_t cap);

/* DNSSEC algorithm (RFC 8624 and BIND's list) and CERT type mnemonics. */
int rdesc_alg_from_text(const char *s, size_t len); /* -1 when unknown */
const char *rdesc_alg_to_text(uint8_t alg);         /* NULL when none */
int rdesc_certtype_from_text(const char *s, size_t len);
int rdesc_digest_from_text(const char *s, size_t len); /* -1 when unknown */
const char *rdesc_certtype_to_text(uint16_t t);

/* ---- encoders and decoders (rdata_codec.c) ---- */

/* Streaming base64 decoder over several tokens: feed each token, then
 * finish.  Whitespace is not expected (tokens are split on it).  Strict:
 * only the RFC 4648 §4 alphabet, '=' padding only at the end, the total a
 * multiple of 4 characters. */
typedef struct {
	uint32_t acc;
	int n;   /* characters in acc */
	int pad; /* '=' seen */
} b64dec_t;

/* Returns 0 or -1 (bad character / padding), writing bytes to w. */
int b64_feed(b64dec_t *d, const char *s, size_t len, wire_t *w);
/* 0, or -1 when the input ended inside a quantum. */
int b64_finish(const b64dec_t *d);
/* Encoded length for n octets. */
static inline size_t b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}
/* Writes b64_len(n) characters (no NUL). */
void b64_encode(const uint8_t *src, size_t n, char *dst);

/* Hex digits of s[0..len) (an even or odd count: `odd` carries the half
 * byte between tokens).  -1 on a non-hex character. */
typedef struct {
	int half; /* -1, or the pending high nibble */
} hexdec_t;
int hex_feed(hexdec_t *d, const char *s, size_t len, wire_t *w);
/* Upper-case hex (as BIND prints it). */
void hex_encode(const uint8_t *src, size_t n, char *dst);

/* base32hex without padding (RFC 4648 §7, NSEC3 RFC 5155 §3.3).
 * Returns bytes written or -1; dst must hold len*5/8 bytes. */
int b32hex_decode(const char *s, size_t len, uint8_t *dst, size_t cap);
size_t b32hex_len(size_t n);
void b32hex_encode(const uint8_t *src, size_t n, char *dst);

/* Seconds since the epoch <-> YYYYMMDDHHmmSS (UTC).  The 32-bit value is
 * the time modulo 2^32 (RFC 4034 §3.2). */
int time_from_text(const char *s, size_t len, uint32_t *out);
void time_to_text(uint32_t t, char out[15]);

/* ---- text output buffer ---- */
typedef struct {
	char *buf;
	size_t cap, len;
	int err;
} tbuf_t;

void tb_putc(tbuf_t *t, char c);
void tb_put(tbuf_t *t, const char *s, size_t n);
void tb_puts(tbuf_t *t, const char *s);
void tb_putu(tbuf_t *t, uint32_t v);
void tb_printf(tbuf_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A <character-string> in double quotes: '"' and '\\' escaped, octets
 * outside 0x20..0x7e as \DDD (BIND's form). */
void tb_qstring(tbuf_t *t, const uint8_t *s, size_t n);
/* Only the escaping part, no quotes. */
void tb_escaped(tbuf_t *t, const uint8_t *s, size_t n);
void tb_name(tbuf_t *t, const uint8_t *name);
void tb_ipv4(tbuf_t *t, const uint8_t *a);
void tb_ipv6(tbuf_t *t, const uint8_t *a);
/* base64 / hex of n octets, in chunks of `chunk` characters separated by
 * one space (BIND's -s full output splits long fields at 56); chunk 0
 * means one piece. */
void tb_b64(tbuf_t *t, const uint8_t *s, size_t n, size_t chunk);
void tb_hex(tbuf_t *t, const uint8_t *s, size_t n, size_t chunk);

/* ---- text input: the token cursor of rdata_from_text ---- */
typedef struct {
	const rdata_tok_t *tok;
	size_t ntok, i;
	const uint8_t *origin;
	rdata_err_t *err;
	wire_t w;
	uint16_t type;
} tparse_t;

/* Fills err for token `at` and returns ERR_BAD_RDATA. */
int tp_error(tparse_t *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* At most `max` characters of a token for messages, controls as '?'. */
const char *tp_show(const rdata_tok_t *t, char *buf, size_t cap);
/* Decodes \X and \DDD of s[0..len) to dst (len octets always fit).
 * Returns the decoded length or -1 on a bad escape. */
int text_unescape(const char *s, size_t len, uint8_t *dst);
/* The same, appending to w (sticky ERR_SPACE there); returns the decoded
 * length or -1 on a bad escape. */
int text_unescape_w(const char *s, size_t len, wire_t *w);
/* Parses a decimal number <= max.  0 or -1. */
int text_number(const char *s, size_t len, uint64_t max, uint64_t *out);
/* IPv4/IPv6 text (not NUL-terminated) to octets.  0 or -1. */
int text_ipv4(const char *s, size_t len, uint8_t out[4]);
int text_ipv6(const char *s, size_t len, uint8_t out[16]);

/* ---- special field kinds (rdata_special.c, svcb.c) ----
 * Text parsers consume tokens from p and write to p->w; they return 0 or
 * ERR_BAD_RDATA (p->err filled).  Wire checkers take uncompressed octets
 * and return the field's length or -1.  Printers take validated input. */
int loc_from_text(tparse_t *p);
int loc_check(const uint8_t *rd, size_t len);
void loc_to_text(tbuf_t *t, const uint8_t *rd);

int apl_from_text(tparse_t *p);
int apl_check(const uint8_t *rd, size_t len);
void apl_to_text(tbuf_t *t, const uint8_t *rd, size_t len);

/* The gateway's type is rd[1]; pos is where the gateway starts. */
int gateway_from_text(tparse_t *p, uint8_t gwtype);
int gateway_check(uint8_t gwtype, const uint8_t *rd, size_t len);
void gateway_to_text(tbuf_t *t, uint8_t gwtype, const uint8_t *rd);

int hip_from_text(tparse_t *p);
int hip_check(const uint8_t *rd, size_t len);
void hip_to_text(tbuf_t *t, const uint8_t *rd, size_t len);
/* Offset of the first rendezvous name in validated HIP rdata. */
size_t hip_names_offset(const uint8_t *rd);

int svcb_from_text(tparse_t *p);
int svcb_check(const uint8_t *rd, size_t len);
void svcb_to_text(tbuf_t *t, const uint8_t *rd, size_t len);

int bitmap_from_text(tparse_t *p);
int bitmap_check(const uint8_t *rd, size_t len);
void bitmap_to_text(tbuf_t *t, const uint8_t *rd, size_t len);

#endif
