/* Unit tests of answer_query (src/server/answer*.c): every answer rule of
 * doc/answers.md against the fixture zones of tests/unit/data, queries
 * made with the msg builder, responses read back with msg_parse.  A
 * response is summarised per section as "owner TYPE" items in message
 * order (RRSIG as RRSIG/COVERED), so a case is one line of a table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "test_answer_util.h"
#include "dns/wire.h"
#include "server/answer_int.h"

enum { DB_PLAIN, DB_NSEC, DB_NSEC3, DB_N };
static zonedb_t *dbs[DB_N];

#define F_EDNS  0x01 /* add an OPT */
#define F_DO    0x02
#define F_TCP   0x04
#define F_NSID  0x08
#define F_CD    0x10
#define F_NORD  0x20

typedef struct {
	const char *what;
	int db;
	const char *qname;
	uint16_t qtype;
	unsigned fl;
	uint16_t bufsize; /* EDNS payload size; 0 = 1232 */
	unsigned rcode;   /* 12-bit */
	const char *hdr;  /* flags expected: letters of "aa tc" present */
	const char *an, *ns, *ar;
} acase_t;

typedef struct {
	int rc;
	size_t len;
	uint8_t wire[65536];
	msg_t m;
	unsigned rcode;
	char sec[4][4096];
} resp_t;

static const answer_opts_t DEFAULT_OPTS = {
	.udp_max = 1232, .version = "nsfleet-test", .identity = "ns.test",
};

static size_t make_query(uint8_t *buf, const char *qname, uint16_t qtype, uint16_t qclass,
			 unsigned fl, uint16_t bufsize, const msg_ednsopt_t *opts, size_t nopts)
{
	msg_builder_t b;
	uint8_t name[NAME_MAXLEN];
	size_t nl;
	static const uint8_t root[1] = {0};
	assert_int_equal(name_from_text(qname, strlen(qname), root, name, &nl), 0);
	uint16_t flags = MSG_FLAGS(0, 0) | (fl & F_NORD ? 0 : MSG_FLAG_RD) | (fl & F_CD ? MSG_FLAG_CD : 0);
	assert_int_equal(msg_build_init(&b, buf, 65535, 0xbeef, flags), 0);
	assert_int_equal(msg_build_question(&b, name, qtype, qclass), 0);
	if (fl & (F_EDNS | F_DO | F_NSID)) {
		msg_ednsopt_t o[4];
		size_t n = 0;
		for (size_t i = 0; i < nopts; i++)
			o[n++] = opts[i];
		if (fl & F_NSID)
			o[n++] = (msg_ednsopt_t){MSG_EDNS_NSID, 0, NULL};
		assert_int_equal(msg_build_opt(&b, bufsize ? bufsize : 1232, 0,
					       fl & F_DO ? MSG_EDNS_DO : 0, o, n), 0);
	}
	return msg_build_len(&b);
}

/* Summarises the response in r->wire[0..len). */
static void summarise(resp_t *r)
{
	assert_int_equal(msg_parse(&r->m, r->wire, r->len), 0);
	r->rcode = msg_rcode(&r->m);
	for (int s = 0; s < 4; s++)
		r->sec[s][0] = 0;
	msg_iter_t it;
	msg_rr_t rr;
	static uint8_t rd[RDATA_MAXLEN];
	msg_iter_init(&it, &r->m);
	while (msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0) {
		if (rr.type == RRTYPE_OPT)
			continue;
		char owner[NAME_TEXT_MAXLEN], tn[RRTYPE_TEXT_MAXLEN], item[NAME_TEXT_MAXLEN + 64];
		name_to_text(rr.owner, owner, sizeof(owner));
		rrtype_to_text(rr.type, tn, sizeof(tn));
		if (rr.type == RRTYPE_RRSIG) {
			char cov[RRTYPE_TEXT_MAXLEN];
			rrtype_to_text(wire_get_u16(rr.rdata), cov, sizeof(cov));
			snprintf(item, sizeof(item), "%s RRSIG/%s", owner, cov);
		} else {
			snprintf(item, sizeof(item), "%s %s", owner, tn);
		}
		char *s = r->sec[rr.section];
		if (s[0])
			strncat(s, " | ", 4095 - strlen(s));
		strncat(s, item, 4095 - strlen(s));
	}
}

static resp_t *ask(int db, const answer_opts_t *o, const uint8_t *q, size_t qlen)
{
	static resp_t r;
	r.rc = answer_query(dbs[db], o, q, qlen, r.wire, sizeof(r.wire), &r.len);
	if (r.rc == 0)
		summarise(&r);
	return &r;
}

static resp_t *ask_name(int db, const char *qname, uint16_t qtype, uint16_t qclass, unsigned fl,
			uint16_t bufsize)
{
	static uint8_t q[65536];
	size_t ql = make_query(q, qname, qtype, qclass, fl, bufsize, NULL, 0);
	answer_opts_t o = DEFAULT_OPTS;
	o.tcp = (fl & F_TCP) != 0;
	return ask(db, &o, q, ql);
}

static void check_case(const acase_t *c, resp_t *r)
{
	uint16_t f = r->m.flags;
	char hdr[16] = "";
	if (f & MSG_FLAG_AA)
		strcat(hdr, "aa ");
	if (f & MSG_FLAG_TC)
		strcat(hdr, "tc ");
	if (hdr[0])
		hdr[strlen(hdr) - 1] = 0;
	if (r->rcode != c->rcode || strcmp(hdr, c->hdr) != 0 || (c->an && strcmp(r->sec[1], c->an) != 0) ||
	    strcmp(r->sec[2], c->ns) != 0 || (c->ar && strcmp(r->sec[3], c->ar) != 0)) {
		print_error("case '%s' (%s):\n rcode %u want %u\n flags '%s' want '%s'\n"
			    " an: %s\n want %s\n ns: %s\n want %s\n ar: %s\n want %s\n",
			    c->what, c->qname, r->rcode, c->rcode, hdr, c->hdr, r->sec[1], c->an ? c->an : "(any)",
			    r->sec[2], c->ns, r->sec[3], c->ar ? c->ar : "(any)");
		fail();
	}
	/* always: QR set, id and RD copied, CD cleared, RA never */
	assert_true(f & MSG_FLAG_QR);
	assert_int_equal(r->m.id, 0xbeef);
	assert_false(f & (MSG_FLAG_RA | MSG_FLAG_CD));
	assert_int_equal(!!(f & MSG_FLAG_RD), !(c->fl & F_NORD));
}

#define SOA_ "example.com. SOA"
#define S(t) " | example.com. RRSIG/" t

/* clang-format off */
static const acase_t PLAIN[] = {
	{"exact", DB_PLAIN, "www.example.com", RRTYPE_A, 0, 0, 0, "aa", "www.example.com. A", "", ""},
	{"case preserved", DB_PLAIN, "WwW.ExAmPlE.CoM", RRTYPE_A, 0, 0, 0, "aa", "WwW.ExAmPlE.CoM. A", "", ""},
	{"case in SOA owner", DB_PLAIN, "NoNe.ExAmPlE.CoM", RRTYPE_A, 0, 0, 3, "aa", "", "ExAmPlE.CoM. SOA", ""},
	{"no RD", DB_PLAIN, "www.example.com", RRTYPE_A, F_NORD, 0, 0, "aa", "www.example.com. A", "", ""},
	{"CD not copied", DB_PLAIN, "www.example.com", RRTYPE_A, F_CD, 0, 0, "aa", "www.example.com. A", "", ""},
	{"MX + additional", DB_PLAIN, "example.com", RRTYPE_MX, 0, 0, 0, "aa", "example.com. MX | example.com. MX", "",
	 "mail.example.com. A | mail.example.com. AAAA"},
	{"NS + additional", DB_PLAIN, "example.com", RRTYPE_NS, 0, 0, 0, "aa", "example.com. NS | example.com. NS", "",
	 "ns1.example.com. A | ns1.example.com. AAAA"},
	{"SRV + additional", DB_PLAIN, "_sip._tcp.example.com", RRTYPE_SRV, 0, 0, 0, "aa", "_sip._tcp.example.com. SRV", "",
	 "www.example.com. A | www.example.com. AAAA"},
	{"NODATA", DB_PLAIN, "www.example.com", RRTYPE_TXT, 0, 0, 0, "aa", "", SOA_, ""},
	{"NXDOMAIN", DB_PLAIN, "nothere.example.com", RRTYPE_A, 0, 0, 3, "aa", "", SOA_, ""},
	{"NXDOMAIN below existing", DB_PLAIN, "a.b.www.example.com", RRTYPE_A, 0, 0, 3, "aa", "", SOA_, ""},
	{"CNAME", DB_PLAIN, "cname.example.com", RRTYPE_A, 0, 0, 0, "aa", "cname.example.com. CNAME | www.example.com. A", "", ""},
	{"CNAME qtype CNAME", DB_PLAIN, "c1.example.com", RRTYPE_CNAME, 0, 0, 0, "aa", "c1.example.com. CNAME", "", ""},
	{"CNAME chain", DB_PLAIN, "c1.example.com", RRTYPE_A, 0, 0, 0, "aa",
	 "c1.example.com. CNAME | c2.example.com. CNAME | c3.example.com. CNAME | www.example.com. A", "", ""},
	{"CNAME chain NODATA", DB_PLAIN, "c1.example.com", RRTYPE_TXT, 0, 0, 0, "aa",
	 "c1.example.com. CNAME | c2.example.com. CNAME | c3.example.com. CNAME", SOA_, ""},
	{"CNAME loop", DB_PLAIN, "loop1.example.com", RRTYPE_A, 0, 0, 0, "aa",
	 "loop1.example.com. CNAME | loop2.example.com. CNAME", "", ""},
	{"CNAME dangling: NXDOMAIN (RFC 6604)", DB_PLAIN, "dangling.example.com", RRTYPE_A, 0, 0, 3, "aa",
	 "dangling.example.com. CNAME", SOA_, ""},
	{"CNAME out of zone", DB_PLAIN, "ext.example.com", RRTYPE_A, 0, 0, 0, "aa", "ext.example.com. CNAME", "", ""},
	{"wildcard", DB_PLAIN, "x.wild.example.com", RRTYPE_A, 0, 0, 0, "aa", "x.wild.example.com. A", "", ""},
	{"wildcard deeper", DB_PLAIN, "y.x.wild.example.com", RRTYPE_TXT, 0, 0, 0, "aa", "y.x.wild.example.com. TXT", "", ""},
	{"wildcard NODATA", DB_PLAIN, "x.wild.example.com", RRTYPE_MX, 0, 0, 0, "aa", "", SOA_, ""},
	{"ENT NODATA", DB_PLAIN, "b.wild.example.com", RRTYPE_A, 0, 0, 0, "aa", "", SOA_, ""},
	{"ENT blocks wildcard", DB_PLAIN, "q.b.wild.example.com", RRTYPE_A, 0, 0, 3, "aa", "", SOA_, ""},
	{"wildcard itself", DB_PLAIN, "*.wild.example.com", RRTYPE_A, 0, 0, 0, "aa", "*.wild.example.com. A", "", ""},
	{"wildcard CNAME", DB_PLAIN, "x.cw.example.com", RRTYPE_A, 0, 0, 0, "aa", "x.cw.example.com. CNAME | www.example.com. A", "", ""},
	{"DNAME", DB_PLAIN, "a.dname.example.com", RRTYPE_A, 0, 0, 0, "aa",
	 "dname.example.com. DNAME | a.dname.example.com. CNAME | a.target.example.com. A", "", ""},
	{"DNAME NXDOMAIN", DB_PLAIN, "foo.dname.example.com", RRTYPE_A, 0, 0, 3, "aa",
	 "dname.example.com. DNAME | foo.dname.example.com. CNAME", SOA_, ""},
	{"DNAME owner itself", DB_PLAIN, "dname.example.com", RRTYPE_A, 0, 0, 0, "aa", "", SOA_, ""},
	{"DNAME qtype DNAME", DB_PLAIN, "dname.example.com", RRTYPE_DNAME, 0, 0, 0, "aa", "dname.example.com. DNAME", "", ""},
	{"DNAME YXDOMAIN", DB_PLAIN,
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.long.example.com", RRTYPE_A, 0, 0, 6, "aa",
	 "long.example.com. DNAME", "", ""},
	{"referral", DB_PLAIN, "www.sub.example.com", RRTYPE_A, 0, 0, 0, "", "", "sub.example.com. NS | sub.example.com. NS",
	 "ns.sibling.example.com. A | ns1.sub.example.com. A | ns1.sub.example.com. AAAA"},
	{"referral at cut", DB_PLAIN, "sub.example.com", RRTYPE_NS, 0, 0, 0, "", "", "sub.example.com. NS | sub.example.com. NS",
	 "ns.sibling.example.com. A | ns1.sub.example.com. A | ns1.sub.example.com. AAAA"},
	{"glue name is a referral", DB_PLAIN, "ns1.sub.example.com", RRTYPE_A, 0, 0, 0, "", "", "sub.example.com. NS | sub.example.com. NS", NULL},
	{"DS at cut", DB_PLAIN, "sub.example.com", RRTYPE_DS, 0, 0, 0, "aa", "sub.example.com. DS", "", ""},
	{"no DS at cut", DB_PLAIN, "sibling.example.com", RRTYPE_DS, 0, 0, 0, "aa", "", SOA_, ""},
	{"DS below cut", DB_PLAIN, "x.sub.example.com", RRTYPE_DS, 0, 0, 0, "", "", "sub.example.com. NS | sub.example.com. NS", NULL},
	{"ANY: one RRset", DB_PLAIN, "example.com", RRTYPE_ANY, 0, 0, 0, "aa", "example.com. A", "", ""},
	{"ANY over TCP: one RRset", DB_PLAIN, "www.example.com", RRTYPE_ANY, F_TCP, 0, 0, "aa", "www.example.com. A", "", ""},
	{"ANY at cut", DB_PLAIN, "sub.example.com", RRTYPE_ANY, 0, 0, 0, "", "", "sub.example.com. NS | sub.example.com. NS", NULL},
	{"meta qtype MAILA", DB_PLAIN, "www.example.com", 254, 0, 0, 0, "aa", "", SOA_, ""},
	{"meta qtype OPT", DB_PLAIN, "www.example.com", RRTYPE_OPT, 0, 0, 0, "aa", "", SOA_, ""},
	{"IXFR over UDP: SOA", DB_PLAIN, "example.com", RRTYPE_IXFR, 0, 0, 0, "aa", "example.com. SOA", "", ""},
	{"AXFR over UDP", DB_PLAIN, "example.com", RRTYPE_AXFR, 0, 0, 4, "", "", "", ""},
	{"type 0", DB_PLAIN, "example.com", 0, 0, 0, 4, "", "", "", ""},
	{"not ours", DB_PLAIN, "www.example.org", RRTYPE_A, 0, 0, 5, "", "", "", ""},
	{"root not ours", DB_PLAIN, ".", RRTYPE_NS, 0, 0, 5, "", "", "", ""},
	{"TC at 512", DB_PLAIN, "big.example.com", RRTYPE_TXT, 0, 0, 0, "aa tc", "", "", ""},
	{"TC at 1232", DB_PLAIN, "big.example.com", RRTYPE_TXT, F_EDNS, 1232, 0, "aa tc", "", "", ""},
	{"fits at 4096", DB_PLAIN, "mid.example.com", RRTYPE_TXT, F_EDNS, 4096, 0, "aa",
	 "mid.example.com. TXT | mid.example.com. TXT | mid.example.com. TXT | mid.example.com. TXT | mid.example.com. TXT", "", ""},
	{"TC at 512: mid", DB_PLAIN, "mid.example.com", RRTYPE_TXT, 0, 0, 0, "aa tc", "", "", ""},
	{"small bufsize means 512", DB_PLAIN, "mid.example.com", RRTYPE_TXT, F_EDNS, 100, 0, "aa tc", "", "", ""},
	{"TCP: no TC", DB_PLAIN, "big.example.com", RRTYPE_TXT, F_TCP, 0, 0, "aa", NULL, "", ""},
	{"DO on unsigned zone", DB_PLAIN, "www.example.com", RRTYPE_A, F_DO, 0, 0, "aa", "www.example.com. A", "", ""},
};

static const acase_t NSEC[] = {
	{"signed exact", DB_NSEC, "www.example.com", RRTYPE_A, F_DO, 0, 0, "aa", "www.example.com. A | www.example.com. RRSIG/A", "", ""},
	{"no DO: no RRSIG", DB_NSEC, "www.example.com", RRTYPE_A, F_EDNS, 0, 0, "aa", "www.example.com. A", "", ""},
	{"NODATA", DB_NSEC, "www.example.com", RRTYPE_TXT, F_DO, 0, 0, "aa", "",
	 SOA_ S("SOA") " | www.example.com. NSEC | www.example.com. RRSIG/NSEC", ""},
	{"NXDOMAIN", DB_NSEC, "nothere.example.com", RRTYPE_A, F_DO, 0, 3, "aa", "",
	 SOA_ S("SOA") " | mid.example.com. NSEC | mid.example.com. RRSIG/NSEC | example.com. NSEC" S("NSEC"), ""},
	{"wildcard answer", DB_NSEC, "x.wild.example.com", RRTYPE_A, F_DO, 0, 0, "aa",
	 "x.wild.example.com. A | x.wild.example.com. RRSIG/A", "a.b.wild.example.com. NSEC | a.b.wild.example.com. RRSIG/NSEC", ""},
	{"wildcard NODATA", DB_NSEC, "x.wild.example.com", RRTYPE_MX, F_DO, 0, 0, "aa", "",
	 SOA_ S("SOA") " | *.wild.example.com. NSEC | *.wild.example.com. RRSIG/NSEC | a.b.wild.example.com. NSEC | a.b.wild.example.com. RRSIG/NSEC", ""},
	{"ENT NODATA", DB_NSEC, "b.wild.example.com", RRTYPE_A, F_DO, 0, 0, "aa", "",
	 SOA_ S("SOA") " | *.wild.example.com. NSEC | *.wild.example.com. RRSIG/NSEC", ""},
	{"ENT blocks wildcard", DB_NSEC, "q.b.wild.example.com", RRTYPE_A, F_DO, 0, 3, "aa", "",
	 SOA_ S("SOA") " | a.b.wild.example.com. NSEC | a.b.wild.example.com. RRSIG/NSEC | *.wild.example.com. NSEC | *.wild.example.com. RRSIG/NSEC", ""},
	{"signed referral", DB_NSEC, "sub.example.com", RRTYPE_A, F_DO, 0, 0, "", "",
	 "sub.example.com. NS | sub.example.com. NS | sub.example.com. DS | sub.example.com. RRSIG/DS",
	 "ns.sibling.example.com. A | ns1.sub.example.com. A | ns1.sub.example.com. AAAA"},
	{"unsigned referral", DB_NSEC, "sibling.example.com", RRTYPE_A, F_DO, 0, 0, "", "",
	 "sibling.example.com. NS | sibling.example.com. NSEC | sibling.example.com. RRSIG/NSEC", "ns.sibling.example.com. A"},
	{"DS at cut", DB_NSEC, "sub.example.com", RRTYPE_DS, F_DO, 0, 0, "aa", "sub.example.com. DS | sub.example.com. RRSIG/DS", "", ""},
	{"no DS at cut", DB_NSEC, "sibling.example.com", RRTYPE_DS, F_DO, 0, 0, "aa", "",
	 SOA_ S("SOA") " | sibling.example.com. NSEC | sibling.example.com. RRSIG/NSEC", ""},
	{"DNAME signed", DB_NSEC, "a.dname.example.com", RRTYPE_A, F_DO, 0, 0, "aa",
	 "dname.example.com. DNAME | dname.example.com. RRSIG/DNAME | a.dname.example.com. CNAME | a.target.example.com. A | a.target.example.com. RRSIG/A", "", ""},
	{"dangling CNAME signed", DB_NSEC, "dangling.example.com", RRTYPE_A, F_DO, 0, 3, "aa",
	 "dangling.example.com. CNAME | dangling.example.com. RRSIG/CNAME",
	 SOA_ S("SOA") " | mid.example.com. NSEC | mid.example.com. RRSIG/NSEC | example.com. NSEC" S("NSEC"), ""},
	{"NSEC beside a CNAME (RFC 4035 2.5)", DB_NSEC, "dangling.example.com", RRTYPE_NSEC, F_EDNS, 0, 0, "aa",
	 "dangling.example.com. NSEC", "", ""},
	{"NSEC beside a CNAME, DO", DB_NSEC, "dangling.example.com", RRTYPE_NSEC, F_DO, 0, 0, "aa",
	 "dangling.example.com. NSEC | dangling.example.com. RRSIG/NSEC", "", ""},
	{"ANY signed", DB_NSEC, "example.com", RRTYPE_ANY, F_DO, 0, 0, "aa", "example.com. A" S("A"), "", ""},
	{"RRSIG query: one RRset", DB_NSEC, "example.com", RRTYPE_RRSIG, F_DO, 0, 0, "aa", "example.com. RRSIG/A", "", ""},
	{"MX signed additional", DB_NSEC, "example.com", RRTYPE_MX, F_DO, 0, 0, "aa", "example.com. MX | example.com. MX" S("MX"), "",
	 "mail.example.com. A | mail.example.com. RRSIG/A | mail.example.com. AAAA | mail.example.com. RRSIG/AAAA"},
};

#define N3(h) " | " h ".example.com. NSEC3 | " h ".example.com. RRSIG/NSEC3"
#define H_APEX "rd273ciq2d7fkf7s7hvgfs4irs5vinlu"
static const acase_t NSEC3[] = {
	{"NODATA (RFC 5155 7.2.3)", DB_NSEC3, "www.example.com", RRTYPE_TXT, F_DO, 0, 0, "aa", "",
	 SOA_ S("SOA") N3("fk29vpd51h1rdbq98pnku1mt44hge6cu"), ""},
	{"NXDOMAIN (7.2.2)", DB_NSEC3, "nothere.example.com", RRTYPE_A, F_DO, 0, 3, "aa", "",
	 SOA_ S("SOA") N3(H_APEX) N3("aejbnjtul9bh4ss9g72fsls4ddj2udqa") N3("5jr540crhc8vtljv10h8tts005gi691s"), ""},
	{"wildcard answer (7.2.6)", DB_NSEC3, "x.wild.example.com", RRTYPE_A, F_DO, 0, 0, "aa",
	 "x.wild.example.com. A | x.wild.example.com. RRSIG/A", "aejbnjtul9bh4ss9g72fsls4ddj2udqa.example.com. NSEC3 | aejbnjtul9bh4ss9g72fsls4ddj2udqa.example.com. RRSIG/NSEC3", ""},
	{"wildcard NODATA (7.2.5)", DB_NSEC3, "x.wild.example.com", RRTYPE_MX, F_DO, 0, 0, "aa", "",
	 SOA_ S("SOA") N3("14vtk8h0rfqcpkvfov5ghtcggccd7e0f") N3("aejbnjtul9bh4ss9g72fsls4ddj2udqa") N3("qutmad2ctrsc8nr21tughd9d5i34hu79"), ""},
	{"ENT NODATA", DB_NSEC3, "b.wild.example.com", RRTYPE_A, F_DO, 0, 0, "aa", "",
	 SOA_ S("SOA") N3("s64b0oq4hb277prooc4evqce3o82t9g2"), ""},
	{"ENT blocks wildcard", DB_NSEC3, "q.b.wild.example.com", RRTYPE_A, F_DO, 0, 3, "aa", "",
	 SOA_ S("SOA") N3("s64b0oq4hb277prooc4evqce3o82t9g2") N3(H_APEX) N3("fsm30tok3a95lob9cvnnab5q9cdt9d7o"), ""},
	{"unsigned referral (7.2.7)", DB_NSEC3, "sibling.example.com", RRTYPE_A, F_DO, 0, 0, "", "",
	 "sibling.example.com. NS" N3("ftd08f5rofbffsc4m21s0hft52gmc70e"), "ns.sibling.example.com. A"},
	{"no DS (7.2.4)", DB_NSEC3, "sibling.example.com", RRTYPE_DS, F_DO, 0, 0, "aa", "",
	 SOA_ S("SOA") N3("ftd08f5rofbffsc4m21s0hft52gmc70e"), ""},
	{"signed referral", DB_NSEC3, "sub.example.com", RRTYPE_A, F_DO, 0, 0, "", "",
	 "sub.example.com. NS | sub.example.com. NS | sub.example.com. DS | sub.example.com. RRSIG/DS", NULL},
	{"wildcard CNAME", DB_NSEC3, "x.cw.example.com", RRTYPE_A, F_DO, 0, 0, "aa",
	 "x.cw.example.com. CNAME | x.cw.example.com. RRSIG/CNAME | www.example.com. A | www.example.com. RRSIG/A",
	 "4mp35fnlln1imtmqi3n68mh3s0ges4ag.example.com. NSEC3 | 4mp35fnlln1imtmqi3n68mh3s0ges4ag.example.com. RRSIG/NSEC3", ""},
	{"hashed owner is no name", DB_NSEC3, H_APEX ".example.com", RRTYPE_NSEC3, 0, 0, 3, "aa", "", SOA_, ""},
	{"below a hashed owner", DB_NSEC3, "x." H_APEX ".example.com", RRTYPE_A, 0, 0, 3, "aa", "", SOA_, ""},
	{"YXDOMAIN signed", DB_NSEC3, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.long.example.com", RRTYPE_A, F_DO, 0, 6, "aa",
	 "long.example.com. DNAME | long.example.com. RRSIG/DNAME", "", ""},
};
/* clang-format on */

static void run_table(const acase_t *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		resp_t *r = ask_name(t[i].db, t[i].qname, t[i].qtype, RRCLASS_IN, t[i].fl, t[i].bufsize);
		assert_int_equal(r->rc, 0);
		check_case(&t[i], r);
	}
}

static void test_plain(void **state)
{
	(void)state;
	run_table(PLAIN, sizeof(PLAIN) / sizeof(PLAIN[0]));
}

static void test_nsec(void **state)
{
	(void)state;
	run_table(NSEC, sizeof(NSEC) / sizeof(NSEC[0]));
}

/* The negative TTL is min(SOA TTL, MINIMUM) (RFC 2308 §3): 300, and the
 * RRSIG of the SOA with it. */
static void test_nsec3(void **state)
{
	(void)state;
	run_table(NSEC3, sizeof(NSEC3) / sizeof(NSEC3[0]));
}

static void test_negative_ttl(void **state)
{
	(void)state;
	resp_t *r = ask_name(DB_NSEC, "nothere.example.com", RRTYPE_A, RRCLASS_IN, F_DO, 0);
	msg_iter_t it;
	msg_rr_t rr;
	static uint8_t rd[RDATA_MAXLEN];
	int n = 0;
	msg_iter_init_section(&it, &r->m, MSG_SEC_AUTHORITY);
	while (msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0) {
		if (rr.type == RRTYPE_SOA || (rr.type == RRTYPE_RRSIG && wire_get_u16(rd) == RRTYPE_SOA)) {
			assert_int_equal(rr.ttl, 300);
			n++;
		}
	}
	assert_int_equal(n, 2);
}

/* Truncation drops whole RRsets: a response with TC holds only complete
 * RRsets and stays within the limit; without TC everything is there. */
static void test_truncation_limits(void **state)
{
	(void)state;
	static const uint16_t sizes[] = {0, 512, 513, 1000, 1232, 1500, 4096, 65535};
	static const char *names[] = {"big.example.com", "mid.example.com", "www.example.com", "sub.example.com"};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t k = 0; k < 4; k++) {
			unsigned fl = sizes[i] ? F_EDNS | F_DO : 0;
			resp_t *r = ask_name(DB_NSEC, names[k], RRTYPE_TXT, RRCLASS_IN, fl, sizes[i]);
			size_t lim = sizes[i] == 0 ? 512 : sizes[i] < 512 ? 512 : sizes[i] > 1232 ? 1232 : sizes[i];
			assert_true(r->len <= lim);
			if (sizes[i])
				assert_true(r->m.has_edns); /* the OPT always fits */
		}
	}
	/* our limit comes from opts->udp_max */
	uint8_t q[512];
	size_t ql = make_query(q, "big.example.com", RRTYPE_TXT, RRCLASS_IN, F_EDNS, 4096, NULL, 0);
	answer_opts_t o = DEFAULT_OPTS;
	o.udp_max = 4096;
	resp_t *r = ask(DB_PLAIN, &o, q, ql);
	assert_false(r->m.flags & MSG_FLAG_TC);
	assert_int_equal(r->m.edns.udp_size, 4096);
	o.udp_max = 0; /* default 1232 */
	r = ask(DB_PLAIN, &o, q, ql);
	assert_true(r->m.flags & MSG_FLAG_TC);
	assert_int_equal(r->m.edns.udp_size, 1232);
	assert_true(r->len <= 1232);
}

static void test_edns(void **state)
{
	(void)state;
	/* OPT echoed with DO, our payload size */
	resp_t *r = ask_name(DB_PLAIN, "www.example.com", RRTYPE_A, RRCLASS_IN, F_DO, 4096);
	assert_true(r->m.has_edns);
	assert_int_equal(r->m.edns.udp_size, 1232);
	assert_int_equal(r->m.edns.version, 0);
	assert_true(r->m.edns.flags & MSG_EDNS_DO);
	r = ask_name(DB_PLAIN, "www.example.com", RRTYPE_A, RRCLASS_IN, F_EDNS, 0);
	assert_false(r->m.edns.flags & MSG_EDNS_DO);
	r = ask_name(DB_PLAIN, "www.example.com", RRTYPE_A, RRCLASS_IN, 0, 0);
	assert_false(r->m.has_edns);

	/* BADVERS (RFC 6891 §6.1.3): version 1, no AA, OPT version 0 */
	uint8_t q[512];
	size_t ql = make_query(q, "www.example.com", RRTYPE_A, RRCLASS_IN, F_EDNS, 1232, NULL, 0);
	q[ql - 5] = 1; /* the OPT's VERSION */
	r = ask(DB_PLAIN, &DEFAULT_OPTS, q, ql);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->rcode, MSG_RCODE_BADVERS);
	assert_false(r->m.flags & MSG_FLAG_AA);
	assert_int_equal(r->m.count[1] + r->m.count[2], 0);
	assert_int_equal(r->m.count[0], 1);
	assert_int_equal(r->m.edns.version, 0);

	/* NSID (RFC 5001) only when asked and configured */
	answer_opts_t o = DEFAULT_OPTS;
	o.nsid = (const uint8_t *)"ns-a";
	o.nsid_len = 4;
	ql = make_query(q, "www.example.com", RRTYPE_A, RRCLASS_IN, F_NSID, 1232, NULL, 0);
	r = ask(DB_PLAIN, &o, q, ql);
	assert_int_equal(r->m.edns.nsid.len, 4);
	assert_memory_equal(r->wire + r->m.edns.nsid.off, "ns-a", 4);
	r = ask(DB_PLAIN, &DEFAULT_OPTS, q, ql);
	assert_int_equal(r->m.edns.nsid.off, 0);
	ql = make_query(q, "www.example.com", RRTYPE_A, RRCLASS_IN, F_EDNS, 1232, NULL, 0);
	r = ask(DB_PLAIN, &o, q, ql);
	assert_int_equal(r->m.edns.nsid.off, 0);
}

/* SipHash-2-4 reference vector (the paper's appendix A): key 00..0f,
 * input 00..0e (15 octets) -> a129ca6149be45e5. */
static void test_cookies(void **state)
{
	(void)state;
	uint8_t key[16], in[64];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		in[i] = (uint8_t)i;
	assert_true(ans_siphash24(key, in, 15) == 0xa129ca6149be45e5ULL);
	assert_true(ans_siphash24(key, in, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(ans_siphash24(key, in, 8) == 0x93f5f5799a932462ULL);

	static const uint8_t cc[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	msg_ednsopt_t ck = {MSG_EDNS_COOKIE, 8, cc};
	uint8_t q[512];
	size_t ql = make_query(q, "www.example.com", RRTYPE_A, RRCLASS_IN, F_EDNS, 1232, &ck, 1);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	sin.sin_addr.s_addr = htonl(0xc0000201);
	answer_opts_t o = DEFAULT_OPTS;
	o.cookie_secret = key;
	o.client = (const struct sockaddr *)&sin;
	o.client_len = sizeof(sin);
	o.now = 1700000000;
	resp_t *r = ask(DB_PLAIN, &o, q, ql);
	assert_int_equal(r->rcode, 0);
	assert_int_equal(r->m.edns.cookie.len, 24);
	const uint8_t *c = r->wire + r->m.edns.cookie.off;
	assert_memory_equal(c, cc, 8);
	assert_int_equal(c[8], 1); /* RFC 9018 version */
	assert_int_equal(wire_get_u32(c + 12), 1700000000);
	uint8_t expect[16];
	ans_cookie_server(&o, cc, expect);
	assert_memory_equal(c + 8, expect, 16);
	/* a stale or wrong server cookie: answered with a fresh one */
	uint8_t full[24];
	memcpy(full, cc, 8);
	memset(full + 8, 0xee, 16);
	ck.len = 24;
	ck.data = full;
	ql = make_query(q, "www.example.com", RRTYPE_A, RRCLASS_IN, F_EDNS, 1232, &ck, 1);
	r = ask(DB_PLAIN, &o, q, ql);
	assert_int_equal(r->rcode, 0);
	assert_memory_equal(r->wire + r->m.edns.cookie.off + 8, expect, 16);
	/* no secret: the option is ignored */
	r = ask(DB_PLAIN, &DEFAULT_OPTS, q, ql);
	assert_int_equal(r->m.edns.cookie.off, 0);
	/* malformed (RFC 7873 §5.2.2: 5 octets): FORMERR */
	ck.len = 5;
	ql = make_query(q, "www.example.com", RRTYPE_A, RRCLASS_IN, F_EDNS, 1232, &ck, 1);
	r = ask(DB_PLAIN, &o, q, ql);
	assert_int_equal(r->rcode, MSG_RCODE_FORMERR);
}

static void test_chaos(void **state)
{
	(void)state;
	struct {
		const char *name;
		uint16_t type;
		unsigned rcode;
		const char *txt;
	} t[] = {
		{"version.bind", RRTYPE_TXT, 0, "nsfleet-test"},
		{"VERSION.server", RRTYPE_TXT, 0, "nsfleet-test"},
		{"id.server", RRTYPE_TXT, 0, "ns.test"},
		{"hostname.bind", RRTYPE_TXT, 0, "ns.test"},
		{"version.bind", RRTYPE_A, 5, NULL},
		{"foo.bind", RRTYPE_TXT, 5, NULL},
		{"www.example.com", RRTYPE_A, 5, NULL},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		resp_t *r = ask_name(DB_PLAIN, t[i].name, t[i].type, RRCLASS_CH, 0, 0);
		assert_int_equal(r->rcode, t[i].rcode);
		assert_false(r->m.flags & MSG_FLAG_AA); /* as Knot and NSD */
		assert_int_equal(r->m.count[0], 1);
		assert_int_equal(r->m.count[1], t[i].txt ? 1 : 0);
		if (t[i].txt) {
			msg_rr_t rr;
			uint8_t rd[300];
			assert_int_equal(msg_rr_at(&r->m, 0, &rr, rd, sizeof(rd)), 0);
			assert_int_equal(rr.rclass, RRCLASS_CH);
			assert_int_equal(rr.ttl, 0);
			assert_int_equal(rd[0], strlen(t[i].txt));
			assert_memory_equal(rd + 1, t[i].txt, rd[0]);
			/* the owner keeps the query's case */
			char on[NAME_TEXT_MAXLEN];
			name_to_text(rr.owner, on, sizeof(on));
			assert_int_equal(strncmp(on, t[i].name, strlen(t[i].name)), 0);
		}
	}
	/* not configured: REFUSED */
	uint8_t q[512];
	size_t ql = make_query(q, "version.bind", RRTYPE_TXT, RRCLASS_CH, 0, 0, NULL, 0);
	answer_opts_t o = DEFAULT_OPTS;
	o.version = NULL;
	assert_int_equal(ask(DB_PLAIN, &o, q, ql)->rcode, MSG_RCODE_REFUSED);
}

static void test_classes(void **state)
{
	(void)state;
	/* class ANY is answered from IN, as Knot and NSD do */
	resp_t *r = ask_name(DB_PLAIN, "www.example.com", RRTYPE_A, RRCLASS_ANY, 0, 0);
	assert_int_equal(r->rcode, 0);
	assert_string_equal(r->sec[1], "www.example.com. A");
	static const uint16_t refused[] = {RRCLASS_HS, RRCLASS_NONE, 42, 0};
	for (size_t i = 0; i < 4; i++) {
		r = ask_name(DB_PLAIN, "www.example.com", RRTYPE_A, refused[i], 0, 0);
		assert_int_equal(r->rcode, MSG_RCODE_REFUSED);
		assert_int_equal(r->m.count[0], 1);
		assert_false(r->m.flags & MSG_FLAG_AA);
	}
}

/* Malformed and unusual headers. */
static void test_header(void **state)
{
	(void)state;
	uint8_t q[600], q2[600];
	size_t ql = make_query(q, "www.example.com", RRTYPE_A, RRCLASS_IN, 0, 0, NULL, 0);
	size_t len;
	static uint8_t out[65536];
	/* shorter than a header, or a response: dropped */
	for (size_t l = 0; l < 12; l++)
		assert_int_equal(answer_query(dbs[0], &DEFAULT_OPTS, q, l, out, sizeof(out), &len), ANSWER_DROP);
	memcpy(q2, q, ql);
	q2[2] |= 0x80;
	assert_int_equal(answer_query(dbs[0], &DEFAULT_OPTS, q2, ql, out, sizeof(out), &len), ANSWER_DROP);

	struct {
		const char *what;
		size_t cut;       /* length, 0 = whole */
		int byte, val;    /* header byte to set, -1 = none */
		const char *tail; /* octets appended */
		size_t tail_len;
		unsigned rcode;
		int qd; /* question echoed */
	} t[] = {
		{"header only (QDCOUNT 1)", 12, -1, 0, NULL, 0, MSG_RCODE_FORMERR, 0},
		{"QDCOUNT 0", 12, 5, 0, NULL, 0, MSG_RCODE_FORMERR, 0},
		{"QDCOUNT 2", 0, 5, 2, NULL, 0, MSG_RCODE_FORMERR, 0},
		{"truncated question", 20, -1, 0, NULL, 0, MSG_RCODE_FORMERR, 0},
		{"truncated qtype", ql - 1, -1, 0, NULL, 0, MSG_RCODE_FORMERR, 0},
		{"garbage after question", 0, -1, 0, "\0\1\2", 3, MSG_RCODE_FORMERR, 1},
		{"ANCOUNT 1 without the RR", 0, 7, 1, NULL, 0, MSG_RCODE_FORMERR, 1},
		{"opcode IQUERY", 0, 2, 0x09, NULL, 0, MSG_RCODE_NOTIMP, 1},
		{"opcode STATUS", 0, 2, 0x11, NULL, 0, MSG_RCODE_NOTIMP, 1},
		{"opcode UPDATE", 0, 2, 0x29, NULL, 0, MSG_RCODE_NOTIMP, 1},
		{"opcode 15", 0, 2, 0x79, NULL, 0, MSG_RCODE_NOTIMP, 1},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t l = t[i].cut ? t[i].cut : ql;
		memcpy(q2, q, ql);
		if (t[i].byte >= 0)
			q2[t[i].byte] = (uint8_t)t[i].val;
		if (t[i].tail) {
			memcpy(q2 + l, t[i].tail, t[i].tail_len);
			l += t[i].tail_len;
		}
		resp_t *r = ask(DB_PLAIN, &DEFAULT_OPTS, q2, l);
		if (r->rc != 0 || r->rcode != t[i].rcode || r->m.count[0] != t[i].qd) {
			print_error("case '%s': rc %d rcode %u qd %u\n", t[i].what, r->rc, r->rcode,
				    r->m.count[0]);
			fail();
		}
		assert_int_equal(r->m.id, 0xbeef);
		assert_int_equal(r->m.flags & MSG_OPCODE_MASK, q2[2] << 8 & MSG_OPCODE_MASK);
		assert_true(r->m.flags & MSG_FLAG_RD);
		assert_false(r->m.has_edns);
	}
	/* NOTIFY with a question goes to the refresh code (refresh.c) */
	memcpy(q2, q, ql);
	q2[2] = 0x21;
	assert_int_equal(answer_query(dbs[0], &DEFAULT_OPTS, q2, ql, out, sizeof(out), &len),
			 ANSWER_NOTIFY);
	/* XFR over TCP goes to the transfer code; not for a non-apex name */
	answer_opts_t o = DEFAULT_OPTS;
	o.tcp = true;
	ql = make_query(q, "example.com", RRTYPE_AXFR, RRCLASS_IN, 0, 0, NULL, 0);
	assert_int_equal(answer_query(dbs[0], &o, q, ql, out, sizeof(out), &len), ANSWER_XFR);
	ql = make_query(q, "example.com", RRTYPE_IXFR, RRCLASS_IN, 0, 0, NULL, 0);
	assert_int_equal(answer_query(dbs[0], &o, q, ql, out, sizeof(out), &len), ANSWER_XFR);
	ql = make_query(q, "www.example.com", RRTYPE_AXFR, RRCLASS_IN, 0, 0, NULL, 0);
	assert_int_equal(ask(DB_PLAIN, &o, q, ql)->rcode, MSG_RCODE_NOTAUTH);
	ql = make_query(q, "example.org", RRTYPE_AXFR, RRCLASS_IN, 0, 0, NULL, 0);
	assert_int_equal(ask(DB_PLAIN, &o, q, ql)->rcode, MSG_RCODE_REFUSED);
	/* a malformed OPT: FORMERR without OPT */
	ql = make_query(q, "www.example.com", RRTYPE_A, RRCLASS_IN, F_EDNS, 1232, NULL, 0);
	q[ql - 11] = 1; /* owner not the root: now a broken name */
	resp_t *r = ask(DB_PLAIN, &DEFAULT_OPTS, q, ql);
	assert_int_equal(r->rcode, MSG_RCODE_FORMERR);
	assert_false(r->m.has_edns);
}

static int setup(void **state)
{
	(void)state;
	static const char *files[DB_N] = {"example.com.zone", "example.com.nsec.zone", "example.com.nsec3.zone"};
	for (int i = 0; i < DB_N; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/tests/unit/data/%s", SRCDIR, files[i]);
		const char *p[1] = {path}, *o[1] = {"example.com."};
		dbs[i] = tau_db(p, o, 1);
		if (dbs[i] == NULL)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < DB_N; i++)
		zonedb_free(dbs[i]);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_nsec),
		cmocka_unit_test(test_nsec3),
		cmocka_unit_test(test_negative_ttl),
		cmocka_unit_test(test_truncation_limits),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_chaos),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_header),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
