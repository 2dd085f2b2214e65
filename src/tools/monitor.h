/*
 * nsfleet monitor: the pieces shared by its files.
 *
 *   monitor.c          arguments, the libuv main loop (interval timer,
 *                      SIGTERM/SIGINT), --once
 *   monitor_conf.c     monitor.yaml -> mon_conf_t (libyaml), schema table
 *   monitor_logic.c    pure rules without I/O: latency window quantiles,
 *                      the incident state machine, serial lag (unit-tested)
 *   monitor_probe.c    one round: SOA over UDP and TCP to every server of
 *                      every zone through the audit's query engine
 *                      (audit.h), and what the answers say
 *   monitor_metrics.c  the Prometheus text exposition and the HTML page
 *   monitor_http.c     libmicrohttpd: GET /metrics and GET /
 *   monitor_hook.c     the alert hook (uv_spawn, JSON on stdin, deadline)
 *
 * doc/nsfleet-monitor.md is the user's reference.  Threads: everything runs
 * on the main thread except libmicrohttpd's, which only reads the page
 * snapshots under mon_pages_t's mutex.
 */
#ifndef NSF_TOOLS_MONITOR_H
#define NSF_TOOLS_MONITOR_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "dns/name.h"

#define MON_MAX_NS      64  /* nameservers in one config */
#define MON_MAX_ZONES   256 /* zones in one config */
#define MON_NAME_MAX    64  /* a nameserver's name, NUL included */
#define MON_ADDR_MAX    80  /* "ADDR#PORT" as given, NUL included */
#define MON_HOOK_ARGS   32  /* hook argv entries */
#define MON_WINDOW_MAX  100000
#define MON_SERIAL_HIST 64 /* primary serials remembered per zone */

/* ------------------------------------------------------------- config */

typedef struct {
	char name[MON_NAME_MAX];
	char addrtext[MON_ADDR_MAX]; /* as given */
	struct sockaddr_storage addr;
} mon_ns_t;

typedef struct {
	char domain[NAME_TEXT_MAXLEN]; /* lower case, no final dot ("." for the root) */
	uint8_t name[NAME_MAXLEN];     /* wire form */
	int primary;                   /* index into mon_conf_t.ns, -1: none */
	uint16_t ns[MON_MAX_NS];       /* indexes into mon_conf_t.ns */
	size_t nns;
} mon_zone_t;

typedef struct {
	/* section monitor */
	double interval;           /* seconds between rounds */
	unsigned window;           /* latency samples kept per server and zone */
	double timeout;            /* seconds per UDP try; TCP gets timeout * tries */
	unsigned tries;            /* UDP tries */
	bool tcp;                  /* SOA over TCP too */
	char listen[MON_ADDR_MAX]; /* "" when no HTTP */
	struct sockaddr_storage listen_addr;
	/* section alert */
	char *hook[MON_HOOK_ARGS + 1]; /* argv, NULL-terminated; hook[0] NULL: none (malloc) */
	double hook_timeout;           /* seconds before the hook is killed */
	unsigned down_after;           /* failed checks in a row */
	double diverged_after;         /* seconds a serial may differ from the primary's */
	double expiry_warning;         /* seconds of RRSIG validity left that alert */
	/* lists */
	mon_ns_t ns[MON_MAX_NS];
	size_t nns;
	mon_zone_t *zone; /* malloc */
	size_t nzones;
} mon_conf_t;

/* Sets the defaults (doc/nsfleet-monitor.md); c has nothing to free yet. */
void mon_conf_default(mon_conf_t *c);

/*
 * Parses a monitor.yaml in data[0..len) into c (mon_conf_default first).
 * On error returns ERR_SYNTAX (or -ENOMEM) and writes one line
 * "FILE:LINE:COLUMN: what" to err (errcap bytes); c must still be freed
 * with mon_conf_free, on every path.
 */
__attribute__((warn_unused_result)) int mon_conf_parse(mon_conf_t *c, const char *data, size_t len,
                                                       const char *file, char *err, size_t errcap);
void mon_conf_free(mon_conf_t *c);
/* Prints the option tables (the reference of doc/nsfleet-monitor.md). */
void mon_conf_reference(FILE *out);

/* "ADDR#PORT" or "ADDR@PORT" (IPv4 or IPv6, no brackets) into out; the
 * port defaults to default_port.  0 or ERR_SYNTAX. */
int mon_addr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *out);

/* ----------------------------------------------------------- pure rules */

/* A ring of the last cap latency samples (seconds). */
typedef struct {
	double *v; /* malloc, cap entries */
	unsigned cap, n, next;
} mon_window_t;

int mon_window_init(mon_window_t *w, unsigned cap);
void mon_window_free(mon_window_t *w);
void mon_window_add(mon_window_t *w, double x);
/* The q-quantile (0 <= q <= 1) of the samples by nearest rank: the
 * ceil(q*n)-th smallest (the smallest for q = 0).  NAN when empty. */
double mon_window_quantile(const mon_window_t *w, double q);

/*
 * One incident (a server down, a serial diverged, signatures near expiry)
 * as a state machine stepped once per check:
 *
 *        bad                     bad, streak >= need_streak and
 *   OK ───────► PENDING ───────► bad for >= need_secs ──► FIRING  (ALERT)
 *    ▲            │ good                                    │ good
 *    └────────────┴─────────────────────────────────────────┘      (RECOVERY
 *                                                          only from FIRING)
 *
 * So an incident gives exactly one ALERT, and one RECOVERY when it ends,
 * however many checks it lasts.
 */
typedef enum { MON_INC_OK = 0, MON_INC_PENDING, MON_INC_FIRING } mon_inc_state_t;
typedef enum { MON_EV_NONE = 0, MON_EV_ALERT, MON_EV_RECOVERY } mon_event_t;

typedef struct {
	mon_inc_state_t st;
	unsigned streak; /* bad checks in a row */
	double since;    /* when the first of them was (monotonic seconds) */
} mon_incident_t;

mon_event_t mon_incident_step(mon_incident_t *i, bool bad, double now, unsigned need_streak,
                              double need_secs);

/* How far serial s is behind ref in RFC 1982 arithmetic: > 0 behind,
 * 0 equal, < 0 ahead.  ERR_RANGE when they differ by exactly 2^31 (the
 * comparison is undefined), else 0. */
int mon_serial_lag(uint32_t ref, uint32_t s, int64_t *lag);

/* The primary's serials of a zone in the order they appeared. */
typedef struct {
	uint32_t serial[MON_SERIAL_HIST];
	double seen[MON_SERIAL_HIST]; /* monotonic seconds it was first seen */
	size_t n;
} mon_serial_hist_t;

/* Notes that the reference showed serial at now (a new entry only when it
 * differs from the last one; the oldest is dropped when full). */
void mon_hist_note(mon_serial_hist_t *h, uint32_t serial, double now);
/* Seconds since the reference first showed a serial newer than s: 0 when
 * s is not behind the latest one (or nothing is known).  When the history
 * no longer holds that moment, the oldest one it holds (a lower bound). */
double mon_hist_lag_seconds(const mon_serial_hist_t *h, uint32_t s, double now);

/* --------------------------------------------------------- the state */

typedef enum { MON_KIND_DOWN = 0, MON_KIND_SERIAL, MON_KIND_RRSIG, MON_KIND__COUNT } mon_kind_t;
const char *mon_kind_name(mon_kind_t k);

/* One (zone, nameserver) pair: what its checks found. */
typedef struct {
	size_t zone, ns; /* indexes into the config */
	bool checked;    /* at least one round ran */
	bool up;         /* this round: an authoritative SOA answer over UDP */
	bool tcp_checked, tcp_up;
	bool has_serial;
	uint32_t serial;
	bool lag_known;
	int64_t lag;        /* serial difference behind the reference */
	double lag_seconds; /* since the reference showed a newer serial */
	bool has_rrsig;
	int64_t rrsig_left; /* seconds to the earliest RRSIG(SOA) expiration */
	char why[160];      /* why the last check failed */
	unsigned fails;     /* failed checks in a row */
	uint64_t checks, failures;
	double rtt_sum;
	uint64_t rtt_count;
	double last_rtt;
	mon_window_t lat;
	mon_incident_t inc[MON_KIND__COUNT];
} mon_target_t;

typedef struct {
	bool has_ref;
	uint32_t ref; /* the primary's serial (or the newest seen without primary) */
	mon_serial_hist_t hist;
} mon_zone_state_t;

/* A finding handed to the hook. */
typedef struct {
	mon_event_t ev;
	mon_kind_t kind;
	size_t target;
} mon_finding_t;

typedef struct mon_hooks mon_hooks_t;

/* What the HTTP thread serves: snapshots swapped under the mutex. */
typedef struct {
	pthread_mutex_t mu;
	char *metrics, *html; /* malloc; NULL before the first round */
	size_t metrics_len, html_len;
} mon_pages_t;

typedef struct {
	mon_conf_t *conf;
	mon_target_t *t; /* one per (zone, nameserver) */
	size_t nt;
	mon_zone_state_t *zs; /* one per zone */
	uint64_t rounds;
	double started; /* wall clock */
	uint64_t alerts[MON_KIND__COUNT], recoveries[MON_KIND__COUNT];
	uint64_t hook_runs, hook_failures;
	mon_hooks_t *hooks; /* NULL: no hook (or --once) */
	mon_pages_t pages;
} mon_t;

/* Builds the targets of c (borrowed, must outlive m).  0 or -ENOMEM. */
int mon_init(mon_t *m, mon_conf_t *c);
void mon_free(mon_t *m);

/* Monotonic and wall-clock seconds. */
double mon_now(void);
double mon_wall(void);

/* monitor_probe.c: one round over every target; calls report for each
 * incident event (in target order).  0 or a negative error when the
 * query engine could not run at all. */
typedef void (*mon_report_fn)(mon_t *m, const mon_finding_t *f, void *arg);
int mon_round(mon_t *m, mon_report_fn report, void *arg);

/* monitor_metrics.c: the exposition text and the HTML status page, as
 * malloc'd NUL-terminated strings (NULL on ENOMEM). */
char *mon_metrics_text(const mon_t *m, size_t *len);
char *mon_html_text(const mon_t *m, size_t *len);
/* Renders both and publishes them for the HTTP thread. */
void mon_pages_update(mon_t *m);

/* The finding as the hook's JSON (malloc'd text, NULL on ENOMEM). */
char *mon_finding_json(const mon_t *m, const mon_finding_t *f);

/* monitor_http.c: serves m->pages on c->listen_addr (0 if none).  The port
 * really bound (listen port 0 picks one) goes to *port. */
typedef struct mon_http mon_http_t;
int mon_http_start(mon_t *m, mon_http_t **out, uint16_t *port);
void mon_http_stop(mon_http_t *h);

/* monitor_hook.c: runs hooks on loop (a uv_loop_t *), at most a few at a
 * time, each killed after conf->hook_timeout. */
int mon_hooks_new(mon_t *m, void *loop, mon_hooks_t **out);
/* Queues the hook for finding json (taken over). */
void mon_hooks_run(mon_hooks_t *h, char *json);
/* Starts no more hooks; the running ones end (or are killed) on the loop. */
void mon_hooks_close(mon_hooks_t *h);
/* Frees after the loop ran dry. */
void mon_hooks_free(mon_hooks_t *h);

int cmd_monitor(int argc, char **argv);

#endif
