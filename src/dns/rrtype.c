/*
 * The RR type table (STYLE rule 9) and the type/class mnemonics.
 *
 * rdesc[] is indexed by type number; every slot with a name has a
 * mnemonic, and every slot with RT_FIELDS describes its rdata as a list of
 * field kinds that rdata_from_text.c, rdata_to_text.c and rdata_wire.c
 * walk.  Types above 257 have no slot: they are TYPEnnn with opaque rdata.
 */
#include "dns/rrtype.h"

#include <pthread.h>
#include <string.h>

#include "common/err.h"
#include "dns/rdata_desc.h"

#define NAMED(n, doc, ...)                                                                         \
	{                                                                                          \
		n, doc, RT_FIELDS, {__VA_ARGS__}, NULL                                             \
	}
#define NAMEDF(n, doc, f, ...)                                                                     \
	{                                                                                          \
		n, doc, RT_FIELDS | (f), {__VA_ARGS__}, NULL                                       \
	}
#define NAMEDC(n, doc, chk, ...)                                                                   \
	{                                                                                          \
		n, doc, RT_FIELDS, {__VA_ARGS__}, chk                                              \
	}
#define MNEMONIC(n)                                                                                \
	{                                                                                          \
		n, "", 0, {RF_END}, NULL                                                           \
	}

/* RFC 1035 types: compressed on output, decompressed on input, and
 * lower-cased for DNSSEC (RFC 3597 §4, RFC 4034 §6.2). */
#define WELLKNOWN (RT_COMPRESS | RT_CANON)
/* RFC 3597 §4 "SHOULD decompress" types that RFC 4034 §6.2 also lists. */
#define DECOMP (RT_DECOMPRESS | RT_CANON)

static int ds_check(const uint8_t *rd, size_t len);
static int sshfp_check(const uint8_t *rd, size_t len);
static int zonemd_check(const uint8_t *rd, size_t len);

#define RDESC_SLOTS 258

static const rdesc_t rdesc[RDESC_SLOTS] = {
    [RRTYPE_A] = NAMED("A", "address", RF_A),
    [RRTYPE_NS] = NAMEDF("NS", "nameserver", WELLKNOWN, RF_NAME),
    [RRTYPE_MD] = NAMEDF("MD", "host", WELLKNOWN, RF_NAME),
    [RRTYPE_MF] = NAMEDF("MF", "host", WELLKNOWN, RF_NAME),
    [RRTYPE_CNAME] = NAMEDF("CNAME", "target", WELLKNOWN, RF_NAME),
    [RRTYPE_SOA] = NAMEDF("SOA", "mname rname serial refresh retry expire minimum", WELLKNOWN,
                          RF_NAME, RF_NAME, RF_U32, RF_PERIOD, RF_PERIOD, RF_PERIOD, RF_PERIOD),
    [RRTYPE_MB] = NAMEDF("MB", "mailbox", WELLKNOWN, RF_NAME),
    [RRTYPE_MG] = NAMEDF("MG", "mailbox", WELLKNOWN, RF_NAME),
    [RRTYPE_MR] = NAMEDF("MR", "mailbox", WELLKNOWN, RF_NAME),
    [RRTYPE_NULL] = NAMED("NULL", "data", RF_OPAQUE),
    [RRTYPE_WKS] = MNEMONIC("WKS"),
    [RRTYPE_PTR] = NAMEDF("PTR", "target", WELLKNOWN, RF_NAME),
    [RRTYPE_HINFO] = NAMED("HINFO", "cpu os", RF_STR, RF_STR),
    [RRTYPE_MINFO] = NAMEDF("MINFO", "rmailbx emailbx", WELLKNOWN, RF_NAME, RF_NAME),
    [RRTYPE_MX] = NAMEDF("MX", "preference exchange", WELLKNOWN, RF_U16, RF_NAME),
    [RRTYPE_TXT] = NAMED("TXT", "string", RF_STRS),
    [RRTYPE_RP] = NAMEDF("RP", "mailbox txt-name", DECOMP, RF_NAME, RF_NAME),
    [RRTYPE_AFSDB] = NAMEDF("AFSDB", "subtype hostname", DECOMP, RF_U16, RF_NAME),
    [RRTYPE_X25] = MNEMONIC("X25"),
    [RRTYPE_ISDN] = MNEMONIC("ISDN"),
    [RRTYPE_RT] = NAMEDF("RT", "preference intermediate-host", DECOMP, RF_U16, RF_NAME),
    [RRTYPE_NSAP] = MNEMONIC("NSAP"),
    [RRTYPE_NSAP_PTR] = MNEMONIC("NSAP-PTR"),
    [RRTYPE_SIG] = NAMEDF(
        "SIG",
        "type-covered algorithm labels original-TTL expiration inception key-tag signer signature",
        DECOMP, RF_TYPE, RF_ALG, RF_U8, RF_U32, RF_TIME, RF_TIME, RF_U16, RF_NAME, RF_B64),
    [RRTYPE_KEY] =
        NAMED("KEY", "flags protocol algorithm public-key", RF_U16, RF_U8, RF_ALG, RF_B64_OPT),
    [RRTYPE_PX] = NAMEDF("PX", "preference map822 mapx400", DECOMP, RF_U16, RF_NAME, RF_NAME),
    [RRTYPE_GPOS] = MNEMONIC("GPOS"),
    [RRTYPE_AAAA] = NAMED("AAAA", "address", RF_AAAA),
    [RRTYPE_LOC] = NAMED("LOC", "location", RF_LOC),
    [RRTYPE_NXT] = MNEMONIC("NXT"),
    [RRTYPE_SRV] =
        NAMEDF("SRV", "priority weight port target", DECOMP, RF_U16, RF_U16, RF_U16, RF_NAME),
    [RRTYPE_NAPTR] = NAMEDF("NAPTR", "order preference flags services regexp replacement", DECOMP,
                            RF_U16, RF_U16, RF_STR, RF_STR, RF_STR, RF_NAME),
    [RRTYPE_KX] = NAMEDF("KX", "preference exchanger", RT_CANON, RF_U16, RF_NAME),
    [RRTYPE_CERT] =
        NAMED("CERT", "type key-tag algorithm certificate", RF_CERTTYPE, RF_U16, RF_ALG_MN, RF_B64),
    [RRTYPE_A6] = MNEMONIC("A6"),
    [RRTYPE_DNAME] = NAMEDF("DNAME", "target", RT_CANON, RF_NAME),
    [RRTYPE_OPT] = MNEMONIC("OPT"),
    [RRTYPE_APL] = NAMED("APL", "prefix", RF_APL),
    [RRTYPE_DS] = NAMEDC("DS", "key-tag algorithm digest-type digest", ds_check, RF_U16, RF_ALG,
                         RF_DIGEST, RF_HEX),
    [RRTYPE_SSHFP] = NAMEDC("SSHFP", "algorithm fingerprint-type fingerprint", sshfp_check, RF_U8,
                            RF_U8, RF_HEX),
    [RRTYPE_IPSECKEY] = NAMED("IPSECKEY", "precedence gateway-type algorithm gateway public-key",
                              RF_U8, RF_U8, RF_U8, RF_GATEWAY, RF_B64_OPT),
    [RRTYPE_RRSIG] = NAMEDF(
        "RRSIG",
        "type-covered algorithm labels original-TTL expiration inception key-tag signer signature",
        RT_CANON, RF_TYPE, RF_ALG, RF_U8, RF_U32, RF_TIME, RF_TIME, RF_U16, RF_NAME, RF_B64),
    /* RFC 6840 §5.1: NSEC's next name keeps its case. */
    [RRTYPE_NSEC] = NAMED("NSEC", "next-name type-bitmap", RF_NAME, RF_BITMAP),
    [RRTYPE_DNSKEY] =
        NAMED("DNSKEY", "flags protocol algorithm public-key", RF_U16, RF_U8, RF_ALG, RF_B64_OPT),
    [RRTYPE_DHCID] = NAMED("DHCID", "data", RF_B64),
    [RRTYPE_NSEC3] =
        NAMED("NSEC3", "hash-algorithm flags iterations salt next-hashed-owner type-bitmap", RF_U8,
              RF_U8, RF_U16, RF_SALT, RF_HASH, RF_BITMAP),
    [RRTYPE_NSEC3PARAM] =
        NAMED("NSEC3PARAM", "hash-algorithm flags iterations salt", RF_U8, RF_U8, RF_U16, RF_SALT),
    [RRTYPE_TLSA] = NAMED("TLSA", "usage selector matching-type data", RF_U8, RF_U8, RF_U8, RF_HEX),
    [RRTYPE_SMIMEA] =
        NAMED("SMIMEA", "usage selector matching-type data", RF_U8, RF_U8, RF_U8, RF_HEX),
    [RRTYPE_HIP] = NAMED("HIP", "data", RF_HIP),
    [RRTYPE_CDS] = NAMEDC("CDS", "key-tag algorithm digest-type digest", ds_check, RF_U16, RF_ALG,
                          RF_DIGEST, RF_HEX),
    [RRTYPE_CDNSKEY] =
        NAMED("CDNSKEY", "flags protocol algorithm public-key", RF_U16, RF_U8, RF_ALG, RF_B64_OPT),
    [RRTYPE_OPENPGPKEY] = NAMED("OPENPGPKEY", "public-key", RF_B64),
    [RRTYPE_CSYNC] = NAMED("CSYNC", "serial flags type-bitmap", RF_U32, RF_U16, RF_BITMAP),
    [RRTYPE_ZONEMD] = NAMEDC("ZONEMD", "serial scheme hash-algorithm digest", zonemd_check, RF_U32,
                             RF_U8, RF_U8, RF_HEX),
    /* RFC 9460 §2.2: TargetName is never compressed nor lower-cased. */
    [RRTYPE_SVCB] = NAMED("SVCB", "priority target params", RF_U16, RF_NAME, RF_SVCPARAMS),
    [RRTYPE_HTTPS] = NAMED("HTTPS", "priority target params", RF_U16, RF_NAME, RF_SVCPARAMS),
    [RRTYPE_SPF] = NAMED("SPF", "string", RF_STRS),
    [RRTYPE_NID] = NAMED("NID", "preference node-id", RF_U16, RF_ILNP64),
    [RRTYPE_L32] = NAMED("L32", "preference locator", RF_U16, RF_A),
    [RRTYPE_L64] = NAMED("L64", "preference locator", RF_U16, RF_ILNP64),
    [RRTYPE_LP] = NAMED("LP", "preference fqdn", RF_U16, RF_NAME),
    [RRTYPE_EUI48] = NAMED("EUI48", "address", RF_EUI48),
    [RRTYPE_EUI64] = NAMED("EUI64", "address", RF_EUI64),
    [RRTYPE_TKEY] = MNEMONIC("TKEY"),
    [RRTYPE_TSIG] = MNEMONIC("TSIG"),
    [RRTYPE_IXFR] = MNEMONIC("IXFR"),
    [RRTYPE_AXFR] = MNEMONIC("AXFR"),
    [253] = MNEMONIC("MAILB"),
    [254] = MNEMONIC("MAILA"),
    [RRTYPE_ANY] = MNEMONIC("ANY"),
    [RRTYPE_URI] = NAMED("URI", "priority weight target", RF_U16, RF_U16, RF_STR_REST1),
    [RRTYPE_CAA] = NAMED("CAA", "flags tag value", RF_U8, RF_CAATAG, RF_STR_REST),
};

const char *rdesc_field_name(const rdesc_t *d, size_t i, char *buf, size_t cap)
{
	const char *s = d->doc;
	while (i > 0 && *s) {
		if (*s++ == ' ')
			i--;
	}
	size_t n = strcspn(s, " ");
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
	return buf;
}

const rdesc_t *rdesc_get(uint16_t type)
{
	if (type >= RDESC_SLOTS || !(rdesc[type].flags & RT_FIELDS))
		return NULL;
	return &rdesc[type];
}

/* RFC 4034 §5.1.4 digest lengths; BIND 9.18 rejects other lengths for
 * these (and no longer checks GOST, type 3). */
static int ds_check(const uint8_t *rd, size_t len)
{
	size_t want = 0;
	switch (rd[3]) {
	case 1:
		want = 20;
		break; /* SHA-1 */
	case 2:
		want = 32;
		break; /* SHA-256, RFC 4509 */
	case 4:
		want = 48;
		break; /* SHA-384, RFC 6605 */
	default:
		return 0;
	}
	return len - 4 == want ? 0 : -1;
}

/* RFC 4255 §3.1.2, RFC 6594 §3: SHA-1 and SHA-256 fingerprints. */
static int sshfp_check(const uint8_t *rd, size_t len)
{
	size_t want = rd[1] == 1 ? 20 : rd[1] == 2 ? 32 : 0;
	return want == 0 || len - 2 == want ? 0 : -1;
}

/* RFC 8976 §2.2.4: SHA-384 is 48 octets, SHA-512 64; any digest is at
 * least 12 octets. */
static int zonemd_check(const uint8_t *rd, size_t len)
{
	size_t dl = len - 6;
	if (dl < 12)
		return -1;
	if (rd[5] == 1 && dl != 48)
		return -1;
	if (rd[5] == 2 && dl != 64)
		return -1;
	return 0;
}

/* ---- mnemonic -> type: a small open-addressing hash, built once ---- */

#define HSLOTS 256
static uint16_t htab[HSLOTS]; /* type + 1, 0 = empty */
static pthread_once_t hinit = PTHREAD_ONCE_INIT;

static inline uint8_t up(uint8_t c)
{
	return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
}

static unsigned hash_upper(const char *s, size_t len)
{
	unsigned h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ up((uint8_t)s[i])) * 16777619u;
	return h ^ (h >> 13);
}

static void hash_build(void)
{
	for (unsigned t = 1; t < RDESC_SLOTS; t++) {
		if (rdesc[t].name == NULL)
			continue;
		unsigned h = hash_upper(rdesc[t].name, strlen(rdesc[t].name)) % HSLOTS;
		while (htab[h])
			h = (h + 1) % HSLOTS;
		htab[h] = (uint16_t)(t + 1);
	}
}

/* "TYPE"/"CLASS" followed by 1..5 digits <= 65535 (RFC 3597 §5). */
static int generic_number(const char *s, size_t len, const char *prefix, uint16_t *out)
{
	size_t pl = strlen(prefix);
	if (len <= pl || len > pl + 5 || strncasecmp(s, prefix, pl) != 0)
		return -1;
	uint32_t v = 0;
	for (size_t i = pl; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int rrtype_from_text(const char *s, size_t len, uint16_t *type)
{
	if (len == 0 || len > 10)
		return ERR_BAD_TYPE;
	pthread_once(&hinit, hash_build);
	unsigned h = hash_upper(s, len) % HSLOTS;
	while (htab[h]) {
		const char *n = rdesc[htab[h] - 1].name;
		size_t i = 0;
		while (i < len && n[i] == (char)up((uint8_t)s[i]))
			i++;
		if (i == len && n[len] == 0) {
			*type = (uint16_t)(htab[h] - 1);
			return 0;
		}
		h = (h + 1) % HSLOTS;
	}
	if (generic_number(s, len, "TYPE", type) == 0)
		return 0;
	return ERR_BAD_TYPE;
}

/* prefix + decimal v, NUL-terminated (no snprintf: NSEC bitmaps print
 * many of these) */
static int put_generic(const char *prefix, uint16_t v, char *buf, size_t cap)
{
	char tmp[12];
	size_t pl = strlen(prefix), n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (pl + n + 1 > cap)
		return ERR_SPACE;
	memcpy(buf, prefix, pl);
	for (size_t i = 0; i < n; i++)
		buf[pl + i] = tmp[n - 1 - i];
	buf[pl + n] = 0;
	return (int)(pl + n);
}

int rrtype_to_text(uint16_t type, char *buf, size_t cap)
{
	if (type < RDESC_SLOTS && rdesc[type].name != NULL) {
		size_t n = strlen(rdesc[type].name);
		if (n + 1 > cap)
			return ERR_SPACE;
		memcpy(buf, rdesc[type].name, n + 1);
		return (int)n;
	}
	return put_generic("TYPE", type, buf, cap);
}

int rrclass_from_text(const char *s, size_t len, uint16_t *rclass)
{
	static const struct {
		const char *name;
		uint16_t c;
	} names[] = {{"IN", RRCLASS_IN},
	             {"CH", RRCLASS_CH},
	             {"HS", RRCLASS_HS},
	             {"NONE", RRCLASS_NONE},
	             {"ANY", RRCLASS_ANY}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) == len && strncasecmp(names[i].name, s, len) == 0) {
			*rclass = names[i].c;
			return 0;
		}
	}
	if (generic_number(s, len, "CLASS", rclass) == 0)
		return 0;
	return ERR_BAD_CLASS;
}

int rrclass_to_text(uint16_t rclass, char *buf, size_t cap)
{
	const char *n = NULL;
	switch (rclass) {
	case RRCLASS_IN:
		n = "IN";
		break;
	case RRCLASS_CH:
		n = "CH";
		break;
	case RRCLASS_HS:
		n = "HS";
		break;
	case RRCLASS_NONE:
		n = "NONE";
		break;
	case RRCLASS_ANY:
		n = "ANY";
		break;
	default:
		break;
	}
	if (n == NULL)
		return put_generic("CLASS", rclass, buf, cap);
	size_t l = strlen(n);
	if (l + 1 > cap)
		return ERR_SPACE;
	memcpy(buf, n, l + 1);
	return (int)l;
}

bool rrtype_is_known(uint16_t type)
{
	return rdesc_get(type) != NULL;
}

/* RFC 6895 §3.1: 128-255 are QTYPEs and meta-types; OPT (41) is a
 * meta-type below that range. */
bool rrtype_is_meta(uint16_t type)
{
	return type == RRTYPE_OPT || (type >= 128 && type <= 255);
}

/* ---- DNSSEC algorithm and CERT type mnemonics ---- */

/* The names BIND 9.18 reads and (for CERT) prints. */
static const char *const alg_names[256] = {
    [1] = "RSAMD5",
    [2] = "DH",
    [3] = "DSA",
    [5] = "RSASHA1",
    [6] = "NSEC3DSA",
    [7] = "NSEC3RSASHA1",
    [8] = "RSASHA256",
    [10] = "RSASHA512",
    [12] = "ECCGOST",
    [13] = "ECDSAP256SHA256",
    [14] = "ECDSAP384SHA384",
    [15] = "ED25519",
    [16] = "ED448",
    [252] = "INDIRECT",
    [253] = "PRIVATEDNS",
    [254] = "PRIVATEOID",
};

/* Other spellings read but never printed (dnspython's names). */
static const struct {
	uint8_t alg;
	const char *name;
} alg_aliases[] = {
    {4, "ECC"},
    {6, "DSANSEC3SHA1"},
    {7, "RSASHA1NSEC3SHA1"},
};

int rdesc_alg_from_text(const char *s, size_t len)
{
	for (int i = 0; i < 256; i++) {
		const char *n = alg_names[i];
		if (n && strlen(n) == len && strncasecmp(n, s, len) == 0)
			return i;
	}
	for (size_t i = 0; i < sizeof(alg_aliases) / sizeof(alg_aliases[0]); i++)
		if (strlen(alg_aliases[i].name) == len &&
		    strncasecmp(alg_aliases[i].name, s, len) == 0)
			return alg_aliases[i].alg;
	return -1;
}

const char *rdesc_alg_to_text(uint8_t alg)
{
	/* 6 and 7: BIND and dnspython disagree on the name, print numbers */
	if (alg == 6 || alg == 7)
		return NULL;
	return alg_names[alg];
}

/* RFC 4398 §2.1 */
static const struct {
	uint16_t t;
	const char *name;
} cert_names[] = {
    {1, "PKIX"}, {2, "SPKI"},   {3, "PGP"},     {4, "IPKIX"}, {5, "ISPKI"},
    {6, "IPGP"}, {7, "ACPKIX"}, {8, "IACPKIX"}, {253, "URI"}, {254, "OID"},
};

int rdesc_certtype_from_text(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(cert_names) / sizeof(cert_names[0]); i++)
		if (strlen(cert_names[i].name) == len &&
		    strncasecmp(cert_names[i].name, s, len) == 0)
			return cert_names[i].t;
	return -1;
}

const char *rdesc_certtype_to_text(uint16_t t)
{
	for (size_t i = 0; i < sizeof(cert_names) / sizeof(cert_names[0]); i++)
		if (cert_names[i].t == t)
			return cert_names[i].name;
	return NULL;
}

/* DS digest types (RFC 4034 §5.1.3 and its successors), the spellings
 * BIND 9.18 reads; printed as numbers. */
int rdesc_digest_from_text(const char *s, size_t len)
{
	static const struct {
		uint8_t t;
		const char *name;
	} names[] = {
	    {1, "SHA-1"}, {1, "SHA1"},    {2, "SHA-256"}, {2, "SHA256"},
	    {3, "GOST"},  {4, "SHA-384"}, {4, "SHA384"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len && strncasecmp(names[i].name, s, len) == 0)
			return names[i].t;
	return -1;
}
