/*
 * The drill's load: A questions for unique names (q<i>-<run>.<suffix>,
 * under the lab zone's wildcard *.drill) sent to the resolver at a fixed
 * rate, each answer checked against the zone's address.  Unique names
 * make every question miss the resolver's cache, so each one reaches the
 * authoritative servers (the wildcard's A is never cached for another
 * name).  The load is bounded in count (max_queries) and time (max_ms).
 *
 * It runs a libuv loop in a thread of its own so that the scenario in the
 * main thread may block (kill, nft, polling serials).  The two threads
 * share only the samples array, read by the main thread after the join,
 * and an atomic "sent so far" counter.  Its socket lives in the network
 * namespace of the thread that called drill_load_start (threads inherit
 * it at creation).
 *
 *   send timer (every 1000/rate ms, catching up) -> uv_udp_try_send
 *   recv -> msg_parse -> id and question name -> drill_answer_check
 *   sweep timer (every 50 ms) -> questions older than timeout: TIMEOUT
 *   async stop -> no more sends; sweep until none pending or timeout_ms
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <openssl/rand.h>
#include <uv.h>

#include "common/err.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "tools/drill.h"

struct drill_load {
	drill_load_conf_t c;
	drill_sample_t *s;
	_Atomic size_t sent;
	size_t sweep; /* every sample before it is resolved */
	char run[16];
	uv_loop_t loop;
	uv_udp_t udp;
	uv_timer_t send_t, sweep_t;
	uv_async_t stop_a;
	uv_thread_t thread;
	struct sockaddr_in to;
	double t_start, t_stop;
	bool stopping, started, failed;
	int err;
	uint8_t rbuf[4096];
};

double drill_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

volatile sig_atomic_t drill_interrupted;

void drill_sleep_ms(double ms)
{
	double end = drill_now() + ms;
	while (!drill_interrupted) {
		double left = end - drill_now();
		if (left <= 0)
			return;
		if (left > 100)
			left = 100; /* wakes up to look at the flag */
		struct timespec ts = {0, (long)(left * 1e6)};
		nanosleep(&ts, NULL);
	}
}

static double rel_now(const drill_load_t *l)
{
	return drill_now() - l->c.t0;
}

static void send_one(drill_load_t *l)
{
	size_t i = atomic_load(&l->sent);
	char text[LAB_DNAME_MAX + 48];
	uint8_t qname[NAME_MAXLEN], q[512];
	size_t qlen;
	static const uint8_t root[1] = {0};
	msg_builder_t *b = malloc(sizeof(*b));
	drill_sample_t *s = &l->s[i];
	s->t = rel_now(l);
	s->lat = 0;
	s->res = DRILL_ANS_FAIL;
	snprintf(text, sizeof(text), "q%zu-%s.%s", i, l->run, l->c.suffix);
	if (b != NULL && name_from_text(text, strlen(text), root, qname, &qlen) == 0 &&
	    msg_build_init(b, q, sizeof(q), (uint16_t)(i & 0xffff),
	                   MSG_FLAGS(MSG_OPCODE_QUERY, 0) | MSG_FLAG_RD) == 0 &&
	    msg_build_question(b, qname, 1, 1) == 0) {
		uv_buf_t buf = uv_buf_init((char *)q, (unsigned)msg_build_len(b));
		if (uv_udp_try_send(&l->udp, &buf, 1, (const struct sockaddr *)&l->to) >= 0)
			s->res = DRILL_ANS_PENDING;
	}
	free(b);
	atomic_store(&l->sent, i + 1);
}

static void on_send_timer(uv_timer_t *t)
{
	drill_load_t *l = t->data;
	if (l->stopping)
		return;
	double now = rel_now(l), el = now - l->t_start;
	if (el > l->c.max_ms) {
		uv_timer_stop(t);
		return;
	}
	size_t due = (size_t)(el * l->c.rate / 1000.0) + 1;
	while (atomic_load(&l->sent) < due && atomic_load(&l->sent) < l->c.max_queries)
		send_one(l);
	if (atomic_load(&l->sent) >= l->c.max_queries)
		uv_timer_stop(t);
}

static void finish(drill_load_t *l)
{
	uv_timer_stop(&l->send_t);
	uv_timer_stop(&l->sweep_t);
	uv_udp_recv_stop(&l->udp);
	uv_close((uv_handle_t *)&l->send_t, NULL);
	uv_close((uv_handle_t *)&l->sweep_t, NULL);
	uv_close((uv_handle_t *)&l->udp, NULL);
	uv_close((uv_handle_t *)&l->stop_a, NULL);
}

static void on_sweep(uv_timer_t *t)
{
	drill_load_t *l = t->data;
	double now = rel_now(l);
	size_t sent = atomic_load(&l->sent);
	for (size_t i = l->sweep; i < sent; i++) {
		drill_sample_t *s = &l->s[i];
		if (s->res != DRILL_ANS_PENDING)
			continue;
		if (now - s->t < l->c.timeout_ms)
			break;
		s->res = DRILL_ANS_TIMEOUT;
		s->lat = (float)l->c.timeout_ms;
	}
	while (l->sweep < sent && l->s[l->sweep].res != DRILL_ANS_PENDING)
		l->sweep++;
	if (l->stopping && (l->sweep == sent || now - l->t_stop > l->c.timeout_ms + 500)) {
		for (size_t i = l->sweep; i < sent; i++)
			if (l->s[i].res == DRILL_ANS_PENDING) {
				l->s[i].res = DRILL_ANS_TIMEOUT;
				l->s[i].lat = (float)l->c.timeout_ms;
			}
		finish(l);
	}
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	drill_load_t *l = h->data;
	(void)hint;
	*buf = uv_buf_init((char *)l->rbuf, sizeof(l->rbuf));
}

/* The index a reply answers: its first label is q<i>-<run>; SIZE_MAX when
 * it is not one of ours. */
static size_t reply_index(const drill_load_t *l, const msg_t *m)
{
	if (!m->has_question || m->qtype != 1 || m->qname_len < 2)
		return SIZE_MAX;
	char label[64];
	size_t ll = m->qname[0];
	if (ll == 0 || ll > 63)
		return SIZE_MAX;
	memcpy(label, m->qname + 1, ll);
	label[ll] = '\0';
	char *end;
	if (label[0] != 'q' && label[0] != 'Q')
		return SIZE_MAX;
	unsigned long long i = strtoull(label + 1, &end, 10);
	if (*end != '-' || strcasecmp(end + 1, l->run) != 0)
		return SIZE_MAX;
	if ((uint16_t)(i & 0xffff) != m->id || i >= atomic_load(&l->sent))
		return SIZE_MAX;
	return (size_t)i;
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *from,
                    unsigned flags)
{
	drill_load_t *l = h->data;
	(void)flags;
	if (nread <= 0 || from == NULL)
		return;
	msg_t *m = malloc(sizeof(*m));
	if (m == NULL)
		return;
	if (msg_parse(m, (const uint8_t *)buf->base, (size_t)nread) == 0 &&
	    (m->flags & MSG_FLAG_QR)) {
		size_t i = reply_index(l, m);
		if (i != SIZE_MAX && l->s[i].res == DRILL_ANS_PENDING) {
			uint8_t addr[16][4], rdata[RDATA_MAXLEN];
			size_t na = 0;
			msg_iter_t it;
			msg_rr_t rr;
			msg_iter_init_section(&it, m, MSG_SEC_ANSWER);
			while (msg_rr_next(&it, &rr, rdata, sizeof(rdata)) == 0)
				if (rr.type == 1 && rr.rdlen == 4 && na < 16)
					memcpy(addr[na++], rr.rdata, 4);
			l->s[i].res = (uint8_t)drill_answer_check(
			    msg_rcode(m), (const uint8_t(*)[4])addr, na, l->c.expect);
			l->s[i].lat = (float)(rel_now(l) - l->s[i].t);
		}
	}
	free(m);
}

static void on_stop(uv_async_t *a)
{
	drill_load_t *l = a->data;
	if (l->stopping)
		return;
	l->stopping = true;
	l->t_stop = rel_now(l);
	uv_timer_stop(&l->send_t);
}

static void load_thread(void *arg)
{
	drill_load_t *l = arg;
	uv_run(&l->loop, UV_RUN_DEFAULT);
}

int drill_load_start(const drill_load_conf_t *c, drill_load_t **out)
{
	drill_load_t *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->c = *c;
	if (l->c.rate == 0)
		l->c.rate = 1;
	if (l->c.max_queries == 0)
		l->c.max_queries = 1;
	l->s = calloc(l->c.max_queries, sizeof(*l->s));
	if (l->s == NULL) {
		free(l);
		return -ENOMEM;
	}
	unsigned char r[4];
	if (RAND_bytes(r, sizeof(r)) != 1)
		memset(r, 0x5a, sizeof(r));
	snprintf(l->run, sizeof(l->run), "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
	l->to.sin_family = AF_INET;
	l->to.sin_port = htons(c->port);
	int rc = ERR_INVAL;
	if (inet_pton(AF_INET, c->addr, &l->to.sin_addr) != 1)
		goto fail;
	if ((rc = uv_loop_init(&l->loop)) != 0)
		goto fail;
	uv_udp_init(&l->loop, &l->udp);
	uv_timer_init(&l->loop, &l->send_t);
	uv_timer_init(&l->loop, &l->sweep_t);
	uv_async_init(&l->loop, &l->stop_a, on_stop);
	l->udp.data = l->send_t.data = l->sweep_t.data = l->stop_a.data = l;
	struct sockaddr_in any = {.sin_family = AF_INET};
	/* a big receive buffer: the answers of a burst after a recovery */
	if ((rc = uv_udp_bind(&l->udp, (const struct sockaddr *)&any, 0)) != 0 ||
	    (rc = uv_udp_recv_start(&l->udp, on_alloc, on_recv)) != 0) {
		finish(l);
		uv_run(&l->loop, UV_RUN_DEFAULT);
		uv_loop_close(&l->loop);
		goto fail;
	}
	int sz = 1 << 20;
	uv_recv_buffer_size((uv_handle_t *)&l->udp, &sz);
	l->t_start = rel_now(l);
	unsigned every = 1000 / l->c.rate;
	uv_timer_start(&l->send_t, on_send_timer, 0, every ? every : 1);
	uv_timer_start(&l->sweep_t, on_sweep, 50, 50);
	if ((rc = uv_thread_create(&l->thread, load_thread, l)) != 0) {
		finish(l);
		uv_run(&l->loop, UV_RUN_DEFAULT);
		uv_loop_close(&l->loop);
		goto fail;
	}
	l->started = true;
	*out = l;
	return 0;
fail:
	free(l->s);
	free(l);
	return rc;
}

void drill_load_stop(drill_load_t *l)
{
	if (l == NULL || !l->started)
		return;
	uv_async_send(&l->stop_a);
	uv_thread_join(&l->thread);
	uv_loop_close(&l->loop);
	l->started = false;
}

const drill_sample_t *drill_load_samples(const drill_load_t *l, size_t *n)
{
	*n = atomic_load(&((drill_load_t *)l)->sent);
	return l->s;
}

void drill_load_free(drill_load_t *l)
{
	if (l == NULL)
		return;
	drill_load_stop(l);
	free(l->s);
	free(l);
}
