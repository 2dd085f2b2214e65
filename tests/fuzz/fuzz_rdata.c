/*
 * libFuzzer target for the rdata codec.  Input: 2 octets of RR type
 * (network order), then rdata in wire form, taken as a message that is
 * just that rdata.  Whatever rdata_from_wire accepts must
 *  - pass rdata_check,
 *  - print with rdata_to_text, and that text, split into tokens as the zone
 *    scanner does, must parse back to the same octets,
 *  - also parse back from the RFC 3597 "\# len hex" form,
 *  - come out of rdata_to_wire unchanged when names are not compressed,
 *  - stay valid and keep its length through rdata_canonicalize.
 * Any difference is a codec asymmetry: abort().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "../common/rdata_tokenize.h"

#define MAXTOK 70000
static rdata_tok_t toks[MAXTOK];
static uint8_t rd[RDATA_MAXLEN], back[RDATA_MAXLEN], out[RDATA_MAXLEN];
static char text[RDATA_TEXT_MAXLEN];

static int put_plain(void *ctx, wire_t *w, const uint8_t *name, bool compress)
{
	(void)ctx;
	(void)compress;
	wire_write(w, name, name_length(name));
	return w->err;
}

static void fail(const char *what, uint16_t type, const char *detail)
{
	fprintf(stderr, "fuzz_rdata: type %u: %s\n%s\n", type, what, detail ? detail : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint16_t type = (uint16_t)(data[0] << 8 | data[1]);
	const uint8_t *msg = data + 2;
	size_t msglen = size - 2, len, len2;
	if (msglen > RDATA_MAXLEN)
		return 0;
	if (rdata_from_wire(type, msg, msglen, 0, msglen, rd, sizeof(rd), &len) != 0)
		return 0;
	if (rdata_check(type, rd, len) != 0)
		fail("rdata_from_wire output fails rdata_check", type, NULL);

	int tl = rdata_to_text(type, rd, len, text, sizeof(text));
	if (tl < 0)
		fail("rdata_to_text failed", type, NULL);
	size_t n = rdata_tokenize(text, (size_t)tl, toks, MAXTOK);
	rdata_err_t err;
	if (rdata_from_text(type, toks, n, NULL, back, sizeof(back), &len2, &err) != 0) {
		fprintf(stderr, "error at token %zu: %s\n", err.tok, err.msg);
		fail("printed text does not parse", type, text);
	}
	if (len2 != len || memcmp(rd, back, len) != 0)
		fail("text round trip changed the rdata", type, text);

	/* the generic form */
	int o = snprintf(text, sizeof(text), "\\# %zu ", len);
	for (size_t i = 0; i < len; i++) {
		static const char hx[] = "0123456789abcdef";
		text[o++] = hx[rd[i] >> 4];
		text[o++] = hx[rd[i] & 15];
	}
	n = rdata_tokenize(text, (size_t)o, toks, MAXTOK);
	if (rdata_from_text(type, toks, n, NULL, back, sizeof(back), &len2, &err) != 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		fail("\\# form does not parse", type, NULL);
	}
	if (len2 != len || memcmp(rd, back, len) != 0)
		fail("\\# round trip changed the rdata", type, NULL);

	wire_t w = wire_init(out, sizeof(out));
	if (rdata_to_wire(type, rd, len, &w, put_plain, NULL) != 0 || wire_offset(&w) != len ||
	    memcmp(out, rd, len) != 0)
		fail("rdata_to_wire changed the rdata", type, NULL);

	memcpy(back, rd, len);
	rdata_canonicalize(type, back, len);
	if (rdata_check(type, back, len) != 0)
		fail("canonical form fails rdata_check", type, NULL);
	if (rdata_compare(rd, len, rd, len) != 0)
		fail("rdata_compare of equal rdata", type, NULL);
	return 0;
}
