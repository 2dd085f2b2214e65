/*
 * The monitor's HTTP server (libmicrohttpd, its own polling thread):
 * GET /metrics is the exposition text, GET / the status page, both the
 * snapshots the main thread last published (mon_pages_update).  Nothing
 * else: other paths 404, other methods 405.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <netinet/in.h>

#include "tools/monitor.h"

struct mon_http {
	struct MHD_Daemon *d;
};

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result mhd_result_t;
#else
typedef int mhd_result_t;
#endif

static mhd_result_t reply(struct MHD_Connection *conn, unsigned status, const char *type,
                          char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	mhd_result_t ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static char *copy_page(mon_pages_t *p, bool metrics, size_t *len)
{
	pthread_mutex_lock(&p->mu);
	const char *src = metrics ? p->metrics : p->html;
	size_t n = metrics ? p->metrics_len : p->html_len;
	char *out = NULL;
	if (src) {
		out = malloc(n ? n : 1);
		if (out)
			memcpy(out, src, n);
		*len = n;
	}
	pthread_mutex_unlock(&p->mu);
	return out;
}

static mhd_result_t handle(void *cls, struct MHD_Connection *conn, const char *url,
                           const char *method, const char *version, const char *upload,
                           size_t *upload_size, void **state)
{
	(void)version;
	(void)upload;
	mon_t *m = cls;
	if (*upload_size != 0)
		return MHD_NO; /* no request bodies */
	if (*state == NULL) {
		/* first call: headers only */
		static int marker;
		*state = &marker;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
		             strdup("only GET\n"), 9);
	bool metrics = strcmp(url, "/metrics") == 0;
	if (!metrics && strcmp(url, "/") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
		             strdup("not found: /metrics or /\n"), 25);
	size_t len = 0;
	char *body = copy_page(&m->pages, metrics, &len);
	if (body == NULL)
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
		             strdup("no round done yet\n"), 18);
	return reply(conn, MHD_HTTP_OK,
	             metrics ? "text/plain; version=0.0.4; charset=utf-8"
	                     : "text/html; charset=utf-8",
	             body, len);
}

int mon_http_start(mon_t *m, mon_http_t **out, uint16_t *port)
{
	*out = NULL;
	const struct sockaddr *sa = (const struct sockaddr *)&m->conf->listen_addr;
	mon_http_t *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	uint16_t want;
	if (sa->sa_family == AF_INET6) {
		flags |= MHD_USE_IPv6;
		want = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	} else {
		want = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	}
	h->d = MHD_start_daemon(flags, want, NULL, NULL, handle, m, MHD_OPTION_SOCK_ADDR, sa,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
	                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
	                        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536, MHD_OPTION_END);
	if (h->d == NULL) {
		free(h);
		return -EADDRINUSE;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : want;
	*out = h;
	return 0;
}

void mon_http_stop(mon_http_t *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
