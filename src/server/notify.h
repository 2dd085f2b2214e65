/*
 * NOTIFY out (RFC 1996): after a changed primary zone is published, each
 * address of its NOTIFY set (notify_dests: the zone's `notify:` remotes,
 * and with `notify-ns` the in-zone addresses of its NS names) gets a NOTIFY
 * (opcode 4, AA, question ZONE SOA IN, the new SOA in the answer section,
 * TSIG-signed with the remote's key if it has one) over UDP from the main
 * thread's libuv loop, resent with backoff until a matching response
 * comes (same id, QR, opcode NOTIFY, RCODE NOERROR, a valid TSIG when
 * signed) or NOTIFY_TRIES tries went unanswered.  Each target ends in one
 * log line: acked or gave up (zone, peer, serial, tries, time).
 *
 * Per target:
 *
 *   SEND ──► WAIT (timer NOTIFY_FIRST_MS << try) ──response ok──► ACKED
 *     ▲        │ timeout, tries left            └─bad response: ignored
 *     └────────┘ no tries left ──► GAVE UP
 *
 * A newer NOTIFY of the same zone to the same address supersedes one
 * still running.  Main thread only.
 */
#ifndef NSF_SERVER_NOTIFY_H
#define NSF_SERVER_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

#include "server/conf.h"
#include "zone/zone.h"

#define NOTIFY_TRIES    5
#define NOTIFY_FIRST_MS 1000 /* then doubling: 1, 2, 4, 8, 16 s */

#define NOTIFY_NS_PORT   53  /* where an NS target is sent its NOTIFY */
#define NOTIFY_MAX_DESTS 256 /* addresses of one zone's NOTIFY set, at most */

typedef struct notify notify_t;

/* One address of a zone's NOTIFY set. */
typedef struct {
	conf_addr_t addr;
	const conf_key_t *key; /* signs the NOTIFY; NULL: unsigned (an NS target) */
	bool ns;               /* found through the zone's NS, not configured */
} notify_dest_t;

/*
 * The NOTIFY set of version z of zone zc (both borrowed), in out[0..cap):
 * first every address of every remote of zc->notify (with the remote's
 * key), then, when zc->notify_ns, every in-zone A/AAAA address of every
 * apex NS name other than the SOA MNAME (RFC 1996 §3.3), at
 * NOTIFY_NS_PORT, unsigned.  An address is listed once (a configured
 * remote's entry wins); the server's own listen addresses
 * (notify_is_self) never.  NS names outside the zone (nsfleetd resolves
 * no names) and in-zone names without an address are skipped and logged,
 * as are addresses past cap.  Returns the number written.
 */
size_t notify_dests(const conf_zone_t *zc, const zone_t *z, notify_dest_t *out, size_t cap);

/*
 * Whether sa is one of the server's own listen addresses (s borrowed;
 * NULL: none): the same address and port, or the port of a wildcard
 * listen address (0.0.0.0, ::) and sa a loopback or local interface
 * address.
 */
bool notify_is_self(const conf_server_t *s, const struct sockaddr *sa);

/* A sender on loop.  0 or -ENOMEM. */
int notify_new(uv_loop_t *loop, notify_t **out);

/* Starts NOTIFYs of z (borrowed: its SOA is copied) to the NOTIFY set of
 * zc (notify_dests; zc borrowed: must live as long as the sender, the
 * daemon's conf does).  Returns the number of targets started; failures
 * are logged. */
int notify_zone(notify_t *n, const conf_zone_t *zc, const zone_t *z);

/* The last NOTIFY of a zone to one peer, for `nsfleet ctl status`. */
typedef struct {
	char peer[80];
	uint32_t serial;
	char state[64];  /* "sending", "acked", "gave up (no response)", ... */
	unsigned tries;
	uint64_t when;   /* seconds since 1970 of the last change of state */
} notify_info_t;

/* The NOTIFY state of zone zc, one entry per peer (the newest NOTIFY),
 * up to cap entries; returns how many there are (may exceed cap).  Kept
 * for the last NOTIFY_INFO_MAX peers of all zones. */
#define NOTIFY_INFO_MAX 1024
size_t notify_info(const notify_t *n, const conf_zone_t *zc, notify_info_t *out, size_t cap);

/* Ends every running NOTIFY (not logged as given up) and frees n once its
 * handles are closed: run the loop afterwards.  NULL is fine. */
void notify_stop(notify_t *n);

#endif
