/*
 * Secondary zones: the SOA refresh/retry/expire timers (RFC 1035
 * §3.3.13), NOTIFY in (RFC 1996), and the persisted copy and timers that
 * let a restarted secondary serve at once (doc/nsfleetd.md, "Secondary").
 * The state machine is drawn at the top of refresh.c.
 *
 * Threads: refresh_start/refresh_stop and every timer run on the main
 * thread's libuv loop; a transfer runs in a worker thread of its own
 * (xfrin.c, blocking sockets) and posts its result back with uv_async.
 * refresh_notify_answer may be called from any query thread.
 */
#ifndef NSF_SERVER_REFRESH_H
#define NSF_SERVER_REFRESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "server/daemon.h"

typedef struct refresh refresh_t;

/* Loads the persisted copy of the secondary zone dz (its conf path), if
 * there is one, into dz->zone; logs what happened.  Main thread, before
 * the first publish. */
void refresh_zone_load(daemon_t *d, daemon_zone_t *dz);

/* Starts the timers of every secondary zone of d on loop (a uv_loop_t):
 * from the persisted timers when they match the loaded copy, else a
 * refresh at once.  0 or a negative error; *out for refresh_stop. */
int refresh_start(daemon_t *d, void *loop, refresh_t **out);

/* Cancels running transfers, joins their threads, saves the timers and
 * closes the handles.  NULL is fine.  Main thread. */
void refresh_stop(refresh_t *r);

/*
 * Answers the NOTIFY q[0..qlen) (answer_query said ANSWER_NOTIFY) from
 * client into out[0..cap): NOERROR echoing the question with QR and AA
 * when the zone is one of our secondaries and an acl with action notify
 * allows the sender (RFC 1996 §3.7), REFUSED when none does, NOTAUTH for
 * a zone we are not a secondary of or a TSIG that does not verify; on
 * NOERROR the zone is refreshed at once.  0 with *outlen (0: send
 * nothing), or an error.  Thread safe.
 */
int refresh_notify_answer(daemon_t *d, const uint8_t *q, size_t qlen, const struct sockaddr *client,
                          uint8_t *out, size_t cap, size_t *outlen);

/* What the control socket shows of a secondary zone's refresh. */
typedef struct {
	const char *state;      /* idle|soa-query|transfer|retry|expired */
	bool busy;              /* a refresh runs now */
	bool retransfer_queued; /* a retransfer waits for the running refresh */
	uint64_t last_refresh;  /* seconds since the epoch, 0: never */
	uint64_t next_refresh;  /* 0: never, or now when busy */
	uint64_t expire_at;     /* 0: unknown */
	const char *error;      /* the last refresh's error, "" when it went well
	                           (borrowed: valid until the loop runs again) */
} refresh_info_t;

/* The refresh state of dz: 0, or ERR_NOTFOUND when dz is not one of our
 * secondary zones.  Main thread. */
int refresh_info(const daemon_t *d, const daemon_zone_t *dz, refresh_info_t *out);

/* Starts a refresh of the secondary zone dz now (ctl refresh), or with
 * axfr a full transfer whatever the serials (ctl retransfer).  When one
 * is running, the new one runs right after it (*queued).  0, ERR_NOTFOUND
 * (not a secondary zone), -ECANCELED (stopping), -EAGAIN (no thread could
 * be started; logged).  Main thread. */
int refresh_now(daemon_t *d, daemon_zone_t *dz, bool axfr, bool *queued);

#endif
