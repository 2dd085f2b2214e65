/*
 * Zone-file scanner: files and the $INCLUDE stack, directives, records and
 * the TTL rules.  The lexer is zscan_lex.c, $GENERATE zscan_gen.c; the
 * accepted syntax and every deviation from RFC 1035 / BIND are written down
 * in doc/zone-file.md.
 *
 * Speed: files are mapped, not read; tokens point into the mapping; the
 * token array and the rdata buffer are allocated once per scan, so a record
 * costs no allocation.  A run of records with the same owner text parses
 * the owner once, and the common types and class IN skip the table lookup.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "dns/rrtype.h"
#include "dns/zscan_int.h"

/* ---- messages ---------------------------------------------------------- */

const char *zscan_show(char *buf, const char *s, size_t len)
{
	size_t n = len > 60 ? 60 : len, o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (n < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
	return buf;
}

static void report(zscan_t *z, const zscan_src_t *s, unsigned line, unsigned col, zscan_sev_t sev,
                   const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (z->o->error != NULL)
		z->o->error(z->o->ctx, s->name, line, col, sev, msg);
}

void zscan_err(zscan_t *z, const zscan_src_t *s, unsigned line, unsigned col, const char *fmt, ...)
{
	if (z->stop)
		return;
	va_list ap;
	va_start(ap, fmt);
	report(z, s, line, col, ZSCAN_ERROR, fmt, ap);
	va_end(ap);
	if (++z->errors >= z->max_errors) {
		if (z->o->error != NULL)
			z->o->error(z->o->ctx, s->name, line, col, ZSCAN_NOTE,
			            "too many errors, stopping");
		z->stop = true;
	}
}

void zscan_warn(zscan_t *z, const zscan_src_t *s, unsigned line, unsigned col, const char *fmt, ...)
{
	if (z->stop)
		return;
	va_list ap;
	va_start(ap, fmt);
	report(z, s, line, col, ZSCAN_WARNING, fmt, ap);
	va_end(ap);
}

/* ---- fields ------------------------------------------------------------ */

int zscan_ttl_parse(const char *s, size_t len, uint32_t *ttl)
{
	uint32_t v;
	int rc = rdata_ttl_from_text(s, len, &v);
	if (rc < 0)
		return rc;
	if (v > ZSCAN_TTL_MAX) /* RFC 2181 §8 */
		return ERR_RANGE;
	*ttl = v;
	return 0;
}

static inline bool ieq(const char *s, size_t len, const char *lit, size_t llen)
{
	if (len != llen)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((s[i] | 0x20) != lit[i])
			return false;
	return true;
}

/* Types met in nearly every zone, without a table lookup (their numbers
 * are fixed by RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 8659).  0 when the
 * token is none of them. */
static uint16_t fast_type(const char *s, size_t len)
{
	switch (len) {
	case 1:
		return (s[0] | 0x20) == 'a' ? RRTYPE_A : 0;
	case 2:
		if (ieq(s, len, "ns", 2))
			return RRTYPE_NS;
		if (ieq(s, len, "mx", 2))
			return RRTYPE_MX;
		return 0;
	case 3:
		if (ieq(s, len, "txt", 3))
			return RRTYPE_TXT;
		if (ieq(s, len, "soa", 3))
			return RRTYPE_SOA;
		if (ieq(s, len, "ptr", 3))
			return RRTYPE_PTR;
		if (ieq(s, len, "srv", 3))
			return RRTYPE_SRV;
		return 0;
	case 4:
		return ieq(s, len, "aaaa", 4) ? RRTYPE_AAAA : 0;
	case 5:
		return ieq(s, len, "cname", 5) ? RRTYPE_CNAME : 0;
	}
	return 0;
}

/* True when the token names a class; *rclass gets it (0 for a token that
 * looks like a class but is not valid, which the caller reports). */
static bool class_token(const char *s, size_t len, uint16_t *rclass)
{
	if (len < 2 || len > 10)
		return false;
	if (ieq(s, len, "in", 2)) {
		*rclass = RRCLASS_IN;
		return true;
	}
	bool maybe = ieq(s, len, "ch", 2) || ieq(s, len, "hs", 2) || ieq(s, len, "none", 4) ||
	             ieq(s, len, "any", 3) || (len > 5 && ieq(s, 5, "class", 5));
	if (!maybe)
		return false;
	if (rrclass_from_text(s, len, rclass) < 0)
		return false;
	return true;
}

int zscan_head(zscan_t *z, const zscan_src_t *s, const rdata_tok_t *t, size_t n, size_t *ip,
               zscan_head_t *h)
{
	size_t i = *ip;
	bool have_class = false;
	char show[ZSCAN_SHOW_LEN];
	h->have_ttl = false;
	h->ttl = 0;
	h->rclass = z->rclass;
	/* RFC 1035 §5.1: [<TTL>] [<class>] or [<class>] [<TTL>].  A token
	 * starting with a digit is a TTL: no type or class starts with one. */
	while (i < n && !t[i].quoted) {
		const rdata_tok_t *x = &t[i];
		uint16_t c;
		if (x->len > 0 && x->s[0] >= '0' && x->s[0] <= '9') {
			if (h->have_ttl)
				break;
			int rc = zscan_ttl_parse(x->s, x->len, &h->ttl);
			if (rc == ERR_RANGE) {
				zscan_err(z, s, x->line, x->col, "TTL exceeds %u", ZSCAN_TTL_MAX);
				return -1;
			}
			if (rc < 0) {
				zscan_err(z, s, x->line, x->col, "bad TTL '%s'",
				          zscan_show(show, x->s, x->len));
				return -1;
			}
			h->have_ttl = true;
			i++;
			continue;
		}
		if (!have_class && class_token(x->s, x->len, &c)) {
			if (c != z->rclass) {
				char want[RRTYPE_TEXT_MAXLEN];
				rrclass_to_text(z->rclass, want, sizeof(want));
				zscan_err(z, s, x->line, x->col,
				          "class mismatch: '%s' in a zone of class %s",
				          zscan_show(show, x->s, x->len), want);
				return -1;
			}
			have_class = true;
			i++;
			continue;
		}
		break;
	}
	if (i >= n) {
		zscan_err(z, s, z->end_line, z->end_col, "missing RR type");
		return -1;
	}
	const rdata_tok_t *x = &t[i];
	uint16_t type = x->quoted ? 0 : fast_type(x->s, x->len);
	if (type != 0) {
		h->type = type;
		*ip = i + 1;
		return 0;
	}
	if (x->quoted || rrtype_from_text(x->s, x->len, &type) < 0) {
		zscan_err(z, s, x->line, x->col, "unknown RR type '%s'",
		          zscan_show(show, x->s, x->len));
		return -1;
	}
	if (type == 0) {
		/* RFC 6895 §3.1: type 0 is reserved (BIND rejects it too) */
		zscan_err(z, s, x->line, x->col, "RR type '%s' is reserved",
		          zscan_show(show, x->s, x->len));
		return -1;
	}
	if (rrtype_is_meta(type)) {
		zscan_err(z, s, x->line, x->col, "RR type '%s' is a meta-type, not zone data",
		          zscan_show(show, x->s, x->len));
		return -1;
	}
	h->type = type;
	*ip = i + 1;
	return 0;
}

int zscan_name(zscan_t *z, const zscan_src_t *s, const rdata_tok_t *t, const char *what,
               uint8_t *out, size_t *outlen)
{
	int rc = name_from_text(t->s, t->len, s->have_origin ? s->origin : NULL, out, outlen);
	if (rc == 0)
		return 0;
	char show[ZSCAN_SHOW_LEN];
	if (rc == ERR_SYNTAX && t->len == 0)
		zscan_err(z, s, t->line, t->col, "%s: empty name", what);
	else if (rc == ERR_SYNTAX && !s->have_origin)
		zscan_err(z, s, t->line, t->col, "%s: relative name '%s' and no $ORIGIN", what,
		          zscan_show(show, t->s, t->len));
	else
		zscan_err(z, s, t->line, t->col, "%s: %s", what, err_str(rc));
	return -1;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int zscan_emit(zscan_t *z, const zscan_src_t *s, const zscan_head_t *h, const uint8_t *owner,
               size_t owner_len, const rdata_tok_t *rt, size_t nrt, unsigned line, unsigned col)
{
	rdata_err_t e;
	size_t rdlen = 0;
	e.tok = 0;
	e.msg[0] = 0;
	int rc = rdata_from_text(h->type, rt, nrt, s->have_origin ? s->origin : NULL, z->rd,
	                         RDATA_MAXLEN, &rdlen, &e);
	if (rc < 0) {
		unsigned el = z->end_line, ec = z->end_col;
		if (e.tok < nrt) {
			el = rt[e.tok].line;
			ec = rt[e.tok].col;
		}
		e.msg[sizeof(e.msg) - 1] = 0;
		zscan_err(z, s, el, ec, "%s", e.msg[0] ? e.msg : err_str(rc));
		return -1;
	}
	/* TTL rules, as BIND applies them: explicit > $TTL > the last
	 * explicit TTL (RFC 1035 §5.1) > for the SOA its MINIMUM, which then
	 * stands in for $TTL > error.  (RFC 2308 §4 made MINIMUM the negative
	 * caching TTL, hence the warning.) */
	uint32_t ttl;
	if (h->have_ttl) {
		ttl = h->ttl;
		z->last_ttl = ttl;
		z->have_last_ttl = true;
	} else if (z->have_default_ttl) {
		ttl = z->default_ttl;
	} else if (z->have_last_ttl) {
		ttl = z->last_ttl;
		if (!z->warned_last_ttl) {
			z->warned_last_ttl = true;
			zscan_warn(z, s, line, col, "no $TTL, using last TTL %u", ttl);
		}
	} else if (h->type == RRTYPE_SOA && rdlen >= 22) {
		ttl = get32(z->rd + rdlen - 4);
		if (ttl > ZSCAN_TTL_MAX) {
			zscan_err(z, s, line, col, "no TTL specified and SOA MINIMUM exceeds %u",
			          ZSCAN_TTL_MAX);
			return -1;
		}
		zscan_warn(z, s, line, col, "no TTL specified; using SOA MINIMUM %u", ttl);
		z->default_ttl = ttl;
		z->have_default_ttl = true;
	} else {
		zscan_err(z, s, line, col, "no TTL specified");
		return -1;
	}
	if (z->o->rr == NULL)
		return 0;
	zscan_rr_t rr = {
	    .owner = owner,
	    .owner_len = owner_len,
	    .type = h->type,
	    .rclass = h->rclass,
	    .ttl = ttl,
	    .rdata = z->rd,
	    .rdlen = rdlen,
	    .file = s->name,
	    .line = line,
	    .col = col,
	};
	rc = z->o->rr(z->o->ctx, &rr);
	if (rc != 0) {
		z->rc = rc;
		z->stop = true;
		return -1;
	}
	return 0;
}

int zscan_tok_reserve(zscan_t *z, size_t want)
{
	if (want <= z->tok_cap)
		return 0;
	size_t cap = z->tok_cap;
	while (cap < want)
		cap *= 2;
	if (cap > ZSCAN_MAX_TOKENS)
		cap = ZSCAN_MAX_TOKENS;
	rdata_tok_t *t = realloc(z->tok, cap * sizeof(*t));
	if (t == NULL) {
		z->rc = -ENOMEM;
		z->stop = true;
		return -ENOMEM;
	}
	z->tok = t;
	z->tok_cap = cap;
	return 0;
}

/* ---- records ----------------------------------------------------------- */

static int set_owner(zscan_t *z, zscan_src_t *s, const rdata_tok_t *t)
{
	/* Zones list a name's records together: when the owner text repeats,
	 * under the same origin, the parsed name is still in s->owner. */
	if (s->owner_txt != NULL && t->len == s->owner_txt_len &&
	    memcmp(t->s, s->owner_txt, t->len) == 0)
		return 0;
	s->owner_txt = NULL;
	if (zscan_name(z, s, t, "owner name", s->owner, &s->owner_len) < 0) {
		s->have_owner = false;
		s->owner_bad = true;
		return -1;
	}
	s->have_owner = true;
	s->owner_bad = false;
	s->owner_txt = t->s;
	s->owner_txt_len = t->len;
	return 0;
}

static void do_record(zscan_t *z, zscan_src_t *s)
{
	const rdata_tok_t *t = z->tok;
	size_t n = z->ntok, i = 0;
	unsigned line = t[0].line, col = t[0].col;
	zscan_head_t h;
	if (z->blank) {
		/* RFC 1035 §5.1: a blank owner is the previous owner.  After
		 * a bad owner (already reported) its records go quietly. */
		if (s->owner_bad)
			return;
		if (!s->have_owner) {
			zscan_err(z, s, line, 1, "no previous owner name");
			return;
		}
	} else {
		if (set_owner(z, s, &t[0]) < 0)
			return;
		i = 1;
	}
	if (zscan_head(z, s, t, n, &i, &h) < 0)
		return;
	zscan_emit(z, s, &h, s->owner, s->owner_len, t + i, n - i, line, col);
}

/* ---- directives -------------------------------------------------------- */

static void scan_src(zscan_t *z, zscan_src_t *s);

/* ---- state (zscan.h) ------------------------------------------------- */

static void state_get(const zscan_t *z, const zscan_src_t *s, zscan_state_t *st)
{
	memset(st, 0, sizeof(*st));
	st->have_origin = s->have_origin;
	if (s->have_origin)
		memcpy(st->origin, s->origin, name_length(s->origin));
	st->have_default_ttl = z->have_default_ttl;
	st->default_ttl = z->default_ttl;
	/* with a default TTL the last explicit one is never used again */
	if (!z->have_default_ttl) {
		st->have_last_ttl = z->have_last_ttl;
		st->last_ttl = z->last_ttl;
	}
}

bool zscan_state_equal(const zscan_state_t *a, const zscan_state_t *b)
{
	if (a->have_origin != b->have_origin || a->have_default_ttl != b->have_default_ttl)
		return false;
	if (a->have_origin && !name_equal(a->origin, b->origin))
		return false;
	if (a->have_default_ttl)
		return a->default_ttl == b->default_ttl;
	return a->have_last_ttl == b->have_last_ttl &&
	       (!a->have_last_ttl || a->last_ttl == b->last_ttl);
}

/* Extra tokens after a directive's arguments are an error, not ignored. */
static bool no_extra(zscan_t *z, const zscan_src_t *s, size_t want)
{
	if (z->ntok <= want)
		return true;
	char show[ZSCAN_SHOW_LEN];
	const rdata_tok_t *x = &z->tok[want];
	zscan_err(z, s, x->line, x->col, "%.*s: unexpected '%s'", (int)z->tok[0].len, z->tok[0].s,
	          zscan_show(show, x->s, x->len));
	return false;
}

static void do_origin(zscan_t *z, zscan_src_t *s)
{
	uint8_t o[NAME_MAXLEN];
	size_t olen;
	if (z->ntok < 2) {
		zscan_err(z, s, z->end_line, z->end_col, "$ORIGIN: missing name");
		return;
	}
	if (!no_extra(z, s, 2) || zscan_name(z, s, &z->tok[1], "$ORIGIN", o, &olen) < 0)
		return;
	memcpy(s->origin, o, olen);
	s->have_origin = true;
	s->owner_txt = NULL; /* relative owner text now means another name */
}

static void do_ttl(zscan_t *z, zscan_src_t *s)
{
	char show[ZSCAN_SHOW_LEN];
	if (z->ntok < 2) {
		zscan_err(z, s, z->end_line, z->end_col, "$TTL: missing TTL");
		return;
	}
	if (!no_extra(z, s, 2))
		return;
	const rdata_tok_t *x = &z->tok[1];
	uint32_t ttl;
	int rc = zscan_ttl_parse(x->s, x->len, &ttl);
	if (rc == ERR_RANGE) {
		zscan_err(z, s, x->line, x->col, "TTL exceeds %u", ZSCAN_TTL_MAX);
		return;
	}
	if (rc < 0 || x->quoted) {
		zscan_err(z, s, x->line, x->col, "bad TTL '%s'", zscan_show(show, x->s, x->len));
		return;
	}
	z->default_ttl = ttl; /* RFC 2308 §4 */
	z->have_default_ttl = true;
}

/*
 * Opens, checks and maps a file for src c.  The checks give the errors the
 * brief asks for: a directory, a non-regular file (a FIFO would block, a
 * device never end; O_NONBLOCK keeps open itself from blocking on a FIFO),
 * a loop (the same file already open up the stack) and the depth limit.
 * prefix is "" or "$INCLUDE: ".  0, or -1 after reporting.
 */
static int src_open(zscan_t *z, const zscan_src_t *from, unsigned line, unsigned col,
                    const char *prefix, const char *path, zscan_src_t *c)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		zscan_err(z, from, line, col, "%scannot open '%s': %s", prefix, path,
		          strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		zscan_err(z, from, line, col, "%scannot stat '%s': %s", prefix, path,
		          strerror(errno));
		close(fd);
		return -1;
	}
	char why[64] = "";
	if (S_ISDIR(st.st_mode))
		snprintf(why, sizeof(why), "is a directory");
	else if (!S_ISREG(st.st_mode))
		snprintf(why, sizeof(why), "not a regular file");
	for (const zscan_src_t *p = c->parent; why[0] == 0 && p != NULL; p = p->parent)
		if (p->has_id && p->dev == st.st_dev && p->ino == st.st_ino)
			snprintf(why, sizeof(why), "include loop: the file is already being read");
	if (why[0] == 0 && c->depth > z->max_depth)
		snprintf(why, sizeof(why), "includes nested deeper than %u", z->max_depth);
	if (why[0] != 0) {
		zscan_err(z, from, line, col, "%s'%s': %s", prefix, path, why);
		close(fd);
		return -1;
	}
	if ((uintmax_t)st.st_size > SIZE_MAX) {
		zscan_err(z, from, line, col, "%s'%s': too large", prefix, path);
		close(fd);
		return -1;
	}
	size_t len = (size_t)st.st_size;
	const unsigned char *data = (const unsigned char *)"";
	if (len > 0) {
		void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			zscan_err(z, from, line, col, "%scannot map '%s': %s", prefix, path,
			          strerror(errno));
			close(fd);
			return -1;
		}
		madvise(m, len, MADV_SEQUENTIAL);
		data = m;
	}
	close(fd);
	c->name = arena_dup(&z->names, path, strlen(path) + 1);
	if (c->name == NULL) {
		if (len > 0)
			munmap((void *)data, len);
		z->rc = -ENOMEM;
		z->stop = true;
		return -1;
	}
	c->p = c->line_start = data;
	c->end = data + len;
	c->line = 1;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->has_id = true;
	return 0;
}

static void src_close(zscan_src_t *c, const unsigned char *base)
{
	size_t len = (size_t)(c->end - base);
	if (len > 0)
		munmap((void *)base, len);
}

/* Decodes \X and \DDD of a file-name token into buf (cap bytes with NUL). */
static int decode_path(const rdata_tok_t *t, char *buf, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->s[i];
		if (c == '\\' && i + 1 < t->len) {
			c = (unsigned char)t->s[++i];
			if (c >= '0' && c <= '9' && i + 2 < t->len && t->s[i + 1] >= '0' &&
			    t->s[i + 1] <= '9' && t->s[i + 2] >= '0' && t->s[i + 2] <= '9') {
				int v = (c - '0') * 100 + (t->s[i + 1] - '0') * 10 +
				        (t->s[i + 2] - '0');
				if (v > 255 || v == 0)
					return ERR_BAD_ESCAPE;
				c = (unsigned char)v;
				i += 2;
			}
		}
		if (o + 1 >= cap)
			return ERR_SPACE;
		buf[o++] = (char)c;
	}
	buf[o] = 0;
	return o == 0 ? ERR_SYNTAX : 0;
}

static void do_include(zscan_t *z, zscan_src_t *s)
{
	const rdata_tok_t *t = z->tok;
	char file[PATH_MAX], path[PATH_MAX];
	char show[ZSCAN_SHOW_LEN];
	if (z->o->disable_include) {
		zscan_err(z, s, t[0].line, t[0].col, "$INCLUDE is disabled");
		return;
	}
	if (z->o->marks != NULL)
		z->o->marks->include = true;
	if (z->ntok < 2) {
		zscan_err(z, s, z->end_line, z->end_col, "$INCLUDE: missing file name");
		return;
	}
	if (!no_extra(z, s, 3))
		return;
	if (decode_path(&t[1], file, sizeof(file)) < 0) {
		zscan_err(z, s, t[1].line, t[1].col, "$INCLUDE: bad file name '%s'",
		          zscan_show(show, t[1].s, t[1].len));
		return;
	}
	/* A relative path is taken from the including file's directory (as
	 * BIND does with its -t/directory option unset, and Knot always). */
	const char *slash = strrchr(s->name, '/');
	int w;
	if (file[0] == '/' || slash == NULL)
		w = snprintf(path, sizeof(path), "%s", file);
	else
		w = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - s->name), s->name, file);
	if (w < 0 || (size_t)w >= sizeof(path)) {
		zscan_err(z, s, t[1].line, t[1].col, "$INCLUDE: path too long");
		return;
	}
	zscan_src_t c;
	memset(&c, 0, sizeof(c));
	c.parent = s;
	c.depth = s->depth + 1;
	/* As BIND: the included file starts with the parent's previous owner
	 * (a blank owner there means it); the parent's is left as it was. */
	c.have_owner = s->have_owner;
	c.owner_bad = s->owner_bad;
	c.owner_len = s->owner_len;
	if (s->have_owner)
		memcpy(c.owner, s->owner, s->owner_len);
	c.have_origin = s->have_origin;
	if (s->have_origin)
		memcpy(c.origin, s->origin, name_length(s->origin));
	if (z->ntok == 3) {
		size_t olen;
		if (zscan_name(z, s, &t[2], "$INCLUDE origin", c.origin, &olen) < 0)
			return;
		c.have_origin = true;
	}
	if (src_open(z, s, t[1].line, t[1].col, "$INCLUDE: ", path, &c) < 0)
		return;
	const unsigned char *base = c.p;
	scan_src(z, &c);
	src_close(&c, base);
}

static void do_directive(zscan_t *z, zscan_src_t *s)
{
	const rdata_tok_t *t = &z->tok[0];
	char show[ZSCAN_SHOW_LEN];
	if (ieq(t->s, t->len, "$origin", 7))
		do_origin(z, s);
	else if (ieq(t->s, t->len, "$ttl", 4))
		do_ttl(z, s);
	else if (ieq(t->s, t->len, "$include", 8))
		do_include(z, s);
	else if (ieq(t->s, t->len, "$generate", 9))
		zscan_generate(z, s);
	else
		zscan_err(z, s, t->line, t->col, "unknown directive '%s'",
		          zscan_show(show, t->s, t->len));
}

static void scan_src(zscan_t *z, zscan_src_t *s)
{
	/* A UTF-8 byte-order mark is not part of the first owner. */
	if (s->end - s->p >= 3 && memcmp(s->p, "\xef\xbb\xbf", 3) == 0)
		s->p += 3;
	zscan_marks_t *mk = s->depth == 0 ? z->o->marks : NULL;
	while (!z->stop) {
		const unsigned char *start = s->p;
		bool at_mark = false;
		if (mk != NULL && z->next_mark < mk->n) {
			size_t off = (size_t)(start - z->base);
			if (off > mk->off[z->next_mark]) {
				mk->ok = false; /* the mark fell inside an entry */
				while (z->next_mark < mk->n && off > mk->off[z->next_mark])
					z->next_mark++;
			}
			if (z->next_mark < mk->n && off == mk->off[z->next_mark]) {
				state_get(z, s, &mk->state[z->next_mark++]);
				at_mark = true;
			}
		}
		int r = zscan_lex(z, s);
		if (at_mark && (r <= 0 || z->ntok == 0 || z->blank || z->tok[0].quoted ||
		                (z->tok[0].len > 0 && z->tok[0].s[0] == '$')))
			mk->ok = false;
		if (r == 0)
			break;
		if (r < 0) {
			/* A broken line that had an owner leaves the owner
			 * unknown: records after it with a blank owner are
			 * dropped quietly rather than given the wrong name. */
			if (*start != ' ' && *start != '\t' && *start != '$') {
				s->have_owner = false;
				s->owner_bad = true;
				s->owner_txt = NULL;
			}
			continue;
		}
		if (z->ntok == 0)
			continue;
		const rdata_tok_t *t = &z->tok[0];
		if (!z->blank && !t->quoted && t->len > 0 && t->s[0] == '$')
			do_directive(z, s);
		else
			do_record(z, s);
	}
}

/* ---- entry points ------------------------------------------------------ */

static int scan_init(zscan_t *z, const zscan_opts_t *o, zscan_src_t *s)
{
	memset(z, 0, sizeof(*z));
	memset(s, 0, sizeof(*s));
	z->o = o;
	z->max_errors = o->max_errors ? o->max_errors : 100;
	z->max_depth = o->max_include_depth ? o->max_include_depth : 16;
	z->max_gen = o->max_generate ? o->max_generate : 1000000;
	z->rclass = o->rclass ? o->rclass : RRCLASS_IN;
	if (o->origin != NULL) {
		int n = name_check(o->origin, NAME_MAXLEN);
		if (n < 0)
			return ERR_INVAL;
		memcpy(s->origin, o->origin, (size_t)n);
		s->have_origin = true;
	}
	if (o->resume != NULL) {
		const zscan_state_t *r = o->resume;
		if (r->have_origin) {
			int n = name_check(r->origin, NAME_MAXLEN);
			if (n < 0)
				return ERR_INVAL;
			memcpy(s->origin, r->origin, (size_t)n);
		}
		s->have_origin = r->have_origin;
		z->have_default_ttl = r->have_default_ttl;
		z->default_ttl = r->default_ttl;
		z->have_last_ttl = r->have_last_ttl;
		z->last_ttl = r->last_ttl;
	}
	if (o->marks != NULL) {
		o->marks->ok = true;
		o->marks->include = false;
	}
	arena_init(&z->names, 4096);
	/* Records rarely have more than a few dozen tokens: start small so
	 * that scanning a short buffer stays cheap, grow on demand. */
	z->tok_cap = 256;
	z->tok = malloc(z->tok_cap * sizeof(*z->tok));
	z->rd = malloc(RDATA_MAXLEN);
	if (z->tok == NULL || z->rd == NULL)
		return -ENOMEM;
	s->line = o->first_line ? o->first_line : 1;
	return 0;
}

/* After the top input: the end state, and marks never met. */
static void marks_end(zscan_t *z, const zscan_src_t *s)
{
	zscan_marks_t *mk = z->o->marks;
	if (mk == NULL)
		return;
	if (z->next_mark < mk->n)
		mk->ok = false;
	if (z->stop)
		mk->ok = false;
	state_get(z, s, &mk->end);
}

static int scan_finish(zscan_t *z, int rc)
{
	free(z->tok);
	free(z->rd);
	free(z->gen);
	arena_free(&z->names);
	if (rc != 0)
		return rc;
	if (z->rc != 0)
		return z->rc;
	return z->errors > 0 ? ERR_SYNTAX : 0;
}

int zscan_buffer(const char *name, const char *data, size_t len, const zscan_opts_t *opts)
{
	zscan_t z;
	zscan_src_t s;
	if (opts == NULL || (data == NULL && len > 0))
		return ERR_INVAL;
	int rc = scan_init(&z, opts, &s);
	if (rc == 0) {
		if (name == NULL)
			name = "<buffer>";
		s.name = arena_dup(&z.names, name, strlen(name) + 1);
		if (s.name == NULL)
			rc = -ENOMEM;
	}
	if (rc == 0) {
		s.p = s.line_start = (const unsigned char *)(data ? data : "");
		s.end = s.p + len;
		z.base = s.p;
		scan_src(&z, &s);
		marks_end(&z, &s);
	}
	return scan_finish(&z, rc);
}

int zscan_file(const char *path, const zscan_opts_t *opts)
{
	zscan_t z;
	zscan_src_t s, top;
	if (opts == NULL || path == NULL)
		return ERR_INVAL;
	int rc = scan_init(&z, opts, &s);
	if (rc == 0) {
		/* errors of the top file itself name it, at line 0 */
		memset(&top, 0, sizeof(top));
		top.name = path;
		if (src_open(&z, &top, 0, 0, "", path, &s) == 0) {
			const unsigned char *base = s.p;
			s.parent = NULL;
			z.base = base;
			scan_src(&z, &s);
			marks_end(&z, &s);
			src_close(&s, base);
		}
	}
	return scan_finish(&z, rc);
}
