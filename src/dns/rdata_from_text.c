/*
 * Presentation text -> uncompressed wire rdata, walking the field list of
 * the type's descriptor (rrtype.c).  The scanner hands over tokens with
 * escapes still in place; each field kind decodes its own.
 */
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "dns/name.h"
#include "dns/rdata_desc.h"
#include "dns/rrtype.h"

/* Context of the field being parsed, for messages (the names are only
 * made when a message needs them: the parser is on the zone load path). */
typedef struct {
	const rdesc_t *d;
	size_t idx;
	uint16_t type;
	char tname_buf[RRTYPE_TEXT_MAXLEN];
	char fname[32];
} fctx_t;

static const char *fname(fctx_t *f)
{
	return rdesc_field_name(f->d, f->idx, f->fname, sizeof(f->fname));
}

static const char *tname(fctx_t *f)
{
	if (rrtype_to_text(f->type, f->tname_buf, sizeof(f->tname_buf)) < 0)
		f->tname_buf[0] = 0;
	return f->tname_buf;
}

static int missing(tparse_t *p, fctx_t *f)
{
	return tp_error(p, p->ntok, "missing %s %s", tname(f), fname(f));
}

/* The next token, or NULL after reporting that the field is missing. */
static const rdata_tok_t *next(tparse_t *p, fctx_t *f)
{
	if (p->i >= p->ntok) {
		missing(p, f);
		return NULL;
	}
	return &p->tok[p->i++];
}

static int bad(tparse_t *p, fctx_t *f, const char *what)
{
	char show[48];
	size_t at = p->i - 1;
	return tp_error(p, at, "bad %s %s '%s'%s%s", tname(f), fname(f),
	                tp_show(&p->tok[at], show, sizeof(show)), what[0] ? ": " : "", what);
}

static int number(tparse_t *p, fctx_t *f, uint64_t max, uint64_t *v)
{
	const rdata_tok_t *t = next(p, f);
	if (t == NULL)
		return ERR_BAD_RDATA;
	if (text_number(t->s, t->len, UINT64_MAX, v) < 0)
		return bad(p, f, "not a number");
	if (*v > max) {
		char msg[48];
		snprintf(msg, sizeof(msg), "out of range (0..%llu)", (unsigned long long)max);
		return bad(p, f, msg);
	}
	return 0;
}

int rdata_ttl_from_text(const char *s, size_t len, uint32_t *out)
{
	uint64_t total = 0, cur = 0;
	bool digits = false, unit = false, big = false;
	if (len == 0)
		return ERR_BAD_TTL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			cur = cur * 10 + (uint64_t)(c - '0');
			if (cur > UINT32_MAX) {
				big = true; /* keep reading: syntax errors win */
				cur = UINT32_MAX;
			}
			digits = true;
			continue;
		}
		uint64_t mul;
		switch (c | 0x20) {
		case 's':
			mul = 1;
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		case 'w':
			mul = 604800;
			break;
		default:
			return ERR_BAD_TTL;
		}
		if (!digits)
			return ERR_BAD_TTL;
		total += cur * mul;
		if (total > UINT32_MAX) {
			big = true;
			total = UINT32_MAX;
		}
		cur = 0;
		digits = false;
		unit = true;
	}
	if (digits) {
		if (unit)
			return ERR_BAD_TTL; /* "1h30" is ambiguous: BIND rejects it too */
		total = cur;
	}
	if (big)
		return ERR_RANGE;
	*out = (uint32_t)total;
	return 0;
}

static int one_string(tparse_t *p, fctx_t *f, const rdata_tok_t *t)
{
	uint8_t *lenp = p->w.pos;
	wire_write_u8(&p->w, 0);
	int n = text_unescape_w(t->s, t->len, &p->w);
	if (n < 0)
		return bad(p, f, "bad escape");
	if (n > 255) {
		char show[48];
		return tp_error(p, p->i - 1, "%s string longer than 255 octets: '%s'", tname(f),
		                tp_show(t, show, sizeof(show)));
	}
	if (!p->w.err)
		*lenp = (uint8_t)n;
	return 0;
}

/* Base64 or hex over all remaining tokens (BIND allows them split). */
static int b64_rest(tparse_t *p, fctx_t *f, bool need)
{
	b64dec_t d = {0, 0, 0};
	size_t start = wire_offset(&p->w), first = p->i;
	for (; p->i < p->ntok; p->i++) {
		const rdata_tok_t *t = &p->tok[p->i];
		if (b64_feed(&d, t->s, t->len, &p->w) < 0) {
			p->i++;
			return bad(p, f, "not base64");
		}
	}
	if (b64_finish(&d) < 0)
		return tp_error(p, p->i - 1, "bad %s %s: base64 ends inside a quantum", tname(f),
		                fname(f));
	if (need && p->i == first)
		return missing(p, f);
	if (need && wire_offset(&p->w) == start && !p->w.err)
		return tp_error(p, first, "empty %s %s", tname(f), fname(f));
	return 0;
}

static int hex_rest(tparse_t *p, fctx_t *f)
{
	hexdec_t d = {-1};
	size_t first = p->i, start = wire_offset(&p->w);
	for (; p->i < p->ntok; p->i++) {
		const rdata_tok_t *t = &p->tok[p->i];
		if (hex_feed(&d, t->s, t->len, &p->w) < 0) {
			p->i++;
			return bad(p, f, "not hex");
		}
	}
	if (p->i == first)
		return missing(p, f);
	if (d.half >= 0)
		return tp_error(p, p->i - 1, "%s %s has an odd number of hex digits", tname(f),
		                fname(f));
	if (wire_offset(&p->w) == start && !p->w.err)
		return tp_error(p, first, "empty %s %s", tname(f), fname(f));
	return 0;
}

static int hex_digits(const char *s, size_t len, uint64_t *v)
{
	if (len == 0 || len > 4)
		return -1;
	*v = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int d = (c >= '0' && c <= '9')                     ? c - '0'
		        : ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') ? (c | 0x20) - 'a' + 10
		                                                   : -1;
		if (d < 0)
			return -1;
		*v = *v << 4 | (uint64_t)d;
	}
	return 0;
}

/* RFC 6742 §2.3: four groups of 1..4 hex digits separated by colons. */
static int ilnp64(const char *s, size_t len, uint8_t out[8])
{
	size_t i = 0;
	for (int g = 0; g < 4; g++) {
		size_t st = i;
		while (i < len && s[i] != ':')
			i++;
		uint64_t v;
		if (hex_digits(s + st, i - st, &v) < 0)
			return -1;
		out[2 * g] = (uint8_t)(v >> 8);
		out[2 * g + 1] = (uint8_t)v;
		if (g < 3) {
			if (i >= len)
				return -1;
			i++;
		}
	}
	return i == len ? 0 : -1;
}

/* RFC 7043 §3.2/§4.2: exactly two hex digits per octet, hyphens between. */
static int eui(const char *s, size_t len, uint8_t *out, size_t n)
{
	if (len != n * 3 - 1)
		return -1;
	for (size_t k = 0; k < n; k++) {
		uint64_t v;
		if (k && s[3 * k - 1] != '-')
			return -1;
		if (hex_digits(s + 3 * k, 2, &v) < 0)
			return -1;
		out[k] = (uint8_t)v;
	}
	return 0;
}

static int field(tparse_t *p, fctx_t *f, rfield_t kind, uint64_t *vals)
{
	const rdata_tok_t *t;
	uint64_t v = 0;
	int rc;
	switch (kind) {
	case RF_U8:
	case RF_U16:
	case RF_U32:
		rc = number(p, f, kind == RF_U8 ? 255 : kind == RF_U16 ? 65535 : UINT32_MAX, &v);
		if (rc)
			return rc;
		if (kind == RF_U8)
			wire_write_u8(&p->w, (uint8_t)v);
		else if (kind == RF_U16)
			wire_write_u16(&p->w, (uint16_t)v);
		else
			wire_write_u32(&p->w, (uint32_t)v);
		break;
	case RF_PERIOD: {
		uint32_t x;
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		if (rdata_ttl_from_text(t->s, t->len, &x) < 0)
			return bad(p, f, "want seconds or a period like 1h30m");
		wire_write_u32(&p->w, x);
		v = x;
		break;
	}
	case RF_TIME: {
		uint32_t x;
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		if (time_from_text(t->s, t->len, &x) < 0)
			return bad(p, f, "want YYYYMMDDHHmmSS or seconds");
		wire_write_u32(&p->w, x);
		break;
	}
	case RF_TYPE: {
		uint16_t x;
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		if (rrtype_from_text(t->s, t->len, &x) < 0)
			return bad(p, f, "unknown type");
		wire_write_u16(&p->w, x);
		break;
	}
	case RF_ALG:
	case RF_ALG_MN: {
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		/* numbers first: mnemonics are the rare case */
		int a = t->len && t->s[0] >= '0' && t->s[0] <= '9'
		            ? -1
		            : rdesc_alg_from_text(t->s, t->len);
		if (a < 0) {
			if (text_number(t->s, t->len, 255, &v) < 0)
				return bad(p, f, "not a number 0..255 nor an algorithm mnemonic");
			a = (int)v;
		}
		wire_write_u8(&p->w, (uint8_t)a);
		v = (uint64_t)a;
		break;
	}
	case RF_DIGEST: {
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		int a = t->len && t->s[0] >= '0' && t->s[0] <= '9'
		            ? -1
		            : rdesc_digest_from_text(t->s, t->len);
		if (a < 0) {
			if (text_number(t->s, t->len, 255, &v) < 0)
				return bad(p, f, "not a number 0..255 nor a digest mnemonic");
			a = (int)v;
		}
		wire_write_u8(&p->w, (uint8_t)a);
		v = (uint64_t)a;
		break;
	}
	case RF_CERTTYPE: {
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		int c = t->len && t->s[0] >= '0' && t->s[0] <= '9'
		            ? -1
		            : rdesc_certtype_from_text(t->s, t->len);
		if (c < 0) {
			if (text_number(t->s, t->len, 65535, &v) < 0)
				return bad(p, f, "not a number 0..65535 nor a CERT type mnemonic");
			c = (int)v;
		}
		wire_write_u16(&p->w, (uint16_t)c);
		break;
	}
	case RF_NAME: {
		uint8_t n[NAME_MAXLEN];
		size_t nl;
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		rc = name_from_text(t->s, t->len, p->origin, n, &nl);
		if (rc < 0)
			return bad(p, f,
			           rc == ERR_SYNTAX && p->origin == NULL && t->len
			               ? "relative name without an origin"
			               : err_str(rc));
		wire_write(&p->w, n, nl);
		break;
	}
	case RF_A: {
		uint8_t a[4];
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		if (text_ipv4(t->s, t->len, a) < 0) {
			char show[48];
			return tp_error(p, p->i - 1, "bad IPv4 address '%s'",
			                tp_show(t, show, sizeof(show)));
		}
		wire_write(&p->w, a, 4);
		break;
	}
	case RF_AAAA: {
		uint8_t a[16];
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		if (text_ipv6(t->s, t->len, a) < 0) {
			char show[48];
			return tp_error(p, p->i - 1, "bad IPv6 address '%s'",
			                tp_show(t, show, sizeof(show)));
		}
		wire_write(&p->w, a, 16);
		break;
	}
	case RF_STR:
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		return one_string(p, f, t);
	case RF_STRS:
		if (p->i >= p->ntok)
			return missing(p, f);
		while (p->i < p->ntok) {
			t = &p->tok[p->i++];
			if ((rc = one_string(p, f, t)) != 0)
				return rc;
		}
		break;
	case RF_STR_REST:
	case RF_STR_REST1: {
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		int n = text_unescape_w(t->s, t->len, &p->w);
		if (n < 0)
			return bad(p, f, "bad escape");
		if (n == 0 && kind == RF_STR_REST1)
			return tp_error(p, p->i - 1, "empty %s %s", tname(f), fname(f));
		break;
	}
	case RF_B64:
	case RF_B64_OPT:
		return b64_rest(p, f, kind == RF_B64);
	case RF_HEX:
		return hex_rest(p, f);
	case RF_SALT: {
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		if (t->len == 1 && t->s[0] == '-') {
			wire_write_u8(&p->w, 0);
			break;
		}
		if (t->len > 510)
			return bad(p, f, "longer than 255 octets");
		if (t->len % 2)
			return bad(p, f, "odd number of hex digits");
		hexdec_t d = {-1};
		wire_write_u8(&p->w, (uint8_t)(t->len / 2));
		if (t->len == 0 || hex_feed(&d, t->s, t->len, &p->w) < 0)
			return bad(p, f, "want hex or '-'");
		break;
	}
	case RF_HASH: {
		uint8_t h[255];
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		int n = b32hex_decode(t->s, t->len, h, sizeof(h));
		if (n <= 0)
			return bad(p, f, "want base32hex of 1..255 octets");
		wire_write_u8(&p->w, (uint8_t)n);
		wire_write(&p->w, h, (size_t)n);
		break;
	}
	case RF_BITMAP:
		return bitmap_from_text(p);
	case RF_LOC:
		return loc_from_text(p);
	case RF_APL:
		return apl_from_text(p);
	case RF_GATEWAY:
		return gateway_from_text(p, (uint8_t)vals[1]);
	case RF_HIP:
		return hip_from_text(p);
	case RF_SVCPARAMS:
		return svcb_from_text(p);
	case RF_ILNP64: {
		uint8_t a[8];
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		if (ilnp64(t->s, t->len, a) < 0)
			return bad(p, f, "want xxxx:xxxx:xxxx:xxxx");
		wire_write(&p->w, a, 8);
		break;
	}
	case RF_EUI48:
	case RF_EUI64: {
		uint8_t a[8];
		size_t n = kind == RF_EUI48 ? 6 : 8;
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		if (eui(t->s, t->len, a, n) < 0)
			return bad(p, f,
			           n == 6 ? "want xx-xx-xx-xx-xx-xx"
			                  : "want xx-xx-xx-xx-xx-xx-xx-xx");
		wire_write(&p->w, a, n);
		break;
	}
	case RF_CAATAG: {
		if ((t = next(p, f)) == NULL)
			return ERR_BAD_RDATA;
		/* RFC 8659 §4.1: 1..255 ASCII letters and digits */
		if (t->len == 0 || t->len > 255)
			return bad(p, f, "want 1..255 letters and digits");
		for (size_t k = 0; k < t->len; k++) {
			char c = t->s[k];
			if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
				return bad(p, f, "want 1..255 letters and digits");
		}
		wire_write_u8(&p->w, (uint8_t)t->len);
		wire_write(&p->w, t->s, t->len);
		break;
	}
	case RF_OPAQUE:
		return tp_error(p, p->i, "%s rdata can only be given in the \\# form (RFC 3597)",
		                tname(f));
	case RF_END:
		break;
	}
	vals[f->idx] = v;
	return 0;
}

static bool is_generic(const rdata_tok_t *t)
{
	return !t->quoted && t->len == 2 && t->s[0] == '\\' && t->s[1] == '#';
}

/* RFC 3597 §5: "\# length hex...". */
static int generic(tparse_t *p)
{
	uint64_t n;
	char show[48];
	p->i = 1;
	if (p->ntok < 2)
		return tp_error(p, 1, "missing length after \\#");
	if (text_number(p->tok[1].s, p->tok[1].len, RDATA_MAXLEN, &n) < 0)
		return tp_error(p, 1, "bad \\# length '%s' (0..65535)",
		                tp_show(&p->tok[1], show, sizeof(show)));
	hexdec_t d = {-1};
	for (p->i = 2; p->i < p->ntok; p->i++) {
		const rdata_tok_t *t = &p->tok[p->i];
		if (hex_feed(&d, t->s, t->len, &p->w) < 0)
			return tp_error(p, p->i, "bad \\# hex data '%s'",
			                tp_show(t, show, sizeof(show)));
	}
	if (d.half >= 0)
		return tp_error(p, p->ntok - 1, "\\# data has an odd number of hex digits");
	if (p->w.err)
		return 0; /* the caller reports the size problem */
	if (wire_offset(&p->w) != n)
		return tp_error(p, 1, "\\# length %u but %zu octets of data", (unsigned)n,
		                wire_offset(&p->w));
	return 0;
}

static int check_msg(tparse_t *p, const rdesc_t *d, const char *tname, const uint8_t *rd,
                     size_t len)
{
	switch (p->type) {
	case RRTYPE_DS:
	case RRTYPE_CDS:
		return tp_error(p, p->ntok - 1,
		                "%s digest of %zu octets does not fit digest type %u", tname,
		                len - 4, rd[3]);
	case RRTYPE_SSHFP:
		return tp_error(p, p->ntok - 1,
		                "SSHFP fingerprint of %zu octets does not fit fingerprint type %u",
		                len - 2, rd[1]);
	case RRTYPE_ZONEMD:
		return tp_error(p, p->ntok - 1,
		                "ZONEMD digest of %zu octets does not fit hash algorithm %u "
		                "(or is shorter than 12)",
		                len - 6, rd[5]);
	default:
		(void)d;
		return tp_error(p, p->ntok - 1, "bad %s rdata", tname);
	}
}

int rdata_from_text(uint16_t type, const rdata_tok_t *tok, size_t ntok, const uint8_t *origin,
                    uint8_t *out, size_t cap, size_t *outlen, rdata_err_t *err)
{
	size_t limit = cap < RDATA_MAXLEN ? cap : RDATA_MAXLEN;
	tparse_t p = {tok, ntok, 0, origin, err, wire_init(out, limit), type};
	fctx_t f;
	int rc;
	err->tok = 0;
	err->msg[0] = 0;
	f.d = rdesc_get(type);
	f.type = type;

	if (ntok > 0 && is_generic(&tok[0])) {
		rc = generic(&p);
		if (rc)
			return rc;
		if (!p.w.err && f.d && rdata_check(type, out, wire_offset(&p.w)) != 0)
			return tp_error(&p, 0, "\\# data is not valid %s rdata", tname(&f));
	} else if (f.d == NULL) {
		return tp_error(
		    &p, 0, "type %s is unknown here: give its rdata in the \\# form (RFC 3597)",
		    tname(&f));
	} else {
		uint64_t vals[RDESC_MAXFIELDS] = {0};
		for (f.idx = 0; f.d->field[f.idx] != RF_END; f.idx++) {
			rc = field(&p, &f, (rfield_t)f.d->field[f.idx], vals);
			if (rc)
				return p.w.err == ERR_SPACE && limit < RDATA_MAXLEN ? ERR_SPACE
				                                                    : rc;
		}
		if (p.i < ntok) {
			char show[48];
			return tp_error(&p, p.i, "trailing data '%s'",
			                tp_show(&tok[p.i], show, sizeof(show)));
		}
	}
	if (p.w.err) {
		if (limit < RDATA_MAXLEN)
			return tp_error(&p, ntok ? ntok - 1 : 0, "no space for the rdata"),
			       ERR_SPACE;
		return tp_error(&p, ntok ? ntok - 1 : 0, "rdata longer than 65535 octets");
	}
	*outlen = wire_offset(&p.w);
	if (f.d && f.d->check && f.d->check(out, *outlen) != 0)
		return check_msg(&p, f.d, tname(&f), out, *outlen);
	return 0;
}
