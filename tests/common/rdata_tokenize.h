/*
 * Splitting one record's rdata text into rdata_tok_t tokens the way the
 * zone scanner does (blanks separate, quotes go, escapes stay; quotes
 * inside a token, as in key="a b", are kept and protect their blanks).
 * Shared by test_rdata and fuzz_rdata.  Test code only.
 */
#ifndef NSF_TESTS_RDATA_TOKENIZE_H
#define NSF_TESTS_RDATA_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/rdata.h"

static inline size_t rdata_tokenize(const char *s, size_t len, rdata_tok_t *tok, size_t max)
{
	size_t n = 0, i = 0;
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

#endif
