/*
 * nsfleet audit: the pieces of the audit shared by its files.
 *
 *   audit.c        arguments, discovery, the phases, exit status
 *   audit_net.c    the query engine: every query of a phase in parallel on
 *                  one libuv loop (UDP with retries, TCP, AXFR), each with
 *                  a deadline
 *   audit_check.c  the checks on the answers (lame, consistency, exposure,
 *                  TTLs, DNSSEC), turning them into findings
 *   audit_logic.c  pure rules without I/O (prefix diversity, serial lag,
 *                  TTL and SOA timer rules, DS digests): unit-tested
 *   audit_asn.c    the offline prefix -> ASN table (--asn-table)
 *   audit_fp.c     software fingerprints
 *   audit_report.c findings as text and JSON
 *
 * doc/nsfleet-audit.md lists every check, its severity and its advice.
 * Memory: findings own their strings (malloc); queries own their answers.
 */
#ifndef NSF_TOOLS_AUDIT_H
#define NSF_TOOLS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "dns/msg.h"
#include "dns/name.h"
#include "dns/tsig.h"

#include <jansson.h>

/* Exit statuses of `nsfleet audit` (EX_USAGE from sysexits.h for usage). */
enum { AUDIT_EXIT_OK = 0, AUDIT_EXIT_WARN = 1, AUDIT_EXIT_ERROR = 2, AUDIT_EXIT_USAGE = 64 };

/* ------------------------------------------------------------ findings */

typedef enum { AUDIT_INFO = 0, AUDIT_WARNING = 1, AUDIT_ERROR = 2 } audit_sev_t;

typedef struct {
	audit_sev_t sev;
	char *check;  /* the check's family: "count", "lame", "serial", ... */
	char *code;   /* stable identifier for scripts: "lame-refused", ... */
	char *msg;    /* what was seen */
	char *advice; /* what to do (may be NULL) */
	char **servers;
	size_t nservers;
} audit_finding_t;

typedef struct {
	audit_finding_t *v;
	size_t n, cap;
} audit_findings_t;

/* Appends a finding (strings copied) and returns it, or NULL on ENOMEM
 * (the audit then reports fewer findings; it never crashes). */
__attribute__((format(printf, 6, 7))) audit_finding_t *
audit_add(audit_findings_t *f, audit_sev_t sev, const char *check, const char *code,
          const char *advice, const char *fmt, ...);
/* Adds a server label (copied) to a finding; f may be NULL. */
void audit_finding_server(audit_finding_t *f, const char *label);
void audit_findings_free(audit_findings_t *f);
size_t audit_count(const audit_findings_t *f, audit_sev_t sev);
/* 0, 1 or 2 from the worst severity found. */
int audit_exit_status(const audit_findings_t *f);
const char *audit_sev_name(audit_sev_t sev);

/* ------------------------------------------------------- pure rules */

/* An address of a nameserver, as the diversity rules see it. */
typedef struct {
	int family; /* AF_INET or AF_INET6 */
	uint8_t a[16];
	const char *label; /* borrowed, for findings */
} audit_addr_t;

/* Diversity of addresses (all in one IPv4 /24 or IPv6 /48: error; fewer
 * than 3 distinct prefixes of those sizes among 3 or more addresses... see
 * doc/nsfleet-audit.md): appends findings. */
void audit_rule_prefixes(const audit_addr_t *addrs, size_t n, audit_findings_t *f);

/* How far serial s lags behind ref in RFC 1982 arithmetic: 0 when equal,
 * > 0 when s is behind ref by that much, -1 when s is ahead of ref or the
 * comparison is undefined (they differ by exactly 2^31). */
int64_t audit_serial_lag(uint32_t ref, uint32_t s);

/* The newest serial of n (RFC 1982 order; the first one wins a tie or an
 * undefined comparison).  n >= 1. */
uint32_t audit_serial_newest(const uint32_t *serials, size_t n);

/* Severity of the TTL of a critical record (apex/www A, AAAA, CNAME, MX):
 * -1 for none (<= 300), AUDIT_INFO (301 .. 86399), AUDIT_WARNING (>= a day). */
int audit_rule_ttl(uint32_t ttl);
#define AUDIT_TTL_FAILOVER 300u
#define AUDIT_TTL_DAY      86400u

/* SOA timers against RFC 1912 §2.2 / RIPE-203 practice: appends findings
 * labelled with the servers in labels[0..nlabels). */
void audit_rule_soa_timers(uint32_t refresh, uint32_t retry, uint32_t expire, uint32_t minimum,
                           const char *const *labels, size_t nlabels, audit_findings_t *f);

/* RRSIG expiration horizon: seconds left (RFC 4034 §3.1.5 serial-number
 * arithmetic on 32-bit times) of expiration relative to now; negative when
 * expired. */
int64_t audit_sig_left(uint32_t expiration, uint64_t now);
/* -1 none, AUDIT_WARNING under 7 days, AUDIT_ERROR under 1 day. */
int audit_rule_sig_left(int64_t left);

/* DS digest (RFC 4034 §5.1.4) of a DNSKEY: owner (wire, any case) and the
 * DNSKEY rdata; digest type 1 (SHA-1), 2 (SHA-256) or 4 (SHA-384).  Writes
 * the digest to out (>= 48 octets) and its length to *outlen.  0, ERR_INVAL
 * for another digest type, or ERR_MALFORMED. */
int audit_ds_digest(const uint8_t *owner, const uint8_t *dnskey, size_t dnskey_len,
                    uint8_t digest_type, uint8_t *out, size_t *outlen);
/* Key tag of a DNSKEY rdata (RFC 4034 Appendix B). */
uint16_t audit_key_tag(const uint8_t *dnskey, size_t len);

/* ------------------------------------------------------ the ASN table */

typedef struct {
	int family;
	uint8_t prefix[16];
	uint8_t bits;
	uint32_t asn;
} audit_asn_entry_t;

typedef struct {
	audit_asn_entry_t *v;
	size_t n, cap;
} audit_asn_table_t;

/*
 * Parses an offline prefix -> ASN table: one "PREFIX/LEN ASN" per line
 * ("192.0.2.0/24 64500", "2001:db8::/32 AS64501"), '#' comments, blank
 * lines.  On error returns ERR_SYNTAX (or -ENOMEM) and writes
 * "file:line:column: what" to err (cap bytes).  t must be zeroed first;
 * audit_asn_free frees it on every path.
 */
__attribute__((warn_unused_result)) int audit_asn_parse(const char *text, size_t len,
                                                        const char *file, audit_asn_table_t *t,
                                                        char *err, size_t cap);
/* The ASN of the longest prefix holding the address, or 0 for none. */
uint32_t audit_asn_lookup(const audit_asn_table_t *t, int family, const uint8_t *addr);
void audit_asn_free(audit_asn_table_t *t);

/* -------------------------------------------------------- the engine */

typedef enum { AUDIT_TR_UDP = 0, AUDIT_TR_TCP, AUDIT_TR_AXFR } audit_transport_t;

typedef enum {
	AUDIT_Q_PENDING = 0,
	AUDIT_Q_OK,        /* an answer that parsed and matches the question */
	AUDIT_Q_TIMEOUT,   /* no answer before the deadline */
	AUDIT_Q_NETERR,    /* refused connection, port unreachable, reset */
	AUDIT_Q_MALFORMED, /* an answer that does not parse or match */
} audit_qstatus_t;

/* Options of a request. */
typedef struct {
	bool rd;
	bool edns;
	uint8_t edns_version;
	bool dnssec_ok;
	bool nsid;
	uint16_t opcode;
	bool no_question; /* QDCOUNT 0 (fingerprint probe) */
} audit_qopt_t;

typedef struct audit_query {
	/* set by audit_query_init */
	struct sockaddr_storage addr;
	audit_transport_t tr;
	uint8_t req[512];
	size_t req_len;
	uint16_t id;
	uint8_t qname[NAME_MAXLEN];
	uint16_t qtype, qclass;
	bool no_question;
	/* results */
	audit_qstatus_t status;
	char why[96];  /* for NETERR/MALFORMED: what happened */
	uint8_t *resp; /* the (first) answer message, malloc */
	size_t resp_len;
	uint8_t **msgs; /* AXFR: every message, malloc */
	size_t *msg_lens;
	size_t nmsgs;
	bool axfr_complete; /* AXFR ended with the closing SOA */
	double rtt_ms;
	tsig_ctx_t *tsig; /* set by audit_query_sign (malloc) */
	void *priv;       /* the engine's state while running */
} audit_query_t;

/* Prepares q for addr (copied) with a fresh random id.  0 or a negative
 * error from the message builder. */
int audit_query_init(audit_query_t *q, const struct sockaddr *addr, audit_transport_t tr,
                     const uint8_t *qname, uint16_t qtype, uint16_t qclass,
                     const audit_qopt_t *opt);
void audit_query_free(audit_query_t *q);

/* Signs q's request with key (TSIG, RFC 8945) at time now; the answer is
 * checked afterwards by audit_query_verify.  0 or a negative error. */
int audit_query_sign(audit_query_t *q, const tsig_key_t *key, uint64_t now);
/* TSIG_OK when every message of q's answer verifies against the request
 * (an AXFR: the last message signed too), else the failure. */
tsig_status_t audit_query_verify(audit_query_t *q, uint64_t now);

/* Parses "[ALG:]NAME:SECRET" (dig -y; ALG default hmac-sha256, SECRET
 * base64) into key, the secret into secret[0..cap).  0 or ERR_SYNTAX. */
int audit_tsig_parse(const char *text, tsig_key_t *key, uint8_t *secret, size_t cap);

/* Timing of the engine: UDP waits try_ms per try, tries times; TCP and
 * AXFR have tcp_ms and axfr_ms in all. */
typedef struct {
	unsigned try_ms, tries, tcp_ms, axfr_ms;
	size_t axfr_max_bytes;
} audit_timing_t;

/* Runs the n queries in parallel on one libuv loop until every one has an
 * answer or its deadline passed.  0, or a negative error when the loop
 * could not run at all (then the queries stay PENDING). */
int audit_net_run(audit_query_t **qs, size_t n, const audit_timing_t *t);

/* Parses q's answer into m (borrowing q->resp): 0 when status is OK. */
int audit_query_msg(const audit_query_t *q, msg_t *m);

/* "192.0.2.1", "2001:db8::1" (no port). */
void audit_addr_text(const struct sockaddr *sa, char *buf, size_t cap);
/* Parses ADDR[#PORT] ("192.0.2.1#5300", "2001:db8::1#53", "[::1]:53" is
 * not accepted): 0 or ERR_SYNTAX. */
int audit_addr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *out);

/* ------------------------------------------------------- the audit run */

/* The fixed probes every server gets (audit.c builds them). */
enum {
	AP_SOA_UDP,      /* SOA, EDNS0 with DO and NSID */
	AP_SOA_TCP,      /* SOA over TCP */
	AP_SOA_PLAIN,    /* SOA without EDNS */
	AP_EDNS1,        /* SOA with EDNS version 1: BADVERS expected (RFC 6891 §6.1.3) */
	AP_NS,           /* the NS RRset */
	AP_DNSKEY,       /* DNSKEY with DO */
	AP_AXFR,         /* AXFR without TSIG (exposure, whole-zone comparison) */
	AP_RECURSE,      /* RD=1 for a name outside the zone */
	AP_VERSION_BIND, /* CH TXT version.bind */
	AP_ID_SERVER,    /* CH TXT id.server (RFC 4892) */
	AP_AXFR_TSIG,    /* AXFR signed with --tsig (whole-zone comparison) */
	AP_FP_FIRST,     /* fingerprint probes, audit_fp.c */
	AP_FP_LAST = AP_FP_FIRST + 5,
	AP_COUNT
};

/* Where a server was learnt from (bits). */
enum { AUDIT_FROM_CLI = 1, AUDIT_FROM_CHILD = 2, AUDIT_FROM_PARENT = 4 };

/* One name and type asked of every server, whose answers are compared. */
typedef struct {
	uint8_t name[NAME_MAXLEN];
	uint16_t type;
	bool critical; /* apex / www A, AAAA, MX, CNAME: TTL rules apply */
} audit_sample_t;

/* What a server's answer to a sample says, normalised for comparison. */
typedef struct {
	bool ok;      /* an authoritative answer came */
	char *key;    /* rcode and the sorted RRs without TTLs (malloc) */
	uint32_t ttl; /* of the RRset asked for (0 when none) */
	bool has_ttl;
	uint16_t ttl_type; /* the type whose TTL that is (CNAME for an alias) */
} audit_answer_t;

typedef struct {
	char nsname[NAME_TEXT_MAXLEN]; /* "" when only the address is known */
	struct sockaddr_storage addr;
	char addrtext[64];
	uint16_t port;
	char label[NAME_TEXT_MAXLEN + 80];
	unsigned from;
	audit_query_t q[AP_COUNT];
	audit_query_t *sq; /* one per sample */
	audit_answer_t *sa;
	size_t nsq;
	/* derived by audit_check_server */
	bool answers; /* some answer to the SOA over UDP or TCP */
	bool auth;    /* authoritative for the zone: AA and the SOA */
	bool has_serial;
	uint32_t serial;
	uint32_t soa_refresh, soa_retry, soa_expire, soa_minimum;
	char *ns_set; /* sorted NS names, " "-separated (malloc) */
	char *dnskey_set;
	bool axfr_ok;      /* a complete AXFR without TSIG */
	bool axfr_tsig_ok; /* a complete AXFR with --tsig, verified */
	char software[32];
	const char *software_by; /* "version.bind", "behaviour" or NULL */
	char version[128];
	char ident[128];
	char nsid[128];
} audit_server_t;

typedef struct {
	uint8_t zone[NAME_MAXLEN];
	char zone_text[NAME_TEXT_MAXLEN];
	audit_server_t *s;
	size_t ns;
	audit_sample_t *samples;
	size_t nsamples;
	char **ns_names; /* NS names from the zone and the parent */
	size_t nnames;
	/* the parent's view; has_parent false when not asked */
	bool has_parent;
	bool parent_answered;
	char parent_label[96];
	char *parent_ns_set;
	/* glue: "name A|AAAA address" lines from the referral */
	char **glue;
	size_t nglue;
	/* DS RRs at the parent (rdata copies) */
	uint8_t **ds;
	size_t *ds_len;
	size_t nds;
	bool ds_asked;
	const audit_asn_table_t *asn;
	const tsig_key_t *tsig; /* --tsig, or NULL */
	uint64_t now;
	audit_findings_t findings;
} audit_ctx_t;

/* The AXFR probe whose answer holds s's whole zone (signed first), or NULL. */
const audit_query_t *audit_zone_axfr(const audit_server_t *s);

/* audit_check.c: derive a server's state from its answers (after phase B). */
void audit_check_server(audit_ctx_t *c, audit_server_t *s);
/* Normalises every sample answer of s (after each query phase). */
void audit_check_samples(audit_ctx_t *c, audit_server_t *s, size_t from);
/* Every check over the whole fleet: appends to c->findings. */
void audit_check_fleet(audit_ctx_t *c);

/* audit_fp.c: builds the fingerprint probes into s->q[AP_FP_FIRST..]. */
int audit_fp_build(audit_ctx_t *c, audit_server_t *s);
/* Names the implementation from the answers (s->software). */
void audit_fp_identify(audit_server_t *s);

/* audit_report.c */
void audit_report_text(const audit_ctx_t *c, FILE *out, bool colour);
json_t *audit_report_json(const audit_ctx_t *c);

int cmd_audit(int argc, char **argv);

#endif
