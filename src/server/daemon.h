/*
 * nsfleetd's process: configuration in, zones loaded, front ends started,
 * signals and reloads handled, everything stopped again (doc/nsfleetd.md).
 *
 * Threads (doc/ARCHITECTURE.md):
 *   - the main thread runs the control loop (libuv): signals, the control
 *     socket, and reloads, which it does itself: it is the zones' only
 *     writer, so reloads are naturally one at a time;
 *   - UDP workers (udp.c), plain threads, one per listen address and
 *     worker, never blocking on anything but their socket;
 *   - TCP threads (tcp.c), one libuv loop each, also streaming AXFR out.
 *
 * Zone data: d->db is the published zone set, an RCU-protected pointer
 * (liburcu, memb flavour: see udp.c for why).  Readers take it with
 * daemon_db_get() inside urcu_memb_read_lock()..unlock(); the main thread
 * swaps it and frees the old set after a grace period.  zone.c counts its
 * shared nodes without atomics, so every zone_clone/zone_free (AXFR takes
 * a clone it holds past the read-side section) goes through
 * daemon_zone_hold/daemon_zone_release, which serialise them with one
 * mutex: a control-plane lock, never taken on the query path.
 */
#ifndef NSF_SERVER_DAEMON_H
#define NSF_SERVER_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "server/answer.h"
#include "server/conf.h"
#include "server/zonedb.h"

typedef struct udp udp_t;
typedef struct tcp tcp_t;
typedef struct ctl ctl_t;
typedef struct journal journal_t;
typedef struct notify notify_t;

/* One configured zone and its last good version. */
typedef struct {
	const conf_zone_t *conf;
	char name[NAME_TEXT_MAXLEN]; /* the origin as text, "example.com." */
	zone_t *zone;                /* last good version; NULL: never loaded */
	char error[512];             /* why the last load failed, "" if it did not */
	bool expired;                /* secondary past its SOA expire: SERVFAIL (refresh.c) */
	uint32_t file_serial;        /* primary: the serial in the file at the last good
	                                load (serial policy, primary.c) */
	struct zone_reload *reload;  /* primary: its file's chunks (zone_reload.h) */
} daemon_zone_t;

typedef struct daemon {
	conf_t *conf; /* owned */
	zonedb_t *db; /* RCU-protected: readers use daemon_db_get() */
	daemon_zone_t *zones;
	size_t nzones;
	pthread_mutex_t zone_lock; /* see above */
	uint8_t cookie_secret[16];
	char version[64];
	udp_t *udp;
	tcp_t *tcp;
	ctl_t *ctl;
	journal_t *journal; /* NULL: none (quick mode): IXFR answered in full */
	notify_t *notify;   /* NOTIFY sender on the main loop (notify.c) */
	struct refresh *refresh; /* secondary zones' timers (refresh.c); NULL: none */
	void *loop; /* the main thread's uv_loop_t */
	atomic_bool stopping;
} daemon_t;

/* Runs the server described by conf (taken over) until SIGTERM/SIGINT.
 * Returns the exit status: 0 after a clean stop, 1 when it could not
 * start (the log says why). */
int daemon_run(conf_t *conf);

/* --check-config: loads every zone of conf (borrowed) and reports each
 * problem; 0 when all load, 1 otherwise. */
int daemon_check(const conf_t *conf);

/* The published zone set; only inside an RCU read-side section. */
const zonedb_t *daemon_db_get(daemon_t *d);

/* A clone of z (a zone of the current set, read under RCU) that stays
 * valid after the read-side section, or NULL on ENOMEM; give it back with
 * daemon_zone_release. */
zone_t *daemon_zone_hold(daemon_t *d, const zone_t *z);
void daemon_zone_release(daemon_t *d, zone_t *z);

/* The answer options every front end starts from (tcp false). */
void daemon_answer_opts(const daemon_t *d, answer_opts_t *o);

/* Whether client may transfer zone (origin, wire form). */
bool daemon_xfr_allowed(const daemon_t *d, const uint8_t *origin, const struct sockaddr *client);

/*
 * Reloads every zone (origin NULL) or the zone of origin from its file,
 * beside the serving version, and publishes the new set; a primary zone
 * goes through primary_reload (serial policy, shrink guard unless force,
 * journal before publish) and is NOTIFYed once published.  Main thread
 * only.  Returns the number of zones that failed to load (they keep their
 * last good version, the log says why), or -1 when origin names no zone;
 * *loaded gets the number reloaded, msg a one-line summary of the first
 * failure (or "").
 */
int daemon_reload(daemon_t *d, const uint8_t *origin, bool force, size_t *loaded, char *msg,
                  size_t msgcap);

/* Publishes the zone set made of every zone's current version (expired
 * secondaries flagged for SERVFAIL); frees the old set after a grace
 * period.  Main thread only.  0 or -ENOMEM. */
int daemon_publish(daemon_t *d);

/* Asks the main loop to stop (async-signal-unsafe: main thread only). */
void daemon_stop(daemon_t *d);

/* "ADDR@PORT" / "[ADDR]:PORT"-free text form of an address: 127.0.0.1@53. */
void daemon_addr_text(const struct sockaddr *sa, char *buf, size_t cap);

/* Opens a socket of type (SOCK_DGRAM or SOCK_STREAM) bound to addr with
 * SO_REUSEPORT (and IPV6_V6ONLY for IPv6), non-blocking if nonblock.
 * Returns the fd or -errno. */
int daemon_socket(const struct sockaddr *addr, socklen_t len, int type, bool nonblock);

/* Fails with -EADDRINUSE when some other socket already holds addr (even
 * one with SO_REUSEPORT: we would silently share its traffic). */
int daemon_addr_free(const struct sockaddr *addr, socklen_t len, int type);

#endif
