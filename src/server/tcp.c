/*
 * TCP front end: libuv event loops, one per TCP thread, each with its own
 * listening socket per address in an SO_REUSEPORT group (the kernel
 * spreads new connections over the threads; no shared accept queue, no
 * lock).  We chose event loops over a thread per connection because a
 * slow or silent client must not hold a worker (RFC 7766 §6.2.2): every
 * read and write is non-blocking and a connection costs a few buffers.
 * libuv 1.44 has no SO_REUSEPORT flag for uv_tcp_bind, so we make and
 * bind the socket ourselves and hand it to uv_tcp_open.
 *
 * One connection:
 *
 *   read ──► rbuf: [len][query][len][query]...   (any split: partial reads)
 *              │ complete frames, in order (pipelining, RFC 7766 §6.2.1.1)
 *              ▼
 *          answer_query ──► pend: [len][answer]...  ──► uv_write (fly)
 *              │ ANSWER_XFR                                 │ done
 *              ▼                                            ▼
 *          xfrout: next message into pend, only when pend is small again
 *
 * Answers go out in query order: while a transfer runs, later queries
 * wait in rbuf.  Backpressure: when pend holds TCP_PEND_HIGH octets (the
 * client does not read) we stop reading and stop generating; the idle
 * timer keeps running, so a client that neither reads nor writes for
 * idle_ms is closed (RFC 7766 §6.2.3), whatever it left undone.  The
 * timer restarts on every read and every completed write.
 *
 * Connection limit: beyond max_clients (all threads together, one atomic
 * counter), a new connection is accepted and closed at once, so that it
 * does not linger in the kernel's backlog.
 *
 * Memory: a connection's buffers grow to the largest message it saw and
 * are then reused; answers are built in a per-thread scratch buffer and
 * copied into pend (one memcpy, no allocation in the steady state).
 */
#include "server/tcp.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <urcu/urcu-memb.h>
#include <uv.h>

#include "common/err.h"
#include "dns/msg.h"
#include "dns/rrtype.h"
#include "server/answer_tsig.h"
#include "server/log.h"
#include "server/refresh.h"
#include "server/xfrout.h"

#define TCP_RBUF_MIN  4096
#define TCP_RBUF_MAX  (2 + MSG_MAXLEN + 16384) /* a whole frame and more */
#define TCP_PEND_HIGH (64 * 1024)              /* stop reading/generating above */
#define TCP_BACKLOG   128

typedef struct tcp_thread tcp_thread_t;

typedef struct {
	uint8_t *p;
	size_t len, cap;
} tcp_buf_t;

typedef struct {
	uv_tcp_t h; /* first: handle <-> connection */
	uv_timer_t timer;
	uv_write_t wreq;
	tcp_thread_t *t;
	int refs; /* handles not yet closed */
	bool closing, writing, reading, eof;
	struct sockaddr_storage peer;
	char peer_text[80];
	uint8_t *rbuf;
	size_t rpos, rlen, rcap; /* unread frames in rbuf[rpos..rlen) */
	tcp_buf_t pend, fly;
	xfrout_t *xfr;
} tcp_conn_t;

struct tcp_thread {
	tcp_t *tcp;
	uv_loop_t loop;
	uv_async_t stop;
	uv_tcp_t *listeners;
	size_t nlisteners;
	pthread_t thread;
	bool started;
	answer_opts_t opts;
	uint8_t scratch[MSG_MAXLEN];
};

struct tcp {
	daemon_t *d;
	tcp_opts_t o;
	atomic_uint clients;
	size_t n;
	tcp_thread_t **t;
};

/* a tag in handle->data for uv_walk: which handles are connections */
static char tag_listener, tag_async;

static void conn_process(tcp_conn_t *c);

static void conn_on_close(uv_handle_t *h)
{
	tcp_conn_t *c = h->data;
	if (--c->refs > 0)
		return;
	atomic_fetch_sub(&c->t->tcp->clients, 1);
	free(c->rbuf);
	free(c->pend.p);
	free(c->fly.p);
	free(c);
}

static void conn_close(tcp_conn_t *c, const char *why)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->xfr != NULL) {
		zone_t *z = xfrout_end(c->xfr, why ? why : "connection closed");
		daemon_zone_release(c->t->tcp->d, z);
		c->xfr = NULL;
	}
	uv_close((uv_handle_t *)&c->h, conn_on_close);
	uv_close((uv_handle_t *)&c->timer, conn_on_close);
}

static void conn_on_timeout(uv_timer_t *timer)
{
	tcp_conn_t *c = timer->data;
	log_debug("tcp: %s idle for %u ms, closing", c->peer_text, c->t->tcp->o.idle_ms);
	conn_close(c, "idle timeout (the peer stopped reading)");
}

static void conn_touch(tcp_conn_t *c)
{
	uv_timer_start(&c->timer, conn_on_timeout, c->t->tcp->o.idle_ms, 0);
}

static int buf_reserve(tcp_buf_t *b, size_t more)
{
	if (b->cap - b->len >= more)
		return 0;
	size_t cap = b->cap ? b->cap : 512;
	while (cap - b->len < more)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (p == NULL)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Appends one framed message (RFC 7766 §8: 2-octet length, then it). */
static int conn_queue(tcp_conn_t *c, const uint8_t *msg, size_t len)
{
	if (buf_reserve(&c->pend, len + 2) < 0)
		return -ENOMEM;
	c->pend.p[c->pend.len] = (uint8_t)(len >> 8);
	c->pend.p[c->pend.len + 1] = (uint8_t)len;
	memcpy(c->pend.p + c->pend.len + 2, msg, len);
	c->pend.len += len + 2;
	return 0;
}

static void conn_on_write(uv_write_t *req, int status)
{
	tcp_conn_t *c = req->data;
	c->writing = false;
	c->fly.len = 0;
	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c, uv_strerror(status));
		return;
	}
	conn_touch(c);
	conn_process(c);
}

static void conn_flush(tcp_conn_t *c)
{
	if (c->writing || c->pend.len == 0 || c->closing)
		return;
	tcp_buf_t tmp = c->fly;
	c->fly = c->pend;
	c->pend = tmp;
	c->pend.len = 0;
	uv_buf_t b = uv_buf_init((char *)c->fly.p, (unsigned)c->fly.len);
	c->wreq.data = c;
	int rc = uv_write(&c->wreq, (uv_stream_t *)&c->h, &b, 1, conn_on_write);
	if (rc < 0) {
		conn_close(c, uv_strerror(rc));
		return;
	}
	c->writing = true;
}

/* Starts a transfer for the query q (answer_query said ANSWER_XFR), or
 * queues REFUSED.  Returns 0 or -ENOMEM. */
static int conn_start_xfr(tcp_conn_t *c, const zonedb_t *db, const uint8_t *q, size_t qlen)
{
	daemon_t *d = c->t->tcp->d;
	msg_t m;
	if (msg_parse(&m, q, qlen) != 0 || !m.has_question)
		return 0; /* answer_query vouched for it; be safe: no answer */
	const zone_t *z = zonedb_get(db, m.qname);
	const char *kind = m.qtype == RRTYPE_IXFR ? "IXFR" : "AXFR";
	char zname[NAME_TEXT_MAXLEN];
	if (name_to_text(m.qname, zname, sizeof(zname)) < 0)
		strcpy(zname, "?");
	tsig_req_t req;
	xfrout_auth_t auth =
	    z == NULL ? XFROUT_DENY
	              : xfrout_authorize(d->conf, &m, z->origin, (struct sockaddr *)&c->peer, &req);
	if (auth != XFROUT_ALLOW) {
		/* RFC 5936 §2.2: the server may refuse; the log says who */
		log_warning("%s out refused: zone %s, peer %s%s", kind, zname, c->peer_text,
		            z == NULL                ? " (not served)"
		            : auth == XFROUT_BADTSIG ? " (TSIG does not verify)"
		                                     : " (not allowed by the ACL)");
		size_t len;
		int rc = auth == XFROUT_BADTSIG
		             ? xfrout_tsig_error(q, qlen, &req, c->t->scratch,
		                                 sizeof(c->t->scratch), &len)
		             : xfrout_refused(q, qlen, c->t->scratch, sizeof(c->t->scratch), &len);
		if (rc == 0)
			return conn_queue(c, c->t->scratch, len);
		return 0;
	}
	zone_t *held = daemon_zone_hold(d, z);
	if (held == NULL)
		return -ENOMEM;
	c->xfr = xfrout_new(held, &m, d->journal, m.has_tsig ? &req : NULL, c->peer_text);
	if (c->xfr == NULL) {
		daemon_zone_release(d, held);
		return -ENOMEM;
	}
	log_info("%s out started: zone %s, peer %s, serial %u", kind, zname, c->peer_text,
	         held->serial);
	return 0;
}

/* Answers one framed query. */
static int conn_query(tcp_conn_t *c, const uint8_t *q, size_t qlen)
{
	tcp_thread_t *t = c->t;
	t->opts.client = (const struct sockaddr *)&c->peer;
	t->opts.client_len = c->peer.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                                   : sizeof(struct sockaddr_in);
	t->opts.now = (uint32_t)time(NULL);
	size_t len = 0;
	int rc = 0;
	urcu_memb_read_lock();
	const zonedb_t *db = daemon_db_get(t->tcp->d);
	int ar = answer_query(db, &t->opts, q, qlen, t->scratch, sizeof(t->scratch), &len);
	if (ar == ANSWER_NOTIFY && refresh_notify_answer(t->tcp->d, q, qlen, t->opts.client,
	                                                 t->scratch, sizeof(t->scratch),
	                                                 &len) == 0)
		ar = 0;
	if (ar == ANSWER_TSIG)
		ar = answer_signed(t->tcp->d->conf, db, &t->opts, q, qlen, t->scratch,
		                   sizeof(t->scratch), &len);
	if (ar == ANSWER_XFR)
		rc = conn_start_xfr(c, db, q, qlen);
	urcu_memb_read_unlock();
	if (ar == 0 && len > 0)
		rc = conn_queue(c, t->scratch, len);
	else if (ar != ANSWER_XFR)
		rc = 0; /* ANSWER_DROP: nothing to send */
	return rc;
}

/* Runs the transfer until pend is full enough or it ends. */
static int conn_pump_xfr(tcp_conn_t *c)
{
	while (c->xfr != NULL && c->pend.len < TCP_PEND_HIGH) {
		size_t len = 0;
		int rc = xfrout_next(c->xfr, c->t->scratch, sizeof(c->t->scratch), &len);
		if (rc == ERR_NOTFOUND) {
			daemon_zone_release(c->t->tcp->d, xfrout_end(c->xfr, NULL));
			c->xfr = NULL;
			break;
		}
		if (rc < 0) {
			/* the stream cannot be finished: closing tells the
			 * client it is incomplete (RFC 5936 §2.2) */
			conn_close(c, err_str(rc));
			return rc;
		}
		if (conn_queue(c, c->t->scratch, len) < 0) {
			conn_close(c, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

static void conn_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	tcp_conn_t *c = h->data;
	if (c->rpos > 0 && (c->rpos == c->rlen || c->rcap - c->rlen < TCP_RBUF_MIN)) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	if (c->rcap - c->rlen < TCP_RBUF_MIN && c->rcap < TCP_RBUF_MAX) {
		size_t cap = c->rcap ? c->rcap * 2 : TCP_RBUF_MIN;
		if (cap > TCP_RBUF_MAX)
			cap = TCP_RBUF_MAX;
		uint8_t *p = realloc(c->rbuf, cap);
		if (p != NULL) {
			c->rbuf = p;
			c->rcap = cap;
		}
	}
	*buf = uv_buf_init((char *)c->rbuf + c->rlen, (unsigned)(c->rcap - c->rlen));
}

static void conn_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	(void)buf;
	tcp_conn_t *c = s->data;
	if (c->closing)
		return;
	if (n == UV_ENOBUFS || n == 0)
		return; /* the buffer is full of frames we wait to answer */
	if (n == UV_EOF) {
		c->eof = true;
		uv_read_stop(s);
		c->reading = false;
		conn_process(c);
		return;
	}
	if (n < 0) {
		conn_close(c, uv_strerror((int)n));
		return;
	}
	c->rlen += (size_t)n;
	conn_touch(c);
	conn_process(c);
}

/*
 * The connection's heart: answers the complete frames in order, pumps a
 * running transfer, writes, and decides whether to read more.
 */
static void conn_process(tcp_conn_t *c)
{
	while (!c->closing && c->pend.len < TCP_PEND_HIGH) {
		if (c->xfr != NULL) {
			if (conn_pump_xfr(c) < 0)
				return;
			if (c->xfr != NULL)
				break; /* pend is full: wait for the write */
			continue;
		}
		size_t avail = c->rlen - c->rpos;
		if (avail < 2)
			break;
		size_t flen = (size_t)c->rbuf[c->rpos] << 8 | c->rbuf[c->rpos + 1];
		if (avail < 2 + flen)
			break; /* a partial frame: read on */
		const uint8_t *q = c->rbuf + c->rpos + 2;
		c->rpos += 2 + flen;
		if (conn_query(c, q, flen) < 0) {
			conn_close(c, "out of memory");
			return;
		}
	}
	if (c->closing)
		return;
	conn_flush(c);
	if (c->closing)
		return;
	bool busy = c->xfr != NULL || c->pend.len >= TCP_PEND_HIGH;
	bool want = !busy && !c->eof;
	if (want && !c->reading) {
		if (uv_read_start((uv_stream_t *)&c->h, conn_on_alloc, conn_on_read) == 0)
			c->reading = true;
	} else if (!want && c->reading) {
		uv_read_stop((uv_stream_t *)&c->h);
		c->reading = false;
	}
	/* the client half-closed and everything it asked is answered
	 * (RFC 7766 §6.2.4: the server may then close) */
	if (c->eof && !c->writing && c->pend.len == 0 && c->xfr == NULL) {
		size_t avail = c->rlen - c->rpos;
		bool frame = avail >= 2 &&
		             avail >= 2 + ((size_t)c->rbuf[c->rpos] << 8 | c->rbuf[c->rpos + 1]);
		if (!frame)
			conn_close(c, NULL);
	}
}

static void tcp_free_handle(uv_handle_t *h)
{
	free(h);
}

static void tcp_on_connection(uv_stream_t *server, int status)
{
	tcp_thread_t *t = server->loop->data;
	if (status < 0) {
		log_warning("tcp: accept: %s", uv_strerror(status));
		return;
	}
	tcp_conn_t *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		/* accept and drop, or the listener stays readable forever */
		uv_tcp_t *tmp = malloc(sizeof(*tmp));
		if (tmp != NULL && uv_tcp_init(&t->loop, tmp) == 0) {
			uv_accept(server, (uv_stream_t *)tmp);
			uv_close((uv_handle_t *)tmp, tcp_free_handle);
		} else {
			free(tmp);
		}
		return;
	}
	c->t = t;
	uv_tcp_init(&t->loop, &c->h);
	uv_timer_init(&t->loop, &c->timer);
	c->h.data = c;
	c->timer.data = c;
	c->refs = 2;
	atomic_fetch_add(&t->tcp->clients, 1);
	if (uv_accept(server, (uv_stream_t *)&c->h) < 0) {
		conn_close(c, NULL);
		return;
	}
	int plen = sizeof(c->peer);
	uv_tcp_getpeername(&c->h, (struct sockaddr *)&c->peer, &plen);
	daemon_addr_text((struct sockaddr *)&c->peer, c->peer_text, sizeof(c->peer_text));
	if (atomic_load(&t->tcp->clients) > t->tcp->o.max_clients) {
		log_debug("tcp: %s refused: %u connections already", c->peer_text,
		          t->tcp->o.max_clients);
		conn_close(c, NULL);
		return;
	}
	uv_tcp_nodelay(&c->h, 1);
	conn_touch(c);
	conn_process(c);
}

static void tcp_walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (uv_is_closing(h))
		return;
	if (h->data == &tag_listener || h->data == &tag_async) {
		uv_close(h, NULL);
		return;
	}
	if (h->type == UV_TCP)
		conn_close(h->data, "server stopping");
	/* a connection's timer closes with its connection */
}

static void tcp_on_stop(uv_async_t *a)
{
	tcp_thread_t *t = a->loop->data;
	uv_walk(&t->loop, tcp_walk_close, NULL);
}

static void *tcp_thread_main(void *arg)
{
	tcp_thread_t *t = arg;
	urcu_memb_register_thread();
	uv_run(&t->loop, UV_RUN_DEFAULT);
	urcu_memb_unregister_thread();
	return NULL;
}

static void tcp_thread_free(tcp_thread_t *t)
{
	if (t == NULL)
		return;
	/* close what is still open (a thread that never ran) */
	uv_walk(&t->loop, tcp_walk_close, NULL);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	uv_loop_close(&t->loop);
	free(t->listeners);
	free(t);
}

void tcp_stop(tcp_t *tcp)
{
	if (tcp == NULL)
		return;
	for (size_t i = 0; i < tcp->n; i++)
		if (tcp->t[i]->started)
			uv_async_send(&tcp->t[i]->stop);
	for (size_t i = 0; i < tcp->n; i++) {
		if (tcp->t[i]->started)
			pthread_join(tcp->t[i]->thread, NULL);
		tcp_thread_free(tcp->t[i]);
	}
	free(tcp->t);
	free(tcp);
}

static int tcp_thread_new(tcp_t *tcp, const conf_addr_t *addrs, size_t naddrs, tcp_thread_t **out)
{
	tcp_thread_t *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->tcp = tcp;
	t->listeners = calloc(naddrs + 1, sizeof(*t->listeners));
	int rc = t->listeners ? uv_loop_init(&t->loop) : -ENOMEM;
	if (rc < 0) {
		free(t->listeners);
		free(t);
		return rc;
	}
	t->loop.data = t;
	*out = t;
	daemon_answer_opts(tcp->d, &t->opts);
	t->opts.tcp = true;
	uv_async_init(&t->loop, &t->stop, tcp_on_stop);
	t->stop.data = &tag_async;
	for (size_t a = 0; a < naddrs; a++) {
		const struct sockaddr *sa = (const struct sockaddr *)&addrs[a].sa;
		int fd = daemon_socket(sa, addrs[a].len, SOCK_STREAM, true);
		if (fd < 0)
			return fd;
		uv_tcp_t *l = &t->listeners[t->nlisteners];
		uv_tcp_init(&t->loop, l);
		l->data = &tag_listener;
		t->nlisteners++;
		rc = uv_tcp_open(l, fd);
		if (rc < 0) {
			close(fd);
			return rc;
		}
		rc = uv_listen((uv_stream_t *)l, TCP_BACKLOG, tcp_on_connection);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int tcp_start(daemon_t *d, const conf_addr_t *addrs, size_t naddrs, const tcp_opts_t *o,
              tcp_t **out)
{
	*out = NULL;
	tcp_t *tcp = calloc(1, sizeof(*tcp));
	if (tcp == NULL)
		return -ENOMEM;
	tcp->d = d;
	tcp->o = *o;
	if (tcp->o.threads == 0)
		tcp->o.threads = 1;
	if (tcp->o.idle_ms == 0)
		tcp->o.idle_ms = 10000;
	if (tcp->o.max_clients == 0)
		tcp->o.max_clients = 1000;
	atomic_init(&tcp->clients, 0);
	tcp->t = calloc(tcp->o.threads, sizeof(*tcp->t));
	if (tcp->t == NULL) {
		free(tcp);
		return -ENOMEM;
	}
	int rc = 0;
	for (size_t a = 0; a < naddrs && rc == 0; a++) {
		rc = daemon_addr_free((const struct sockaddr *)&addrs[a].sa, addrs[a].len,
		                      SOCK_STREAM);
		if (rc < 0) {
			char text[80];
			daemon_addr_text((const struct sockaddr *)&addrs[a].sa, text, sizeof(text));
			log_error("cannot listen on %s (TCP): %s", text, strerror(-rc));
		}
	}
	for (unsigned i = 0; i < tcp->o.threads && rc == 0; i++) {
		tcp_thread_t *t = NULL;
		rc = tcp_thread_new(tcp, addrs, naddrs, &t);
		if (t != NULL)
			tcp->t[tcp->n++] = t;
		if (rc < 0)
			log_error("cannot listen on TCP: %s", uv_strerror(rc));
	}
	if (rc == 0) {
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		for (size_t i = 0; i < tcp->n && rc == 0; i++) {
			rc = -pthread_create(&tcp->t[i]->thread, NULL, tcp_thread_main, tcp->t[i]);
			tcp->t[i]->started = rc == 0;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc < 0)
			log_error("cannot start TCP threads: %s", strerror(-rc));
	}
	if (rc < 0) {
		tcp_stop(tcp);
		return rc;
	}
	*out = tcp;
	return 0;
}
