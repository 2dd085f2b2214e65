/*
 * NOTIFY out (RFC 1996); the state machine is in notify.h.
 */
#include "server/notify.h"

#include <errno.h>
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

struct notify {
	uv_loop_t *loop;
	notify_target_t *head; /* running targets */
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

static int target_start(notify_t *n, const conf_zone_t *zc, const zone_t *z, const conf_remote_t *r,
                        const conf_addr_t *a)
{
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
	int rc = target_build(t, z, r->key);
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
	uv_timer_start(&t->timer, target_on_timer, NOTIFY_FIRST_MS, 0);
	return 0;
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
	int started = 0;
	for (size_t i = 0; i < zc->notify.n; i++) {
		const conf_remote_t *r = zc->notify.v[i];
		for (size_t k = 0; k < r->address.n; k++)
			if (target_start(n, zc, z, r, &r->address.v[k]) == 0)
				started++;
	}
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
	free(n);
}
