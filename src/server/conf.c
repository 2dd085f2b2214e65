/*
 * The configuration walker: applies the schema (conf_schema.c) to a YAML
 * tree (conf_yaml.c), builds the typed conf_t, then checks what single
 * values cannot show (duplicate ids, references, a secondary without
 * primaries).  Every problem is reported with the position of the key or
 * value at fault, and the walk goes on so that one run shows them all.
 *
 *   text --ytree_parse--> tree --walk_section (per key)--> conf_t items
 *                                 |  values: parse_value per schema type
 *                                 `- refs: recorded, resolved at the end
 *   finish: key names, default files and paths, duplicate ids, refs,
 *           secondary needs primaries
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "server/conf_int.h"

#define CONF_MAX_FILE (16u << 20) /* a larger configuration is surely a mistake */

typedef struct {
	void *v;
	size_t n;
} vec_t; /* the layout of every list in conf.h */

typedef struct {
	const void **slot;
	conf_section_id_t target;
	const ynode_t *node;
} pending_ref_t;

typedef struct {
	const char *file;
	conf_report_t report;
	void *ctx;
	unsigned errors;
	bool quick;
	int oom;
	conf_t *c;
	arena_t tmp; /* the tree and the walk's bookkeeping */
	pending_ref_t *refs;
	size_t n_refs, cap_refs;
	const ynode_t *section_node[CS__COUNT];
	/* per item of each section, the value node of each option (NULL: absent) */
	const ynode_t **vals[CS__COUNT];
	const ynode_t **item_node[CS__COUNT];
} cw_t;

static void cw_vreport(cw_t *w, unsigned line, unsigned col, conf_sev_t sev, const char *fmt,
                       va_list ap)
{
	char msg[512];
	if (sev == CONF_ERROR && ++w->errors > CONF_MAX_ERRORS) {
		if (w->errors == CONF_MAX_ERRORS + 1 && w->report != NULL)
			w->report(w->ctx, w->file, line, col, CONF_NOTE,
			          "too many errors, not reporting more");
		return;
	}
	if (w->report == NULL)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	w->report(w->ctx, w->file, line, col, sev, msg);
}

__attribute__((format(printf, 4, 5))) static void cw_err(cw_t *w, const ynode_t *at, conf_sev_t sev,
                                                         const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cw_vreport(w, at ? at->line : 0, at ? at->col : 0, sev, fmt, ap);
	va_end(ap);
}

static void ytree_err(void *ctx, unsigned line, unsigned col, const char *msg)
{
	cw_t *w = ctx;
	if (++w->errors > CONF_MAX_ERRORS) {
		if (w->errors == CONF_MAX_ERRORS + 1 && w->report != NULL)
			w->report(w->ctx, w->file, line, col, CONF_NOTE,
			          "too many errors, not reporting more");
		return;
	}
	if (w->report != NULL)
		w->report(w->ctx, w->file, line, col, CONF_ERROR, msg);
}

/* A printable, quoted, shortened copy of a scalar for messages. */
static const char *q(const ynode_t *v, char *buf, size_t cap)
{
	size_t o = 0;
	buf[o++] = '\'';
	for (size_t i = 0; i < v->len && o + 8 < cap; i++) {
		unsigned char ch = (unsigned char)v->text[i];
		if (o + 12 >= cap) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (ch < 0x20 || ch == 0x7f || ch == '\\')
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o++] = '\'';
	buf[o] = 0;
	return buf;
}

#define Q(v) q((v), qbuf, sizeof qbuf)

static bool is_null(const ynode_t *v)
{
	if (v->kind != YN_SCALAR || !v->plain)
		return false;
	return v->len == 0 || strcmp(v->text, "~") == 0 || strcmp(v->text, "null") == 0 ||
	       strcmp(v->text, "Null") == 0 || strcmp(v->text, "NULL") == 0;
}

/* 1 true, 0 false, -1 not a boolean (plain scalars only, as YAML 1.1). */
static int as_bool(const ynode_t *v)
{
	static const char *const T[] = {"true", "yes", "on", NULL};
	static const char *const F[] = {"false", "no", "off", NULL};
	if (v->kind != YN_SCALAR || !v->plain)
		return -1;
	if (conf_enum_find(T, v->text, v->len) >= 0)
		return 1;
	if (conf_enum_find(F, v->text, v->len) >= 0)
		return 0;
	return -1;
}

static const char *kind_name(const ynode_t *v)
{
	return v->kind == YN_MAP ? "a mapping" : v->kind == YN_SEQ ? "a list" : "a scalar";
}

static char *cw_strdup(cw_t *w, const char *s, size_t len)
{
	char *d = arena_alloc(&w->c->arena, len + 1);
	if (d == NULL) {
		w->oom = 1;
		return NULL;
	}
	memcpy(d, s, len);
	d[len] = 0;
	return d;
}

/* ---- addresses ---- */

static int parse_port(const char *s, size_t len, unsigned *port)
{
	unsigned long v = 0;
	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/* An IPv4 or IPv6 literal s[0..len) into addr (16 octets); returns the family or -1. */
static int parse_ip(const char *s, size_t len, uint8_t *addr)
{
	char buf[INET6_ADDRSTRLEN + 1];
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (inet_pton(AF_INET, buf, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, buf, addr) == 1)
		return AF_INET6;
	return -1;
}

/* "ADDR[@PORT]"; returns NULL or what is wrong. */
static const char *parse_addr(const char *s, size_t len, unsigned defport, conf_addr_t *out)
{
	const char *at = memchr(s, '@', len);
	unsigned port = defport;
	uint8_t ip[16];
	size_t alen = at ? (size_t)(at - s) : len;
	if (at != NULL && parse_port(at + 1, len - alen - 1, &port) != 0)
		return "bad port (1..65535)";
	int fam = parse_ip(s, alen, ip);
	if (fam < 0)
		return "not an IPv4 or IPv6 address";
	memset(out, 0, sizeof *out);
	if (fam == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->sa;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, ip, 4);
		out->len = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->sa;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, ip, 16);
		out->len = sizeof *sin6;
	}
	return NULL;
}

/* "ADDR[/BITS]"; *masked set when host bits had to be cleared. */
static const char *parse_prefix(const char *s, size_t len, conf_prefix_t *out, bool *masked)
{
	const char *sl = memchr(s, '/', len);
	size_t alen = sl ? (size_t)(sl - s) : len;
	memset(out, 0, sizeof *out);
	int fam = parse_ip(s, alen, out->addr);
	if (fam < 0)
		return "not an IPv4 or IPv6 address";
	unsigned maxb = fam == AF_INET ? 32 : 128, bits = maxb;
	if (sl != NULL) {
		size_t bl = len - alen - 1;
		unsigned long v = 0;
		if (bl == 0 || bl > 3)
			return "bad prefix length";
		for (size_t i = 0; i < bl; i++) {
			if (sl[1 + i] < '0' || sl[1 + i] > '9')
				return "bad prefix length";
			v = v * 10 + (unsigned)(sl[1 + i] - '0');
		}
		if (v > maxb)
			return fam == AF_INET ? "prefix length above 32"
			                      : "prefix length above 128";
		bits = (unsigned)v;
	}
	out->family = fam;
	out->bits = bits;
	*masked = false;
	for (unsigned i = 0; i < maxb / 8; i++) {
		unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
		uint8_t mask = (uint8_t)(keep ? 0xff << (8 - keep) : 0);
		if (out->addr[i] & ~mask)
			*masked = true;
		out->addr[i] &= mask;
	}
	return NULL;
}

/* ---- base64 ---- */

static int b64_val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Strict base64 (padding optional); out has room for len * 3 / 4 + 3. */
static int b64_decode(const char *s, size_t len, uint8_t *out, size_t *outlen)
{
	size_t n = 0, pad = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	while (len > 0 && s[len - 1] == '=' && pad < 2)
		len--, pad++;
	if (pad > 0 && (len + pad) % 4 != 0)
		return -1;
	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64_val((unsigned char)s[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1; /* non-zero bits after the last octet: not canonical */
	*outlen = n;
	return 0;
}

/* ---- values ---- */

static size_t elem_size(conf_type_t t)
{
	switch (t) {
	case CT_ADDR:
		return sizeof(conf_addr_t);
	case CT_PREFIX:
		return sizeof(conf_prefix_t);
	case CT_REF:
		return sizeof(void *);
	default:
		return sizeof(char *);
	}
}

static void add_ref(cw_t *w, const void **slot, conf_section_id_t target, const ynode_t *v)
{
	if (w->n_refs == w->cap_refs) {
		size_t cap = w->cap_refs ? 2 * w->cap_refs : 32;
		pending_ref_t *r = realloc(w->refs, cap * sizeof *r);
		if (r == NULL) {
			w->oom = 1;
			return;
		}
		w->refs = r, w->cap_refs = cap;
	}
	w->refs[w->n_refs++] = (pending_ref_t){slot, target, v};
}

/* Parses the scalar v for option o into dst (the value's place); aux is
 * the item's o->aux place (NULL in lists). */
static void parse_scalar(cw_t *w, const conf_opt_t *o, const ynode_t *v, void *dst, void *aux)
{
	char qbuf[100];
	const char *why;

	if (v->kind != YN_SCALAR) {
		cw_err(w, v, CONF_ERROR, "%s: expected a single value, got %s", o->name,
		       kind_name(v));
		return;
	}
	if (is_null(v)) {
		cw_err(w, v, CONF_ERROR, "%s: missing value", o->name);
		return;
	}
	if (memchr(v->text, 0, v->len) != NULL) {
		cw_err(w, v, CONF_ERROR, "%s: value contains a NUL character", o->name);
		return;
	}
	switch (o->type) {
	case CT_VERSION: {
		int b = as_bool(v);
		if (b == 0 || v->len == 0) {
			memset(dst, 0, sizeof(char *));
			return;
		}
		if (b == 1) {
			const char *d = o->def;
			memcpy(dst, &d, sizeof d);
			return;
		}
	}
	/* fall through */
	case CT_STR: {
		if (v->len < o->min) {
			cw_err(w, v, CONF_ERROR, "%s: must not be empty", o->name);
			return;
		}
		if (o->max && v->len > o->max) {
			cw_err(w, v, CONF_ERROR, "%s: longer than %lu characters", o->name, o->max);
			return;
		}
		char *s = cw_strdup(w, v->text, v->len);
		memcpy(dst, &s, sizeof s);
		return;
	}
	case CT_INT: {
		unsigned long n = 0;
		bool ok = v->len > 0 && v->len <= 10;
		for (size_t i = 0; ok && i < v->len; i++) {
			ok = v->text[i] >= '0' && v->text[i] <= '9';
			n = n * 10 + (unsigned)(v->text[i] - '0');
		}
		if (!ok) {
			if (v->len > 10 && strspn(v->text, "0123456789") == v->len)
				cw_err(w, v, CONF_ERROR, "%s: %s is out of range %lu..%lu", o->name,
				       Q(v), o->min, o->max);
			else
				cw_err(w, v, CONF_ERROR, "%s: expected an integer, got %s", o->name,
				       Q(v));
			return;
		}
		if (n < o->min || n > o->max) {
			cw_err(w, v, CONF_ERROR, "%s: %lu is out of range %lu..%lu", o->name, n,
			       o->min, o->max);
			return;
		}
		unsigned u = (unsigned)n;
		memcpy(dst, &u, sizeof u);
		return;
	}
	case CT_BOOL: {
		int b = as_bool(v);
		if (b < 0) {
			cw_err(w, v, CONF_ERROR, "%s: expected true or false, got %s", o->name,
			       Q(v));
			return;
		}
		bool bb = b == 1;
		memcpy(dst, &bb, sizeof bb);
		return;
	}
	case CT_ENUM:
	case CT_FLAGS: {
		int i = conf_enum_find(o->values, v->text, v->len);
		if (i < 0) {
			char allowed[200];
			size_t n = 0;
			allowed[0] = 0;
			for (int k = 0; o->values[k] != NULL && n < sizeof allowed; k++)
				n += (size_t)snprintf(allowed + n, sizeof allowed - n, "%s%s",
				                      k ? ", " : "", o->values[k]);
			cw_err(w, v, CONF_ERROR, "%s: unknown value %s (allowed: %s)", o->name,
			       Q(v), allowed);
			return;
		}
		if (o->type == CT_ENUM) {
			memcpy(dst, &i, sizeof i);
		} else {
			unsigned bits;
			memcpy(&bits, dst, sizeof bits);
			bits |= 1u << i;
			memcpy(dst, &bits, sizeof bits);
		}
		return;
	}
	case CT_ADDR:
		why = parse_addr(v->text, v->len, (unsigned)o->min, dst);
		if (why != NULL)
			cw_err(w, v, CONF_ERROR, "%s: bad address %s: %s", o->name, Q(v), why);
		return;
	case CT_PREFIX: {
		bool masked;
		why = parse_prefix(v->text, v->len, dst, &masked);
		if (why != NULL)
			cw_err(w, v, CONF_ERROR, "%s: bad address prefix %s: %s", o->name, Q(v),
			       why);
		else if (masked)
			cw_err(w, v, CONF_WARNING,
			       "%s: %s has bits set beyond its prefix length; they are ignored",
			       o->name, Q(v));
		return;
	}
	case CT_NAME: {
		size_t nl;
		int rc = name_from_text(v->text, v->len, (const uint8_t *)"", dst, &nl);
		if (rc != 0) {
			cw_err(w, v, CONF_ERROR, "%s: bad domain name %s: %s", o->name, Q(v),
			       err_str(rc));
			return;
		}
		if (aux != NULL) {
			char *s = cw_strdup(w, v->text, v->len);
			memcpy(aux, &s, sizeof s);
		}
		return;
	}
	case CT_REF:
		add_ref(w, dst, o->ref, v);
		return;
	case CT_B64: {
		uint8_t *buf = arena_alloc(&w->c->arena, v->len / 4 * 3 + 3);
		size_t n = 0;
		if (buf == NULL) {
			w->oom = 1;
			return;
		}
		if (b64_decode(v->text, v->len, buf, &n) != 0) {
			explicit_bzero(buf, v->len / 4 * 3 + 3);
			cw_err(w, v, CONF_ERROR, "%s: bad base64", o->name);
			return;
		}
		if (n < o->min) {
			cw_err(w, v, CONF_ERROR, "%s: must not be empty", o->name);
			return;
		}
		memcpy(dst, &buf, sizeof buf);
		if (aux != NULL)
			memcpy(aux, &n, sizeof n);
		return;
	}
	}
}

static void parse_value(cw_t *w, const conf_opt_t *o, const ynode_t *v, char *item)
{
	void *dst = item + o->off;
	if (o->type == CT_FLAGS) {
		if (v->kind == YN_SEQ) {
			for (const ynode_t *e = v->first; e != NULL; e = e->next)
				parse_scalar(w, o, e, dst, NULL);
		} else {
			parse_scalar(w, o, v, dst, NULL);
		}
		return;
	}
	if (!(o->flags & CO_LIST)) {
		parse_scalar(w, o, v, dst, o->aux ? item + o->aux : NULL);
		return;
	}
	if (v->kind == YN_MAP) {
		cw_err(w, v, CONF_ERROR, "%s: expected a list, got a mapping", o->name);
		return;
	}
	if (v->kind == YN_SCALAR && is_null(v)) {
		cw_err(w, v, CONF_ERROR, "%s: missing value", o->name);
		return;
	}
	size_t n = v->kind == YN_SEQ ? v->n : 1, es = elem_size(o->type);
	vec_t vec = {NULL, n};
	if (n > 0) {
		if (n > SIZE_MAX / es || (vec.v = arena_alloc(&w->c->arena, n * es)) == NULL) {
			w->oom = 1;
			return;
		}
		memset(vec.v, 0, n * es);
	}
	if (v->kind == YN_SEQ) {
		size_t i = 0;
		for (const ynode_t *e = v->first; e != NULL; e = e->next, i++)
			parse_scalar(w, o, e, (char *)vec.v + i * es, NULL);
	} else {
		parse_scalar(w, o, v, vec.v, NULL);
	}
	memcpy(dst, &vec, sizeof vec);
}

/* ---- sections ---- */

static const ynode_t *default_node(cw_t *w, const conf_opt_t *o)
{
	ynode_t *d = ynode_scalar(&w->tmp, o->def, strlen(o->def));
	if (d == NULL)
		w->oom = 1;
	else
		d->plain = o->type == CT_BOOL; /* a boolean's default reads as one; others
		                                  are strings, never null or a boolean */
	return d;
}

/* Fills item from the mapping m; vals[0..n_opts) get the value nodes. */
static void walk_item(cw_t *w, const conf_section_t *sec, const ynode_t *m, char *item,
                      const ynode_t **vals)
{
	const ynode_t **keys = arena_alloc(&w->tmp, sec->n_opts * sizeof *keys);
	if (keys == NULL) {
		w->oom = 1;
		return;
	}
	memset(keys, 0, sec->n_opts * sizeof *keys);
	for (const ynode_t *k = m->first; k != NULL && k->next != NULL; k = k->next->next) {
		const ynode_t *v = k->next;
		char qbuf[100];
		if (k->kind != YN_SCALAR) {
			cw_err(w, k, CONF_ERROR, "a key must be a plain name, not %s",
			       kind_name(k));
			continue;
		}
		size_t i;
		for (i = 0; i < sec->n_opts; i++)
			if (strlen(sec->opts[i].name) == k->len &&
			    memcmp(sec->opts[i].name, k->text, k->len) == 0)
				break;
		if (i == sec->n_opts) {
			cw_err(w, k, CONF_ERROR, "unknown option %s in section '%s'", Q(k),
			       sec->name);
			continue;
		}
		if (keys[i] != NULL) {
			cw_err(w, k, CONF_ERROR, "duplicate key '%s' (first at line %u)",
			       sec->opts[i].name, keys[i]->line);
			continue;
		}
		keys[i] = k;
		vals[i] = v;
		parse_value(w, &sec->opts[i], v, item);
		if ((sec->opts[i].flags & CO_SECRET) && v->kind == YN_SCALAR)
			explicit_bzero((char *)v->text, v->len); /* our own node: not const */
	}
	for (size_t i = 0; i < sec->n_opts; i++) {
		const conf_opt_t *o = &sec->opts[i];
		if (vals[i] != NULL)
			continue;
		if (o->flags & CO_REQUIRED) {
			cw_err(w, m, CONF_ERROR, "missing required option '%s' in section '%s'",
			       o->name, sec->name);
		} else if (o->def != NULL) {
			const ynode_t *d = default_node(w, o);
			if (d != NULL)
				parse_value(w, o, d, item);
		}
	}
}

static void walk_section(cw_t *w, conf_section_id_t s, const ynode_t *v)
{
	const conf_section_t *sec = &conf_sections[s];
	char *base = (char *)w->c + sec->off;
	if (!sec->multi) {
		static const ynode_t empty = {.kind = YN_MAP};
		if (is_null(v)) {
			v = &empty;
		} else if (v->kind != YN_MAP) {
			cw_err(w, v, CONF_ERROR, "section '%s' must be a mapping, not %s",
			       sec->name, kind_name(v));
			v = &empty;
		}
		const ynode_t **vals = arena_alloc(&w->tmp, sec->n_opts * sizeof *vals);
		if (vals == NULL) {
			w->oom = 1;
			return;
		}
		memset(vals, 0, sec->n_opts * sizeof *vals);
		w->vals[s] = vals;
		walk_item(w, sec, v, base, vals);
		return;
	}
	if (is_null(v))
		return;
	if (v->kind != YN_SEQ) {
		cw_err(w, v, CONF_ERROR, "section '%s' must be a list of mappings, not %s",
		       sec->name, kind_name(v));
		return;
	}
	size_t n = v->n;
	if (n == 0)
		return;
	char *items = arena_alloc(&w->c->arena, n * sec->size);
	const ynode_t **vals = arena_alloc(&w->tmp, n * sec->n_opts * sizeof *vals);
	const ynode_t **nodes = arena_alloc(&w->tmp, n * sizeof *nodes);
	if (items == NULL || vals == NULL || nodes == NULL || n > SIZE_MAX / sec->size / 16) {
		w->oom = 1;
		return;
	}
	memset(items, 0, n * sec->size);
	memset(vals, 0, n * sec->n_opts * sizeof *vals);
	vec_t vec = {items, n};
	memcpy(base, &vec, sizeof vec);
	w->vals[s] = vals;
	w->item_node[s] = nodes;
	size_t i = 0;
	for (const ynode_t *e = v->first; e != NULL && !w->oom; e = e->next, i++) {
		nodes[i] = e;
		if (e->kind != YN_MAP) {
			cw_err(w, e, CONF_ERROR,
			       "an item of section '%s' must be a mapping, not %s", sec->name,
			       is_null(e) ? "empty" : kind_name(e));
			continue;
		}
		walk_item(w, sec, e, items + i * sec->size, vals + i * sec->n_opts);
	}
}

/* ---- checks across items ---- */

typedef struct {
	const char *id;      /* remote, acl */
	const uint8_t *name; /* key, zone */
	size_t idx;
} idx_t;

static int idx_cmp(const void *pa, const void *pb)
{
	const idx_t *a = pa, *b = pb;
	int c = a->name ? name_compare(a->name, b->name) : strcmp(a->id, b->id);
	if (c != 0)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int opt_index(conf_section_id_t s, const char *name)
{
	for (size_t i = 0; i < conf_sections[s].n_opts; i++)
		if (strcmp(conf_sections[s].opts[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Sorted index of the items of section s that have an id; reports duplicates. */
static idx_t *build_index(cw_t *w, conf_section_id_t s, size_t *count)
{
	const conf_section_t *sec = &conf_sections[s];
	vec_t vec;
	memcpy(&vec, (char *)w->c + sec->off, sizeof vec);
	int id_opt = s == CS_ZONE ? opt_index(s, "domain") : opt_index(s, "id");
	idx_t *ix = arena_alloc(&w->tmp, (vec.n ? vec.n : 1) * sizeof *ix);
	size_t n = 0;
	*count = 0;
	if (ix == NULL) {
		w->oom = 1;
		return NULL;
	}
	for (size_t i = 0; i < vec.n; i++) {
		const ynode_t *idnode = w->vals[s][i * sec->n_opts + (size_t)id_opt];
		char *item = (char *)vec.v + i * sec->size;
		if (idnode == NULL || idnode->kind != YN_SCALAR)
			continue;
		if (s == CS_ZONE) {
			if (((conf_zone_t *)item)->domain_text != NULL)
				ix[n++] = (idx_t){NULL, ((conf_zone_t *)item)->domain, i};
		} else if (s == CS_KEY) {
			conf_key_t *k = (conf_key_t *)item;
			if (k->id != NULL)
				ix[n++] = (idx_t){NULL, k->name, i};
		} else {
			const char *id;
			memcpy(&id, item + sec->opts[id_opt].off, sizeof id);
			if (id != NULL)
				ix[n++] = (idx_t){id, NULL, i};
		}
	}
	qsort(ix, n, sizeof *ix, idx_cmp);
	for (size_t i = 1; i < n; i++) {
		idx_t a = ix[i - 1], b = ix[i];
		bool same = a.name ? name_equal(a.name, b.name) : strcmp(a.id, b.id) == 0;
		if (!same)
			continue;
		/* report the later one (in file order) against the first */
		size_t first = i - 1;
		while (first > 0 && (ix[first - 1].name ? name_equal(ix[first - 1].name, b.name)
		                                        : strcmp(ix[first - 1].id, b.id) == 0))
			first--;
		const ynode_t *fn = w->vals[s][ix[first].idx * sec->n_opts + (size_t)id_opt];
		const ynode_t *bn = w->vals[s][b.idx * sec->n_opts + (size_t)id_opt];
		char qbuf[100];
		if (s == CS_ZONE)
			cw_err(w, bn, CONF_ERROR, "duplicate zone %s (first at line %u)", Q(bn),
			       fn->line);
		else
			cw_err(w, bn, CONF_ERROR, "duplicate %s id %s (first at line %u)",
			       sec->name, Q(bn), fn->line);
	}
	*count = n;
	return ix;
}

static void check_keys(cw_t *w)
{
	int id_opt = opt_index(CS_KEY, "id");
	for (size_t i = 0; i < w->c->key.n; i++) {
		conf_key_t *k = &w->c->key.v[i];
		size_t nl;
		char qbuf[100];
		if (k->id == NULL)
			continue;
		if (name_from_text(k->id, strlen(k->id), (const uint8_t *)"", k->name, &nl) != 0) {
			const ynode_t *v =
			    w->vals[CS_KEY][i * conf_sections[CS_KEY].n_opts + (size_t)id_opt];
			cw_err(w, v, CONF_ERROR, "id: %s is not a valid DNS name (a TSIG key name)",
			       Q(v));
			k->id = NULL;
		}
	}
}

static void resolve_refs(cw_t *w, idx_t **ix, const size_t *nix)
{
	for (size_t r = 0; r < w->n_refs; r++) {
		const pending_ref_t *p = &w->refs[r];
		const conf_section_t *sec = &conf_sections[p->target];
		idx_t want = {p->node->text, NULL, 0};
		uint8_t name[NAME_MAXLEN];
		size_t nl;
		const idx_t *hit = NULL;
		char qbuf[100];
		if (p->target == CS_KEY) {
			if (name_from_text(p->node->text, p->node->len, (const uint8_t *)"", name,
			                   &nl) == 0)
				want.name = name, want.id = NULL;
			else
				goto unknown;
		}
		/* the first of equal ids: idx 0 sorts before any */
		size_t lo = 0, hi = nix[p->target];
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const idx_t *m = &ix[p->target][mid];
			int c =
			    want.name ? name_compare(m->name, want.name) : strcmp(m->id, want.id);
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < nix[p->target]) {
			const idx_t *m = &ix[p->target][lo];
			if (want.name ? name_equal(m->name, want.name)
			              : strcmp(m->id, want.id) == 0)
				hit = m;
		}
		if (hit != NULL) {
			vec_t vec;
			memcpy(&vec, (char *)w->c + sec->off, sizeof vec);
			*p->slot = (char *)vec.v + hit->idx * sec->size;
			continue;
		}
	unknown:
		cw_err(w, p->node, CONF_ERROR, "unknown %s %s", sec->name, Q(p->node));
	}
}

static void finish_zones(cw_t *w)
{
	const conf_section_t *sec = &conf_sections[CS_ZONE];
	int role_opt = opt_index(CS_ZONE, "role");
	const char *storage = w->c->server.storage;
	for (size_t i = 0; i < w->c->zone.n && !w->oom; i++) {
		conf_zone_t *z = &w->c->zone.v[i];
		z->server = &w->c->server;
		if (z->file == NULL) {
			char text[NAME_TEXT_MAXLEN + 8];
			int len = name_to_text(z->domain, text, sizeof text);
			if (len <= 1) {
				strcpy(text, "root.zone");
			} else {
				for (int k = 0; k < len; k++)
					if (text[k] >= 'A' && text[k] <= 'Z')
						text[k] = (char)(text[k] - 'A' + 'a');
				strcpy(text + len, "zone"); /* "example.com." + "zone" */
			}
			z->file = cw_strdup(w, text, strlen(text));
		}
		if (z->file != NULL) {
			if (w->quick || z->file[0] == '/' || storage == NULL) {
				z->path = z->file;
			} else {
				size_t sl = strlen(storage), fl = strlen(z->file);
				char *p = arena_alloc(&w->c->arena, sl + fl + 2);
				if (p == NULL) {
					w->oom = 1;
					return;
				}
				memcpy(p, storage, sl);
				size_t o = sl;
				if (sl > 0 && storage[sl - 1] != '/')
					p[o++] = '/';
				memcpy(p + o, z->file, fl + 1);
				z->path = p;
			}
		}
		const ynode_t *role = w->vals[CS_ZONE][i * sec->n_opts + (size_t)role_opt];
		if (z->role == CONF_ROLE_SECONDARY && z->primaries.n == 0)
			cw_err(w, role ? role : w->item_node[CS_ZONE][i], CONF_ERROR,
			       "a secondary zone needs 'primaries'");
		static const char *const bounds[3] = {"refresh", "retry", "expire"};
		const unsigned lo[3] = {z->refresh_min, z->retry_min, z->expire_min};
		const unsigned hi[3] = {z->refresh_max, z->retry_max, z->expire_max};
		for (int b = 0; b < 3; b++) {
			if (lo[b] == 0 || hi[b] == 0 || lo[b] <= hi[b])
				continue; /* 0: the value was wrong, and said so */
			char name[32];
			snprintf(name, sizeof(name), "%s-min-interval", bounds[b]);
			const ynode_t *at = w->vals[CS_ZONE][i * sec->n_opts + (size_t)opt_index(CS_ZONE, name)];
			cw_err(w, at ? at : w->item_node[CS_ZONE][i], CONF_ERROR,
			       "%s: %u is above %s-max-interval %u", name, lo[b], bounds[b], hi[b]);
		}
	}
}

static void finish_server(cw_t *w)
{
	conf_server_t *s = &w->c->server;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned def = cpus < 1 ? 1 : cpus > 256 ? 256 : (unsigned)cpus;
	if (w->vals[CS_SERVER] == NULL)
		return;
	if (w->vals[CS_SERVER][opt_index(CS_SERVER, "udp-workers")] == NULL)
		s->udp_workers = def;
	if (w->vals[CS_SERVER][opt_index(CS_SERVER, "tcp-workers")] == NULL)
		s->tcp_workers = def;
	s->has_metrics = w->vals[CS_SERVER][opt_index(CS_SERVER, "metrics")] != NULL;
}

/* ---- the walk ---- */

static int walk_root(cw_t *w, const ynode_t *root)
{
	const ynode_t *keys[CS__COUNT] = {0};
	char qbuf[100];
	if (root != NULL && !is_null(root) && root->kind != YN_MAP) {
		cw_err(w, root, CONF_ERROR,
		       "the configuration must be a mapping of sections, not %s", kind_name(root));
		root = NULL;
	}
	if (root != NULL && root->kind == YN_MAP) {
		for (const ynode_t *k = root->first; k != NULL && k->next != NULL && !w->oom;
		     k = k->next->next) {
			int s;
			if (k->kind != YN_SCALAR) {
				cw_err(w, k, CONF_ERROR, "a key must be a plain name, not %s",
				       kind_name(k));
				continue;
			}
			for (s = 0; s < CS__COUNT; s++)
				if (strlen(conf_sections[s].name) == k->len &&
				    memcmp(conf_sections[s].name, k->text, k->len) == 0)
					break;
			if (s == CS__COUNT) {
				cw_err(w, k, CONF_ERROR, "unknown section %s", Q(k));
				continue;
			}
			if (keys[s] != NULL) {
				cw_err(w, k, CONF_ERROR, "duplicate key '%s' (first at line %u)",
				       conf_sections[s].name, keys[s]->line);
				continue;
			}
			keys[s] = k;
			walk_section(w, (conf_section_id_t)s, k->next);
		}
	}
	if (keys[CS_SERVER] == NULL && !w->oom) {
		static const ynode_t empty = {.kind = YN_MAP};
		walk_section(w, CS_SERVER, &empty);
	}
	if (w->oom)
		return -ENOMEM;
	finish_server(w);
	check_keys(w);
	idx_t *ix[CS__COUNT] = {0};
	size_t nix[CS__COUNT] = {0};
	for (int s = CS_KEY; s < CS__COUNT; s++)
		ix[s] = build_index(w, (conf_section_id_t)s, &nix[s]);
	if (w->oom)
		return -ENOMEM;
	resolve_refs(w, ix, nix);
	finish_zones(w);
	return w->oom ? -ENOMEM : 0;
}

static conf_t *conf_new(const char *source)
{
	conf_t *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	arena_init(&c->arena, 16384);
	size_t n = strlen(source) + 1;
	char *s = arena_alloc(&c->arena, n);
	if (s == NULL) {
		arena_free(&c->arena);
		free(c);
		return NULL;
	}
	memcpy(s, source, n);
	c->source = s;
	return c;
}

void conf_free(conf_t *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->key.n; i++)
		if (c->key.v[i].secret != NULL)
			explicit_bzero(c->key.v[i].secret, c->key.v[i].secret_len);
	arena_free(&c->arena);
	free(c);
}

/* Walks root (or parses data when root is NULL) into a new conf_t. */
static int conf_build(cw_t *w, const char *data, size_t len, const ynode_t *root, conf_t **out)
{
	int rc = 0;
	*out = NULL;
	w->c = conf_new(w->file);
	if (w->c == NULL) {
		arena_free(&w->tmp);
		return -ENOMEM;
	}
	if (root == NULL && data != NULL) {
		ynode_t *r = NULL;
		rc = ytree_parse(&w->tmp, data, len, &r, ytree_err, w);
		root = r;
		if (rc == ERR_SYNTAX && root == NULL)
			goto done; /* libyaml gave up: the tree is incomplete */
	}
	if (rc != -ENOMEM) {
		int wrc = walk_root(w, root);
		if (wrc != 0)
			rc = wrc;
	}
done:
	free(w->refs);
	arena_free(&w->tmp);
	if (rc == 0 && w->errors > 0)
		rc = ERR_SYNTAX;
	if (rc != 0) {
		conf_free(w->c);
		return rc;
	}
	*out = w->c;
	return 0;
}

int conf_load_buffer(const char *name, const char *data, size_t len, conf_t **out,
                     conf_report_t report, void *ctx)
{
	cw_t w = {.file = name, .report = report, .ctx = ctx};
	arena_init(&w.tmp, 65536);
	return conf_build(&w, data, len, NULL, out);
}

int conf_load(const char *path, conf_t **out, conf_report_t report, void *ctx)
{
	char msg[300];
	*out = NULL;
	FILE *f = fopen(path, "rb");
	int rc = 0;
	char *buf = NULL;
	size_t len = 0;
	if (f == NULL) {
		rc = -errno;
	} else {
		struct stat st;
		if (fstat(fileno(f), &st) != 0) {
			rc = -errno;
		} else if (st.st_size > (off_t)CONF_MAX_FILE) {
			rc = -EFBIG;
		} else if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
			rc = -ENOMEM;
		} else {
			len = fread(buf, 1, (size_t)st.st_size, f);
			if (ferror(f))
				rc = -EIO;
		}
		fclose(f);
	}
	if (rc != 0) {
		snprintf(msg, sizeof msg, "cannot read the configuration: %s", err_str(rc));
		if (report != NULL)
			report(ctx, path, 0, 0, CONF_ERROR, msg);
		free(buf);
		return rc;
	}
	rc = conf_load_buffer(path, buf, len, out, report, ctx);
	explicit_bzero(buf, len); /* it holds the key secrets */
	free(buf);
	return rc;
}

/* ---- quick mode ---- */

static ynode_t *qs(cw_t *w, const char *s)
{
	ynode_t *n = ynode_scalar(&w->tmp, s, strlen(s));
	if (n == NULL)
		w->oom = 1;
	return n;
}

static void qput(cw_t *w, ynode_t *map, const char *key, ynode_t *v)
{
	ynode_t *k = qs(w, key);
	if (k == NULL || v == NULL || map == NULL)
		return;
	ynode_append(map, k);
	ynode_append(map, v);
}

static ynode_t *qnew(cw_t *w, ynode_kind_t kind)
{
	ynode_t *n = ynode_new(&w->tmp, kind);
	if (n == NULL)
		w->oom = 1;
	return n;
}

int conf_from_quick(const conf_quick_t *q, conf_t **out, conf_report_t report, void *ctx)
{
	cw_t w = {.file = CONF_QUICK_FILE, .report = report, .ctx = ctx, .quick = true};
	arena_init(&w.tmp, 16384);
	ynode_t *root = qnew(&w, YN_MAP), *server = qnew(&w, YN_MAP);
	qput(&w, root, "server", server);
	if (q->n_listen > 0) {
		ynode_t *l = qnew(&w, YN_SEQ);
		for (size_t i = 0; i < q->n_listen && l != NULL; i++) {
			ynode_t *s = qs(&w, q->listen[i]);
			if (s != NULL)
				ynode_append(l, s);
		}
		qput(&w, server, "listen", l);
	}
	if (q->udp_workers > 0) {
		char num[24];
		snprintf(num, sizeof num, "%u", q->udp_workers);
		qput(&w, server, "udp-workers", qs(&w, num));
	}
	if (q->identity != NULL)
		qput(&w, server, "identity", qs(&w, q->identity));
	if (q->control != NULL)
		qput(&w, server, "control", qs(&w, q->control));
	if (q->n_allow_transfer > 0) {
		ynode_t *acls = qnew(&w, YN_SEQ), *acl = qnew(&w, YN_MAP), *a = qnew(&w, YN_SEQ);
		qput(&w, root, "acl", acls);
		if (acls != NULL && acl != NULL)
			ynode_append(acls, acl);
		qput(&w, acl, "id", qs(&w, "allow-transfer"));
		for (size_t i = 0; i < q->n_allow_transfer && a != NULL; i++) {
			ynode_t *s = qs(&w, q->allow_transfer[i]);
			if (s != NULL)
				ynode_append(a, s);
		}
		qput(&w, acl, "address", a);
		qput(&w, acl, "action", qs(&w, "transfer"));
	}
	if (q->n_zone > 0) {
		ynode_t *zones = qnew(&w, YN_SEQ);
		qput(&w, root, "zone", zones);
		for (size_t i = 0; i < q->n_zone && zones != NULL; i++) {
			const char *eq = strchr(q->zone[i], '=');
			if (eq == NULL || eq == q->zone[i] || eq[1] == 0) {
				cw_err(&w, NULL, CONF_ERROR, "--zone '%s': expected NAME=FILE",
				       q->zone[i]);
				continue;
			}
			ynode_t *z = qnew(&w, YN_MAP);
			ynode_t *d = ynode_scalar(&w.tmp, q->zone[i], (size_t)(eq - q->zone[i]));
			if (z == NULL || d == NULL) {
				w.oom = 1;
				break;
			}
			ynode_append(zones, z);
			qput(&w, z, "domain", d);
			qput(&w, z, "file", qs(&w, eq + 1));
			if (q->n_allow_transfer > 0)
				qput(&w, z, "acl", qs(&w, "allow-transfer"));
		}
	}
	if (w.oom) {
		arena_free(&w.tmp);
		return -ENOMEM;
	}
	return conf_build(&w, NULL, 0, root, out);
}
