/* Unit tests of src/dns/msg.c and msg_build.c: parsing good and malformed
 * messages (every truncation of a valid one), EDNS options, TSIG position,
 * the builder's compression, limits and rollback, and round trips.
 * Byte fixtures marked "dnspython" come from tests/fuzz/gen_msg_corpus.py
 * (--c NAME); the seed corpus it writes is parsed and round-tripped too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <cmocka.h>

#include "common/err.h"
#include "dns/msg.h"
#include "../common/msg_rebuild.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"

/* ---------------------------------------------------------------- fixtures
 * dnspython 2.3: dns.message.make_query(...) / make_response(...), id 0x1234.
 */
/* clang-format off */
/* query-a: 33 octets, from tests/fuzz/gen_msg_corpus.py */
static const uint8_t QUERY_A[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
};
/* query-aaaa-edns: 44 octets, from tests/fuzz/gen_msg_corpus.py */
static const uint8_t QUERY_AAAA_EDNS[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x29,
	0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
};
/* query-nsid-cookie: 56 octets, from tests/fuzz/gen_msg_corpus.py */
static const uint8_t QUERY_NSID_COOKIE[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x10, 0x00, 0x03, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x08,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};
/* query-ecs: 70 octets, from tests/fuzz/gen_msg_corpus.py */
static const uint8_t QUERY_ECS[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29,
	0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x08, 0x00, 0x07,
	0x00, 0x01, 0x18, 0x00, 0xc0, 0x00, 0x02, 0x00, 0x08, 0x00, 0x0b, 0x00,
	0x02, 0x38, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
};
/* resp-a-compressed: 156 octets, from tests/fuzz/gen_msg_corpus.py */
static const uint8_t RESP_A_COMPRESSED[] = {
	0x12, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x03,
	0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00,
	0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0xc0, 0x00, 0x02,
	0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00,
	0x04, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x10, 0x00, 0x02, 0x00, 0x01, 0x00,
	0x00, 0x0e, 0x10, 0x00, 0x06, 0x03, 0x6e, 0x73, 0x31, 0xc0, 0x10, 0xc0,
	0x10, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x06, 0x03,
	0x6e, 0x73, 0x32, 0xc0, 0x10, 0xc0, 0x4d, 0x00, 0x01, 0x00, 0x01, 0x00,
	0x00, 0x0e, 0x10, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x35, 0xc0, 0x5f, 0x00,
	0x1c, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x10, 0x20, 0x01, 0x0d,
	0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x53, 0x00, 0x00, 0x29, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* resp-referral-glue: 163 octets, from tests/fuzz/gen_msg_corpus.py */
static const uint8_t RESP_REFERRAL_GLUE[] = {
	0x12, 0x34, 0x81, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03,
	0x03, 0x77, 0x77, 0x77, 0x03, 0x73, 0x75, 0x62, 0x07, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00,
	0x01, 0xc0, 0x10, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x51, 0x80, 0x00,
	0x06, 0x03, 0x6e, 0x73, 0x31, 0xc0, 0x10, 0xc0, 0x10, 0x00, 0x02, 0x00,
	0x01, 0x00, 0x01, 0x51, 0x80, 0x00, 0x12, 0x02, 0x6e, 0x73, 0x05, 0x6f,
	0x74, 0x68, 0x65, 0x72, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x00, 0xc0, 0x10, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x51, 0x80, 0x00,
	0x06, 0x03, 0x6e, 0x73, 0x32, 0xc0, 0x10, 0xc0, 0x31, 0x00, 0x01, 0x00,
	0x01, 0x00, 0x01, 0x51, 0x80, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x0a, 0xc0,
	0x61, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x51, 0x80, 0x00, 0x04, 0xc0,
	0x00, 0x02, 0x0b, 0xc0, 0x61, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x01, 0x51,
	0x80, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11,
};
/* resp-nxdomain-soa: 96 octets, from tests/fuzz/gen_msg_corpus.py */
static const uint8_t RESP_NXDOMAIN_SOA[] = {
	0x12, 0x34, 0x85, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
	0x04, 0x6e, 0x6f, 0x70, 0x65, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c,
	0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x11,
	0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x27, 0x03, 0x6e,
	0x73, 0x31, 0xc0, 0x11, 0x0a, 0x68, 0x6f, 0x73, 0x74, 0x6d, 0x61, 0x73,
	0x74, 0x65, 0x72, 0xc0, 0x11, 0x78, 0xa3, 0xf1, 0x75, 0x00, 0x00, 0x1c,
	0x20, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x12, 0x75, 0x00, 0x00, 0x00, 0x01,
	0x2c, 0x00, 0x00, 0x29, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static size_t N(const char *txt, uint8_t *out)
{
	size_t len;
	assert_int_equal(name_from_text(txt, strlen(txt), NULL, out, &len), 0);
	return len;
}

static void assert_name(const uint8_t *got, const char *want)
{
	uint8_t n[NAME_MAXLEN];
	size_t len = N(want, n);
	assert_int_equal(name_length(got), len);
	assert_memory_equal(got, n, len);
}

/* ------------------------------------------------------ hand-built messages
 * Header id 0x1234 (RD, or QR RD), QWWW = www.example.com. A IN at offset 12
 * (example.com. at 16), ending at 33. */
#define HDR(qd, an, ns, ar)  0x12, 0x34, 0x01, 0x00, 0, qd, 0, an, 0, ns, 0, ar
#define RHDR(qd, an, ns, ar) 0x12, 0x34, 0x81, 0x00, 0, qd, 0, an, 0, ns, 0, ar
#define QWWW                 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1
/* OPT: root owner, payload 1232, TTL 0, RDLENGTH rdl */
#define OPT_RR(rdl) 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, (rdl)
/* www.example.com. 3600 IN A 192.0.2.1, owner compressed: 16 octets */
#define A_RR 0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1
/* key. ANY TSIG hmac-sha256. with an empty MAC: 44 octets */
#define TSIG_RR                                                                                    \
	3, 'k', 'e', 'y', 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 29, 11, 'h', 'm', 'a', 'c', '-', 's',  \
	    'h', 'a', '2', '5', '6', 0, 0, 0, 0x65, 0x53, 0xf1, 0x00, 1, 0x2c, 0, 0, 0x12, 0x34,   \
	    0, 0, 0, 0

typedef struct {
	const char *what;
	const uint8_t *p;
	size_t len;
} bytes_t;
#define CASE(what, ...)                                                                            \
	{                                                                                          \
		what, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})       \
	}

static const bytes_t good[] = {
    CASE("header only", HDR(0, 0, 0, 0)),
    CASE("query", HDR(1, 0, 0, 0), QWWW),
    CASE("query with OPT", HDR(1, 0, 0, 1), QWWW, OPT_RR(0)),
    CASE("answer, OPT, TSIG", HDR(1, 1, 0, 2), QWWW, A_RR, OPT_RR(0), TSIG_RR),
    CASE("cookie 8", HDR(1, 0, 0, 1), QWWW, OPT_RR(12), 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8),
    CASE("cookie 16", HDR(1, 0, 0, 1), QWWW, OPT_RR(20), 0, 10, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2,
         3, 4, 5, 6, 7, 8),
    CASE("ECS family 0", HDR(1, 0, 0, 1), QWWW, OPT_RR(8), 0, 8, 0, 4, 0, 0, 0, 0),
    CASE("ECS /23", HDR(1, 0, 0, 1), QWWW, OPT_RR(11), 0, 8, 0, 7, 0, 1, 23, 0, 192, 0, 2),
    CASE("ECS scope in a response", RHDR(1, 0, 0, 1), QWWW, OPT_RR(11), 0, 8, 0, 7, 0, 1, 24, 16,
         192, 0, 2),
    CASE("unknown option, padding", HDR(1, 0, 0, 1), QWWW, OPT_RR(11), 0xfd, 0xe9, 0, 1, 'x', 0, 12,
         0, 2, 0, 0),
    CASE("OPT between additional RRs", HDR(1, 0, 0, 3), QWWW, A_RR, OPT_RR(0), A_RR),
    CASE("TSIG with MAC and other data", HDR(1, 0, 0, 1), QWWW, 3, 'k', 'e', 'y', 0, 0, 250, 0, 255,
         0, 0, 0, 0, 0, 37, 11, 'h', 'm', 'a', 'c', '-', 's', 'h', 'a', '2', '5', '6', 0, 0, 0,
         0x65, 0x53, 0xf1, 0x00, 1, 0x2c, 0, 2, 0xaa, 0xbb, 0x12, 0x34, 0, 18, 0, 6, 0, 0, 0x65,
         0x53, 0xf1, 0x00),
    /* UPDATE (opcode 5): zone example.com. SOA, delete the RRset www A */
    CASE("UPDATE delete RRset", 0x12, 0x34, 0x28, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 7, 'e', 'x', 'a',
         'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 6, 0, 1, 3, 'w', 'w', 'w', 0xc0, 12, 0, 1, 0,
         255, 0, 0, 0, 0, 0, 0),
    /* name through a pointer into the header octets is odd but legal */
    CASE("AXFR-style, no question", RHDR(0, 1, 0, 0), 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4),
};

static const bytes_t bad[] = {
    CASE("11-octet header", 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0),
    CASE("qdcount 2", HDR(2, 0, 0, 0), QWWW, 0xc0, 12, 0, 1, 0, 1),
    CASE("ancount larger than data", HDR(1, 1, 0, 0), QWWW),
    CASE("ancount 65535", 0x12, 0x34, 0x01, 0x00, 0, 1, 0xff, 0xff, 0, 0, 0, 0, QWWW, A_RR),
    CASE("arcount one too many", HDR(1, 0, 0, 2), QWWW, OPT_RR(0)),
    CASE("trailing octet", HDR(1, 0, 0, 0), QWWW, 0),
    CASE("trailing after OPT", HDR(1, 0, 0, 1), QWWW, OPT_RR(0), 0, 0),
    CASE("question without class", HDR(1, 0, 0, 0), 3, 'w', 'w', 'w', 0, 0, 1),
    CASE("qdcount 0 but a question", HDR(0, 0, 0, 0), QWWW),
    CASE("qname points at itself", HDR(1, 0, 0, 0), 0xc0, 12, 0, 1, 0, 1),
    CASE("pointer loop through own label", HDR(1, 1, 0, 0), QWWW, 1, 'a', 0xc0, 33, 0, 1, 0, 1, 0,
         0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1),
    CASE("forward pointer in owner", HDR(1, 1, 0, 0), QWWW, 0xc0, 45, 0, 1, 0, 1, 0, 0, 0x0e, 0x10,
         0, 4, 1, 'a', 0xc0, 12),
    CASE("label type 0x40", HDR(1, 0, 0, 0), 0x41, 0, 0, 1, 0, 1),
    CASE("pointer cut in half", HDR(1, 0, 0, 0), 3, 'w', 'w', 'w', 0xc0),
    CASE("RR fixed part truncated", HDR(1, 1, 0, 0), QWWW, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e),
    CASE("RDLENGTH past the end", HDR(1, 1, 0, 0), QWWW, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0,
         5, 192, 0, 2, 1),
    CASE("A with 5 octets", HDR(1, 1, 0, 0), QWWW, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 5,
         192, 0, 2, 1, 9),
    CASE("MX exchange forward pointer", HDR(1, 1, 0, 0), QWWW, 0xc0, 12, 0, 15, 0, 1, 0, 0, 0x0e,
         0x10, 0, 6, 0, 10, 0xc0, 51, 1, 'a', 0),
    CASE("MX exchange past RDLENGTH", HDR(1, 1, 0, 0), QWWW, 0xc0, 12, 0, 15, 0, 1, 0, 0, 0x0e,
         0x10, 0, 3, 0, 10, 1, 'a', 0),
    CASE("OPT twice", HDR(1, 0, 0, 2), QWWW, OPT_RR(0), OPT_RR(0)),
    CASE("OPT owner not root", HDR(1, 0, 0, 1), QWWW, 0xc0, 12, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0,
         0),
    CASE("OPT in answer", HDR(1, 1, 0, 0), QWWW, OPT_RR(0)),
    CASE("OPT in authority", HDR(1, 0, 1, 0), QWWW, OPT_RR(0)),
    CASE("option length past RDATA", HDR(1, 0, 0, 1), QWWW, OPT_RR(4), 0, 10, 0, 8),
    CASE("option header cut", HDR(1, 0, 0, 1), QWWW, OPT_RR(2), 0, 3),
    CASE("option runs into the next RR", HDR(1, 0, 0, 2), QWWW, OPT_RR(4), 0, 3, 0, 11, TSIG_RR),
    CASE("cookie 7", HDR(1, 0, 0, 1), QWWW, OPT_RR(11), 0, 10, 0, 7, 1, 2, 3, 4, 5, 6, 7),
    CASE("cookie 12", HDR(1, 0, 0, 1), QWWW, OPT_RR(16), 0, 10, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9,
         10, 11, 12),
    CASE("ECS shorter than 4", HDR(1, 0, 0, 1), QWWW, OPT_RR(7), 0, 8, 0, 3, 0, 1, 24),
    CASE("ECS family 3", HDR(1, 0, 0, 1), QWWW, OPT_RR(8), 0, 8, 0, 4, 0, 3, 0, 0),
    CASE("ECS family 0 with prefix", HDR(1, 0, 0, 1), QWWW, OPT_RR(9), 0, 8, 0, 5, 0, 0, 8, 0, 10),
    CASE("ECS IPv4 /33", HDR(1, 0, 0, 1), QWWW, OPT_RR(13), 0, 8, 0, 9, 0, 1, 33, 0, 1, 2, 3, 4, 5),
    CASE("ECS address too long", HDR(1, 0, 0, 1), QWWW, OPT_RR(12), 0, 8, 0, 8, 0, 1, 24, 0, 192, 0,
         2, 0),
    CASE("ECS address too short", HDR(1, 0, 0, 1), QWWW, OPT_RR(10), 0, 8, 0, 6, 0, 1, 24, 0, 192,
         0),
    CASE("ECS bits past SOURCE", HDR(1, 0, 0, 1), QWWW, OPT_RR(11), 0, 8, 0, 7, 0, 1, 23, 0, 192, 0,
         3),
    CASE("ECS scope in a query", HDR(1, 0, 0, 1), QWWW, OPT_RR(11), 0, 8, 0, 7, 0, 1, 24, 16, 192,
         0, 2),
    CASE("TSIG not last", HDR(1, 0, 0, 2), QWWW, TSIG_RR, OPT_RR(0)),
    CASE("TSIG in answer", HDR(1, 1, 0, 0), QWWW, TSIG_RR),
    CASE("TSIG twice", HDR(1, 0, 0, 2), QWWW, TSIG_RR, TSIG_RR),
    CASE("TSIG rdata cut", HDR(1, 0, 0, 1), QWWW, 3, 'k', 'e', 'y', 0, 0, 250, 0, 255, 0, 0, 0, 0,
         0, 2, 0, 0),
    CASE("TSIG MAC size past RDATA", HDR(1, 0, 0, 1), QWWW, 3, 'k', 'e', 'y', 0, 0, 250, 0, 255, 0,
         0, 0, 0, 0, 17, 1, 'h', 0, 0, 0, 0, 0, 0, 0, 1, 0x2c, 0, 9, 0, 0, 0, 0, 0, 0),
    CASE("TSIG other data short", HDR(1, 0, 0, 1), QWWW, 3, 'k', 'e', 'y', 0, 0, 250, 0, 255, 0, 0,
         0, 0, 0, 19, 1, 'h', 0, 0, 0, 0, 0, 0, 0, 1, 0x2c, 0, 0, 0, 0, 0, 0, 0, 1),
    CASE("TSIG algorithm compressed", HDR(1, 0, 0, 1), QWWW, 3, 'k', 'e', 'y', 0, 0, 250, 0, 255, 0,
         0, 0, 0, 0, 18, 0xc0, 12, 0, 0, 0, 0, 0, 0, 1, 0x2c, 0, 0, 0, 0, 0, 0, 0, 0),
    CASE("class ANY rdlen 0 is fine, but not for TSIG", HDR(1, 0, 0, 1), QWWW, 0, 0, 250, 0, 255, 0,
         0, 0, 0, 0, 0),
};

static void test_good(void **state)
{
	(void)state;
	msg_t m;
	for (size_t i = 0; i < LEN(good); i++) {
		int rc = msg_parse(&m, good[i].p, good[i].len);
		if (rc != 0)
			fail_msg("%s: %s", good[i].what, err_str(rc));
	}
}

static void test_bad(void **state)
{
	(void)state;
	msg_t m;
	for (size_t i = 0; i < LEN(bad); i++) {
		int rc = msg_parse(&m, bad[i].p, bad[i].len);
		if (rc != ERR_FORMERR)
			fail_msg("%s: got %d (%s)", bad[i].what, rc, err_str(rc));
	}
}

/* Every proper prefix of a valid message is FORMERR: the counts then ask
 * for more than is there.  Copied so ASan sees a read past the end. */
static void check_truncations(const uint8_t *wire, size_t len, const char *what)
{
	msg_t m;
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		assert_non_null(copy);
		memcpy(copy, wire, cut);
		int rc = msg_parse(&m, copy, cut);
		free(copy);
		if (rc != ERR_FORMERR)
			fail_msg("%s cut at %zu of %zu: got %d", what, cut, len, rc);
	}
}

static void test_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < LEN(good); i++)
		check_truncations(good[i].p, good[i].len, good[i].what);
	check_truncations(RESP_A_COMPRESSED, sizeof(RESP_A_COMPRESSED), "RESP_A_COMPRESSED");
	check_truncations(QUERY_ECS, sizeof(QUERY_ECS), "QUERY_ECS");
}

/* A FORMERR answer needs the id and the question: they survive a failure
 * later in the message. */
static void test_formerr_keeps_header(void **state)
{
	(void)state;
	static const uint8_t trailing[] = {HDR(1, 0, 0, 0), QWWW, 0};
	msg_t m;
	assert_int_equal(msg_parse(&m, trailing, sizeof(trailing)), ERR_FORMERR);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(m.flags, MSG_FLAG_RD);
	assert_true(m.has_question);
	assert_name(m.qname, "www.example.com.");
	assert_int_equal(msg_parse(&m, trailing, 5), ERR_FORMERR);
	assert_int_equal(m.id, 0);
	assert_false(m.has_question);
	/* no message is longer than 65535 octets (the TCP length field) */
	static uint8_t big[MSG_MAXLEN + 1] = {HDR(1, 0, 0, 0), QWWW};
	assert_int_equal(msg_parse(&m, big, 33), 0);
	assert_int_equal(msg_parse(&m, big, 34), ERR_FORMERR); /* a trailing zero */
	assert_int_equal(msg_parse(&m, big, sizeof(big)), ERR_FORMERR);
	assert_int_equal(m.id, 0x1234);
}

/* A name of 255 octets is fine; one label in front through a pointer
 * makes 257: FORMERR. */
static void test_long_name(void **state)
{
	(void)state;
	uint8_t wire[400] = {HDR(1, 1, 0, 0)};
	size_t p = 12;
	for (int l = 0; l < 4; l++) {
		uint8_t ll = l == 3 ? 61 : 63;
		wire[p++] = ll;
		memset(wire + p, 'a', ll);
		p += ll;
	}
	wire[p++] = 0;
	assert_int_equal(p - 12, 255);
	static const uint8_t qtail[] = {0, 1, 0, 1};
	memcpy(wire + p, qtail, 4);
	p += 4;
	msg_t m;
	static const uint8_t rr[] = {1, 'b', 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4};
	wire[7] = 0; /* first without the answer */
	assert_int_equal(msg_parse(&m, wire, p), 0);
	assert_int_equal(m.qname_len, 255);
	wire[7] = 1;
	memcpy(wire + p, rr, sizeof(rr));
	assert_int_equal(msg_parse(&m, wire, p + sizeof(rr)), ERR_FORMERR);
}

static void test_parse_query(void **state)
{
	(void)state;
	msg_t m;
	assert_int_equal(msg_parse(&m, QUERY_A, sizeof(QUERY_A)), 0);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(m.flags, MSG_FLAG_RD);
	assert_int_equal(msg_opcode(&m), MSG_OPCODE_QUERY);
	assert_int_equal(msg_rcode(&m), 0);
	assert_true(m.has_question);
	assert_name(m.qname, "www.example.com.");
	assert_int_equal(m.qname_len, 17);
	assert_int_equal(m.qtype, RRTYPE_A);
	assert_int_equal(m.qclass, RRCLASS_IN);
	assert_false(m.has_edns);
	assert_false(m.has_tsig);
	assert_int_equal(msg_udp_size(&m), 512);
	assert_int_equal(m.nrr, 0);
	msg_iter_t it;
	msg_rr_t rr;
	static uint8_t rd[RDATA_MAXLEN];
	msg_iter_init(&it, &m);
	assert_int_equal(msg_rr_next(&it, &rr, rd, sizeof(rd)), ERR_NOTFOUND);
}

static void test_parse_edns(void **state)
{
	(void)state;
	msg_t m;
	msg_ednsopt_iter_t it;
	msg_ednsopt_t o;

	assert_int_equal(msg_parse(&m, QUERY_AAAA_EDNS, sizeof(QUERY_AAAA_EDNS)), 0);
	assert_true(m.has_edns);
	assert_int_equal(m.edns.udp_size, 1232);
	assert_int_equal(msg_udp_size(&m), 1232);
	assert_int_equal(m.edns.version, 0);
	assert_int_equal(m.edns.ext_rcode, 0);
	assert_int_equal(m.edns.flags, MSG_EDNS_DO);
	assert_int_equal(m.edns.rr_off, 33);
	assert_int_equal(m.edns.opts.len, 0);
	msg_ednsopt_iter_init(&it, &m);
	assert_int_equal(msg_ednsopt_next(&it, &o), ERR_NOTFOUND);

	assert_int_equal(msg_parse(&m, QUERY_NSID_COOKIE, sizeof(QUERY_NSID_COOKIE)), 0);
	assert_int_equal(m.edns.udp_size, 4096);
	assert_int_equal(m.edns.flags, 0);
	assert_int_not_equal(m.edns.nsid.off, 0);
	assert_int_equal(m.edns.nsid.len, 0);
	assert_int_equal(m.edns.cookie.len, 8);
	assert_memory_equal(m.wire + m.edns.cookie.off, "\1\2\3\4\5\6\7\10", 8);
	assert_int_equal(m.edns.ecs.off, 0);
	assert_int_equal(m.edns.padding.off, 0);
	msg_ednsopt_iter_init(&it, &m);
	assert_int_equal(msg_ednsopt_next(&it, &o), 0);
	assert_int_equal(o.code, MSG_EDNS_NSID);
	assert_int_equal(o.len, 0);
	assert_int_equal(msg_ednsopt_next(&it, &o), 0);
	assert_int_equal(o.code, MSG_EDNS_COOKIE);
	assert_int_equal(o.len, 8);
	assert_int_equal(msg_ednsopt_next(&it, &o), ERR_NOTFOUND);

	/* two ECS options: the span is the first, the iterator sees both */
	assert_int_equal(msg_parse(&m, QUERY_ECS, sizeof(QUERY_ECS)), 0);
	assert_int_equal(m.edns.ecs.len, 7);
	assert_memory_equal(m.wire + m.edns.ecs.off, "\0\1\x18\0\xc0\0\2", 7);
	msg_ednsopt_iter_init(&it, &m);
	int n = 0;
	while (msg_ednsopt_next(&it, &o) == 0) {
		assert_int_equal(o.code, MSG_EDNS_ECS);
		n++;
	}
	assert_int_equal(n, 2);

	/* payload below 512 counts as 512 (RFC 6891 §6.2.5) */
	uint8_t small[sizeof(QUERY_AAAA_EDNS)];
	memcpy(small, QUERY_AAAA_EDNS, sizeof(small));
	small[36] = 0;
	small[37] = 100;
	assert_int_equal(msg_parse(&m, small, sizeof(small)), 0);
	assert_int_equal(m.edns.udp_size, 100);
	assert_int_equal(msg_udp_size(&m), 512);
	/* version 1 and an extended rcode are exposed, not judged */
	small[38] = 1;
	small[39] = 1;
	assert_int_equal(msg_parse(&m, small, sizeof(small)), 0);
	assert_int_equal(m.edns.version, 1);
	assert_int_equal(msg_rcode(&m), 16);
}

/* Cookie lengths at the boundaries of RFC 7873 §5.2.2. */
static void test_cookie_lengths(void **state)
{
	(void)state;
	for (unsigned clen = 0; clen <= 48; clen++) {
		uint8_t wire[128] = {HDR(1, 0, 0, 1), QWWW, OPT_RR(0)};
		size_t p = 33 + 11;
		wire[p - 1] = (uint8_t)(4 + clen);
		wire[p++] = 0;
		wire[p++] = MSG_EDNS_COOKIE;
		wire[p++] = 0;
		wire[p++] = (uint8_t)clen;
		memset(wire + p, 0xab, clen);
		p += clen;
		msg_t m;
		int want = (clen == 8 || (clen >= 16 && clen <= 40)) ? 0 : ERR_FORMERR;
		int rc = msg_parse(&m, wire, p);
		if (rc != want)
			fail_msg("cookie of %u octets: got %d", clen, rc);
	}
}

static void test_parse_response(void **state)
{
	(void)state;
	msg_t m;
	assert_int_equal(msg_parse(&m, RESP_A_COMPRESSED, sizeof(RESP_A_COMPRESSED)), 0);
	assert_int_equal(m.flags, MSG_FLAG_QR | MSG_FLAG_AA | MSG_FLAG_RD);
	assert_int_equal(m.count[MSG_SEC_ANSWER], 2);
	assert_int_equal(m.count[MSG_SEC_AUTHORITY], 2);
	assert_int_equal(m.count[MSG_SEC_ADDITIONAL], 3);
	assert_int_equal(m.nrr, 7);
	assert_int_equal(m.sec_off[MSG_SEC_ANSWER], 33);
	assert_true(m.has_edns);
	assert_int_equal(m.edns.udp_size, 8192);

	static const struct {
		int sec;
		const char *owner;
		uint16_t type;
		uint32_t ttl;
		const char *rdname; /* NS target, or NULL */
	} want[] = {
	    {MSG_SEC_ANSWER, "www.example.com.", RRTYPE_A, 300, NULL},
	    {MSG_SEC_ANSWER, "www.example.com.", RRTYPE_A, 300, NULL},
	    {MSG_SEC_AUTHORITY, "example.com.", RRTYPE_NS, 3600, "ns1.example.com."},
	    {MSG_SEC_AUTHORITY, "example.com.", RRTYPE_NS, 3600, "ns2.example.com."},
	    {MSG_SEC_ADDITIONAL, "ns1.example.com.", RRTYPE_A, 3600, NULL},
	    {MSG_SEC_ADDITIONAL, "ns2.example.com.", RRTYPE_AAAA, 3600, NULL},
	    {MSG_SEC_ADDITIONAL, ".", RRTYPE_OPT, 0, NULL},
	};
	static uint8_t rd[RDATA_MAXLEN];
	msg_iter_t it;
	msg_rr_t rr, at;
	msg_iter_init(&it, &m);
	for (size_t i = 0; i < LEN(want); i++) {
		assert_int_equal(msg_rr_next(&it, &rr, rd, sizeof(rd)), 0);
		assert_int_equal(rr.section, want[i].sec);
		assert_name(rr.owner, want[i].owner);
		assert_int_equal(rr.type, want[i].type);
		assert_int_equal(rr.ttl, want[i].ttl);
		assert_int_equal(rr.offset, m.rr[i].off);
		if (want[i].rdname)
			assert_name(rr.rdata, want[i].rdname);
		if (rr.type == RRTYPE_A)
			assert_int_equal(rr.rdlen, 4);
		uint8_t rd2[64];
		assert_int_equal(msg_rr_at(&m, i, &at, rd2, sizeof(rd2)), 0);
		assert_int_equal(at.type, rr.type);
		assert_int_equal(at.rdlen, rr.rdlen);
		assert_memory_equal(at.rdata, rr.rdata, rr.rdlen);
		assert_int_equal(msg_rr_section(&m, i), want[i].sec);
	}
	assert_int_equal(msg_rr_next(&it, &rr, rd, sizeof(rd)), ERR_NOTFOUND);
	assert_int_equal(msg_rr_at(&m, 7, &at, rd, sizeof(rd)), ERR_NOTFOUND);

	/* one section at a time */
	msg_iter_init_section(&it, &m, MSG_SEC_AUTHORITY);
	int n = 0;
	while (msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0) {
		assert_int_equal(rr.type, RRTYPE_NS);
		assert_int_equal(rr.section, MSG_SEC_AUTHORITY);
		n++;
	}
	assert_int_equal(n, 2);
	msg_iter_init_section(&it, &m, MSG_SEC_QUESTION);
	assert_int_equal(msg_rr_next(&it, &rr, rd, sizeof(rd)), ERR_NOTFOUND);
	/* a buffer too small for the rdata */
	msg_iter_init_section(&it, &m, MSG_SEC_AUTHORITY);
	assert_int_equal(msg_rr_next(&it, &rr, rd, 3), ERR_SPACE);
}

/* More RRs than msg_t indexes: the iterator still sees them all. */
static void test_many_rrs(void **state)
{
	(void)state;
	uint8_t wire[1024] = {HDR(1, 20, 0, 0), QWWW};
	size_t p = 33;
	static const uint8_t rr[] = {A_RR};
	for (int i = 0; i < 20; i++) {
		memcpy(wire + p, rr, sizeof(rr));
		wire[p + sizeof(rr) - 1] = (uint8_t)i;
		p += sizeof(rr);
	}
	msg_t m;
	assert_int_equal(msg_parse(&m, wire, p), 0);
	assert_int_equal(msg_rr_count(&m), 20);
	assert_int_equal(m.nrr, MSG_RR_MAX);
	uint8_t rd[16];
	msg_rr_t r;
	assert_int_equal(msg_rr_at(&m, MSG_RR_MAX - 1, &r, rd, sizeof(rd)), 0);
	assert_int_equal(rd[3], MSG_RR_MAX - 1);
	assert_int_equal(msg_rr_at(&m, MSG_RR_MAX, &r, rd, sizeof(rd)), ERR_NOTFOUND);
	msg_iter_t it;
	msg_iter_init(&it, &m);
	int n = 0;
	while (msg_rr_next(&it, &r, rd, sizeof(rd)) == 0)
		assert_int_equal(rd[3], n++);
	assert_int_equal(n, 20);
}

static void test_update_and_tsig(void **state)
{
	(void)state;
	msg_t m;
	static uint8_t rd[RDATA_MAXLEN];
	msg_rr_t rr;
	msg_iter_t it;
	const bytes_t *up = &good[12];
	assert_string_equal(up->what, "UPDATE delete RRset");
	assert_int_equal(msg_parse(&m, up->p, up->len), 0);
	assert_int_equal(msg_opcode(&m), MSG_OPCODE_UPDATE);
	msg_iter_init(&it, &m);
	assert_int_equal(msg_rr_next(&it, &rr, rd, sizeof(rd)), 0);
	assert_int_equal(rr.section, MSG_SEC_AUTHORITY);
	assert_int_equal(rr.rclass, RRCLASS_ANY);
	assert_int_equal(rr.rdlen, 0);
	assert_name(rr.owner, "www.example.com.");

	const bytes_t *t = &good[3];
	assert_int_equal(msg_parse(&m, t->p, t->len), 0);
	assert_true(m.has_tsig);
	assert_int_equal(m.tsig.off, 60);
	assert_int_equal(m.tsig.type, RRTYPE_TSIG);
	assert_int_equal(m.tsig.rclass, RRCLASS_ANY);
	assert_int_equal(m.tsig.rdlen, 29);
	assert_int_equal(m.rr[2].off, 60);
	assert_true(m.has_edns);
}

/* ------------------------------------------------------------- round trip
 * Rebuild a parsed message with the builder (same header, question, RRs in
 * order, OPT where it was) and compare what parsing the result gives. */

static void assert_same_msg(const msg_t *a, const msg_t *b)
{
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->flags, b->flags);
	assert_memory_equal(a->count, b->count, sizeof(a->count));
	assert_int_equal(a->has_question, b->has_question);
	if (a->has_question) {
		assert_true(name_equal(a->qname, b->qname));
		assert_int_equal(a->qtype, b->qtype);
		assert_int_equal(a->qclass, b->qclass);
	}
	assert_int_equal(a->has_edns, b->has_edns);
	if (a->has_edns) {
		assert_int_equal(a->edns.udp_size, b->edns.udp_size);
		assert_int_equal(a->edns.ext_rcode, b->edns.ext_rcode);
		assert_int_equal(a->edns.version, b->edns.version);
		assert_int_equal(a->edns.flags, b->edns.flags);
		assert_int_equal(a->edns.opts.len, b->edns.opts.len);
		assert_memory_equal(a->wire + a->edns.opts.off, b->wire + b->edns.opts.off,
		                    a->edns.opts.len);
	}
	assert_int_equal(a->has_tsig, b->has_tsig);
	static uint8_t ra[RDATA_MAXLEN], rb[RDATA_MAXLEN];
	msg_iter_t ia, ib;
	msg_rr_t x, y;
	msg_iter_init(&ia, a);
	msg_iter_init(&ib, b);
	for (;;) {
		int rca = msg_rr_next(&ia, &x, ra, sizeof(ra));
		int rcb = msg_rr_next(&ib, &y, rb, sizeof(rb));
		assert_int_equal(rca, rcb);
		if (rca != 0)
			break;
		assert_int_equal(x.section, y.section);
		assert_true(name_equal(x.owner, y.owner));
		assert_int_equal(x.type, y.type);
		assert_int_equal(x.rclass, y.rclass);
		assert_int_equal(x.ttl, y.ttl);
		assert_int_equal(x.rdlen, y.rdlen);
		/* compression matches case-insensitively (as BIND and Knot
		 * do), so compressed rdata names may come back in another
		 * case: compare canonical forms */
		rdata_canonicalize(x.type, ra, x.rdlen);
		rdata_canonicalize(y.type, rb, y.rdlen);
		assert_memory_equal(ra, rb, x.rdlen);
	}
}

static uint8_t rebuilt[MSG_MAXLEN];

static void roundtrip(const uint8_t *wire, size_t len)
{
	msg_t a, b;
	size_t blen;
	assert_int_equal(msg_parse(&a, wire, len), 0);
	assert_int_equal(msg_rebuild(&a, rebuilt, sizeof(rebuilt), &blen), 0);
	assert_int_equal(msg_parse(&b, rebuilt, blen), 0);
	assert_same_msg(&a, &b);
}

/* Our compression makes the very octets dnspython makes (both take the
 * longest earlier suffix, case-insensitively, and compress the same rdata
 * names for these types). */
static void test_rebuild_dnspython(void **state)
{
	(void)state;
	static const bytes_t fx[] = {
	    {"QUERY_A", QUERY_A, sizeof(QUERY_A)},
	    {"QUERY_AAAA_EDNS", QUERY_AAAA_EDNS, sizeof(QUERY_AAAA_EDNS)},
	    {"QUERY_NSID_COOKIE", QUERY_NSID_COOKIE, sizeof(QUERY_NSID_COOKIE)},
	    {"QUERY_ECS", QUERY_ECS, sizeof(QUERY_ECS)},
	    {"RESP_A_COMPRESSED", RESP_A_COMPRESSED, sizeof(RESP_A_COMPRESSED)},
	    {"RESP_REFERRAL_GLUE", RESP_REFERRAL_GLUE, sizeof(RESP_REFERRAL_GLUE)},
	    {"RESP_NXDOMAIN_SOA", RESP_NXDOMAIN_SOA, sizeof(RESP_NXDOMAIN_SOA)},
	};
	for (size_t i = 0; i < LEN(fx); i++) {
		msg_t m;
		size_t len;
		assert_int_equal(msg_parse(&m, fx[i].p, fx[i].len), 0);
		assert_int_equal(msg_rebuild(&m, rebuilt, sizeof(rebuilt), &len), 0);
		if (len != fx[i].len || memcmp(rebuilt, fx[i].p, len) != 0)
			fail_msg("%s: rebuilt %zu octets differ from dnspython's %zu", fx[i].what,
			         len, fx[i].len);
		roundtrip(fx[i].p, fx[i].len);
	}
	for (size_t i = 0; i < LEN(good); i++)
		roundtrip(good[i].p, good[i].len);
}

/* The seed corpus: every message parses, every truncation is FORMERR,
 * every message survives a rebuild. */
static void test_corpus(void **state)
{
	(void)state;
	const char *dir = SRCDIR "/tests/fuzz/corpus/msg";
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	int n = 0;
	static uint8_t wire[MSG_MAXLEN + 1];
	while ((e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name);
		if (nl < 5 || strcmp(e->d_name + nl - 4, ".bin") != 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		size_t len = fread(wire, 1, sizeof(wire), f);
		fclose(f);
		msg_t m;
		int rc = msg_parse(&m, wire, len);
		if (rc != 0)
			fail_msg("%s: %s", e->d_name, err_str(rc));
		check_truncations(wire, len, e->d_name);
		roundtrip(wire, len);
		n++;
	}
	closedir(d);
	assert_true(n >= 20);
}

/* ------------------------------------------------------------------ build */

static void test_build_query_dnspython(void **state)
{
	(void)state;
	uint8_t buf[512], qn[NAME_MAXLEN];
	msg_builder_t b;

	N("www.example.com.", qn);
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 0x1234, MSG_FLAG_RD), 0);
	assert_int_equal(msg_build_len(&b), 12);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_A, RRCLASS_IN), 0);
	assert_int_equal(msg_build_len(&b), sizeof(QUERY_A));
	assert_memory_equal(buf, QUERY_A, sizeof(QUERY_A));

	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 0x1234, MSG_FLAG_RD), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_AAAA, RRCLASS_IN), 0);
	assert_int_equal(msg_build_opt(&b, 1232, 0, MSG_EDNS_DO, NULL, 0), 0);
	assert_int_equal(msg_build_len(&b), sizeof(QUERY_AAAA_EDNS));
	assert_memory_equal(buf, QUERY_AAAA_EDNS, sizeof(QUERY_AAAA_EDNS));

	N("example.com.", qn);
	const msg_ednsopt_t opts[] = {
	    {MSG_EDNS_NSID, 0, NULL},
	    {MSG_EDNS_COOKIE, 8, (const uint8_t *)"\1\2\3\4\5\6\7\10"},
	};
	assert_int_equal(msg_opt_size(opts, 2), 11 + 4 + 12);
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 0x1234, MSG_FLAG_RD), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_SOA, RRCLASS_IN), 0);
	assert_int_equal(msg_build_opt(&b, 4096, 0, 0, opts, 2), 0);
	assert_int_equal(msg_build_len(&b), sizeof(QUERY_NSID_COOKIE));
	assert_memory_equal(buf, QUERY_NSID_COOKIE, sizeof(QUERY_NSID_COOKIE));
}

static void add_rr(msg_builder_t *b, int sec, const char *owner, uint16_t type, const uint8_t *rd,
                   size_t rdlen)
{
	uint8_t o[NAME_MAXLEN];
	N(owner, o);
	int rc = msg_build_rr(b, sec, o, type, RRCLASS_IN, 3600, rd, rdlen);
	if (rc != 0)
		fail_msg("adding %s: %s", owner, err_str(rc));
}

/* Ten A RRs under example.com., hand-counted: the header (12), the
 * question example.com. A IN (13 + 4), then per RR "hN" + pointer (3 + 2)
 * TYPE..RDLENGTH (10) and the address (4) = 19; an NS whose target
 * ns.h3.example.com. points at h3's owner (2 + 10 + 3 + 2), an MX whose
 * exchange is entirely a pointer (2 + 10 + 2 + 2). */
static void test_compression_size(void **state)
{
	(void)state;
	uint8_t buf[512], qn[NAME_MAXLEN], rd[NAME_MAXLEN + 2];
	msg_builder_t b;
	N("example.com.", qn);
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 7, MSG_FLAG_QR), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_A, RRCLASS_IN), 0);
	for (int i = 0; i < 10; i++) {
		char owner[32];
		uint8_t a[4] = {192, 0, 2, (uint8_t)i};
		snprintf(owner, sizeof(owner), "h%d.example.com.", i);
		add_rr(&b, MSG_SEC_ANSWER, owner, RRTYPE_A, a, 4);
	}
	assert_int_equal(msg_build_len(&b), 12 + 17 + 10 * 19);
	/* first answer owner: "h0" then a pointer to the question's name */
	static const uint8_t first[] = {2, 'h', '0', 0xc0, 12};
	assert_memory_equal(buf + 29, first, sizeof(first));
	size_t n = N("ns.h3.example.com.", rd);
	add_rr(&b, MSG_SEC_AUTHORITY, "example.com.", RRTYPE_NS, rd, n);
	assert_int_equal(msg_build_len(&b), 219 + 17);
	rd[0] = 0;
	rd[1] = 10;
	n = N("h3.example.com.", rd + 2);
	add_rr(&b, MSG_SEC_AUTHORITY, "H3.EXAMPLE.COM.", RRTYPE_MX, rd, 2 + n);
	assert_int_equal(msg_build_len(&b), 236 + 16);
	/* h3's owner is at 29 + 3 * 19 */
	static const uint8_t mx[] = {0xc0, 86,   0, 15, 0, 1,  0,    0,
	                             0x0e, 0x10, 0, 4,  0, 10, 0xc0, 86};
	assert_memory_equal(buf + 236, mx, sizeof(mx));

	msg_t m;
	assert_int_equal(msg_parse(&m, buf, msg_build_len(&b)), 0);
	assert_int_equal(msg_rr_count(&m), 12);
	static uint8_t out[RDATA_MAXLEN];
	msg_rr_t rr;
	assert_int_equal(msg_rr_at(&m, 10, &rr, out, sizeof(out)), 0);
	assert_name(rr.rdata, "ns.h3.example.com.");
	assert_int_equal(msg_rr_at(&m, 11, &rr, out, sizeof(out)), 0);
	assert_name(rr.owner, "h3.example.com."); /* the case of the target */
	assert_name(rr.rdata + 2, "h3.example.com.");
}

/* RFC 1035 MX exchange is compressed; the SRV target is not (RFC 2782,
 * RFC 3597 §4), and is no pointer target either. */
static void test_mx_srv(void **state)
{
	(void)state;
	uint8_t buf[512], rd[NAME_MAXLEN + 6];
	msg_builder_t b;
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 7, MSG_FLAG_QR), 0);
	rd[0] = 0;
	rd[1] = 10;
	size_t n = N("mail.example.com.", rd + 2);
	add_rr(&b, MSG_SEC_ANSWER, "example.com.", RRTYPE_MX, rd, 2 + n);
	/* 12 + owner 13 + 10 + pref 2 + "mail" 5 + pointer 2 */
	assert_int_equal(msg_build_len(&b), 44);
	assert_memory_equal(buf + 33, "\0\x09\0\x0a\4mail\xc0\x0c", 11);
	static const uint8_t srv_fixed[] = {0, 0, 0, 5, 0x13, 0xc4};
	memcpy(rd, srv_fixed, 6);
	n = N("sip.example.com.", rd + 6);
	add_rr(&b, MSG_SEC_ANSWER, "_sip._udp.example.com.", RRTYPE_SRV, rd, 6 + n);
	/* owner "_sip" "_udp" + pointer 12, 10, rdata 6 + 17 written whole */
	assert_int_equal(msg_build_len(&b), 44 + 12 + 10 + 23);
	assert_memory_equal(buf + 64, "\0\x17\0\0\0\5\x13\xc4\3sip\7example\3com\0", 25);
	uint8_t a[4] = {192, 0, 2, 5};
	add_rr(&b, MSG_SEC_ADDITIONAL, "sip.example.com.", RRTYPE_A, a, 4);
	/* "sip" + pointer to example.com. at 12, not into the SRV rdata */
	assert_int_equal(msg_build_len(&b), 89 + 6 + 10 + 4);
	assert_memory_equal(buf + 89, "\3sip\xc0\x0c", 6);
	msg_t m;
	assert_int_equal(msg_parse(&m, buf, msg_build_len(&b)), 0);
	roundtrip(buf, msg_build_len(&b));
}

/* Owner names match earlier names whatever their case; the name keeps the
 * case of what it points to. */
static void test_compression_case(void **state)
{
	(void)state;
	uint8_t buf[512], qn[NAME_MAXLEN];
	msg_builder_t b;
	N("WWW.Example.COM.", qn);
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 7, MSG_FLAG_QR), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_A, RRCLASS_IN), 0);
	uint8_t a[4] = {192, 0, 2, 1};
	add_rr(&b, MSG_SEC_ANSWER, "www.example.com.", RRTYPE_A, a, 4);
	assert_int_equal(msg_build_len(&b), 33 + 2 + 10 + 4);
	add_rr(&b, MSG_SEC_ANSWER, "wwx.example.com.", RRTYPE_A, a, 4);
	assert_int_equal(msg_build_len(&b), 49 + 6 + 10 + 4);
	msg_t m;
	assert_int_equal(msg_parse(&m, buf, msg_build_len(&b)), 0);
	static uint8_t rd[RDATA_MAXLEN];
	msg_rr_t rr;
	assert_int_equal(msg_rr_at(&m, 0, &rr, rd, sizeof(rd)), 0);
	assert_memory_equal(rr.owner, "\3WWW\7Example\3COM", 17);
	assert_int_equal(msg_rr_at(&m, 1, &rr, rd, sizeof(rd)), 0);
	assert_memory_equal(rr.owner, "\3wwx\7Example\3COM", 17);
}

/* Pointers reach offsets below 0x4000 only: a name first written later
 * is written whole again. */
static void test_pointer_limit(void **state)
{
	(void)state;
	static uint8_t buf[MSG_MAXLEN];
	uint8_t qn[NAME_MAXLEN], txt[256];
	msg_builder_t b;
	N("example.com.", qn);
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 7, MSG_FLAG_QR), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_TXT, RRCLASS_IN), 0);
	txt[0] = 255;
	memset(txt + 1, 'x', 255);
	while (msg_build_len(&b) <= 0x4000)
		add_rr(&b, MSG_SEC_ANSWER, "pad.example.com.", RRTYPE_TXT, txt, 256);
	uint8_t a[4] = {192, 0, 2, 1};
	size_t before = msg_build_len(&b);
	add_rr(&b, MSG_SEC_ANSWER, "late.example.org.", RRTYPE_A, a, 4);
	assert_int_equal(msg_build_len(&b) - before, 18 + 10 + 4);
	before = msg_build_len(&b);
	add_rr(&b, MSG_SEC_ANSWER, "late.example.org.", RRTYPE_A, a, 4);
	assert_int_equal(msg_build_len(&b) - before, 18 + 10 + 4);
	/* names written before 0x4000 still serve */
	before = msg_build_len(&b);
	add_rr(&b, MSG_SEC_ANSWER, "pad.example.com.", RRTYPE_A, a, 4);
	assert_int_equal(msg_build_len(&b) - before, 2 + 10 + 4);
	roundtrip(buf, msg_build_len(&b));
}

/* Rolled-back names are never pointed to once the table is chained by
 * hash (past a handful of entries): written again after the rollback,
 * other names take their offsets and entries, and every pointer still
 * decodes to the name that was meant. */
static void test_compression_rollback_chained(void **state)
{
	(void)state;
	static uint8_t buf[MSG_MAXLEN];
	uint8_t qn[NAME_MAXLEN], a[4] = {192, 0, 2, 1};
	msg_builder_t b;
	N("example.com.", qn);
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 7, MSG_FLAG_QR), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_A, RRCLASS_IN), 0);
	char owner[48];
	for (int i = 0; i < 40; i++) {
		snprintf(owner, sizeof(owner), "h%d.example.com.", i);
		add_rr(&b, MSG_SEC_ANSWER, owner, RRTYPE_A, a, 4);
	}
	for (int round = 0; round < 3; round++) {
		msg_mark_t mark;
		msg_build_mark(&b, &mark);
		for (int i = 0; i < 60; i++) {
			snprintf(owner, sizeof(owner), "r%d.gone%d.example.com.", i, round);
			add_rr(&b, MSG_SEC_ANSWER, owner, RRTYPE_A, a, 4);
		}
		msg_build_rollback(&b, &mark);
		/* a rolled-back name is written whole (but its parent
		 * example.com. as a pointer) */
		snprintf(owner, sizeof(owner), "r5.gone%d.example.com.", round);
		size_t before = msg_build_len(&b);
		add_rr(&b, MSG_SEC_ANSWER, owner, RRTYPE_A, a, 4);
		assert_int_equal(msg_build_len(&b) - before, 3 + 6 + 2 + 10 + 4);
		/* names from before the mark still compress whole */
		before = msg_build_len(&b);
		add_rr(&b, MSG_SEC_ANSWER, "h17.example.com.", RRTYPE_A, a, 4);
		assert_int_equal(msg_build_len(&b) - before, 2 + 10 + 4);
		for (int i = 0; i < 30; i++) {
			snprintf(owner, sizeof(owner), "n%d.new%d.example.com.", i, round);
			add_rr(&b, MSG_SEC_ANSWER, owner, RRTYPE_A, a, 4);
		}
	}
	roundtrip(buf, msg_build_len(&b));
}

/* A full compression table still compresses against what it holds and
 * writes the rest whole. */
static void test_compression_table_full(void **state)
{
	(void)state;
	static uint8_t buf[MSG_MAXLEN];
	uint8_t qn[NAME_MAXLEN], a[4] = {192, 0, 2, 1};
	msg_builder_t b;
	N("example.com.", qn);
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 7, MSG_FLAG_QR), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_A, RRCLASS_IN), 0);
	/* the question fills 2 entries, each owner 8 more (every suffix
	 * down to nNNN.example.com. is new), so the table is full long
	 * before the 0x4000 offset limit: after n126 */
	int rrs = MSG_COMPR_MAX / 8 + 20;
	for (int i = 0; i < rrs; i++) {
		char owner[48];
		snprintf(owner, sizeof(owner), "a.b.c.d.e.f.g.n%03d.example.com.", i);
		size_t before = msg_build_len(&b);
		add_rr(&b, MSG_SEC_ANSWER, owner, RRTYPE_A, a, 4);
		assert_int_equal(msg_build_len(&b) - before, 5 + 7 * 2 + 2 + 10 + 4);
	}
	assert_true(msg_build_len(&b) < 0x4000);
	/* n000 is in the table, the last one is not */
	size_t before = msg_build_len(&b);
	add_rr(&b, MSG_SEC_ANSWER, "x.n000.example.com.", RRTYPE_A, a, 4);
	assert_int_equal(msg_build_len(&b) - before, 2 + 2 + 10 + 4);
	char last[48];
	snprintf(last, sizeof(last), "x.n%03d.example.com.", rrs - 1);
	before = msg_build_len(&b);
	add_rr(&b, MSG_SEC_ANSWER, last, RRTYPE_A, a, 4);
	assert_int_equal(msg_build_len(&b) - before, 2 + 5 + 2 + 10 + 4);
	/* a full suffix found through the hash chains: the whole owner */
	before = msg_build_len(&b);
	add_rr(&b, MSG_SEC_ANSWER, "a.b.c.d.e.f.g.n007.example.com.", RRTYPE_A, a, 4);
	assert_int_equal(msg_build_len(&b) - before, 2 + 10 + 4);
	roundtrip(buf, msg_build_len(&b));
}

/* A 512-octet response: the RR that does not fit is rolled back whole,
 * the message stays valid; truncate drops the RRset and sets TC. */
static void test_limit_512(void **state)
{
	(void)state;
	uint8_t buf[512], qn[NAME_MAXLEN], txt[101];
	msg_builder_t b;
	msg_mark_t mark;
	N("big.example.com.", qn);
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 9, MSG_FLAG_QR | MSG_FLAG_AA), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_TXT, RRCLASS_IN), 0);
	assert_int_equal(msg_build_len(&b), 33);
	msg_build_mark(&b, &mark);
	txt[0] = 100;
	memset(txt + 1, 'y', 100);
	int added = 0, rc;
	for (;;) {
		size_t before = msg_build_len(&b);
		rc = msg_build_rr(&b, MSG_SEC_ANSWER, qn, RRTYPE_TXT, RRCLASS_IN, 60, txt,
		                  sizeof(txt));
		if (rc != 0) {
			assert_int_equal(msg_build_len(&b), before);
			break;
		}
		added++;
	}
	assert_int_equal(rc, ERR_SPACE);
	/* 33 + 4 * (2 + 10 + 101) = 485; a fifth would need 598 */
	assert_int_equal(added, 4);
	assert_int_equal(msg_build_len(&b), 485);
	msg_t m;
	assert_int_equal(msg_parse(&m, buf, msg_build_len(&b)), 0);
	assert_int_equal(m.count[MSG_SEC_ANSWER], 4);
	assert_false(m.flags & MSG_FLAG_TC);
	/* a small RR still fits after the failure: the builder is usable */
	uint8_t a[4] = {192, 0, 2, 1};
	assert_int_equal(msg_build_rr(&b, MSG_SEC_ADDITIONAL, qn, RRTYPE_A, RRCLASS_IN, 1, a, 4),
	                 0);
	assert_int_equal(msg_build_len(&b), 485 + 16);
	/* the required RRset did not fit: drop it whole and set TC */
	msg_build_truncate(&b, &mark);
	assert_int_equal(msg_build_len(&b), 33);
	assert_int_equal(msg_parse(&m, buf, msg_build_len(&b)), 0);
	assert_true(m.flags & MSG_FLAG_TC);
	assert_int_equal(msg_rr_count(&m), 0);
	/* and the compression table forgot the rolled-back names */
	add_rr(&b, MSG_SEC_ANSWER, "x.big.example.com.", RRTYPE_A, a, 4);
	assert_int_equal(msg_build_len(&b), 33 + 4 + 10 + 4);
	assert_int_equal(msg_parse(&m, buf, msg_build_len(&b)), 0);

	/* the exact boundary: a message of exactly maxlen octets */
	assert_int_equal(msg_build_init(&b, buf, 12 + 17 + 4, 9, 0), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_TXT, RRCLASS_IN), 0);
	assert_int_equal(msg_build_len(&b), 33);
	assert_int_equal(msg_build_init(&b, buf, 12 + 17 + 3, 9, 0), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_TXT, RRCLASS_IN), ERR_SPACE);
	assert_int_equal(msg_build_len(&b), 12);
}

/* Glue fills the room kept free for OPT; OPT then still fits. */
static void test_reserve(void **state)
{
	(void)state;
	uint8_t buf[512], qn[NAME_MAXLEN];
	msg_builder_t b;
	N("example.com.", qn);
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 1, MSG_FLAG_QR), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_NS, RRCLASS_IN), 0);
	size_t optlen = msg_opt_size(NULL, 0);
	assert_int_equal(optlen, 11);
	assert_int_equal(msg_build_reserve(&b, optlen), 0);
	uint8_t a[4] = {192, 0, 2, 1};
	while (msg_build_rr(&b, MSG_SEC_ADDITIONAL, qn, RRTYPE_A, RRCLASS_IN, 1, a, 4) == 0)
		;
	assert_true(msg_build_len(&b) + optlen <= 512);
	assert_true(msg_build_len(&b) + optlen + 16 > 512);
	assert_int_equal(msg_build_opt(&b, 1232, 0, 0, NULL, 0), ERR_SPACE);
	msg_build_release(&b, optlen);
	assert_int_equal(msg_build_opt(&b, 1232, 0, 0, NULL, 0), 0);
	msg_t m;
	assert_int_equal(msg_parse(&m, buf, msg_build_len(&b)), 0);
	assert_true(m.has_edns);
	assert_int_equal(msg_build_reserve(&b, 512), ERR_SPACE);
}

static void test_edns_roundtrip(void **state)
{
	(void)state;
	uint8_t buf[1232], qn[NAME_MAXLEN], cookie[24], pad[16] = {0};
	for (int i = 0; i < 24; i++)
		cookie[i] = (uint8_t)(0xa0 + i);
	const msg_ednsopt_t opts[] = {
	    {MSG_EDNS_NSID, 11, (const uint8_t *)"ns1.example"},
	    {MSG_EDNS_COOKIE, 24, cookie},
	    {MSG_EDNS_ECS, 11, (const uint8_t *)"\0\2\x38\x30\x20\x01\x0d\xb8\0\0\0"},
	    {MSG_EDNS_PADDING, 16, pad},
	    {65001, 2, (const uint8_t *)"hi"},
	};
	msg_builder_t b;
	N("example.com.", qn);
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 0xbeef, MSG_FLAG_QR), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_SOA, RRCLASS_IN), 0);
	assert_int_equal(msg_build_set_rcode(&b, MSG_RCODE_BADVERS), 0);
	assert_int_equal(msg_build_opt(&b, 1232, 0, MSG_EDNS_DO, opts, LEN(opts)), 0);
	assert_int_equal(msg_build_len(&b), 12 + 17 + msg_opt_size(opts, LEN(opts)));
	msg_t m;
	assert_int_equal(msg_parse(&m, buf, msg_build_len(&b)), 0);
	assert_int_equal(msg_rcode(&m), MSG_RCODE_BADVERS);
	assert_int_equal(m.flags & MSG_RCODE_MASK, 0);
	assert_int_equal(m.edns.ext_rcode, 1);
	assert_int_equal(m.edns.flags, MSG_EDNS_DO);
	assert_int_equal(m.edns.udp_size, 1232);
	assert_int_equal(m.edns.nsid.len, 11);
	assert_int_equal(m.edns.cookie.len, 24);
	assert_int_equal(m.edns.ecs.len, 11);
	assert_int_equal(m.edns.padding.len, 16);
	msg_ednsopt_iter_t it;
	msg_ednsopt_t o;
	msg_ednsopt_iter_init(&it, &m);
	for (size_t i = 0; i < LEN(opts); i++) {
		assert_int_equal(msg_ednsopt_next(&it, &o), 0);
		assert_int_equal(o.code, opts[i].code);
		assert_int_equal(o.len, opts[i].len);
		assert_memory_equal(o.data, opts[i].data, o.len);
	}
	assert_int_equal(msg_ednsopt_next(&it, &o), ERR_NOTFOUND);
	/* the rcode can change after OPT is written */
	assert_int_equal(msg_build_set_rcode(&b, MSG_RCODE_BADCOOKIE), 0);
	assert_int_equal(msg_parse(&m, buf, msg_build_len(&b)), 0);
	assert_int_equal(msg_rcode(&m), MSG_RCODE_BADCOOKIE);
	assert_int_equal(msg_build_set_rcode(&b, MSG_RCODE_REFUSED), 0);
	assert_int_equal(msg_parse(&m, buf, msg_build_len(&b)), 0);
	assert_int_equal(msg_rcode(&m), MSG_RCODE_REFUSED);
	assert_int_equal(m.edns.ext_rcode, 0);
	roundtrip(buf, msg_build_len(&b));
}

static void test_build_errors(void **state)
{
	(void)state;
	uint8_t buf[512], qn[NAME_MAXLEN], a[4] = {192, 0, 2, 1};
	static const uint8_t tsig[] = {11,   'h', 'm', 'a',  'c',  '-',  's',  'h',  'a',  '2',
	                               '5',  '6', 0,   0,    0,    0x65, 0x53, 0xf1, 0x00, 1,
	                               0x2c, 0,   0,   0x12, 0x34, 0,    0,    0,    0};
	msg_builder_t b;
	N("example.com.", qn);
	assert_int_equal(msg_build_init(&b, buf, 11, 0, 0), ERR_INVAL);
	assert_int_equal(msg_build_init(&b, buf, MSG_MAXLEN + 1, 0, 0), ERR_INVAL);
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 0, 0), 0);
	assert_int_equal(msg_build_set_rcode(&b, 4096), ERR_INVAL);
	assert_int_equal(msg_build_rr(&b, MSG_SEC_QUESTION, qn, RRTYPE_A, 1, 0, a, 4), ERR_INVAL);
	assert_int_equal(msg_build_rr(&b, 4, qn, RRTYPE_A, 1, 0, a, 4), ERR_INVAL);
	assert_int_equal(msg_build_rr(&b, MSG_SEC_ANSWER, qn, RRTYPE_OPT, 1, 0, a, 4), ERR_INVAL);
	assert_int_equal(msg_build_rr(&b, MSG_SEC_AUTHORITY, qn, RRTYPE_A, 1, 0, a, 4), 0);
	assert_int_equal(msg_build_question(&b, qn, RRTYPE_A, 1), ERR_INVAL);
	assert_int_equal(msg_build_rr(&b, MSG_SEC_ANSWER, qn, RRTYPE_A, 1, 0, a, 4), ERR_INVAL);
	assert_int_equal(msg_build_opt(&b, 512, 0, 0, NULL, 0), 0);
	assert_int_equal(msg_build_opt(&b, 512, 0, 0, NULL, 0), ERR_INVAL);
	uint8_t key[NAME_MAXLEN];
	N("key.", key);
	assert_int_equal(msg_build_rr(&b, MSG_SEC_ADDITIONAL, key, RRTYPE_TSIG, RRCLASS_ANY, 0,
	                              tsig, sizeof(tsig)),
	                 0);
	assert_int_equal(msg_build_rr(&b, MSG_SEC_ADDITIONAL, qn, RRTYPE_A, 1, 0, a, 4), ERR_INVAL);
	msg_t m;
	assert_int_equal(msg_parse(&m, buf, msg_build_len(&b)), 0);
	assert_true(m.has_tsig);
	assert_true(m.has_edns);
	/* the TSIG algorithm name is never compressed (RFC 8945 §4.2) */
	assert_memory_equal(buf + m.tsig.rdoff, tsig, 13);
	/* OPT after TSIG: rolled back to before TSIG, OPT is fine again */
	msg_mark_t mark;
	assert_int_equal(msg_build_init(&b, buf, sizeof(buf), 0, 0), 0);
	msg_build_mark(&b, &mark);
	assert_int_equal(msg_build_rr(&b, MSG_SEC_ADDITIONAL, key, RRTYPE_TSIG, RRCLASS_ANY, 0,
	                              tsig, sizeof(tsig)),
	                 0);
	assert_int_equal(msg_build_opt(&b, 512, 0, 0, NULL, 0), ERR_INVAL);
	msg_build_rollback(&b, &mark);
	assert_int_equal(msg_build_len(&b), 12);
	assert_int_equal(msg_build_opt(&b, 512, 0, 0, NULL, 0), 0);
	assert_int_equal(msg_parse(&m, buf, msg_build_len(&b)), 0);
}

static void test_print(void **state)
{
	(void)state;
	static const char want[] =
	    ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4660\n"
	    ";; flags: qr aa rd; QUESTION: 1, ANSWER: 2, AUTHORITY: 2, ADDITIONAL: 3\n"
	    "\n;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 8192\n"
	    "\n;; QUESTION SECTION:\n;www.example.com.\t\tIN\tA\n"
	    "\n;; ANSWER SECTION:\n"
	    "www.example.com.\t300\tIN\tA\t192.0.2.1\n"
	    "www.example.com.\t300\tIN\tA\t192.0.2.2\n"
	    "\n;; AUTHORITY SECTION:\n"
	    "example.com.\t3600\tIN\tNS\tns1.example.com.\n"
	    "example.com.\t3600\tIN\tNS\tns2.example.com.\n"
	    "\n;; ADDITIONAL SECTION:\n"
	    "ns1.example.com.\t3600\tIN\tA\t192.0.2.53\n"
	    "ns2.example.com.\t3600\tIN\tAAAA\t2001:db8::53\n";
	msg_t m;
	static char txt[4096];
	assert_int_equal(msg_parse(&m, RESP_A_COMPRESSED, sizeof(RESP_A_COMPRESSED)), 0);
	assert_int_equal(msg_to_text(&m, txt, sizeof(txt)), strlen(want));
	assert_string_equal(txt, want);
	/* every buffer too small by at least the NUL is ERR_SPACE */
	for (size_t cap = 0; cap <= strlen(want); cap++)
		assert_int_equal(msg_to_text(&m, txt, cap), ERR_SPACE);
	assert_int_equal(msg_to_text(&m, txt, strlen(want) + 1), strlen(want));

	assert_int_equal(msg_parse(&m, QUERY_ECS, sizeof(QUERY_ECS)), 0);
	assert_true(msg_to_text(&m, txt, sizeof(txt)) > 0);
	assert_non_null(strstr(txt, "; CLIENT-SUBNET: 192.0.2.0/24/0\n"));
	assert_non_null(strstr(txt, "; CLIENT-SUBNET: 2001:db8::/56/0\n"));
	const bytes_t *up = &good[12];
	assert_int_equal(msg_parse(&m, up->p, up->len), 0);
	assert_true(msg_to_text(&m, txt, sizeof(txt)) > 0);
	assert_non_null(strstr(txt, "opcode: UPDATE"));
	assert_non_null(strstr(txt, ";; UPDATE SECTION:\nwww.example.com.\t0\tANY\tA\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_formerr_keeps_header),
	    cmocka_unit_test(test_long_name),
	    cmocka_unit_test(test_parse_query),
	    cmocka_unit_test(test_parse_edns),
	    cmocka_unit_test(test_cookie_lengths),
	    cmocka_unit_test(test_parse_response),
	    cmocka_unit_test(test_many_rrs),
	    cmocka_unit_test(test_update_and_tsig),
	    cmocka_unit_test(test_rebuild_dnspython),
	    cmocka_unit_test(test_corpus),
	    cmocka_unit_test(test_build_query_dnspython),
	    cmocka_unit_test(test_compression_size),
	    cmocka_unit_test(test_mx_srv),
	    cmocka_unit_test(test_compression_case),
	    cmocka_unit_test(test_pointer_limit),
	    cmocka_unit_test(test_compression_table_full),
	    cmocka_unit_test(test_compression_rollback_chained),
	    cmocka_unit_test(test_limit_512),
	    cmocka_unit_test(test_reserve),
	    cmocka_unit_test(test_edns_roundtrip),
	    cmocka_unit_test(test_build_errors),
	    cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
