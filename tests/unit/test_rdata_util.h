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

static size_t tokenize(const char *s, rdata_tok_t *tok, size_t max)
{
	size_t n = 0, i = 0, len = strlen(s);
	while (i < len && n < max) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= len)
			break;
		rdata_tok_t *t = &tok[n++];
		t->line = 1;
		t->col = (uint32_t)i + 1;
		if (s[i] == '"') {
			size_t st = ++i;
			while (i < len && s[i] != '"') {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				i++;
			}
			t->s = s + st;
			t->len = (uint32_t)(i - st);
			t->quoted = true;
			if (i < len)
				i++;
			continue;
		}
		size_t st = i;
		bool inq = false;
		while (i < len && (inq || (s[i] != ' ' && s[i] != '\t'))) {
			if (s[i] == '\\' && i + 1 < len)
				i++;
			else if (s[i] == '"')
				inq = !inq;
			i++;
		}
		t->s = s + st;
		t->len = (uint32_t)(i - st);
		t->quoted = false;
	}
	return n;
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
