#include "server/ctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "server/journal.h"
#include "server/log.h"
#include "server/notify.h"
#include "server/refresh.h"

#define CTL_LINE_MAX  1024
#define CTL_REPLY_MAX (64 * 1024)
#define CTL_TIMEOUT   10000 /* ms a client may take to send its line */

struct ctl {
	daemon_t *d;
	uv_pipe_t listener;
	char *path;
};

typedef struct {
	uv_pipe_t h;
	uv_timer_t timer;
	uv_write_t wreq;
	ctl_t *ctl;
	int refs;
	bool closing;
	size_t len;
	char line[CTL_LINE_MAX];
	char *reply;
} ctl_client_t;

static void client_on_close(uv_handle_t *h)
{
	ctl_client_t *c = h->data;
	if (--c->refs > 0)
		return;
	free(c->reply);
	free(c);
}

static void client_close(ctl_client_t *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->h, client_on_close);
	uv_close((uv_handle_t *)&c->timer, client_on_close);
}

static void client_on_timeout(uv_timer_t *t)
{
	client_close(t->data);
}

static void client_on_write(uv_write_t *req, int status)
{
	(void)status;
	client_close(req->data);
}

/* ------------------------------------------------------------ replies */

/* A reply under construction: the first line, then records (see ctl.h). */
typedef struct {
	char *buf;
	size_t cap, len;
	bool rec_open; /* a record line is being written */
} reply_t;

static void put(reply_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(reply_t *r, const char *fmt, ...)
{
	if (r->len >= r->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(r->buf + r->len, r->cap - r->len, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	r->len = (size_t)k < r->cap - r->len ? r->len + (size_t)k : r->cap - 1;
}

/* One key=value field of the current record; the value's tabs and
 * newlines become spaces (they separate fields and records). */
static void field(reply_t *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void field(reply_t *r, const char *key, const char *fmt, ...)
{
	char v[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	for (char *p = v; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	put(r, "%s%s=%s", r->rec_open ? "\t" : "", key, v);
	r->rec_open = true;
}

static void rec_end(reply_t *r)
{
	if (r->rec_open)
		put(r, "\n");
	r->rec_open = false;
}

static void reply_line(char *out, size_t cap, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void reply_line(char *out, size_t cap, bool ok, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	snprintf(out, cap, "%s %s\n", ok ? "OK" : "ERROR", msg);
}

/* ------------------------------------------------------------- status */

static void zone_record(ctl_t *ctl, reply_t *r, daemon_zone_t *dz)
{
	daemon_t *d = ctl->d;
	const conf_zone_t *zc = dz->conf;
	bool secondary = zc->role == CONF_ROLE_SECONDARY;
	field(r, "zone", "%s", dz->name);
	field(r, "role", "%s", secondary ? "secondary" : "primary");
	if (dz->zone != NULL)
		field(r, "serial", "%u", dz->zone->serial);
	else
		field(r, "serial", "%s", "");
	field(r, "loaded", "%s", dz->zone != NULL ? "yes" : "no");
	field(r, "error", "%s", dz->error);
	if (secondary) {
		refresh_info_t ri;
		if (refresh_info(d, dz, &ri) == 0) {
			field(r, "state", "%s", ri.state);
			field(r, "refreshing", "%s", ri.busy ? "yes" : "no");
			field(r, "last-refresh", "%llu", (unsigned long long)ri.last_refresh);
			field(r, "next-refresh", "%llu", (unsigned long long)ri.next_refresh);
			field(r, "expire", "%llu", (unsigned long long)ri.expire_at);
			field(r, "last-error", "%s", ri.error);
		}
		field(r, "expired", "%s", dz->expired ? "yes" : "no");
	}
	size_t targets = 0;
	for (size_t i = 0; i < zc->notify.n; i++)
		targets += zc->notify.v[i]->address.n;
	field(r, "notify-targets", "%zu", targets);
	/* the last NOTIFY to each peer (notify.h), numbered fields */
	notify_info_t ni[32];
	size_t nn = notify_info(d->notify, zc, ni, 32);
	for (size_t i = 0; i < nn && i < 32; i++) {
		char k[32];
		snprintf(k, sizeof(k), "notify.%zu.peer", i);
		field(r, k, "%s", ni[i].peer);
		snprintf(k, sizeof(k), "notify.%zu.serial", i);
		field(r, k, "%u", ni[i].serial);
		snprintf(k, sizeof(k), "notify.%zu.state", i);
		field(r, k, "%s", ni[i].state);
		snprintf(k, sizeof(k), "notify.%zu.tries", i);
		field(r, k, "%u", ni[i].tries);
		snprintf(k, sizeof(k), "notify.%zu.when", i);
		field(r, k, "%llu", (unsigned long long)ni[i].when);
	}
	uint32_t first, last;
	size_t count = 0, bytes = 0;
	if (d->journal != NULL &&
	    journal_serial_range(d->journal, zc->domain, &first, &last) == 0 &&
	    journal_usage(d->journal, zc->domain, &count, &bytes) == 0) {
		field(r, "journal-from", "%u", first);
		field(r, "journal-to", "%u", last);
	}
	field(r, "journal-changesets", "%zu", count);
	rec_end(r);
}

/* The zone named by text arg, or NULL (the reply says why). */
static daemon_zone_t *zone_arg(ctl_t *ctl, const char *arg, char *out, size_t cap)
{
	uint8_t origin[NAME_MAXLEN];
	size_t olen;
	static const uint8_t root[1] = {0};
	if (name_from_text(arg, strlen(arg), root, origin, &olen) < 0) {
		reply_line(out, cap, false, "bad zone name '%s'", arg);
		return NULL;
	}
	name_to_lower(origin);
	for (size_t i = 0; i < ctl->d->nzones; i++)
		if (name_equal(origin, ctl->d->zones[i].conf->domain))
			return &ctl->d->zones[i];
	reply_line(out, cap, false, "no such zone: %s", arg);
	return NULL;
}

static void do_status(ctl_t *ctl, const char *arg, char *out, size_t cap)
{
	daemon_zone_t *one = NULL;
	if (arg != NULL && (one = zone_arg(ctl, arg, out, cap)) == NULL)
		return;
	reply_line(out, cap, true, "%zu zones", one ? (size_t)1 : ctl->d->nzones);
	size_t l = strlen(out);
	reply_t r = {out + l, cap - l, 0, false};
	for (size_t i = 0; i < ctl->d->nzones; i++)
		if (one == NULL || one == &ctl->d->zones[i])
			zone_record(ctl, &r, &ctl->d->zones[i]);
}

/* ------------------------------------------------------------ actions */

static void do_reload(ctl_t *ctl, const char *arg, bool force, char *out, size_t cap)
{
	daemon_zone_t *dz = NULL;
	if (arg != NULL && (dz = zone_arg(ctl, arg, out, cap)) == NULL)
		return;
	size_t loaded = 0;
	char msg[1024];
	int failed =
	    daemon_reload(ctl->d, dz ? dz->conf->domain : NULL, force, &loaded, msg, sizeof(msg));
	if (failed < 0)
		reply_line(out, cap, false, "no such zone: %s", arg);
	else if (failed > 0)
		reply_line(out, cap, false, "reloaded %zu zones, %d failed: %s", loaded, failed,
		           msg);
	else
		reply_line(out, cap, true, "reloaded %zu zones", loaded);
}

static void do_refresh(ctl_t *ctl, const char *arg, bool axfr, char *out, size_t cap)
{
	const char *what = axfr ? "retransfer" : "refresh";
	daemon_zone_t *dz = zone_arg(ctl, arg, out, cap);
	if (dz == NULL)
		return;
	if (dz->conf->role != CONF_ROLE_SECONDARY) {
		reply_line(out, cap, false, "%s is a primary zone: %s is for secondary zones",
		           dz->name, what);
		return;
	}
	bool queued = false;
	int rc = refresh_now(ctl->d, dz, axfr, &queued);
	if (rc < 0)
		reply_line(out, cap, false, "%s of %s: %s", what, dz->name, err_str(rc));
	else
		reply_line(out, cap, true, "%s of %s %s", what, dz->name,
		           queued ? "queued after the running refresh" : "started");
}

static void do_notify(ctl_t *ctl, const char *arg, char *out, size_t cap)
{
	daemon_zone_t *dz = zone_arg(ctl, arg, out, cap);
	if (dz == NULL)
		return;
	if (dz->zone == NULL) {
		reply_line(out, cap, false, "%s is not loaded: nothing to notify", dz->name);
		return;
	}
	int n = notify_zone(ctl->d->notify, dz->conf, dz->zone);
	if (n <= 0)
		reply_line(out, cap, false,
		           "NOTIFY of %s serial %u: no target (none configured, or none could be "
		           "started: see the log)",
		           dz->name, dz->zone->serial);
	else
		reply_line(out, cap, true, "NOTIFY of %s serial %u started to %d targets", dz->name,
		           dz->zone->serial, n);
}

#define CTL_USAGE                                                                                  \
	"reload [--force] [ZONE] | refresh ZONE | retransfer ZONE | notify ZONE | status [ZONE]"

/* Runs one request line; the reply (ctl.h) into out. */
static void ctl_handle(ctl_t *ctl, char *line, char *out, size_t cap)
{
	char *save = NULL;
	char *tok[4] = {NULL, NULL, NULL, NULL};
	size_t n = 0;
	char *t;
	while ((t = strtok_r(n == 0 ? line : NULL, " \t\r", &save)) != NULL) {
		if (n == 4) {
			reply_line(out, cap, false, "too many words (" CTL_USAGE ")");
			return;
		}
		tok[n++] = t;
	}
	if (n == 0) {
		reply_line(out, cap, false, "empty request");
		return;
	}
	const char *cmd = tok[0];
	bool force = n > 1 && strcmp(cmd, "reload") == 0 && strcmp(tok[1], "--force") == 0;
	const char *arg = tok[1 + force];
	size_t nargs = n - 1 - force;
	log_info("control: %s%s%s%s", cmd, force ? " --force" : "", arg ? " " : "", arg ? arg : "");
	if (strcmp(cmd, "status") == 0 && nargs <= 1)
		do_status(ctl, arg, out, cap);
	else if (strcmp(cmd, "reload") == 0 && nargs <= 1)
		do_reload(ctl, arg, force, out, cap);
	else if (strcmp(cmd, "refresh") == 0 && nargs == 1)
		do_refresh(ctl, arg, false, out, cap);
	else if (strcmp(cmd, "retransfer") == 0 && nargs == 1)
		do_refresh(ctl, arg, true, out, cap);
	else if (strcmp(cmd, "notify") == 0 && nargs == 1)
		do_notify(ctl, arg, out, cap);
	else
		reply_line(out, cap, false, "unknown request (" CTL_USAGE ")");
}

static void client_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	ctl_client_t *c = h->data;
	*buf = uv_buf_init(c->line + c->len, (unsigned)(sizeof(c->line) - 1 - c->len));
}

static void client_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	(void)buf;
	ctl_client_t *c = s->data;
	if (c->closing || n == 0)
		return;
	if (n < 0 && n != UV_EOF) {
		client_close(c);
		return;
	}
	if (n > 0)
		c->len += (size_t)n;
	c->line[c->len] = 0;
	char *nl = strchr(c->line, '\n');
	if (nl == NULL && n != UV_EOF && c->len < sizeof(c->line) - 1)
		return; /* not a whole line yet */
	if (nl != NULL)
		*nl = 0;
	uv_read_stop(s);
	c->reply = malloc(CTL_REPLY_MAX);
	if (c->reply == NULL) {
		client_close(c);
		return;
	}
	if (nl == NULL && n != UV_EOF)
		reply_line(c->reply, CTL_REPLY_MAX, false, "request longer than %d octets",
		           CTL_LINE_MAX - 1);
	else
		ctl_handle(c->ctl, c->line, c->reply, CTL_REPLY_MAX);
	uv_buf_t b = uv_buf_init(c->reply, (unsigned)strlen(c->reply));
	c->wreq.data = c;
	if (uv_write(&c->wreq, s, &b, 1, client_on_write) < 0)
		client_close(c);
}

static void ctl_on_connection(uv_stream_t *server, int status)
{
	ctl_t *ctl = server->data;
	if (status < 0)
		return;
	ctl_client_t *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return;
	c->ctl = ctl;
	uv_pipe_init(server->loop, &c->h, 0);
	uv_timer_init(server->loop, &c->timer);
	c->h.data = c;
	c->timer.data = c;
	c->refs = 2;
	if (uv_accept(server, (uv_stream_t *)&c->h) < 0) {
		client_close(c);
		return;
	}
	uv_timer_start(&c->timer, client_on_timeout, CTL_TIMEOUT, 0);
	uv_read_start((uv_stream_t *)&c->h, client_alloc, client_on_read);
}

static void ctl_walk_close(uv_handle_t *h, void *arg)
{
	ctl_t *ctl = arg;
	if (uv_is_closing(h) || h->type != UV_NAMED_PIPE || h == (uv_handle_t *)&ctl->listener)
		return;
	ctl_client_t *c = h->data;
	if (c != NULL && c->ctl == ctl)
		client_close(c);
}

static void ctl_on_close(uv_handle_t *h)
{
	ctl_t *ctl = h->data;
	free(ctl->path);
	free(ctl);
}

void ctl_stop(ctl_t *ctl)
{
	if (ctl == NULL)
		return;
	uv_walk(ctl->listener.loop, ctl_walk_close, ctl);
	unlink(ctl->path);
	uv_close((uv_handle_t *)&ctl->listener, ctl_on_close);
}

int ctl_start(daemon_t *d, uv_loop_t *loop, const char *path, ctl_t **out)
{
	*out = NULL;
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("control socket %s: a file of another kind is there", path);
			return -EEXIST;
		}
		unlink(path); /* left by an earlier run */
	}
	ctl_t *ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL || (ctl->path = strdup(path)) == NULL) {
		free(ctl);
		return -ENOMEM;
	}
	ctl->d = d;
	uv_pipe_init(loop, &ctl->listener, 0);
	ctl->listener.data = ctl;
	int rc = uv_pipe_bind(&ctl->listener, path);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&ctl->listener, 16, ctl_on_connection);
	if (rc < 0) {
		log_error("control socket %s: %s", path, uv_strerror(rc));
		uv_close((uv_handle_t *)&ctl->listener, ctl_on_close);
		return rc;
	}
	chmod(path, 0600); /* the control socket reloads zones: owner only */
	*out = ctl;
	return 0;
}
