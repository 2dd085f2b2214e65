/*
 * The OPT RR of a response (RFC 6891 §6.1): our payload size, DO echoed
 * (RFC 3225 §3), NSID (RFC 5001), a fresh server cookie (RFC 7873 §5.2,
 * RFC 9018) and an Extended DNS Error (RFC 8914).  Its room is reserved
 * in the builder before the first RR, so that it always fits (RFC 6891
 * §7): a truncated answer still carries its OPT.
 */
#include <string.h>
#include <netinet/in.h>

#include "common/err.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "server/answer_int.h"

#define EDNS_EDE 15 /* RFC 8914 §2 */

/* ---- SipHash-2-4 (Aumasson & Bernstein), for RFC 9018 §4.4.  Written
 * out here because OpenSSL's EVP_MAC allocates a context per use and
 * answer_query allocates nothing. */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                  \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = ROTL(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = ROTL(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = ROTL(v2, 32);                                                                 \
	} while (0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t ans_siphash24(const uint8_t key[16], const uint8_t *in, size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	size_t end = len - len % 8;
	for (size_t i = 0; i < end; i += 8) {
		uint64_t m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < len % 8; i++)
		b |= (uint64_t)in[end + i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void ans_cookie_server(const answer_opts_t *o, const uint8_t *cc, uint8_t out[16])
{
	/* RFC 9018 §4.2: Version 1, Reserved 0, Timestamp, then
	 * Hash = SipHash-2-4(Client Cookie | Version | Reserved | Timestamp
	 * | Client-IP, Server Secret) */
	uint8_t in[8 + 8 + 16];
	memcpy(in, cc, 8);
	in[8] = 1;
	in[9] = in[10] = in[11] = 0;
	wire_put_u32(in + 12, o->now);
	size_t len = 16;
	if (o->client != NULL && o->client->sa_family == AF_INET &&
	    o->client_len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)o->client;
		memcpy(in + len, &s->sin_addr, 4);
		len += 4;
	} else if (o->client != NULL && o->client->sa_family == AF_INET6 &&
		   o->client_len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)(const void *)o->client;
		memcpy(in + len, &s->sin6_addr, 16);
		len += 16;
	}
	uint64_t h = ans_siphash24(o->cookie_secret, in, len);
	memcpy(out, in + 8, 8);
	/* the hash goes out as SipHash's 8 output octets, little-endian */
	for (int i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(h >> (8 * i));
}

int ans_edns_prepare(ans_t *a, ans_edns_t *e, int ede)
{
	const msg_t *m = a->q;
	memset(e, 0, sizeof(*e));
	if (!m->has_edns)
		return 0;
	/* RFC 5001 §2.1: NSID only when asked */
	if (m->edns.nsid.off != 0 && a->o->nsid != NULL && a->o->nsid_len <= 512) {
		msg_ednsopt_t *op = &e->opt[e->nopt++];
		op->code = MSG_EDNS_NSID;
		op->len = (uint16_t)a->o->nsid_len;
		op->data = a->o->nsid;
	}
	/* RFC 7873 §5.2.3-5.2.4: whatever the server cookie said (none,
	 * stale, wrong), answer with the client cookie and a fresh server
	 * cookie; we never require one, so no BADCOOKIE (§5.2.3 allows) */
	if (m->edns.cookie.off != 0 && m->edns.cookie.len >= 8 && a->o->cookie_secret != NULL) {
		memcpy(e->cookie, m->wire + m->edns.cookie.off, 8);
		ans_cookie_server(a->o, e->cookie, e->cookie + 8);
		msg_ednsopt_t *op = &e->opt[e->nopt++];
		op->code = MSG_EDNS_COOKIE;
		op->len = 24;
		op->data = e->cookie;
	}
	if (ede >= 0) {
		wire_put_u16(e->ede, (uint16_t)ede);
		msg_ednsopt_t *op = &e->opt[e->nopt++];
		op->code = EDNS_EDE;
		op->len = 2;
		op->data = e->ede;
	}
	e->size = msg_opt_size(e->opt, e->nopt);
	if (msg_build_reserve(&a->b, e->size) != 0)
		return ERR_SPACE;
	e->present = true;
	return 0;
}

void ans_edns_finish(ans_t *a, ans_edns_t *e)
{
	if (!e->present)
		return;
	msg_build_release(&a->b, e->size);
	uint16_t payload = a->o->udp_max ? a->o->udp_max : ANSWER_UDP_DEFAULT;
	if (payload < MSG_UDP_MIN)
		payload = MSG_UDP_MIN;
	uint16_t flags = a->do_bit ? MSG_EDNS_DO : 0;
	/* the room was reserved: this cannot fail */
	if (msg_build_opt(&a->b, payload, 0, flags, e->opt, e->nopt) != 0)
		e->present = false;
}
