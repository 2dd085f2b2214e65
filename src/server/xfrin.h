/*
 * Incoming zone transfer (the client side of RFC 1995 IXFR, RFC 5936
 * AXFR): one blocking exchange with one primary address, run by a refresh
 * worker thread (refresh.c), never on the main loop or a query thread.
 *
 * One call does the SOA query (over UDP first with udp_soa, else or on
 * truncation over TCP) and, when the primary's serial is newer (RFC
 * 1982), the transfer over TCP (IXFR when we have a version, falling back
 * to AXFR; AXFR-style IXFR replies are taken; force_axfr: AXFR whatever
 * the serials), TSIG-signed when the remote has a key.  Everything
 * received is checked before a version is made (doc/nsfleetd.md,
 * "Secondary"); on any failure the caller keeps its version and gets why
 * in res->error.  An incremental IXFR also hands back its changesets, for
 * the caller's journal.
 *
 * Thread safety: any number of transfers may run at once (nothing global).
 */
#ifndef NSF_SERVER_XFRIN_H
#define NSF_SERVER_XFRIN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/conf.h"
#include "zone/changeset.h"
#include "zone/zone.h"

#define XFRIN_PHASE_TRANSFER 2      /* refresh.c's RS_TRANSFER */
#define XFRIN_MAX_CHANGESETS 100000 /* per IXFR; more: refused */

typedef struct {
	const uint8_t *origin;      /* validated wire name, borrowed */
	const char *zone_name;      /* text, for the log */
	const zone_t *cur;          /* our version (borrowed) or NULL: AXFR */
	const conf_addr_t *addr;    /* the primary, borrowed */
	const conf_key_t *key;      /* NULL: unsigned */
	unsigned timeout_ms;        /* longest silence (connect, each read) */
	const atomic_bool *cancel;  /* polled while waiting; may be NULL */
	pthread_mutex_t *zone_lock; /* daemon.h's zone_lock: zone.c counts shared
	                               nodes without atomics, so applying an IXFR
	                               to cur and freeing versions made from it
	                               hold it (NULL: single-threaded use) */
	atomic_int *phase;          /* set to XFRIN_PHASE_TRANSFER when the
	                               transfer starts; may be NULL */
	bool force_axfr;            /* retransfer: AXFR whatever the serials */
	bool udp_soa;               /* the SOA query over UDP first (TCP when
	                               truncated or unanswered), RFC 1996 §3.11 */
} xfrin_req_t;

typedef struct {
	zone_t *zone;           /* the new version (caller owns) or NULL */
	bool up_to_date;        /* the primary's serial is not newer than ours */
	uint32_t remote_serial; /* from the SOA query (0 if it failed) */
	const char *kind;       /* "AXFR", "IXFR", "IXFR (AXFR-style)", "SOA" */
	size_t messages, bytes; /* of the transfer */
	changeset_t *cs;        /* an IXFR's changesets, oldest first (owned:
	                           xfrin_res_clear); NULL for a full transfer */
	size_t ncs;
	char error[384]; /* why it failed, "" on success */
} xfrin_res_t;

/* Frees res->cs (not res->zone, which the caller owns). */
void xfrin_res_clear(xfrin_res_t *res);

/*
 * Refreshes from one address.  Returns 0 with res->zone set (a new
 * version) or res->up_to_date, or a negative error with res->error saying
 * why (nothing else changes).  Writes the transfer's one structured log
 * line (zone, direction, peer, serials, duration, messages, bytes, and
 * the error if any).
 */
int xfrin_run(const xfrin_req_t *rq, xfrin_res_t *res);

/*
 * The transfer state machine without a network (tests, fuzz_xfrin): msgs
 * are the n messages (untrusted, no TCP length prefix) answering a query
 * of qtype (RRTYPE_AXFR or RRTYPE_IXFR) with id id, unsigned; rq->addr
 * may be NULL.  Every check of xfrin_run applies.  0 with res->zone (or
 * res->up_to_date), or a negative error with res->error; no log line.
 */
int xfrin_parse(const xfrin_req_t *rq, uint16_t qtype, uint16_t id, const uint8_t *const *msgs,
                const size_t *lens, size_t n, xfrin_res_t *res);

/* Writes z as a zone file at path, crash-safely: path.tmp, fsync,
 * rename, fsync of the directory.  0 or -errno / -ENOMEM. */
int xfrin_zone_write(const zone_t *z, const char *path);

#endif
