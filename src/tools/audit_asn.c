/*
 * The offline prefix -> ASN table of `nsfleet audit --asn-table FILE`.
 *
 * Format (doc/nsfleet-audit.md): one mapping per line,
 *
 *     PREFIX/LEN  ASN        # comment
 *     192.0.2.0/24 64500
 *     2001:db8::/32 AS64501
 *
 * fields separated by spaces or tabs, '#' starts a comment, blank lines
 * are ignored.  The ASN is 1..4294967295 with an optional "AS" prefix; the
 * prefix must have no bits set past LEN.  This is untrusted input (a file
 * the user downloaded), so it has a libFuzzer target (fuzz_asntable.c);
 * every error names file:line:column.
 *
 * This file depends on libc only, so the fuzz target can build it alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/err.h"
#include "tools/audit.h"

static int fail(char *err, size_t cap, const char *file, size_t line, size_t col, const char *what,
                const char *tok, size_t toklen)
{
	if (toklen > 40)
		toklen = 40;
	if (tok)
		snprintf(err, cap, "%s:%zu:%zu: %s '%.*s'", file, line, col, what, (int)toklen,
		         tok);
	else
		snprintf(err, cap, "%s:%zu:%zu: %s", file, line, col, what);
	return ERR_SYNTAX;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int push(audit_asn_table_t *t, const audit_asn_entry_t *e)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof(*t->v))
			return -ENOMEM;
		audit_asn_entry_t *v = realloc(t->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = *e;
	return 0;
}

/* Parses one decimal number of at most max from s[0..len). */
static bool number(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	if (len == 0 || len > 10)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static int parse_line(const char *s, size_t len, const char *file, size_t line,
                      audit_asn_table_t *t, char *err, size_t cap)
{
	size_t i = 0;
	while (i < len && is_space(s[i]))
		i++;
	if (i == len || s[i] == '#')
		return 0;
	/* the prefix */
	size_t p0 = i;
	while (i < len && !is_space(s[i]) && s[i] != '#')
		i++;
	const char *ptok = s + p0;
	size_t plen = i - p0;
	const char *slash = memchr(ptok, '/', plen);
	if (slash == NULL)
		return fail(err, cap, file, line, p0 + 1, "prefix without /LEN", ptok, plen);
	size_t alen = (size_t)(slash - ptok);
	char abuf[INET6_ADDRSTRLEN + 1];
	audit_asn_entry_t e;
	memset(&e, 0, sizeof(e));
	if (alen == 0 || alen >= sizeof(abuf))
		return fail(err, cap, file, line, p0 + 1, "bad address", ptok, alen);
	memcpy(abuf, ptok, alen);
	abuf[alen] = 0;
	unsigned maxbits;
	if (inet_pton(AF_INET, abuf, e.prefix) == 1) {
		e.family = AF_INET;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, abuf, e.prefix) == 1) {
		e.family = AF_INET6;
		maxbits = 128;
	} else {
		return fail(err, cap, file, line, p0 + 1, "bad address", ptok, alen);
	}
	uint64_t bits;
	size_t blen = plen - alen - 1;
	if (!number(slash + 1, blen, maxbits, &bits))
		return fail(err, cap, file, line, p0 + alen + 2,
		            e.family == AF_INET ? "bad prefix length (0..32)"
		                                : "bad prefix length (0..128)",
		            slash + 1, blen);
	e.bits = (uint8_t)bits;
	for (unsigned b = (unsigned)bits; b < maxbits; b++)
		if (e.prefix[b / 8] & (0x80 >> (b % 8)))
			return fail(err, cap, file, line, p0 + 1, "bits set past the prefix length",
			            ptok, plen);
	/* the ASN */
	while (i < len && is_space(s[i]))
		i++;
	if (i == len || s[i] == '#')
		return fail(err, cap, file, line, i + 1, "missing ASN after the prefix", NULL, 0);
	size_t a0 = i;
	while (i < len && !is_space(s[i]) && s[i] != '#')
		i++;
	const char *atok = s + a0;
	size_t atlen = i - a0;
	const char *num = atok;
	size_t nlen = atlen;
	if (nlen >= 2 && (num[0] == 'A' || num[0] == 'a') && (num[1] == 'S' || num[1] == 's'))
		num += 2, nlen -= 2;
	uint64_t asn;
	if (!number(num, nlen, UINT32_MAX, &asn) || asn == 0)
		return fail(err, cap, file, line, a0 + 1, "bad ASN (1..4294967295)", atok, atlen);
	e.asn = (uint32_t)asn;
	while (i < len && is_space(s[i]))
		i++;
	if (i < len && s[i] != '#')
		return fail(err, cap, file, line, i + 1, "trailing text", s + i, len - i);
	int rc = push(t, &e);
	if (rc)
		snprintf(err, cap, "%s:%zu:1: out of memory", file, line);
	return rc;
}

int audit_asn_parse(const char *text, size_t len, const char *file, audit_asn_table_t *t, char *err,
                    size_t cap)
{
	size_t line = 1, pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (memchr(text + pos, '\0', end - pos))
			return fail(err, cap, file, line, 1, "NUL byte in the line", NULL, 0);
		int rc = parse_line(text + pos, end - pos, file, line, t, err, cap);
		if (rc)
			return rc;
		pos = end + 1;
		line++;
	}
	return 0;
}

static bool covers(const audit_asn_entry_t *e, int family, const uint8_t *addr)
{
	if (e->family != family)
		return false;
	unsigned full = e->bits / 8, rest = e->bits % 8;
	if (memcmp(e->prefix, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (e->prefix[full] & mask) == (addr[full] & mask);
}

uint32_t audit_asn_lookup(const audit_asn_table_t *t, int family, const uint8_t *addr)
{
	const audit_asn_entry_t *best = NULL;
	for (size_t i = 0; i < t->n; i++)
		if (covers(&t->v[i], family, addr) && (best == NULL || t->v[i].bits > best->bits))
			best = &t->v[i];
	return best ? best->asn : 0;
}

void audit_asn_free(audit_asn_table_t *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
