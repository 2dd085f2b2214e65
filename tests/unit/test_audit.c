/* Unit tests of the pure rules of `nsfleet audit` (src/tools/audit_logic.c,
 * audit_asn.c): prefix diversity, serial lag, TTL and SOA timer rules,
 * RRSIG horizon, DS digests and key tags, the ASN table parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/err.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "tools/audit.h"

/* ------------------------------------------------------------ helpers */

static audit_addr_t addr(const char *text)
{
	audit_addr_t a;
	memset(&a, 0, sizeof(a));
	a.label = text;
	if (inet_pton(AF_INET, text, a.a) == 1)
		a.family = AF_INET;
	else {
		assert_int_equal(inet_pton(AF_INET6, text, a.a), 1);
		a.family = AF_INET6;
	}
	return a;
}

static const char *only_code(const audit_findings_t *f)
{
	if (f->n == 0)
		return "";
	assert_int_equal(f->n, 1);
	return f->v[0].code;
}

/* ---------------------------------------------------------- diversity */

static void test_prefixes(void **state)
{
	(void)state;
	static const struct {
		const char *addrs[5];
		const char *code;
		size_t nservers;
	} t[] = {
	    {{"192.0.2.1"}, "", 0}, /* one address: the count check's business */
	    {{"192.0.2.1", "192.0.2.254"}, "one-prefix", 2},
	    {{"192.0.2.1", "192.0.2.2", "192.0.2.3"}, "one-prefix", 3},
	    /* the /24 boundary */
	    {{"192.0.2.255", "192.0.3.0"}, "few-prefixes", 2},
	    {{"192.0.2.1", "198.51.100.1", "203.0.113.1"}, "", 0},
	    {{"192.0.2.1", "192.0.2.2", "198.51.100.1"}, "few-prefixes", 3},
	    /* IPv6 /48: differs in the 48th bit or after it */
	    {{"2001:db8:1::1", "2001:db8:1:ffff::1"}, "one-prefix", 2},
	    {{"2001:db8:1::1", "2001:db8:0::1"}, "few-prefixes", 2},
	    {{"2001:db8:1::1", "2001:db8:2::1", "2001:db8:3::1"}, "", 0},
	    /* families never share a prefix */
	    {{"192.0.2.1", "2001:db8:1::1"}, "few-prefixes", 2},
	    {{"192.0.2.1", "2001:db8:1::1", "2001:db8:2::1"}, "", 0},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		audit_addr_t a[5];
		size_t n = 0;
		while (n < 5 && t[i].addrs[n])
			a[n] = addr(t[i].addrs[n]), n++;
		audit_findings_t f = {0};
		audit_rule_prefixes(a, n, &f);
		if (strcmp(only_code(&f), t[i].code) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, only_code(&f), t[i].code);
		if (f.n) {
			assert_int_equal(f.v[0].nservers, t[i].nservers);
			assert_int_equal(f.v[0].sev, strcmp(t[i].code, "one-prefix") == 0
			                                 ? AUDIT_ERROR
			                                 : AUDIT_WARNING);
		}
		audit_findings_free(&f);
	}
}

/* ------------------------------------------------------------- serial */

static void test_serial_lag(void **state)
{
	(void)state;
	static const struct {
		uint32_t ref, s;
		int64_t lag;
	} t[] = {
	    {100, 100, 0},
	    {100, 99, 1},
	    {100, 101, -1},
	    {5, 4294967295u, 6},          /* wrapped: 2^32-1 is 6 behind 5 */
	    {4294967295u, 5, -1},         /* and 5 is ahead of 2^32-1 */
	    {2147483647u, 0, 2147483647}, /* the largest lag RFC 1982 defines */
	    {2147483648u, 0, -1},         /* exactly 2^31 apart: undefined */
	    {0, 2147483648u, -1},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (audit_serial_lag(t[i].ref, t[i].s) != t[i].lag)
			fail_msg("case %zu: lag(%u, %u) = %lld, want %lld", i, t[i].ref, t[i].s,
			         (long long)audit_serial_lag(t[i].ref, t[i].s),
			         (long long)t[i].lag);
	uint32_t a[] = {4294967290u, 3, 4294967295u};
	assert_int_equal(audit_serial_newest(a, 3), 3);
	uint32_t b[] = {7};
	assert_int_equal(audit_serial_newest(b, 1), 7);
	uint32_t c[] = {0, 2147483648u}; /* undefined: the first stays */
	assert_int_equal(audit_serial_newest(c, 2), 0);
}

/* ---------------------------------------------------------------- TTL */

static void test_ttl_rule(void **state)
{
	(void)state;
	assert_int_equal(audit_rule_ttl(0), -1);
	assert_int_equal(audit_rule_ttl(300), -1);
	assert_int_equal(audit_rule_ttl(301), AUDIT_INFO);
	assert_int_equal(audit_rule_ttl(86399), AUDIT_INFO);
	assert_int_equal(audit_rule_ttl(86400), AUDIT_WARNING);
	assert_int_equal(audit_rule_ttl(UINT32_MAX), AUDIT_WARNING);
}

static void test_soa_timers(void **state)
{
	(void)state;
	static const struct {
		uint32_t refresh, retry, expire, minimum;
		const char *codes; /* space-separated, in order */
	} t[] = {
	    {3600, 900, 1209600, 300, ""},
	    {1200, 119, 86400 * 2, 10800, "soa-retry-short"},
	    {1199, 900, 1209600, 300, "soa-refresh"},
	    {43201, 900, 1209600, 300, "soa-refresh"},
	    {43200, 900, 1209600, 300, ""},
	    {3600, 3600, 1209600, 300, "soa-retry-above-refresh"},
	    {3600, 900, 3600, 300, "soa-expire-below-refresh"},
	    {3600, 900, 86399, 300, "soa-expire-short"},
	    {14400, 900, 86400, 300, "soa-expire-short"}, /* < 7 refreshes */
	    {3600, 900, 86400, 300, ""},
	    {3600, 900, 1209600, 10801, "soa-negative-ttl"},
	    {3600, 900, 1209600, 86401, "soa-negative-ttl-long"},
	};
	const char *labels[] = {"a", "b"};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		audit_findings_t f = {0};
		audit_rule_soa_timers(t[i].refresh, t[i].retry, t[i].expire, t[i].minimum, labels,
		                      2, &f);
		char got[256] = "";
		for (size_t k = 0; k < f.n; k++) {
			strcat(got, k ? " " : "");
			strcat(got, f.v[k].code);
			assert_int_equal(f.v[k].nservers, 2);
		}
		if (strcmp(got, t[i].codes) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, got, t[i].codes);
		audit_findings_free(&f);
	}
}

/* ------------------------------------------------------------- DNSSEC */

static void test_sig_horizon(void **state)
{
	(void)state;
	uint64_t now = 1700000000;
	assert_int_equal(audit_sig_left((uint32_t)now + 100, now), 100);
	assert_int_equal(audit_sig_left((uint32_t)now - 100, now), -100);
	/* 32-bit wrap (RFC 4034 §3.1.5): an expiration past 2106 */
	uint64_t late = 4294967000ull;
	assert_int_equal(audit_sig_left(200, late), 496);
	assert_int_equal(audit_rule_sig_left(-1), AUDIT_ERROR);
	assert_int_equal(audit_rule_sig_left(86399), AUDIT_ERROR);
	assert_int_equal(audit_rule_sig_left(86400), AUDIT_WARNING);
	assert_int_equal(audit_rule_sig_left(7 * 86400 - 1), AUDIT_WARNING);
	assert_int_equal(audit_rule_sig_left(7 * 86400), -1);
}

/* Rdata of one record from presentation text (tokens split on spaces). */
static size_t rdata(uint16_t type, const char *text, uint8_t *out)
{
	rdata_tok_t tok[32];
	size_t n = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && *p != ' ')
			p++;
		tok[n] = (rdata_tok_t){s, (uint32_t)(p - s), 1, (uint32_t)(s - text + 1), false};
		n++;
	}
	size_t len;
	rdata_err_t err;
	assert_int_equal(rdata_from_text(type, tok, n, NULL, out, RDATA_MAXLEN, &len, &err), 0);
	return len;
}

static void test_ds_digest(void **state)
{
	(void)state;
	/* RFC 4034 §5.4 */
	static uint8_t key[RDATA_MAXLEN], ds[RDATA_MAXLEN];
	size_t kl = rdata(RRTYPE_DNSKEY,
	                  "256 3 5 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/"
	                  "2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLU"
	                  "Uh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==",
	                  key);
	size_t dl = rdata(RRTYPE_DS, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118", ds);
	assert_int_equal(audit_key_tag(key, kl), 60485);
	uint8_t owner[NAME_MAXLEN], out[64];
	size_t ol, outlen;
	/* the owner in any case: the digest uses the canonical (lower) form */
	assert_int_equal(name_from_text("DSKEY.example.COM.", 18, NULL, owner, &ol), 0);
	assert_int_equal(audit_ds_digest(owner, key, kl, 1, out, &outlen), 0);
	assert_int_equal(outlen, 20);
	assert_memory_equal(out, ds + 4, dl - 4);
	assert_int_equal(audit_ds_digest(owner, key, kl, 2, out, &outlen), 0);
	assert_int_equal(outlen, 32);
	assert_int_equal(audit_ds_digest(owner, key, kl, 4, out, &outlen), 0);
	assert_int_equal(outlen, 48);
	assert_int_equal(audit_ds_digest(owner, key, kl, 3, out, &outlen), ERR_INVAL);
	assert_int_equal(audit_ds_digest(owner, key, 3, 2, out, &outlen), ERR_MALFORMED);
}

/* ---------------------------------------------------------- ASN table */

static void test_asn_parse_ok(void **state)
{
	(void)state;
	const char *text = "# comment\n"
	                   "\n"
	                   "192.0.2.0/24 64500\n"
	                   "192.0.0.0/16\tAS64501   # the covering prefix\n"
	                   "  2001:db8::/32 as64502\r\n"
	                   "0.0.0.0/0 4294967295\n"
	                   "198.51.100.7/32 1";
	audit_asn_table_t t = {0};
	char err[256] = "";
	assert_int_equal(audit_asn_parse(text, strlen(text), "asn.txt", &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 5);
	audit_addr_t a = addr("192.0.2.77"), b = addr("192.0.3.1"), c = addr("2001:db8:5::1"),
	             d = addr("2001:db9::1"), e = addr("8.8.8.8"), g = addr("198.51.100.7"),
	             h = addr("198.51.100.8");
	assert_int_equal(audit_asn_lookup(&t, a.family, a.a), 64500); /* longest wins */
	assert_int_equal(audit_asn_lookup(&t, b.family, b.a), 64501);
	assert_int_equal(audit_asn_lookup(&t, c.family, c.a), 64502);
	assert_int_equal(audit_asn_lookup(&t, d.family, d.a), 0);
	assert_int_equal(audit_asn_lookup(&t, e.family, e.a), 4294967295u);
	assert_int_equal(audit_asn_lookup(&t, g.family, g.a), 1);
	assert_int_equal(audit_asn_lookup(&t, h.family, h.a), 4294967295u);
	audit_asn_free(&t);
	/* empty input */
	assert_int_equal(audit_asn_parse("", 0, "e", &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 0);
	audit_asn_free(&t);
}

static void test_asn_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *err;
	} t[] = {
	    {"192.0.2.0 64500", "f:1:1: prefix without /LEN '192.0.2.0'"},
	    {"192.0.2.0/24", "f:1:13: missing ASN after the prefix"},
	    {"192.0.2.0/24 # x", "f:1:14: missing ASN after the prefix"},
	    {"\n192.0.2.0/33 1", "f:2:11: bad prefix length (0..32) '33'"},
	    {"2001:db8::/129 1", "f:1:12: bad prefix length (0..128) '129'"},
	    {"192.0.2.0/ 1", "f:1:11: bad prefix length (0..32) ''"},
	    {"192.0.2.1/24 1", "f:1:1: bits set past the prefix length '192.0.2.1/24'"},
	    {"192.0.2.0/24 0", "f:1:14: bad ASN (1..4294967295) '0'"},
	    {"192.0.2.0/24 4294967296", "f:1:14: bad ASN (1..4294967295) '4294967296'"},
	    {"192.0.2.0/24 AS", "f:1:14: bad ASN (1..4294967295) 'AS'"},
	    {"192.0.2.0/24 64500 64501", "f:1:20: trailing text '64501'"},
	    {"999.0.2.0/24 1", "f:1:1: bad address '999.0.2.0'"},
	    {"/24 1", "f:1:1: bad address ''"},
	    {"a\0b", "f:1:1: NUL byte in the line"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		audit_asn_table_t tab = {0};
		char err[256] = "";
		size_t len = strlen(t[i].text);
		if (i == sizeof(t) / sizeof(t[0]) - 1)
			len = 3;
		assert_int_equal(audit_asn_parse(t[i].text, len, "f", &tab, err, sizeof(err)),
		                 ERR_SYNTAX);
		if (strcmp(err, t[i].err) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, err, t[i].err);
		audit_asn_free(&tab);
	}
}

/* ----------------------------------------------------- findings, exit */

static void test_findings_exit(void **state)
{
	(void)state;
	audit_findings_t f = {0};
	assert_int_equal(audit_exit_status(&f), AUDIT_EXIT_OK);
	audit_finding_t *e = audit_add(&f, AUDIT_INFO, "c", "i", NULL, "n=%d", 1);
	assert_non_null(e);
	assert_string_equal(e->msg, "n=1");
	audit_finding_server(e, "x");
	audit_finding_server(e, "x"); /* once */
	assert_int_equal(e->nservers, 1);
	assert_int_equal(audit_exit_status(&f), AUDIT_EXIT_OK);
	audit_add(&f, AUDIT_WARNING, "c", "w", "do", "w");
	assert_int_equal(audit_exit_status(&f), AUDIT_EXIT_WARN);
	audit_add(&f, AUDIT_ERROR, "c", "e", "do", "e");
	assert_int_equal(audit_exit_status(&f), AUDIT_EXIT_ERROR);
	assert_int_equal(audit_count(&f, AUDIT_WARNING), 1);
	audit_findings_free(&f);
}

static void test_addr_parse(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	char buf[64];
	assert_int_equal(audit_addr_parse("192.0.2.1", 53, &ss), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 53);
	assert_int_equal(audit_addr_parse("2001:db8::1#5300", 53, &ss), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 5300);
	audit_addr_text((struct sockaddr *)&ss, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1");
	assert_int_equal(audit_addr_parse("192.0.2.1#65535", 53, &ss), 0);
	assert_int_equal(audit_addr_parse("192.0.2.1#65536", 53, &ss), ERR_SYNTAX);
	assert_int_equal(audit_addr_parse("192.0.2.1#0", 53, &ss), ERR_SYNTAX);
	assert_int_equal(audit_addr_parse("192.0.2.1#", 53, &ss), ERR_SYNTAX);
	assert_int_equal(audit_addr_parse("#53", 53, &ss), ERR_SYNTAX);
	assert_int_equal(audit_addr_parse("ns1.example.com", 53, &ss), ERR_SYNTAX);
	assert_int_equal(audit_addr_parse("[::1]:53", 53, &ss), ERR_SYNTAX);
}

static void test_tsig_parse(void **state)
{
	(void)state;
	static uint8_t secret[64];
	tsig_key_t k;
	/* "secret" in base64, no padding / one / two padding octets */
	assert_int_equal(audit_tsig_parse("xfr:c2VjcmV0", &k, secret, sizeof(secret)), 0);
	assert_int_equal(k.alg, TSIG_HMAC_SHA256);
	assert_int_equal(k.secret_len, 6);
	assert_memory_equal(k.secret, "secret", 6);
	assert_int_equal(
	    audit_tsig_parse("hmac-sha512:xfr:c2VjcmV0MQ==", &k, secret, sizeof(secret)), 0);
	assert_int_equal(k.alg, TSIG_HMAC_SHA512);
	assert_int_equal(k.secret_len, 7);
	assert_int_equal(audit_tsig_parse("hmac-sha1:a.b:c2VjcmV0MTI=", &k, secret, sizeof(secret)),
	                 0);
	assert_int_equal(k.secret_len, 8);
	uint8_t want[NAME_MAXLEN];
	size_t wl;
	assert_int_equal(name_from_text("a.b.", 4, NULL, want, &wl), 0);
	assert_true(name_equal(k.name, want));
	static const char *const bad[] = {
	    "",
	    "xfr",
	    "xfr:",
	    ":c2VjcmV0",
	    "hmac-md5:xfr:c2VjcmV0",  /* never originated (RFC 8945 §6) */
	    "hmac-sha7:xfr:c2VjcmV0", /* no such algorithm */
	    "xfr:c2VjcmV",            /* not a multiple of 4 */
	    "xfr:c2Vj!mV0",           /* not base64 */
	    "xfr:====",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (audit_tsig_parse(bad[i], &k, secret, sizeof(secret)) != ERR_SYNTAX)
			fail_msg("'%s' accepted", bad[i]);
	/* a secret larger than the buffer */
	assert_int_equal(audit_tsig_parse("x:c2VjcmV0c2VjcmV0", &k, secret, 8), ERR_SYNTAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prefixes),      cmocka_unit_test(test_serial_lag),
	    cmocka_unit_test(test_ttl_rule),      cmocka_unit_test(test_soa_timers),
	    cmocka_unit_test(test_sig_horizon),   cmocka_unit_test(test_ds_digest),
	    cmocka_unit_test(test_asn_parse_ok),  cmocka_unit_test(test_asn_parse_errors),
	    cmocka_unit_test(test_findings_exit), cmocka_unit_test(test_addr_parse),
	    cmocka_unit_test(test_tsig_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
