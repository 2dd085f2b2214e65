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

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static inline uint64_t mix(uint64_t h, uint64_t w, uint64_t k)
{
	h = (h ^ w) * k;
	return h ^ (h >> 29);
}

uint64_t zscan_chunk_hash(const void *p, size_t len)
{
	/* four independent lanes, so that the multiplies overlap */
	const unsigned char *b = p;
	uint64_t h0 = 0x243f6a8885a308d3ull ^ (uint64_t)len, h1 = 0x13198a2e03707344ull,
	         h2 = 0xa4093822299f31d0ull, h3 = 0x082efa98ec4e6c89ull;
	while (len >= 32) {
		uint64_t w[4];
		memcpy(w, b, 32);
		h0 = mix(h0, w[0], 0x9e3779b97f4a7c15ull);
		h1 = mix(h1, w[1], 0xbf58476d1ce4e5b9ull);
		h2 = mix(h2, w[2], 0x94d049bb133111ebull);
		h3 = mix(h3, w[3], 0xd6e8feb86659fd93ull);
		b += 32;
		len -= 32;
	}
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h0 = mix(h0, w, 0x9e3779b97f4a7c15ull);
		b += 8;
		len -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, b, len);
	h0 = mix(h0, w, 0xbf58476d1ce4e5b9ull);
	uint64_t h = h0 ^ (h1 * 0x9e3779b97f4a7c15ull) ^ (h2 * 0xbf58476d1ce4e5b9ull) ^
	             (h3 * 0x94d049bb133111ebull);
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

/* Bit i of *nl: data[i] is a newline; of *sp: a quote, backslash,
 * parenthesis or ';' (i < 64).  p has 64 readable bytes. */
static inline void masks64(const unsigned char *p, uint64_t *nl, uint64_t *sp)
{
#if defined(__SSE2__)
	const __m128i n = _mm_set1_epi8('\n'), dq = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
	              lp = _mm_set1_epi8('('), rp = _mm_set1_epi8(')'), sc = _mm_set1_epi8(';');
	uint64_t a = 0, b = 0;
	for (int k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, dq), _mm_cmpeq_epi8(v, bs));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, lp), _mm_cmpeq_epi8(v, rp)));
		m = _mm_or_si128(m, _mm_cmpeq_epi8(v, sc));
		a |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, n)) << (16 * k);
		b |= (uint64_t)(unsigned)_mm_movemask_epi8(m) << (16 * k);
	}
	*nl = a;
	*sp = b;
#else
	uint64_t a = 0, b = 0;
	for (int i = 0; i < 64; i++) {
		unsigned char c = p[i];
		a |= (uint64_t)(c == '\n') << i;
		b |= (uint64_t)(c == '"' || c == '\\' || c == '(' || c == ')' || c == ';') << i;
	}
	*nl = a;
	*sp = b;
#endif
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
	/* The pass visits only the bytes that change its state: newlines and
	 * the specials, found 64 bytes at a time.  State between them: open
	 * parentheses, inside a quoted string, inside a comment, and the
	 * position of a byte taken by a backslash. */
	unsigned line = 1;
	int depth = 0;
	bool quote = false, comment = false;
	size_t last = 0, esc = SIZE_MAX;
	unsigned char tail[64];
	for (size_t b = 0; b < len; b += 64) {
		uint64_t nl, sp;
		if (len - b >= 64) {
			masks64(d + b, &nl, &sp);
		} else {
			memset(tail, 0, sizeof(tail));
			memcpy(tail, d + b, len - b);
			masks64(tail, &nl, &sp);
		}
		for (uint64_t ev = nl | sp; ev != 0; ev &= ev - 1) {
			size_t i = b + (size_t)__builtin_ctzll(ev);
			unsigned char c = d[i];
			if (c == '\n') {
				line++;
				comment = quote = false;
				esc = SIZE_MAX;
				size_t s0 = i + 1;
				if (depth != 0 || s0 >= len || s0 - last < min || !owner_start(d[s0]))
					continue;
				/* ~1 line in 64 starts a chunk, by its first 8 bytes,
				 * or the distance does */
				uint64_t w = 0;
				memcpy(&w, d + s0, len - s0 < 8 ? len - s0 : 8);
				if (((w * 0x9e3779b97f4a7c15ull) >> 58) == 0 || s0 - last >= max) {
					if (push(&v, &nv, &cap, s0, line) < 0) {
						free(v);
						return -ENOMEM;
					}
					last = s0;
				}
				continue;
			}
			if (comment || i == esc)
				continue; /* a comment's, or taken by a backslash */
			if (quote) {
				if (c == '"')
					quote = false;
				else if (c == '\\')
					esc = i + 1;
				continue;
			}
			switch (c) {
			case '"':
				quote = true;
				break;
			case '\\':
				esc = i + 1;
				break;
			case '(':
				depth++;
				break;
			case ')':
				if (depth > 0)
					depth--;
				break;
			case ';':
				comment = true;
				break;
			}
		}
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
