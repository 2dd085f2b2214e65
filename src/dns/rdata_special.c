/*
 * Field kinds that are more than a number, a name or a blob: the type
 * bitmap (NSEC, NSEC3, CSYNC), LOC, APL, the IPSECKEY gateway and HIP.
 * Each has a text parser, a wire checker and a printer; the table walkers
 * in rdata_from_text.c, rdata_wire.c and rdata_to_text.c call them.
 */
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "dns/name.h"
#include "dns/rdata_desc.h"
#include "dns/rrtype.h"

static int tok_err(tparse_t *p, size_t at, const char *what)
{
	char show[48];
	char tn[RRTYPE_TEXT_MAXLEN];
	rrtype_to_text(p->type, tn, sizeof(tn));
	if (at >= p->ntok)
		return tp_error(p, at, "missing %s %s", tn, what);
	return tp_error(p, at, "bad %s %s '%s'", tn, what,
	                tp_show(&p->tok[at], show, sizeof(show)));
}

/* ---- type bitmap (RFC 4034 §4.1.2) ---- */

int bitmap_from_text(tparse_t *p)
{
	uint8_t bits[256][32];
	uint8_t used[256];
	int lo = 256, hi = -1;
	memset(used, 0, sizeof(used));
	for (; p->i < p->ntok; p->i++) {
		const rdata_tok_t *t = &p->tok[p->i];
		uint16_t type;
		if (rrtype_from_text(t->s, t->len, &type) < 0)
			return tok_err(p, p->i, "type in the bitmap");
		uint8_t win = (uint8_t)(type >> 8);
		if (!used[win]) {
			memset(bits[win], 0, 32);
			used[win] = 1;
			lo = win < lo ? win : lo;
			hi = win > hi ? win : hi;
		}
		bits[win][(type & 0xff) >> 3] |= (uint8_t)(0x80 >> (type & 7));
	}
	for (int win = lo; win <= hi; win++) {
		if (!used[win])
			continue;
		int last = 31;
		while (last > 0 && bits[win][last] == 0)
			last--;
		wire_write_u8(&p->w, (uint8_t)win);
		wire_write_u8(&p->w, (uint8_t)(last + 1));
		wire_write(&p->w, bits[win], (size_t)last + 1);
	}
	return 0;
}

int bitmap_check(const uint8_t *rd, size_t len)
{
	size_t p = 0;
	int prev = -1;
	while (p < len) {
		if (len - p < 2)
			return -1;
		uint8_t win = rd[p], n = rd[p + 1];
		/* windows ascending, 1..32 octets, no trailing zero octet */
		if ((int)win <= prev || n == 0 || n > 32 || len - p - 2 < n)
			return -1;
		if (rd[p + 2 + n - 1] == 0)
			return -1;
		prev = win;
		p += 2 + (size_t)n;
	}
	return (int)len;
}

void bitmap_to_text(tbuf_t *t, const uint8_t *rd, size_t len)
{
	size_t p = 0;
	bool first = true;
	while (p < len) {
		uint8_t win = rd[p], n = rd[p + 1];
		for (unsigned i = 0; i < n; i++) {
			uint8_t o = rd[p + 2 + i];
			if (o == 0)
				continue;
			for (unsigned b = 0; b < 8; b++) {
				if (!(o & (0x80 >> b)))
					continue;
				char tn[RRTYPE_TEXT_MAXLEN];
				rrtype_to_text((uint16_t)(win << 8 | (i * 8 + b)), tn, sizeof(tn));
				if (!first)
					tb_putc(t, ' ');
				tb_puts(t, tn);
				first = false;
			}
		}
		p += 2 + (size_t)n;
	}
}

/* ---- LOC (RFC 1876) ---- */

#define LOC_EQUATOR  0x80000000u
#define LOC_ALT_BASE 10000000 /* cm below the WGS 84 spheroid */
#define LOC_MAX_LAT  (90u * 3600000u)
#define LOC_MAX_LON  (180u * 3600000u)

static const uint32_t pow10[10] = {1,      10,      100,      1000,      10000,
                                   100000, 1000000, 10000000, 100000000, 1000000000};

/* A decimal with at most `frac` fraction digits, scaled by 10^frac;
 * optional leading '-' when sign is allowed, optional trailing 'm' when
 * unit.  0 or -1. */
static int decimal(const char *s, size_t len, int frac, bool sign, bool unit, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (unit && len > 0 && (s[len - 1] == 'm' || s[len - 1] == 'M'))
		len--;
	if (sign && i < len && s[i] == '-') {
		neg = true;
		i++;
	}
	int64_t v = 0;
	size_t st = i;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		v = v * 10 + (s[i] - '0');
		if (v > 100000000000LL)
			return -1;
		i++;
	}
	if (i == st)
		return -1;
	int fd = 0;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (fd == frac)
				return -1;
			v = v * 10 + (s[i] - '0');
			fd++;
			i++;
		}
	}
	if (i != len)
		return -1;
	for (; fd < frac; fd++)
		v *= 10;
	*out = neg ? -v : v;
	return 0;
}

/* One coordinate: degrees [minutes [seconds]] then a hemisphere letter.
 * Writes thousandths of an arc second and the letter. */
static int coord(tparse_t *p, const char *what, char pos, char neg, uint32_t maxdeg, uint32_t *out)
{
	int64_t deg, min = 0, secms = 0;
	size_t at = p->i;
	if (p->i >= p->ntok || decimal(p->tok[p->i].s, p->tok[p->i].len, 0, false, false, &deg) ||
	    deg > maxdeg)
		return tok_err(p, p->i, what);
	p->i++;
	for (int part = 0; part < 2; part++) {
		if (p->i >= p->ntok)
			return tok_err(p, p->i, what);
		const rdata_tok_t *t = &p->tok[p->i];
		if (t->len == 1 &&
		    ((t->s[0] | 0x20) == (pos | 0x20) || (t->s[0] | 0x20) == (neg | 0x20)))
			break;
		int64_t v;
		if (part == 0) {
			if (decimal(t->s, t->len, 0, false, false, &v) || v > 59)
				return tok_err(p, p->i, what);
			min = v;
		} else {
			if (decimal(t->s, t->len, 3, false, false, &v) || v > 59999)
				return tok_err(p, p->i, what);
			secms = v;
		}
		p->i++;
	}
	if (p->i >= p->ntok)
		return tok_err(p, p->i, what);
	const rdata_tok_t *t = &p->tok[p->i];
	char h = t->len == 1 ? (char)(t->s[0] & ~0x20) : 0;
	if (h != pos && h != neg)
		return tok_err(p, p->i, pos == 'N' ? "hemisphere (N or S)" : "hemisphere (E or W)");
	p->i++;
	int64_t ms = ((deg * 60 + min) * 60) * 1000 + secms;
	if (ms > (int64_t)maxdeg * 3600000)
		return tok_err(p, at, what);
	*out = h == pos ? LOC_EQUATOR + (uint32_t)ms : LOC_EQUATOR - (uint32_t)ms;
	return 0;
}

static uint8_t loc_prec(int64_t cm)
{
	if (cm == 0)
		return 0;
	int e = 0;
	while (e < 9 && cm >= (int64_t)pow10[e + 1])
		e++;
	return (uint8_t)((cm / pow10[e]) << 4 | e);
}

int loc_from_text(tparse_t *p)
{
	uint32_t lat, lon;
	int64_t alt, size[3] = {100, 1000000, 1000}; /* 1m 10000m 10m, RFC 1876 §3 */
	int rc = coord(p, "latitude", 'N', 'S', 90, &lat);
	if (rc)
		return rc;
	rc = coord(p, "longitude", 'E', 'W', 180, &lon);
	if (rc)
		return rc;
	if (p->i >= p->ntok || decimal(p->tok[p->i].s, p->tok[p->i].len, 2, true, true, &alt) ||
	    alt < -LOC_ALT_BASE || alt > (int64_t)UINT32_MAX - LOC_ALT_BASE)
		return tok_err(p, p->i, "altitude (-100000.00m..42849672.95m)");
	p->i++;
	static const char *const what[3] = {"size", "horizontal precision", "vertical precision"};
	for (int k = 0; k < 3 && p->i < p->ntok; k++, p->i++) {
		const rdata_tok_t *t = &p->tok[p->i];
		if (decimal(t->s, t->len, 2, false, true, &size[k]) || size[k] > 9000000000LL) {
			char m[48];
			snprintf(m, sizeof(m), "%s (0m..90000000m)", what[k]);
			return tok_err(p, p->i, m);
		}
	}
	wire_write_u8(&p->w, 0); /* version */
	for (int k = 0; k < 3; k++)
		wire_write_u8(&p->w, loc_prec(size[k]));
	wire_write_u32(&p->w, lat);
	wire_write_u32(&p->w, lon);
	wire_write_u32(&p->w, (uint32_t)(alt + LOC_ALT_BASE));
	return 0;
}

int loc_check(const uint8_t *rd, size_t len)
{
	if (len < 16 || rd[0] != 0)
		return -1;
	for (int k = 1; k <= 3; k++) {
		uint8_t m = rd[k] >> 4, e = rd[k] & 15;
		/* 0 with an exponent would print as 0 and come back as 0x00 */
		if (m > 9 || e > 9 || (m == 0 && e != 0))
			return -1;
	}
	uint32_t lat = wire_get_u32(rd + 4), lon = wire_get_u32(rd + 8);
	if (lat < LOC_EQUATOR - LOC_MAX_LAT || lat > LOC_EQUATOR + LOC_MAX_LAT)
		return -1;
	if (lon < LOC_EQUATOR - LOC_MAX_LON || lon > LOC_EQUATOR + LOC_MAX_LON)
		return -1;
	return 16;
}

static void loc_coord(tbuf_t *t, uint32_t v, char pos, char neg)
{
	uint32_t ms = v >= LOC_EQUATOR ? v - LOC_EQUATOR : LOC_EQUATOR - v;
	tb_printf(t, "%u %u %u.%03u %c", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000,
	          v >= LOC_EQUATOR ? pos : neg);
}

static void loc_size(tbuf_t *t, uint8_t x)
{
	uint32_t m = x >> 4, e = x & 15;
	if (e >= 2)
		tb_printf(t, " %um", m * pow10[e - 2]);
	else
		tb_printf(t, " 0.%02um", m * pow10[e]);
}

void loc_to_text(tbuf_t *t, const uint8_t *rd)
{
	loc_coord(t, wire_get_u32(rd + 4), 'N', 'S');
	tb_putc(t, ' ');
	loc_coord(t, wire_get_u32(rd + 8), 'E', 'W');
	int64_t alt = (int64_t)wire_get_u32(rd + 12) - LOC_ALT_BASE;
	uint64_t a = (uint64_t)(alt < 0 ? -alt : alt);
	tb_printf(t, " %s%llu.%02llum", alt < 0 ? "-" : "", (unsigned long long)(a / 100),
	          (unsigned long long)(a % 100));
	for (int k = 1; k <= 3; k++)
		loc_size(t, rd[k]);
}

/* ---- APL (RFC 3123 §4) ---- */

int apl_from_text(tparse_t *p)
{
	for (; p->i < p->ntok; p->i++) {
		const rdata_tok_t *t = &p->tok[p->i];
		const char *s = t->s, *e = t->s + t->len;
		bool neg = false;
		if (s < e && *s == '!') {
			neg = true;
			s++;
		}
		const char *colon = memchr(s, ':', (size_t)(e - s));
		const char *slash = colon ? memchr(colon, '/', (size_t)(e - colon)) : NULL;
		uint64_t afi, prefix;
		uint8_t addr[16];
		if (!colon || !slash || text_number(s, (size_t)(colon - s), 65535, &afi) < 0 ||
		    (afi != 1 && afi != 2))
			return tok_err(p, p->i, "item (want [!]afi:address/prefix, afi 1 or 2)");
		size_t alen = afi == 1 ? 4 : 16;
		int rc = afi == 1 ? text_ipv4(colon + 1, (size_t)(slash - colon - 1), addr)
		                  : text_ipv6(colon + 1, (size_t)(slash - colon - 1), addr);
		if (rc < 0)
			return tok_err(p, p->i,
			               afi == 1 ? "item: bad IPv4 address"
			                        : "item: bad IPv6 address");
		if (text_number(slash + 1, (size_t)(e - slash - 1), alen * 8, &prefix) < 0)
			return tok_err(p, p->i,
			               afi == 1 ? "item: prefix length not 0..32"
			                        : "item: prefix length not 0..128");
		/* RFC 3123 §4: trailing zero octets are not sent */
		size_t n = alen;
		while (n > 0 && addr[n - 1] == 0)
			n--;
		wire_write_u16(&p->w, (uint16_t)afi);
		wire_write_u8(&p->w, (uint8_t)prefix);
		wire_write_u8(&p->w, (uint8_t)((neg ? 0x80 : 0) | n));
		wire_write(&p->w, addr, n);
	}
	return 0;
}

int apl_check(const uint8_t *rd, size_t len)
{
	size_t p = 0;
	while (p < len) {
		if (len - p < 4)
			return -1;
		uint16_t afi = wire_get_u16(rd + p);
		uint8_t prefix = rd[p + 2], n = rd[p + 3] & 0x7f;
		/* only the address families there is a text form for */
		if (afi == 1) {
			if (prefix > 32 || n > 4)
				return -1;
		} else if (afi == 2) {
			if (prefix > 128 || n > 16)
				return -1;
		} else {
			return -1;
		}
		if (len - p - 4 < n || (n > 0 && rd[p + 4 + n - 1] == 0))
			return -1;
		p += 4 + (size_t)n;
	}
	return (int)len;
}

void apl_to_text(tbuf_t *t, const uint8_t *rd, size_t len)
{
	size_t p = 0;
	while (p < len) {
		uint16_t afi = wire_get_u16(rd + p);
		uint8_t n = rd[p + 3] & 0x7f;
		uint8_t addr[16] = {0};
		memcpy(addr, rd + p + 4, n);
		if (p)
			tb_putc(t, ' ');
		tb_printf(t, "%s%u:", rd[p + 3] & 0x80 ? "!" : "", afi);
		if (afi == 1)
			tb_ipv4(t, addr);
		else
			tb_ipv6(t, addr);
		tb_printf(t, "/%u", rd[p + 2]);
		p += 4 + (size_t)n;
	}
}

/* ---- IPSECKEY gateway (RFC 4025 §2.5) ---- */

int gateway_from_text(tparse_t *p, uint8_t gwtype)
{
	if (p->i >= p->ntok)
		return tok_err(p, p->i, "gateway");
	const rdata_tok_t *t = &p->tok[p->i];
	switch (gwtype) {
	case 0:
		if (t->len != 1 || t->s[0] != '.')
			return tok_err(p, p->i, "gateway (type 0 wants \".\")");
		break;
	case 1: {
		uint8_t a[4];
		if (text_ipv4(t->s, t->len, a) < 0)
			return tok_err(p, p->i, "gateway (type 1 wants an IPv4 address)");
		wire_write(&p->w, a, 4);
		break;
	}
	case 2: {
		uint8_t a[16];
		if (text_ipv6(t->s, t->len, a) < 0)
			return tok_err(p, p->i, "gateway (type 2 wants an IPv6 address)");
		wire_write(&p->w, a, 16);
		break;
	}
	case 3: {
		uint8_t n[NAME_MAXLEN];
		size_t nl;
		if (name_from_text(t->s, t->len, p->origin, n, &nl) < 0)
			return tok_err(p, p->i, "gateway (type 3 wants a domain name)");
		wire_write(&p->w, n, nl);
		break;
	}
	default:
		return tp_error(p, p->i, "bad IPSECKEY gateway type %u (want 0..3)", gwtype);
	}
	p->i++;
	return 0;
}

int gateway_check(uint8_t gwtype, const uint8_t *rd, size_t len)
{
	switch (gwtype) {
	case 0:
		return 0;
	case 1:
		return len >= 4 ? 4 : -1;
	case 2:
		return len >= 16 ? 16 : -1;
	case 3: {
		int rc = name_check(rd, len);
		return rc < 0 ? (rc == ERR_BAD_POINTER ? rc : -1) : rc;
	}
	default:
		return -1;
	}
}

void gateway_to_text(tbuf_t *t, uint8_t gwtype, const uint8_t *rd)
{
	switch (gwtype) {
	case 0:
		tb_putc(t, '.');
		break;
	case 1:
		tb_ipv4(t, rd);
		break;
	case 2:
		tb_ipv6(t, rd);
		break;
	default:
		tb_name(t, rd);
		break;
	}
}

/* ---- HIP (RFC 8005 §3, §5): text "alg hit pk [servers]", wire
 * hitlen alg pklen hit pk servers ---- */

int hip_from_text(tparse_t *p)
{
	uint64_t alg;
	if (p->i >= p->ntok || text_number(p->tok[p->i].s, p->tok[p->i].len, 255, &alg) < 0)
		return tok_err(p, p->i, "public key algorithm (0..255)");
	p->i++;
	if (p->i >= p->ntok)
		return tok_err(p, p->i, "HIT");
	const rdata_tok_t *hit = &p->tok[p->i];
	if (hit->len == 0 || hit->len > 510 || hit->len % 2)
		return tok_err(p, p->i, "HIT (1..255 octets of hex)");
	uint8_t *hdr = p->w.pos;
	wire_write_u8(&p->w, (uint8_t)(hit->len / 2));
	wire_write_u8(&p->w, (uint8_t)alg);
	wire_write_u16(&p->w, 0); /* public key length, set below */
	hexdec_t hd = {-1};
	if (hex_feed(&hd, hit->s, hit->len, &p->w) < 0)
		return tok_err(p, p->i, "HIT (1..255 octets of hex)");
	p->i++;
	if (p->i >= p->ntok)
		return tok_err(p, p->i, "public key");
	const rdata_tok_t *pk = &p->tok[p->i];
	size_t before = wire_offset(&p->w);
	b64dec_t bd = {0, 0, 0};
	if (b64_feed(&bd, pk->s, pk->len, &p->w) < 0 || b64_finish(&bd) < 0)
		return tok_err(p, p->i, "public key (base64)");
	size_t pklen = wire_offset(&p->w) - before;
	if (pklen == 0)
		return tok_err(p, p->i, "public key (empty)");
	if (!p->w.err)
		wire_put_u16(hdr + 2, (uint16_t)pklen);
	p->i++;
	for (; p->i < p->ntok; p->i++) {
		uint8_t n[NAME_MAXLEN];
		size_t nl;
		const rdata_tok_t *t = &p->tok[p->i];
		if (name_from_text(t->s, t->len, p->origin, n, &nl) < 0)
			return tok_err(p, p->i, "rendezvous server name");
		wire_write(&p->w, n, nl);
	}
	return 0;
}

int hip_check(const uint8_t *rd, size_t len)
{
	if (len < 4)
		return -1;
	size_t hl = rd[0], pl = wire_get_u16(rd + 2);
	if (hl == 0 || pl == 0 || len - 4 < hl + pl)
		return -1;
	size_t p = 4 + hl + pl;
	while (p < len) {
		int rc = name_check(rd + p, len - p);
		if (rc < 0)
			return rc == ERR_BAD_POINTER ? rc : -1;
		p += (size_t)rc;
	}
	return (int)len;
}

size_t hip_names_offset(const uint8_t *rd)
{
	return 4 + (size_t)rd[0] + wire_get_u16(rd + 2);
}

void hip_to_text(tbuf_t *t, const uint8_t *rd, size_t len)
{
	size_t hl = rd[0], pl = wire_get_u16(rd + 2);
	tb_putu(t, rd[1]);
	tb_putc(t, ' ');
	tb_hex(t, rd + 4, hl, 0);
	tb_putc(t, ' ');
	tb_b64(t, rd + 4 + hl, pl, 0);
	for (size_t p = 4 + hl + pl; p < len; p += name_length(rd + p)) {
		tb_putc(t, ' ');
		tb_name(t, rd + p);
	}
}
