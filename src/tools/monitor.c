/*
 * nsfleet monitor CONFIG [--once]: arguments and the main loop.
 *
 * One libuv loop holds the interval timer, SIGTERM/SIGINT and the alert
 * hooks.  A round blocks the loop while its queries run (each has a
 * deadline: at most timeout x tries), so rounds never overlap; the next
 * starts `interval` after the previous one started, or at once when a round
 * took longer.  libmicrohttpd serves the pages from its own thread.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "common/err.h"
#include "tools/monitor.h"
#include "tools/tool.h"

int mon_init(mon_t *m, mon_conf_t *c)
{
	memset(m, 0, sizeof(*m));
	m->conf = c;
	m->started = mon_wall();
	pthread_mutex_init(&m->pages.mu, NULL);
	size_t n = 0;
	for (size_t z = 0; z < c->nzones; z++)
		n += c->zone[z].nns;
	m->t = calloc(n ? n : 1, sizeof(*m->t));
	m->zs = calloc(c->nzones ? c->nzones : 1, sizeof(*m->zs));
	if (m->t == NULL || m->zs == NULL)
		return -ENOMEM;
	for (size_t z = 0; z < c->nzones; z++)
		for (size_t j = 0; j < c->zone[z].nns; j++) {
			mon_target_t *t = &m->t[m->nt++];
			t->zone = z;
			t->ns = c->zone[z].ns[j];
			int rc = mon_window_init(&t->lat, c->window);
			if (rc != 0)
				return rc;
		}
	return 0;
}

void mon_free(mon_t *m)
{
	for (size_t i = 0; i < m->nt; i++)
		mon_window_free(&m->t[i].lat);
	free(m->t);
	free(m->zs);
	free(m->pages.metrics);
	free(m->pages.html);
	pthread_mutex_destroy(&m->pages.mu);
	memset(m, 0, sizeof(*m));
}

/* ---------------------------------------------------------- main loop */

typedef struct {
	mon_t *m;
	uv_loop_t loop;
	uv_timer_t timer;
	uv_signal_t sigterm, sigint;
	bool stopping;
	int rc;
} runner_t;

static void report(mon_t *m, const mon_finding_t *f, void *arg)
{
	runner_t *r = arg;
	char *json = mon_finding_json(m, f);
	const mon_target_t *t = &m->t[f->target];
	fprintf(stderr, "nsfleet monitor: %s: %s %s %s\n",
	        f->ev == MON_EV_ALERT ? "alert" : "recovery", mon_kind_name(f->kind),
	        m->conf->zone[t->zone].domain, m->conf->ns[t->ns].name);
	if (m->hooks && json && !r->stopping)
		mon_hooks_run(m->hooks, json);
	else
		free(json);
}

static void on_round(uv_timer_t *tm)
{
	runner_t *r = tm->data;
	double start = mon_now();
	int rc = mon_round(r->m, report, r);
	if (rc != 0)
		fprintf(stderr, "nsfleet monitor: a round failed: %s\n", err_str(rc));
	mon_pages_update(r->m);
	if (r->stopping)
		return;
	double took = mon_now() - start, wait = r->m->conf->interval - took;
	uv_timer_start(&r->timer, on_round, wait > 0 ? (uint64_t)(wait * 1000 + 0.5) : 0, 0);
}

static void on_signal(uv_signal_t *s, int sig)
{
	runner_t *r = s->data;
	fprintf(stderr, "nsfleet monitor: signal %d, stopping\n", sig);
	r->stopping = true;
	uv_timer_stop(&r->timer);
	uv_close((uv_handle_t *)&r->timer, NULL);
	uv_close((uv_handle_t *)&r->sigterm, NULL);
	uv_close((uv_handle_t *)&r->sigint, NULL);
	mon_hooks_close(r->m->hooks);
}

static void usage(FILE *out)
{
	fputs("usage: nsfleet monitor CONFIG [--once] [--check]\n"
	      "       nsfleet monitor --reference\n"
	      "\n"
	      "Checks every nameserver of every zone of CONFIG (YAML) every interval:\n"
	      "availability over UDP and TCP, latency, SOA serial and lag behind the\n"
	      "primary, RRSIG expiry; serves Prometheus metrics on GET /metrics and a\n"
	      "status page on GET / (monitor: listen), and runs the alert hook once per\n"
	      "incident and once on its recovery.  SIGTERM or SIGINT stop it.\n"
	      "\n"
	      "  --once       one round, print the metrics on stdout, exit (no hook, no HTTP)\n"
	      "  --check      only read CONFIG: exit 0 when it is valid\n"
	      "  --reference  print the option tables (doc/nsfleet-monitor.md)\n"
	      "\n"
	      "Exit status: 0 stopped by a signal (or --once/--check done), 1 a bad CONFIG\n"
	      "or a listen address that cannot be bound, 2 usage.\n",
	      out);
}

static int load_conf(const char *file, mon_conf_t *c)
{
	FILE *f = fopen(file, "rb");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return TOOL_FAIL;
	}
	char *data = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			if (cap >= (size_t)16 << 20) {
				fprintf(stderr, "%s: larger than 16 MiB\n", file);
				free(data);
				fclose(f);
				return TOOL_FAIL;
			}
			cap = cap ? cap * 2 : 4096;
			char *nd = realloc(data, cap);
			if (nd == NULL) {
				free(data);
				fclose(f);
				return TOOL_FAIL;
			}
			data = nd;
		}
		size_t k = fread(data + len, 1, cap - len, f);
		len += k;
		if (k == 0)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "%s: read error\n", file);
		free(data);
		return TOOL_FAIL;
	}
	char err[512];
	int rc = mon_conf_parse(c, data, len, file, err, sizeof(err));
	free(data);
	if (rc != 0) {
		fprintf(stderr, "%s\n", err[0] ? err : err_str(rc));
		return TOOL_FAIL;
	}
	return 0;
}

int cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {{"once", no_argument, NULL, 'o'},
	                                     {"check", no_argument, NULL, 'c'},
	                                     {"reference", no_argument, NULL, 'r'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	bool once = false, check = false;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			once = true;
			break;
		case 'c':
			check = true;
			break;
		case 'r':
			mon_conf_reference(stdout);
			return TOOL_OK;
		case 'h':
			usage(stdout);
			return TOOL_OK;
		default:
			usage(stderr);
			return TOOL_USAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return TOOL_USAGE;
	}
	mon_conf_t conf;
	mon_conf_default(&conf);
	int rc = load_conf(argv[optind], &conf);
	if (rc != 0 || check) {
		mon_conf_free(&conf);
		return rc;
	}
	signal(SIGPIPE, SIG_IGN);
	mon_t m;
	if (mon_init(&m, &conf) != 0) {
		fprintf(stderr, "nsfleet monitor: out of memory\n");
		mon_free(&m);
		mon_conf_free(&conf);
		return TOOL_FAIL;
	}
	if (once) {
		rc = mon_round(&m, NULL, NULL);
		if (rc == 0) {
			size_t len;
			char *text = mon_metrics_text(&m, &len);
			if (text)
				fwrite(text, 1, len, stdout);
			free(text);
		} else {
			fprintf(stderr, "nsfleet monitor: %s\n", err_str(rc));
		}
		mon_free(&m);
		mon_conf_free(&conf);
		return rc == 0 ? TOOL_OK : TOOL_FAIL;
	}
	runner_t *r = calloc(1, sizeof(*r));
	if (r == NULL || uv_loop_init(&r->loop) != 0) {
		free(r);
		mon_free(&m);
		mon_conf_free(&conf);
		return TOOL_FAIL;
	}
	r->m = &m;
	/* the signals first: a SIGTERM once the address is logged stops cleanly */
	uv_timer_init(&r->loop, &r->timer);
	r->timer.data = r;
	uv_signal_init(&r->loop, &r->sigterm);
	uv_signal_init(&r->loop, &r->sigint);
	r->sigterm.data = r->sigint.data = r;
	uv_signal_start(&r->sigterm, on_signal, SIGTERM);
	uv_signal_start(&r->sigint, on_signal, SIGINT);
	mon_http_t *http = NULL;
	if (conf.listen[0]) {
		uint16_t port = 0;
		rc = mon_http_start(&m, &http, &port);
		if (rc != 0) {
			fprintf(stderr, "nsfleet monitor: cannot listen on %s: %s\n", conf.listen,
			        err_str(rc));
			uv_close((uv_handle_t *)&r->timer, NULL);
			uv_close((uv_handle_t *)&r->sigterm, NULL);
			uv_close((uv_handle_t *)&r->sigint, NULL);
			uv_run(&r->loop, UV_RUN_DEFAULT);
			uv_loop_close(&r->loop);
			free(r);
			mon_free(&m);
			mon_conf_free(&conf);
			return TOOL_FAIL;
		}
		char host[64];
		const struct sockaddr *sa = (const struct sockaddr *)&conf.listen_addr;
		if (sa->sa_family == AF_INET6) {
			host[0] = '[';
			uv_ip6_name((const struct sockaddr_in6 *)sa, host + 1, sizeof(host) - 2);
			strcat(host, "]");
		} else {
			uv_ip4_name((const struct sockaddr_in *)sa, host, sizeof(host));
		}
		fprintf(stderr, "nsfleet monitor: http://%s:%u/metrics\n", host, port);
	}
	if (conf.hook[0] && mon_hooks_new(&m, &r->loop, &m.hooks) != 0)
		fprintf(stderr, "nsfleet monitor: out of memory: no alert hook\n");
	uv_timer_start(&r->timer, on_round, 0, 0);
	fprintf(stderr, "nsfleet monitor: %zu zones, %zu nameservers, every %gs\n", conf.nzones,
	        conf.nns, conf.interval);
	fflush(stderr);
	uv_run(&r->loop, UV_RUN_DEFAULT);
	mon_http_stop(http);
	uv_loop_close(&r->loop);
	mon_hooks_free(m.hooks);
	m.hooks = NULL;
	free(r);
	mon_free(&m);
	mon_conf_free(&conf);
	return TOOL_OK;
}
