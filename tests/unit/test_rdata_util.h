/* Helpers shared by the rdata unit tests: a tokenizer that splits
 * presentation text the way the zone scanner does for one record's rdata
 * (whitespace separates, a token that starts with '"' is quoted and loses
 * its quotes, quotes inside a token such as alpn="a b" are kept raw and
 * protect spaces), and hex helpers. */
#ifndef TEST_RDATA_UTIL_H
#define TEST_RDATA_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/rdata.h"
#include "../common/rdata_tokenize.h"

/* Tokens of a NUL-terminated rdata text (see rdata_tokenize). */
static inline size_t tokenize(const char *s, rdata_tok_t *tok, size_t max)
{
	return rdata_tokenize(s, strlen(s), tok, max);
}

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	int half = -1;
	for (; *h; h++) {
		int v;
		if (*h >= '0' && *h <= '9')
			v = *h - '0';
		else if ((*h | 0x20) >= 'a' && (*h | 0x20) <= 'f')
			v = (*h | 0x20) - 'a' + 10;
		else
			continue;
		if (half < 0) {
			half = v;
		} else {
			out[n++] = (uint8_t)(half << 4 | v);
			half = -1;
		}
	}
	return n;
}

#endif
