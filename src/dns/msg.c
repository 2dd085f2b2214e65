/*
 * DNS message parsing: the edge check (msg_parse), the RR iterator and the
 * EDNS option iterator.  The policy on what is malformed is in msg.h.
 *
 * Every read of the message goes through name_unpack, rdata_from_wire or an
 * explicit "is there room" test against len; nothing trusts a count or a
 * length field before checking it against the octets that are really there.
 */
#include "dns/msg.h"

#include <string.h>

#include "common/err.h"
#include "dns/rrtype.h"
#include "dns/wire.h"

/* Fixed part of an RR after its owner: TYPE, CLASS, TTL, RDLENGTH. */
#define RR_FIXED_LEN 10

/*
 * rdata_from_wire is the one validator of rdata (STYLE rule 5), and it
 * decompresses while it checks, so it needs room to write.  The result is
 * thrown away here; the iterator decodes again into the caller's memory.
 * The buffer lives on the stack of this function only, not of msg_parse.
 */
__attribute__((noinline)) static int check_rdata(uint16_t type, const uint8_t *wire, size_t len,
                                                 size_t pos, size_t rdlen)
{
	uint8_t scratch[RDATA_MAXLEN];
	size_t outlen;
	return rdata_from_wire(type, wire, len, pos, rdlen, scratch, sizeof(scratch), &outlen);
}

/*
 * TSIG rdata (RFC 8945 §4.2): Algorithm Name, Time Signed (48 bits), Fudge,
 * MAC Size, MAC, Original ID, Error, Other Len, Other Data, filling RDATA
 * exactly.  The RR type table treats TSIG as opaque (it is a meta-type),
 * so its structure is checked here: RFC 8945 §5.2 answers a TSIG that
 * cannot be interpreted with FORMERR.  The algorithm name must not be
 * compressed (TSIG is not a type whose names RFC 3597 §4 lets a receiver
 * decompress).  The MAC itself is the TSIG module's business.
 */
static int check_tsig(const uint8_t *d, size_t len)
{
	int n = name_check(d, len);
	if (n < 0)
		return ERR_FORMERR;
	size_t p = (size_t)n;
	if (len - p < 10)
		return ERR_FORMERR;
	size_t mac = wire_get_u16(d + p + 8);
	p += 10;
	if (len - p < mac)
		return ERR_FORMERR;
	p += mac;
	if (len - p < 6)
		return ERR_FORMERR;
	size_t other = wire_get_u16(d + p + 4);
	p += 6;
	return len - p == other ? 0 : ERR_FORMERR;
}

/* RFC 2136 §2.4, §2.5: in UPDATE, class ANY or NONE with RDLENGTH 0 means
 * "an RRset (does not) exist / delete an RRset": there is no rdata to check.
 * TSIG and OPT always carry rdata of their own. */
static bool is_empty_update_rr(uint16_t type, uint16_t rclass, size_t rdlen)
{
	return rdlen == 0 && (rclass == RRCLASS_ANY || rclass == RRCLASS_NONE) &&
	       type != RRTYPE_TSIG && type != RRTYPE_OPT;
}

/*
 * EDNS Client Subnet (RFC 7871 §6): FAMILY, SOURCE PREFIX-LENGTH, SCOPE
 * PREFIX-LENGTH, ADDRESS of exactly ceil(SOURCE/8) octets with the bits past
 * SOURCE zero.  SCOPE must be 0 in a query.  FAMILY 0 with no address is
 * accepted as BIND does (RFC 7871 §7.1.2 "0.0.0.0/0" opt-out, as some send
 * it).  Everything else is FORMERR (RFC 7871 §7.1.1 says a server returns
 * FORMERR for a malformed option).
 */
static int check_ecs(const uint8_t *d, size_t len, bool query)
{
	if (len < 4)
		return ERR_FORMERR;
	uint16_t family = wire_get_u16(d);
	uint8_t source = d[2], scope = d[3];
	unsigned max;
	switch (family) {
	case 0:
		max = 0;
		break;
	case 1:
		max = 32;
		break;
	case 2:
		max = 128;
		break;
	default:
		return ERR_FORMERR;
	}
	if (source > max || scope > max || (query && scope != 0))
		return ERR_FORMERR;
	size_t nbytes = ((size_t)source + 7) / 8;
	if (len - 4 != nbytes)
		return ERR_FORMERR;
	if (source % 8 != 0 && (d[4 + nbytes - 1] & (0xff >> (source % 8))) != 0)
		return ERR_FORMERR;
	return 0;
}

/* The OPT RR (RFC 6891 §6.1.2, §6.1.3); the caller checked its place and
 * owner.  Options are TLVs that must tile RDATA exactly (§6.1.2). */
static int parse_opt(msg_t *m, const msg_rrpos_t *rp)
{
	msg_edns_t *e = &m->edns;
	memset(e, 0, sizeof(*e));
	e->udp_size = rp->rclass;
	e->ext_rcode = (uint8_t)(rp->ttl >> 24);
	e->version = (uint8_t)(rp->ttl >> 16);
	e->flags = (uint16_t)rp->ttl;
	e->rr_off = rp->off;
	e->opts.off = rp->rdoff;
	e->opts.len = rp->rdlen;
	bool query = (m->flags & MSG_FLAG_QR) == 0;
	size_t p = rp->rdoff, end = (size_t)rp->rdoff + rp->rdlen;
	while (p < end) {
		if (end - p < 4)
			return ERR_FORMERR;
		uint16_t code = wire_get_u16(m->wire + p);
		uint16_t olen = wire_get_u16(m->wire + p + 2);
		p += 4;
		if (olen > end - p)
			return ERR_FORMERR;
		msg_span_t span = {(uint16_t)p, olen};
		msg_span_t *slot = NULL;
		switch (code) {
		case MSG_EDNS_NSID:
			slot = &e->nsid;
			break;
		case MSG_EDNS_COOKIE:
			/* RFC 7873 §5.2.2: a client cookie alone (8), or client
			 * and server cookie (8 + 8..32); anything else is FORMERR */
			if (olen != 8 && (olen < 16 || olen > 40))
				return ERR_FORMERR;
			slot = &e->cookie;
			break;
		case MSG_EDNS_ECS:
			if (check_ecs(m->wire + p, olen, query) != 0)
				return ERR_FORMERR;
			slot = &e->ecs;
			break;
		case MSG_EDNS_PADDING:
			/* RFC 7830 §3: any content, the receiver ignores it */
			slot = &e->padding;
			break;
		default:
			break; /* unknown options are ignored (RFC 6891 §6.1.2) */
		}
		if (slot != NULL && slot->off == 0)
			*slot = span;
		p += olen;
	}
	return 0;
}

/* Reads the RR at *pos (number idx of total, in section sec), validates it
 * and records it.  *pos moves past it. */
static int parse_rr(msg_t *m, int sec, size_t idx, size_t total, size_t *pos)
{
	const uint8_t *wire = m->wire;
	size_t len = m->len, p = *pos;
	uint8_t owner[NAME_MAXLEN];
	size_t olen;
	if (name_unpack(wire, len, &p, owner, &olen) != 0)
		return ERR_FORMERR;
	if (len - p < RR_FIXED_LEN)
		return ERR_FORMERR;
	msg_rrpos_t rp;
	rp.off = (uint16_t)*pos;
	rp.type = wire_get_u16(wire + p);
	rp.rclass = wire_get_u16(wire + p + 2);
	rp.ttl = wire_get_u32(wire + p + 4);
	rp.rdlen = wire_get_u16(wire + p + 8);
	p += RR_FIXED_LEN;
	rp.rdoff = (uint16_t)p;
	if (rp.rdlen > len - p)
		return ERR_FORMERR;

	if (rp.type == RRTYPE_OPT) {
		/* RFC 6891 §6.1.1: one OPT, in the additional section, owned by
		 * the root */
		if (sec != MSG_SEC_ADDITIONAL || m->has_edns || olen != 1)
			return ERR_FORMERR;
		if (parse_opt(m, &rp) != 0)
			return ERR_FORMERR;
		m->has_edns = true;
	} else if (rp.type == RRTYPE_TSIG) {
		/* RFC 8945 §5.1: the last RR of the additional section, so a
		 * second TSIG fails here too */
		if (sec != MSG_SEC_ADDITIONAL || idx + 1 != total)
			return ERR_FORMERR;
		if (check_tsig(wire + p, rp.rdlen) != 0)
			return ERR_FORMERR;
		m->has_tsig = true;
		m->tsig = rp;
	} else if (!is_empty_update_rr(rp.type, rp.rclass, rp.rdlen)) {
		if (check_rdata(rp.type, wire, len, p, rp.rdlen) != 0)
			return ERR_FORMERR;
	}
	if (idx < MSG_RR_MAX)
		m->rr[m->nrr++] = rp;
	*pos = p + rp.rdlen;
	return 0;
}

int msg_parse(msg_t *m, const uint8_t *wire, size_t len)
{
	/* not memset: rr[] and qname are written only as far as used */
	m->wire = wire;
	m->len = len;
	m->id = 0;
	m->flags = 0;
	memset(m->count, 0, sizeof(m->count));
	memset(m->sec_off, 0, sizeof(m->sec_off));
	m->has_question = false;
	m->qname_len = 0;
	m->qtype = m->qclass = 0;
	m->nrr = 0;
	m->has_edns = false;
	m->has_tsig = false;

	if (len < MSG_HDR_LEN)
		return ERR_FORMERR;
	m->id = wire_get_u16(wire);
	m->flags = wire_get_u16(wire + 2);
	for (int i = 0; i < 4; i++)
		m->count[i] = wire_get_u16(wire + 4 + 2 * i);
	if (len > MSG_MAXLEN)
		return ERR_FORMERR;
	/* RFC 9619: at most one question (and RFC 2136 §3.1.1: one zone) */
	if (m->count[MSG_SEC_QUESTION] > 1)
		return ERR_FORMERR;

	size_t pos = MSG_HDR_LEN;
	m->sec_off[MSG_SEC_QUESTION] = MSG_HDR_LEN;
	if (m->count[MSG_SEC_QUESTION] == 1) {
		size_t qlen;
		if (name_unpack(wire, len, &pos, m->qname, &qlen) != 0)
			return ERR_FORMERR;
		if (len - pos < 4)
			return ERR_FORMERR;
		m->qname_len = (uint8_t)qlen;
		m->qtype = wire_get_u16(wire + pos);
		m->qclass = wire_get_u16(wire + pos + 2);
		pos += 4;
		m->has_question = true;
	}

	size_t total = msg_rr_count(m), idx = 0;
	for (int sec = MSG_SEC_ANSWER; sec <= MSG_SEC_ADDITIONAL; sec++) {
		m->sec_off[sec] = (uint16_t)pos;
		for (unsigned k = 0; k < m->count[sec]; k++, idx++) {
			/* each RR needs at least 11 octets: stop a huge count early */
			if (len - pos < 1 + RR_FIXED_LEN)
				return ERR_FORMERR;
			int rc = parse_rr(m, sec, idx, total, &pos);
			if (rc != 0)
				return rc;
		}
	}
	/* trailing data: see the policy in msg.h */
	if (pos != len)
		return ERR_FORMERR;
	return 0;
}

int msg_rr_section(const msg_t *m, size_t i)
{
	if (i < m->count[MSG_SEC_ANSWER])
		return MSG_SEC_ANSWER;
	if (i < (size_t)m->count[MSG_SEC_ANSWER] + m->count[MSG_SEC_AUTHORITY])
		return MSG_SEC_AUTHORITY;
	return MSG_SEC_ADDITIONAL;
}

void msg_ednsopt_iter_init(msg_ednsopt_iter_t *it, const msg_t *m)
{
	if (m->has_edns) {
		it->pos = m->wire + m->edns.opts.off;
		it->end = it->pos + m->edns.opts.len;
	} else {
		it->pos = it->end = NULL;
	}
}

int msg_ednsopt_next(msg_ednsopt_iter_t *it, msg_ednsopt_t *opt)
{
	if (it->pos == it->end)
		return ERR_NOTFOUND;
	/* msg_parse checked the list; these tests only keep a misuse safe */
	size_t left = (size_t)(it->end - it->pos);
	if (left < 4)
		return ERR_FORMERR;
	uint16_t len = wire_get_u16(it->pos + 2);
	if (len > left - 4)
		return ERR_FORMERR;
	opt->code = wire_get_u16(it->pos);
	opt->len = len;
	opt->data = it->pos + 4;
	it->pos += 4 + (size_t)len;
	return 0;
}

/* Decodes the RR at pos into rr/rdbuf; *next is set past it. */
static int decode_rr(const msg_t *m, size_t pos, int sec, msg_rr_t *rr, uint8_t *rdbuf, size_t cap,
                     size_t *next)
{
	size_t p = pos, len = m->len;
	if (name_unpack(m->wire, len, &p, rr->owner, &rr->owner_len) != 0)
		return ERR_FORMERR;
	if (len - p < RR_FIXED_LEN)
		return ERR_FORMERR;
	rr->type = wire_get_u16(m->wire + p);
	rr->rclass = wire_get_u16(m->wire + p + 2);
	rr->ttl = wire_get_u32(m->wire + p + 4);
	size_t rdlen = wire_get_u16(m->wire + p + 8);
	p += RR_FIXED_LEN;
	if (rdlen > len - p)
		return ERR_FORMERR;
	rr->section = sec;
	rr->offset = pos;
	rr->rdata = rdbuf;
	if (rr->type == RRTYPE_OPT) {
		/* the option list has no names: it is its own wire form */
		if (rdlen > cap)
			return ERR_SPACE;
		if (rdlen > 0)
			memcpy(rdbuf, m->wire + p, rdlen);
		rr->rdlen = rdlen;
	} else if (is_empty_update_rr(rr->type, rr->rclass, rdlen)) {
		rr->rdlen = 0;
	} else {
		int rc = rdata_from_wire(rr->type, m->wire, len, p, rdlen, rdbuf, cap, &rr->rdlen);
		if (rc != 0)
			return rc == ERR_SPACE ? ERR_SPACE : ERR_FORMERR;
	}
	*next = p + rdlen;
	return 0;
}

void msg_iter_init(msg_iter_t *it, const msg_t *m)
{
	it->msg = m;
	it->pos = m->sec_off[MSG_SEC_ANSWER];
	it->index = 0;
	it->end = msg_rr_count(m);
}

void msg_iter_init_section(msg_iter_t *it, const msg_t *m, int section)
{
	it->msg = m;
	it->index = 0;
	it->end = 0;
	it->pos = 0;
	if (section < MSG_SEC_ANSWER || section > MSG_SEC_ADDITIONAL)
		return;
	for (int s = MSG_SEC_ANSWER; s < section; s++)
		it->index += m->count[s];
	it->end = it->index + m->count[section];
	it->pos = m->sec_off[section];
}

int msg_rr_next(msg_iter_t *it, msg_rr_t *rr, uint8_t *rdbuf, size_t cap)
{
	if (it->index >= it->end)
		return ERR_NOTFOUND;
	size_t next;
	int rc =
	    decode_rr(it->msg, it->pos, msg_rr_section(it->msg, it->index), rr, rdbuf, cap, &next);
	if (rc != 0)
		return rc;
	it->pos = next;
	it->index++;
	return 0;
}

int msg_rr_at(const msg_t *m, size_t i, msg_rr_t *rr, uint8_t *rdbuf, size_t cap)
{
	if (i >= m->nrr)
		return ERR_NOTFOUND;
	size_t next;
	return decode_rr(m, m->rr[i].off, msg_rr_section(m, i), rr, rdbuf, cap, &next);
}
