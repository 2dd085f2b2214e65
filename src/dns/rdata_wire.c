/*
 * Wire-form rdata: the edge check of received rdata (with decompression
 * where RFC 3597 §4 allows it), writing rdata into a message (names
 * through the caller's compressor), DNSSEC canonical form and order.
 * All of it walks the descriptor table of rrtype.c.
 */
#include <string.h>

#include "common/err.h"
#include "dns/name.h"
#include "dns/rdata_desc.h"
#include "dns/rrtype.h"

static inline void out_write(wire_t *out, const uint8_t *src, size_t n)
{
	if (out)
		wire_write(out, src, n);
}

static size_t fixed_size(rfield_t k)
{
	switch (k) {
	case RF_U8:
	case RF_ALG:
	case RF_ALG_MN:
	case RF_DIGEST:
		return 1;
	case RF_U16:
	case RF_TYPE:
	case RF_CERTTYPE:
		return 2;
	case RF_U32:
	case RF_PERIOD:
	case RF_TIME:
	case RF_A:
		return 4;
	case RF_EUI48:
		return 6;
	case RF_ILNP64:
	case RF_EUI64:
		return 8;
	case RF_AAAA:
	case RF_LOC:
		return 16;
	default:
		return 0;
	}
}

static bool caatag_ok(const uint8_t *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
			return false;
	}
	return true;
}

/*
 * Validates the fields of d in msg[pos..end) and copies them, names
 * decompressed, to out (may be NULL to only check).  Pointers are allowed
 * only when ptr_ok.  Returns 0 or a negative error.
 */
static int read_fields(const rdesc_t *d, const uint8_t *msg, size_t msglen, size_t pos, size_t end,
                       bool ptr_ok, wire_t *out)
{
	size_t p = pos;
	for (const uint8_t *f = d->field; *f != RF_END; f++) {
		rfield_t k = (rfield_t)*f;
		size_t left = end - p, n = fixed_size(k);
		const uint8_t *s = msg + p;
		int rc;
		if (n) {
			if (left < n)
				return ERR_MALFORMED;
			if (k == RF_LOC && loc_check(s, n) < 0)
				return ERR_MALFORMED;
			out_write(out, s, n);
			p += n;
			continue;
		}
		switch (k) {
		case RF_NAME:
			if (ptr_ok) {
				uint8_t nm[NAME_MAXLEN];
				size_t nl, q = p;
				rc = name_unpack(msg, msglen, &q, nm, &nl);
				if (rc < 0)
					return rc == ERR_BAD_POINTER ? rc : ERR_MALFORMED;
				if (q > end)
					return ERR_MALFORMED;
				out_write(out, nm, nl);
				p = q;
			} else {
				rc = name_check(s, left);
				if (rc < 0)
					return rc == ERR_BAD_POINTER ? rc : ERR_MALFORMED;
				out_write(out, s, (size_t)rc);
				p += (size_t)rc;
			}
			continue;
		case RF_STR:
			if (left < 1 || left < 1 + (size_t)s[0])
				return ERR_MALFORMED;
			n = 1 + (size_t)s[0];
			break;
		case RF_STRS:
			if (left == 0)
				return ERR_MALFORMED;
			for (n = 0; n < left; n += 1 + (size_t)s[n])
				if (left - n < 1 + (size_t)s[n])
					return ERR_MALFORMED;
			break;
		case RF_STR_REST1:
		case RF_B64:
		case RF_HEX:
			if (left == 0)
				return ERR_MALFORMED;
			n = left;
			break;
		case RF_STR_REST:
		case RF_B64_OPT:
		case RF_OPAQUE:
			n = left;
			break;
		case RF_SALT:
		case RF_HASH:
			if (left < 1 || left < 1 + (size_t)s[0])
				return ERR_MALFORMED;
			if (k == RF_HASH && s[0] == 0)
				return ERR_MALFORMED;
			n = 1 + (size_t)s[0];
			break;
		case RF_CAATAG:
			if (left < 1 || left < 1 + (size_t)s[0] || !caatag_ok(s + 1, s[0]))
				return ERR_MALFORMED;
			n = 1 + (size_t)s[0];
			break;
		case RF_BITMAP:
			rc = bitmap_check(s, left);
			if (rc < 0)
				return ERR_MALFORMED;
			n = (size_t)rc;
			break;
		case RF_APL:
			rc = apl_check(s, left);
			if (rc < 0)
				return ERR_MALFORMED;
			n = (size_t)rc;
			break;
		case RF_GATEWAY:
			/* the gateway type is the rdata's second octet */
			rc = gateway_check(msg[pos + 1], s, left);
			if (rc < 0)
				return rc == ERR_BAD_POINTER ? rc : ERR_MALFORMED;
			n = (size_t)rc;
			break;
		case RF_HIP:
			rc = hip_check(s, left);
			if (rc < 0)
				return rc == ERR_BAD_POINTER ? rc : ERR_MALFORMED;
			n = (size_t)rc;
			break;
		case RF_SVCPARAMS:
			rc = svcb_check(s, left);
			if (rc < 0)
				return ERR_MALFORMED;
			n = (size_t)rc;
			break;
		default:
			return ERR_MALFORMED;
		}
		out_write(out, s, n);
		p += n;
	}
	if (p != end)
		return ERR_MALFORMED; /* trailing octets */
	return 0;
}

int rdata_check(uint16_t type, const uint8_t *rd, size_t len)
{
	if (len > RDATA_MAXLEN)
		return ERR_MALFORMED;
	const rdesc_t *d = rdesc_get(type);
	if (d == NULL)
		return 0;
	int rc = read_fields(d, rd, len, 0, len, false, NULL);
	if (rc < 0)
		return ERR_MALFORMED;
	if (d->check && d->check(rd, len) != 0)
		return ERR_MALFORMED;
	return 0;
}

int rdata_from_wire(uint16_t type, const uint8_t *msg, size_t msglen, size_t pos, size_t rdlen,
                    uint8_t *out, size_t cap, size_t *outlen)
{
	if (pos > msglen || rdlen > msglen - pos)
		return ERR_TRUNCATED;
	const rdesc_t *d = rdesc_get(type);
	if (d == NULL) {
		if (rdlen > cap)
			return ERR_SPACE;
		memcpy(out, msg + pos, rdlen);
		*outlen = rdlen;
		return 0;
	}
	bool ptr_ok = (d->flags & (RT_COMPRESS | RT_DECOMPRESS)) != 0;
	/* decompressed names can make the rdata longer than RDLENGTH, but
	 * never longer than RDATA_MAXLEN */
	size_t limit = cap < RDATA_MAXLEN ? cap : RDATA_MAXLEN;
	wire_t w = wire_init(out, limit);
	int rc = read_fields(d, msg, msglen, pos, pos + rdlen, ptr_ok, &w);
	if (rc < 0)
		return rc;
	if (w.err)
		return limit < RDATA_MAXLEN ? ERR_SPACE : ERR_MALFORMED;
	*outlen = wire_offset(&w);
	if (d->check && d->check(out, *outlen) != 0)
		return ERR_MALFORMED;
	return 0;
}

/* Length of field k at rd[p] of validated rdata. */
static size_t span(rfield_t k, const uint8_t *rd, size_t len, size_t p)
{
	size_t n = fixed_size(k);
	if (n)
		return n;
	switch (k) {
	case RF_NAME:
		return name_length(rd + p);
	case RF_STR:
	case RF_SALT:
	case RF_HASH:
	case RF_CAATAG:
		return 1 + (size_t)rd[p];
	case RF_GATEWAY:
		switch (rd[1]) {
		case 1:
			return 4;
		case 2:
			return 16;
		case 3:
			return name_length(rd + p);
		default:
			return 0;
		}
	default:
		return len - p; /* the kinds that run to the end */
	}
}

int rdata_to_wire(uint16_t type, const uint8_t *rd, size_t len, wire_t *w, rdata_name_put_t put,
                  void *ctx)
{
	const rdesc_t *d = rdesc_get(type);
	if (d == NULL) {
		wire_write(w, rd, len);
		return w->err;
	}
	bool compress = (d->flags & RT_COMPRESS) != 0;
	size_t p = 0;
	for (const uint8_t *f = d->field; *f != RF_END && p <= len; f++) {
		rfield_t k = (rfield_t)*f;
		size_t n = span(k, rd, len, p);
		int rc;
		if (k == RF_NAME || (k == RF_GATEWAY && rd[1] == 3)) {
			rc = put(ctx, w, rd + p, k == RF_NAME && compress);
			if (rc < 0)
				return rc;
		} else if (k == RF_HIP) {
			size_t q = hip_names_offset(rd);
			wire_write(w, rd, q);
			while (q < len) {
				rc = put(ctx, w, rd + q, false);
				if (rc < 0)
					return rc;
				q += name_length(rd + q);
			}
		} else {
			wire_write(w, rd + p, n);
		}
		p += n;
	}
	return w->err;
}

void rdata_canonicalize(uint16_t type, uint8_t *rd, size_t len)
{
	const rdesc_t *d = rdesc_get(type);
	if (d == NULL || !(d->flags & RT_CANON))
		return;
	size_t p = 0;
	for (const uint8_t *f = d->field; *f != RF_END && p < len; f++) {
		rfield_t k = (rfield_t)*f;
		if (k == RF_NAME)
			name_to_lower(rd + p);
		p += span(k, rd, len, p);
	}
}

int rdata_compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;
	if (c)
		return c < 0 ? -1 : 1;
	return alen == blen ? 0 : (alen < blen ? -1 : 1);
}

size_t rdata_soa_serial_off(const uint8_t *rd, size_t len)
{
	size_t o = name_length(rd);
	if (o >= len)
		return 0;
	o += name_length(rd + o);
	return o + 20 <= len ? o : 0;
}
