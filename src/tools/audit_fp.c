/*
 * Software fingerprints of nameservers, in the spirit of fpdns: what the
 * server says (version.bind, id.server, NSID) and, since operators often
 * hide the version, how it behaves on a few odd queries.
 *
 * The behaviour table was made by running each implementation on this
 * machine (BIND 9.18, Knot 3.2, NSD 4.6, nsfleetd; doc/nsfleet-audit.md,
 * "Fingerprints"):
 *
 *   probe                    nsfleetd      BIND          Knot          NSD
 *   CH TXT authors.bind      REFUSED       NOERROR+data  REFUSED       REFUSED
 *   UPDATE (opcode 5)        NOTIMP, QD=1  REFUSED       NOTAUTH       NOTIMP, QD=0
 *   IQUERY (opcode 1)        NOTIMP, QD=1  NOTIMP, QD=0  NOTIMP, QD=1  NOTIMP, QD=0
 *   NOTIFY with RD           NOTAUTH, RD=0 NOERROR       NOTAUTH, RD=1 REFUSED
 *   QTYPE 0                  NOTIMP        NOERROR       NOTIMP        NOERROR
 *
 * A version string that names an implementation wins over behaviour;
 * behaviour decides when the version is hidden or made up.  PowerDNS is
 * known by its version string only (no behaviour row yet).
 */
#include <string.h>
#include <strings.h>

#include "dns/rrtype.h"
#include "tools/audit.h"

enum { FP_AUTHORS, FP_UPDATE, FP_IQUERY, FP_NOTIFY, FP_TYPE0, FP_COUNT };
_Static_assert(AP_FP_FIRST + FP_COUNT - 1 <= AP_FP_LAST, "room for the probes");

int audit_fp_build(audit_ctx_t *c, audit_server_t *s)
{
	uint8_t authors[NAME_MAXLEN];
	size_t len;
	if (name_from_text("authors.bind.", 13, NULL, authors, &len) != 0)
		return -1;
	const audit_qopt_t plain = {0}, update = {.opcode = MSG_OPCODE_UPDATE},
	                   iquery = {.opcode = MSG_OPCODE_IQUERY},
	                   notify = {.opcode = MSG_OPCODE_NOTIFY, .rd = true};
	const struct {
		const uint8_t *name;
		uint16_t type, cls;
		const audit_qopt_t *opt;
	} t[FP_COUNT] = {
	    [FP_AUTHORS] = {authors, RRTYPE_TXT, RRCLASS_CH, &plain},
	    [FP_UPDATE] = {c->zone, RRTYPE_SOA, RRCLASS_IN, &update},
	    [FP_IQUERY] = {c->zone, RRTYPE_SOA, RRCLASS_IN, &iquery},
	    [FP_NOTIFY] = {c->zone, RRTYPE_SOA, RRCLASS_IN, &notify},
	    [FP_TYPE0] = {c->zone, 0, RRCLASS_IN, &plain},
	};
	for (int i = 0; i < FP_COUNT; i++)
		if (audit_query_init(&s->q[AP_FP_FIRST + i], (const struct sockaddr *)&s->addr,
		                     AUDIT_TR_UDP, t[i].name, t[i].type, t[i].cls, t[i].opt) != 0)
			s->q[AP_FP_FIRST + i].req_len = 0;
	return 0;
}

/* The implementation a version string names, or NULL. */
static const char *from_version(const char *v)
{
	static const struct {
		const char *needle, *name;
	} t[] = {
	    {"nsfleet", "nsfleetd"},  {"knot", "Knot"}, {"nsd", "NSD"},
	    {"powerdns", "PowerDNS"}, {"bind", "BIND"}, {"unbound", "Unbound"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasestr(v, t[i].needle))
			return t[i].name;
	/* BIND answers version.bind with the bare version: "9.18.28-1~deb12u2-Debian" */
	if (v[0] == '9' && v[1] == '.' && v[2] >= '0' && v[2] <= '9')
		return "BIND";
	return NULL;
}

/* What one probe got: rcode (-1 no answer), question echoed, RD echoed,
 * TXT RRs in the answer. */
typedef struct {
	int rcode;
	bool qd, rd;
	unsigned an;
} fp_obs_t;

static fp_obs_t observe(const audit_query_t *q)
{
	fp_obs_t o = {-1, false, false, 0};
	msg_t m;
	if (audit_query_msg(q, &m) != 0)
		return o;
	o.rcode = (int)(m.flags & MSG_RCODE_MASK);
	o.qd = m.count[0] > 0;
	o.rd = (m.flags & MSG_FLAG_RD) != 0;
	/* answer RRs that are TXT (a liar's SOA does not count) */
	msg_iter_t it;
	msg_rr_t rr;
	static uint8_t rd[RDATA_MAXLEN];
	msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
	while (msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0)
		o.an += rr.type == RRTYPE_TXT;
	return o;
}

static const char *from_behaviour(const audit_server_t *s)
{
	fp_obs_t o[FP_COUNT];
	for (int i = 0; i < FP_COUNT; i++)
		o[i] = observe(&s->q[AP_FP_FIRST + i]);
	if (o[FP_AUTHORS].rcode == MSG_RCODE_NOERROR && o[FP_AUTHORS].an > 0)
		return "BIND";
	if (o[FP_UPDATE].rcode == MSG_RCODE_REFUSED && o[FP_TYPE0].rcode == MSG_RCODE_NOERROR)
		return "BIND";
	if (o[FP_UPDATE].rcode == MSG_RCODE_NOTAUTH && o[FP_NOTIFY].rcode == MSG_RCODE_NOTAUTH &&
	    o[FP_NOTIFY].rd)
		return "Knot";
	if (o[FP_UPDATE].rcode == MSG_RCODE_NOTIMP && o[FP_UPDATE].qd &&
	    o[FP_NOTIFY].rcode == MSG_RCODE_NOTAUTH && !o[FP_NOTIFY].rd &&
	    o[FP_TYPE0].rcode == MSG_RCODE_NOTIMP)
		return "nsfleetd";
	if (o[FP_UPDATE].rcode == MSG_RCODE_NOTIMP && !o[FP_UPDATE].qd &&
	    o[FP_NOTIFY].rcode == MSG_RCODE_REFUSED && o[FP_TYPE0].rcode == MSG_RCODE_NOERROR)
		return "NSD";
	return NULL;
}

void audit_fp_identify(audit_server_t *s)
{
	const char *sw = NULL;
	s->software_by = NULL;
	if (s->version[0] && (sw = from_version(s->version)) != NULL)
		s->software_by = "version.bind";
	if (sw == NULL && s->answers && (sw = from_behaviour(s)) != NULL)
		s->software_by = "behaviour";
	snprintf(s->software, sizeof(s->software), "%s", sw ? sw : (s->answers ? "unknown" : ""));
}
