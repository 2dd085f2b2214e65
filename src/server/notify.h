/*
 * NOTIFY out (RFC 1996): after a changed primary zone is published, each
 * address of each remote in the zone's `notify:` list gets a NOTIFY
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

#include <uv.h>

#include "server/conf.h"
#include "zone/zone.h"

#define NOTIFY_TRIES    5
#define NOTIFY_FIRST_MS 1000 /* then doubling: 1, 2, 4, 8, 16 s */

typedef struct notify notify_t;

/* A sender on loop.  0 or -ENOMEM. */
int notify_new(uv_loop_t *loop, notify_t **out);

/* Starts NOTIFYs of z (borrowed: its SOA is copied) to the remotes of zc
 * (borrowed: must live as long as the sender; the daemon's conf does).
 * Returns the number of targets started; failures are logged. */
int notify_zone(notify_t *n, const conf_zone_t *zc, const zone_t *z);

/* Ends every running NOTIFY (not logged as given up) and frees n once its
 * handles are closed: run the loop afterwards.  NULL is fine. */
void notify_stop(notify_t *n);

#endif
