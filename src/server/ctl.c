#include "server/ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/log.h"

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

/* Runs one request line; the reply (lines ending in \n) into out. */
static void ctl_handle(ctl_t *ctl, char *line, char *out, size_t cap)
{
	char *save = NULL;
	char *cmd = strtok_r(line, " \t\r", &save);
	char *arg = strtok_r(NULL, " \t\r", &save);
	bool force = false;
	if (cmd != NULL && strcmp(cmd, "reload") == 0 && arg != NULL &&
	    strcmp(arg, "--force") == 0) {
		force = true;
		arg = strtok_r(NULL, " \t\r", &save);
	}
	char *extra = strtok_r(NULL, " \t\r", &save);
	if (cmd == NULL) {
		snprintf(out, cap, "ERROR empty request\n");
		return;
	}
	log_info("control: %s%s%s%s", cmd, force ? " --force" : "", arg ? " " : "", arg ? arg : "");
	if (strcmp(cmd, "status") == 0 && arg == NULL) {
		daemon_status(ctl->d, out, cap);
		if (out[0] == 0)
			snprintf(out, cap, "no zones\n");
		return;
	}
	if (strcmp(cmd, "reload") == 0 && extra == NULL) {
		uint8_t origin[NAME_MAXLEN];
		if (arg != NULL) {
			size_t olen;
			static const uint8_t root[1] = {0};
			if (name_from_text(arg, strlen(arg), root, origin, &olen) < 0) {
				snprintf(out, cap, "ERROR bad zone name '%s'\n", arg);
				return;
			}
			name_to_lower(origin);
		}
		size_t loaded = 0;
		char msg[1024];
		int failed =
		    daemon_reload(ctl->d, arg ? origin : NULL, force, &loaded, msg, sizeof(msg));
		if (failed < 0)
			snprintf(out, cap, "ERROR no such zone: %s\n", arg);
		else if (failed > 0)
			snprintf(out, cap, "ERROR reloaded %zu zones, %d failed: %s\n", loaded,
			         failed, msg);
		else
			snprintf(out, cap, "OK reloaded %zu zones\n", loaded);
		return;
	}
	snprintf(out, cap, "ERROR unknown request (reload [--force] [ZONE] | status)\n");
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
		snprintf(c->reply, CTL_REPLY_MAX, "ERROR request longer than %d octets\n",
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
