/*
 * nsfleet ctl [-s PATH] [--json] COMMAND [ARGS]: one request line to
 * nsfleetd's control socket (src/server/ctl.h, doc/nsfleetd.md), the reply
 * shown as text or, with --json, as one JSON object.
 *
 * The daemon answers a first line "OK TEXT" / "ERROR TEXT" and then
 * records of TAB-separated key=value fields; this file renders them.  Exit
 * 0 when the server said OK, 1 when it said ERROR or could not be
 * reached, 2 for a usage error.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tools/tool.h"

#define CTL_DEFAULT_SOCKET "/run/nsfleet/control.sock"
#define CTL_TIMEOUT_MS     (120 * 1000) /* a reload of big zones takes a while */
#define CTL_REPLY_MAX      (1 << 20)
#define CTL_MAX_FIELDS     32

static void ctl_usage(FILE *out)
{
	fputs("usage: nsfleet ctl [-s PATH] [--json] reload [--force] [ZONE]\n"
	      "       nsfleet ctl [-s PATH] [--json] refresh ZONE\n"
	      "       nsfleet ctl [-s PATH] [--json] retransfer ZONE\n"
	      "       nsfleet ctl [-s PATH] [--json] notify ZONE\n"
	      "       nsfleet ctl [-s PATH] [--json] status [ZONE]\n"
	      "\n"
	      "  -s, --socket PATH   nsfleetd's control socket (default " CTL_DEFAULT_SOCKET ")\n"
	      "  --json              the reply as one JSON object\n"
	      "  --force             reload: accept a primary zone that shrank past the guard\n"
	      "\n"
	      "  refresh: SOA query now (secondary zone), transfer when the primary is newer\n"
	      "  retransfer: full AXFR now (secondary zone), whatever the serials\n"
	      "  notify: NOTIFY the zone's notify: targets now\n",
	      out);
}

static int ctl_send(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Sends req, reads the whole reply (until the server closes) into buf.
 * Its length, or -1 after printing why. */
static long ctl_exchange(const char *path, const char *req, char *buf, size_t cap)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "nsfleet ctl: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "nsfleet ctl: cannot connect to %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int rc = ctl_send(fd, req, strlen(req));
	if (rc < 0) {
		fprintf(stderr, "nsfleet ctl: %s: %s\n", path, strerror(-rc));
		close(fd);
		return -1;
	}
	size_t len = 0;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = CTL_TIMEOUT_MS - ((now.tv_sec - start.tv_sec) * 1000 +
		                              (now.tv_nsec - start.tv_nsec) / 1000000);
		struct pollfd p = {fd, POLLIN, 0};
		int pr = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			fprintf(stderr, "nsfleet ctl: %s: no reply in %d s\n", path,
			        CTL_TIMEOUT_MS / 1000);
			close(fd);
			return -1;
		}
		if (len + 1 >= cap) {
			fprintf(stderr, "nsfleet ctl: %s: reply longer than %zu octets\n", path,
			        cap);
			close(fd);
			return -1;
		}
		ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "nsfleet ctl: %s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	if (len == 0) {
		fprintf(stderr, "nsfleet ctl: %s: the server closed without a reply\n", path);
		return -1;
	}
	return (long)len;
}

/* ------------------------------------------------------------ records */

typedef struct {
	const char *key[CTL_MAX_FIELDS];
	const char *val[CTL_MAX_FIELDS];
	size_t n;
} record_t;

/* Splits one record line (modified in place). */
static void record_parse(char *line, record_t *r)
{
	r->n = 0;
	char *save = NULL;
	for (char *f = strtok_r(line, "\t", &save); f != NULL && r->n < CTL_MAX_FIELDS;
	     f = strtok_r(NULL, "\t", &save)) {
		char *eq = strchr(f, '=');
		if (eq == NULL)
			continue;
		*eq = 0;
		r->key[r->n] = f;
		r->val[r->n++] = eq + 1;
	}
}

static const char *record_get(const record_t *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->key[i], key) == 0)
			return r->val[i];
	return NULL;
}

static bool is_uint(const char *v)
{
	if (v == NULL || *v == 0)
		return false;
	for (; *v; v++)
		if (*v < '0' || *v > '9')
			return false;
	return true;
}

/* Seconds since the epoch as ISO 8601 UTC, "never" for 0. */
static void fmt_time(const char *v, char *buf, size_t cap)
{
	unsigned long long t = is_uint(v) ? strtoull(v, NULL, 10) : 0;
	if (t == 0) {
		snprintf(buf, cap, "never");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *orv(const char *v, const char *dflt)
{
	return v != NULL && *v != 0 ? v : dflt;
}

/* The one-line summary of a status record (the format doc/nsfleetd.md
 * gives; primary zones keep their short line). */
static void record_text(const record_t *r, bool detail)
{
	const char *zone = orv(record_get(r, "zone"), "?");
	const char *role = orv(record_get(r, "role"), "?");
	bool loaded = strcmp(orv(record_get(r, "loaded"), "no"), "yes") == 0;
	if (strcmp(role, "secondary") == 0) {
		char last[32], next[32], exp[32];
		fmt_time(record_get(r, "last-refresh"), last, sizeof(last));
		fmt_time(record_get(r, "next-refresh"), next, sizeof(next));
		if (strcmp(orv(record_get(r, "refreshing"), "no"), "yes") == 0)
			snprintf(next, sizeof(next), "now");
		fmt_time(record_get(r, "expire"), exp, sizeof(exp));
		printf("%s role secondary serial %s state %s last-refresh %s next-refresh %s "
		       "expire %s last-error %s\n",
		       zone, orv(record_get(r, "serial"), "none"), orv(record_get(r, "state"), "?"),
		       last, next, exp, orv(record_get(r, "last-error"), "none"));
	} else if (loaded) {
		printf("%s serial %s\n", zone, orv(record_get(r, "serial"), "?"));
	} else {
		printf("%s not loaded: %s\n", zone, orv(record_get(r, "error"), "?"));
	}
	if (!detail)
		return;
	bool notified = false;
	for (size_t i = 1; i < r->n; i++) {
		const char *k = r->key[i];
		char t[32];
		if (strncmp(k, "notify.", 7) == 0) {
			notified = true;
			continue; /* below, one line per peer */
		}
		if (strcmp(k, "last-refresh") == 0 || strcmp(k, "next-refresh") == 0 ||
		    strcmp(k, "expire") == 0) {
			fmt_time(r->val[i], t, sizeof(t));
			printf("  %s: %s\n", k, t);
		} else {
			printf("  %s: %s\n", k, orv(r->val[i], "none"));
		}
	}
	if (!notified)
		printf("  notify: none sent since start\n");
	for (size_t i = 0; i < r->n; i++) {
		const char *k = r->key[i];
		size_t len = strlen(k);
		if (strncmp(k, "notify.", 7) != 0 || len < 5 || strcmp(k + len - 5, ".peer") != 0)
			continue;
		char pre[32], key[48], t[32];
		snprintf(pre, sizeof(pre), "%.*s", (int)(len - 4), k); /* "notify.N." */
		snprintf(key, sizeof(key), "%swhen", pre);
		fmt_time(record_get(r, key), t, sizeof(t));
		char ks[48], kst[48], ktr[48];
		snprintf(ks, sizeof(ks), "%sserial", pre);
		snprintf(kst, sizeof(kst), "%sstate", pre);
		snprintf(ktr, sizeof(ktr), "%stries", pre);
		printf("  notify %s: serial %s, %s, %s tries, %s\n", r->val[i],
		       orv(record_get(r, ks), "?"), orv(record_get(r, kst), "?"),
		       orv(record_get(r, ktr), "?"), t);
	}
}

/* A status record as a JSON object: numbers, booleans and null where the
 * key says so; '-' in keys becomes '_'. */
static json_t *record_json(const record_t *r)
{
	static const char *const nums[] = {
	    "serial", "journal-from", "journal-to", "journal-changesets", "notify-targets", NULL};
	static const char *const times[] = {"last-refresh", "next-refresh", "expire", NULL};
	static const char *const bools[] = {"loaded", "refreshing", "expired", NULL};
	json_t *o = json_object();
	json_t *notify = json_array();
	for (size_t i = 0; i < r->n; i++) {
		const char *k = r->key[i], *v = r->val[i];
		char key[64];
		char *end;
		if (strncmp(k, "notify.", 7) == 0) {
			/* notify.N.FIELD: the N-th element of notify_state */
			unsigned long n = strtoul(k + 7, &end, 10);
			if (*end != '.' || n > 1024)
				continue;
			while (json_array_size(notify) <= n)
				json_array_append_new(notify, json_object());
			json_t *e = json_array_get(notify, n);
			const char *f = end + 1;
			bool num = strcmp(f, "serial") == 0 || strcmp(f, "tries") == 0 ||
			           strcmp(f, "when") == 0;
			json_object_set_new(e, f,
			                    num && is_uint(v)
			                        ? json_integer((json_int_t)strtoull(v, NULL, 10))
			                        : json_string(v));
			continue;
		}
		snprintf(key, sizeof(key), "%s", k);
		for (char *p = key; *p; p++)
			if (*p == '-')
				*p = '_';
		json_t *jv = NULL;
		for (size_t j = 0; jv == NULL && nums[j]; j++)
			if (strcmp(k, nums[j]) == 0)
				jv = is_uint(v) ? json_integer((json_int_t)strtoull(v, NULL, 10))
				                : json_null();
		for (size_t j = 0; jv == NULL && times[j]; j++)
			if (strcmp(k, times[j]) == 0) {
				unsigned long long t = is_uint(v) ? strtoull(v, NULL, 10) : 0;
				jv = t ? json_integer((json_int_t)t) : json_null();
			}
		for (size_t j = 0; jv == NULL && bools[j]; j++)
			if (strcmp(k, bools[j]) == 0)
				jv = json_boolean(strcmp(v, "yes") == 0);
		if (jv == NULL)
			jv = *v ? json_string(v) : json_null();
		json_object_set_new(o, key, jv);
	}
	json_object_set_new(o, "notify_state", notify);
	return o;
}

/* ---------------------------------------------------------------- main */

int cmd_ctl(int argc, char **argv)
{
	const char *path = CTL_DEFAULT_SOCKET;
	bool json = false;
	const char *words[4];
	int nw = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			ctl_usage(stdout);
			return TOOL_OK;
		}
		if ((strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0) && i + 1 < argc) {
			path = argv[++i];
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			json = true;
			continue;
		}
		if (a[0] == '-' && !(nw == 1 && strcmp(a, "--force") == 0)) {
			fprintf(stderr, "nsfleet ctl: unknown option '%s'\n", a);
			ctl_usage(stderr);
			return TOOL_USAGE;
		}
		if (nw == 4 || strpbrk(a, " \t\r\n") != NULL || *a == 0) {
			ctl_usage(stderr);
			return TOOL_USAGE;
		}
		words[nw++] = a;
	}
	if (nw == 0) {
		ctl_usage(stderr);
		return TOOL_USAGE;
	}
	const char *cmd = words[0];
	bool force = nw > 1 && strcmp(words[1], "--force") == 0;
	if (force && strcmp(cmd, "reload") != 0) {
		fprintf(stderr, "nsfleet ctl: --force is for reload\n");
		return TOOL_USAGE;
	}
	int nargs = nw - 1 - force;
	bool ok = ((strcmp(cmd, "status") == 0 || strcmp(cmd, "reload") == 0) && nargs <= 1) ||
	          ((strcmp(cmd, "refresh") == 0 || strcmp(cmd, "retransfer") == 0 ||
	            strcmp(cmd, "notify") == 0) &&
	           nargs == 1);
	if (!ok) {
		ctl_usage(stderr);
		return TOOL_USAGE;
	}
	const char *zone = nargs == 1 ? words[nw - 1] : NULL;
	char req[1024];
	snprintf(req, sizeof(req), "%s%s%s%s\n", cmd, force ? " --force" : "", zone ? " " : "",
	         zone ? zone : "");

	char *buf = malloc(CTL_REPLY_MAX);
	if (buf == NULL) {
		fprintf(stderr, "nsfleet ctl: out of memory\n");
		return TOOL_FAIL;
	}
	long len = ctl_exchange(path, req, buf, CTL_REPLY_MAX);
	if (len < 0) {
		free(buf);
		return TOOL_FAIL;
	}
	char *nl = strchr(buf, '\n');
	char *rest = nl ? nl + 1 : buf + len;
	if (nl)
		*nl = 0;
	bool good = strncmp(buf, "OK", 2) == 0 && (buf[2] == 0 || buf[2] == ' ');
	bool bad = strncmp(buf, "ERROR", 5) == 0 && (buf[5] == 0 || buf[5] == ' ');
	const char *msg = buf + (good ? 2 : bad ? 5 : 0);
	msg += *msg == ' ';
	if (!good && !bad) {
		fprintf(stderr, "nsfleet ctl: %s: not a reply of nsfleetd: %s\n", path, buf);
		free(buf);
		return TOOL_FAIL;
	}
	bool status = strcmp(cmd, "status") == 0;
	json_t *zones = json ? json_array() : NULL;
	size_t nrec = 0;
	if (!json && (!good || !status))
		printf("%s %s\n", good ? "OK" : "ERROR", msg);
	char *save = NULL;
	for (char *line = strtok_r(rest, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		record_t r;
		record_parse(line, &r);
		if (r.n == 0)
			continue;
		nrec++;
		if (json)
			json_array_append_new(zones, record_json(&r));
		else
			record_text(&r, zone != NULL);
	}
	if (!json && good && status && nrec == 0)
		printf("no zones\n");
	if (json) {
		json_t *o = json_object();
		json_object_set_new(o, "ok", json_boolean(good));
		json_object_set_new(o, "message", json_string(msg));
		if (status && good)
			json_object_set_new(o, "zones", zones);
		else
			json_decref(zones);
		tool_json_out(o);
		json_decref(o);
	}
	free(buf);
	return good ? TOOL_OK : TOOL_FAIL;
}
