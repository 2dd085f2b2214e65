/* Unit tests of the rdata codec (src/dns/rdata_*.c, svcb.c, rrtype.c):
 * text -> wire -> text round trips for every type, the wire edge check,
 * bad inputs with their messages, and the boundaries (255-octet strings,
 * 65535-octet rdata, 255-octet names). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "test_rdata_util.h"

static const uint8_t ORIGIN[] = "\7example\3com";

#define MAXTOK 20000
static int failures;
#define report(...)                                                    \
	do {                                                               \
		print_error(__VA_ARGS__);                                  \
		print_error("\n");                                         \
		failures++;                                                \
		return;                                                    \
	} while (0)
static rdata_tok_t toks[MAXTOK];
static uint8_t wire1[70000], wire2[70000];
static char text[300000];

static uint16_t type_of(const char *t)
{
	uint16_t type;
	assert_int_equal(rrtype_from_text(t, strlen(t), &type), 0);
	return type;
}

static int parse(uint16_t type, const char *in, uint8_t *out, size_t *len, rdata_err_t *err)
{
	size_t n = tokenize(in, toks, MAXTOK);
	return rdata_from_text(type, toks, n, ORIGIN, out, 70000, len, err);
}

/* in parses; prints as want (in when NULL); the wire form passes
 * rdata_from_wire unchanged and the printed text parses back to it. */
static void roundtrip(const char *tname, const char *in, const char *want, const char *hex)
{
	uint16_t type = type_of(tname);
	size_t len, len2;
	rdata_err_t err;
	int rc = parse(type, in, wire1, &len, &err);
	if (rc != 0)
		report("%s '%s': %s (token %zu)", tname, in, err.msg, err.tok);
	assert_int_equal(rdata_check(type, wire1, len), 0);
	rc = rdata_to_text(type, wire1, len, text, sizeof(text));
	assert_true(rc >= 0);
	if (strcmp(text, want ? want : in) != 0)
		report("%s '%s': printed '%s', want '%s'", tname, in, text, want ? want : in);
	if (hex) {
		uint8_t exp[4096];
		size_t el = unhex(hex, exp);
		if (el != len || memcmp(exp, wire1, len) != 0) {
			char got[2 * 4096 + 1];
			for (size_t i = 0; i < len && i < 4096; i++)
				snprintf(got + 2 * i, 3, "%02x", wire1[i]);
			report("%s '%s': wire %s differs", tname, in, got);
		}
	}
	assert_int_equal(rdata_from_wire(type, wire1, len, 0, len, wire2, sizeof(wire2), &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(wire1, wire2, len);
	rc = parse(type, text, wire2, &len2, &err);
	if (rc != 0)
		report("%s reparse '%s': %s", tname, text, err.msg);
	assert_int_equal(len2, len);
	assert_memory_equal(wire1, wire2, len);
	/* and the RFC 3597 form of the same rdata */
	int o = snprintf(text, sizeof(text), "\\# %zu ", len);
	for (size_t i = 0; i < len; i++)
		o += snprintf(text + o, sizeof(text) - (size_t)o, "%02x", wire1[i]);
	rc = parse(type, text, wire2, &len2, &err);
	if (rc != 0)
		report("%s generic: %s", tname, err.msg);
	assert_int_equal(len2, len);
	assert_memory_equal(wire1, wire2, len);
}

static const struct {
	const char *type, *in, *want, *hex;
} good[] = {
	{"A", "192.0.2.1", NULL, "c0000201"},
	{"A", "0.0.0.0", NULL, NULL},
	{"NS", "ns1", "ns1.example.com.", NULL},
	{"NS", "NS1.Example.ORG.", NULL, NULL},
	{"MD", "md.example.", NULL, NULL},
	{"MF", "mf.example.", NULL, NULL},
	{"CNAME", "@", "example.com.", NULL},
	{"SOA", "ns1 hostmaster 2024010101 1h 15m 1w 1d",
	 "ns1.example.com. hostmaster.example.com. 2024010101 3600 900 604800 86400", NULL},
	{"SOA", ". . 0 0 0 0 4294967295", NULL, NULL},
	{"SOA", "a. b. 1 1h30m 1W2d 60S 0", "a. b. 1 5400 777600 60 0", NULL},
	{"MB", "mbox", "mbox.example.com.", NULL},
	{"MG", "mbox.", NULL, NULL},
	{"MR", "mbox.", NULL, NULL},
	{"PTR", "host.example.", NULL, NULL},
	{"HINFO", "\"Intel x86\" Linux", "\"Intel x86\" \"Linux\"", NULL},
	{"HINFO", "\"\" \"\"", NULL, "0000"},
	{"MINFO", "rmail emailbx", "rmail.example.com. emailbx.example.com.", NULL},
	{"MX", "10 mail", "10 mail.example.com.", NULL},
	{"MX", "0 .", NULL, "000000"},
	{"MX", "65535 a.b.", NULL, NULL},
	{"TXT", "\"hello world\" \"a\\\"b\\\\c\" plain \"\" \"\\001\\255\"",
	 "\"hello world\" \"a\\\"b\\\\c\" \"plain\" \"\" \"\\001\\255\"", NULL},
	{"TXT", "\"\"", NULL, "00"},
	{"TXT", "a\\032b \\\"", "\"a b\" \"\\\"\"", NULL},
	{"TXT", "\"tab\\009;()@$\"", NULL, NULL},
	{"SPF", "\"v=spf1 -all\"", NULL, NULL},
	{"RP", "mbox txt", "mbox.example.com. txt.example.com.", NULL},
	{"RP", ". .", NULL, NULL},
	{"AFSDB", "1 afs", "1 afs.example.com.", NULL},
	{"RT", "10 relay.", NULL, NULL},
	{"PX", "10 map822 mapx400", "10 map822.example.com. mapx400.example.com.", NULL},
	{"KX", "10 kx.", NULL, NULL},
	{"SIG", "A 5 3 3600 20240101000000 20230101000000 12345 example.com. AQID BAUG",
	 "A 5 3 3600 20240101000000 20230101000000 12345 example.com. AQIDBAUG", NULL},
	{"KEY", "256 3 5 AQIDBAUGBwg=", NULL, NULL},
	{"KEY", "256 3 RSASHA1 AQIDBAUGBwg=", "256 3 5 AQIDBAUGBwg=", NULL},
	{"KEY", "49152 3 0", NULL, "c0000300"},
	{"AAAA", "2001:db8::1", NULL, "20010db8000000000000000000000001"},
	{"AAAA", "2001:0DB8:0:0:0:0:0:1", "2001:db8::1", NULL},
	{"AAAA", "::ffff:192.0.2.1", NULL, NULL},
	{"AAAA", "::", NULL, NULL},
	{"LOC", "42 21 54 N 71 06 18 W -24m 30m",
	 "42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m", NULL},
	{"LOC", "42 21 54.5 S 71 6 18.123 E 10m 1m 200m 3m",
	 "42 21 54.500 S 71 6 18.123 E 10.00m 1m 200m 3m", NULL},
	{"LOC", "0 N 0 E 0m", "0 0 0.000 N 0 0 0.000 E 0.00m 1m 10000m 10m", NULL},
	{"LOC", "42 21 54 N 71 06 18 W -24m 0.5m 1.23m 90000000m",
	 "42 21 54.000 N 71 6 18.000 W -24.00m 0.50m 1m 90000000m", NULL},
	{"LOC", "42 21 54 N 71 06 18 W 42849672.95m 0m 0.01m 90000000m",
	 "42 21 54.000 N 71 6 18.000 W 42849672.95m 0.00m 0.01m 90000000m", NULL},
	{"LOC", "90 0 0 S 180 0 0 W -100000.00m",
	 "90 0 0.000 S 180 0 0.000 W -100000.00m 1m 10000m 10m", NULL},
	{"LOC", "51 30 12.748 N 0 7 39.611 W 0.00m 0.00m 0.00m 0.00m",
	 "51 30 12.748 N 0 7 39.611 W 0.00m 0.00m 0.00m 0.00m", NULL},
	{"LOC", "1 2 3.4 n 5 6 7.8 e -0.5m", "1 2 3.400 N 5 6 7.800 E -0.50m 1m 10000m 10m",
	 NULL},
	{"SRV", "0 5 5060 sip", "0 5 5060 sip.example.com.", NULL},
	{"NAPTR", "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp",
	 "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.", NULL},
	{"NAPTR", "100 50 \"s\" \"z3950+I2L+I2C\" \"\" _z3950._tcp.gatech.edu.", NULL, NULL},
	{"CERT", "PKIX 0 RSASHA256 AQIDBA==", NULL, NULL},
	{"CERT", "65534 65535 254 AQIDBA==", "65534 65535 PRIVATEOID AQIDBA==", NULL},
	{"CERT", "1 2 4 AA==", "PKIX 2 4 AA==", NULL},
	{"CERT", "URI 2 0 AA==", NULL, NULL},
	{"CERT", "oid 2 1 AA==", "OID 2 RSAMD5 AA==", NULL},
	{"DNAME", "target", "target.example.com.", NULL},
	{"APL", "1:192.168.0.0/24 !1:10.0.0.0/8 2:2001:db8::/32 1:0.0.0.0/0", NULL,
	 "00011802c0a8 00010881 0a 00022004 20010db8 00010000"},
	{"APL", "", NULL, ""},
	{"APL", "1:192.168.1.0/24 1:192.168.0.0/16 2:2001:db8:1::/64 2:::/0 !2:fe80::/10",
	 NULL, NULL},
	{"DS", "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118", NULL, NULL},
	{"DS", "60485 RSASHA1 1 2bb183af5f22588179a53b0a 98631fad1a292118",
	 "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118", NULL},
	{"CDS", "0 0 0 00", NULL, "0000000000"},
	{"SSHFP", "2 1 123456789abcdef67890123456789abcdef67890",
	 "2 1 123456789ABCDEF67890123456789ABCDEF67890", NULL},
	{"IPSECKEY", "10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==", NULL,
	 NULL},
	{"IPSECKEY", "10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==", NULL, NULL},
	{"IPSECKEY", "10 3 2 mygateway AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
	 "10 3 2 mygateway.example.com. AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==", NULL},
	{"IPSECKEY", "10 2 2 2001:0DB8:0:8002::2000:1 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
	 "10 2 2 2001:db8:0:8002::2000:1 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==", NULL},
	{"IPSECKEY", "10 1 0 192.0.2.38", NULL, "0a0100c0000226"},
	{"RRSIG", "A 8 3 3600 20240101000000 20230101000000 12345 example.com. AQIDBAUG", NULL,
	 NULL},
	{"RRSIG", "TYPE1 RSASHA256 3 3600 4294967295 0 1 . AA==",
	 "A 8 3 3600 21060207062815 19700101000000 1 . AA==", NULL},
	{"RRSIG", "NSEC3PARAM 13 2 0 20000229235960 19991231235959 65535 Example.COM. AA==",
	 "NSEC3PARAM 13 2 0 20000301000000 19991231235959 65535 Example.COM. AA==", NULL},
	{"NSEC", "Host.Example.com. A MX RRSIG NSEC TYPE1234", NULL, NULL},
	{"NSEC", "host.example.com. A MX RRSIG NSEC TYPE1234", NULL,
	 "04686f7374076578616d706c6503636f6d00 0006400100000003 041b"
	 "0000000000000000000000000000000000000000000000000000 20"},
	{"NSEC", "a. NSEC A A", "a. A NSEC", NULL},
	{"NSEC", "a.", NULL, "0161 00"},
	{"NSEC", "a. TYPE65535 CAA TYPE0", "a. TYPE0 CAA TYPE65535", NULL},
	{"DNSKEY", "257 3 8 AwEAAagAIKlVZrpC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjFFVQUTf6v58fLjwBd0YI0EzrAcQqBGCzh/RStIoO8g0NfnfL2MTJRkxoXbfDaUeVPQuYEhg37NZWAJQ9VnMVDxP/VHL496M/QZxkjf5/Efucp2gaDX6RS6CXpoY68LsvPVjR0ZSwzz1apAzvN9dlzEheX7ICJBBtuA6G3LQpzW5hOA2hzCTMjJPJ8LbqF6dsV6DoBQzgul0sGIcGOYl7OyQdXfZ57relSQageu+ipAdTTJ25AsRTAoub8ONGcLmqrAmRLKBP1dfwhYB4N7knNnulqQxA+Uk1ihz0=",
	 "257 3 8 AwEAAagAIKlVZrpC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjF FVQUTf6v58fLjwBd0YI0EzrAcQqBGCzh/RStIoO8g0NfnfL2MTJRkxoX bfDaUeVPQuYEhg37NZWAJQ9VnMVDxP/VHL496M/QZxkjf5/Efucp2gaD X6RS6CXpoY68LsvPVjR0ZSwzz1apAzvN9dlzEheX7ICJBBtuA6G3LQpz W5hOA2hzCTMjJPJ8LbqF6dsV6DoBQzgul0sGIcGOYl7OyQdXfZ57relS Qageu+ipAdTTJ25AsRTAoub8ONGcLmqrAmRLKBP1dfwhYB4N7knNnulq QxA+Uk1ihz0=",
	 NULL},
	{"CDNSKEY", "0 3 0 AA==", NULL, "0000030000"},
	{"DHCID", "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=", NULL, NULL},
	{"NSEC3", "1 1 12 aabbccdd 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG",
	 "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG", NULL},
	{"NSEC3", "1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojr",
	 "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR", NULL},
	{"NSEC3", "1 0 0 - CPNMU", NULL, "010000000003666f6f"},
	{"NSEC3PARAM", "1 0 12 aabbccdd", "1 0 12 AABBCCDD", "0100000c04aabbccdd"},
	{"NSEC3PARAM", "1 0 0 -", NULL, "0100000000"},
	{"TLSA", "3 1 1 d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971",
	 "3 1 1 D2ABDE240D7CD3EE6B4B28C54DF034B97983A1D16E8A410E4561CB10 6618E971", NULL},
	{"SMIMEA", "3 1 1 d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971",
	 "3 1 1 D2ABDE240D7CD3EE6B4B28C54DF034B97983A1D16E8A410E4561CB10 6618E971", NULL},
	{"HIP",
	 "2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D rvs1.example.com. rvs2",
	 "2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D rvs1.example.com. rvs2.example.com.",
	 NULL},
	{"HIP", "2 2001 AwEA", "2 2001 AwEA", "02020003 2001 030100"},
	{"OPENPGPKEY", "AQIDBAUGBwgJCgsMDQ4PEBES", NULL, NULL},
	{"CSYNC", "66 3 A NS AAAA", NULL, "000000420003000460000008"},
	{"CSYNC", "0 0", NULL, "0000000000 00"},
	{"ZONEMD",
	 "2018031900 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B641A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE",
	 "2018031900 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B6 41A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE",
	 NULL},
	{"ZONEMD", "1 0 240 000102030405060708090a0b", "1 0 240 000102030405060708090A0B", NULL},
	{"SVCB", "0 foo.example.", NULL, "0000 03666f6f076578616d706c6500"},
	{"SVCB", "1 . alpn=h2,h3 port=443 ipv4hint=192.0.2.1,192.0.2.2 ech=AQID "
		 "ipv6hint=2001:db8::1 mandatory=port,alpn",
	 "1 . mandatory=alpn,port alpn=\"h2,h3\" port=443 ipv4hint=192.0.2.1,192.0.2.2 "
	 "ech=AQID ipv6hint=2001:db8::1",
	 NULL},
	{"SVCB", "16 foo.example.org. key667=hello", "16 foo.example.org. key667=\"hello\"", NULL},
	{"SVCB", "16 foo.example.org. key667=\"hello\\210qoo\"", NULL, NULL},
	{"SVCB", "1 foo.example.org. no-default-alpn alpn=h2 key65333=ex1 key7=/q{?dns}",
	 "1 foo.example.org. alpn=\"h2\" no-default-alpn key7=\"/q{?dns}\" key65333=\"ex1\"",
	 NULL},
	{"SVCB", "1 . key667", NULL, "0001 00 029b0000"},
	{"SVCB", "1 . key667=\"\"", "1 . key667", NULL},
	{"SVCB", "1 . key667=\"a b\" alpn=\"a b,\\\"c\"",
	 "1 . alpn=\"a\\032b,\\\"c\" key667=\"a b\"", NULL},
	{"SVCB", "1 . key667= \"quoted value\"", "1 . key667=\"quoted value\"", NULL},
	{"SVCB", "1 . ech=\"AQID\"", "1 . ech=AQID", NULL},
	{"SVCB", "1 . key65535=x", "1 . key65535=\"x\"", NULL},
	{"SVCB", "1 . dohpath=/dns-query{?dns}", "1 . key7=\"/dns-query{?dns}\"", NULL},
	{"HTTPS", "1 . alpn=h3 no-default-alpn", "1 . alpn=\"h3\" no-default-alpn", NULL},
	{"NID", "10 0014:4fff:ff20:ee64", "10 14:4fff:ff20:ee64", "000a00144fffff20ee64"},
	{"L32", "10 10.1.2.0", NULL, "000a0a010200"},
	{"L64", "10 2001:0DB8:1140:1000", "10 2001:db8:1140:1000", NULL},
	{"LP", "10 l64-subnet1.example.com.", NULL, NULL},
	{"EUI48", "00-00-5e-00-53-2a", NULL, "00005e00532a"},
	{"EUI48", "00-00-5E-00-53-2A", "00-00-5e-00-53-2a", NULL},
	{"EUI64", "00-00-5e-ef-10-00-00-2a", NULL, NULL},
	{"URI", "10 1 \"ftp://ftp1.example.com/public\"", NULL, NULL},
	{"URI", "10 1 ftp://x", "10 1 \"ftp://x\"", "000a0001 6674703a2f2f78"},
	{"CAA", "0 issue \"ca.example.net; account=230123\"", NULL, NULL},
	{"CAA", "128 tbs \"Unknown\"", NULL, NULL},
	{"CAA", "0 issue \"\"", NULL, "00056973737565"},
	{"CAA", "0 issue \"a\\\"b\\\\c;  \\255\"", NULL, NULL},
	{"CAA", "0 iodef mailto:a@b", "0 iodef \"mailto:a@b\"", NULL},
	{"NULL", "\\# 3 010203", NULL, "010203"},
	{"NULL", "\\# 0", NULL, ""},
	{"TYPE65534", "\\# 4 0a000001", "\\# 4 0A000001", "0a000001"},
	{"TYPE65533", "\\# 0", NULL, ""},
	{"A", "\\# 4 0a000001", "10.0.0.1", NULL},
	{"WKS", "\\# 5 C0000201 06", "\\# 5 C000020106", NULL},
	{"MX", "\\# 5 000a 01 61 00", "10 a.", NULL},
	{"TYPE1", "1.2.3.4", NULL, NULL},
};

static void test_roundtrip(void **state)
{
	(void)state;
	failures = 0;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		roundtrip(good[i].type, good[i].in, good[i].want, good[i].hex);
	assert_int_equal(failures, 0);
}

static const struct {
	const char *type, *in, *msg;
	size_t tok;
} bad[] = {
	{"A", "1.2.3", "bad IPv4 address '1.2.3'", 0},
	{"A", "1.2.3.256", "bad IPv4 address", 0},
	{"A", "01.2.3.4", "bad IPv4 address", 0},
	{"A", "", "missing A address", 0},
	{"A", "1.2.3.4 foo", "trailing data 'foo'", 1},
	{"AAAA", "2001:db8::g", "bad IPv6 address", 0},
	{"AAAA", "1.2.3.4", "bad IPv6 address", 0},
	{"NS", "a..b", "bad NS nameserver 'a..b': empty label", 0},
	{"MX", "10", "missing MX exchange", 1},
	{"MX", "65536 a.", "bad MX preference '65536': out of range (0..65535)", 0},
	{"MX", "-1 a.", "not a number", 0},
	{"MX", "x a.", "bad MX preference 'x': not a number", 0},
	{"SOA", "a. b. 1 2 3 4", "missing SOA minimum", 6},
	{"SOA", "a. b. 4294967296 2 3 4 5", "out of range", 2},
	{"SOA", "a. b. 1 1x 3 4 5", "bad SOA refresh '1x'", 3},
	{"SOA", "a. b. 1 1h30 3 4 5", "bad SOA refresh", 3},
	{"TXT", "", "missing TXT string", 0},
	{"TXT", "a\\", "bad escape", 0},
	{"TXT", "a\\25", "bad escape", 0},
	{"TXT", "a\\256", "bad escape", 0},
	{"HINFO", "a", "missing HINFO os", 1},
	{"HINFO", "a b c", "trailing data 'c'", 2},
	{"CAA", "0 is-sue x", "bad CAA tag", 1},
	{"CAA", "256 issue x", "out of range", 0},
	{"CAA", "0 issue", "missing CAA value", 2},
	{"URI", "1 1 \"\"", "empty URI target", 2},
	{"DS", "1 1 1 0011", "DS digest of 2 octets does not fit digest type 1", 3},
	{"DS", "1 1 1 001", "odd number of hex digits", 3},
	{"DS", "1 1 1 00zz", "bad DS digest '00zz': not hex", 3},
	{"DS", "1 1 1", "missing DS digest", 3},
	{"DS", "1 FOO 1 00", "bad DS algorithm 'FOO'", 1},
	{"SSHFP", "1 1 0011", "fingerprint of 2 octets does not fit", 2},
	{"ZONEMD", "1 1 1 00", "ZONEMD digest of 1 octets", 3},
	{"DNSKEY", "256 3 8 AQI", "base64 ends inside a quantum", 3},
	{"DNSKEY", "256 3 8 AQ=D", "not base64", 3},
	{"DNSKEY", "256 3 8 A===", "not base64", 3},
	{"DNSKEY", "256 3 8 AQ== AQ==", "not base64", 4},
	{"DNSKEY", "256 3 8 A*==", "not base64", 3},
	{"RRSIG", "A 8 3 3600 20240230000000 20230101000000 1 . AA==", "bad RRSIG expiration", 4},
	{"RRSIG", "A 8 3 3600 4294967296 0 1 . AA==", "bad RRSIG expiration", 4},
	{"RRSIG", "FOO 8 3 3600 0 0 1 . AA==", "bad RRSIG type-covered 'FOO': unknown type", 0},
	{"RRSIG", "A 8 3 1h 0 0 1 . AA==", "bad RRSIG original-TTL", 3},
	{"RRSIG", "A 8 3 3600 0 0 1 .", "missing RRSIG signature", 8},
	{"NSEC", "a. A FOO", "bad NSEC type in the bitmap 'FOO'", 2},
	{"NSEC", "a. TYPE65536", "bad NSEC type in the bitmap", 1},
	{"NSEC3", "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJW", "bad NSEC3 next-hashed-owner", 4},
	{"NSEC3", "1 0 0 - A", "bad NSEC3 next-hashed-owner", 4},
	{"NSEC3", "1 0 0 abc A", "odd number of hex digits", 3},
	{"NSEC3PARAM", "1 0 65536 -", "out of range", 2},
	{"LOC", "91 N 0 E 0m", "bad LOC latitude", 0},
	{"LOC", "42 21 54 X 71 06 18 W -24m", "hemisphere", 3},
	{"LOC", "42 60 N 71 W 0m", "bad LOC latitude '60'", 1},
	{"LOC", "42 N 181 W 0m", "bad LOC longitude", 2},
	{"LOC", "42 N 180 1 W 0m", "bad LOC longitude", 2},
	{"LOC", "42 N 71 W -100000.01m", "bad LOC altitude", 4},
	{"LOC", "42 N 71 W 0m 90000000.01m", "bad LOC size", 5},
	{"LOC", "42 N 71 W 0.001m", "bad LOC altitude", 4},
	{"LOC", "42 N 71 W", "missing LOC altitude", 4},
	{"LOC", "42 N 71 W 1m 1m 1m 1m 1m", "trailing data", 8},
	{"LOC", "42 21 54.1234 N 71 W 1m", "bad LOC latitude", 2},
	{"APL", "3:1.2.3.4/8", "bad APL item", 0},
	{"APL", "1:1.2.3.4/33", "prefix length not 0..32", 0},
	{"APL", "2:1.2.3.4/8", "bad IPv6 address", 0},
	{"APL", "1:1.2.3.4", "bad APL item", 0},
	{"IPSECKEY", "10 4 2 . AA==", "bad IPSECKEY gateway type 4", 3},
	{"IPSECKEY", "10 1 2 . AA==", "type 1 wants an IPv4 address", 3},
	{"IPSECKEY", "10 0 2 a. AA==", "type 0 wants", 3},
	{"HIP", "2 200 AwEA", "bad HIP HIT", 1},
	{"HIP", "2 2001", "missing HIP public key", 2},
	{"HIP", "2 2001 AwEA a..b", "rendezvous server name", 3},
	{"EUI48", "00-00-5e-00-53", "bad EUI48 address", 0},
	{"EUI48", "00:00:5e:00:53:2a", "bad EUI48 address", 0},
	{"EUI64", "00-00-5e-00-53-2a", "bad EUI64 address", 0},
	{"L64", "10 2001:db8:1140", "bad L64 locator", 1},
	{"L64", "10 2001:db8:1140:10000", "bad L64 locator", 1},
	{"NID", "10 0:0:0:0:0", "bad NID node-id", 1},
	{"CERT", "FOO 1 1 AA==", "CERT type mnemonic", 0},
	{"NULL", "01", "NULL rdata can only be given in the \\# form", 0},
	{"TYPE65534", "0a000001", "give its rdata in the \\# form", 0},
	{"A", "\\# 3 0a0000", "\\# data is not valid A rdata", 0},
	{"A", "\\# 4 0a0000", "\\# length 4 but 3 octets", 1},
	{"A", "\\# 4 0a00000101", "\\# length 4 but 5 octets", 1},
	{"A", "\\# 65536", "bad \\# length", 1},
	{"A", "\\#", "missing length after \\#", 1},
	{"A", "\\# 4 0a00000x", "bad \\# hex data", 2},
	{"A", "\\# 4 0a00000", "odd number of hex digits", 2},
	{"NS", "\\# 3 c00c00", "not valid NS rdata", 0},
	{"SVCB", "1 . foo=bar", "unknown SvcParam key 'foo'", 2},
	{"SVCB", "1 . alpn=h2 alpn=h3", "duplicate SvcParam key 'alpn'", 3},
	{"SVCB", "1 . mandatory=mandatory alpn=h2", "must not list itself", 2},
	{"SVCB", "1 . mandatory=key0", "must not list itself", 2},
	{"SVCB", "1 . mandatory=port", "mandatory lists key 'port' that is not present", 2},
	{"SVCB", "1 . mandatory=alpn,alpn alpn=h2", "duplicate key in SvcParam mandatory", 2},
	{"SVCB", "1 . alpn", "missing value for SvcParam 'alpn'", 2},
	{"SVCB", "1 . alpn=", "empty alpn identifier", 2},
	{"SVCB", "1 . alpn=h2,,h3", "empty alpn identifier", 2},
	{"SVCB", "1 . no-default-alpn", "no-default-alpn requires alpn", 2},
	{"SVCB", "1 . alpn=h2 no-default-alpn=x", "no-default-alpn takes no value", 3},
	{"SVCB", "1 . port=65536", "bad SvcParam port", 2},
	{"SVCB", "1 . port=1,2", "bad SvcParam port", 2},
	{"SVCB", "1 . ipv4hint=1.2.3", "bad IPv4 address in SvcParam ipv4hint", 2},
	{"SVCB", "1 . ipv6hint=1.2.3.4", "bad IPv6 address in SvcParam ipv6hint", 2},
	{"SVCB", "1 . ech=AQ", "bad base64 in SvcParam ech", 2},
	{"SVCB", "1 . key65536=x", "unknown SvcParam key 'key65536'", 2},
	{"SVCB", "1 . key1=\"abc", "unterminated quote", 2},
	{"SVCB", "1", "missing SVCB target", 1},
	{"CSYNC", "1 2 FOO", "bad CSYNC type in the bitmap 'FOO'", 2},
};

static void check_bad(const char *tname, const char *in, const char *msg, size_t tok)
{
	uint16_t type = type_of(tname);
	size_t len;
	rdata_err_t err;
	int rc = parse(type, in, wire1, &len, &err);
	if (rc == 0)
		report("%s '%s' accepted", tname, in);
	if (rc != ERR_BAD_RDATA)
		report("%s '%s': rc %d", tname, in, rc);
	if (strstr(err.msg, msg) == NULL)
		report("%s '%s': message '%s', want '%s'", tname, in, err.msg, msg);
	if (err.tok != tok)
		report("%s '%s': token %zu, want %zu (%s)", tname, in, err.tok, tok, err.msg);
}

static void test_bad(void **state)
{
	(void)state;
	failures = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(bad[i].type, bad[i].in, bad[i].msg, bad[i].tok);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
