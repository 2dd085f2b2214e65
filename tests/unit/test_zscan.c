/* Unit tests of the zone-file scanner (src/dns/zscan*.c): every directive,
 * $INCLUDE and $GENERATE corner cases, the TTL rules, names at their
 * limits, and each error message at its exact line and column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/err.h"
#include "dns/name.h"
#include "dns/zscan.h"

static const uint8_t ORIGIN[] = "\7example\3com";

/* What a scan reported: one line per record, "owner ttl class type hex",
 * and one per problem, "file:line:col: error|warning|note: msg" (file is the
 * base name). */
typedef struct {
	char *rrs;
	size_t rlen, rcap;
	char errs[1 << 15];
	size_t elen;
	int nrr, nerr, nwarn, nnote;
	int stop_after; /* rr returns 77 after this many records (0 = never) */
} cap_t;

static int on_rr(void *ctx, const zscan_rr_t *rr)
{
	cap_t *c = ctx;
	char owner[NAME_TEXT_MAXLEN];
	assert_true(name_to_text(rr->owner, owner, sizeof(owner)) > 0);
	assert_int_equal(name_check(rr->owner, rr->owner_len), (int)rr->owner_len);
	size_t need = strlen(owner) + 64 + 2 * rr->rdlen;
	if (c->rlen + need >= c->rcap) {
		c->rcap = (c->rlen + need) * 2;
		c->rrs = realloc(c->rrs, c->rcap);
		assert_non_null(c->rrs);
	}
	c->rlen +=
	    (size_t)sprintf(c->rrs + c->rlen, "%s %u %u %u ", owner, rr->ttl, rr->rclass, rr->type);
	for (size_t i = 0; i < rr->rdlen; i++)
		c->rlen += (size_t)sprintf(c->rrs + c->rlen, "%02x", rr->rdata[i]);
	c->rrs[c->rlen++] = '\n';
	c->rrs[c->rlen] = 0;
	c->nrr++;
	if (c->stop_after && c->nrr >= c->stop_after)
		return 77;
	return 0;
}

static void on_err(void *ctx, const char *file, unsigned line, unsigned col, zscan_sev_t sev,
                   const char *msg)
{
	cap_t *c = ctx;
	const char *b = strrchr(file, '/');
	b = b ? b + 1 : file;
	int n = snprintf(c->errs + c->elen, sizeof(c->errs) - c->elen, "%s:%u:%u: %s: %s\n", b,
	                 line, col,
	                 sev == ZSCAN_ERROR     ? "error"
	                 : sev == ZSCAN_WARNING ? "warning"
	                                        : "note",
	                 msg);
	if (n > 0 && c->elen + (size_t)n < sizeof(c->errs))
		c->elen += (size_t)n;
	if (sev == ZSCAN_ERROR)
		c->nerr++;
	else if (sev == ZSCAN_WARNING)
		c->nwarn++;
	else
		c->nnote++;
}

static void cap_init(cap_t *c)
{
	memset(c, 0, sizeof(*c));
	c->rcap = 4096;
	c->rrs = calloc(1, c->rcap);
	assert_non_null(c->rrs);
}

static zscan_opts_t opts_for(cap_t *c)
{
	zscan_opts_t o = {.origin = ORIGIN, .rr = on_rr, .error = on_err, .ctx = c};
	return o;
}

static int scan_n(const char *text, size_t len, cap_t *c, const zscan_opts_t *o)
{
	assert_ptr_equal(o->ctx, c);
	return zscan_buffer("t.zone", text, len, o);
}

static int scan(const char *text, cap_t *c)
{
	zscan_opts_t o = opts_for(c);
	return scan_n(text, strlen(text), c, &o);
}

/* ---- records that must scan to exactly these RRs, without errors ------- */

static const struct {
	const char *in, *want;
} good[] = {
    /* plain, @, relative and absolute owners */
    {"a 300 A 192.0.2.1\n", "a.example.com. 300 1 1 c0000201\n"},
    {"@ 300 A 192.0.2.1", "example.com. 300 1 1 c0000201\n"},
    {"x.y.org. 300 A 192.0.2.1\n", "x.y.org. 300 1 1 c0000201\n"},
    /* an owner spelled like a type or class is an owner at line start */
    {"A 300 A 192.0.2.1\n", "A.example.com. 300 1 1 c0000201\n"},
    {"IN 300 IN A 192.0.2.1\n", "IN.example.com. 300 1 1 c0000201\n"},
    /* blank owner = previous owner, also across comment lines */
    {"a 300 A 192.0.2.1\n; c\n\t300 A 192.0.2.2\n",
     "a.example.com. 300 1 1 c0000201\na.example.com. 300 1 1 c0000202\n"},
    /* TTL and class in either order (RFC 1035 §5.1), CLASSnnn */
    {"a IN 300 A 192.0.2.1\n", "a.example.com. 300 1 1 c0000201\n"},
    {"a 300 IN A 192.0.2.1\n", "a.example.com. 300 1 1 c0000201\n"},
    {"a 300 in a 192.0.2.1\n", "a.example.com. 300 1 1 c0000201\n"},
    {"a 300 CLASS1 A 192.0.2.1\n", "a.example.com. 300 1 1 c0000201\n"},
    /* TTL units, any case; the largest TTL */
    {"a 1h30m A 192.0.2.1\n", "a.example.com. 5400 1 1 c0000201\n"},
    {"a 2w A 192.0.2.1\n", "a.example.com. 1209600 1 1 c0000201\n"},
    {"a 1W2D A 192.0.2.1\n", "a.example.com. 777600 1 1 c0000201\n"},
    {"a 1s1m1h1d1w A 192.0.2.1\n", "a.example.com. 694861 1 1 c0000201\n"},
    {"a 0 A 192.0.2.1\n", "a.example.com. 0 1 1 c0000201\n"},
    {"a 2147483647 A 192.0.2.1\n", "a.example.com. 2147483647 1 1 c0000201\n"},
    {"a 00000000000000000000300 A 192.0.2.1\n", "a.example.com. 300 1 1 c0000201\n"},
    /* parentheses over lines, comments inside them, CR LF */
    {"a 300 MX ( 10 ; pref (\n  mx ; target )\n )\n",
     "a.example.com. 300 1 15 000a026d78076578616d706c6503636f6d00\n"},
    {"a 300 A 192.0.2.1\r\nb 300 A 192.0.2.2\r\n",
     "a.example.com. 300 1 1 c0000201\nb.example.com. 300 1 1 c0000202\n"},
    {"a(300 A 192.0.2.1)\n", "a.example.com. 300 1 1 c0000201\n"},
    /* quoted strings with blanks, ";" and parentheses; escapes kept raw */
    {"a 300 TXT \"x ;(y)\"\n", "a.example.com. 300 1 16 0678203b287929\n"},
    {"a 300 TXT \"q\\\"x\" \\040\n", "a.example.com. 300 1 16 037122780128\n"},
    {"a\\.b 300 A 192.0.2.1\n", "a\\.b.example.com. 300 1 1 c0000201\n"},
    {"a 300 TXT \"\"\n", "a.example.com. 300 1 16 00\n"},
    /* valid UTF-8 is taken as raw octets */
    {"caf\xc3\xa9 300 TXT \"\xe2\x82\xac\"\n", "caf\\195\\169.example.com. 300 1 16 03e282ac\n"},
    /* RFC 3597 unknown type and generic rdata */
    {"a 300 TYPE65534 \\# 3 abcdef\n", "a.example.com. 300 1 65534 abcdef\n"},
    {"a 300 TYPE1 \\# 4 c0000201\n", "a.example.com. 300 1 1 c0000201\n"},
    /* $ORIGIN relative to the current origin, and absolute */
    {"$ORIGIN sub\na 300 A 192.0.2.1\n$ORIGIN x.org.\n@ 300 A 192.0.2.2\n",
     "a.sub.example.com. 300 1 1 c0000201\nx.org. 300 1 1 c0000202\n"},
    /* the owner cache must not survive an origin change */
    {"a 300 A 192.0.2.1\n$ORIGIN x.org.\na 300 A 192.0.2.2\n",
     "a.example.com. 300 1 1 c0000201\na.x.org. 300 1 1 c0000202\n"},
    /* $TTL with units; blank and comment-only lines */
    {"\n   \n; only a comment\n$TTL 1h\na A 192.0.2.1\n", "a.example.com. 3600 1 1 c0000201\n"},
    {"$ttl 60\na A 192.0.2.1\n", "a.example.com. 60 1 1 c0000201\n"},
    /* a UTF-8 byte-order mark at the start is skipped */
    {"\xef\xbb\xbf"
     "a 300 A 192.0.2.1\n",
     "a.example.com. 300 1 1 c0000201\n"},
    /* no final newline */
    {"a 300 A 192.0.2.1", "a.example.com. 300 1 1 c0000201\n"},
    /* $GENERATE, checked against BIND 9 named-checkzone */
    {"$GENERATE 1-3 host$ 300 A 10.0.0.$\n",
     "host1.example.com. 300 1 1 0a000001\nhost2.example.com. 300 1 1 0a000002\n"
     "host3.example.com. 300 1 1 0a000003\n"},
    {"$TTL 5\n$GENERATE 1-2 h${0,3,d} A 10.0.0.$\n",
     "h001.example.com. 5 1 1 0a000001\nh002.example.com. 5 1 1 0a000002\n"},
    {"$TTL 5\n$GENERATE 1-2 h${16,2,x} A 10.0.0.${-1}\n",
     "h11.example.com. 5 1 1 0a000000\nh12.example.com. 5 1 1 0a000001\n"},
    {"$TTL 5\n$GENERATE 254-255 h${0,0,X}-${0,4,o} A 10.0.0.1\n",
     "hFE-0376.example.com. 5 1 1 0a000001\n"
     "hFF-0377.example.com. 5 1 1 0a000001\n"},
    /* nibbles: BIND gives "1.0." for ${0,4,n} of 1 (the width counts the
     * dots) and "b" for ${1,0,n} of 10 */
    {"$TTL 5\n$GENERATE 1-2 ${0,4,n}rev PTR h$\n",
     "1.0.rev.example.com. 5 1 12 026831076578616d706c6503636f6d00\n"
     "2.0.rev.example.com. 5 1 12 026832076578616d706c6503636f6d00\n"},
    {"$TTL 5\n$GENERATE 10-10 ${1,0,N}.${0,3,n} TXT x\n", "B.a.0.example.com. 5 1 16 0178\n"},
    {"$TTL 5\n$GENERATE 0-10/5 s$ A 10.0.0.$\n",
     "s0.example.com. 5 1 1 0a000000\ns5.example.com. 5 1 1 0a000005\n"
     "s10.example.com. 5 1 1 0a00000a\n"},
    {"$TTL 5\n$GENERATE 7-7 d$ TXT a$$b\\$c\n", "d7.example.com. 5 1 16 056124622463\n"},
    {"$GENERATE 1-1 t$ IN 60 A 10.0.0.$\n", "t1.example.com. 60 1 1 0a000001\n"},
    {"$TTL 5\n$GENERATE 1-1 m$ MX \"10 mail$\"\n",
     "m1.example.com. 5 1 15 000a056d61696c31076578616d706c6503636f6d00\n"},
    {"$TTL 5\n$GENERATE 3-3 @ TXT \"x $\" y${1}\n", "example.com. 5 1 16 01780133027934\n"},
    /* names at their limits: a 63-octet label */
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa. 1 TXT x\n",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa. 1 1 16 0178\n"},
};

/* The SOA/TTL data is not in the table: it has fixed rdata fields. */

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cap_t c;
		cap_init(&c);
		int rc = scan(good[i].in, &c);
		if (rc != 0 || c.nerr != 0 || strcmp(c.rrs, good[i].want) != 0) {
			print_error("case %zu: %s\nrc %d\ngot:\n%s\nwant:\n%s\nerrors:\n%s\n", i,
			            good[i].in, rc, c.rrs, good[i].want, c.errs);
			fail();
		}
		free(c.rrs);
	}
}

/* A 255-octet name is fine, 256 is not; so for labels 63 and 64. */
static void test_name_limits(void **state)
{
	(void)state;
	char buf[1024];
	cap_t c;
	/* 3 labels of 63 and one of 61, absolute: 255 octets */
	size_t o = 0;
	for (int l = 0; l < 4; l++) {
		size_t ll = l == 3 ? 61 : 63;
		memset(buf + o, 'b', ll);
		o += ll;
		buf[o++] = '.';
	}
	strcpy(buf + o, " 1 TXT x\n");
	cap_init(&c);
	assert_int_equal(scan(buf, &c), 0);
	assert_int_equal(c.nrr, 1);
	free(c.rrs);
	/* one more octet: labels of 63, 63, 63, 62 = 256 octets */
	o = 0;
	for (int l = 0; l < 4; l++) {
		size_t ll = l == 3 ? 62 : 63;
		memset(buf + o, 'b', ll);
		o += ll;
		buf[o++] = '.';
	}
	strcpy(buf + o, " 1 TXT x\n");
	cap_init(&c);
	assert_int_equal(scan(buf, &c), ERR_SYNTAX);
	assert_int_equal(c.nrr, 0);
	assert_string_equal(c.errs,
	                    "t.zone:1:1: error: owner name: domain name longer than 255 octets\n");
	free(c.rrs);
	/* 64-octet label */
	memset(buf, 'a', 64);
	strcpy(buf + 64, " 1 TXT x\n");
	cap_init(&c);
	assert_int_equal(scan(buf, &c), ERR_SYNTAX);
	assert_string_equal(c.errs, "t.zone:1:1: error: owner name: label longer than 63 octets\n");
	free(c.rrs);
}

/* ---- errors: the first problem reported, at its line and column -------- */

static const struct {
	const char *in;
	unsigned line, col;
	const char *msg; /* substring of the message; "" for rdata messages */
} bad[] = {
    {"a 300 AX 192.0.2.1\n", 1, 7, "unknown RR type 'AX'"},
    {"a 1x A 192.0.2.1\n", 1, 3, "bad TTL '1x'"},
    {"a 1h30 A 192.0.2.1\n", 1, 3, "bad TTL '1h30'"},
    {"a 2147483648 A 192.0.2.1\n", 1, 3, "TTL exceeds 2147483647"},
    {"a 99999999999999999999999 A 192.0.2.1\n", 1, 3, "TTL exceeds 2147483647"},
    {"a 300 A ( 192.0.2.1\n", 1, 9, "unbalanced parenthesis"},
    {"a 300 A 192.0.2.1 )\n", 1, 19, "unbalanced parenthesis"},
    {"a 300 A (( 192.0.2.1 ))\n", 1, 10, "nested parenthesis"},
    {"a 300 TXT \"abc\nb 300 A 192.0.2.1\n", 1, 11, "unterminated quoted string"},
    {"a 300 TXT \"abc\\\n\"\n", 1, 11, "unterminated quoted string"},
    {"a 300 TXT abc\\\n", 1, 14, "backslash at end of line"},
    {"a 300 TXT abc\\\r\nb 1 A 1.1.1.1\r\n", 1, 14, "backslash at end of line"},
    {"a 300 TXT abc\\", 1, 14, "backslash at end of line"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1 A 192.0.2.1\n", 1, 1,
     "owner name: label longer than 63 octets"},
    {"a..b 1 A 192.0.2.1\n", 1, 1, "owner name: empty label"},
    {"$INCLUDE no-such.zone\n", 1, 10,
     "$INCLUDE: cannot open 'no-such.zone': No such file or directory"},
    {"$FOO bar\n", 1, 1, "unknown directive '$FOO'"},
    {"a 300 A 192.0\0.2.1\n", 1, 14, "NUL byte in file"},
    {"a 300 TXT \"x\0\"\n", 1, 13, "NUL byte in file"},
    {"a 300 A 1 ; x\0\n", 1, 14, "NUL byte in file"},
    {"a 300 TXT \"caf\xe9\"\n", 1, 15, "invalid UTF-8 byte 0xe9; write it as \\DDD"},
    {"caf\xe9 300 TXT x\n", 1, 4, "invalid UTF-8 byte 0xe9"},
    {"a 300 TXT x\xc0\x80\n", 1, 12, "invalid UTF-8 byte 0xc0"},         /* overlong */
    {"a 300 TXT x\xed\xa0\x80\n", 1, 12, "invalid UTF-8 byte 0xed"},     /* surrogate */
    {"a 300 TXT x\xf4\x90\x80\x80\n", 1, 12, "invalid UTF-8 byte 0xf4"}, /* > U+10FFFF */
    {"a 300 TXT x\xe2\x82\n", 1, 12, "invalid UTF-8 byte 0xe2"},         /* cut short */
    {"a 300 TXT \\\xff\n", 1, 12, "invalid UTF-8 byte 0xff"},
    {"a 300 CH A 192.0.2.1\n", 1, 7, "class mismatch"},
    {"a CLASS3 300 A 192.0.2.1\n", 1, 3, "class mismatch"},
    {"a 300 AXFR x\n", 1, 7, "meta-type"},
    {"a 300 TSIG x\n", 1, 7, "meta-type"},
    {"a 300 TYPE0 \\# 0\n", 1, 7, "RR type 'TYPE0' is reserved"},
    {" 300 A 192.0.2.1\n", 1, 1, "no previous owner name"},
    {"a A 192.0.2.1\n", 1, 1, "no TTL specified"},
    {"a 300\n", 1, 6, "missing RR type"},
    {"a 300 IN ; x\n", 1, 9, "missing RR type"},
    {"a 300 \"A\" 192.0.2.1\n", 1, 7, "unknown RR type 'A'"},
    {"a 300 A 192.0.2.999\n", 1, 9, ""},
    {"a 300 MX 10\n", 1, 12, ""},                 /* missing: end of record */
    {"a 300 MX ( 10\n ) ; x\n", 1, 14, ""},       /* end = after the last token */
    {"a 300 A 192.0.2.1 192.0.2.2\n", 1, 19, ""}, /* trailing token */
    {"$TTL 1x\n", 1, 6, "bad TTL '1x'"},
    {"$TTL\n", 1, 5, "$TTL: missing TTL"},
    {"$TTL 1 2\n", 1, 8, "$TTL: unexpected '2'"},
    {"$ORIGIN\n", 1, 8, "$ORIGIN: missing name"},
    {"$ORIGIN a..b.\n", 1, 9, "$ORIGIN: empty label"},
    {"$INCLUDE\n", 1, 9, "$INCLUDE: missing file name"},
    {"$INCLUDE a b c\n", 1, 14, "$INCLUDE: unexpected 'c'"},
    {"$GENERATE 1-1000000000 h$ 1 A 10.0.0.1\n", 1, 11,
     "$GENERATE: 1000000000 records exceed the limit of 1000000"},
    {"$GENERATE 1-3 h$ 1 A 10.0.0.${0,3,q}\n", 1, 29, "$GENERATE: bad modifier '${0,3,q'"},
    {"$GENERATE 1-3 h${0,3 1 A 10.0.0.1\n", 1, 16, "$GENERATE: bad modifier"},
    {"$GENERATE 1-3 h${0,256} 1 A 10.0.0.1\n", 1, 16, "$GENERATE: width 256 above 255"},
    {"$GENERATE 1-3 h${-5,0,x} 1 A 10.0.0.1\n", 1, 16, "$GENERATE: negative value -4"},
    {"$GENERATE 3-1 h$ 1 A 10.0.0.1\n", 1, 11, "start above stop"},
    {"$GENERATE 1-3/0 h$ 1 A 10.0.0.1\n", 1, 11, "step 0"},
    {"$GENERATE 1-x h$ 1 A 10.0.0.1\n", 1, 11, "$GENERATE: bad range '1-x'"},
    {"$GENERATE 1-3 h$ 1 A\n", 1, 21, "$GENERATE: missing rdata"},
    {"$GENERATE 1-3 h$ 1 A 10.0.0.${254}\n", 1, 22, ""}, /* 10.0.0.255, then 256 */
    {"$GENERATE 1-3 h$..x 1 A 10.0.0.1\n", 1, 15, "$GENERATE owner name: empty label"},
    /* errors on later lines and inside a multi-line record */
    {"\n\n; c\n  \nb 300 AX x\n", 5, 7, "unknown RR type 'AX'"},
    {"a 300 TXT (\n \"x\"\n  \"y\n )\n", 3, 3, "unterminated quoted string"},
    {"a 300 TXT (\n x\n", 1, 11, "unbalanced parenthesis"},
    {"a 300 AX 1\r\n", 1, 7, "unknown RR type 'AX'"},
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cap_t c;
		cap_init(&c);
		/* the inputs with a NUL byte are measured up to their "\n" */
		size_t len = strlen(bad[i].in);
		if (strstr(bad[i].msg, "NUL") != NULL)
			len += 1 + strlen(bad[i].in + len + 1);
		zscan_opts_t o = opts_for(&c);
		int rc = scan_n(bad[i].in, len, &c, &o);
		char want[128];
		snprintf(want, sizeof(want), "t.zone:%u:%u: error: ", bad[i].line, bad[i].col);
		if (rc != ERR_SYNTAX || strncmp(c.errs, want, strlen(want)) != 0 ||
		    strstr(c.errs, bad[i].msg) == NULL || c.nerr < 1) {
			print_error("case %zu: %s\nrc %d, want %s...%s, got:\n%s\n", i, bad[i].in,
			            rc, want, bad[i].msg, c.errs);
			fail();
		}
		free(c.rrs);
	}
}

/* ---- TTL defaults (BIND: explicit > $TTL > last explicit > SOA MINIMUM) - */

static void test_ttl_defaults(void **state)
{
	(void)state;
	cap_t c;
	/* $TTL wins over the last explicit TTL */
	cap_init(&c);
	assert_int_equal(scan("$TTL 100\na A 1.1.1.1\nb 200 A 1.1.1.1\nc A 1.1.1.1\n", &c), 0);
	assert_string_equal(c.rrs, "a.example.com. 100 1 1 01010101\n"
	                           "b.example.com. 200 1 1 01010101\n"
	                           "c.example.com. 100 1 1 01010101\n");
	assert_int_equal(c.nwarn, 0);
	free(c.rrs);
	/* without $TTL, the last explicit TTL (RFC 1035 §5.1), one warning */
	cap_init(&c);
	assert_int_equal(scan("@ 100 SOA ns host 1 2 3 4 300\na A 1.1.1.1\nb 200 A 1.1.1.1\n"
	                      "c A 1.1.1.1\n",
	                      &c),
	                 0);
	assert_string_equal(c.rrs,
	                    "example.com. 100 1 6 "
	                    "026e73076578616d706c6503636f6d0004686f7374076578616d706c6503636f"
	                    "6d00000000010000000200000003000000040000012c\n"
	                    "a.example.com. 100 1 1 01010101\n"
	                    "b.example.com. 200 1 1 01010101\n"
	                    "c.example.com. 200 1 1 01010101\n");
	assert_int_equal(c.nwarn, 1);
	assert_string_equal(c.errs, "t.zone:2:1: warning: no $TTL, using last TTL 100\n");
	free(c.rrs);
	/* SOA without any TTL: its MINIMUM, which then acts as $TTL */
	cap_init(&c);
	assert_int_equal(scan("@ SOA ns host 1 2 3 4 300\nb 5400 A 1.1.1.1\nc A 1.1.1.1\n", &c), 0);
	assert_non_null(strstr(c.rrs, "example.com. 300 1 6 "));
	assert_non_null(strstr(c.rrs, "b.example.com. 5400 1 1 01010101\n"
	                              "c.example.com. 300 1 1 01010101\n"));
	assert_string_equal(c.errs,
	                    "t.zone:1:1: warning: no TTL specified; using SOA MINIMUM 300\n");
	free(c.rrs);
	/* nothing at all */
	cap_init(&c);
	assert_int_equal(scan("a A 1.1.1.1\n@ SOA ns host 1 2 3 4 300\n", &c), ERR_SYNTAX);
	assert_string_equal(c.errs,
	                    "t.zone:1:1: error: no TTL specified\n"
	                    "t.zone:2:1: warning: no TTL specified; using SOA MINIMUM 300\n");
	free(c.rrs);
}

/* ---- going on after errors, max_errors, rr stopping the scan ----------- */

static void test_continue(void **state)
{
	(void)state;
	cap_t c;
	cap_init(&c);
	const char *in = "a 300 AX x\n"
	                 "b 300 A 1.1.1.1\n"
	                 "c 300 TXT (\n \"unterminated\n )\n"
	                 "d 300 A 1.1.1.2\n"
	                 "e 1x A 1.1.1.1\n"
	                 "bad\xff 300 A 1.1.1.1\n"
	                 "  300 A 1.1.1.9\n" /* owner of a bad owner line: dropped quietly */
	                 "f 300 A ( 1.1.1.3 )\n";
	assert_int_equal(scan(in, &c), ERR_SYNTAX);
	assert_string_equal(c.rrs, "b.example.com. 300 1 1 01010101\n"
	                           "d.example.com. 300 1 1 01010102\n"
	                           "f.example.com. 300 1 1 01010103\n");
	assert_string_equal(c.errs,
	                    "t.zone:1:7: error: unknown RR type 'AX'\n"
	                    "t.zone:4:2: error: unterminated quoted string\n"
	                    "t.zone:7:3: error: bad TTL '1x'\n"
	                    "t.zone:8:4: error: invalid UTF-8 byte 0xff; write it as \\DDD\n");
	free(c.rrs);

	/* max_errors: 3 errors then one more saying so, nothing after */
	cap_init(&c);
	zscan_opts_t o = opts_for(&c);
	o.max_errors = 3;
	const char *many =
	    "a 1 AX x\nb 1 AX x\nok 1 A 1.1.1.1\nc 1 AX x\nd 1 AX x\ne 1 A 1.1.1.1\n";
	assert_int_equal(scan_n(many, strlen(many), &c, &o), ERR_SYNTAX);
	assert_string_equal(c.errs, "t.zone:1:5: error: unknown RR type 'AX'\n"
	                            "t.zone:2:5: error: unknown RR type 'AX'\n"
	                            "t.zone:4:5: error: unknown RR type 'AX'\n"
	                            "t.zone:4:5: note: too many errors, stopping\n");
	assert_int_equal(c.nrr, 1);
	free(c.rrs);

	/* the default limit is 100 */
	char *big = malloc(200 * 10 + 1);
	assert_non_null(big);
	big[0] = 0;
	for (int i = 0; i < 200; i++)
		strcat(big, "a 1 AX x\n");
	cap_init(&c);
	assert_int_equal(scan(big, &c), ERR_SYNTAX);
	assert_int_equal(c.nerr, 100);
	assert_int_equal(c.nnote, 1);
	free(big);
	free(c.rrs);

	/* a non-zero return from rr stops the scan and is returned */
	cap_init(&c);
	c.stop_after = 2;
	assert_int_equal(scan("a 1 A 1.1.1.1\nb 1 A 1.1.1.1\nc 1 A 1.1.1.1\n", &c), 77);
	assert_int_equal(c.nrr, 2);
	free(c.rrs);
	cap_init(&c);
	c.stop_after = 2;
	assert_int_equal(scan("$GENERATE 1-100 a$ 1 A 1.1.1.1\n", &c), 77);
	assert_int_equal(c.nrr, 2);
	free(c.rrs);
}

/* ---- limits: long records, many tokens, $GENERATE count ---------------- */

static void test_limits(void **state)
{
	(void)state;
	cap_t c;
	/* a 16 MiB line: one error, no quadratic work, the next record read */
	size_t big = 16u << 20;
	char *in = malloc(big + 64);
	assert_non_null(in);
	strcpy(in, "a 1 TXT ");
	memset(in + 8, 'x', big);
	strcpy(in + 8 + big, "\nb 1 A 1.1.1.1\n");
	cap_init(&c);
	clock_t t0 = clock();
	assert_int_equal(scan(in, &c), ERR_SYNTAX);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
	assert_string_equal(c.errs, "t.zone:1:9: error: record longer than 1048576 bytes\n");
	assert_string_equal(c.rrs, "b.example.com. 1 1 1 01010101\n");
	free(c.rrs);
	/* the same as many short tokens, and as a never-closed parenthesis */
	for (size_t i = 8; i < 8 + big; i += 2)
		in[i + 1] = ' ';
	cap_init(&c);
	assert_int_equal(scan(in, &c), ERR_SYNTAX);
	assert_non_null(strstr(c.errs, "more than 65600 tokens in one record"));
	assert_string_equal(c.rrs, "b.example.com. 1 1 1 01010101\n");
	free(c.rrs);
	in[8] = '(';
	cap_init(&c);
	assert_int_equal(scan(in, &c), ERR_SYNTAX);
	assert_non_null(strstr(c.errs, "t.zone:1:"));
	assert_int_equal(c.nrr, 0);
	free(c.rrs);
	free(in);

	/* $GENERATE: exactly the limit is fine, one more is not */
	cap_init(&c);
	zscan_opts_t o = opts_for(&c);
	o.max_generate = 10;
	const char *g10 = "$GENERATE 1-10 a$ 1 A 1.1.1.1\n";
	assert_int_equal(scan_n(g10, strlen(g10), &c, &o), 0);
	assert_int_equal(c.nrr, 10);
	free(c.rrs);
	cap_init(&c);
	o.ctx = &c;
	const char *g11 = "$GENERATE 0-20/2 a$ 1 A 1.1.1.1\n";
	assert_int_equal(scan_n(g11, strlen(g11), &c, &o), ERR_SYNTAX);
	assert_int_equal(c.nrr, 0);
	assert_string_equal(c.errs, "t.zone:1:11: error: $GENERATE: 11 records exceed the "
	                            "limit of 10\n");
	free(c.rrs);
	/* a bad iteration stops its $GENERATE with one error */
	cap_init(&c);
	assert_int_equal(scan("$GENERATE 250-260 h$ 1 A 10.0.0.$\nb 1 A 1.1.1.1\n", &c),
	                 ERR_SYNTAX);
	assert_int_equal(c.nerr, 1);
	assert_int_equal(c.nrr, 7); /* 250..255, then b */
	free(c.rrs);
	/* a 64 KiB TXT record of 256 strings is within the limits */
	char *txt = malloc(300 * 256 + 64);
	assert_non_null(txt);
	strcpy(txt, "a 1 TXT (\n");
	for (int i = 0; i < 256; i++) {
		size_t l = strlen(txt);
		txt[l] = '"';
		memset(txt + l + 1, 'y', 254);
		strcpy(txt + l + 255, "\"\n");
	}
	strcat(txt, ")\n");
	cap_init(&c);
	assert_int_equal(scan(txt, &c), 0);
	assert_int_equal(c.nrr, 1);
	free(c.rrs);
	free(txt);
}

/* ---- $INCLUDE ----------------------------------------------------------- */

static char tmpdir[256];

static void put_file(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int scan_path(const char *rel, cap_t *c, zscan_opts_t *o)
{
	assert_ptr_equal(o->ctx, c);
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	return zscan_file(p, o);
}

static void test_include(void **state)
{
	(void)state;
	char p[512];
	strcpy(tmpdir, "/tmp/test_zscan.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(p, sizeof(p), "%s/sub", tmpdir);
	assert_int_equal(mkdir(p, 0700), 0);

	/* origin argument, relative paths from the including file's directory,
	 * origin and owner scoped to the included file */
	put_file("main.zone", "$TTL 1\n"
	                      "m A 1.1.1.1\n"
	                      "$INCLUDE sub/inc.zone child\n"
	                      " A 1.1.1.2\n"
	                      "b A 1.1.1.3\n");
	put_file("sub/inc.zone", "a A 2.2.2.1\n"
	                         "$INCLUDE \"inc2.zone\"\n"
	                         "$ORIGIN other.org.\n"
	                         "x A 2.2.2.2\n");
	put_file("sub/inc2.zone", "c A 3.3.3.3");
	cap_t c;
	cap_init(&c);
	zscan_opts_t o = opts_for(&c);
	assert_int_equal(scan_path("main.zone", &c, &o), 0);
	assert_string_equal(c.rrs, "m.example.com. 1 1 1 01010101\n"
	                           "a.child.example.com. 1 1 1 02020201\n"
	                           "c.child.example.com. 1 1 1 03030303\n"
	                           "x.other.org. 1 1 1 02020202\n"
	                           "m.example.com. 1 1 1 01010102\n"
	                           "b.example.com. 1 1 1 01010103\n");
	assert_string_equal(c.errs, "");
	free(c.rrs);

	/* an included file starts with the parent's previous owner (BIND
	 * does so), or with none; its errors name it at its own line */
	put_file("noowner.zone", "$INCLUDE sub/blank.zone\n");
	put_file("sub/blank.zone", "\n  1 A 1.1.1.1\n");
	cap_init(&c);
	o.ctx = &c;
	assert_int_equal(scan_path("noowner.zone", &c, &o), ERR_SYNTAX);
	assert_string_equal(c.errs, "blank.zone:2:1: error: no previous owner name\n");
	free(c.rrs);
	put_file("owner.zone", "p 1 A 1.1.1.1\n$INCLUDE sub/blank.zone\n");
	cap_init(&c);
	o.ctx = &c;
	assert_int_equal(scan_path("owner.zone", &c, &o), 0);
	assert_string_equal(c.rrs,
	                    "p.example.com. 1 1 1 01010101\np.example.com. 1 1 1 01010101\n");
	free(c.rrs);

	/* $TTL is not scoped: one set in an included file stays (BIND too) */
	put_file("ttl.zone", "$TTL 1\n$INCLUDE sub/ttl.zone\nm A 1.1.1.1\n");
	put_file("sub/ttl.zone", "$TTL 77\n");
	cap_init(&c);
	o.ctx = &c;
	assert_int_equal(scan_path("ttl.zone", &c, &o), 0);
	assert_string_equal(c.rrs, "m.example.com. 77 1 1 01010101\n");
	free(c.rrs);

	/* a loop, directly and through another file */
	put_file("loop.zone", "$INCLUDE loop.zone\n");
	put_file("loop1.zone", "$INCLUDE loop2.zone\n");
	put_file("loop2.zone", "a 1 A 1.1.1.1\n$INCLUDE loop1.zone\n");
	cap_init(&c);
	o.ctx = &c;
	assert_int_equal(scan_path("loop.zone", &c, &o), ERR_SYNTAX);
	assert_non_null(strstr(c.errs, "loop.zone:1:10: error: $INCLUDE: '"));
	assert_non_null(strstr(c.errs, "include loop"));
	assert_int_equal(c.nerr, 1);
	free(c.rrs);
	cap_init(&c);
	o.ctx = &c;
	assert_int_equal(scan_path("loop1.zone", &c, &o), ERR_SYNTAX);
	assert_non_null(strstr(c.errs, "loop2.zone:2:10: error: $INCLUDE: '"));
	assert_non_null(strstr(c.errs, "include loop"));
	assert_int_equal(c.nrr, 1);
	free(c.rrs);

	/* depth: d0 includes d1 includes d2 ...; limit 2 lets d0..d2 in */
	put_file("d0.zone", "$INCLUDE d1.zone\n");
	put_file("d1.zone", "$INCLUDE d2.zone\n");
	put_file("d2.zone", "a 1 A 1.1.1.1\n$INCLUDE d3.zone\n");
	put_file("d3.zone", "b 1 A 1.1.1.1\n");
	cap_init(&c);
	o.ctx = &c;
	o.max_include_depth = 2;
	assert_int_equal(scan_path("d0.zone", &c, &o), ERR_SYNTAX);
	assert_int_equal(c.nrr, 1);
	assert_non_null(strstr(c.errs, "d2.zone:2:10: error: $INCLUDE: '"));
	assert_non_null(strstr(c.errs, "includes nested deeper than 2"));
	free(c.rrs);
	o.max_include_depth = 0;
	cap_init(&c);
	o.ctx = &c;
	assert_int_equal(scan_path("d0.zone", &c, &o), 0);
	assert_int_equal(c.nrr, 2);
	free(c.rrs);

	/* a directory, a device, a missing file, a bad origin */
	static const struct {
		const char *line, *msg;
	} errs[] = {
	    {"$INCLUDE sub\n", "sub': is a directory"},
	    {"$INCLUDE /dev/zero\n", "$INCLUDE: '/dev/zero': not a regular file"},
	    {"$INCLUDE /dev/null\n", "$INCLUDE: '/dev/null': not a regular file"},
	    {"$INCLUDE nope.zone\n", "nope.zone': No such file or directory"},
	    {"$INCLUDE sub/inc2.zone a..b\n", "$INCLUDE origin: empty label"},
	};
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		put_file("e.zone", errs[i].line);
		cap_init(&c);
		o.ctx = &c;
		assert_int_equal(scan_path("e.zone", &c, &o), ERR_SYNTAX);
		if (strstr(c.errs, errs[i].msg) == NULL || c.nerr != 1) {
			print_error("%s: got %s\n", errs[i].line, c.errs);
			fail();
		}
		free(c.rrs);
	}

	/* disabled (the fuzzer's setting) */
	cap_init(&c);
	o.ctx = &c;
	o.disable_include = true;
	assert_int_equal(scan_path("main.zone", &c, &o), ERR_SYNTAX);
	assert_string_equal(c.errs, "main.zone:3:1: error: $INCLUDE is disabled\n");
	free(c.rrs);
	o.disable_include = false;

	/* the top file itself: missing, a directory, empty */
	cap_init(&c);
	o.ctx = &c;
	assert_int_equal(scan_path("nope.zone", &c, &o), ERR_SYNTAX);
	assert_non_null(strstr(c.errs, "nope.zone:0:0: error: cannot open '"));
	free(c.rrs);
	cap_init(&c);
	o.ctx = &c;
	assert_int_equal(scan_path("sub", &c, &o), ERR_SYNTAX);
	assert_non_null(strstr(c.errs, "is a directory"));
	free(c.rrs);
	put_file("empty.zone", "");
	cap_init(&c);
	o.ctx = &c;
	assert_int_equal(scan_path("empty.zone", &c, &o), 0);
	assert_int_equal(c.nrr, 0);
	free(c.rrs);

	/* relative path of a buffer's $INCLUDE: from the buffer name's dir */
	char name[512], text[600];
	snprintf(name, sizeof(name), "%s/virtual.zone", tmpdir);
	snprintf(text, sizeof(text), "$TTL 1\n$INCLUDE sub/inc2.zone\n");
	cap_init(&c);
	o.ctx = &c;
	assert_int_equal(zscan_buffer(name, text, strlen(text), &o), 0);
	assert_string_equal(c.rrs, "c.example.com. 1 1 1 03030303\n");
	free(c.rrs);

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
}

/* No origin: relative names are errors until $ORIGIN; a class other
 * than IN; NULL callbacks. */
static void test_opts(void **state)
{
	(void)state;
	cap_t c;
	cap_init(&c);
	zscan_opts_t o = opts_for(&c);
	o.origin = NULL;
	const char *in = "a 1 A 1.1.1.1\nb. 1 A 1.1.1.1\n$ORIGIN x.\nc 1 A 1.1.1.1\n";
	assert_int_equal(scan_n(in, strlen(in), &c, &o), ERR_SYNTAX);
	assert_string_equal(c.errs, "t.zone:1:1: error: owner name: relative name 'a' and no "
	                            "$ORIGIN\n");
	assert_string_equal(c.rrs, "b. 1 1 1 01010101\nc.x. 1 1 1 01010101\n");
	free(c.rrs);

	cap_init(&c);
	o = opts_for(&c);
	o.rclass = 3; /* CH */
	in = "a 1 CH TXT x\nb 1 TXT y\nc 1 IN TXT z\n";
	assert_int_equal(scan_n(in, strlen(in), &c, &o), ERR_SYNTAX);
	assert_string_equal(c.rrs, "a.example.com. 1 3 16 0178\nb.example.com. 1 3 16 0179\n");
	assert_string_equal(c.errs, "t.zone:3:5: error: class mismatch: 'IN' in a zone of class "
	                            "CH\n");
	free(c.rrs);

	zscan_opts_t bare = {.origin = ORIGIN};
	assert_int_equal(zscan_buffer("x", "a 1 A 1.1.1.1\nb 1 AX 1\n", 23, &bare), ERR_SYNTAX);
	assert_int_equal(zscan_buffer("x", "", 0, &bare), 0);
	assert_int_equal(zscan_buffer(NULL, NULL, 0, &bare), 0);
	uint8_t badorigin[] = {64, 0};
	bare.origin = badorigin;
	assert_int_equal(zscan_buffer("x", "", 0, &bare), ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),     cmocka_unit_test(test_name_limits),
	    cmocka_unit_test(test_bad),      cmocka_unit_test(test_ttl_defaults),
	    cmocka_unit_test(test_continue), cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_include),  cmocka_unit_test(test_opts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
