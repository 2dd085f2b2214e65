/*
 * $GENERATE, BIND's extension (BIND 9 ARM, "BIND Primary File Extension:
 * the $GENERATE Directive"):
 *
 *   $GENERATE start-stop[/step] lhs [ttl] [class] type rhs...
 *
 * In lhs and rhs, "$" is the iterator, "${offset[,width[,base]]}" adds
 * offset, pads with zeros to width and prints in base d, o, x, X, or n / N
 * (nibbles, least significant first, dot-separated, as BIND's nibbles():
 * the width counts the dots too), "$$" and "\$" are a literal "$".  A
 * quoted rhs is split into tokens again after the substitution, as BIND
 * lexes its rhs; unlike BIND more than one rhs token may follow the type.
 *
 * The number of records is checked against opts->max_generate before any
 * is made, and the first bad record ends the $GENERATE (one error, not one
 * per iteration).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "dns/zscan_int.h"

#define GEN_BUFLEN ZSCAN_MAX_RECORD_LEN

typedef struct {
	char *buf;
	size_t len;
} gbuf_t;

static bool parse_u32(const char **pp, const char *e, uint32_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;
	if (p >= e || *p < '0' || *p > '9')
		return false;
	while (p < e && *p >= '0' && *p <= '9') {
		x = x * 10 + (uint64_t)(*p - '0');
		if (x > UINT32_MAX)
			return false;
		p++;
	}
	*v = (uint32_t)x;
	*pp = p;
	return true;
}

static int parse_range(const rdata_tok_t *t, uint32_t *start, uint32_t *stop, uint32_t *step)
{
	const char *p = t->s, *e = p + t->len;
	*step = 1;
	if (t->quoted || !parse_u32(&p, e, start) || p >= e || *p != '-')
		return -1;
	p++;
	if (!parse_u32(&p, e, stop))
		return -1;
	if (p < e) {
		if (*p != '/')
			return -1;
		p++;
		if (!parse_u32(&p, e, step))
			return -1;
	}
	return p == e ? 0 : -1;
}

static int put(gbuf_t *g, const char *s, size_t n)
{
	if (n > GEN_BUFLEN - g->len)
		return -1;
	memcpy(g->buf + g->len, s, n);
	g->len += n;
	return 0;
}

/* BIND's nibbles(): hex digits from the least significant, each followed
 * by a dot while the width is not used up or digits remain. */
static size_t nibbles(char *out, unsigned width, bool upper, uint64_t value)
{
	const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t o = 0;
	do {
		out[o++] = hex[value & 0x0f];
		value >>= 4;
		if (width > 0)
			width--;
		if (width > 0 || value != 0) {
			out[o++] = '.';
			if (width > 0)
				width--;
		}
	} while (value != 0 || width > 0);
	return o;
}

/* Appends template t with the iterator v substituted to g.  0, or -1 after
 * reporting. */
static int expand(zscan_t *z, const zscan_src_t *s, const rdata_tok_t *t, int64_t v, gbuf_t *g)
{
	const char *p = t->s, *e = p + t->len;
	unsigned col0 = t->col + (t->quoted ? 1 : 0);
	char num[2 * 16 + 2 * ZSCAN_GEN_MAX_WIDTH + 8];
	while (p < e) {
		const char *run = p;
		while (p < e && *p != '$' && *p != '\\')
			p++;
		if (p > run && put(g, run, (size_t)(p - run)) < 0)
			goto toolong;
		if (p >= e)
			break;
		if (*p == '\\') {
			/* escapes stay raw for the field parsers; "\$" among them */
			size_t n = p + 1 < e ? 2 : 1;
			if (put(g, p, n) < 0)
				goto toolong;
			p += n;
			continue;
		}
		const char *ms = p++;
		if (p < e && *p == '$') {
			p++;
			if (put(g, "\\$", 2) < 0)
				goto toolong;
			continue;
		}
		int64_t off = 0;
		uint32_t width = 0;
		char base = 'd';
		if (p < e && *p == '{') {
			p++;
			bool neg = false;
			uint32_t u;
			if (p < e && (*p == '-' || *p == '+'))
				neg = *p++ == '-';
			if (!parse_u32(&p, e, &u))
				goto bad;
			off = neg ? -(int64_t)u : (int64_t)u;
			if (p < e && *p == ',') {
				p++;
				if (!parse_u32(&p, e, &width))
					goto bad;
				if (width > ZSCAN_GEN_MAX_WIDTH) {
					zscan_err(z, s, t->line, col0 + (unsigned)(ms - t->s),
					          "$GENERATE: width %u above %u", width,
					          ZSCAN_GEN_MAX_WIDTH);
					return -1;
				}
				if (p < e && *p == ',') {
					p++;
					if (p >= e || *p == 0 || strchr("doxXnN", *p) == NULL)
						goto bad;
					base = *p++;
				}
			}
			if (p >= e || *p != '}')
				goto bad;
			p++;
		}
		int64_t val = v + off;
		int n;
		if (val < 0 && base != 'd') {
			zscan_err(z, s, t->line, col0 + (unsigned)(ms - t->s),
			          "$GENERATE: negative value %lld in base %c", (long long)val,
			          base);
			return -1;
		}
		switch (base) {
		case 'd':
			n = snprintf(num, sizeof(num), "%0*lld", (int)width, (long long)val);
			break;
		case 'o':
			n = snprintf(num, sizeof(num), "%0*llo", (int)width,
			             (unsigned long long)val);
			break;
		case 'x':
			n = snprintf(num, sizeof(num), "%0*llx", (int)width,
			             (unsigned long long)val);
			break;
		case 'X':
			n = snprintf(num, sizeof(num), "%0*llX", (int)width,
			             (unsigned long long)val);
			break;
		default:
			n = (int)nibbles(num, width, base == 'N', (uint64_t)val);
			break;
		}
		if (n < 0 || put(g, num, (size_t)n) < 0)
			goto toolong;
		continue;
	bad : {
		char show[ZSCAN_SHOW_LEN];
		zscan_err(z, s, t->line, col0 + (unsigned)(ms - t->s),
		          "$GENERATE: bad modifier '%s'",
		          zscan_show(show, ms, (size_t)(p - ms) + (p < e ? 1 : 0)));
		return -1;
	}
	}
	return 0;
toolong:
	zscan_err(z, s, t->line, t->col, "$GENERATE: expanded record longer than %u bytes",
	          GEN_BUFLEN);
	return -1;
}

/* Splits an expanded quoted rhs into tokens, as BIND lexes its rhs. */
static int relex(zscan_t *z, const zscan_src_t *s, const rdata_tok_t *t, const char *b, size_t len,
                 rdata_tok_t *out, size_t cap, size_t *n)
{
	const char *p = b, *e = b + len;
	while (p < e) {
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		if (*n >= cap) {
			zscan_err(z, s, t->line, t->col, "more than %u tokens in one record",
			          ZSCAN_MAX_TOKENS);
			return -1;
		}
		rdata_tok_t *o = &out[(*n)++];
		o->line = t->line;
		o->col = t->col;
		o->quoted = *p == '"';
		if (o->quoted)
			p++;
		const char *ts = p;
		while (p < e && (o->quoted ? *p != '"' : (*p != ' ' && *p != '\t' && *p != '"'))) {
			if (*p == '\\' && p + 1 < e)
				p++;
			p++;
		}
		if (o->quoted) {
			if (p >= e) {
				zscan_err(z, s, t->line, t->col, "unterminated quoted string");
				return -1;
			}
			o->s = ts;
			o->len = (uint32_t)(p - ts);
			p++;
		} else {
			o->s = ts;
			o->len = (uint32_t)(p - ts);
		}
	}
	return 0;
}

void zscan_generate(zscan_t *z, zscan_src_t *s)
{
	rdata_tok_t *t = z->tok;
	size_t n = z->ntok;
	char show[ZSCAN_SHOW_LEN];
	uint32_t start, stop, step;
	if (n < 2) {
		zscan_err(z, s, z->end_line, z->end_col, "$GENERATE: missing range");
		return;
	}
	if (parse_range(&t[1], &start, &stop, &step) < 0) {
		zscan_err(z, s, t[1].line, t[1].col, "$GENERATE: bad range '%s'",
		          zscan_show(show, t[1].s, t[1].len));
		return;
	}
	if (start > stop || step == 0) {
		zscan_err(z, s, t[1].line, t[1].col, "$GENERATE: %s in '%s'",
		          step == 0 ? "step 0" : "start above stop",
		          zscan_show(show, t[1].s, t[1].len));
		return;
	}
	/* checked before anything is generated: $GENERATE 1-1000000000
	 * must fail at once, not after filling memory */
	uint64_t count = (uint64_t)(stop - start) / step + 1;
	if (count > z->max_gen) {
		zscan_err(z, s, t[1].line, t[1].col,
		          "$GENERATE: %llu records exceed the limit of %llu",
		          (unsigned long long)count, (unsigned long long)z->max_gen);
		return;
	}
	if (n < 3) {
		zscan_err(z, s, z->end_line, z->end_col, "$GENERATE: missing owner name");
		return;
	}
	size_t i = 3;
	zscan_head_t h;
	if (zscan_head(z, s, t, n, &i, &h) < 0)
		return;
	if (i >= n) {
		zscan_err(z, s, z->end_line, z->end_col, "$GENERATE: missing rdata");
		return;
	}
	if (z->gen == NULL) {
		z->gen = malloc(GEN_BUFLEN);
		if (z->gen == NULL) {
			z->rc = -ENOMEM;
			z->stop = true;
			return;
		}
	}
	/* the generated tokens go after the entry's own */
	if (zscan_tok_reserve(z, ZSCAN_MAX_TOKENS) < 0)
		return;
	t = z->tok;
	rdata_tok_t *gt = t + n;
	size_t gcap = ZSCAN_MAX_TOKENS - n;
	uint8_t owner[NAME_MAXLEN];
	size_t olen;
	for (uint64_t v = start;; v += step) {
		gbuf_t g = {z->gen, 0};
		if (expand(z, s, &t[2], (int64_t)v, &g) < 0)
			return;
		rdata_tok_t ot = t[2];
		ot.s = g.buf;
		ot.len = (uint32_t)g.len;
		if (zscan_name(z, s, &ot, "$GENERATE owner name", owner, &olen) < 0)
			return;
		size_t ng = 0;
		for (size_t j = i; j < n; j++) {
			size_t at = g.len;
			if (expand(z, s, &t[j], (int64_t)v, &g) < 0)
				return;
			if (t[j].quoted) {
				if (relex(z, s, &t[j], g.buf + at, g.len - at, gt, gcap, &ng) < 0)
					return;
				continue;
			}
			if (ng >= gcap) {
				zscan_err(z, s, t[j].line, t[j].col,
				          "more than %u tokens in one record", ZSCAN_MAX_TOKENS);
				return;
			}
			gt[ng] = t[j];
			gt[ng].s = g.buf + at;
			gt[ng].len = (uint32_t)(g.len - at);
			ng++;
		}
		if (zscan_emit(z, s, &h, owner, olen, gt, ng, t[0].line, t[0].col) < 0 || z->stop)
			return;
		if (v + step > stop)
			break;
	}
}
