/*
 * The TCP front end (RFC 7766): 2-octet length framing, pipelined queries
 * answered in order, an idle timeout, a limit on concurrent connections,
 * and AXFR/IXFR out (xfrout.h) streamed with backpressure.
 */
#ifndef NSF_SERVER_TCP_H
#define NSF_SERVER_TCP_H

#include "server/daemon.h"

typedef struct {
	unsigned threads;     /* event-loop threads, >= 1 */
	unsigned idle_ms;     /* idle timeout (RFC 7766 §6.2.3) */
	unsigned max_clients; /* concurrent connections, all threads together */
} tcp_opts_t;

/* Opens the listeners (failures logged, -errno, nothing left open) and
 * starts the threads.  d is borrowed and must outlive tcp_stop. */
int tcp_start(daemon_t *d, const conf_addr_t *addrs, size_t naddrs, const tcp_opts_t *o,
              tcp_t **out);

/* Closes every connection (ending transfers), stops and joins the
 * threads, frees t.  NULL is fine. */
void tcp_stop(tcp_t *t);

#endif
