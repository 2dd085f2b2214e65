/*
 * DNS message building with name compression (RFC 1035 §4.1.4).
 *
 * Compression table.  Every label the builder writes literally, at an
 * offset a pointer can reach (< 0x4000), becomes an entry: its offset, the
 * number of labels of the name suffix that starts there, and a hash of
 * that suffix lower-cased.  To write a name we hash each of its suffixes
 * (root-first, so every suffix hash extends the next shorter one) and take
 * the longest suffix that an entry matches: same label count, same hash,
 * and then a real case-insensitive comparison against the message octets
 * (following the pointers already there).  One pass over the table per
 * name; entries are appended in offset order, so rolling back an RR is
 * truncating the table.  When the table is full, names still compress
 * against what it holds.
 *
 * A small answer holds a few entries and one pass over them is cheapest.
 * Past COMPR_LINEAR entries (transfers fill 64 KiB messages) the entries
 * are also chained by hash: a name then costs one chain walk per suffix
 * instead of a pass over up to MSG_COMPR_MAX entries.  Entries are
 * chained newest first, so a rollback unlinks the dropped ones newest
 * first, each the head of its chain then (restore_state).
 *
 * Names of rdata are compressed only where rdata_to_wire says so (RFC 3597
 * §4: the RFC 1035 types); the others are written whole and not entered as
 * targets either, so nothing ever points into rdata a decoder may not know.
 */
#include "dns/msg.h"

#include <string.h>

#include "common/err.h"
#include "dns/rrtype.h"
#include "dns/wire.h"

#define COMPR_MAX_OFF 0x3fff
/* TYPE, CLASS, TTL, RDLENGTH after the owner */
#define RR_FIXED_LEN 10
#define FNV_BASIS    2166136261u
#define FNV_PRIME    16777619u

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Extends the hash h of a suffix by the label in front of it. */
static uint32_t hash_label(uint32_t h, const uint8_t *label)
{
	h = (h ^ label[0]) * FNV_PRIME;
	for (uint8_t i = 1; i <= label[0]; i++)
		h = (h ^ lower(label[i])) * FNV_PRIME;
	return h;
}

/* Whether the name at buf[off] (written by us, so pointers are valid and go
 * backwards) equals the uncompressed name s, ignoring ASCII case. */
static bool compr_match(const uint8_t *buf, size_t off, const uint8_t *s)
{
	for (unsigned guard = 0; guard < NAME_MAXLEN; guard++) {
		uint8_t l = buf[off];
		if ((l & 0xc0) == 0xc0) {
			off = (size_t)(l & 0x3f) << 8 | buf[off + 1];
			continue;
		}
		if (l != s[0])
			return false;
		if (l == 0)
			return true;
		for (uint8_t i = 1; i <= l; i++)
			if (lower(buf[off + i]) != lower(s[i]))
				return false;
		off += (size_t)l + 1;
		s += (size_t)l + 1;
	}
	return false;
}

#define COMPR_LINEAR 16

static inline unsigned compr_bucket(uint32_t hash, unsigned labels)
{
	return (hash ^ labels * 0x9e3779b1u) >> 7 & (MSG_COMPR_BUCKETS - 1);
}

/* Links entry e (the newest, index ncompr - 1) into its chain. */
static void compr_chain(msg_builder_t *b, unsigned e)
{
	msg_compr_t *c = &b->compr[e];
	unsigned k = compr_bucket(c->hash, c->labels);
	c->next = b->head[k];
	b->head[k] = (uint16_t)(e + 1);
}

/* Back to a mark: the entries made since are unlinked, newest first. */
static void restore_state(msg_builder_t *b, const msg_mark_t *mark)
{
	if (b->chained)
		for (unsigned e = b->st.ncompr; e-- > mark->ncompr;) {
			const msg_compr_t *c = &b->compr[e];
			b->head[compr_bucket(c->hash, c->labels)] = c->next;
		}
	b->st = *mark;
}

/* The offset of an entry for the suffix s of hash h with labels labels,
 * or -1. */
static int compr_find(const msg_builder_t *b, const uint8_t *s, uint32_t h, unsigned labels)
{
	for (unsigned x = b->head[compr_bucket(h, labels)]; x != 0; x = b->compr[x - 1].next) {
		const msg_compr_t *c = &b->compr[x - 1];
		if (c->hash == h && c->labels == labels && compr_match(b->buf, c->off, s))
			return c->off;
	}
	return -1;
}

/* Writes a validated name at w's position, compressed if asked. */
static int put_name(msg_builder_t *b, wire_t *w, const uint8_t *name, bool compress)
{
	if (!compress) {
		wire_write(w, name, name_length(name));
		return w->err;
	}
	uint8_t off[NAME_MAXLABELS + 1];
	uint32_t h[NAME_MAXLABELS + 1];
	int k = 0;
	for (size_t p = 0; name[p] != 0; p += (size_t)name[p] + 1)
		off[k++] = (uint8_t)p;
	h[k] = FNV_BASIS;
	for (int i = k - 1; i >= 0; i--)
		h[i] = hash_label(h[i + 1], name + off[i]);

	int best = k; /* index of the first label replaced by a pointer */
	uint16_t best_off = 0;
	if (b->chained) {
		/* longest suffix first: the first found is the best */
		for (int i = 0; i < k; i++) {
			int o = compr_find(b, name + off[i], h[i], (unsigned)(k - i));
			if (o >= 0) {
				best = i;
				best_off = (uint16_t)o;
				break;
			}
		}
	}
	for (unsigned e = 0; !b->chained && e < b->st.ncompr && best > 0; e++) {
		const msg_compr_t *c = &b->compr[e];
		int i = k - c->labels;
		if (c->labels == 0 || i < 0 || i >= best || c->hash != h[i])
			continue;
		if (!compr_match(b->buf, c->off, name + off[i]))
			continue;
		best = i;
		best_off = c->off;
	}
	for (int i = 0; i < best; i++) {
		size_t at = (size_t)(w->pos - b->buf);
		wire_write(w, name + off[i], (size_t)name[off[i]] + 1);
		if (w->err)
			return w->err;
		if (at <= COMPR_MAX_OFF && b->st.ncompr < MSG_COMPR_MAX) {
			unsigned e = b->st.ncompr++;
			msg_compr_t *c = &b->compr[e];
			c->hash = h[i];
			c->off = (uint16_t)at;
			c->labels = (uint8_t)(k - i);
			if (b->chained) {
				compr_chain(b, e);
			} else if (b->st.ncompr > COMPR_LINEAR) {
				memset(b->head, 0, sizeof(b->head));
				for (unsigned j = 0; j < b->st.ncompr; j++)
					compr_chain(b, j);
				b->chained = true;
			}
		}
	}
	if (best < k)
		wire_write_u16(w, (uint16_t)(0xc000 | best_off));
	else
		wire_write_u8(w, 0);
	return w->err;
}

static int put_name_cb(void *ctx, wire_t *w, const uint8_t *name, bool compress)
{
	return put_name(ctx, w, name, compress);
}

/* A cursor over the free part of the message, up to the limit. */
static wire_t cursor(const msg_builder_t *b)
{
	wire_t w = wire_init(b->buf, b->maxlen - b->st.reserved);
	w.pos = b->buf + b->st.len;
	return w;
}

static void write_counts(msg_builder_t *b)
{
	for (int i = 0; i < 4; i++)
		wire_put_u16(b->buf + 4 + 2 * i, b->st.count[i]);
}

int msg_build_init(msg_builder_t *b, uint8_t *buf, size_t maxlen, uint16_t id, uint16_t flags)
{
	if (maxlen < MSG_HDR_LEN || maxlen > MSG_MAXLEN)
		return ERR_INVAL;
	b->buf = buf;
	b->maxlen = maxlen;
	b->ext_rcode = 0;
	memset(&b->st, 0, sizeof(b->st));
	b->chained = false;
	b->st.len = MSG_HDR_LEN;
	b->st.section = MSG_SEC_QUESTION;
	wire_put_u16(buf, id);
	wire_put_u16(buf + 2, flags);
	write_counts(b);
	return 0;
}

uint16_t msg_build_flags(const msg_builder_t *b)
{
	return wire_get_u16(b->buf + 2);
}

void msg_build_set_flags(msg_builder_t *b, uint16_t flags)
{
	wire_put_u16(b->buf + 2, flags);
}

/* OPT RR layout: owner (root, 1) TYPE (2) CLASS (2) TTL: EXTENDED-RCODE
 * first.  We always write the owner as a single zero octet. */
#define OPT_EXT_RCODE_AT 5

int msg_build_set_rcode(msg_builder_t *b, unsigned rcode)
{
	if (rcode > 0xfff)
		return ERR_INVAL;
	uint16_t flags = msg_build_flags(b);
	msg_build_set_flags(b, (uint16_t)((flags & ~MSG_RCODE_MASK) | (rcode & 0xf)));
	b->ext_rcode = (uint8_t)(rcode >> 4);
	if (b->st.opt_off != 0)
		b->buf[b->st.opt_off + OPT_EXT_RCODE_AT] = b->ext_rcode;
	return 0;
}

int msg_build_question(msg_builder_t *b, const uint8_t *qname, uint16_t qtype, uint16_t qclass)
{
	if (b->st.section != MSG_SEC_QUESTION || b->st.count[MSG_SEC_QUESTION] != 0)
		return ERR_INVAL;
	msg_mark_t mark = b->st;
	wire_t w = cursor(b);
	put_name(b, &w, qname, true);
	wire_write_u16(&w, qtype);
	wire_write_u16(&w, qclass);
	if (w.err) {
		restore_state(b, &mark);
		return ERR_SPACE;
	}
	b->st.len = (size_t)(w.pos - b->buf);
	b->st.count[MSG_SEC_QUESTION] = 1;
	write_counts(b);
	return 0;
}

int msg_build_rr(msg_builder_t *b, int section, const uint8_t *owner, uint16_t type,
                 uint16_t rclass, uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	if (section < MSG_SEC_ANSWER || section > MSG_SEC_ADDITIONAL || section < b->st.section ||
	    b->st.has_tsig || type == RRTYPE_OPT || rdlen > RDATA_MAXLEN)
		return ERR_INVAL;
	if (b->st.count[section] == UINT16_MAX)
		return ERR_SPACE;
	msg_mark_t mark = b->st;
	wire_t w = cursor(b);
	int rc = put_name(b, &w, owner, true);
	wire_write_u16(&w, type);
	wire_write_u16(&w, rclass);
	wire_write_u32(&w, ttl);
	uint8_t *rdlen_at = w.pos;
	wire_write_u16(&w, 0);
	/* empty rdata (an UPDATE deletion) has nothing to convert */
	if (w.err == 0 && rdlen > 0)
		rc = rdata_to_wire(type, rdata, rdlen, &w, put_name_cb, b);
	if (w.err != 0 || rc != 0) {
		restore_state(b, &mark);
		return w.err != 0 ? ERR_SPACE : rc;
	}
	size_t wrote = (size_t)(w.pos - rdlen_at) - 2;
	if (wrote > RDATA_MAXLEN) {
		restore_state(b, &mark);
		return ERR_INVAL;
	}
	wire_put_u16(rdlen_at, (uint16_t)wrote);
	b->st.len = (size_t)(w.pos - b->buf);
	b->st.count[section]++;
	b->st.section = (uint8_t)section;
	if (type == RRTYPE_TSIG)
		b->st.has_tsig = true;
	write_counts(b);
	return 0;
}

size_t msg_opt_size(const msg_ednsopt_t *opts, size_t nopts)
{
	size_t n = 1 + RR_FIXED_LEN;
	for (size_t i = 0; i < nopts; i++)
		n += 4 + (size_t)opts[i].len;
	return n;
}

int msg_build_opt(msg_builder_t *b, uint16_t udp_size, uint8_t version, uint16_t flags,
                  const msg_ednsopt_t *opts, size_t nopts)
{
	if (b->st.opt_off != 0 || b->st.has_tsig)
		return ERR_INVAL;
	size_t rdlen = msg_opt_size(opts, nopts) - 1 - RR_FIXED_LEN;
	if (rdlen > RDATA_MAXLEN)
		return ERR_INVAL;
	if (b->st.count[MSG_SEC_ADDITIONAL] == UINT16_MAX)
		return ERR_SPACE;
	wire_t w = cursor(b);
	size_t start = b->st.len;
	wire_write_u8(&w, 0); /* owner: the root (RFC 6891 §6.1.2) */
	wire_write_u16(&w, RRTYPE_OPT);
	wire_write_u16(&w, udp_size);
	wire_write_u8(&w, b->ext_rcode);
	wire_write_u8(&w, version);
	wire_write_u16(&w, flags);
	wire_write_u16(&w, (uint16_t)rdlen);
	for (size_t i = 0; i < nopts; i++) {
		wire_write_u16(&w, opts[i].code);
		wire_write_u16(&w, opts[i].len);
		wire_write(&w, opts[i].data, opts[i].len);
	}
	if (w.err)
		return ERR_SPACE; /* nothing committed: the state is untouched */
	b->st.len = (size_t)(w.pos - b->buf);
	b->st.opt_off = (uint16_t)start;
	b->st.count[MSG_SEC_ADDITIONAL]++;
	b->st.section = MSG_SEC_ADDITIONAL;
	write_counts(b);
	return 0;
}

int msg_build_reserve(msg_builder_t *b, size_t n)
{
	if (n > b->maxlen - b->st.reserved - b->st.len)
		return ERR_SPACE;
	b->st.reserved += n;
	return 0;
}

void msg_build_release(msg_builder_t *b, size_t n)
{
	b->st.reserved -= n < b->st.reserved ? n : b->st.reserved;
}

void msg_build_mark(const msg_builder_t *b, msg_mark_t *mark)
{
	*mark = b->st;
}

void msg_build_rollback(msg_builder_t *b, const msg_mark_t *mark)
{
	restore_state(b, mark);
	write_counts(b);
}

void msg_build_truncate(msg_builder_t *b, const msg_mark_t *mark)
{
	msg_build_rollback(b, mark);
	msg_build_set_flags(b, msg_build_flags(b) | MSG_FLAG_TC);
}
