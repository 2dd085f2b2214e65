/*
 * nsfleetd's life:
 *
 *   conf ──► load every zone ──► publish the zone set ──► open UDP, TCP,
 *   control ──► "ready" ──► main loop: SIGHUP / control "reload" (load
 *   beside, publish, free the old after a grace period), control "status"
 *   ──► SIGTERM/SIGINT ──► stop the front ends ──► exit 0
 *
 * A zone whose file fails at startup is left out (logged as an error; the
 * server starts with the others and answers REFUSED for it, as for any
 * name it does not serve) so that one bad file cannot take every other
 * zone down; a later reload that succeeds adds it.  A zone that fails on
 * reload keeps serving its last good version.  An address that cannot be
 * bound stops the start: exit 1.
 */
#include "server/daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <urcu/urcu-memb.h>
#include <uv.h>

#include "common/err.h"
#include "server/ctl.h"
#include "server/journal.h"
#include "server/log.h"
#include "server/refresh.h"
#include "server/notify.h"
#include "server/primary.h"
#include "server/tcp.h"
#include "server/udp.h"
#include "zone/zone_file.h"
#include "zone/zone_reload.h"

/* ------------------------------------------------------------ sockets */

void daemon_addr_text(const struct sockaddr *sa, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	}
	snprintf(buf, cap, "%s@%u", host, port);
}

static int socket_open(const struct sockaddr *addr, socklen_t len, int type, bool reuseport,
                       bool nonblock)
{
	int fd = socket(addr->sa_family, type | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	if (addr->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail;
	if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto fail;
	if (bind(fd, addr, len) < 0)
		goto fail;
	if (type == SOCK_STREAM && reuseport && listen(fd, 128) < 0)
		goto fail;
	return fd;
fail:;
	int err = -errno;
	close(fd);
	return err;
}

int daemon_socket(const struct sockaddr *addr, socklen_t len, int type, bool nonblock)
{
	return socket_open(addr, len, type, true, nonblock);
}

int daemon_addr_free(const struct sockaddr *addr, socklen_t len, int type)
{
	/* without SO_REUSEPORT the bind fails if anyone holds the address */
	int fd = socket_open(addr, len, type, false, false);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* -------------------------------------------------------------- zones */

typedef struct {
	const char *zone;
	size_t errors, warnings;
	char first[512]; /* "file:line:col: msg" of the first error */
} load_report_t;

#define DAEMON_MAX_WARNINGS 5 /* logged per zone and load */

static void on_load_problem(void *ctx, const char *file, unsigned line, unsigned col,
                            zone_sev_t sev, const char *msg)
{
	load_report_t *r = ctx;
	if (sev == ZONE_ERROR) {
		if (r->errors++ == 0)
			snprintf(r->first, sizeof(r->first), "%s:%u:%u: %s", file ? file : "-",
			         line, col, msg);
	} else if (sev == ZONE_WARNING) {
		if (r->warnings++ < DAEMON_MAX_WARNINGS)
			log_warning("zone %s: %s:%u:%u: %s", r->zone, file ? file : "-", line, col,
			            msg);
	}
}

/* Loads one zone's file; the new version or NULL, with r saying why. */
static zone_t *zone_load(const conf_zone_t *zc, const char *name, load_report_t *r)
{
	memset(r, 0, sizeof(*r));
	r->zone = name;
	zone_t *z = NULL;
	int rc = zone_load_file(zc->domain, zc->path, on_load_problem, r, &z);
	if (rc < 0 && r->errors == 0)
		snprintf(r->first, sizeof(r->first), "%s: %s", zc->path, err_str(rc));
	if (r->errors > 1) {
		size_t l = strlen(r->first);
		snprintf(r->first + l, sizeof(r->first) - l, " (and %zu more errors)",
		         r->errors - 1);
	}
	return rc == 0 ? z : NULL;
}

/* A primary's file through its reloader (zone_reload.h): only what changed
 * is read when that is safe, the whole file otherwise.  served: the version
 * served now (NULL: none).  The result as zone_load, with *cs the changes
 * when incremental (info says). */
static zone_t *zone_load_primary(daemon_t *d, daemon_zone_t *dz, const zone_t *served,
                                 load_report_t *r, changeset_t *cs, zone_reload_info_t *info)
{
	memset(r, 0, sizeof(*r));
	memset(info, 0, sizeof(*info));
	r->zone = dz->name;
	if (dz->reload == NULL) {
		dz->reload = zone_reload_new(dz->conf->domain, dz->conf->path,
		                             strcmp(d->conf->source, CONF_QUICK_FILE) == 0
		                                 ? NULL
		                                 : d->conf->server.storage);
		if (dz->reload == NULL)
			return zone_load(dz->conf, dz->name, r);
	}
	zone_t *z = NULL;
	int rc = zone_reload_load(dz->reload, served, on_load_problem, r, &z, cs, info);
	if (rc < 0 && r->errors == 0)
		snprintf(r->first, sizeof(r->first), "%s: %s", dz->conf->path, err_str(rc));
	if (r->errors > 1) {
		size_t l = strlen(r->first);
		snprintf(r->first + l, sizeof(r->first) - l, " (and %zu more errors)",
		         r->errors - 1);
	}
	return rc == 0 ? z : NULL;
}

/* "; incremental: 4 of 291 chunks, ..." or "; whole file read (why)". */
static void reload_note(const zone_reload_info_t *info, char *buf, size_t cap)
{
	if (info->incremental)
		snprintf(buf, cap, "; incremental: %zu of %zu chunks, %zu of %zu bytes read",
		         info->chunks_read, info->chunks, info->bytes_read, info->bytes);
	else
		snprintf(buf, cap, "; whole file read (%s)", info->why_full);
}

const zonedb_t *daemon_db_get(daemon_t *d)
{
	return rcu_dereference(d->db);
}

zone_t *daemon_zone_hold(daemon_t *d, const zone_t *z)
{
	pthread_mutex_lock(&d->zone_lock);
	zone_t *c = zone_clone(z);
	pthread_mutex_unlock(&d->zone_lock);
	return c;
}

void daemon_zone_release(daemon_t *d, zone_t *z)
{
	pthread_mutex_lock(&d->zone_lock);
	zone_free(z);
	pthread_mutex_unlock(&d->zone_lock);
}

/* Builds the set of every loaded zone and publishes it; frees the old set
 * after the grace period (STYLE rule 7).  Queries never wait:
 * they read whichever set the pointer held when their batch started. */
int daemon_publish(daemon_t *d)
{
	zone_t **v = calloc(d->nzones + 1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < d->nzones; i++)
		if (d->zones[i].zone != NULL)
			v[n++] = d->zones[i].zone;
	zonedb_t *db = NULL;
	pthread_mutex_lock(&d->zone_lock);
	int rc = zonedb_new(v, n, &db);
	pthread_mutex_unlock(&d->zone_lock);
	free(v);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < d->nzones; i++)
		if (d->zones[i].zone != NULL && d->zones[i].expired)
			zonedb_set_expired(db, d->zones[i].zone->origin);
	zonedb_t *old = d->db;
	rcu_assign_pointer(d->db, db);
	/* never with zone_lock held: a reader may be waiting for it inside
	 * its read-side section (daemon_zone_hold) */
	urcu_memb_synchronize_rcu();
	pthread_mutex_lock(&d->zone_lock);
	zonedb_free(old);
	pthread_mutex_unlock(&d->zone_lock);
	return 0;
}

int daemon_reload(daemon_t *d, const uint8_t *origin, bool force, size_t *loaded, char *msg,
                  size_t msgcap)
{
	*loaded = 0;
	msg[0] = 0;
	int failed = 0;
	bool found = false;
	bool *changed = calloc(d->nzones + 1, sizeof(*changed));
	if (changed == NULL) {
		snprintf(msg, msgcap, "out of memory");
		return 1;
	}
	for (size_t i = 0; i < d->nzones; i++) {
		daemon_zone_t *dz = &d->zones[i];
		if (origin != NULL && !name_equal(origin, dz->conf->domain))
			continue;
		found = true;
		load_report_t r;
		changeset_t cs;
		changeset_init(&cs);
		zone_reload_info_t info = {0};
		bool primary = dz->conf->role == CONF_ROLE_PRIMARY;
		zone_t *z = primary ? zone_load_primary(d, dz, dz->zone, &r, &cs, &info)
		                    : zone_load(dz->conf, dz->name, &r);
		uint32_t file_serial = z != NULL ? z->serial : 0;
		char note[160] = "";
		if (primary && z != NULL)
			reload_note(&info, note, sizeof(note));
		if (z != NULL && primary) {
			/* serial policy, shrink guard, journal (primary.c) */
			primary_reload_t pr = {
			    .name = dz->name,
			    .policy = dz->conf->serial_policy,
			    .conf = dz->conf,
			    .old = dz->zone,
			    .old_file_serial = dz->file_serial,
			    .journal = d->journal,
			    .force = force,
			    .now = (uint64_t)time(NULL),
			    .cs = info.incremental ? &cs : NULL,
			};
			zone_t *next = NULL;
			int prc = primary_reload(&pr, z, &next, r.first, sizeof(r.first));
			z = next;
			if (prc == 0 && z == NULL) {
				zone_reload_commit(dz->reload);
				changeset_free(&cs);
				dz->file_serial = file_serial;
				dz->error[0] = 0;
				(*loaded)++;
				continue; /* unchanged */
			}
		}
		changeset_free(&cs);
		if (z == NULL) {
			if (primary && dz->reload != NULL)
				zone_reload_abort(dz->reload);
			failed++;
			char keep[64];
			if (dz->zone != NULL)
				snprintf(keep, sizeof(keep), "keeping serial %u", dz->zone->serial);
			else
				snprintf(keep, sizeof(keep), "not served");
			log_error("zone %s: %s; %s", dz->name, r.first, keep);
			snprintf(dz->error, sizeof(dz->error), "%s", r.first);
			if (msg[0] == 0)
				snprintf(msg, msgcap, "zone %s: %s; %s", dz->name, r.first, keep);
			continue;
		}
		if (primary && dz->reload != NULL)
			zone_reload_commit(dz->reload);
		if (dz->zone != NULL && z->serial != file_serial)
			log_info(
			    "zone %s: reloaded, serial %u (was %u; %u in the file, serial-policy), "
			    "%zu records%s",
			    dz->name, z->serial, dz->zone->serial, file_serial, z->records, note);
		else if (dz->zone != NULL)
			log_info("zone %s: reloaded, serial %u (was %u), %zu records%s", dz->name,
			         z->serial, dz->zone->serial, z->records, note);
		else
			log_info("zone %s: loaded, serial %u, %zu records", dz->name, z->serial,
			         z->records);
		zone_t *old = dz->zone;
		dz->zone = z;
		dz->file_serial = file_serial;
		dz->error[0] = 0;
		changed[i] = true;
		/* the published set holds its own clones: old may go now */
		daemon_zone_release(d, old);
		(*loaded)++;
	}
	if (!found) {
		free(changed);
		return -1;
	}
	int rc = daemon_publish(d);
	if (rc < 0) {
		log_error("cannot publish the zones: %s", err_str(rc));
		if (msg[0] == 0)
			snprintf(msg, msgcap, "cannot publish the zones: %s", err_str(rc));
		free(changed);
		return failed + 1;
	}
	/* published: tell the secondaries (RFC 1996) */
	for (size_t i = 0; i < d->nzones; i++)
		if (changed[i] && d->zones[i].conf->role == CONF_ROLE_PRIMARY)
			notify_zone(d->notify, d->zones[i].conf, d->zones[i].zone);
	free(changed);
	return failed;
}

/* ---------------------------------------------------- answers and ACL */

void daemon_answer_opts(const daemon_t *d, answer_opts_t *o)
{
	memset(o, 0, sizeof(*o));
	const conf_server_t *s = &d->conf->server;
	o->udp_max = (uint16_t)(s->udp_max_payload ? s->udp_max_payload : ANSWER_UDP_DEFAULT);
	if (s->identity != NULL) {
		o->identity = s->identity;
		o->nsid = (const uint8_t *)s->identity;
		o->nsid_len = strlen(s->identity);
	}
	o->version = s->version;
	o->cookie_secret = d->cookie_secret;
}

bool daemon_xfr_allowed(const daemon_t *d, const uint8_t *origin, const struct sockaddr *client)
{
	return conf_acl_allows(d->conf, origin, client, CONF_ACTION_TRANSFER, NULL);
}

/* --------------------------------------------------------------- run */

typedef struct {
	daemon_t *d;
	uv_signal_t hup, term, intr;
} daemon_signals_t;

static void on_signal(uv_signal_t *s, int signum)
{
	daemon_t *d = s->data;
	if (signum == SIGHUP) {
		log_info("SIGHUP: reloading every zone");
		size_t loaded;
		char msg[1024];
		int failed = daemon_reload(d, NULL, false, &loaded, msg, sizeof(msg));
		log_info("reload done: %zu zones reloaded, %d failed", loaded,
		         failed < 0 ? 0 : failed);
		return;
	}
	log_info("%s: stopping", signum == SIGTERM ? "SIGTERM" : "SIGINT");
	daemon_stop(d);
}

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void daemon_stop(daemon_t *d)
{
	atomic_store(&d->stopping, true);
	uv_stop(d->loop);
}

static int daemon_init_zones(daemon_t *d)
{
	const conf_t *c = d->conf;
	d->zones = calloc(c->zone.n + 1, sizeof(*d->zones));
	if (d->zones == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < c->zone.n; i++) {
		const conf_zone_t *zc = &c->zone.v[i];
		daemon_zone_t *dz = &d->zones[d->nzones];
		dz->conf = zc;
		if (name_to_text(zc->domain, dz->name, sizeof(dz->name)) < 0)
			snprintf(dz->name, sizeof(dz->name), "%s", zc->domain_text);
		if (zc->role == CONF_ROLE_SECONDARY) {
			/* its copy from the last transfer, if any (refresh.c) */
			d->nzones++;
			refresh_zone_load(d, dz);
			continue;
		}
		d->nzones++;
		load_report_t r;
		changeset_t cs;
		changeset_init(&cs);
		zone_reload_info_t info;
		dz->zone = zone_load_primary(d, dz, NULL, &r, &cs, &info);
		changeset_free(&cs);
		if (dz->zone != NULL)
			zone_reload_commit(dz->reload);
		else if (dz->reload != NULL)
			zone_reload_abort(dz->reload);
		if (dz->zone == NULL) {
			log_error("zone %s: %s; not served", dz->name, r.first);
			snprintf(dz->error, sizeof(dz->error), "%s", r.first);
		} else {
			log_info("zone %s: loaded, serial %u, %zu records", dz->name,
			         dz->zone->serial, dz->zone->records);
			dz->file_serial = dz->zone->serial;
			if (d->journal != NULL)
				primary_journal_start(d->journal, dz->name, zc->serial_policy,
				                      (uint64_t)time(NULL), &dz->zone);
		}
	}
	return daemon_publish(d);
}

int daemon_check(const conf_t *conf)
{
	int bad = 0;
	for (size_t i = 0; i < conf->zone.n; i++) {
		const conf_zone_t *zc = &conf->zone.v[i];
		char name[NAME_TEXT_MAXLEN];
		if (name_to_text(zc->domain, name, sizeof(name)) < 0)
			snprintf(name, sizeof(name), "%s", zc->domain_text);
		load_report_t r;
		zone_t *z = zone_load(zc, name, &r);
		if (z == NULL) {
			log_error("zone %s: %s", name, r.first);
			bad = 1;
		}
		zone_free(z);
	}
	return bad;
}

/* The journal under storage/journal; none in quick mode (no storage of
 * its own: IXFR is then answered in full).  Failing to open it stops the
 * start: a primary must commit its changesets before it publishes. */
static int daemon_open_journal(daemon_t *d)
{
	const conf_t *c = d->conf;
	if (strcmp(c->source, CONF_QUICK_FILE) == 0 || c->server.storage == NULL)
		return 0;
	char dir[4200];
	size_t sl = strlen(c->server.storage);
	snprintf(dir, sizeof(dir), "%s%sjournal", c->server.storage,
	         sl > 0 && c->server.storage[sl - 1] == '/' ? "" : "/");
	int rc = journal_open(dir, 0, 0, &d->journal);
	if (rc < 0) {
		log_error("journal %s: %s", dir, err_str(rc));
		d->journal = NULL;
		return rc;
	}
	log_info("journal %s opened", dir);
	return 0;
}

static void daemon_free(daemon_t *d)
{
	zonedb_free(d->db); /* every reader thread has been joined */
	journal_close(d->journal);
	for (size_t i = 0; i < d->nzones; i++) {
		zone_free(d->zones[i].zone);
		zone_reload_free(d->zones[i].reload);
	}
	free(d->zones);
	pthread_mutex_destroy(&d->zone_lock);
	conf_free(d->conf);
}

int daemon_run(conf_t *conf)
{
	daemon_t dd, *d = &dd;
	memset(d, 0, sizeof(*d));
	d->conf = conf;
	atomic_init(&d->stopping, false);
	pthread_mutex_init(&d->zone_lock, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (getrandom(d->cookie_secret, sizeof(d->cookie_secret), 0) !=
	    (ssize_t)sizeof(d->cookie_secret)) {
		log_error("cannot get random bytes for the cookie secret: %s", strerror(errno));
		daemon_free(d);
		return 1;
	}

	uv_loop_t loop;
	if (uv_loop_init(&loop) < 0) {
		daemon_free(d);
		return 1;
	}
	d->loop = &loop;
	daemon_signals_t sig = {.d = d};
	uv_signal_init(&loop, &sig.hup);
	uv_signal_init(&loop, &sig.term);
	uv_signal_init(&loop, &sig.intr);
	sig.hup.data = sig.term.data = sig.intr.data = d;
	uv_signal_start(&sig.hup, on_signal, SIGHUP);
	uv_signal_start(&sig.term, on_signal, SIGTERM);
	uv_signal_start(&sig.intr, on_signal, SIGINT);

	int status = 1;
	const conf_server_t *s = &conf->server;
	int rc = daemon_open_journal(d);
	if (rc < 0)
		goto out;
	rc = notify_new(&loop, &d->notify);
	if (rc < 0)
		goto out;
	rc = daemon_init_zones(d);
	if (rc < 0) {
		log_error("cannot build the zone set: %s", err_str(rc));
		goto out;
	}
	rc = refresh_start(d, &loop, &d->refresh);
	if (rc < 0) {
		log_error("cannot start the secondary zones' refresh: %s", err_str(rc));
		goto out;
	}
	if (s->listen.n == 0)
		log_warning("no listen address: serving nothing");
	if (udp_start(d, s->listen.v, s->listen.n, s->udp_workers, &d->udp) < 0)
		goto out;
	tcp_opts_t to = {
	    .threads = s->tcp_workers,
	    .idle_ms = s->tcp_idle_timeout * 1000,
	    .max_clients = s->tcp_max_clients,
	};
	if (tcp_start(d, s->listen.v, s->listen.n, &to, &d->tcp) < 0)
		goto out;
	if (s->control != NULL && ctl_start(d, &loop, s->control, &d->ctl) < 0)
		goto out;
	size_t served = 0;
	for (size_t i = 0; i < d->nzones; i++)
		served += d->zones[i].zone != NULL;
	log_info("serving %zu of %zu zones on %zu addresses, %u UDP workers and %u TCP "
	         "threads per address",
	         served, conf->zone.n, s->listen.n, s->udp_workers ? s->udp_workers : 1,
	         to.threads ? to.threads : 1);
	log_info("ready");
	uv_run(&loop, UV_RUN_DEFAULT);
	status = 0;
out:
	tcp_stop(d->tcp);
	udp_stop(d->udp);
	refresh_stop(d->refresh); /* after the front ends: no NOTIFY comes in now */
	d->refresh = NULL;
	ctl_stop(d->ctl);
	notify_stop(d->notify);
	d->notify = NULL;
	uv_walk(&loop, close_walk, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	daemon_free(d);
	if (status == 0)
		log_info("stopped");
	return status;
}
