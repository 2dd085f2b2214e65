/*
 * Internals of the zone-file scanner shared by zscan.c (files, directives,
 * records, TTL rules), zscan_lex.c (the lexer) and zscan_gen.c ($GENERATE).
 * Not a public header: nothing outside src/dns/zscan*.c includes it.
 */
#ifndef NSF_DNS_ZSCAN_INT_H
#define NSF_DNS_ZSCAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/arena.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/zscan.h"

/* One file (or the caller's buffer) on the $INCLUDE stack.  The origin and
 * the previous owner are per source: RFC 1035 §5.1 says an $INCLUDE never
 * changes the origin of the parent file, and (as in BIND) an included file
 * starts with the parent's previous owner but does not change it. */
typedef struct zscan_src {
	const char *name;                /* for messages; lives in zscan_t.names */
	const unsigned char *p, *end;    /* unread input */
	const unsigned char *line_start; /* first byte of the current line */
	unsigned line;                   /* 1-based */
	unsigned depth;                  /* 0 for the top file */
	struct zscan_src *parent;
	dev_t dev; /* identity for include-loop detection */
	ino_t ino;
	bool has_id;
	bool have_origin;
	uint8_t origin[NAME_MAXLEN];
	bool have_owner; /* owner holds the previous owner */
	bool owner_bad;  /* the last explicit owner was an error */
	uint8_t owner[NAME_MAXLEN];
	size_t owner_len;
	/* Owner cache: raw text of the token that produced owner[] under the
	 * current origin (NULL = none).  Points into this source's buffer. */
	const char *owner_txt;
	uint32_t owner_txt_len;
} zscan_src_t;

typedef struct {
	const zscan_opts_t *o;
	unsigned max_errors, max_depth;
	uint64_t max_gen;
	uint16_t rclass;
	unsigned errors;
	bool stop;        /* too many errors, or rr returned non-zero */
	int rc;           /* what rr returned */
	rdata_tok_t *tok; /* tok_cap entries, grown up to ZSCAN_MAX_TOKENS */
	size_t ntok, tok_cap;
	bool blank;                 /* the entry's line starts with a blank */
	unsigned end_line, end_col; /* just after the entry's last token */
	uint8_t *rd;                /* RDATA_MAXLEN output buffer, reused */
	char *gen;                  /* $GENERATE expansion buffer, lazily made */
	bool have_default_ttl;      /* $TTL (or the SOA MINIMUM fallback) */
	uint32_t default_ttl;
	bool have_last_ttl; /* RFC 1035 §5.1: the last explicit TTL */
	uint32_t last_ttl;
	bool warned_last_ttl;
	arena_t names; /* file names, until the scan returns */
	const unsigned char *base; /* start of the top input (for marks) */
	size_t next_mark;          /* index of the next mark to meet */
} zscan_t;

/* The fields between the owner and the rdata. */
typedef struct {
	uint32_t ttl;
	bool have_ttl;
	uint16_t rclass;
	uint16_t type;
} zscan_head_t;

/* Reports an error (counted; stops the scan at max_errors) or a warning. */
__attribute__((format(printf, 5, 6))) void
zscan_err(zscan_t *z, const zscan_src_t *s, unsigned line, unsigned col, const char *fmt, ...);
__attribute__((format(printf, 5, 6))) void
zscan_warn(zscan_t *z, const zscan_src_t *s, unsigned line, unsigned col, const char *fmt, ...);

/* Copies at most 60 bytes of s for a message, control bytes as '?',
 * "..." when cut.  buf has ZSCAN_SHOW_LEN bytes. */
#define ZSCAN_SHOW_LEN 72
const char *zscan_show(char *buf, const char *s, size_t len);

/*
 * Reads the next entry (a record or a directive: one line, or several
 * joined by parentheses) from s into z->tok[0..z->ntok).  Returns 1 with
 * the tokens (ntok 0 for a blank or comment line), 0 at the end of the
 * input, or -1 after reporting an error and skipping the entry.
 */
int zscan_lex(zscan_t *z, zscan_src_t *s);

/* Makes room for want (<= ZSCAN_MAX_TOKENS) tokens; z->tok may move.
 * 0 or -ENOMEM (then the scan stops). */
int zscan_tok_reserve(zscan_t *z, size_t want);

/* Length of the valid UTF-8 sequence at p (1..4), 0 when invalid. */
int zscan_utf8_len(const unsigned char *p, const unsigned char *end);

/* Parses a TTL: decimal seconds or BIND units ("1w2d3h4m5s", any case).
 * 0, ERR_BAD_TTL or ERR_RANGE (above ZSCAN_TTL_MAX). */
int zscan_ttl_parse(const char *s, size_t len, uint32_t *ttl);

/* TTL and class in either order, then the type, from t[*i]; *i is left at
 * the first rdata token.  Reports its own errors; 0 or -1. */
int zscan_head(zscan_t *z, const zscan_src_t *s, const rdata_tok_t *t, size_t n, size_t *i,
               zscan_head_t *h);

/* Parses a name relative to s's origin; reports "WHAT: problem". 0 or -1. */
int zscan_name(zscan_t *z, const zscan_src_t *s, const rdata_tok_t *t, const char *what,
               uint8_t *out, size_t *outlen);

/* Parses rdata, applies the TTL rules and hands the record to opts->rr.
 * 0, or -1 after reporting an error (or when the scan stops). */
int zscan_emit(zscan_t *z, const zscan_src_t *s, const zscan_head_t *h, const uint8_t *owner,
               size_t owner_len, const rdata_tok_t *rt, size_t nrt, unsigned line, unsigned col);

/* $GENERATE (zscan_gen.c), with the entry's tokens in z->tok. */
void zscan_generate(zscan_t *z, zscan_src_t *s);

#endif
