/*
 * Encoders and decoders shared by the rdata parser and printer: base64,
 * hex, base32hex, RRSIG times, numbers, addresses, escapes, and the text
 * output buffer.  Nothing here allocates.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "dns/name.h"
#include "dns/rdata_desc.h"

/* ---- base64 (RFC 4648 §4) ---- */

static const char b64_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* value + 1 of each character: 1..64 for the alphabet, 65 for '=', 0 for
 * anything else */
static const uint8_t b64_val[256] = {
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  63, 0,  0,  0,  64,
    53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 0,  0,  0,  65, 0,  0,  0,  1,  2,  3,  4,  5,  6,  7,
    8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 0,  0,  0,  0,  0,
    0,  27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
    50, 51, 52, 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
};

static inline int b64_digit(uint8_t c)
{
	return (int)b64_val[c] - 1; /* -1 invalid, 64 '=' */
}

int b64_feed(b64dec_t *d, const char *s, size_t len, wire_t *w)
{
	size_t i = 0;
	/* fast path: whole quanta without padding straight into the buffer */
	if (d->n == 0 && d->pad == 0 && !w->err) {
		size_t room = (size_t)(w->end - w->pos);
		while (i + 4 <= len && room >= 3) {
			int a = b64_digit((uint8_t)s[i]), b = b64_digit((uint8_t)s[i + 1]),
			    c = b64_digit((uint8_t)s[i + 2]), e = b64_digit((uint8_t)s[i + 3]);
			if ((a | b | c | e) < 0 || a == 64 || b == 64 || c == 64 || e == 64)
				break; /* the slow path sorts it out */
			uint32_t v =
			    (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)e;
			w->pos[0] = (uint8_t)(v >> 16);
			w->pos[1] = (uint8_t)(v >> 8);
			w->pos[2] = (uint8_t)v;
			w->pos += 3;
			room -= 3;
			i += 4;
		}
	}
	for (; i < len; i++) {
		int v = b64_digit((uint8_t)s[i]);
		if (v < 0)
			return -1;
		if (v == 64) {
			/* '=' only in the last two places of a quantum */
			if (d->n < 2)
				return -1;
			d->pad++;
			d->n++;
			if (d->n == 4) {
				if (d->pad == 2)
					wire_write_u8(w, (uint8_t)(d->acc >> 4));
				else
					wire_write_u16(w, (uint16_t)(d->acc >> 2));
				d->n = 0;
				d->acc = 0;
			}
			continue;
		}
		if (d->pad)
			return -1; /* data after padding */
		d->acc = d->acc << 6 | (uint32_t)v;
		if (++d->n == 4) {
			wire_write_u8(w, (uint8_t)(d->acc >> 16));
			wire_write_u16(w, (uint16_t)d->acc);
			d->n = 0;
			d->acc = 0;
		}
	}
	return 0;
}

int b64_finish(const b64dec_t *d)
{
	return d->n == 0 ? 0 : -1;
}

void b64_encode(const uint8_t *src, size_t n, char *dst)
{
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
		*dst++ = b64_alpha[v >> 18];
		*dst++ = b64_alpha[(v >> 12) & 63];
		*dst++ = b64_alpha[(v >> 6) & 63];
		*dst++ = b64_alpha[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)src[i] << 16;
		*dst++ = b64_alpha[v >> 18];
		*dst++ = b64_alpha[(v >> 12) & 63];
		*dst++ = '=';
		*dst++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8;
		*dst++ = b64_alpha[v >> 18];
		*dst++ = b64_alpha[(v >> 12) & 63];
		*dst++ = b64_alpha[(v >> 6) & 63];
		*dst++ = '=';
	}
}

/* ---- hex ---- */

static inline int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int hex_feed(hexdec_t *d, const char *s, size_t len, wire_t *w)
{
	for (size_t i = 0; i < len; i++) {
		int v = hexval((uint8_t)s[i]);
		if (v < 0)
			return -1;
		if (d->half < 0) {
			d->half = v;
		} else {
			wire_write_u8(w, (uint8_t)(d->half << 4 | v));
			d->half = -1;
		}
	}
	return 0;
}

void hex_encode(const uint8_t *src, size_t n, char *dst)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		*dst++ = digits[src[i] >> 4];
		*dst++ = digits[src[i] & 15];
	}
}

/* ---- base32hex (RFC 4648 §7), no padding as NSEC3 writes it ---- */

static int b32val(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'v')
		return c - 'a' + 10;
	return -1;
}

int b32hex_decode(const char *s, size_t len, uint8_t *dst, size_t cap)
{
	/* only lengths a whole number of octets can produce */
	switch (len % 8) {
	case 1:
	case 3:
	case 6:
		return -1;
	default:
		break;
	}
	uint64_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b32val((uint8_t)s[i]);
		if (v < 0)
			return -1;
		acc = acc << 5 | (uint64_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			dst[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (int)o;
}

size_t b32hex_len(size_t n)
{
	return (n * 8 + 4) / 5;
}

void b32hex_encode(const uint8_t *src, size_t n, char *dst)
{
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | src[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			*dst++ = digits[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		*dst++ = digits[(acc << (5 - bits)) & 31];
}

/* ---- time (RFC 4034 §3.2) ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm: days since 1970-01-01 */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int time_from_text(const char *s, size_t len, uint32_t *out)
{
	uint64_t v;
	if (len != 14) {
		/* a plain number of seconds, as BIND and dnspython accept */
		if (text_number(s, len, UINT32_MAX, &v) < 0)
			return -1;
		*out = (uint32_t)v;
		return 0;
	}
	unsigned f[6];
	static const unsigned w[6] = {4, 2, 2, 2, 2, 2};
	size_t p = 0;
	for (int i = 0; i < 6; i++) {
		f[i] = 0;
		for (unsigned k = 0; k < w[i]; k++, p++) {
			if (s[p] < '0' || s[p] > '9')
				return -1;
			f[i] = f[i] * 10 + (unsigned)(s[p] - '0');
		}
	}
	static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	/* years before 1970 too: BIND prints times it reads as "closest to
	 * now" that way (19691231235959 is 2^32-1) */
	if (f[1] < 1 || f[1] > 12 || f[2] < 1)
		return -1;
	unsigned md = mdays[f[1] - 1] + (f[1] == 2 && is_leap((int)f[0]));
	if (f[2] > md || f[3] > 23 || f[4] > 59 || f[5] > 60)
		return -1;
	int64_t t = days_from_civil(f[0], f[1], f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
	*out = (uint32_t)(uint64_t)t; /* modulo 2^32, RFC 4034 §3.1.5 */
	return 0;
}

void time_to_text(uint32_t t, char out[15])
{
	int y;
	unsigned m, d;
	civil_from_days(t / 86400, &y, &m, &d);
	uint32_t s = t % 86400;
	unsigned v[6] = {(unsigned)y, m, d, s / 3600, s / 60 % 60, s % 60};
	char *o = out;
	for (int i = 0; i < 6; i++) {
		if (i == 0) {
			*o++ = (char)('0' + v[0] / 1000 % 10);
			*o++ = (char)('0' + v[0] / 100 % 10);
		}
		*o++ = (char)('0' + v[i] / 10 % 10);
		*o++ = (char)('0' + v[i] % 10);
	}
	*o = 0;
}

/* ---- text output ---- */

static inline bool tb_room(tbuf_t *t, size_t n)
{
	if (t->err)
		return false;
	if (t->cap - t->len <= n) { /* keep one byte for the NUL */
		t->err = ERR_SPACE;
		return false;
	}
	return true;
}

void tb_putc(tbuf_t *t, char c)
{
	if (tb_room(t, 1))
		t->buf[t->len++] = c;
}

void tb_put(tbuf_t *t, const char *s, size_t n)
{
	if (tb_room(t, n)) {
		memcpy(t->buf + t->len, s, n);
		t->len += n;
	}
}

void tb_puts(tbuf_t *t, const char *s)
{
	tb_put(t, s, strlen(s));
}

void tb_putu(tbuf_t *t, uint32_t v)
{
	char tmp[10];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (!tb_room(t, (size_t)n))
		return;
	while (n)
		t->buf[t->len++] = tmp[--n];
}

void tb_printf(tbuf_t *t, const char *fmt, ...)
{
	if (t->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len) {
		t->err = ERR_SPACE;
		return;
	}
	t->len += (size_t)n;
}

void tb_escaped(tbuf_t *t, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			tb_put(t, e, 2);
		} else if (c < 0x20 || c > 0x7e) {
			char e[4] = {'\\', (char)('0' + c / 100), (char)('0' + c / 10 % 10),
			             (char)('0' + c % 10)};
			tb_put(t, e, 4);
		} else {
			tb_putc(t, (char)c);
		}
	}
}

void tb_qstring(tbuf_t *t, const uint8_t *s, size_t n)
{
	tb_putc(t, '"');
	tb_escaped(t, s, n);
	tb_putc(t, '"');
}

void tb_name(tbuf_t *t, const uint8_t *name)
{
	if (t->err)
		return;
	int n = name_to_text(name, t->buf + t->len, t->cap - t->len);
	if (n < 0 || t->cap - t->len <= (size_t)n) {
		t->err = ERR_SPACE;
		return;
	}
	t->len += (size_t)n;
}

void tb_ipv4(tbuf_t *t, const uint8_t *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			tb_putc(t, '.');
		tb_putu(t, a[i]);
	}
}

void tb_ipv6(tbuf_t *t, const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];
	if (inet_ntop(AF_INET6, a, s, sizeof(s)) == NULL) {
		t->err = ERR_INVAL;
		return;
	}
	tb_puts(t, s);
}

/* Writes enc[0..n) in pieces of `chunk` characters (0: one piece)
 * separated by single spaces; `col` is the running piece length. */
static void tb_chunked(tbuf_t *t, const char *enc, size_t n, size_t chunk, size_t *col)
{
	while (n > 0) {
		if (chunk && *col == chunk) {
			tb_putc(t, ' ');
			*col = 0;
		}
		size_t k = chunk ? chunk - *col : n;
		if (k > n)
			k = n;
		tb_put(t, enc, k);
		enc += k;
		n -= k;
		*col += k;
	}
}

void tb_b64(tbuf_t *t, const uint8_t *s, size_t n, size_t chunk)
{
	/* 48 octets make 64 characters, whole quanta */
	char tmp[64];
	size_t col = 0;
	for (size_t i = 0; i < n; i += 48) {
		size_t k = n - i < 48 ? n - i : 48;
		b64_encode(s + i, k, tmp);
		tb_chunked(t, tmp, b64_len(k), chunk, &col);
	}
}

void tb_hex(tbuf_t *t, const uint8_t *s, size_t n, size_t chunk)
{
	char tmp[128];
	size_t col = 0;
	for (size_t i = 0; i < n; i += 64) {
		size_t k = n - i < 64 ? n - i : 64;
		hex_encode(s + i, k, tmp);
		tb_chunked(t, tmp, 2 * k, chunk, &col);
	}
}

/* ---- text input helpers ---- */

const char *tp_show(const rdata_tok_t *t, char *buf, size_t cap)
{
	size_t n = t->len;
	bool cut = false;
	if (n > 40) {
		n = 40;
		cut = true;
	}
	if (n + 4 > cap)
		n = cap - 4;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t->s[i];
		buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (cut) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
	return buf;
}

int tp_error(tparse_t *p, size_t at, const char *fmt, ...)
{
	p->err->tok = at;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return ERR_BAD_RDATA;
}

int text_unescape_w(const char *s, size_t len, wire_t *w)
{
	/* fast path: no escapes */
	if (memchr(s, '\\', len) == NULL) {
		wire_write(w, s, len);
		return (int)len;
	}
	size_t o = 0;
	for (size_t i = 0; i < len; i++, o++) {
		if (s[i] != '\\') {
			wire_write_u8(w, (uint8_t)s[i]);
			continue;
		}
		if (++i >= len)
			return -1;
		if (s[i] >= '0' && s[i] <= '9') {
			if (i + 2 >= len)
				return -1;
			int v = 0;
			for (int k = 0; k < 3; k++) {
				char c = s[i + (size_t)k];
				if (c < '0' || c > '9')
					return -1;
				v = v * 10 + (c - '0');
			}
			if (v > 255)
				return -1;
			wire_write_u8(w, (uint8_t)v);
			i += 2;
		} else {
			wire_write_u8(w, (uint8_t)s[i]);
		}
	}
	return (int)o;
}

int text_unescape(const char *s, size_t len, uint8_t *dst)
{
	/* unescaped text is never longer than the escaped text */
	wire_t w = wire_init(dst, len);
	return text_unescape_w(s, len, &w);
}

int text_number(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	if (len == 0 || len > 20)
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int text_ipv4(const char *s, size_t len, uint8_t out[4])
{
	/* strict dotted quad: four decimal parts 0..255, no leading zeros
	 * beyond a single "0" (inet_pton's rule) */
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
		size_t st = i;
		unsigned v = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - st < 3) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
		}
		if (i == st || v > 255 || (i - st > 1 && s[st] == '0'))
			return -1;
		out[part] = (uint8_t)v;
	}
	return i == len ? 0 : -1;
}

int text_ipv6(const char *s, size_t len, uint8_t out[16])
{
	char buf[INET6_ADDRSTRLEN + 1];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}
