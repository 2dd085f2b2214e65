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

#define MAXTOK 70000
static int failures;
#define report(...)                                                                                \
	do {                                                                                       \
		print_error(__VA_ARGS__);                                                          \
		print_error("\n");                                                                 \
		failures++;                                                                        \
		return;                                                                            \
	} while (0)
static rdata_tok_t toks[MAXTOK];
static uint8_t wire1[70000], wire2[70000];
static char text[RDATA_TEXT_MAXLEN];

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
    {"LOC", "42 21 54 N 71 06 18 W -24m 30m", "42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m",
     NULL},
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
    {"LOC", "1 2 3.4 n 5 6 7.8 e -0.5m", "1 2 3.400 N 5 6 7.800 E -0.50m 1m 10000m 10m", NULL},
    {"SRV", "0 5 5060 sip", "0 5 5060 sip.example.com.", NULL},
    {"NAPTR", "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp",
     "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.", NULL},
    {"NAPTR", "100 50 \"s\" \"z3950+I2L+I2C\" \"\" _z3950._tcp.gatech.edu.", NULL, NULL},
    {"CERT", "PKIX 0 RSASHA256 AQIDBA==", NULL, NULL},
    {"CERT", "65534 65535 254 AQIDBA==", "65534 65535 PRIVATEOID AQIDBA==", NULL},
    {"CERT", "1 2 4 AA==", "PKIX 2 4 AA==", NULL},
    {"CERT", "URI 2 0 AA==", NULL, NULL},
    {"CERT", "oid 2 1 AA==", "OID 2 RSAMD5 AA==", NULL},
    {"CERT", "1 2 NSEC3DSA AA==", "PKIX 2 6 AA==", NULL},
    {"CERT", "1 2 RSASHA1NSEC3SHA1 AA==", "PKIX 2 7 AA==", NULL},
    {"CERT", "1 2 ecc AA==", "PKIX 2 4 AA==", NULL},
    {"CERT", "1 2 253 AA==", "PKIX 2 PRIVATEDNS AA==", NULL},
    {"DNAME", "target", "target.example.com.", NULL},
    {"APL", "1:192.168.0.0/24 !1:10.0.0.0/8 2:2001:db8::/32 1:0.0.0.0/0", NULL,
     "00011802c0a8 00010881 0a 00022004 20010db8 00010000"},
    {"APL", "", NULL, ""},
    {"APL", "1:192.168.1.0/24 1:192.168.0.0/16 2:2001:db8:1::/64 2:::/0 !2:fe80::/10", NULL, NULL},
    {"DS", "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118", NULL, NULL},
    {"DS", "60485 RSASHA1 1 2bb183af5f22588179a53b0a 98631fad1a292118",
     "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118", NULL},
    {"CDS", "0 0 0 00", NULL, "0000000000"},
    {"DS", "1 8 SHA-256 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f",
     "1 8 2 000102030405060708090A0B0C0D0E0F000102030405060708090A0B 0C0D0E0F", NULL},
    {"DS", "1 RSASHA256 sha1 0001020304050607080900010203040506070809",
     "1 8 1 0001020304050607080900010203040506070809", NULL},
    {"SSHFP", "2 1 123456789abcdef67890123456789abcdef67890",
     "2 1 123456789ABCDEF67890123456789ABCDEF67890", NULL},
    {"IPSECKEY", "10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==", NULL, NULL},
    {"IPSECKEY", "10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==", NULL, NULL},
    {"IPSECKEY", "10 3 2 mygateway AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
     "10 3 2 mygateway.example.com. AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==", NULL},
    {"IPSECKEY", "10 2 2 2001:0DB8:0:8002::2000:1 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
     "10 2 2 2001:db8:0:8002::2000:1 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==", NULL},
    {"IPSECKEY", "10 1 0 192.0.2.38", NULL, "0a0100c0000226"},
    {"RRSIG", "A 8 3 3600 20240101000000 20230101000000 12345 example.com. AQIDBAUG", NULL, NULL},
    {"RRSIG", "A 8 3 3600 19691231235959 19700101000000 1 . AA==",
     "A 8 3 3600 21060207062815 19700101000000 1 . AA==", NULL},
    {"DS", "1 1 3 0102", "1 1 3 0102", NULL},
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
    {"DNSKEY",
     "257 3 8 "
     "AwEAAagAIKlVZrpC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjFFVQUTf6v58fLjwBd0YI0EzrAcQqBGCzh/"
     "RStIoO8g0NfnfL2MTJRkxoXbfDaUeVPQuYEhg37NZWAJQ9VnMVDxP/VHL496M/QZxkjf5/"
     "Efucp2gaDX6RS6CXpoY68LsvPVjR0ZSwzz1apAzvN9dlzEheX7ICJBBtuA6G3LQpzW5hOA2hzCTMjJPJ8LbqF6dsV6DoB"
     "Qzgul0sGIcGOYl7OyQdXfZ57relSQageu+ipAdTTJ25AsRTAoub8ONGcLmqrAmRLKBP1dfwhYB4N7knNnulqQxA+"
     "Uk1ihz0=",
     "257 3 8 AwEAAagAIKlVZrpC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjF "
     "FVQUTf6v58fLjwBd0YI0EzrAcQqBGCzh/RStIoO8g0NfnfL2MTJRkxoX "
     "bfDaUeVPQuYEhg37NZWAJQ9VnMVDxP/VHL496M/QZxkjf5/Efucp2gaD "
     "X6RS6CXpoY68LsvPVjR0ZSwzz1apAzvN9dlzEheX7ICJBBtuA6G3LQpz "
     "W5hOA2hzCTMjJPJ8LbqF6dsV6DoBQzgul0sGIcGOYl7OyQdXfZ57relS "
     "Qageu+ipAdTTJ25AsRTAoub8ONGcLmqrAmRLKBP1dfwhYB4N7knNnulq QxA+Uk1ihz0=",
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
     "2 200100107B1A74DF365639CC39F1D578 "
     "AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+"
     "Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D "
     "rvs1.example.com. rvs2",
     "2 200100107B1A74DF365639CC39F1D578 "
     "AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+"
     "Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D "
     "rvs1.example.com. rvs2.example.com.",
     NULL},
    {"HIP", "2 2001 AwEA", "2 2001 AwEA", "02020003 2001 030100"},
    {"OPENPGPKEY", "AQIDBAUGBwgJCgsMDQ4PEBES", NULL, NULL},
    {"CSYNC", "66 3 A NS AAAA", NULL, "000000420003000460000008"},
    {"CSYNC", "0 0", NULL, "0000000000 00"},
    {"ZONEMD",
     "2018031900 1 1 "
     "FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B641A47BA7FED2DD5B97AE499FAFA4F22C6BD64"
     "7DE",
     "2018031900 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B6 "
     "41A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE",
     NULL},
    {"ZONEMD", "1 0 240 000102030405060708090a0b", "1 0 240 000102030405060708090A0B", NULL},
    {"SVCB", "0 foo.example.", NULL, "0000 03666f6f076578616d706c6500"},
    {"SVCB",
     "1 . alpn=h2,h3 port=443 ipv4hint=192.0.2.1,192.0.2.2 ech=AQID "
     "ipv6hint=2001:db8::1 mandatory=port,alpn",
     "1 . mandatory=alpn,port alpn=\"h2,h3\" port=443 ipv4hint=192.0.2.1,192.0.2.2 "
     "ech=AQID ipv6hint=2001:db8::1",
     NULL},
    {"SVCB", "16 foo.example.org. key667=hello", "16 foo.example.org. key667=\"hello\"", NULL},
    {"SVCB", "16 foo.example.org. key667=\"hello\\210qoo\"", NULL, NULL},
    {"SVCB", "1 foo.example.org. no-default-alpn alpn=h2 key65333=ex1 key7=/q{?dns}",
     "1 foo.example.org. alpn=\"h2\" no-default-alpn key7=\"/q{?dns}\" key65333=\"ex1\"", NULL},
    {"SVCB", "1 . key667", NULL, "0001 00 029b0000"},
    {"SVCB", "1 . key667=\"\"", "1 . key667", NULL},
    {"SVCB", "1 . key667=\"a b\" alpn=\"a b,\\\"c\"", "1 . alpn=\"a\\032b,\\\"c\" key667=\"a b\"",
     NULL},
    {"SVCB", "1 . key667= \"quoted value\"", "1 . key667=\"quoted value\"", NULL},
    {"SVCB", "1 . ech=\"AQID\"", "1 . ech=AQID", NULL},
    {"SVCB", "1 . key65535=x", "1 . key65535=\"x\"", NULL},
    {"SVCB", "1 . dohpath=/dns-query{?dns}", "1 . key7=\"/dns-query{?dns}\"", NULL},
    {"SVCB", "1 . ALPN=h2 Port=1 KEY9=x", "1 . alpn=\"h2\" port=1 key9=\"x\"", NULL},
    {"HTTPS", "1 . alpn=h3 no-default-alpn", "1 . alpn=\"h3\" no-default-alpn", NULL},
    {"NID", "10 0014:4fff:ff20:ee64", NULL, "000a00144fffff20ee64"},
    {"NID", "10 14:4FFF:0:1", "10 0014:4fff:0000:0001", NULL},
    {"L32", "10 10.1.2.0", NULL, "000a0a010200"},
    {"L64", "10 2001:0DB8:1140:1000", "10 2001:0db8:1140:1000", NULL},
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
    {"DS", "1 1 1 \"\"", "empty DS digest", 3},
    {"DHCID", "\"\"", "empty DHCID data", 0},
    {"DS", "1 1 1 00zz", "bad DS digest '00zz': not hex", 3},
    {"DS", "1 1 1", "missing DS digest", 3},
    {"DS", "1 FOO 1 00", "bad DS algorithm 'FOO'", 1},
    {"DS", "1 1 SHA-512 00", "bad DS digest-type 'SHA-512'", 2},
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
    {"CNAME", "", "missing CNAME target", 0},
    {"CNAME", "a b", "trailing data 'b'", 1},
    {"PTR", "a\\", "bad PTR target", 0},
    {"DNAME", "a..", "bad DNAME target", 0},
    {"MB", "", "missing MB mailbox", 0},
    {"MG", "a b", "trailing data", 1},
    {"MR", ".a", "empty label", 0},
    {"MD", "", "missing MD host", 0},
    {"MF", "", "missing MF host", 0},
    {"MINFO", "a.", "missing MINFO emailbx", 1},
    {"RP", "a.", "missing RP txt-name", 1},
    {"AFSDB", "x a.", "bad AFSDB subtype", 0},
    {"RT", "1", "missing RT intermediate-host", 1},
    {"PX", "1 a.", "missing PX mapx400", 2},
    {"KX", "1 a..", "bad KX exchanger", 1},
    {"SRV", "1 2 65536 a.", "bad SRV port '65536'", 2},
    {"SRV", "1 2 3", "missing SRV target", 3},
    {"NAPTR", "1 2 S SIP", "missing NAPTR regexp", 4},
    {"SIG", "A 5 3 3600 0 0 12345 .", "missing SIG signature", 8},
    {"KEY", "256 3", "missing KEY algorithm", 2},
    {"KEY", "256 3 5 AQ!D", "bad KEY public-key", 3},
    {"CDS", "1 1 2 00", "CDS digest of 1 octets does not fit digest type 2", 3},
    {"CDNSKEY", "0 256 0 AA==", "bad CDNSKEY protocol '256'", 1},
    {"DHCID", "", "missing DHCID data", 0},
    {"DHCID", "====", "not base64", 0},
    {"TLSA", "3 1 1", "missing TLSA data", 3},
    {"TLSA", "3 1 256 00", "out of range", 2},
    {"SMIMEA", "3 1 1 0g", "bad SMIMEA data '0g': not hex", 3},
    {"OPENPGPKEY", "", "missing OPENPGPKEY public-key", 0},
    {"SPF", "", "missing SPF string", 0},
    {"LP", "1", "missing LP fqdn", 1},
    {"URI", "1 1", "missing URI target", 2},
    {"HTTPS", "1 . alpn=h2 alpn=h3", "duplicate SvcParam key 'alpn'", 3},
    {"EUI48", "00-00-5e-00-53-2x", "bad EUI48 address", 0},
    {"CERT", "1 1 1", "missing CERT certificate", 3},
    {"ZONEMD", "1 1 2 00", "ZONEMD digest of 1 octets", 3},
    {"IPSECKEY", "10 1 2", "missing IPSECKEY gateway", 3},
    {"NSEC3PARAM", "1 0 1 zz", "want hex or '-'", 3},
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

/* RFC 9460 Appendix D: presentation and wire forms. */
static void test_svcb_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *type, *in, *want, *hex;
	} v[] = {
	    {"HTTPS", "0 foo.example.com.", NULL, "0000 03666f6f076578616d706c6503636f6d00"},
	    {"SVCB", "1 .", NULL, "000100"},
	    {"SVCB", "16 foo.example.com. port=53", NULL,
	     "0010 03666f6f076578616d706c6503636f6d00 000300020035"},
	    {"SVCB", "1 foo.example.com. key667=hello", "1 foo.example.com. key667=\"hello\"",
	     "0001 03666f6f076578616d706c6503636f6d00 029b000568656c6c6f"},
	    {"SVCB", "1 foo.example.com. key667=\"hello\\210qoo\"", NULL,
	     "0001 03666f6f076578616d706c6503636f6d00 029b000968656c6c6fd2716f6f"},
	    {"SVCB", "1 foo.example.com. ipv6hint=\"2001:db8::1,2001:db8::53:1\"",
	     "1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1",
	     "0001 03666f6f076578616d706c6503636f6d00 00060020"
	     "20010db8000000000000000000000001 20010db8000000000000000000530001"},
	    {"SVCB", "1 example.com. ipv6hint=\"2001:db8:122:344::192.0.2.33\"",
	     "1 example.com. ipv6hint=2001:db8:122:344::c000:221",
	     "0001 076578616d706c6503636f6d00 00060010 20010db8012203440000 0000c0000221"},
	    {"SVCB", "16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1",
	     "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1",
	     "0010 03666f6f076578616d706c65036f726700 0000000400010004 "
	     "000100090268320568332d3139 00040004c0000201"},
	    {"SVCB", "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"", NULL,
	     "0010 03666f6f076578616d706c65036f726700 0001000c 08665c6f6f2c626172 026832"},
	    {"SVCB", "16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2",
	     "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"",
	     "0010 03666f6f076578616d706c65036f726700 0001000c 08665c6f6f2c626172 026832"},
	};
	failures = 0;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		roundtrip(v[i].type, v[i].in, v[i].want, v[i].hex);
	/* D.3, failure cases */
	check_bad("SVCB", "1 foo.example.com. key123=abc key123=def", "duplicate SvcParam key", 3);
	check_bad("SVCB", "1 foo.example.com. mandatory", "missing value", 2);
	check_bad("SVCB", "1 foo.example.com. alpn", "missing value", 2);
	check_bad("SVCB", "1 foo.example.com. port", "missing value", 2);
	check_bad("SVCB", "1 foo.example.com. ipv4hint", "missing value", 2);
	check_bad("SVCB", "1 foo.example.com. ipv6hint", "missing value", 2);
	check_bad("SVCB", "1 foo.example.com. no-default-alpn=abc", "takes no value", 2);
	check_bad("SVCB", "1 foo.example.com. mandatory=key123", "not present", 2);
	check_bad("SVCB", "1 foo.example.com. mandatory=mandatory", "must not list itself", 2);
	check_bad("SVCB", "1 foo.example.com. ipv6hint=\"2001:db8::1,1.2.3.4\"", "ipv6hint", 2);
	assert_int_equal(failures, 0);
}

static void check_wire_bad(const char *tname, const char *hex, int want)
{
	uint8_t in[1024];
	size_t n = unhex(hex, in), len;
	uint16_t type = type_of(tname);
	int rc = rdata_from_wire(type, in, n, 0, n, wire1, sizeof(wire1), &len);
	if (rc != want)
		report("%s wire %s: rc %d (%s), want %d", tname, hex, rc, err_str(rc), want);
	if (rdata_check(type, in, n) == 0)
		report("%s wire %s: rdata_check accepted", tname, hex);
}

static void test_wire_bad(void **state)
{
	(void)state;
	static const struct {
		const char *type, *hex;
		int rc;
	} v[] = {
	    {"A", "010203", ERR_MALFORMED},
	    {"A", "0102030405", ERR_MALFORMED},
	    {"AAAA", "000102030405060708090a0b0c0d0e", ERR_MALFORMED},
	    {"MX", "00", ERR_MALFORMED},
	    {"MX", "000a0161", ERR_MALFORMED},
	    {"MX", "000a 40 00", ERR_MALFORMED},
	    {"NS", "0161 00 00", ERR_MALFORMED},
	    {"TXT", "", ERR_MALFORMED},
	    {"TXT", "0361", ERR_MALFORMED},
	    {"HINFO", "0161", ERR_MALFORMED},
	    {"SOA", "00 00 00000001 00000002 00000003 00000004", ERR_MALFORMED},
	    {"LOC", "01 12 16 13 80000000 80000000 00989680", ERR_MALFORMED},
	    {"LOC", "00 a0 16 13 80000000 80000000 00989680", ERR_MALFORMED},
	    {"LOC", "00 1a 16 13 80000000 80000000 00989680", ERR_MALFORMED},
	    {"LOC", "00 05 16 13 80000000 80000000 00989680", ERR_MALFORMED},
	    {"LOC", "00 12 16 13 93affe01 80000000 00989680", ERR_MALFORMED},
	    {"LOC", "00 12 16 13 80000000 a6a0bc01 00989680", ERR_MALFORMED},
	    {"LOC", "00 12 16 13 80000000 80000000 009896", ERR_MALFORMED},
	    {"APL", "0003 08 01 0a", ERR_MALFORMED},
	    {"APL", "0001 21 01 0a", ERR_MALFORMED},
	    {"APL", "0001 08 02 0a00", ERR_MALFORMED},
	    {"APL", "0001 08 05 0a00000001", ERR_MALFORMED},
	    {"APL", "0001 08 02 0a", ERR_MALFORMED},
	    {"DS", "0001 08 01 00", ERR_MALFORMED},
	    {"DS", "0001 08 02 0001020304050607080910111213141516171819", ERR_MALFORMED},
	    {"DS", "0001 08 01", ERR_MALFORMED},
	    {"NSEC", "00 0101 40 0001 40", ERR_MALFORMED},
	    {"NSEC", "00 0001 40 0001 40", ERR_MALFORMED},
	    {"NSEC", "00 0000", ERR_MALFORMED},
	    {"NSEC", "00 0021 40000000000000000000000000000000000000000000000000000000000000 01",
	     ERR_MALFORMED},
	    {"NSEC", "00 0002 4000", ERR_MALFORMED},
	    {"NSEC", "00 0002 40", ERR_MALFORMED},
	    {"NSEC", "00 00", ERR_MALFORMED},
	    {"NSEC3", "01 00 0000 00 00", ERR_MALFORMED},
	    {"NSEC3", "01 00 0000 01", ERR_MALFORMED},
	    {"NSEC3PARAM", "01 00 0000 02 aa", ERR_MALFORMED},
	    {"SVCB", "0001 00 0003 0002 0035 0001 0003 026832", ERR_MALFORMED},
	    {"SVCB", "0001 00 0003 0002 0035 0003 0002 0035", ERR_MALFORMED},
	    {"SVCB", "0001 00 0000 0004 0003 0001 0003 0002 0035", ERR_MALFORMED},
	    {"SVCB", "0001 00 0000 0002 0004 0003 0002 0035", ERR_MALFORMED},
	    {"SVCB", "0001 00 0000 0000", ERR_MALFORMED},
	    {"SVCB", "0001 00 0000 0003 0003", ERR_MALFORMED},
	    {"SVCB", "0001 00 0001 0004 026832 05", ERR_MALFORMED},
	    {"SVCB", "0001 00 0001 0001 00", ERR_MALFORMED},
	    {"SVCB", "0001 00 0001 0000", ERR_MALFORMED},
	    {"SVCB", "0001 00 0002 0000", ERR_MALFORMED},
	    {"SVCB", "0001 00 0001 0003 026832 0002 0001 00", ERR_MALFORMED},
	    {"SVCB", "0001 00 0003 0003 003500", ERR_MALFORMED},
	    {"SVCB", "0001 00 0004 0005 0102030405", ERR_MALFORMED},
	    {"SVCB", "0001 00 0004 0000", ERR_MALFORMED},
	    {"SVCB", "0001 00 0005 0000", ERR_MALFORMED},
	    {"SVCB", "0001 00 0006 0004 01020304", ERR_MALFORMED},
	    {"SVCB", "0001 00 0007 0004 0102", ERR_MALFORMED},
	    {"SVCB", "0001 00 0007", ERR_MALFORMED},
	    {"SVCB", "0001", ERR_MALFORMED},
	    {"HTTPS", "0001 c000", ERR_BAD_POINTER},
	    {"CAA", "00 00", ERR_MALFORMED},
	    {"CAA", "00 02 612d", ERR_MALFORMED},
	    {"URI", "0001 0001", ERR_MALFORMED},
	    {"IPSECKEY", "0a 04 02", ERR_MALFORMED},
	    {"IPSECKEY", "0a 01 02 c00002", ERR_MALFORMED},
	    {"IPSECKEY", "0a 03 02 c000", ERR_BAD_POINTER},
	    {"HIP", "00 02 0001 aa", ERR_MALFORMED},
	    {"HIP", "01 02 0000 aa", ERR_MALFORMED},
	    {"HIP", "01 02 0001 aa", ERR_MALFORMED},
	    {"HIP", "01 02 0001 aa bb 0161", ERR_MALFORMED},
	    {"HIP", "01 02 0001 aa bb c000", ERR_BAD_POINTER},
	    {"EUI48", "00005e00532a00", ERR_MALFORMED},
	    {"EUI64", "00005e00532a", ERR_MALFORMED},
	    {"DNSKEY", "010003", ERR_MALFORMED},
	    {"RRSIG", "0001 08 03 00000e10 00000000 00000000 0001 00", ERR_MALFORMED},
	    {"RRSIG", "0001 08 03 00000e10 00000000 00000000 0001 c000 00", ERR_BAD_POINTER},
	    {"SIG", "0001 08 03 00000e10 00000000 00000000 0001 00", ERR_MALFORMED},
	    {"CERT", "0001 0001 01", ERR_MALFORMED},
	    {"DHCID", "", ERR_MALFORMED},
	    {"OPENPGPKEY", "", ERR_MALFORMED},
	    {"CSYNC", "0000000100", ERR_MALFORMED},
	    {"ZONEMD", "00000001 01 01 00", ERR_MALFORMED},
	    {"SSHFP", "01 01 00", ERR_MALFORMED},
	    {"TLSA", "03 01 01", ERR_MALFORMED},
	    {"NID", "000a 0001", ERR_MALFORMED},
	    {"L32", "000a 01020304 05", ERR_MALFORMED},
	    {"LP", "000a", ERR_MALFORMED},
	    {"KX", "000a c000", ERR_BAD_POINTER},
	    {"DNAME", "c000", ERR_BAD_POINTER},
	    {"NSEC", "c000", ERR_BAD_POINTER},
	    {"MX", "000a c002", ERR_BAD_POINTER}, /* a pointer to itself */
	};
	failures = 0;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		check_wire_bad(v[i].type, v[i].hex, v[i].rc);
	assert_int_equal(failures, 0);
}

/* A message with "example.com." at offset 0 and rdata after it. */
static int from_msg(const char *tname, const char *rdhex, uint8_t *out, size_t *len)
{
	uint8_t msg[512];
	memcpy(msg, ORIGIN, sizeof(ORIGIN));
	size_t n = unhex(rdhex, msg + sizeof(ORIGIN));
	return rdata_from_wire(type_of(tname), msg, sizeof(ORIGIN) + n, sizeof(ORIGIN), n, out,
	                       RDATA_MAXLEN, len);
}

static void expect_text(const char *tname, const uint8_t *rd, size_t len, const char *want)
{
	assert_true(rdata_to_text(type_of(tname), rd, len, text, sizeof(text)) >= 0);
	assert_string_equal(text, want);
}

static void test_compression(void **state)
{
	(void)state;
	size_t len;
	/* RFC 3597 §4: RFC 1035 types decompress */
	assert_int_equal(from_msg("MX", "000a 046d61696c c000", wire1, &len), 0);
	expect_text("MX", wire1, len, "10 mail.example.com.");
	assert_int_equal(from_msg("SOA",
	                          "c000 0168 c000 00000001 00000002 00000003 00000004 "
	                          "00000005",
	                          wire1, &len),
	                 0);
	expect_text("SOA", wire1, len, "example.com. h.example.com. 1 2 3 4 5");
	assert_int_equal(from_msg("CNAME", "c008", wire1, &len), 0);
	expect_text("CNAME", wire1, len, "com.");
	/* ...and SHOULD for RP AFSDB RT SIG PX NAPTR SRV */
	assert_int_equal(from_msg("SRV", "0000 0001 0035 c000", wire1, &len), 0);
	expect_text("SRV", wire1, len, "0 1 53 example.com.");
	assert_int_equal(from_msg("NAPTR", "0001 0002 0153 00 00 c000", wire1, &len), 0);
	expect_text("NAPTR", wire1, len, "1 2 \"S\" \"\" \"\" example.com.");
	assert_int_equal(from_msg("RP", "c000 c008", wire1, &len), 0);
	assert_int_equal(from_msg("AFSDB", "0001 c000", wire1, &len), 0);
	assert_int_equal(from_msg("RT", "0001 c000", wire1, &len), 0);
	assert_int_equal(from_msg("PX", "0001 c000 c008", wire1, &len), 0);
	assert_int_equal(
	    from_msg("SIG", "0001 05 02 00000e10 00000000 00000000 0001 c000 aabb", wire1, &len),
	    0);
	/* the others must not carry pointers */
	assert_int_equal(from_msg("NSEC", "0161 c000 0001 40", wire1, &len), ERR_BAD_POINTER);
	assert_int_equal(
	    from_msg("RRSIG", "0001 05 02 00000e10 00000000 00000000 0001 c000 aabb", wire1, &len),
	    ERR_BAD_POINTER);
	assert_int_equal(from_msg("KX", "0001 c000", wire1, &len), ERR_BAD_POINTER);
	assert_int_equal(from_msg("DNAME", "c000", wire1, &len), ERR_BAD_POINTER);
	assert_int_equal(from_msg("SVCB", "0001 c000", wire1, &len), ERR_BAD_POINTER);
	assert_int_equal(from_msg("LP", "0001 c000", wire1, &len), ERR_BAD_POINTER);
	/* a pointer forward, and a name running past RDLENGTH */
	assert_int_equal(from_msg("MX", "000a c00f 00", wire1, &len), ERR_BAD_POINTER);
	assert_int_equal(from_msg("MX", "000a 03616263", wire1, &len), ERR_MALFORMED);
	/* RDLENGTH beyond the message */
	uint8_t m[4] = {1, 2, 3, 4};
	assert_int_equal(rdata_from_wire(RRTYPE_A, m, 4, 1, 4, wire1, 100, &len), ERR_TRUNCATED);
	/* the output buffer too small for the decompressed form */
	uint8_t msg[64];
	memcpy(msg, ORIGIN, sizeof(ORIGIN));
	memcpy(msg + sizeof(ORIGIN), "\0\x0a\xc0\0", 4);
	assert_int_equal(
	    rdata_from_wire(RRTYPE_MX, msg, sizeof(ORIGIN) + 4, sizeof(ORIGIN), 4, wire1, 10, &len),
	    ERR_SPACE);
	assert_int_equal(
	    rdata_from_wire(RRTYPE_MX, msg, sizeof(ORIGIN) + 4, sizeof(ORIGIN), 4, wire1, 15, &len),
	    0);
	assert_int_equal(len, 15);
}

typedef struct {
	int calls;
	bool compress[8];
	char names[8][NAME_TEXT_MAXLEN];
} putlog_t;

static int put_name(void *ctx, wire_t *w, const uint8_t *name, bool compress)
{
	putlog_t *l = ctx;
	if (l->calls < 8) {
		l->compress[l->calls] = compress;
		assert_true(name_to_text(name, l->names[l->calls], NAME_TEXT_MAXLEN) > 0);
	}
	l->calls++;
	wire_write(w, name, name_length(name));
	return w->err;
}

static void to_wire(const char *tname, const char *in, putlog_t *log)
{
	size_t len;
	rdata_err_t err;
	uint8_t out[1024];
	uint16_t type = type_of(tname);
	memset(log, 0, sizeof(*log));
	assert_int_equal(parse(type, in, wire1, &len, &err), 0);
	wire_t w = wire_init(out, sizeof(out));
	assert_int_equal(rdata_to_wire(type, wire1, len, &w, put_name, log), 0);
	/* the callback wrote names uncompressed: the same octets come out */
	assert_int_equal(wire_offset(&w), len);
	assert_memory_equal(out, wire1, len);
}

static void test_to_wire(void **state)
{
	(void)state;
	putlog_t l;
	to_wire("MX", "10 mail.", &l);
	assert_int_equal(l.calls, 1);
	assert_true(l.compress[0]);
	assert_string_equal(l.names[0], "mail.");
	to_wire("SOA", "a. b. 1 2 3 4 5", &l);
	assert_int_equal(l.calls, 2);
	assert_true(l.compress[0] && l.compress[1]);
	to_wire("SRV", "1 2 3 t.", &l);
	assert_int_equal(l.calls, 1);
	assert_false(l.compress[0]);
	to_wire("NSEC", "n. A", &l);
	assert_int_equal(l.calls, 1);
	assert_false(l.compress[0]);
	to_wire("RRSIG", "A 8 1 0 0 0 1 s. AA==", &l);
	assert_int_equal(l.calls, 1);
	assert_string_equal(l.names[0], "s.");
	assert_false(l.compress[0]);
	to_wire("HIP", "2 2001 AwEA r1. r2.", &l);
	assert_int_equal(l.calls, 2);
	assert_string_equal(l.names[1], "r2.");
	assert_false(l.compress[1]);
	to_wire("IPSECKEY", "1 3 2 gw. AA==", &l);
	assert_int_equal(l.calls, 1);
	assert_string_equal(l.names[0], "gw.");
	to_wire("IPSECKEY", "1 1 2 1.2.3.4 AA==", &l);
	assert_int_equal(l.calls, 0);
	to_wire("SVCB", "1 t. alpn=h2", &l);
	assert_int_equal(l.calls, 1);
	assert_false(l.compress[0]);
	to_wire("NAPTR", "1 2 \"\" \"\" \"\" r.", &l);
	assert_int_equal(l.calls, 1);
	assert_false(l.compress[0]);
	to_wire("A", "1.2.3.4", &l);
	assert_int_equal(l.calls, 0);
	to_wire("TYPE65000", "\\# 2 c000", &l);
	assert_int_equal(l.calls, 0);
	/* the writer's sticky error comes back */
	size_t len;
	rdata_err_t err;
	uint8_t small[3];
	assert_int_equal(parse(RRTYPE_A, "1.2.3.4", wire1, &len, &err), 0);
	wire_t w = wire_init(small, sizeof(small));
	assert_int_equal(rdata_to_wire(RRTYPE_A, wire1, len, &w, put_name, &l), ERR_SPACE);
}

static void canon(const char *tname, const char *in, const char *want)
{
	size_t len;
	rdata_err_t err;
	uint16_t type = type_of(tname);
	assert_int_equal(parse(type, in, wire1, &len, &err), 0);
	rdata_canonicalize(type, wire1, len);
	expect_text(tname, wire1, len, want);
}

static void test_canonical(void **state)
{
	(void)state;
	/* RFC 4034 §6.2 as amended by RFC 6840 §5.1 */
	canon("MX", "10 MAIL.Example.", "10 mail.example.");
	canon("SOA", "NS.A. Host.B. 1 2 3 4 5", "ns.a. host.b. 1 2 3 4 5");
	canon("NSEC", "Host.Example. A", "Host.Example. A");
	canon("RRSIG", "A 8 1 0 0 0 1 Signer.EXAMPLE. AA==",
	      "A 8 1 0 19700101000000 19700101000000 1 signer.example. AA==");
	canon("NAPTR", "1 2 \"S\" \"X\" \"\" R.", "1 2 \"S\" \"X\" \"\" r.");
	canon("SRV", "1 2 3 T.", "1 2 3 t.");
	canon("DNAME", "T.", "t.");
	canon("KX", "1 T.", "1 t.");
	canon("RP", "A.B. C.D.", "a.b. c.d.");
	canon("PX", "1 A. B.", "1 a. b.");
	canon("SVCB", "1 T. key9=\"X\"", "1 T. key9=\"X\"");
	canon("TXT", "ABC", "\"ABC\"");
	canon("HIP", "2 2001 AwEA R.", "2 2001 AwEA R.");
	canon("LP", "1 A.", "1 A.");
	/* RFC 4034 §6.3 order: octet strings, a prefix first */
	static const uint8_t a[] = {1, 2, 3}, b[] = {1, 2, 4}, c[] = {1, 2};
	assert_true(rdata_compare(a, 3, b, 3) < 0);
	assert_true(rdata_compare(b, 3, a, 3) > 0);
	assert_true(rdata_compare(c, 2, a, 3) < 0);
	assert_true(rdata_compare(a, 3, c, 2) > 0);
	assert_int_equal(rdata_compare(a, 3, a, 3), 0);
	assert_int_equal(rdata_compare(a, 0, b, 0), 0);
	assert_true(rdata_compare(a, 0, b, 1) < 0);
}

/* Character strings of 255/256 octets, rdata of 65535/65536 octets,
 * names of 255 octets inside rdata. */
static void test_limits(void **state)
{
	(void)state;
	static char in[300000];
	size_t len, o;
	rdata_err_t err;
	/* 255 octets, written as \DDD escapes too */
	memset(in, 'x', 255);
	in[255] = 0;
	assert_int_equal(parse(RRTYPE_TXT, in, wire1, &len, &err), 0);
	assert_int_equal(len, 256);
	in[255] = 'x';
	in[256] = 0;
	assert_int_equal(parse(RRTYPE_TXT, in, wire1, &len, &err), ERR_BAD_RDATA);
	assert_non_null(strstr(err.msg, "TXT string longer than 255 octets"));
	o = 0;
	in[o++] = '"';
	for (int i = 0; i < 255; i++)
		o += (size_t)sprintf(in + o, "\\%03d", i);
	in[o++] = '"';
	in[o] = 0;
	assert_int_equal(parse(RRTYPE_TXT, in, wire1, &len, &err), 0);
	assert_int_equal(len, 256);
	assert_int_equal(parse(RRTYPE_HINFO, "\"\" \"\"", wire1, &len, &err), 0);
	/* 255 strings of 255 octets and one of 254: exactly 65535 octets */
	o = 0;
	for (int s = 0; s < 256; s++) {
		int n = s == 255 ? 254 : 255;
		memset(in + o, 'a' + s % 26, (size_t)n);
		o += (size_t)n;
		in[o++] = ' ';
	}
	in[o - 1] = 0;
	assert_int_equal(parse(RRTYPE_TXT, in, wire1, &len, &err), 0);
	assert_int_equal(len, 65535);
	assert_true(rdata_to_text(RRTYPE_TXT, wire1, len, text, sizeof(text)) > 0);
	assert_int_equal(rdata_check(RRTYPE_TXT, wire1, len), 0);
	assert_int_equal(rdata_from_wire(RRTYPE_TXT, wire1, len, 0, len, wire2, RDATA_MAXLEN, &len),
	                 0);
	assert_int_equal(len, 65535);
	/* the output buffer one short: ERR_SPACE, not a syntax error */
	size_t n = tokenize(in, toks, MAXTOK);
	assert_int_equal(rdata_from_text(RRTYPE_TXT, toks, n, ORIGIN, wire1, 65534, &len, &err),
	                 ERR_SPACE);
	/* one more octet: 65536 */
	in[o - 1] = 'z';
	in[o] = 0;
	assert_int_equal(parse(RRTYPE_TXT, in, wire1, &len, &err), ERR_BAD_RDATA);
	assert_non_null(strstr(err.msg, "rdata longer than 65535 octets"));
	/* \# 65535 for an unknown type, \# 65536 rejected */
	o = (size_t)sprintf(in, "\\# 65535 ");
	memset(in + o, 'a', 2 * 65535);
	in[o + 2 * 65535] = 0;
	assert_int_equal(parse(65280, in, wire1, &len, &err), 0);
	assert_int_equal(len, 65535);
	assert_true(rdata_to_text(65280, wire1, len, text, sizeof(text)) > 0);
	assert_int_equal(rdata_from_wire(65280, wire1, len, 0, len, wire2, RDATA_MAXLEN, &len), 0);
	assert_int_equal(rdata_check(65280, wire1, 65536), ERR_MALFORMED);
	o = (size_t)sprintf(in, "\\# 65536 ");
	memset(in + o, 'a', 2 * 65536);
	in[o + 2 * 65536] = 0;
	assert_int_equal(parse(65280, in, wire1, &len, &err), ERR_BAD_RDATA);
	/* 65535-octet \# data that is not a valid TXT */
	o = (size_t)sprintf(in, "\\# 65535 ");
	memset(in + o, 'f', 2 * 65535);
	in[o + 2 * 65535] = 0;
	assert_int_equal(parse(RRTYPE_TXT, in, wire1, &len, &err), ERR_BAD_RDATA);
	/* names of 255 octets in rdata; 256 rejected */
	char name[300];
	o = 0;
	for (int l = 0; l < 4; l++) {
		int ll = l == 3 ? 61 : 63;
		memset(name + o, 'b', (size_t)ll);
		o += (size_t)ll;
		name[o++] = '.';
	}
	name[o] = 0;
	snprintf(in, 1000, "10 %s", name);
	assert_int_equal(parse(RRTYPE_MX, in, wire1, &len, &err), 0);
	assert_int_equal(len, 257);
	assert_true(rdata_to_text(RRTYPE_MX, wire1, len, text, sizeof(text)) > 0);
	assert_string_equal(text, in);
	assert_int_equal(rdata_from_wire(RRTYPE_MX, wire1, len, 0, len, wire2, RDATA_MAXLEN, &len),
	                 0);
	snprintf(in, 1000, "%s %s 1 2 3 4 5", name, name);
	assert_int_equal(parse(RRTYPE_SOA, in, wire1, &len, &err), 0);
	assert_int_equal(len, 530);
	snprintf(in, 1000, "10 c.%s", name);
	assert_int_equal(parse(RRTYPE_MX, in, wire1, &len, &err), ERR_BAD_RDATA);
	assert_non_null(strstr(err.msg, "longer than 255"));
	/* a relative name that only overflows with the origin */
	name[o - 1] = 0;
	snprintf(in, 1000, "10 %s", name);
	assert_int_equal(parse(RRTYPE_MX, in, wire1, &len, &err), ERR_BAD_RDATA);
	/* wire: a 256-octet name */
	uint8_t w[300];
	size_t wl = 0;
	w[wl++] = 0;
	w[wl++] = 1;
	for (int l = 0; l < 4; l++) {
		w[wl++] = 63;
		memset(w + wl, 'c', 63);
		wl += 63;
	}
	w[wl++] = 0;
	assert_int_equal(rdata_from_wire(RRTYPE_MX, w, wl, 0, wl, wire1, RDATA_MAXLEN, &len),
	                 ERR_MALFORMED);
	/* the longest text: an NSEC naming all 65536 types */
	wl = 0;
	wire1[wl++] = 0;
	for (int win = 0; win < 256; win++) {
		wire1[wl++] = (uint8_t)win;
		wire1[wl++] = 32;
		memset(wire1 + wl, 0xff, 32);
		wl += 32;
	}
	assert_int_equal(rdata_check(RRTYPE_NSEC, wire1, wl), 0);
	int tl = rdata_to_text(RRTYPE_NSEC, wire1, wl, text, sizeof(text));
	assert_true(tl > 0 && (size_t)tl < RDATA_TEXT_MAXLEN);
	assert_int_equal(parse(RRTYPE_NSEC, text, wire2, &len, &err), 0);
	assert_int_equal(len, wl);
	assert_memory_equal(wire1, wire2, wl);
	/* printing into a buffer too small */
	assert_int_equal(parse(RRTYPE_A, "1.2.3.4", wire1, &len, &err), 0);
	assert_int_equal(rdata_to_text(RRTYPE_A, wire1, len, text, 7), ERR_SPACE);
	assert_int_equal(rdata_to_text(RRTYPE_A, wire1, len, text, 8), 7);
	assert_int_equal(rdata_to_text(RRTYPE_A, wire1, len, text, 0), ERR_SPACE);
	/* no origin: relative names are an error */
	size_t nt = tokenize("10 mail", toks, MAXTOK);
	assert_int_equal(rdata_from_text(RRTYPE_MX, toks, nt, NULL, wire1, 100, &len, &err),
	                 ERR_BAD_RDATA);
	assert_non_null(strstr(err.msg, "relative name"));
	assert_int_equal(err.tok, 1);
}

static void test_rrtype(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		uint16_t t;
	} names[] = {
	    {"A", 1},
	    {"a", 1},
	    {"Aaaa", 28},
	    {"NS", 2},
	    {"TYPE65535", 65535},
	    {"type1", 1},
	    {"NSEC3PARAM", 51},
	    {"nsap-ptr", 23},
	    {"SVCB", 64},
	    {"HTTPS", 65},
	    {"CAA", 257},
	    {"URI", 256},
	    {"ANY", 255},
	    {"AXFR", 252},
	    {"MAILA", 254},
	    {"OPENPGPKEY", 61},
	    {"TYPE0", 0},
	    {"TYPE00001", 1},
	    {"SPF", 99},
	    {"EUI64", 109},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint16_t t = 0;
		assert_int_equal(rrtype_from_text(names[i].s, strlen(names[i].s), &t), 0);
		assert_int_equal(t, names[i].t);
	}
	static const char *const badnames[] = {"",    "TYPE",      "TYPE65536", "TYPE-1",
	                                       "AA",  "FOO",       "TYPE1x",    "NSEC3PARAMX",
	                                       "A A", "TYPE000001"};
	for (size_t i = 0; i < sizeof(badnames) / sizeof(badnames[0]); i++) {
		uint16_t t;
		assert_int_equal(rrtype_from_text(badnames[i], strlen(badnames[i]), &t),
		                 ERR_BAD_TYPE);
	}
	char buf[RRTYPE_TEXT_MAXLEN];
	assert_int_equal(rrtype_to_text(RRTYPE_NSEC3PARAM, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "NSEC3PARAM");
	rrtype_to_text(300, buf, sizeof(buf));
	assert_string_equal(buf, "TYPE300");
	rrtype_to_text(65535, buf, sizeof(buf));
	assert_string_equal(buf, "TYPE65535");
	assert_int_equal(rrtype_to_text(65535, buf, 9), ERR_SPACE);
	/* every mnemonic maps back to its number */
	for (unsigned t = 0; t < 65536; t++) {
		uint16_t back;
		int n = rrtype_to_text((uint16_t)t, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(rrtype_from_text(buf, (size_t)n, &back), 0);
		assert_int_equal(back, t);
	}
	uint16_t c;
	assert_int_equal(rrclass_from_text("in", 2, &c), 0);
	assert_int_equal(c, RRCLASS_IN);
	assert_int_equal(rrclass_from_text("CH", 2, &c), 0);
	assert_int_equal(c, RRCLASS_CH);
	assert_int_equal(rrclass_from_text("HS", 2, &c), 0);
	assert_int_equal(rrclass_from_text("NONE", 4, &c), 0);
	assert_int_equal(c, RRCLASS_NONE);
	assert_int_equal(rrclass_from_text("ANY", 3, &c), 0);
	assert_int_equal(rrclass_from_text("CLASS65535", 10, &c), 0);
	assert_int_equal(c, 65535);
	assert_int_equal(rrclass_from_text("CLASS65536", 10, &c), ERR_BAD_CLASS);
	assert_int_equal(rrclass_from_text("IN1", 3, &c), ERR_BAD_CLASS);
	assert_int_equal(rrclass_from_text("", 0, &c), ERR_BAD_CLASS);
	rrclass_to_text(RRCLASS_CH, buf, sizeof(buf));
	assert_string_equal(buf, "CH");
	rrclass_to_text(42, buf, sizeof(buf));
	assert_string_equal(buf, "CLASS42");
	/* RFC 6895 §3.1 */
	assert_true(rrtype_is_meta(RRTYPE_OPT));
	assert_true(rrtype_is_meta(128));
	assert_true(rrtype_is_meta(RRTYPE_TKEY));
	assert_true(rrtype_is_meta(RRTYPE_TSIG));
	assert_true(rrtype_is_meta(RRTYPE_IXFR));
	assert_true(rrtype_is_meta(RRTYPE_AXFR));
	assert_true(rrtype_is_meta(253));
	assert_true(rrtype_is_meta(254));
	assert_true(rrtype_is_meta(RRTYPE_ANY));
	assert_false(rrtype_is_meta(127));
	assert_false(rrtype_is_meta(RRTYPE_URI));
	assert_false(rrtype_is_meta(RRTYPE_A));
	assert_false(rrtype_is_meta(0));
	assert_true(rrtype_is_known(RRTYPE_A));
	assert_true(rrtype_is_known(RRTYPE_NULL));
	assert_true(rrtype_is_known(RRTYPE_CAA));
	assert_false(rrtype_is_known(RRTYPE_WKS));
	assert_false(rrtype_is_known(RRTYPE_OPT));
	assert_false(rrtype_is_known(300));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_svcb_vectors), cmocka_unit_test(test_wire_bad),
	    cmocka_unit_test(test_compression),  cmocka_unit_test(test_to_wire),
	    cmocka_unit_test(test_canonical),    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_rrtype),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
