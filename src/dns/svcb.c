/*
 * SVCB/HTTPS SvcParams (RFC 9460 §2.1, §7, §8, Appendix A).
 *
 * Text: each parameter is "key" or "key=value"; the value may be quoted
 * inside the token (alpn="h2,h3", as BIND prints it) or, when the scanner
 * split it off, be the quoted token right after a "key=" token.  Values
 * are <character-string>s (Appendix A.1: \DDD and \X escapes); the list
 * values (mandatory, alpn, ipv4hint, ipv6hint) are then split on commas,
 * where "\," and "\\" (after the first unescaping) are a literal comma and
 * backslash.
 *
 * Wire: keys strictly ascending, no duplicates (§2.2); mandatory lists
 * keys ascending, never key 0, each of them present (§8); no-default-alpn
 * only with alpn (§7.1.1).
 */
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "dns/rdata_desc.h"

enum {
	SVC_MANDATORY = 0,
	SVC_ALPN = 1,
	SVC_NO_DEFAULT_ALPN = 2,
	SVC_PORT = 3,
	SVC_IPV4HINT = 4,
	SVC_ECH = 5,
	SVC_IPV6HINT = 6,
};

static const char *const key_names[] = {"mandatory", "alpn", "no-default-alpn", "port",
                                        "ipv4hint",  "ech",  "ipv6hint"};
#define NKEYNAMES (sizeof(key_names) / sizeof(key_names[0]))

/* Each SvcParam takes at least 4 octets of the 65535. */
#define SVC_MAXPARAMS (RDATA_MAXLEN / 4)

/* Key names are read case-insensitively (as dnspython does) and printed
 * in lower case. */
static int key_from_text(const char *s, size_t len)
{
	for (size_t k = 0; k < NKEYNAMES; k++)
		if (strlen(key_names[k]) == len && strncasecmp(key_names[k], s, len) == 0)
			return (int)k;
	/* RFC 9461 names key 7; BIND 9.18 reads "dohpath" and prints key7 */
	if (len == 7 && strncasecmp(s, "dohpath", 7) == 0)
		return 7;
	if (len > 3 && len <= 8 && strncasecmp(s, "key", 3) == 0) {
		uint64_t v;
		if (text_number(s + 3, len - 3, 65535, &v) == 0)
			return (int)v;
	}
	return -1;
}

static void key_to_text(tbuf_t *t, uint16_t key)
{
	if (key < NKEYNAMES) {
		tb_puts(t, key_names[key]);
	} else {
		tb_puts(t, "key");
		tb_putu(t, key);
	}
}

/* ---- text ---- */

/* One SvcParam's text: key, and value (raw, escapes still in) or none. */
typedef struct {
	const char *key, *val;
	size_t keylen, vallen;
	bool has_val;
	size_t ntok; /* tokens it spans: 1, or 2 for `key=` "value" */
} svtext_t;

static int split_param(const tparse_t *p, size_t i, svtext_t *o)
{
	const rdata_tok_t *t = &p->tok[i];
	const char *eq = memchr(t->s, '=', t->len);
	o->key = t->s;
	o->ntok = 1;
	o->has_val = eq != NULL;
	if (!eq) {
		o->keylen = t->len;
		o->val = NULL;
		o->vallen = 0;
		return 0;
	}
	o->keylen = (size_t)(eq - t->s);
	o->val = eq + 1;
	o->vallen = t->len - o->keylen - 1;
	if (o->vallen == 0 && i + 1 < p->ntok && p->tok[i + 1].quoted) {
		o->val = p->tok[i + 1].s;
		o->vallen = p->tok[i + 1].len;
		o->ntok = 2;
	} else if (o->vallen > 0 && o->val[0] == '"') {
		if (o->vallen < 2 || o->val[o->vallen - 1] != '"')
			return -1;
		o->val++;
		o->vallen -= 2;
	}
	return 0;
}

/* The next octet of a <character-string> value: 0..255, -1 at the end,
 * -2 on a bad escape. */
static int cs_next(const char *s, size_t len, size_t *i)
{
	if (*i >= len)
		return -1;
	char c = s[(*i)++];
	if (c != '\\')
		return (uint8_t)c;
	if (*i >= len)
		return -2;
	c = s[*i];
	if (c >= '0' && c <= '9') {
		if (*i + 2 >= len)
			return -2;
		int v = 0;
		for (int k = 0; k < 3; k++) {
			char d = s[*i + (size_t)k];
			if (d < '0' || d > '9')
				return -2;
			v = v * 10 + (d - '0');
		}
		if (v > 255)
			return -2;
		*i += 3;
		return v;
	}
	(*i)++;
	return (uint8_t)c;
}

/* The next item of a comma-separated value-list (Appendix A.1) into buf;
 * returns its length, -1 at the end of the list, -2 on a bad escape, -3
 * when longer than cap. */
static int list_next(const char *s, size_t len, size_t *i, bool *done, uint8_t *buf, size_t cap)
{
	if (*done)
		return -1;
	size_t n = 0;
	for (;;) {
		int c = cs_next(s, len, i);
		if (c == -2)
			return -2;
		if (c == -1) {
			*done = true;
			break;
		}
		if (c == ',')
			break;
		if (c == '\\') {
			c = cs_next(s, len, i);
			if (c < 0)
				return -2;
		}
		if (n >= cap)
			return -3;
		buf[n++] = (uint8_t)c;
	}
	return (int)n;
}

static int perr(tparse_t *p, size_t at, const char *fmt, const char *key, size_t keylen)
{
	char k[40];
	size_t n = keylen < sizeof(k) - 1 ? keylen : sizeof(k) - 1;
	memcpy(k, key, n);
	k[n] = 0;
	return tp_error(p, at, fmt, k);
}

/* Writes the value of one parameter (its length field included). */
static int value_from_text(tparse_t *p, size_t at, int key, const svtext_t *sv)
{
	const char *s = sv->val;
	size_t len = sv->vallen, i = 0;
	uint8_t item[256];
	bool done = false;
	int n;
	uint8_t *lenp = p->w.pos;
	size_t start;
	wire_write_u16(&p->w, 0);
	start = wire_offset(&p->w);

	if (key == SVC_NO_DEFAULT_ALPN) {
		if (sv->has_val)
			return tp_error(p, at, "SvcParam no-default-alpn takes no value");
		goto out;
	}
	if (!sv->has_val && key <= SVC_IPV6HINT)
		return perr(p, at, "missing value for SvcParam '%s'", sv->key, sv->keylen);
	switch (key) {
	case SVC_MANDATORY: {
		size_t count = 0;
		while ((n = list_next(s, len, &i, &done, item, 32)) != -1) {
			int k = n >= 0 ? key_from_text((const char *)item, (size_t)n) : -1;
			if (k < 0)
				return tp_error(p, at, "unknown SvcParam key in mandatory list");
			if (k == SVC_MANDATORY)
				return tp_error(p, at, "mandatory must not list itself (key0)");
			/* insertion into the ascending list already written */
			uint8_t *base = p->w.start + start;
			if (p->w.err)
				break;
			size_t j = count;
			while (j > 0 && wire_get_u16(base + 2 * (j - 1)) > k)
				j--;
			if (j > 0 && wire_get_u16(base + 2 * (j - 1)) == k)
				return tp_error(p, at, "duplicate key in SvcParam mandatory");
			wire_write_u16(&p->w, 0);
			if (p->w.err)
				break;
			memmove(base + 2 * (j + 1), base + 2 * j, 2 * (count - j));
			wire_put_u16(base + 2 * j, (uint16_t)k);
			count++;
		}
		if (count == 0 && !p->w.err)
			return tp_error(p, at, "empty SvcParam mandatory");
		break;
	}
	case SVC_ALPN:
		while ((n = list_next(s, len, &i, &done, item, 255)) != -1) {
			if (n == -2)
				return tp_error(p, at, "bad escape in SvcParam alpn");
			if (n == -3)
				return tp_error(p, at, "alpn identifier longer than 255 octets");
			if (n == 0)
				return tp_error(p, at, "empty alpn identifier");
			wire_write_u8(&p->w, (uint8_t)n);
			wire_write(&p->w, item, (size_t)n);
		}
		break;
	case SVC_PORT: {
		uint64_t v;
		n = list_next(s, len, &i, &done, item, 8);
		if (n < 0 || !done || text_number((const char *)item, (size_t)n, 65535, &v) < 0)
			return tp_error(p, at, "bad SvcParam port (want 0..65535)");
		wire_write_u16(&p->w, (uint16_t)v);
		break;
	}
	case SVC_IPV4HINT:
	case SVC_IPV6HINT: {
		size_t count = 0;
		while ((n = list_next(s, len, &i, &done, item, 64)) != -1) {
			uint8_t a[16];
			int rc = n < 0 ? -1
			         : key == SVC_IPV4HINT
			             ? text_ipv4((const char *)item, (size_t)n, a)
			             : text_ipv6((const char *)item, (size_t)n, a);
			if (rc < 0)
				return tp_error(p, at,
				                key == SVC_IPV4HINT
				                    ? "bad IPv4 address in SvcParam ipv4hint"
				                    : "bad IPv6 address in SvcParam ipv6hint");
			wire_write(&p->w, a, key == SVC_IPV4HINT ? 4 : 16);
			count++;
		}
		if (count == 0)
			return tp_error(p, at, "empty SvcParam address list");
		break;
	}
	case SVC_ECH: {
		b64dec_t d = {0, 0, 0};
		int c;
		while ((c = cs_next(s, len, &i)) >= 0) {
			char ch = (char)c;
			if (b64_feed(&d, &ch, 1, &p->w) < 0)
				return tp_error(p, at, "bad base64 in SvcParam ech");
		}
		if (c == -2 || b64_finish(&d) < 0)
			return tp_error(p, at, "bad base64 in SvcParam ech");
		if (wire_offset(&p->w) == start && !p->w.err)
			return tp_error(p, at, "empty SvcParam ech");
		break;
	}
	default: {
		int c;
		while ((c = cs_next(s, len, &i)) >= 0)
			wire_write_u8(&p->w, (uint8_t)c);
		if (c == -2)
			return perr(p, at, "bad escape in SvcParam '%s'", sv->key, sv->keylen);
		break;
	}
	}
out:
	if (!p->w.err)
		wire_put_u16(lenp, (uint16_t)(wire_offset(&p->w) - start));
	return 0;
}

static void sort_u32(uint32_t *a, size_t n)
{
	/* heapsort: no allocation, O(n log n) even for hostile input */
	for (size_t start = n / 2; start-- > 0;) {
		size_t r = start;
		for (;;) {
			size_t c = 2 * r + 1;
			if (c >= n)
				break;
			if (c + 1 < n && a[c + 1] > a[c])
				c++;
			if (a[r] >= a[c])
				break;
			uint32_t t = a[r];
			a[r] = a[c];
			a[c] = t;
			r = c;
		}
	}
	for (size_t end = n; end-- > 1;) {
		uint32_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		size_t r = 0;
		for (;;) {
			size_t c = 2 * r + 1;
			if (c >= end)
				break;
			if (c + 1 < end && a[c + 1] > a[c])
				c++;
			if (a[r] >= a[c])
				break;
			uint32_t x = a[r];
			a[r] = a[c];
			a[c] = x;
			r = c;
		}
	}
}

static bool have_key(const uint32_t *ent, size_t n, uint16_t key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint16_t k = (uint16_t)(ent[mid] >> 16);
		if (k == key)
			return true;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int svcb_from_text(tparse_t *p)
{
	/* key << 16 | token offset from `first`; sorted, this is the wire
	 * order (RFC 9460 §2.2) */
	uint32_t ent[SVC_MAXPARAMS];
	size_t n = 0, first = p->i;
	svtext_t sv;
	if (p->ntok - first > 2 * SVC_MAXPARAMS)
		return tp_error(p, first, "too many SvcParams for 65535 octets");
	for (size_t i = first; i < p->ntok; i += sv.ntok) {
		char show[48];
		if (split_param(p, i, &sv) < 0)
			return tp_error(p, i, "unterminated quote in SvcParam '%s'",
			                tp_show(&p->tok[i], show, sizeof(show)));
		int key = key_from_text(sv.key, sv.keylen);
		if (key < 0)
			return perr(p, i, "unknown SvcParam key '%s'", sv.key, sv.keylen);
		if (n == SVC_MAXPARAMS)
			return tp_error(p, i, "too many SvcParams for 65535 octets");
		ent[n++] = (uint32_t)key << 16 | (uint32_t)(i - first);
	}
	sort_u32(ent, n);
	for (size_t k = 0; k < n; k++) {
		uint16_t key = (uint16_t)(ent[k] >> 16);
		size_t at = first + (ent[k] & 0xffff);
		if (k > 0 && (ent[k - 1] >> 16) == key) {
			split_param(p, at, &sv);
			return perr(p, at, "duplicate SvcParam key '%s'", sv.key, sv.keylen);
		}
		split_param(p, at, &sv);
		wire_write_u16(&p->w, key);
		int rc = value_from_text(p, at, key, &sv);
		if (rc)
			return rc;
	}
	/* the cross-parameter rules, now that all keys are known (RFC 9460
	 * §7.1.1, §8: every key mandatory lists must be present) */
	for (size_t k = 0; k < n; k++) {
		uint16_t key = (uint16_t)(ent[k] >> 16);
		size_t at = first + (ent[k] & 0xffff);
		if (key == SVC_NO_DEFAULT_ALPN && !have_key(ent, n, SVC_ALPN))
			return tp_error(p, at, "no-default-alpn requires alpn (RFC 9460 §7.1.1)");
		if (key == SVC_MANDATORY) {
			size_t i = 0;
			bool done = false;
			uint8_t item[32];
			int l;
			split_param(p, at, &sv);
			while ((l = list_next(sv.val, sv.vallen, &i, &done, item, 32)) >= 0) {
				int mk = key_from_text((const char *)item, (size_t)l);
				if (mk >= 0 && !have_key(ent, n, (uint16_t)mk))
					return perr(p, at,
					            "mandatory lists key '%s' that is not present",
					            (const char *)item, (size_t)l);
			}
		}
	}
	p->i = p->ntok;
	return 0;
}

/* ---- wire ---- */

int svcb_check(const uint8_t *rd, size_t len)
{
	size_t p = 0, mpos = 0, mlen = 0;
	int prev = -1;
	bool alpn = false, nda = false, mand = false;
	while (p < len) {
		if (len - p < 4)
			return -1;
		uint16_t key = wire_get_u16(rd + p), vl = wire_get_u16(rd + p + 2);
		const uint8_t *v = rd + p + 4;
		if ((int)key <= prev || len - p - 4 < vl)
			return -1;
		prev = key;
		switch (key) {
		case SVC_MANDATORY:
			if (vl == 0 || vl % 2)
				return -1;
			for (size_t i = 0; i < vl; i += 2) {
				uint16_t k = wire_get_u16(v + i);
				if (k == SVC_MANDATORY || (i > 0 && k <= wire_get_u16(v + i - 2)))
					return -1;
			}
			mand = true;
			mpos = p + 4;
			mlen = vl;
			break;
		case SVC_ALPN:
			if (vl == 0)
				return -1;
			for (size_t i = 0; i < vl; i += 1 + (size_t)v[i])
				if (v[i] == 0 || vl - i < 1 + (size_t)v[i])
					return -1;
			alpn = true;
			break;
		case SVC_NO_DEFAULT_ALPN:
			if (vl != 0)
				return -1;
			nda = true;
			break;
		case SVC_PORT:
			if (vl != 2)
				return -1;
			break;
		case SVC_IPV4HINT:
			if (vl == 0 || vl % 4)
				return -1;
			break;
		case SVC_ECH:
			if (vl == 0)
				return -1;
			break;
		case SVC_IPV6HINT:
			if (vl == 0 || vl % 16)
				return -1;
			break;
		default:
			break;
		}
		p += 4 + (size_t)vl;
	}
	if (nda && !alpn)
		return -1;
	if (mand) {
		/* both lists ascend: one merge walk */
		size_t q = 0;
		for (size_t i = 0; i < mlen; i += 2) {
			uint16_t want = wire_get_u16(rd + mpos + i);
			while (q < len && wire_get_u16(rd + q) < want)
				q += 4 + (size_t)wire_get_u16(rd + q + 2);
			if (q >= len || wire_get_u16(rd + q) != want)
				return -1;
		}
	}
	return (int)len;
}

/* An alpn-id or other list item: ',' and '\' get a value-list backslash,
 * then the whole is escaped as a <character-string> (so "\," prints as
 * "\\,").  BIND also writes spaces in alpn as \032. */
static void list_item(tbuf_t *t, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == ',' || c == '\\')
			tb_put(t, "\\\\", 2);
		if (c == ' ')
			tb_put(t, "\\032", 4);
		else
			tb_escaped(t, &c, 1);
	}
}

void svcb_to_text(tbuf_t *t, const uint8_t *rd, size_t len)
{
	size_t p = 0;
	while (p < len) {
		uint16_t key = wire_get_u16(rd + p), vl = wire_get_u16(rd + p + 2);
		const uint8_t *v = rd + p + 4;
		if (p)
			tb_putc(t, ' ');
		key_to_text(t, key);
		switch (key) {
		case SVC_MANDATORY:
			for (size_t i = 0; i < vl; i += 2) {
				tb_putc(t, i ? ',' : '=');
				key_to_text(t, wire_get_u16(v + i));
			}
			break;
		case SVC_ALPN:
			tb_put(t, "=\"", 2);
			for (size_t i = 0; i < vl; i += 1 + (size_t)v[i]) {
				if (i)
					tb_putc(t, ',');
				list_item(t, v + i + 1, v[i]);
			}
			tb_putc(t, '"');
			break;
		case SVC_NO_DEFAULT_ALPN:
			break;
		case SVC_PORT:
			tb_putc(t, '=');
			tb_putu(t, wire_get_u16(v));
			break;
		case SVC_IPV4HINT:
			for (size_t i = 0; i < vl; i += 4) {
				tb_putc(t, i ? ',' : '=');
				tb_ipv4(t, v + i);
			}
			break;
		case SVC_ECH:
			tb_putc(t, '=');
			tb_b64(t, v, vl, 0);
			break;
		case SVC_IPV6HINT:
			for (size_t i = 0; i < vl; i += 16) {
				tb_putc(t, i ? ',' : '=');
				tb_ipv6(t, v + i);
			}
			break;
		default:
			/* BIND prints an empty value as the bare key */
			if (vl) {
				tb_putc(t, '=');
				tb_qstring(t, v, vl);
			}
			break;
		}
		p += 4 + (size_t)vl;
	}
}
