/*
 * The UDP front end: per listen address and per worker one socket in an
 * SO_REUSEPORT group, each served by its own plain thread with
 * recvmmsg/sendmmsg batches (doc/ARCHITECTURE.md).  No locks and no heap
 * allocation per query: each thread owns its buffers.
 */
#ifndef NSF_SERVER_UDP_H
#define NSF_SERVER_UDP_H

#include "server/daemon.h"

/* Opens every socket (an address in use or unbindable: logged, -errno,
 * nothing left open) and starts the threads.  d is borrowed and must
 * outlive udp_stop. */
int udp_start(daemon_t *d, const conf_addr_t *addrs, size_t naddrs, unsigned workers, udp_t **out);

/* Stops and joins the threads, closes the sockets, frees u.  NULL is fine. */
void udp_stop(udp_t *u);

#endif
