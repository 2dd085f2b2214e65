/*
 * UDP workers.  One thread per (listen address, worker), each blocking in
 * recvmmsg() on its own SO_REUSEPORT socket: the kernel spreads datagrams
 * over the group by 4-tuple hash, so there is no shared queue, no lock and
 * no wake-up storm.
 *
 * A batch (RFC 1035 §4.2.1: one query per datagram, one answer back):
 *
 *   recvmmsg (up to UDP_BATCH, MSG_WAITFORONE: waits for the first only)
 *     -> urcu read lock, db = current zone set
 *     -> answer_query() for each datagram into this thread's out buffers
 *     -> urcu read unlock
 *     -> sendmmsg of the answers (ANSWER_DROP: no reply; ANSWER_XFR
 *        cannot happen over UDP as answer_query answers AXFR/IXFR there
 *        itself, so it is dropped too)
 *
 * RCU flavour: urcu-memb.  Its read lock is a thread-local counter update
 * and a compiler barrier (the writer pays with membarrier(2)), within a
 * few nanoseconds of urcu-qsbr per batch, without qsbr's duty to announce
 * quiescent states: a qsbr worker blocked in recvmmsg would have to go
 * "offline" around every receive, and the TCP threads sleeping in
 * epoll_wait inside libuv would have to as well, or they would stall every
 * reload forever.  memb also is the flavour the build already links
 * (pkg-config liburcu).  The read-side section covers only the answering
 * of one batch, never a blocking call.
 */
#include "server/udp.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <urcu/urcu-memb.h>

#include "server/answer_tsig.h"
#include "server/log.h"
#include "server/refresh.h"

#define UDP_BATCH   64
#define UDP_IN_MAX  4096 /* larger queries arrive truncated (MSG_TRUNC): dropped */
#define UDP_OUT_MAX 4096 /* >= the largest udp_max_payload (conf: 512..4096) */

typedef struct {
	daemon_t *d;
	udp_t *u;
	int fd;
	pthread_t thread;
	bool started;
	/* the batch, allocated once when the thread is made */
	struct mmsghdr in[UDP_BATCH], out[UDP_BATCH];
	struct iovec in_iov[UDP_BATCH], out_iov[UDP_BATCH];
	struct sockaddr_storage peer[UDP_BATCH];
	uint8_t inbuf[UDP_BATCH][UDP_IN_MAX];
	uint8_t outbuf[UDP_BATCH][UDP_OUT_MAX];
} udp_worker_t;

struct udp {
	daemon_t *d;
	atomic_bool stop;
	size_t n;
	udp_worker_t **w;
};

static void udp_answer_batch(udp_worker_t *w, unsigned n, answer_opts_t *o)
{
	unsigned k = 0;
	o->now = (uint32_t)time(NULL);
	urcu_memb_read_lock();
	const zonedb_t *db = daemon_db_get(w->d);
	for (unsigned i = 0; i < n; i++) {
		struct msghdr *h = &w->in[i].msg_hdr;
		if (h->msg_flags & MSG_TRUNC)
			continue; /* larger than any query we take */
		o->client = (const struct sockaddr *)&w->peer[i];
		o->client_len = h->msg_namelen;
		size_t len = 0;
		int rc = answer_query(db, o, w->inbuf[i], w->in[i].msg_len, w->outbuf[i],
		                      UDP_OUT_MAX, &len);
		if (rc == ANSWER_NOTIFY)
			rc = refresh_notify_answer(w->d, w->inbuf[i], w->in[i].msg_len, o->client,
			                           w->outbuf[i], UDP_OUT_MAX, &len);
		else if (rc == ANSWER_TSIG)
			rc = answer_signed(w->d->conf, db, o, w->inbuf[i], w->in[i].msg_len,
			                   w->outbuf[i], UDP_OUT_MAX, &len);
		if (rc != 0 || len == 0)
			continue; /* ANSWER_DROP, or ANSWER_XFR (see above) */
		struct msghdr *oh = &w->out[k].msg_hdr;
		memset(oh, 0, sizeof(*oh));
		oh->msg_name = &w->peer[i];
		oh->msg_namelen = h->msg_namelen;
		w->out_iov[k].iov_base = w->outbuf[i];
		w->out_iov[k].iov_len = len;
		oh->msg_iov = &w->out_iov[k];
		oh->msg_iovlen = 1;
		k++;
	}
	urcu_memb_read_unlock();

	unsigned sent = 0;
	while (sent < k) {
		int r = sendmmsg(w->fd, w->out + sent, k - sent, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* one bad peer address (EINVAL, EPERM, ...) must not
			 * cost the rest of the batch: skip it */
			sent++;
			continue;
		}
		sent += (unsigned)r;
	}
}

static void *udp_worker_main(void *arg)
{
	udp_worker_t *w = arg;
	urcu_memb_register_thread();
	answer_opts_t o;
	daemon_answer_opts(w->d, &o);
	o.tcp = false;
	for (unsigned i = 0; i < UDP_BATCH; i++) {
		w->in_iov[i].iov_base = w->inbuf[i];
		w->in_iov[i].iov_len = UDP_IN_MAX;
	}
	while (!atomic_load(&w->u->stop)) {
		for (unsigned i = 0; i < UDP_BATCH; i++) {
			struct msghdr *h = &w->in[i].msg_hdr;
			memset(h, 0, sizeof(*h));
			h->msg_name = &w->peer[i];
			h->msg_namelen = sizeof(w->peer[i]);
			h->msg_iov = &w->in_iov[i];
			h->msg_iovlen = 1;
		}
		int n = recvmmsg(w->fd, w->in, UDP_BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK &&
			    !atomic_load(&w->u->stop)) {
				log_error("udp: recvmmsg: %s", strerror(errno));
				struct timespec ts = {0, 10 * 1000 * 1000};
				nanosleep(&ts, NULL); /* no busy loop on a persistent error */
			}
			continue;
		}
		udp_answer_batch(w, (unsigned)n, &o);
	}
	urcu_memb_unregister_thread();
	return NULL;
}

void udp_stop(udp_t *u)
{
	if (u == NULL)
		return;
	atomic_store(&u->stop, true);
	/* shutdown() wakes a thread blocked in recvmmsg on Linux, even on an
	 * unconnected UDP socket; SO_RCVTIMEO is the fallback */
	for (size_t i = 0; i < u->n; i++)
		shutdown(u->w[i]->fd, SHUT_RDWR);
	for (size_t i = 0; i < u->n; i++) {
		if (u->w[i]->started)
			pthread_join(u->w[i]->thread, NULL);
		close(u->w[i]->fd);
		free(u->w[i]);
	}
	free(u->w);
	free(u);
}

int udp_start(daemon_t *d, const conf_addr_t *addrs, size_t naddrs, unsigned workers, udp_t **out)
{
	*out = NULL;
	if (workers == 0)
		workers = 1;
	udp_t *u = calloc(1, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	u->d = d;
	atomic_init(&u->stop, false);
	u->w = calloc(naddrs * workers + 1, sizeof(*u->w));
	if (u->w == NULL) {
		free(u);
		return -ENOMEM;
	}
	int rc = 0;
	for (size_t a = 0; a < naddrs && rc == 0; a++) {
		const struct sockaddr *sa = (const struct sockaddr *)&addrs[a].sa;
		char text[80];
		daemon_addr_text(sa, text, sizeof(text));
		rc = daemon_addr_free(sa, addrs[a].len, SOCK_DGRAM);
		for (unsigned i = 0; i < workers && rc == 0; i++) {
			udp_worker_t *w = calloc(1, sizeof(*w));
			if (w == NULL) {
				rc = -ENOMEM;
				break;
			}
			w->d = d;
			w->u = u;
			w->fd = daemon_socket(sa, addrs[a].len, SOCK_DGRAM, false);
			if (w->fd < 0) {
				rc = w->fd;
				free(w);
				break;
			}
			struct timeval tv = {1, 0};
			setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			u->w[u->n++] = w;
		}
		if (rc < 0)
			log_error("cannot listen on %s (UDP): %s", text, strerror(-rc));
	}
	if (rc == 0) {
		/* the workers take no signals: the main thread handles them */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		for (size_t i = 0; i < u->n && rc == 0; i++) {
			rc = -pthread_create(&u->w[i]->thread, NULL, udp_worker_main, u->w[i]);
			u->w[i]->started = rc == 0;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc < 0)
			log_error("cannot start UDP workers: %s", strerror(-rc));
	}
	if (rc < 0) {
		udp_stop(u);
		return rc;
	}
	*out = u;
	return 0;
}
