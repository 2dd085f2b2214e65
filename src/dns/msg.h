/*
 * DNS messages (RFC 1035 §4.1): parse and build, EDNS(0) (RFC 6891),
 * name compression (RFC 1035 §4.1.4), TSIG position (RFC 8945 §5.1).
 *
 * Parse.  msg_parse() is THE edge check of a message: it validates the
 * header, the question, every RR's owner name and rdata (rdata_from_wire),
 * the OPT RR and its options, and where a TSIG RR sits.  It copies nothing
 * but the question name: a msg_t records where things are (offsets into the
 * caller's buffer, which it borrows), so parsing a query allocates nothing.
 * The first MSG_RR_MAX RRs are indexed in msg_t.rr[]; any number of RRs
 * (a zone transfer) is read one at a time with msg_iter_t/msg_rr_next(),
 * which decodes into caller memory.
 *
 * Policy (what is ERR_FORMERR; every case is a unit test):
 *   - shorter than the 12-octet header, or longer than 65535 octets;
 *   - QDCOUNT > 1 (RFC 9619; UPDATE's ZOCOUNT must be 1 too, RFC 2136 §3.1.1);
 *   - any name or rdata that does not decode: truncated, bad label,
 *     forward or looping compression pointer, name > 255 octets, rdata that
 *     rdata_from_wire rejects or RDLENGTH running past the message;
 *   - fewer RRs in the data than the counts say;
 *   - octets after the last RR the counts describe.  RFC 1035 does not
 *     speak of trailing data; we reject it because the counts then do not
 *     describe the message (a smuggling channel past TSIG, whose MAC covers
 *     the message only up to the TSIG RR, RFC 8945 §5.1) and because no
 *     conforming sender produces it;
 *   - an OPT RR outside the additional section, a second OPT, an OPT whose
 *     owner is not the root (RFC 6891 §6.1.1), a malformed option list
 *     (an option running past RDLENGTH), a COOKIE of a length RFC 7873
 *     §5.2.2 forbids (not 8 or 16..40), an EDNS Client Subnet option that
 *     RFC 7871 §6 forbids (unknown family, prefix too long for the family,
 *     ADDRESS not exactly ceil(SOURCE/8) octets, bits set past SOURCE,
 *     non-zero SCOPE in a query);
 *   - a TSIG RR that is not the last RR of the additional section, a
 *     second TSIG (RFC 8945 §5.1), or TSIG rdata whose fields do not fill
 *     RDATA exactly (RFC 8945 §5.2; the MAC is not checked here).
 * An UPDATE RR of class ANY or NONE with RDLENGTH 0 (RFC 2136 §2.4, §2.5)
 * carries no rdata and is accepted for any type.  Semantics (BADVERS,
 * NOTIMP for an opcode, the question's type) are the server's business.
 *
 * Build.  msg_builder_t writes a message into a caller-owned buffer up to
 * a limit (512, the EDNS payload size, 65535 on TCP), section by section,
 * compressing owner names and the rdata names RFC 3597 §4 allows with a
 * fixed table of earlier names (no allocation).  An RR that does not fit
 * is rolled back whole and reported as ERR_SPACE: the message stays at the
 * last complete RR and the caller decides what to drop (msg_build_mark /
 * msg_build_rollback for a whole RRset) and whether that means TC
 * (msg_build_truncate).  The builder never sets TC by itself: running out
 * of room while filling an AXFR message over TCP just means "start the next
 * message", and dropping optional additional data must not set TC
 * (RFC 2181 §9).  Compression matches names case-insensitively (as BIND,
 * Knot and dnspython do), so a name that points back takes the case of the
 * earlier one: answers follow the case of the question, as resolvers that
 * randomise it (draft-vixie-dnsext-dns0x20) expect.
 *
 * Thread safety: a msg_t or msg_builder_t belongs to one thread.
 */
#ifndef NSF_DNS_MSG_H
#define NSF_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"
#include "dns/rdata.h"

#define MSG_HDR_LEN   12
#define MSG_MAXLEN    65535
#define MSG_UDP_MIN   512 /* RFC 1035 §4.2.1 and RFC 6891 §6.2.5 */
#define MSG_RR_MAX    16  /* RRs whose positions msg_t indexes */
#define MSG_COMPR_MAX 1024 /* names (suffixes) the builder can point back to */
#define MSG_COMPR_BUCKETS 512 /* hash chains once there are many (msg_build.c) */

/* Bits of the second header word (RFC 1035 §4.1.1, RFC 4035 §3.2 AD/CD). */
#define MSG_FLAG_QR     0x8000
#define MSG_FLAG_AA     0x0400
#define MSG_FLAG_TC     0x0200
#define MSG_FLAG_RD     0x0100
#define MSG_FLAG_RA     0x0080
#define MSG_FLAG_Z      0x0040
#define MSG_FLAG_AD     0x0020
#define MSG_FLAG_CD     0x0010
#define MSG_OPCODE_MASK 0x7800
#define MSG_RCODE_MASK  0x000f
/* The flags word with opcode and (low 4 bits of) rcode in place. */
#define MSG_FLAGS(opcode, rcode)                                                                   \
	((uint16_t)((((unsigned)(opcode)&0xf) << 11) | ((unsigned)(rcode)&0xf)))

enum {
	MSG_OPCODE_QUERY = 0,
	MSG_OPCODE_IQUERY = 1,
	MSG_OPCODE_STATUS = 2,
	MSG_OPCODE_NOTIFY = 4,
	MSG_OPCODE_UPDATE = 5,
};

/* RCODEs are 12 bits with EDNS (RFC 6891 §6.1.3); 16 is BADVERS in the
 * OPT RR and BADSIG in TSIG (RFC 8945 §3). */
enum {
	MSG_RCODE_NOERROR = 0,
	MSG_RCODE_FORMERR = 1,
	MSG_RCODE_SERVFAIL = 2,
	MSG_RCODE_NXDOMAIN = 3,
	MSG_RCODE_NOTIMP = 4,
	MSG_RCODE_REFUSED = 5,
	MSG_RCODE_YXDOMAIN = 6,
	MSG_RCODE_YXRRSET = 7,
	MSG_RCODE_NXRRSET = 8,
	MSG_RCODE_NOTAUTH = 9,
	MSG_RCODE_NOTZONE = 10,
	MSG_RCODE_BADVERS = 16,
	MSG_RCODE_BADSIG = 16,
	MSG_RCODE_BADKEY = 17,
	MSG_RCODE_BADTIME = 18,
	MSG_RCODE_BADCOOKIE = 23,
};

/* Sections, in message order (in UPDATE: zone, prerequisite, update,
 * additional, RFC 2136 §2). */
enum {
	MSG_SEC_QUESTION = 0,
	MSG_SEC_ANSWER = 1,
	MSG_SEC_AUTHORITY = 2,
	MSG_SEC_ADDITIONAL = 3,
};

/* EDNS (RFC 6891 §6.1.3): the DO bit of the OPT flags (RFC 3225). */
#define MSG_EDNS_DO 0x8000

/* EDNS option codes (IANA "DNS EDNS0 Option Codes"). */
enum {
	MSG_EDNS_NSID = 3,    /* RFC 5001 */
	MSG_EDNS_ECS = 8,     /* RFC 7871 */
	MSG_EDNS_COOKIE = 10, /* RFC 7873 */
	MSG_EDNS_PADDING = 12 /* RFC 7830 */
};

/* Where an RR lies in a parsed message.  Offsets fit 16 bits because a
 * message has at most 65535 octets. */
typedef struct {
	uint16_t off;   /* first octet of the RR (its owner name, maybe compressed) */
	uint16_t rdoff; /* first octet of RDATA */
	uint16_t rdlen; /* RDLENGTH as on the wire (compressed names count short) */
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
} msg_rrpos_t;

/* One EDNS option; data points into the message or the caller's memory. */
typedef struct {
	uint16_t code;
	uint16_t len;
	const uint8_t *data;
} msg_ednsopt_t;

/* A span of octets in the message: off == 0 means absent (no option can
 * start inside the 12-octet header). */
typedef struct {
	uint16_t off, len;
} msg_span_t;

typedef struct {
	uint16_t udp_size; /* CLASS: requestor's payload size, raw (see msg_udp_size) */
	uint8_t ext_rcode; /* upper 8 bits of the 12-bit RCODE */
	uint8_t version;
	uint16_t flags;  /* MSG_EDNS_DO; the other bits are Z (ignore them) */
	uint16_t rr_off; /* first octet of the OPT RR */
	msg_span_t opts; /* the whole option list (the RDATA) */
	/* data of the first option of each kind the server uses */
	msg_span_t nsid, cookie, ecs, padding;
} msg_edns_t;

typedef struct {
	const uint8_t *wire; /* borrowed: must outlive every use of the msg_t */
	size_t len;
	uint16_t id;
	uint16_t flags;    /* second header word, see MSG_FLAG_* and msg_opcode() */
	uint16_t count[4]; /* QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT as in the header */
	bool has_question;
	uint8_t qname_len;
	uint8_t qname[NAME_MAXLEN]; /* decompressed, case as received */
	uint16_t qtype, qclass;
	uint16_t sec_off[4];        /* where each section starts (valid after success) */
	uint16_t nrr;               /* entries in rr[]: min(AN+NS+AR, MSG_RR_MAX) */
	msg_rrpos_t rr[MSG_RR_MAX]; /* RRs in message order, answer first */
	bool has_edns;
	msg_edns_t edns;
	bool has_tsig;
	msg_rrpos_t tsig; /* the TSIG RR: wire[0 .. tsig.off) is what its MAC covers */
} msg_t;

/*
 * Parses and validates the message wire[0..len) (see the policy above).
 * Returns 0 or ERR_FORMERR.  Even on ERR_FORMERR, when len >= 12 the id,
 * flags and counts are set, and has_question says whether the question
 * was read, so that the server can answer FORMERR (RFC 1035 §4.1.1).
 * Borrows wire; needs no more than about 64 KiB of stack while it checks
 * rdata.  Allocates nothing.
 */
__attribute__((warn_unused_result)) int msg_parse(msg_t *m, const uint8_t *wire, size_t len);

static inline unsigned msg_opcode(const msg_t *m)
{
	return (m->flags & MSG_OPCODE_MASK) >> 11;
}

/* The 12-bit RCODE: header bits and, with EDNS, the OPT's upper 8 bits. */
/* The mnemonic of a 12-bit RCODE ("NXDOMAIN", "BADVERS", ...; RFC 6895
 * §2.3), or NULL for one that has none. */
const char *msg_rcode_name(unsigned rcode);

/* The same, "RCODE?" for one without a mnemonic (log lines, reports). */
static inline const char *msg_rcode_text(unsigned rcode)
{
	const char *n = msg_rcode_name(rcode);
	return n ? n : "RCODE?";
}

static inline unsigned msg_rcode(const msg_t *m)
{
	return (unsigned)(m->flags & MSG_RCODE_MASK) |
	       (m->has_edns ? (unsigned)m->edns.ext_rcode << 4 : 0u);
}

/* The largest UDP response the requestor takes: 512 without EDNS, and
 * never less than 512 (RFC 6891 §6.2.5). */
static inline size_t msg_udp_size(const msg_t *m)
{
	if (!m->has_edns || m->edns.udp_size < MSG_UDP_MIN)
		return MSG_UDP_MIN;
	return m->edns.udp_size;
}

/* Total RRs after the question (AN + NS + AR). */
static inline size_t msg_rr_count(const msg_t *m)
{
	return (size_t)m->count[1] + m->count[2] + m->count[3];
}

/* The section of the i-th RR after the question (0-based, answer first). */
int msg_rr_section(const msg_t *m, size_t i);

/* Iterates the validated options of m's OPT RR.  Returns 0 and fills *opt
 * (data borrowed from the message), or ERR_NOTFOUND after the last one. */
typedef struct {
	const uint8_t *pos, *end;
} msg_ednsopt_iter_t;
void msg_ednsopt_iter_init(msg_ednsopt_iter_t *it, const msg_t *m);
int msg_ednsopt_next(msg_ednsopt_iter_t *it, msg_ednsopt_t *opt);

/* One decoded RR.  rdata points at the caller's buffer given to
 * msg_rr_next(): uncompressed wire rdata (what the zone stores), except
 * for OPT whose option list is copied as it is. */
typedef struct {
	uint8_t owner[NAME_MAXLEN]; /* uncompressed, case as received */
	size_t owner_len;
	uint16_t type, rclass;
	uint32_t ttl;
	int section;   /* MSG_SEC_ANSWER .. MSG_SEC_ADDITIONAL */
	size_t offset; /* first octet of the RR in the message */
	uint8_t *rdata;
	size_t rdlen;
} msg_rr_t;

typedef struct {
	const msg_t *msg;
	size_t pos;        /* offset of the next RR */
	size_t index, end; /* next RR's index among AN+NS+AR, and the stop */
} msg_iter_t;

/* Iterates all RRs after the question.  m must be a message msg_parse
 * accepted (returned 0): after ERR_FORMERR the offsets are not set.  The
 * iterator borrows m, which must stay in place while it is used. */
void msg_iter_init(msg_iter_t *it, const msg_t *m);
/* Iterates the RRs of one section (MSG_SEC_ANSWER..MSG_SEC_ADDITIONAL). */
void msg_iter_init_section(msg_iter_t *it, const msg_t *m, int section);
/*
 * Decodes the next RR into *rr, its rdata into rdbuf[0..cap) (cap >=
 * RDATA_MAXLEN always fits).  Returns 0, ERR_NOTFOUND after the last RR,
 * ERR_SPACE if cap is too small, or ERR_FORMERR (only if the message was
 * not validated by msg_parse).
 */
__attribute__((warn_unused_result)) int msg_rr_next(msg_iter_t *it, msg_rr_t *rr, uint8_t *rdbuf,
                                                    size_t cap);
/* Decodes RR number i < m->nrr directly (same returns as msg_rr_next). */
__attribute__((warn_unused_result)) int msg_rr_at(const msg_t *m, size_t i, msg_rr_t *rr,
                                                  uint8_t *rdbuf, size_t cap);

/* ------------------------------------------------------------------ build */

/* A name (suffix) written at off, for compression.  Internal. */
typedef struct {
	uint32_t hash; /* of the lower-cased suffix, see msg_build.c */
	uint16_t off;
	uint16_t next;  /* 1 + index of the previous entry of its hash chain, or 0 */
	uint8_t labels;
} msg_compr_t;

/* The builder's state apart from the compression table: small enough to
 * copy as a mark.  A mark is valid for the builder it came from until that
 * builder is rolled back to an earlier mark or initialised again. */
typedef struct {
	size_t len;        /* octets of complete RRs */
	size_t reserved;   /* kept free for OPT/TSIG (msg_build_reserve) */
	uint16_t count[4]; /* written per section */
	uint16_t ncompr;   /* used entries of compr[] */
	uint16_t opt_off;  /* first octet of the OPT RR, 0 = none */
	uint8_t section;   /* last section written to */
	bool has_tsig;
} msg_mark_t;

typedef struct {
	uint8_t *buf;  /* borrowed */
	size_t maxlen; /* the message never grows past this */
	uint8_t ext_rcode;
	msg_mark_t st;
	bool chained;  /* entries are also in hash chains (head[]) */
	uint16_t head[MSG_COMPR_BUCKETS]; /* 1 + index of a chain's last entry */
	msg_compr_t compr[MSG_COMPR_MAX];
} msg_builder_t;

/*
 * Starts a message in buf[0..maxlen) (12 <= maxlen <= 65535: else
 * ERR_INVAL) with the given id and flags word (MSG_FLAGS(opcode, rcode) |
 * MSG_FLAG_*) and all counts 0.  Borrows buf.
 */
__attribute__((warn_unused_result)) int msg_build_init(msg_builder_t *b, uint8_t *buf,
                                                       size_t maxlen, uint16_t id, uint16_t flags);

/* The flags word, as it now is in the header, and its replacement. */
uint16_t msg_build_flags(const msg_builder_t *b);
void msg_build_set_flags(msg_builder_t *b, uint16_t flags);

/* Sets the 12-bit RCODE: the low 4 bits in the header, the upper 8 in the
 * OPT RR, now or when msg_build_opt writes it.  An rcode > 15 needs an OPT
 * RR (RFC 6891 §6.1.3): the caller adds one.  ERR_INVAL if > 4095. */
int msg_build_set_rcode(msg_builder_t *b, unsigned rcode);

/* Writes the question (validated qname).  Only before any RR and once:
 * else ERR_INVAL.  ERR_SPACE if it does not fit. */
__attribute__((warn_unused_result)) int msg_build_question(msg_builder_t *b, const uint8_t *qname,
                                                           uint16_t qtype, uint16_t qclass);

/*
 * Appends an RR to section (MSG_SEC_ANSWER..ADDITIONAL, never going back
 * to an earlier section: ERR_INVAL) with the validated owner and
 * uncompressed rdata (rdata_check would pass it; class ANY/NONE with
 * rdlen 0 is an UPDATE deletion and writes no rdata).  OPT goes through
 * msg_build_opt; nothing may follow a TSIG RR (ERR_INVAL).
 * Returns 0, or ERR_SPACE with the message as it was before the call.
 */
__attribute__((warn_unused_result)) int msg_build_rr(msg_builder_t *b, int section,
                                                     const uint8_t *owner, uint16_t type,
                                                     uint16_t rclass, uint32_t ttl,
                                                     const uint8_t *rdata, size_t rdlen);

/*
 * Appends the OPT RR (RFC 6891 §6.1.2) to the additional section: payload
 * size, version, flags (MSG_EDNS_DO) and the options in the order given;
 * its extended RCODE comes from msg_build_set_rcode.  ERR_INVAL for a
 * second OPT or after a TSIG, ERR_SPACE (message unchanged) if it does not
 * fit.  To make sure it will fit, reserve its size first.
 */
__attribute__((warn_unused_result)) int msg_build_opt(msg_builder_t *b, uint16_t udp_size,
                                                      uint8_t version, uint16_t flags,
                                                      const msg_ednsopt_t *opts, size_t nopts);

/* Size of the OPT RR msg_build_opt would write for these options. */
size_t msg_opt_size(const msg_ednsopt_t *opts, size_t nopts);

/* Keeps n octets free at the end (for OPT and TSIG, added last, which must
 * fit, RFC 6891 §7, RFC 8945 §5.3): ERR_SPACE if they are not free now.
 * msg_build_release gives them back before the reserved RRs are added. */
__attribute__((warn_unused_result)) int msg_build_reserve(msg_builder_t *b, size_t n);
void msg_build_release(msg_builder_t *b, size_t n);

/* Marks the current state; rollback returns to it (dropping the RRs added
 * since, e.g. the rest of an RRset that did not fit).  truncate also sets
 * TC (RFC 2181 §9: a required RRset could not be included whole). */
void msg_build_mark(const msg_builder_t *b, msg_mark_t *mark);
void msg_build_rollback(msg_builder_t *b, const msg_mark_t *mark);
void msg_build_truncate(msg_builder_t *b, const msg_mark_t *mark);

/* The message so far: always a complete message of this many octets. */
static inline size_t msg_build_len(const msg_builder_t *b)
{
	return b->st.len;
}

/* --------------------------------------------------------------- print */

/*
 * Writes a dig-like text form of a parsed message (header, OPT
 * pseudosection, sections in presentation form), NUL-terminated.
 * Returns the text length or ERR_SPACE.  For tests and tools.
 */
int msg_to_text(const msg_t *m, char *buf, size_t cap);

#endif
