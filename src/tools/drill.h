/*
 * nsfleet drill: failure scenarios run on a lab while a bounded load of
 * real queries goes through the lab's resolver (doc/nsfleet-drill.md).
 *
 *   drill_stats.c  the verdict arithmetic (success rate, quantiles, the
 *                  wrong-answer check, windows) and the SVG timeline; pure
 *   drill_load.c   the load generator: libuv UDP queries of unique names
 *                  under the lab zone's wildcard, in a thread of its own
 *   drill_lab.c    the lab as the drill sees it: state file, kill and
 *                  restart of a node, nftables rules in a node's namespace,
 *                  serials, zone changes on the primary
 *   drill_scen.c   the scenarios: kill, partition, stale, primary-loss,
 *                  bad-push, all-but-one
 *   drill.c        nsfleet drill: options, the report (text, --json, --svg)
 *
 * Times are milliseconds since the drill's start (CLOCK_MONOTONIC).
 */
#ifndef NSF_TOOLS_DRILL_H
#define NSF_TOOLS_DRILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include <jansson.h>

#include "tools/lab.h"

/* ------------------------------------------------------------- samples */

/* What one query through the resolver got. */
typedef enum {
	DRILL_ANS_OK,      /* NOERROR with exactly the zone's address */
	DRILL_ANS_WRONG,   /* an answer, but not what the zone says (never acceptable) */
	DRILL_ANS_FAIL,    /* SERVFAIL, REFUSED, ...: no answer, honestly */
	DRILL_ANS_TIMEOUT, /* nothing within the query timeout */
	DRILL_ANS_PENDING, /* not answered yet */
} drill_ans_t;

typedef struct {
	double t;    /* when sent */
	float lat;   /* ms until the answer (or the timeout) */
	uint8_t res; /* drill_ans_t */
} drill_sample_t;

/*
 * The wrong-answer check of one reply: rcode, and the A addresses
 * (network order, 4 octets each) of its answer section, n of them, against
 * the address the zone gives (network order).  NOERROR with only the
 * expected address is OK; NOERROR with any other address, or with none
 * (NODATA), and NXDOMAIN are WRONG (the name exists under the wildcard);
 * any other rcode is FAIL.
 */
drill_ans_t drill_answer_check(unsigned rcode, const uint8_t (*addr)[4], size_t n,
                               const uint8_t expect[4]);

/* ------------------------------------------------------------- stats */

/* The q-quantile (0 <= q <= 1, nearest rank) of v[0..n) sorted in place;
 * 0 when n == 0. */
double drill_quantile(double *v, size_t n, double q);

/* Counts and latencies of the samples sent in [from, to). */
typedef struct {
	size_t sent, ok, wrong, fail, timeout;
	double success;  /* ok / sent, 1.0 when nothing was sent */
	double p50, p99; /* latency of the answered (ok or wrong) queries, ms */
} drill_stats_t;

/* Stats of s[0..n) sent in [from, to) (to < 0: no end).  Allocates a
 * scratch array; 0 or -ENOMEM. */
int drill_stats(const drill_sample_t *s, size_t n, double from, double to, drill_stats_t *out);

/* Stats of the samples inside any of the windows w[0..nw) (pairs
 * from, to) when inside is true, else outside all of them. */
int drill_stats_windows(const drill_sample_t *s, size_t n, const double (*w)[2], size_t nw,
                        bool inside, drill_stats_t *out);

/*
 * Failover time of a fault at t0 that ended at t1: from t0 to the send
 * time of the last sample in [t0, t1] that failed or took longer than
 * slow_ms; 0 when none did.
 */
double drill_failover_ms(const drill_sample_t *s, size_t n, double t0, double t1, double slow_ms);

/* ------------------------------------------------------------- timeline */

typedef struct {
	double t;
	char what[160];
} drill_event_t;

/*
 * Writes a small SVG timeline: per bucket_ms, the success rate (line,
 * left axis 0-100 %) and the p99 latency of answered queries (line, right
 * axis, linear up to the largest: the failover's slow answers show), fault windows shaded, events
 * as ticks with their text in <title>.  Text is XML-escaped.  0, or -errno
 * of a write error.
 */
int drill_svg_write(FILE *out, const char *title, const drill_sample_t *s, size_t n,
                    const double (*w)[2], size_t nw, const drill_event_t *ev, size_t nev,
                    double bucket_ms);

/* Escapes text for XML into out[0..cap) (truncating). */
void drill_xml_escape(const char *text, char *out, size_t cap);

/* ------------------------------------------------------------- load */

typedef struct {
	char addr[LAB_ADDR_MAX]; /* the resolver */
	uint16_t port;
	char suffix[LAB_DNAME_MAX + 8]; /* names asked: q<i>-<run>.<suffix> */
	uint8_t expect[4];              /* the wildcard's address */
	unsigned rate;                  /* queries per second */
	unsigned timeout_ms;            /* per query */
	size_t max_queries;             /* bound in count */
	double max_ms;                  /* bound in time */
	double t0;                      /* the drill's start (drill_now) */
} drill_load_conf_t;

typedef struct drill_load drill_load_t;

/* Starts the load in a thread of its own (its sockets in the calling
 * thread's network namespace).  0 with *out, or a negative error. */
int drill_load_start(const drill_load_conf_t *c, drill_load_t **out);
/* Stops sending, waits for the answers still due (at most timeout_ms),
 * joins the thread.  The samples stay valid until drill_load_free. */
void drill_load_stop(drill_load_t *l);
/* The samples so far (after stop: all), in send order. */
const drill_sample_t *drill_load_samples(const drill_load_t *l, size_t *n);
void drill_load_free(drill_load_t *l);

/* ms since an arbitrary origin, monotonic */
double drill_now(void);
/* Sleeps ms, or less once drill_interrupted is set. */
void drill_sleep_ms(double ms);
/* Set by SIGINT/SIGTERM/SIGHUP: the scenario cuts its waits short, puts
 * back what it broke (restarts, nft tables, the good zone) and stops. */
extern volatile sig_atomic_t drill_interrupted;

/* ------------------------------------------------------------- lab */

typedef struct {
	lab_t lab;
	char self[LAB_PATH_MAX]; /* this nsfleet (for ctl, audit) */
	int hub_saved;           /* our namespace before entering the hub */
	const lab_node_t *primary, *resolver;
	size_t sec[LAB_MAX_SECONDARIES]; /* indexes of the secondaries */
	size_t nsec;
	/* each node's command line, read from /proc before its first kill */
	char cmd[LAB_MAX_NODES][4096];
	size_t cmdlen[LAB_MAX_NODES];
	bool blocked[LAB_MAX_NODES]; /* an nft table of ours is in its namespace */
	bool target[LAB_MAX_NODES];  /* --target: the secondaries the faults hit */
	bool has_target;
	bool verbose;
} drill_lab_t;

/* Loads the state of the lab in dir, enters its hub namespace, reads
 * every node's command line.  0, or TOOL_FAIL after saying why. */
int drill_lab_open(drill_lab_t *d, const char *dir);
/* Removes every nft table of ours, leaves the hub. */
void drill_lab_close(drill_lab_t *d);

/* SIGKILL to every process in node i's namespace; 0 when all are gone. */
int drill_node_kill(drill_lab_t *d, size_t i);
/* Runs node i's recorded command again in its namespace (log appended),
 * records its pid in the state file.  0 or a negative error. */
int drill_node_restart(drill_lab_t *d, size_t i);
bool drill_node_running(const drill_lab_t *d, size_t i);

/* nft in node i's namespace: drop all traffic on its link (partition), or
 * only that with peer_addr (transfers and NOTIFY from the primary). */
int drill_node_partition(drill_lab_t *d, size_t i);
int drill_node_block_peer(drill_lab_t *d, size_t i, const char *peer_addr);
int drill_node_unblock(drill_lab_t *d, size_t i);

/* The SOA serial node i serves now: 0 with *serial, or a negative error. */
int drill_node_serial(const drill_lab_t *d, size_t i, uint32_t *serial);
/* Polls until every secondary serves serial (and is running); the ms
 * that took, or -1 after deadline_ms. */
double drill_wait_serial(const drill_lab_t *d, uint32_t serial, double deadline_ms);

/* The primary's zone file text (malloc'd, *len) and its writing. */
int drill_zone_read(const drill_lab_t *d, char **text, size_t *len);
int drill_zone_write(const drill_lab_t *d, const char *text, size_t len);
/* text with the SOA serial replaced by serial (malloc'd), or NULL. */
char *drill_zone_with_serial(const char *text, uint32_t serial);
/* `nsfleet ctl -s PRIMARY reload`: its exit status (0: reloaded). */
int drill_primary_reload(const drill_lab_t *d);
/* `nsfleet audit ZONE --ns NAME@ADDR#PORT...` of every secondary: its exit
 * status; *serving: the servers it found answering authoritatively with
 * serial (0 when it reports one not serving, -1 without its JSON). */
int drill_audit(const drill_lab_t *d, uint32_t serial, int *serving, char *summary, size_t cap);

size_t drill_node_index(const drill_lab_t *d, const lab_node_t *n);
/* Marks the secondaries named in the comma-separated list; 0, or
 * ERR_NOTFOUND after saying which name is not one. */
int drill_set_targets(drill_lab_t *d, const char *list);
/* Whether secondary index i is a target (every one without --target). */
bool drill_is_target(const drill_lab_t *d, size_t i);

/* ------------------------------------------------------------- scenarios */

typedef enum {
	DRILL_KILL,
	DRILL_PARTITION,
	DRILL_STALE,
	DRILL_PRIMARY_LOSS,
	DRILL_BAD_PUSH,
	DRILL_ALL_BUT_ONE,
	DRILL__COUNT
} drill_kind_t;

const char *drill_kind_name(drill_kind_t k);
int drill_kind_from_text(const char *s, drill_kind_t *k);

typedef struct {
	unsigned rate, timeout_ms;
	double baseline_ms; /* load before the first fault */
	double fault_ms;    /* how long a fault lasts */
	double settle_ms;   /* load after a recovery */
	double converge_ms; /* deadline for every secondary to serve the serial */
	double min_success; /* the verdict's threshold, 0..1 */
	size_t max_queries;
	double max_ms;
	bool fresh_resolver; /* restart Unbound before the scenario */
} drill_opts_t;

#define DRILL_MAX_EVENTS  256
#define DRILL_MAX_WINDOWS 64
#define DRILL_NOTE_MAX    1024

/* One scenario's outcome. */
typedef struct {
	drill_kind_t kind;
	bool pass;
	char why[DRILL_NOTE_MAX];  /* the verdict's reasons */
	char note[DRILL_NOTE_MAX]; /* what else was seen */
	drill_stats_t all, base, fault;
	double failover_ms; /* the longest over the faults */
	double converge_ms; /* the longest; -1: never within the deadline */
	double stale_ms;    /* stale: how long the old serial was served */
	uint32_t serial;    /* the latest serial at the end */
	drill_event_t ev[DRILL_MAX_EVENTS];
	size_t nev;
	double win[DRILL_MAX_WINDOWS][2];
	size_t nwin;
	drill_sample_t *samples; /* malloc'd copy */
	size_t nsamples;
	double t_end;
} drill_result_t;

/* Runs scenario k on the open lab; fills r.  0, or a negative error when
 * the drill itself could not run (the lab broke, not the fleet). */
int drill_run(drill_lab_t *d, drill_kind_t k, const drill_opts_t *o, drill_result_t *r);

/* nsfleet drill ...: argv[0] is "drill". */
int cmd_drill(int argc, char **argv);

#endif
