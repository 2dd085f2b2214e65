/*
 * RR types and classes: numbers, mnemonics (RFC 3597 TYPEnnn/CLASSnnn for
 * the rest).  The per-type descriptor table that drives the rdata codec,
 * printer and checks lives in rrtype.c (STYLE rule 9); rdata.h is its
 * public face.
 */
#ifndef NSF_DNS_RRTYPE_H
#define NSF_DNS_RRTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	RRTYPE_A = 1, RRTYPE_NS = 2, RRTYPE_MD = 3, RRTYPE_MF = 4, RRTYPE_CNAME = 5,
	RRTYPE_SOA = 6, RRTYPE_MB = 7, RRTYPE_MG = 8, RRTYPE_MR = 9, RRTYPE_NULL = 10,
	RRTYPE_WKS = 11, RRTYPE_PTR = 12, RRTYPE_HINFO = 13, RRTYPE_MINFO = 14,
	RRTYPE_MX = 15, RRTYPE_TXT = 16, RRTYPE_RP = 17, RRTYPE_AFSDB = 18,
	RRTYPE_X25 = 19, RRTYPE_ISDN = 20, RRTYPE_RT = 21, RRTYPE_NSAP = 22,
	RRTYPE_NSAP_PTR = 23, RRTYPE_SIG = 24, RRTYPE_KEY = 25, RRTYPE_PX = 26,
	RRTYPE_GPOS = 27, RRTYPE_AAAA = 28, RRTYPE_LOC = 29, RRTYPE_NXT = 30,
	RRTYPE_SRV = 33, RRTYPE_NAPTR = 35, RRTYPE_KX = 36, RRTYPE_CERT = 37,
	RRTYPE_A6 = 38, RRTYPE_DNAME = 39, RRTYPE_OPT = 41, RRTYPE_APL = 42,
	RRTYPE_DS = 43, RRTYPE_SSHFP = 44, RRTYPE_IPSECKEY = 45, RRTYPE_RRSIG = 46,
	RRTYPE_NSEC = 47, RRTYPE_DNSKEY = 48, RRTYPE_DHCID = 49, RRTYPE_NSEC3 = 50,
	RRTYPE_NSEC3PARAM = 51, RRTYPE_TLSA = 52, RRTYPE_SMIMEA = 53, RRTYPE_HIP = 55,
	RRTYPE_CDS = 59, RRTYPE_CDNSKEY = 60, RRTYPE_OPENPGPKEY = 61, RRTYPE_CSYNC = 62,
	RRTYPE_ZONEMD = 63, RRTYPE_SVCB = 64, RRTYPE_HTTPS = 65, RRTYPE_SPF = 99,
	RRTYPE_NID = 104, RRTYPE_L32 = 105, RRTYPE_L64 = 106, RRTYPE_LP = 107,
	RRTYPE_EUI48 = 108, RRTYPE_EUI64 = 109, RRTYPE_TKEY = 249, RRTYPE_TSIG = 250,
	RRTYPE_IXFR = 251, RRTYPE_AXFR = 252, RRTYPE_ANY = 255, RRTYPE_URI = 256,
	RRTYPE_CAA = 257,
};

enum {
	RRCLASS_IN = 1, RRCLASS_CH = 3, RRCLASS_HS = 4, RRCLASS_NONE = 254,
	RRCLASS_ANY = 255,
};

/* Longest text of a type or class mnemonic, NUL included ("CLASS65535"). */
#define RRTYPE_TEXT_MAXLEN 16

/* Mnemonic (case-insensitive) or TYPEnnn -> number.  0 or ERR_BAD_TYPE. */
__attribute__((warn_unused_result)) int rrtype_from_text(const char *s, size_t len, uint16_t *type);
/* Number -> mnemonic, or TYPEnnn when the table has none.  Returns length. */
int rrtype_to_text(uint16_t type, char *buf, size_t cap);
/* IN, CH, HS, NONE, ANY or CLASSnnn -> number.  0 or ERR_BAD_CLASS. */
__attribute__((warn_unused_result)) int rrclass_from_text(const char *s, size_t len, uint16_t *rclass);
int rrclass_to_text(uint16_t rclass, char *buf, size_t cap);
/* True when the descriptor table knows the type's rdata fields. */
bool rrtype_is_known(uint16_t type);
/* Meta-types and QTYPEs (OPT, TKEY, TSIG, IXFR, AXFR, MAILA/B, ANY, 128-255)
 * that may not appear as data in a zone. */
bool rrtype_is_meta(uint16_t type);

#endif
