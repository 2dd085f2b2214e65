/*
 * Secondary zones: refresh state machine, one per zone, on the main
 * thread's libuv loop (RFC 1035 §3.3.13 timers, RFC 1996 NOTIFY).
 *
 *                 refresh timer / NOTIFY / start
 *     ┌──────┐ ───────────────────────────────► ┌───────────┐
 *     │ IDLE │                                  │ SOA_QUERY │  worker thread
 *     └──────┘ ◄─── up to date ──────────────── └───────────┘  (xfrin.c,
 *        ▲  ▲                                      │ newer       blocking
 *        │  │                                      ▼             sockets,
 *        │  └──── new version published ──── ┌──────────┐     poll timeouts)
 *        │        (file + timers saved)       │ TRANSFER │
 *        │                                    └──────────┘
 *        │                                         │ every primary failed
 *        │  retry timer             ┌───────┐      │
 *        └───────────────────────── │ RETRY │ ◄────┘
 *                                   └───────┘
 *     expire timer (no successful refresh for SOA expire seconds) ──►
 *     EXPIRED: answered SERVFAIL, refresh goes on at the retry interval;
 *     the next success returns to IDLE and serving.
 *
 * The main loop starts a worker (one pthread per running transfer, at
 * most one per zone) and never blocks; the worker tries the primaries in
 * order, each address in order, commits an IXFR's changesets to the
 * journal (a full transfer resets it: doc/journal.md), writes the new
 * version to the zone's file (temp + fsync + rename) and posts the result
 * with uv_async_send.  After publishing, the main loop NOTIFYs the zone's
 * own notify: remotes (a chain).  At start-up one SOA check runs for every
 * zone with a copy (a NOTIFY lost to a crash is not lost for long).  The
 * main loop then swaps the version in (it is the zones' only writer),
 * publishes, and saves the timers (journal_timers_save) in the daemon's
 * journal (or, when it has none, an LMDB environment of our own under
 * <storage>/timers).  A NOTIFY during a transfer is remembered and runs
 * right after it.
 */
#include "server/refresh.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

/* messages are cut to their buffers on purpose (they end in the log) */
#if defined(__GNUC__) && !defined(__clang__) /* clang has no such warning */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#include "common/err.h"
#include "dns/msg.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"
#include "server/journal.h"
#include "server/log.h"
#include "server/notify.h"
#include "server/xfrin.h"
#include "zone/zone_file.h"

#define REFRESH_NOZONE_RETRY 10 /* s: retry while we have no copy (no SOA) */
#define REFRESH_MIN          1  /* s: floor of every SOA timer */
#define REFRESH_MAX          (86400u * 28)

typedef enum { RS_IDLE, RS_SOA_QUERY, RS_TRANSFER, RS_RETRY, RS_EXPIRED } rstate_t;
static const char *const RSTATE[] = {"idle", "soa-query", "transfer", "retry", "expired"};
_Static_assert(RS_TRANSFER == XFRIN_PHASE_TRANSFER, "xfrin.h phase value");

typedef struct rzone {
	struct refresh *r;
	daemon_zone_t *dz;
	uv_timer_t timer;  /* refresh / retry */
	uv_timer_t expire; /* expire */
	atomic_int state;  /* rstate_t; the worker moves SOA_QUERY to TRANSFER */
	bool busy;         /* a worker runs */
	bool retrying;
	atomic_bool done;   /* the worker finished: join and take res */
	atomic_bool notify; /* a NOTIFY came: refresh now */
	bool force_axfr;    /* the next refresh is a retransfer (ctl) */
	bool startup_check; /* the running refresh is the start-up SOA check */
	bool running_axfr;  /* the running one is */
	pthread_t thread;
	/* the copy on disk, written after the new version is published (a
	 * transfer is served as soon as it is checked and journaled; a crash
	 * before the write leaves the older copy, whose serial the journal
	 * does not continue: served, then refreshed) */
	pthread_t writer;
	bool writing;       /* a writer thread runs */
	bool write_again;   /* a newer version came meanwhile */
	atomic_bool written; /* the writer finished: join it */
	zone_t *wzone;      /* the version it writes (held) */
	zone_t *cur; /* the worker's clone of the served version */
	xfrin_res_t res;
	const char *peer_ok; /* text of the last primary that answered */
	journal_timers_t t;
	char error[384];
} rzone_t;

struct refresh {
	daemon_t *d;
	uv_loop_t *loop;
	uv_async_t async;
	atomic_bool cancel;
	journal_t *journal; /* the daemon's, or our own under <storage>/timers */
	bool own_journal;
	rzone_t *z;
	size_t n;
};

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

static uint32_t clamp(uint32_t v)
{
	return v < REFRESH_MIN ? REFRESH_MIN : v > REFRESH_MAX ? REFRESH_MAX : v;
}

/* refresh, retry, expire of z's SOA (defaults when there is none). */
static void soa_timers(const zone_t *z, uint32_t *refresh, uint32_t *retry, uint32_t *expire)
{
	*refresh = 3600, *retry = REFRESH_NOZONE_RETRY, *expire = 604800;
	if (z == NULL)
		return;
	const zone_node_t *n = zone_find(z, z->origin);
	zone_rrset_t rs;
	const uint8_t *rd;
	uint16_t len;
	size_t pos = 0;
	if (n == NULL || !zone_node_rrset(n, RRTYPE_SOA, &rs) ||
	    !zone_rrset_next(&rs, &pos, &rd, &len))
		return;
	size_t o = rdata_soa_serial_off(rd, len);
	if (o == 0)
		return;
	uint32_t v[3];
	for (int i = 0; i < 3; i++)
		v[i] = wire_get_u32(rd + o + 4 + 4 * (size_t)i); /* after SERIAL */
	*refresh = clamp(v[0]), *retry = clamp(v[1]), *expire = clamp(v[2]);
}

static uint32_t bound(uint32_t v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The SOA timers of the zone's served version within the zone's
 * configured bounds (refresh-min-interval ...). */
static void zone_timers(const rzone_t *z, uint32_t *refresh, uint32_t *retry, uint32_t *expire)
{
	const conf_zone_t *c = z->dz->conf;
	soa_timers(z->dz->zone, refresh, retry, expire);
	if (c->refresh_max == 0)
		return; /* a conf made without the schema's defaults */
	*refresh = bound(*refresh, c->refresh_min, c->refresh_max);
	*retry = bound(*retry, c->retry_min, c->retry_max);
	*expire = bound(*expire, c->expire_min, c->expire_max);
}

static void timer_at(uv_timer_t *t, uint64_t when, uv_timer_cb cb)
{
	uint64_t now = now_s();
	uint64_t ms = when > now ? (when - now) * 1000 : 0;
	uv_timer_start(t, cb, ms, 0);
}

static void save_timers(rzone_t *z)
{
	if (z->r->journal == NULL)
		return;
	int rc = journal_timers_save(z->r->journal, z->dz->conf->domain, &z->t);
	if (rc < 0)
		log_warning("zone %s: cannot save the refresh timers: %s", z->dz->name,
		            err_str(rc));
}

static void set_expired(rzone_t *z, bool expired)
{
	daemon_t *d = z->r->d;
	if (z->dz->expired == expired)
		return;
	z->dz->expired = expired;
	int rc = daemon_publish(d);
	if (rc < 0)
		log_error("zone %s: cannot publish: %s", z->dz->name, err_str(rc));
}

/* ------------------------------------------------------------ worker */

/* The transfer's changesets into the daemon's journal, committed before
 * the main loop publishes the version they make (ARCHITECTURE.md): an
 * IXFR appends them (after a flush when the journal does not end at the
 * serial they start from); a full transfer (AXFR, AXFR-style IXFR,
 * retransfer) resets the zone's journal, as Knot does by default
 * (doc/journal.md).  A journal that fails is flushed: IXFR out then falls
 * back to AXFR, and the version is still served. */
static void journal_transfer(rzone_t *z)
{
	journal_t *j = z->r->d->journal;
	const uint8_t *origin = z->dz->conf->domain;
	const xfrin_res_t *res = &z->res;
	if (j == NULL || res->zone == NULL)
		return;
	int rc = 0;
	uint32_t first, last;
	if (res->ncs == 0) {
		if (journal_serial_range(j, origin, &first, &last) == 0)
			rc = journal_flush(j, origin);
		if (rc < 0)
			log_warning("zone %s: cannot reset the journal: %s", z->dz->name,
			            err_str(rc));
		return;
	}
	uint32_t from = z->cur != NULL ? z->cur->serial : 0;
	if (journal_serial_range(j, origin, &first, &last) == 0 && last != from)
		rc = journal_flush(j, origin);
	for (size_t i = 0; rc == 0 && i < res->ncs; i++) {
		rc = journal_store(j, origin, &res->cs[i]);
		if (rc == ERR_SPACE) {
			rc = journal_flush(j, origin);
			if (rc == 0)
				rc = journal_store(j, origin, &res->cs[i]);
		}
	}
	if (rc < 0) {
		log_warning("zone %s: cannot journal the IXFR to serial %u: %s; journal flushed "
		            "(IXFR out answers with the full zone)",
		            z->dz->name, res->zone->serial, err_str(rc));
		(void)journal_flush(j, origin);
	}
}

static void *worker_main(void *arg)
{
	rzone_t *z = arg;
	daemon_t *d = z->r->d;
	const conf_zone_t *zc = z->dz->conf;
	int rc = -1;
	char errors[384] = "";
	for (size_t i = 0; i < zc->primaries.n && rc < 0; i++) {
		const conf_remote_t *rm = zc->primaries.v[i];
		for (size_t a = 0; a < rm->address.n && rc < 0; a++) {
			xfrin_req_t rq = {
			    .origin = zc->domain,
			    .zone_name = z->dz->name,
			    .cur = z->cur,
			    .addr = &rm->address.v[a],
			    .key = rm->key,
			    .timeout_ms =
			        (d->conf->server.xfr_timeout ? d->conf->server.xfr_timeout : 30) *
			        1000u,
			    .cancel = &z->r->cancel,
			    .phase = &z->state,
			    .zone_lock = &d->zone_lock,
			    .force_axfr = z->running_axfr,
			    .udp_soa = true,
			};
			rc = xfrin_run(&rq, &z->res);
			if (rc < 0 && errors[0] == 0) {
				char peer[96];
				daemon_addr_text((const struct sockaddr *)&rm->address.v[a].sa,
				                 peer, sizeof(peer));
				snprintf(errors, sizeof(errors), "%s: %s", peer, z->res.error);
			}
			if (rc < 0 && atomic_load(&z->r->cancel))
				break;
		}
	}
	if (rc < 0)
		snprintf(z->res.error, sizeof(z->res.error), "%s",
		         errors[0] ? errors : "no primary");
	if (rc == 0 && z->res.zone != NULL)
		journal_transfer(z); /* before it is published; the copy after */
	atomic_store(&z->done, true);
	uv_async_send(&z->r->async);
	return NULL;
}

static void *writer_main(void *arg)
{
	rzone_t *z = arg;
	int wr = xfrin_zone_write(z->wzone, z->dz->conf->path);
	if (wr < 0)
		log_error("zone %s: cannot write %s: %s (serving serial %u anyway)", z->dz->name,
		          z->dz->conf->path, err_str(wr), z->wzone->serial);
	atomic_store(&z->written, true);
	uv_async_send(&z->r->async);
	return NULL;
}

/* Writes the served version to the copy on disk in a thread of its own
 * (one at a time per zone; the newest version wins). */
static void start_write(rzone_t *z)
{
	daemon_t *d = z->r->d;
	if (z->writing) {
		z->write_again = true;
		return;
	}
	if (z->dz->zone == NULL)
		return;
	z->wzone = daemon_zone_hold(d, z->dz->zone);
	if (z->wzone == NULL) {
		log_error("zone %s: out of memory: the copy on disk is not written", z->dz->name);
		return;
	}
	atomic_store(&z->written, false);
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&z->writer, NULL, writer_main, z);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		/* no thread: write here, the transfer is published already */
		log_warning("zone %s: cannot start the writer (%s): writing now", z->dz->name,
		            strerror(rc));
		writer_main(z);
		daemon_zone_release(d, z->wzone);
		z->wzone = NULL;
		return;
	}
	z->writing = true;
}

static void end_write(rzone_t *z)
{
	pthread_join(z->writer, NULL);
	daemon_zone_release(z->r->d, z->wzone);
	z->wzone = NULL;
	z->writing = false;
	if (z->write_again) {
		z->write_again = false;
		start_write(z);
	}
}

static void on_timer(uv_timer_t *t);

static void start_refresh(rzone_t *z)
{
	if (z->busy || atomic_load(&z->r->cancel))
		return;
	daemon_t *d = z->r->d;
	uv_timer_stop(&z->timer);
	z->cur = z->dz->zone != NULL ? daemon_zone_hold(d, z->dz->zone) : NULL;
	if (z->dz->zone != NULL && z->cur == NULL) {
		log_error("zone %s: out of memory", z->dz->name);
		uv_timer_start(&z->timer, on_timer, REFRESH_NOZONE_RETRY * 1000, 0);
		return;
	}
	memset(&z->res, 0, sizeof(z->res));
	atomic_store(&z->done, false);
	z->running_axfr = z->force_axfr;
	z->force_axfr = false;
	z->busy = true;
	z->state = RS_SOA_QUERY;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&z->thread, NULL, worker_main, z);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		z->busy = false;
		daemon_zone_release(d, z->cur);
		z->cur = NULL;
		log_error("zone %s: cannot start a refresh: %s", z->dz->name, strerror(rc));
	}
}

static void on_timer(uv_timer_t *t)
{
	start_refresh(t->data);
}

static void on_expire(uv_timer_t *t)
{
	rzone_t *z = t->data;
	if (z->dz->zone == NULL)
		return;
	log_error("zone %s: expired (no successful refresh since %llu); answering SERVFAIL",
	          z->dz->name, (unsigned long long)z->t.last_refresh);
	z->state = z->busy ? z->state : RS_EXPIRED;
	set_expired(z, true);
}

/* The worker's result, on the main loop. */
static void finish(rzone_t *z)
{
	daemon_t *d = z->r->d;
	pthread_join(z->thread, NULL);
	z->busy = false;
	daemon_zone_release(d, z->cur);
	z->cur = NULL;
	uint64_t now = now_s();
	if (z->res.error[0] == 0 && (z->res.zone != NULL || z->res.up_to_date)) {
		if (z->res.zone != NULL) {
			zone_t *old = z->dz->zone;
			z->dz->zone = z->res.zone;
			z->res.zone = NULL;
			z->dz->error[0] = 0;
			daemon_zone_release(d, old);
			bool was = z->dz->expired;
			z->dz->expired = false;
			int rc = daemon_publish(d);
			if (rc < 0)
				log_error("zone %s: cannot publish: %s", z->dz->name, err_str(rc));
			else
				log_info("zone %s: serving serial %u%s", z->dz->name,
				         z->dz->zone->serial, was ? " (no longer expired)" : "");
			/* published: tell our own secondaries (RFC 1996 §3.1),
			 * then keep the copy */
			if (rc == 0)
				notify_zone(d->notify, z->dz->conf, z->dz->zone);
			start_write(z);
		} else {
			set_expired(z, false);
		}
		uint32_t refresh, retry, expire;
		zone_timers(z, &refresh, &retry, &expire);
		z->t.last_refresh = now;
		z->t.next_refresh = now + refresh;
		z->t.expire_at = now + expire;
		z->t.last_serial = z->dz->zone ? z->dz->zone->serial : 0;
		z->error[0] = 0;
		z->state = RS_IDLE;
		z->retrying = false;
		timer_at(&z->expire, z->t.expire_at, on_expire);
	} else if (z->startup_check) {
		/* the start-up check failed: the persisted timers stand */
		snprintf(z->error, sizeof(z->error), "%s", z->res.error);
		z->state = z->dz->expired ? RS_EXPIRED : RS_IDLE;
	} else {
		uint32_t refresh, retry, expire;
		zone_timers(z, &refresh, &retry, &expire);
		snprintf(z->error, sizeof(z->error), "%s", z->res.error);
		if (z->dz->zone == NULL)
			snprintf(z->dz->error, sizeof(z->dz->error), "no transfer yet: %s",
			         z->res.error);
		z->t.next_refresh = now + retry;
		z->state = z->dz->expired ? RS_EXPIRED : RS_RETRY;
		z->retrying = true;
	}
	xfrin_res_clear(&z->res);
	z->startup_check = false;
	save_timers(z);
	if (atomic_exchange(&z->notify, false) || z->force_axfr)
		start_refresh(z);
	else
		timer_at(&z->timer, z->t.next_refresh, on_timer);
}

static void on_async(uv_async_t *a)
{
	struct refresh *r = a->data;
	for (size_t i = 0; i < r->n; i++) {
		rzone_t *z = &r->z[i];
		if (z->writing && atomic_load(&z->written))
			end_write(z);
		if (z->busy && atomic_load(&z->done)) {
			finish(z);
			continue;
		}
		if (!z->busy && atomic_load(&z->notify)) {
			atomic_store(&z->notify, false);
			start_refresh(z);
		}
	}
}

/* -------------------------------------------------------- start, stop */

static void on_load_problem(void *ctx, const char *file, unsigned line, unsigned col,
                            zone_sev_t sev, const char *msg)
{
	char *first = ctx;
	if (sev == ZONE_ERROR && first[0] == 0)
		snprintf(first, 256, "%s:%u:%u: %s", file ? file : "-", line, col, msg);
}

void refresh_zone_load(daemon_t *d, daemon_zone_t *dz)
{
	(void)d;
	zone_t *z = NULL;
	char first[256] = "";
	int rc = zone_load_file(dz->conf->domain, dz->conf->path, on_load_problem, first, &z);
	if (rc == -ENOENT) {
		log_info("zone %s: secondary, no copy in %s yet: not served until the first "
		         "transfer",
		         dz->name, dz->conf->path);
		snprintf(dz->error, sizeof(dz->error), "no transfer yet");
		return;
	}
	if (rc < 0) {
		log_error("zone %s: secondary, the copy in %s does not load (%s): not served "
		          "until the next transfer",
		          dz->name, dz->conf->path, first[0] ? first : err_str(rc));
		snprintf(dz->error, sizeof(dz->error), "copy %s does not load: %s", dz->conf->path,
		         first[0] ? first : err_str(rc));
		return;
	}
	dz->zone = z;
	log_info("zone %s: secondary, loaded the copy in %s, serial %u, %zu records", dz->name,
	         dz->conf->path, z->serial, z->records);
}

int refresh_start(daemon_t *d, void *loop, refresh_t **out)
{
	*out = NULL;
	size_t n = 0;
	for (size_t i = 0; i < d->nzones; i++)
		n += d->zones[i].conf->role == CONF_ROLE_SECONDARY;
	if (n == 0)
		return 0;
	struct refresh *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->z = calloc(n, sizeof(*r->z));
	if (r->z == NULL) {
		free(r);
		return -ENOMEM;
	}
	r->d = d;
	r->loop = loop;
	atomic_init(&r->cancel, false);
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/timers", d->conf->server.storage);
	int rc = 0;
	if (d->journal != NULL)
		r->journal = d->journal;
	else if ((rc = journal_open(dir, (size_t)16 << 20, 0, &r->journal)) == 0)
		r->own_journal = true;
	if (rc < 0) {
		log_warning("cannot open the timer store %s: %s; refresh timers are not persisted",
		            dir, err_str(rc));
		r->journal = NULL;
	}
	uv_async_init(loop, &r->async, on_async);
	r->async.data = r;
	uint64_t now = now_s();
	for (size_t i = 0; i < d->nzones; i++) {
		daemon_zone_t *dz = &d->zones[i];
		if (dz->conf->role != CONF_ROLE_SECONDARY)
			continue;
		rzone_t *z = &r->z[r->n++];
		z->r = r;
		z->dz = dz;
		atomic_init(&z->done, false);
		atomic_init(&z->notify, false);
		uv_timer_init(loop, &z->timer);
		uv_timer_init(loop, &z->expire);
		z->timer.data = z->expire.data = z;
		z->state = RS_IDLE;
		/* a journal that does not end at the copy's serial (a kill between
		 * the journal commit and the copy's rename, a copy replaced by
		 * hand) cannot serve IXFR from it: start it again */
		uint32_t jf, jl;
		if (d->journal != NULL &&
		    journal_serial_range(d->journal, dz->conf->domain, &jf, &jl) == 0 &&
		    (dz->zone == NULL || jl != dz->zone->serial)) {
			log_info(
			    "zone %s: journal ends at serial %u, the copy is %s: journal flushed",
			    dz->name, jl, dz->zone ? "at another serial" : "missing");
			(void)journal_flush(d->journal, dz->conf->domain);
		}
		bool have = false;
		if (dz->zone != NULL && r->journal != NULL &&
		    journal_timers_load(r->journal, dz->conf->domain, &z->t) == 0 &&
		    z->t.last_serial == dz->zone->serial)
			have = true;
		if (!have) {
			memset(&z->t, 0, sizeof(z->t));
			start_refresh(z);
			continue;
		}
		log_info(
		    "zone %s: secondary, serial %u, next refresh in %lld s, expires in %lld s; "
		    "checking the primaries' SOA now",
		    dz->name, dz->zone->serial, (long long)(z->t.next_refresh - now),
		    (long long)(z->t.expire_at - now));
		if (z->t.expire_at <= now) {
			on_expire(&z->expire);
		} else {
			timer_at(&z->expire, z->t.expire_at, on_expire);
		}
		/* One SOA query at start-up, as BIND does: a NOTIFY answered just
		 * before a crash, or a refresh the crash cut short, is not lost
		 * until the next refresh.  Not newer: no transfer; failed: the
		 * persisted timers stand (finish). */
		z->startup_check = true;
		start_refresh(z);
		if (!z->busy) {
			z->startup_check = false;
			timer_at(&z->timer, z->t.next_refresh, on_timer);
		}
	}
	*out = r;
	return 0;
}

void refresh_stop(refresh_t *r)
{
	if (r == NULL)
		return;
	atomic_store(&r->cancel, true);
	for (size_t i = 0; i < r->n; i++) {
		rzone_t *z = &r->z[i];
		if (z->busy) {
			pthread_join(z->thread, NULL);
			z->busy = false;
			daemon_zone_release(r->d, z->cur);
			daemon_zone_release(r->d, z->res.zone);
			xfrin_res_clear(&z->res);
		}
		/* a copy being written is finished (a clean stop leaves it
		 * current); a newer one waiting is written now */
		while (z->writing)
			end_write(z);
		uv_timer_stop(&z->timer);
		uv_timer_stop(&z->expire);
		uv_close((uv_handle_t *)&z->timer, NULL);
		uv_close((uv_handle_t *)&z->expire, NULL);
	}
	uv_close((uv_handle_t *)&r->async, NULL);
	/* the handles are closed by the daemon's final uv_run; free after it */
	uv_run(r->loop, UV_RUN_NOWAIT);
	if (r->own_journal)
		journal_close(r->journal);
	free(r->z);
	free(r);
}

/* ------------------------------------------------------------- NOTIFY */

int refresh_notify_answer(daemon_t *d, const uint8_t *q, size_t qlen, const struct sockaddr *client,
                          uint8_t *out, size_t cap, size_t *outlen)
{
	*outlen = 0;
	msg_t m;
	if (msg_parse(&m, q, qlen) != 0 || !m.has_question)
		return 0;
	const conf_t *c = d->conf;
	char peer[96], zname[NAME_TEXT_MAXLEN];
	daemon_addr_text(client, peer, sizeof(peer));
	if (name_to_text(m.qname, zname, sizeof(zname)) < 0)
		strcpy(zname, "?");
	unsigned rcode = MSG_RCODE_NOERROR;
	const conf_zone_t *zc = conf_zone_find(c, m.qname);
	size_t zi = 0;
	for (; zc != NULL && zi < d->nzones; zi++)
		if (d->zones[zi].conf == zc)
			break;
	/* TSIG first: a bad signature is NOTAUTH whatever else (RFC 8945) */
	tsig_req_t req;
	memset(&req, 0, sizeof(req));
	const char *key_id = NULL;
	tsig_key_t keys[64];
	size_t nk = 0;
	if (m.has_tsig) {
		for (size_t i = 0; i < c->key.n && nk < 64; i++)
			if (tsig_key_init(&keys[nk], c->key.v[i].id,
			                  (tsig_alg_t)c->key.v[i].algorithm, c->key.v[i].secret,
			                  c->key.v[i].secret_len) == 0)
				nk++;
		tsig_keyring_t ring = {keys, nk};
		if (tsig_verify(&m, &ring, now_s(), &req) != TSIG_OK) {
			rcode = tsig_status_rcode(req.status);
		} else {
			const conf_key_t *k = conf_key_find(c, req.key->name);
			key_id = k ? k->id : NULL;
		}
	}
	const char *why = NULL;
	if (rcode == MSG_RCODE_NOERROR) {
		if (zc == NULL || zc->role != CONF_ROLE_SECONDARY || zi == d->nzones) {
			rcode = MSG_RCODE_NOTAUTH;
			why = "not a secondary zone of ours";
		} else if (!conf_acl_allows(c, zc->domain, client, CONF_ACTION_NOTIFY, key_id)) {
			rcode = MSG_RCODE_REFUSED;
			why = "not allowed by the ACL";
		}
	} else {
		why = "TSIG does not verify";
	}
	/* RFC 1996 §3.7: the question echoed, QR and AA, id and opcode kept */
	msg_builder_t b;
	uint16_t flags = (uint16_t)(MSG_FLAG_QR | MSG_FLAGS(MSG_OPCODE_NOTIFY, 0) |
	                            (rcode == MSG_RCODE_NOERROR ? MSG_FLAG_AA : 0));
	size_t lim = cap < 4096 ? cap : 4096;
	if (msg_build_init(&b, out, lim, m.id, flags) != 0 ||
	    msg_build_question(&b, m.qname, m.qtype, m.qclass) != 0)
		goto wipe;
	(void)msg_build_set_rcode(&b, rcode);
	size_t len = msg_build_len(&b);
	if (m.has_tsig && req.status != TSIG_OK) {
		if (tsig_sign_error(out, &len, lim, &req, now_s()) != 0)
			len = msg_build_len(&b);
	} else if (m.has_tsig) {
		tsig_ctx_t tc;
		if (tsig_ctx_init_response(&tc, &req) == 0) {
			if (tsig_ctx_sign(&tc, out, &len, lim, now_s()) != 0)
				len = msg_build_len(&b);
			tsig_ctx_clear(&tc);
		}
	}
	*outlen = len;
	if (why != NULL) {
		log_warning("NOTIFY for %s from %s refused (%s)", zname, peer, why);
	} else {
		log_info("NOTIFY for %s from %s: refreshing now", zname, peer);
		struct refresh *r = d->refresh;
		if (r != NULL) {
			for (size_t i = 0; i < r->n; i++)
				if (r->z[i].dz == &d->zones[zi])
					atomic_store(&r->z[i].notify, true);
			uv_async_send(&r->async);
		}
	}
wipe:
	explicit_bzero(keys, sizeof(keys));
	return 0;
}

/* ------------------------------------------------------------ control */

static rzone_t *find_rzone(const daemon_t *d, const daemon_zone_t *dz)
{
	const struct refresh *r = d->refresh;
	for (size_t i = 0; r != NULL && i < r->n; i++)
		if (r->z[i].dz == dz)
			return &r->z[i];
	return NULL;
}

int refresh_info(const daemon_t *d, const daemon_zone_t *dz, refresh_info_t *out)
{
	memset(out, 0, sizeof(*out));
	out->state = "idle";
	out->error = "";
	const rzone_t *z = find_rzone(d, dz);
	if (z == NULL)
		return ERR_NOTFOUND;
	out->busy = z->busy;
	out->last_refresh = z->t.last_refresh;
	out->next_refresh = z->busy ? 0 : z->t.next_refresh;
	out->expire_at = z->t.expire_at;
	out->state = dz->expired ? "expired" : RSTATE[atomic_load(&z->state)];
	out->error = z->error;
	out->retransfer_queued = z->force_axfr;
	return 0;
}

int refresh_now(daemon_t *d, daemon_zone_t *dz, bool axfr, bool *queued)
{
	*queued = false;
	rzone_t *z = find_rzone(d, dz);
	if (z == NULL)
		return ERR_NOTFOUND;
	if (atomic_load(&z->r->cancel))
		return -ECANCELED;
	if (axfr)
		z->force_axfr = true;
	if (z->busy) {
		/* after the running one (finish() looks at both flags) */
		atomic_store(&z->notify, true);
		*queued = true;
		return 0;
	}
	start_refresh(z);
	return z->busy ? 0 : -EAGAIN;
}
