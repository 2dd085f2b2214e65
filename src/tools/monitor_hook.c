/*
 * The alert hook: the configured program (argv, no shell) run by uv_spawn
 * on the main loop with the finding as JSON (one line) on its stdin, its
 * stdout and stderr the monitor's stderr.  Each run is a small state
 * machine:
 *
 *   QUEUED ──(fewer than HOOK_PARALLEL running)──► RUNNING: write stdin, close it
 *   RUNNING ──exit──► DONE (status logged; not 0: a failure)
 *   RUNNING ──hook-timeout──► SIGKILL ──exit──► DONE (a failure)
 *
 * Runs start in the order the findings came; at most HOOK_QUEUE_MAX wait
 * (then the oldest waiting is dropped with a log line), so a hook that
 * hangs cannot make the monitor grow without bound.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "tools/monitor.h"

#define HOOK_PARALLEL  4
#define HOOK_QUEUE_MAX 256

typedef struct hook_run {
	struct hook_run *next;
	mon_hooks_t *h;
	char *json; /* one line, '\n' at the end */
	size_t len;
	uv_process_t proc;
	uv_pipe_t in;
	uv_timer_t timer;
	uv_write_t wr;
	int open; /* handles not yet closed */
	bool killed;
} hook_run_t;

struct mon_hooks {
	mon_t *m;
	uv_loop_t *loop;
	hook_run_t *head, *tail; /* waiting */
	size_t waiting, running;
	bool closed;
};

static void start_waiting(mon_hooks_t *h);

static void run_closed(uv_handle_t *handle)
{
	hook_run_t *r = handle->data;
	if (--r->open > 0)
		return;
	mon_hooks_t *h = r->h;
	free(r->json);
	free(r);
	h->running--;
	start_waiting(h);
}

static void close_all(hook_run_t *r)
{
	if (!uv_is_closing((uv_handle_t *)&r->timer))
		uv_close((uv_handle_t *)&r->timer, run_closed);
	if (!uv_is_closing((uv_handle_t *)&r->in))
		uv_close((uv_handle_t *)&r->in, run_closed);
	if (!uv_is_closing((uv_handle_t *)&r->proc))
		uv_close((uv_handle_t *)&r->proc, run_closed);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	hook_run_t *r = p->data;
	if (status != 0 || sig != 0) {
		r->h->m->hook_failures++;
		if (r->killed)
			fprintf(stderr, "nsfleet monitor: hook %s killed after %gs\n",
			        r->h->m->conf->hook[0], r->h->m->conf->hook_timeout);
		else if (sig)
			fprintf(stderr, "nsfleet monitor: hook %s ended by signal %d\n",
			        r->h->m->conf->hook[0], sig);
		else
			fprintf(stderr, "nsfleet monitor: hook %s exited with %lld\n",
			        r->h->m->conf->hook[0], (long long)status);
	}
	close_all(r);
}

static void on_timeout(uv_timer_t *t)
{
	hook_run_t *r = t->data;
	r->killed = true;
	uv_process_kill(&r->proc, SIGKILL);
}

static void on_written(uv_write_t *w, int status)
{
	hook_run_t *r = w->data;
	(void)status; /* a hook that does not read its stdin may still be right */
	if (!uv_is_closing((uv_handle_t *)&r->in))
		uv_close((uv_handle_t *)&r->in, run_closed);
}

static void start_one(mon_hooks_t *h, hook_run_t *r)
{
	const mon_conf_t *c = h->m->conf;
	r->h = h;
	uv_pipe_init(h->loop, &r->in, 0);
	r->in.data = r;
	uv_timer_init(h->loop, &r->timer);
	r->timer.data = r;
	r->open = 2;
	uv_stdio_container_t io[3];
	io[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
	io[0].data.stream = (uv_stream_t *)&r->in;
	io[1].flags = UV_INHERIT_FD;
	io[1].data.fd = 2;
	io[2].flags = UV_INHERIT_FD;
	io[2].data.fd = 2;
	uv_process_options_t o;
	memset(&o, 0, sizeof(o));
	o.exit_cb = on_exit_cb;
	o.file = c->hook[0];
	o.args = (char **)c->hook;
	o.stdio = io;
	o.stdio_count = 3;
	r->proc.data = r;
	h->running++;
	h->m->hook_runs++;
	int rc = uv_spawn(h->loop, &r->proc, &o);
	if (rc != 0) {
		fprintf(stderr, "nsfleet monitor: cannot run hook %s: %s\n", c->hook[0],
		        uv_strerror(rc));
		h->m->hook_failures++;
		/* libuv wants the process handle closed even after a failed spawn */
		r->open = 3;
		close_all(r);
		return;
	}
	r->open = 3;
	uv_timer_start(&r->timer, on_timeout, (uint64_t)(c->hook_timeout * 1000 + 0.5), 0);
	uv_buf_t b = uv_buf_init(r->json, (unsigned)r->len);
	r->wr.data = r;
	if (uv_write(&r->wr, (uv_stream_t *)&r->in, &b, 1, on_written) != 0)
		uv_close((uv_handle_t *)&r->in, run_closed);
}

static void start_waiting(mon_hooks_t *h)
{
	while (!h->closed && h->head && h->running < HOOK_PARALLEL) {
		hook_run_t *r = h->head;
		h->head = r->next;
		if (h->head == NULL)
			h->tail = NULL;
		h->waiting--;
		start_one(h, r);
	}
}

int mon_hooks_new(mon_t *m, void *loop, mon_hooks_t **out)
{
	mon_hooks_t *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	h->m = m;
	h->loop = loop;
	*out = h;
	return 0;
}

void mon_hooks_run(mon_hooks_t *h, char *json)
{
	if (json == NULL)
		return;
	hook_run_t *r = calloc(1, sizeof(*r));
	size_t len = strlen(json);
	char *line = r ? realloc(json, len + 2) : NULL;
	if (line == NULL) {
		free(r);
		free(json);
		h->m->hook_failures++;
		return;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	r->json = line;
	r->len = len + 1;
	if (h->closed) {
		free(r->json);
		free(r);
		return;
	}
	if (h->waiting == HOOK_QUEUE_MAX) {
		hook_run_t *old = h->head;
		h->head = old->next;
		h->waiting--;
		fprintf(stderr, "nsfleet monitor: hook queue full, dropped: %s", old->json);
		h->m->hook_failures++;
		free(old->json);
		free(old);
		if (h->head == NULL)
			h->tail = NULL;
	}
	if (h->tail)
		h->tail->next = r;
	else
		h->head = r;
	h->tail = r;
	h->waiting++;
	start_waiting(h);
}

void mon_hooks_close(mon_hooks_t *h)
{
	if (h == NULL)
		return;
	h->closed = true;
	while (h->head) {
		hook_run_t *r = h->head;
		h->head = r->next;
		fprintf(stderr, "nsfleet monitor: stopping, hook not run for: %s", r->json);
		free(r->json);
		free(r);
	}
	h->tail = NULL;
	h->waiting = 0;
}

void mon_hooks_free(mon_hooks_t *h)
{
	free(h);
}
