/*
 * A dig-like text form of a parsed message, for tests, `nsfleet drill` and
 * debugging.  The layout follows dig's: header lines, the OPT
 * pseudosection, the sections (UPDATE names them as RFC 2136 §2 does), and
 * the TSIG RR in a pseudosection of its own.
 */
#include "dns/msg.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "dns/rrtype.h"

typedef struct {
	char *buf;
	size_t cap, len;
	bool full;
} out_t;

__attribute__((format(printf, 2, 3))) static void put(out_t *o, const char *fmt, ...)
{
	if (o->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

static void put_name(out_t *o, const uint8_t *name)
{
	char txt[NAME_TEXT_MAXLEN];
	if (name_to_text(name, txt, sizeof(txt)) < 0)
		snprintf(txt, sizeof(txt), "?");
	put(o, "%s", txt);
}

static void put_hex(out_t *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(o, "%02x", p[i]);
}

static const char *opcode_name(unsigned op)
{
	static const char *const names[] = {"QUERY", "IQUERY", "STATUS", NULL, "NOTIFY", "UPDATE"};
	return op < sizeof(names) / sizeof(names[0]) ? names[op] : NULL;
}

const char *msg_rcode_name(unsigned rc)
{
	static const char *const names[] = {
	    "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",   "REFUSED",
	    "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",  "DSOTYPENI",
	    NULL,       NULL,      NULL,       NULL,       "BADVERS",  "BADKEY",
	    "BADTIME",  "BADMODE", "BADNAME",  "BADALG",   "BADTRUNC", "BADCOOKIE"};
	return rc < sizeof(names) / sizeof(names[0]) ? names[rc] : NULL;
}

static void put_ecs(out_t *o, const uint8_t *d, size_t len)
{
	uint16_t family = wire_get_u16(d);
	uint8_t addr[16] = {0};
	char txt[INET6_ADDRSTRLEN];
	memcpy(addr, d + 4, len - 4 < sizeof(addr) ? len - 4 : sizeof(addr));
	if (family == 1 && inet_ntop(AF_INET, addr, txt, sizeof(txt)))
		put(o, "%s", txt);
	else if (family == 2 && inet_ntop(AF_INET6, addr, txt, sizeof(txt)))
		put(o, "%s", txt);
	else
		put(o, "family %u", family);
	put(o, "/%u/%u", d[2], d[3]);
}

static void put_opt(out_t *o, const msg_t *m)
{
	const msg_edns_t *e = &m->edns;
	put(o, "\n;; OPT PSEUDOSECTION:\n; EDNS: version: %u, flags:", e->version);
	if (e->flags & MSG_EDNS_DO)
		put(o, " do");
	if (e->flags & ~MSG_EDNS_DO)
		put(o, "; MBZ: 0x%04x", e->flags & ~MSG_EDNS_DO);
	put(o, "; udp: %u\n", e->udp_size);
	msg_ednsopt_iter_t it;
	msg_ednsopt_t opt;
	msg_ednsopt_iter_init(&it, m);
	while (msg_ednsopt_next(&it, &opt) == 0) {
		switch (opt.code) {
		case MSG_EDNS_NSID:
			put(o, "; NSID: ");
			put_hex(o, opt.data, opt.len);
			put(o, " (\"");
			for (size_t i = 0; i < opt.len; i++)
				put(o, "%c",
				    opt.data[i] >= 0x20 && opt.data[i] < 0x7f ? opt.data[i] : '.');
			put(o, "\")\n");
			break;
		case MSG_EDNS_COOKIE:
			put(o, "; COOKIE: ");
			put_hex(o, opt.data, opt.len);
			put(o, "\n");
			break;
		case MSG_EDNS_ECS:
			put(o, "; CLIENT-SUBNET: ");
			put_ecs(o, opt.data, opt.len);
			put(o, "\n");
			break;
		case MSG_EDNS_PADDING:
			put(o, "; PADDING: %u octets\n", opt.len);
			break;
		default:
			put(o, "; OPT=%u: ", opt.code);
			put_hex(o, opt.data, opt.len);
			put(o, "\n");
		}
	}
}

static void put_rr(out_t *o, const msg_rr_t *rr)
{
	char type[RRTYPE_TEXT_MAXLEN], rclass[RRTYPE_TEXT_MAXLEN];
	rrtype_to_text(rr->type, type, sizeof(type));
	rrclass_to_text(rr->rclass, rclass, sizeof(rclass));
	put_name(o, rr->owner);
	put(o, "\t%u\t%s\t%s", rr->ttl, rclass, type);
	if (rr->rdlen == 0 && (rr->rclass == RRCLASS_ANY || rr->rclass == RRCLASS_NONE)) {
		put(o, "\n"); /* an UPDATE deletion or prerequisite: no rdata */
		return;
	}
	put(o, "\t");
	if (o->full)
		return;
	int n = rdata_to_text(rr->type, rr->rdata, rr->rdlen, o->buf + o->len, o->cap - o->len);
	if (n < 0) {
		o->full = true;
		return;
	}
	o->len += (size_t)n;
	put(o, "\n");
}

int msg_to_text(const msg_t *m, char *buf, size_t cap)
{
	static const char *const sec_query[] = {"QUESTION", "ANSWER", "AUTHORITY", "ADDITIONAL"};
	static const char *const sec_update[] = {"ZONE", "PREREQUISITE", "UPDATE", "ADDITIONAL"};
	const char *const *sec = msg_opcode(m) == MSG_OPCODE_UPDATE ? sec_update : sec_query;
	out_t o = {buf, cap, 0, cap == 0};
	if (cap > 0)
		buf[0] = 0;

	const char *op = opcode_name(msg_opcode(m)), *rc = msg_rcode_name(msg_rcode(m));
	put(&o, ";; ->>HEADER<<- opcode: ");
	op ? put(&o, "%s", op) : put(&o, "OPCODE%u", msg_opcode(m));
	put(&o, ", status: ");
	rc ? put(&o, "%s", rc) : put(&o, "RCODE%u", msg_rcode(m));
	put(&o, ", id: %u\n;; flags:", m->id);
	static const struct {
		uint16_t bit;
		const char *name;
	} flags[] = {{MSG_FLAG_QR, "qr"}, {MSG_FLAG_AA, "aa"}, {MSG_FLAG_TC, "tc"},
	             {MSG_FLAG_RD, "rd"}, {MSG_FLAG_RA, "ra"}, {MSG_FLAG_Z, "z"},
	             {MSG_FLAG_AD, "ad"}, {MSG_FLAG_CD, "cd"}};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (m->flags & flags[i].bit)
			put(&o, " %s", flags[i].name);
	put(&o, "; %s: %u, %s: %u, %s: %u, %s: %u\n", sec[0], m->count[0], sec[1], m->count[1],
	    sec[2], m->count[2], sec[3], m->count[3]);
	if (m->has_edns)
		put_opt(&o, m);

	if (m->has_question) {
		char type[RRTYPE_TEXT_MAXLEN], rclass[RRTYPE_TEXT_MAXLEN];
		rrtype_to_text(m->qtype, type, sizeof(type));
		rrclass_to_text(m->qclass, rclass, sizeof(rclass));
		put(&o, "\n;; %s SECTION:\n;", sec[0]);
		put_name(&o, m->qname);
		put(&o, "\t\t%s\t%s\n", rclass, type);
	}

	/* rdata is decoded on this stack, as msg_parse checks it */
	uint8_t rd[RDATA_MAXLEN];
	msg_rr_t rr;
	for (int s = MSG_SEC_ANSWER; s <= MSG_SEC_ADDITIONAL; s++) {
		msg_iter_t it;
		msg_iter_init_section(&it, m, s);
		bool title = false;
		int rcn;
		while ((rcn = msg_rr_next(&it, &rr, rd, sizeof(rd))) == 0) {
			if (rr.type == RRTYPE_OPT || rr.type == RRTYPE_TSIG)
				continue;
			if (!title) {
				put(&o, "\n;; %s SECTION:\n", sec[s]);
				title = true;
			}
			put_rr(&o, &rr);
		}
		if (rcn != ERR_NOTFOUND)
			return rcn;
	}
	if (m->has_tsig) {
		msg_iter_t it;
		msg_iter_init_section(&it, m, MSG_SEC_ADDITIONAL);
		while (msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0) {
			if (rr.type != RRTYPE_TSIG)
				continue;
			put(&o, "\n;; TSIG PSEUDOSECTION:\n");
			put_rr(&o, &rr);
		}
	}
	if (o.full)
		return ERR_SPACE;
	return (int)o.len;
}
