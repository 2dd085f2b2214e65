/*
 * The zone-file lexer (RFC 1035 §5.1): splits the input into entries and
 * tokens in one pass, without copying.  Tokens point into the input with
 * their escapes kept raw (rdata_from_text and name_from_text decode them);
 * a quoted token loses its quotes.  Parentheses join lines; ";" starts a
 * comment (also inside parentheses); a newline inside a quoted string is an
 * error, as in BIND.
 *
 * Every byte is classified through one table, so the common case (ordinary
 * token characters) is a tight loop.  NUL bytes and invalid UTF-8 are
 * errors outside comments (doc/zone-file.md: deviation from BIND).
 * Lines are counted here; a column is the 1-based byte offset in its line.
 */
#include <stdio.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dns/zscan_int.h"

enum {
	C_ORD = 0, /* part of a token */
	C_SP,      /* blank: space, tab, CR (so CR LF line ends work) */
	C_NL,
	C_LP,
	C_RP,
	C_SEMI,
	C_QUOTE,
	C_BS,
	C_NUL,
	C_HIGH, /* 0x80..0xff: must start a valid UTF-8 sequence */
};

static const uint8_t cls[256] = {
    [0] = C_NUL,
    ['\t'] = C_SP,
    ['\r'] = C_SP,
    [' '] = C_SP,
    ['\n'] = C_NL,
    ['('] = C_LP,
    [')'] = C_RP,
    [';'] = C_SEMI,
    ['"'] = C_QUOTE,
    ['\\'] = C_BS,
    [0x80 ... 0xff] = C_HIGH,
};

int zscan_utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t left = (size_t)(end - p);
	if (c < 0x80)
		return 1;
	/* RFC 3629 §4: no overlong forms, no surrogates, nothing above
	 * U+10FFFF. */
	if (c < 0xc2)
		return 0;
	if (c < 0xe0)
		return left >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if (left < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c < 0xf5) {
		if (left < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * The end of the run of ordinary token bytes at p.  With SSE2 (every
 * x86-64) 16 bytes are looked at per step: one signed compare finds the
 * bytes <= 0x20 and >= 0x80 at once, five more the delimiters.  Control
 * bytes are ordinary in cls[] but stop the vector loop; the byte loop
 * then goes on past them.
 */
static inline const unsigned char *skip_ord(const unsigned char *p, const unsigned char *end)
{
#if defined(__SSE2__)
	const __m128i lim = _mm_set1_epi8(0x21), dq = _mm_set1_epi8('"'), lp = _mm_set1_epi8('('),
	              rp = _mm_set1_epi8(')'), sc = _mm_set1_epi8(';'), bs = _mm_set1_epi8('\\');
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_cmplt_epi8(v, lim), _mm_cmpeq_epi8(v, dq));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, lp), _mm_cmpeq_epi8(v, rp)));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, sc), _mm_cmpeq_epi8(v, bs)));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (mask != 0) {
			p += __builtin_ctz(mask);
			break;
		}
		p += 16;
	}
#endif
	while (p < end && cls[*p] == C_ORD)
		p++;
	return p;
}

/* The same inside quotes, where only '"', '\\', newline, NUL and bytes
 * >= 0x80 need a closer look. */
static inline const unsigned char *skip_qord(const unsigned char *p, const unsigned char *end)
{
#if defined(__SSE2__)
	const __m128i zero = _mm_setzero_si128(), dq = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
	              nl = _mm_set1_epi8('\n');
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_cmplt_epi8(v, zero), _mm_cmpeq_epi8(v, zero));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, dq), _mm_cmpeq_epi8(v, bs)));
		m = _mm_or_si128(m, _mm_cmpeq_epi8(v, nl));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (mask != 0)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#endif
	while (p < end && *p != '"' && *p != '\\' && *p != '\n' && *p != 0 && *p < 0x80)
		p++;
	return p;
}

static unsigned col_of(const zscan_src_t *s, const unsigned char *p)
{
	return (unsigned)(p - s->line_start) + 1;
}

/*
 * After an error at p: skips to the end of the entry, that is the next
 * newline outside parentheses (depth counts open ones, nested included),
 * honouring quotes, escapes and comments so that a ")" inside them does not
 * count.  Linear: every byte is looked at once.
 */
static void skip_entry(zscan_src_t *s, const unsigned char *p, int depth)
{
	const unsigned char *end = s->end;
	while (p < end) {
		unsigned char c = *p;
		if (c == '\n') {
			p++;
			s->line++;
			s->line_start = p;
			if (depth <= 0)
				break;
			continue;
		}
		if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (depth > 0)
				depth--;
		} else if (c == ';') {
			const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl : end;
			continue;
		} else if (c == '"') {
			p++;
			while (p < end && *p != '"' && *p != '\n') {
				if (*p == '\\' && p + 1 < end && p[1] != '\n')
					p++;
				p++;
			}
			if (p < end && *p == '"')
				p++;
			continue;
		} else if (c == '\\') {
			if (p + 1 < end && p[1] != '\n')
				p++;
		}
		p++;
	}
	s->p = p;
}

/* Reports the problem at p, skips the rest of the entry, returns -1. */
static int fail(zscan_t *z, zscan_src_t *s, const unsigned char *at, const unsigned char *from,
                bool paren, const char *msg)
{
	zscan_err(z, s, s->line, col_of(s, at), "%s", msg);
	skip_entry(s, from, paren ? 1 : 0);
	return -1;
}

static int fail_utf8(zscan_t *z, zscan_src_t *s, const unsigned char *at, bool paren)
{
	zscan_err(z, s, s->line, col_of(s, at), "invalid UTF-8 byte 0x%02x; write it as \\DDD",
	          *at);
	skip_entry(s, at + 1, paren ? 1 : 0);
	return -1;
}

int zscan_lex(zscan_t *z, zscan_src_t *s)
{
	const unsigned char *p = s->p, *end = s->end;
	if (p >= end)
		return 0;
	const unsigned char *start = p;
	bool paren = false;
	unsigned pline = 0, pcol = 0;
	char msg[96];

	z->ntok = 0;
	z->blank = (*p == ' ' || *p == '\t');
	z->end_line = s->line;
	z->end_col = 1;
	for (;;) {
		if (p >= end) {
			if (paren) {
				s->p = p;
				zscan_err(z, s, pline, pcol, "unbalanced parenthesis");
				return -1;
			}
			break;
		}
		/* A limit on the text of one entry keeps a 1 GB line (or a
		 * never-closed parenthesis) from growing the token array or
		 * the work behind it. */
		if ((size_t)(p - start) > ZSCAN_MAX_RECORD_LEN) {
			snprintf(msg, sizeof(msg), "record longer than %u bytes",
			         ZSCAN_MAX_RECORD_LEN);
			return fail(z, s, p, p, paren, msg);
		}
		const unsigned char *ts = p;
		bool quoted = false;
		unsigned k = cls[*p];
		if (k == C_SP) {
			p++;
			continue;
		}
		switch (k == C_HIGH || k == C_BS ? C_ORD : k) {
		case C_SP:
			p++;
			continue;
		case C_NL:
			p++;
			s->line++;
			s->line_start = p;
			if (!paren)
				goto done;
			continue;
		case C_SEMI: {
			const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
			const unsigned char *ce = nl ? nl : end;
			if (memchr(p, 0, (size_t)(ce - p)) != NULL)
				return fail(z, s,
				            (const unsigned char *)memchr(p, 0, (size_t)(ce - p)),
				            ce, paren, "NUL byte in file");
			p = ce;
			continue;
		}
		case C_LP:
			if (paren)
				return fail(z, s, p, p + 1, true, "nested parenthesis");
			paren = true;
			pline = s->line;
			pcol = col_of(s, p);
			p++;
			continue;
		case C_RP:
			if (!paren)
				return fail(z, s, p, p + 1, false, "unbalanced parenthesis");
			paren = false;
			p++;
			continue;
		case C_NUL:
			return fail(z, s, p, p + 1, paren, "NUL byte in file");
		case C_QUOTE:
			quoted = true;
			p++;
			ts = p;
			for (;;) {
				p = skip_qord(p, end);
				if (p >= end || *p == '\n')
					return fail(z, s, ts - 1, p, paren,
					            "unterminated quoted string");
				unsigned char c = *p;
				if (c == '"')
					break;
				if (c == '\\') {
					if (p + 1 >= end || p[1] == '\n')
						return fail(z, s, ts - 1, p + 1, paren,
						            "unterminated quoted string");
					p++;
					c = *p;
				}
				if (c == 0)
					return fail(z, s, p, p + 1, paren, "NUL byte in file");
				if (c >= 0x80) {
					int n = zscan_utf8_len(p, end);
					if (n == 0)
						return fail_utf8(z, s, p, paren);
					p += n;
				} else {
					p++;
				}
			}
			break;
		default: /* C_ORD, C_BS, C_HIGH */
			for (;;) {
				p = skip_ord(p, end);
				if (p >= end)
					break;
				unsigned char k = cls[*p];
				if (k == C_BS) {
					/* \X and \DDD stay raw; only the octet after the
					 * backslash is checked so that it cannot end the
					 * token. */
					if (p + 1 >= end || p[1] == '\n' ||
					    (p[1] == '\r' && (p + 2 >= end || p[2] == '\n')))
						return fail(z, s, p, p + 1, paren,
						            "backslash at end of line");
					p++;
					k = cls[*p];
					if (k == C_NUL)
						return fail(z, s, p, p + 1, paren,
						            "NUL byte in file");
					if (k != C_HIGH) {
						p++;
						continue;
					}
				}
				if (k == C_HIGH) {
					int n = zscan_utf8_len(p, end);
					if (n == 0)
						return fail_utf8(z, s, p, paren);
					p += n;
					continue;
				}
				break;
			}
			break;
		}
		/* a token ts..p */
		if ((size_t)(p - start) > ZSCAN_MAX_RECORD_LEN) {
			snprintf(msg, sizeof(msg), "record longer than %u bytes",
			         ZSCAN_MAX_RECORD_LEN);
			return fail(z, s, ts, p, paren, msg);
		}
		if (z->ntok >= ZSCAN_MAX_TOKENS) {
			snprintf(msg, sizeof(msg), "more than %u tokens in one record",
			         ZSCAN_MAX_TOKENS);
			return fail(z, s, ts, p, paren, msg);
		}
		if (z->ntok >= z->tok_cap && zscan_tok_reserve(z, z->ntok + 1) < 0) {
			s->p = p;
			return -1;
		}
		rdata_tok_t *t = &z->tok[z->ntok++];
		t->s = (const char *)ts;
		t->len = (uint32_t)(p - ts);
		t->line = s->line;
		t->quoted = quoted;
		if (quoted) {
			t->col = col_of(s, ts - 1);
			p++; /* the closing quote */
		} else {
			t->col = col_of(s, ts);
		}
		z->end_line = s->line;
		z->end_col = col_of(s, p);
	}
done:
	s->p = p;
	return 1;
}
