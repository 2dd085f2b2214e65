/*
 * Validated wire rdata -> presentation text, in the form BIND 9.18's
 * named-compilezone -s full prints (one line, absolute names, TXT always
 * quoted, hex upper case, long base64/hex fields split in 56-character
 * chunks as BIND does).  Deliberate differences from BIND:
 *  - RRSIG/SIG times print the 32-bit value as seconds since 1970 with no
 *    serial-arithmetic window (BIND picks the date nearest to "now", so its
 *    output depends on the clock; dnspython does as we do).
 *  - NID and L64 groups keep their leading zeros ("0014:4fff:ff20:ee64",
 *    RFC 6742 §2.3; BIND prints "14:4fff:..." which dnspython rejects).
 *  - CERT algorithms 6 and 7 print as numbers: BIND calls them NSEC3DSA and
 *    NSEC3RSASHA1, dnspython DSANSEC3SHA1 and RSASHA1NSEC3SHA1 (both
 *    spellings are read).
 */
#include <string.h>

#include "common/err.h"
#include "dns/name.h"
#include "dns/rdata_desc.h"
#include "dns/rrtype.h"

/* BIND's -s full output breaks base64 and hex fields every 56 chars. */
#define CHUNK 56

static void generic_text(tbuf_t *t, const uint8_t *rd, size_t len)
{
	tb_puts(t, "\\# ");
	tb_putu(t, (uint32_t)len);
	if (len) {
		tb_putc(t, ' ');
		tb_hex(t, rd, len, CHUNK);
	}
}

int rdata_to_text(uint16_t type, const uint8_t *rd, size_t len, char *buf, size_t cap)
{
	tbuf_t t = {buf, cap, 0, 0};
	if (cap == 0)
		return ERR_SPACE;
	const rdesc_t *d = rdesc_get(type);
	if (d == NULL || d->field[0] == RF_OPAQUE) {
		generic_text(&t, rd, len);
	} else {
		size_t p = 0;
		for (const uint8_t *f = d->field; *f != RF_END; f++) {
			rfield_t k = (rfield_t)*f;
			const uint8_t *s = rd + p;
			size_t left = len - p;
			/* a field that runs to the end and is empty prints
			 * nothing, not even the separator */
			if (p > 0 && !((k == RF_B64_OPT || k == RF_BITMAP || k == RF_APL ||
			                k == RF_SVCPARAMS) &&
			               left == 0))
				tb_putc(&t, ' ');
			switch (k) {
			case RF_U8:
				tb_putu(&t, s[0]);
				p += 1;
				break;
			case RF_ALG:
			case RF_DIGEST:
				tb_putu(&t, s[0]);
				p += 1;
				break;
			case RF_ALG_MN: {
				const char *m = rdesc_alg_to_text(s[0]);
				if (m)
					tb_puts(&t, m);
				else
					tb_putu(&t, s[0]);
				p += 1;
				break;
			}
			case RF_U16:
				tb_putu(&t, wire_get_u16(s));
				p += 2;
				break;
			case RF_CERTTYPE: {
				const char *m = rdesc_certtype_to_text(wire_get_u16(s));
				if (m)
					tb_puts(&t, m);
				else
					tb_putu(&t, wire_get_u16(s));
				p += 2;
				break;
			}
			case RF_TYPE: {
				char tn[RRTYPE_TEXT_MAXLEN];
				rrtype_to_text(wire_get_u16(s), tn, sizeof(tn));
				tb_puts(&t, tn);
				p += 2;
				break;
			}
			case RF_U32:
			case RF_PERIOD:
				tb_putu(&t, wire_get_u32(s));
				p += 4;
				break;
			case RF_TIME: {
				char tm[15];
				time_to_text(wire_get_u32(s), tm);
				tb_puts(&t, tm);
				p += 4;
				break;
			}
			case RF_NAME:
				tb_name(&t, s);
				p += name_length(s);
				break;
			case RF_A:
				tb_ipv4(&t, s);
				p += 4;
				break;
			case RF_AAAA:
				tb_ipv6(&t, s);
				p += 16;
				break;
			case RF_STR:
				tb_qstring(&t, s + 1, s[0]);
				p += 1 + (size_t)s[0];
				break;
			case RF_STRS:
				while (p < len) {
					if (p > 0 && rd + p != s)
						tb_putc(&t, ' ');
					tb_qstring(&t, rd + p + 1, rd[p]);
					p += 1 + (size_t)rd[p];
				}
				break;
			case RF_STR_REST:
			case RF_STR_REST1:
				tb_qstring(&t, s, left);
				p = len;
				break;
			case RF_B64:
			case RF_B64_OPT:
				tb_b64(&t, s, left, CHUNK);
				p = len;
				break;
			case RF_HEX:
				tb_hex(&t, s, left, CHUNK);
				p = len;
				break;
			case RF_SALT:
				if (s[0] == 0)
					tb_putc(&t, '-');
				else
					tb_hex(&t, s + 1, s[0], 0);
				p += 1 + (size_t)s[0];
				break;
			case RF_HASH: {
				char h[410];
				b32hex_encode(s + 1, s[0], h);
				tb_put(&t, h, b32hex_len(s[0]));
				p += 1 + (size_t)s[0];
				break;
			}
			case RF_BITMAP:
				bitmap_to_text(&t, s, left);
				p = len;
				break;
			case RF_LOC:
				loc_to_text(&t, s);
				p += 16;
				break;
			case RF_APL:
				apl_to_text(&t, s, left);
				p = len;
				break;
			case RF_GATEWAY:
				gateway_to_text(&t, rd[1], s);
				p += rd[1] == 1   ? 4
				     : rd[1] == 2 ? 16
				     : rd[1] == 3 ? name_length(s)
				                  : 0;
				break;
			case RF_HIP:
				hip_to_text(&t, s, left);
				p = len;
				break;
			case RF_SVCPARAMS:
				svcb_to_text(&t, s, left);
				p = len;
				break;
			case RF_ILNP64:
				/* RFC 6742 §2.3 form with 4 digits per group, which
				 * dnspython requires; BIND drops leading zeros */
				tb_printf(&t, "%04x:%04x:%04x:%04x", wire_get_u16(s),
				          wire_get_u16(s + 2), wire_get_u16(s + 4),
				          wire_get_u16(s + 6));
				p += 8;
				break;
			case RF_EUI48:
			case RF_EUI64: {
				size_t n = k == RF_EUI48 ? 6 : 8;
				for (size_t i = 0; i < n; i++)
					tb_printf(&t, i ? "-%02x" : "%02x", s[i]);
				p += n;
				break;
			}
			case RF_CAATAG:
				tb_put(&t, (const char *)s + 1, s[0]);
				p += 1 + (size_t)s[0];
				break;
			case RF_OPAQUE:
			case RF_END:
				break;
			}
		}
	}
	if (t.err)
		return t.err;
	buf[t.len] = 0;
	return (int)t.len;
}
