/*
 * NOTIFY out (RFC 1996); the state machine is in notify.h.
 */
#include "server/notify.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/err.h"
#include "dns/msg.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"
#include "server/daemon.h"
#include "server/log.h"

#define NOTIFY_MSG_MAX 1024 /* question, SOA and TSIG fit with room to spare */

typedef struct notify_target notify_target_t;

typedef struct {
	const conf_zone_t *zc;
	notify_info_t info;
} notify_rec_t;

struct notify {
	uv_loop_t *loop;
	notify_target_t *head; /* running targets */
	notify_rec_t *recs;    /* the last state per (zone, peer), for status */
	size_t nrecs;
};

struct notify_target {
	notify_t *n;
	notify_target_t *next;
	uv_udp_t udp;
	uv_timer_t timer;
	int refs; /* handles not yet closed */
	bool done;
	const conf_zone_t *zc;
	struct sockaddr_storage peer;
	char peer_text[80];
	char zname[NAME_TEXT_MAXLEN];
	uint32_t serial;
	uint16_t id;
	unsigned tries;
	bool signed_;
	tsig_key_t key;
	tsig_ctx_t tsig;
	uint8_t msg[NOTIFY_MSG_MAX];
	size_t len;
	uint8_t rbuf[MSG_MAXLEN];
	struct timespec start;
};

static void target_on_close(uv_handle_t *h)
{
	notify_target_t *t = h->data;
	if (--t->refs > 0)
		return;
	tsig_ctx_clear(&t->tsig);
	free(t);
}

static double since(const struct timespec *a)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - a->tv_sec) + (double)(now.tv_nsec - a->tv_nsec) / 1e9;
}

/* Records t's state (for status): one entry per (zone, peer). */
static void target_record(notify_target_t *t, const char *state)
{
	notify_t *n = t->n;
	if (n == NULL)
		return;
	notify_rec_t *r = NULL;
	for (size_t i = 0; i < n->nrecs && r == NULL; i++)
		if (n->recs[i].zc == t->zc && strcmp(n->recs[i].info.peer, t->peer_text) == 0)
			r = &n->recs[i];
	if (r == NULL) {
		if (n->recs == NULL)
			n->recs = calloc(NOTIFY_INFO_MAX, sizeof(*n->recs));
		if (n->recs == NULL)
			return;
		if (n->nrecs < NOTIFY_INFO_MAX) {
			r = &n->recs[n->nrecs++];
		} else {
			/* full: the entry changed longest ago makes room */
			r = &n->recs[0];
			for (size_t i = 1; i < n->nrecs; i++)
				if (n->recs[i].info.when < r->info.when)
					r = &n->recs[i];
		}
		r->zc = t->zc;
		snprintf(r->info.peer, sizeof(r->info.peer), "%s", t->peer_text);
	}
	r->info.serial = t->serial;
	r->info.tries = t->tries;
	r->info.when = (uint64_t)time(NULL);
	snprintf(r->info.state, sizeof(r->info.state), "%s", state);
}

size_t notify_info(const notify_t *n, const conf_zone_t *zc, notify_info_t *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; n != NULL && i < n->nrecs; i++) {
		if (n->recs[i].zc != zc)
			continue;
		if (k < cap)
			out[k] = n->recs[i].info;
		k++;
	}
	return k;
}

/* Unlinks t, logs its end (result NULL: nothing) and closes it. */
static void target_end(notify_target_t *t, const char *result, bool warn)
{
	if (t->done)
		return;
	t->done = true;
	if (t->n != NULL) {
		for (notify_target_t **p = &t->n->head; *p; p = &(*p)->next)
			if (*p == t) {
				*p = t->next;
				break;
			}
	}
	if (result != NULL)
		target_record(t, result);
	if (result != NULL)
		log_msg(warn ? LOG_WARNING : LOG_INFO,
		        "NOTIFY out: zone %s, peer %s, serial %u%s, %s after %u tries, %.3f s",
		        t->zname, t->peer_text, t->serial, t->signed_ ? ", TSIG" : "", result,
		        t->tries, since(&t->start));
	uv_udp_recv_stop(&t->udp);
	uv_timer_stop(&t->timer);
	uv_close((uv_handle_t *)&t->udp, target_on_close);
	uv_close((uv_handle_t *)&t->timer, target_on_close);
}

static void target_send(notify_target_t *t)
{
	uv_buf_t b = uv_buf_init((char *)t->msg, (unsigned)t->len);
	t->tries++;
	target_record(t, "sending");
	int rc = uv_udp_try_send(&t->udp, &b, 1, (const struct sockaddr *)&t->peer);
	if (rc < 0)
		log_debug("NOTIFY out: zone %s, peer %s: send: %s", t->zname, t->peer_text,
		          uv_strerror(rc));
}

static void target_on_timer(uv_timer_t *h)
{
	notify_target_t *t = h->data;
	if (t->tries >= NOTIFY_TRIES) {
		target_end(t, "gave up (no response)", true);
		return;
	}
	target_send(t);
	uv_timer_start(&t->timer, target_on_timer, (uint64_t)NOTIFY_FIRST_MS << t->tries, 0);
}

static bool same_addr(const struct sockaddr *a, const struct sockaddr_storage *b)
{
	if (a->sa_family != b->ss_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

static void target_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	notify_target_t *t = h->data;
	*buf = uv_buf_init((char *)t->rbuf, sizeof(t->rbuf));
}

static void target_on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                           const struct sockaddr *from, unsigned flags)
{
	(void)flags;
	notify_target_t *t = h->data;
	if (t->done || nread <= 0 || from == NULL || !same_addr(from, &t->peer))
		return;
	msg_t m;
	if (msg_parse(&m, (const uint8_t *)buf->base, (size_t)nread) != 0 || m.id != t->id ||
	    !(m.flags & MSG_FLAG_QR) || msg_opcode(&m) != MSG_OPCODE_NOTIFY)
		return; /* not the answer: keep waiting (RFC 1996 §4.7 spoofing) */
	if (t->signed_) {
		tsig_status_t st = tsig_ctx_verify(&t->tsig, &m, (uint64_t)time(NULL));
		if (st != TSIG_OK) {
			char why[64];
			snprintf(why, sizeof(why), "bad TSIG on the response (%d)", (int)st);
			target_end(t, why, true);
			return;
		}
	}
	unsigned rcode = msg_rcode(&m);
	if (rcode != MSG_RCODE_NOERROR) {
		char why[64];
		snprintf(why, sizeof(why), "refused (rcode %u)", rcode);
		target_end(t, why, true);
		return;
	}
	target_end(t, "acked", false);
}

/* Builds (and signs) t's NOTIFY message. */
static int target_build(notify_target_t *t, const zone_t *z, const conf_key_t *key)
{
	const zone_node_t *apex = zone_find(z, z->origin);
	zone_rrset_t soa;
	const uint8_t *rd;
	uint16_t rdlen;
	size_t pos = 0;
	if (apex == NULL || !zone_node_rrset(apex, RRTYPE_SOA, &soa) ||
	    !zone_rrset_next(&soa, &pos, &rd, &rdlen))
		return ERR_MALFORMED;
	msg_builder_t b;
	int rc = msg_build_init(&b, t->msg, sizeof(t->msg), t->id,
	                        MSG_FLAG_AA | MSG_FLAGS(MSG_OPCODE_NOTIFY, MSG_RCODE_NOERROR));
	size_t reserve = 0;
	if (rc == 0 && key != NULL) {
		memcpy(t->key.name, key->name, name_length(key->name));
		t->key.alg = (tsig_alg_t)key->algorithm;
		t->key.secret = key->secret;
		t->key.secret_len = key->secret_len;
		reserve = tsig_rr_size(&t->key);
		rc = msg_build_reserve(&b, reserve);
	}
	if (rc == 0)
		rc = msg_build_question(&b, z->origin, RRTYPE_SOA, RRCLASS_IN);
	if (rc == 0)
		rc = msg_build_rr(&b, MSG_SEC_ANSWER, z->origin, RRTYPE_SOA, RRCLASS_IN, soa.ttl,
		                  rd, rdlen);
	if (rc < 0)
		return rc;
	t->len = msg_build_len(&b);
	if (key != NULL) {
		msg_build_release(&b, reserve);
		rc = tsig_ctx_init(&t->tsig, &t->key);
		if (rc == 0)
			rc = tsig_ctx_sign(&t->tsig, t->msg, &t->len, sizeof(t->msg),
			                   (uint64_t)time(NULL));
		if (rc < 0)
			return rc;
		t->signed_ = true;
	}
	return 0;
}

static int target_start(notify_t *n, const conf_zone_t *zc, const zone_t *z,
                        const notify_dest_t *dest)
{
	const conf_addr_t *a = &dest->addr;
	/* a newer NOTIFY supersedes one still running */
	for (notify_target_t *o = n->head; o != NULL;) {
		notify_target_t *next = o->next;
		if (o->zc == zc && same_addr((const struct sockaddr *)&a->sa, &o->peer))
			target_end(o, "superseded by a newer serial", false);
		o = next;
	}
	notify_target_t *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->n = n;
	t->zc = zc;
	memcpy(&t->peer, &a->sa, a->len);
	daemon_addr_text((const struct sockaddr *)&a->sa, t->peer_text, sizeof(t->peer_text));
	if (name_to_text(z->origin, t->zname, sizeof(t->zname)) < 0)
		strcpy(t->zname, "?");
	t->serial = z->serial;
	clock_gettime(CLOCK_MONOTONIC, &t->start);
	if (getrandom(&t->id, sizeof(t->id), 0) != (ssize_t)sizeof(t->id))
		t->id = (uint16_t)rand();
	int rc = target_build(t, z, dest->key);
	if (rc < 0) {
		log_error("NOTIFY out: zone %s, peer %s: cannot build the message: %s", t->zname,
		          t->peer_text, err_str(rc));
		tsig_ctx_clear(&t->tsig);
		free(t);
		return rc;
	}
	uv_udp_init(n->loop, &t->udp);
	uv_timer_init(n->loop, &t->timer);
	t->udp.data = t->timer.data = t;
	t->refs = 2;
	t->next = n->head;
	n->head = t;
	struct sockaddr_storage any;
	memset(&any, 0, sizeof(any));
	any.ss_family = t->peer.ss_family;
	rc = uv_udp_bind(&t->udp, (const struct sockaddr *)&any, 0);
	if (rc == 0)
		rc = uv_udp_recv_start(&t->udp, target_alloc, target_on_recv);
	if (rc < 0) {
		char why[128];
		snprintf(why, sizeof(why), "failed: %s", uv_strerror(rc));
		target_end(t, why, true);
		return rc;
	}
	target_send(t);
	/* the loop's clock is stale after a reload that held the loop for
	 * seconds: without this the first retry would go out at once */
	uv_update_time(n->loop);
	uv_timer_start(&t->timer, target_on_timer, NOTIFY_FIRST_MS, 0);
	return 0;
}

/* ------------------------------------------------------- the NOTIFY set */

static bool is_unspecified(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr ==
		       INADDR_ANY;
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

static uint16_t port_of(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
}

static bool same_ip(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)(const void *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
	              &((const struct sockaddr_in6 *)(const void *)b)->sin6_addr,
	              sizeof(struct in6_addr)) == 0;
}

/* A loopback address, or an address of one of the host's interfaces. */
static bool is_local(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET &&
	    (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) == 127)
		return true;
	if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr))
		return true;
	struct ifaddrs *ifa = NULL;
	if (getifaddrs(&ifa) != 0)
		return false;
	bool hit = false;
	for (struct ifaddrs *i = ifa; i != NULL && !hit; i = i->ifa_next)
		hit = i->ifa_addr != NULL && same_ip(i->ifa_addr, sa);
	freeifaddrs(ifa);
	return hit;
}

bool notify_is_self(const conf_server_t *s, const struct sockaddr *sa)
{
	if (s == NULL || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return false;
	for (size_t i = 0; i < s->listen.n; i++) {
		const struct sockaddr *l = (const struct sockaddr *)&s->listen.v[i].sa;
		if (port_of(l) != port_of(sa))
			continue;
		if (same_ip(l, sa))
			return true;
		/* a wildcard; an IPv6 one may take IPv4 too (IPV6_V6ONLY off) */
		if (is_unspecified(l) &&
		    (l->sa_family == sa->sa_family || l->sa_family == AF_INET6) && is_local(sa))
			return true;
	}
	return false;
}

typedef struct {
	const conf_zone_t *zc;
	const char *zname;
	notify_dest_t *out;
	size_t cap, n;
	bool full_logged;
} dests_t;

/* Appends a unless it is listed already or is ourselves. */
static void dest_add(dests_t *ds, const conf_addr_t *a, const conf_key_t *key, bool ns)
{
	char text[80];
	for (size_t i = 0; i < ds->n; i++)
		if (same_addr((const struct sockaddr *)&a->sa, &ds->out[i].addr.sa))
			return;
	if (notify_is_self(ds->zc->server, (const struct sockaddr *)&a->sa)) {
		daemon_addr_text((const struct sockaddr *)&a->sa, text, sizeof(text));
		log_info("NOTIFY out: zone %s: %s is one of our own listen addresses: not notified",
		         ds->zname, text);
		return;
	}
	if (ds->n == ds->cap) {
		if (!ds->full_logged)
			log_warning("NOTIFY out: zone %s: more than %zu addresses to notify: the "
			            "rest is not notified",
			            ds->zname, ds->cap);
		ds->full_logged = true;
		return;
	}
	notify_dest_t *d = &ds->out[ds->n++];
	memset(d, 0, sizeof(*d));
	d->addr = *a;
	d->key = key;
	d->ns = ns;
}

/* Adds the addresses of the in-zone NS name ns (wire form, from z). */
static void dests_of_ns(dests_t *ds, const zone_t *z, const uint8_t *ns)
{
	char nstext[NAME_TEXT_MAXLEN];
	if (name_to_text(ns, nstext, sizeof(nstext)) < 0)
		strcpy(nstext, "?");
	if (!name_is_below(ns, z->origin)) {
		log_info("NOTIFY out: zone %s: NS %s is outside the zone: not notified (nsfleetd "
		         "does not resolve names; list it under notify: to notify it)",
		         ds->zname, nstext);
		return;
	}
	const zone_node_t *node = zone_find(z, ns);
	size_t found = 0;
	static const uint16_t types[] = {RRTYPE_A, RRTYPE_AAAA};
	for (size_t t = 0; node != NULL && t < 2; t++) {
		zone_rrset_t rs;
		if (!zone_node_rrset(node, types[t], &rs))
			continue;
		size_t pos = 0;
		const uint8_t *rd;
		uint16_t rdlen;
		while (zone_rrset_next(&rs, &pos, &rd, &rdlen)) {
			conf_addr_t a;
			memset(&a, 0, sizeof(a));
			if (types[t] == RRTYPE_A && rdlen == 4) {
				struct sockaddr_in *in = (struct sockaddr_in *)&a.sa;
				in->sin_family = AF_INET;
				in->sin_port = htons(NOTIFY_NS_PORT);
				memcpy(&in->sin_addr, rd, 4);
				a.len = sizeof(*in);
			} else if (types[t] == RRTYPE_AAAA && rdlen == 16) {
				struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a.sa;
				in6->sin6_family = AF_INET6;
				in6->sin6_port = htons(NOTIFY_NS_PORT);
				memcpy(&in6->sin6_addr, rd, 16);
				a.len = sizeof(*in6);
			} else {
				continue;
			}
			found++;
			dest_add(ds, &a, NULL, true);
		}
	}
	if (found == 0)
		log_info("NOTIFY out: zone %s: NS %s has no address in the zone: not notified",
		         ds->zname, nstext);
}

size_t notify_dests(const conf_zone_t *zc, const zone_t *z, notify_dest_t *out, size_t cap)
{
	char zname[NAME_TEXT_MAXLEN];
	if (name_to_text(z->origin, zname, sizeof(zname)) < 0)
		strcpy(zname, "?");
	dests_t ds = {.zc = zc, .zname = zname, .out = out, .cap = cap};
	for (size_t i = 0; i < zc->notify.n; i++) {
		const conf_remote_t *r = zc->notify.v[i];
		for (size_t k = 0; k < r->address.n; k++)
			dest_add(&ds, &r->address.v[k], r->key, false);
	}
	if (!zc->notify_ns)
		return ds.n;
	const zone_node_t *apex = zone_find(z, z->origin);
	zone_rrset_t ns, soa;
	const uint8_t *rd, *mname = NULL;
	uint16_t rdlen;
	size_t pos = 0;
	if (apex == NULL || !zone_node_rrset(apex, RRTYPE_NS, &ns))
		return ds.n;
	if (zone_node_rrset(apex, RRTYPE_SOA, &soa) && zone_rrset_next(&soa, &pos, &rd, &rdlen))
		mname = rd; /* the first field of SOA rdata, an uncompressed name */
	pos = 0;
	while (zone_rrset_next(&ns, &pos, &rd, &rdlen)) {
		if (mname != NULL && name_equal(rd, mname))
			continue; /* the primary master (RFC 1996 §3.3) */
		dests_of_ns(&ds, z, rd);
	}
	return ds.n;
}

int notify_new(uv_loop_t *loop, notify_t **out)
{
	notify_t *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	n->loop = loop;
	*out = n;
	return 0;
}

int notify_zone(notify_t *n, const conf_zone_t *zc, const zone_t *z)
{
	if (n == NULL)
		return 0;
	notify_dest_t *d = calloc(NOTIFY_MAX_DESTS, sizeof(*d));
	if (d == NULL) {
		log_error("NOTIFY out: out of memory");
		return 0;
	}
	size_t nd = notify_dests(zc, z, d, NOTIFY_MAX_DESTS);
	int started = 0;
	for (size_t i = 0; i < nd; i++)
		if (target_start(n, zc, z, &d[i]) == 0)
			started++;
	free(d);
	return started;
}

void notify_stop(notify_t *n)
{
	if (n == NULL)
		return;
	while (n->head != NULL) {
		notify_target_t *t = n->head;
		n->head = t->next;
		t->n = NULL;
		target_end(t, NULL, false);
	}
	free(n->recs);
	free(n);
}
