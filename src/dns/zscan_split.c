/*
 * Cutting a zone file into chunks for an incremental reload (zscan.h,
 * zscan_split).  One pass over the bytes, tracking only what decides
 * whether a line start is between entries: parentheses, quoted strings,
 * escapes and comments, as zscan_lex.c reads them.  Where this pass and the
 * lexer disagree (a malformed file), the scan with marks says so and the
 * caller loads the whole file instead; nothing here has to be right for
 * the zone to be right.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/zscan.h"

uint64_t zscan_chunk_hash(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 0x243f6a8885a308d3ull ^ (uint64_t)len;
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
		b += 8;
		len -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, b, len);
	h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
	h ^= h >> 31;
	return h * 0x94d049bb133111ebull ^ (h >> 27);
}

/* A byte that may begin an owner name a chunk can start with.  Blanks
 * (previous owner), '$' (directives), ';', parentheses, quotes and
 * backslashes never do. */
static bool owner_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '*' || c == '@' || c == '-';
}

static int push(zscan_chunk_t **v, size_t *n, size_t *cap, size_t off, unsigned line)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		zscan_chunk_t *nv = realloc(*v, c * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = (zscan_chunk_t){.off = off, .line = line};
	return 0;
}

int zscan_split(const char *data, size_t len, size_t target, zscan_chunk_t **out, size_t *n)
{
	const unsigned char *d = (const unsigned char *)data;
	size_t min = target / 4, max = target * 4;
	zscan_chunk_t *v = NULL;
	size_t nv = 0, cap = 0;
	*out = NULL;
	*n = 0;
	if (push(&v, &nv, &cap, 0, 1) < 0)
		return -ENOMEM;
	unsigned line = 1;
	int depth = 0;
	size_t last = 0, i = 0;
	while (i < len) {
		/* i is a line start */
		if (depth == 0 && i - last >= min && owner_start(d[i])) {
			size_t e = i;
			while (e < len && d[e] != ' ' && d[e] != '\t' && d[e] != '\n' && d[e] != ';' &&
			       d[e] != '(' && d[e] != '"')
				e++;
			/* ~1 owner in 64 starts a chunk, or the distance does */
			if ((zscan_chunk_hash(d + i, e - i) & 63) == 0 || i - last >= max) {
				if (push(&v, &nv, &cap, i, line) < 0) {
					free(v);
					return -ENOMEM;
				}
				last = i;
			}
		}
		/* to the end of the line */
		bool quote = false;
		while (i < len) {
			unsigned char c = d[i++];
			if (c == '\n')
				break;
			if (quote) {
				if (c == '"')
					quote = false;
				else if (c == '\\' && i < len && d[i] != '\n')
					i++;
				continue;
			}
			switch (c) {
			case '"':
				quote = true;
				break;
			case '\\':
				if (i < len && d[i] != '\n')
					i++;
				break;
			case '(':
				depth++;
				break;
			case ')':
				if (depth > 0)
					depth--;
				break;
			case ';': {
				const unsigned char *nl = memchr(d + i, '\n', len - i);
				i = nl ? (size_t)(nl - d) : len;
				break;
			}
			default:
				break;
			}
		}
		line++;
	}
	for (size_t k = 0; k < nv; k++) {
		size_t end = k + 1 < nv ? v[k + 1].off : len;
		v[k].len = end - v[k].off;
		v[k].hash = zscan_chunk_hash(d + v[k].off, v[k].len);
	}
	*out = v;
	*n = nv;
	return 0;
}
