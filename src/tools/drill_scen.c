/*
 * The drill scenarios.  Each runs the same way:
 *
 *   round: [fresh Unbound] -> load starts -> baseline -> fault(s), each a
 *   window: begin ... end -> recovery: every secondary serves the latest
 *   serial (timed) -> settle -> load stops
 *   -> verdict over the samples of every round
 *
 * kill and partition run one round per server they hit, the others one
 * round.  A fresh Unbound per round (restarted while no load runs) makes
 * each fault meet a resolver that has not learnt to avoid a server from
 * the fault before (see fresh_resolver).
 *
 * A fault window lasts from the fault until the server it hit serves the
 * latest serial again (or the block is lifted).  "Added latency" compares
 * the answers sent inside the windows with those outside; "failover" is
 * how long after a fault queries still failed or were slow (more than
 * twice the baseline p99, at least 100 ms).
 *
 * The verdict: the success rate over the whole drill at least min_success,
 * no wrong answer ever, every server serving the latest serial within the
 * convergence deadline, and what the scenario itself asserts (stale: the
 * blocked secondary did not get the change while blocked; primary loss:
 * every secondary kept serving, audit agrees; bad push: no secondary ever
 * served a bad serial).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "common/err.h"
#include "tools/drill.h"

static const char *const kind_names[DRILL__COUNT] = {"kill",         "partition", "stale",
                                                     "primary-loss", "bad-push",  "all-but-one"};

const char *drill_kind_name(drill_kind_t k)
{
	return k < DRILL__COUNT ? kind_names[k] : NULL;
}

int drill_kind_from_text(const char *s, drill_kind_t *k)
{
	for (int i = 0; i < DRILL__COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*k = (drill_kind_t)i;
			return 0;
		}
	return ERR_NOTFOUND;
}

typedef struct {
	drill_lab_t *d;
	const drill_opts_t *o;
	drill_result_t *r;
	drill_load_t *load;
	drill_sample_t *acc; /* the samples of the rounds done */
	size_t nacc;
	int err; /* the drill itself broke: stop */
	double t0;
	uint32_t serial; /* the latest good serial */
} run_t;

static double now(const run_t *x)
{
	return drill_now() - x->t0;
}

__attribute__((format(printf, 2, 3))) static void event(run_t *x, const char *fmt, ...)
{
	drill_result_t *r = x->r;
	if (r->nev == DRILL_MAX_EVENTS)
		return;
	drill_event_t *e = &r->ev[r->nev++];
	e->t = now(x);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
	va_end(ap);
	if (x->d->verbose)
		fprintf(stderr, "drill %s %7.1f s  %s\n", drill_kind_name(r->kind), e->t / 1000.0,
		        e->what);
}

__attribute__((format(printf, 3, 4))) static void addf(char *buf, size_t cap, const char *fmt, ...)
{
	size_t l = strlen(buf);
	if (l + 3 >= cap)
		return;
	if (l > 0) {
		buf[l++] = ';';
		buf[l++] = ' ';
		buf[l] = '\0';
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + l, cap - l, fmt, ap);
	va_end(ap);
}

static void win_begin(run_t *x)
{
	if (x->r->nwin < DRILL_MAX_WINDOWS) {
		x->r->win[x->r->nwin][0] = now(x);
		x->r->win[x->r->nwin][1] = -1;
	}
}

static void win_end(run_t *x)
{
	if (x->r->nwin < DRILL_MAX_WINDOWS)
		x->r->win[x->r->nwin++][1] = now(x);
}

static const char *name_of(const run_t *x, size_t i)
{
	return x->d->lab.node[i].name;
}

/* Waits until node i serves the latest serial; the ms, or -1. */
static double wait_node(run_t *x, size_t i)
{
	double t = drill_now();
	for (;;) {
		uint32_t s;
		if (drill_node_serial(x->d, i, &s) == 0 && s == x->serial)
			return drill_now() - t;
		if (drill_now() - t > x->o->converge_ms || drill_interrupted)
			return -1;
		drill_sleep_ms(100);
	}
}

/* Every secondary at the latest serial: the time since since_ms (the end
 * of the fault, in drill time), recorded. */
static void converge(run_t *x, const char *after, double since_ms)
{
	double c = drill_wait_serial(x->d, x->serial, x->o->converge_ms);
	if (c >= 0)
		c = now(x) - since_ms;
	if (c < 0 && drill_interrupted) {
		x->r->converge_ms = -1;
		addf(x->r->why, sizeof(x->r->why), "interrupted");
		return;
	}
	if (c < 0) {
		event(x, "not every secondary serves serial %u after %.0f s", x->serial,
		      x->o->converge_ms / 1000);
		x->r->converge_ms = -1;
		addf(x->r->why, sizeof(x->r->why),
		     "not every secondary serves serial %u %.0f s after %s", x->serial,
		     x->o->converge_ms / 1000, after);
		return;
	}
	event(x, "every secondary serves serial %u (%.1f s after %s)", x->serial, c / 1000, after);
	if (x->r->converge_ms >= 0 && c > x->r->converge_ms)
		x->r->converge_ms = c;
}

static int load_begin(run_t *x)
{
	drill_load_conf_t c;
	memset(&c, 0, sizeof(c));
	const lab_node_t *res = x->d->resolver, *p = x->d->primary;
	snprintf(c.addr, sizeof(c.addr), "%s", res->addr);
	c.port = res->port;
	snprintf(c.suffix, sizeof(c.suffix), "drill.%s", x->d->lab.zone);
	/* what the zone says: the primary's answer for a name under the wildcard */
	char probe[LAB_DNAME_MAX + 32], got[LAB_ADDR_MAX];
	unsigned rcode;
	snprintf(probe, sizeof(probe), "probe.%s", c.suffix);
	int rc = lab_dns_a(p->addr, p->port, probe, 2000, got, sizeof(got), &rcode);
	if (rc != 0 || inet_pton(AF_INET, got, c.expect) != 1) {
		fprintf(stderr,
		        "nsfleet drill: the primary %s@%u gives no address for %s (%s): the "
		        "lab zone needs its *.drill wildcard\n",
		        p->addr, p->port, probe, rc ? err_str(rc) : "bad address");
		return rc ? rc : ERR_INVAL;
	}
	c.rate = x->o->rate;
	c.timeout_ms = x->o->timeout_ms;
	c.max_queries = x->o->max_queries;
	c.max_ms = x->o->max_ms;
	c.t0 = x->t0;
	rc = drill_load_start(&c, &x->load);
	if (rc != 0)
		fprintf(stderr, "nsfleet drill: the load does not start: %s\n", err_str(rc));
	else
		event(x,
		      "load: %u queries/s of unique names under *.%s to the resolver %s@%u "
		      "(answer expected %s)",
		      c.rate, c.suffix, c.addr, c.port, got);
	return rc;
}

static int primary_serial(run_t *x, uint32_t *s)
{
	unsigned rcode;
	return lab_dns_soa(x->d->primary->addr, x->d->primary->port, x->d->lab.zone, false, 1000, s,
	                   &rcode);
}

/*
 * Unbound remembers a server that timed out (its infra cache, for
 * infra-host-ttl: 15 minutes) and avoids it: a scenario after another
 * would drill a resolver that already routes around the server it hits.
 * Without remote control in the lab's Unbound, the way to forget is a
 * restart; then one query primes the root, the parent and the delegation.
 */
static int fresh_resolver(run_t *x)
{
	size_t i = drill_node_index(x->d, x->d->resolver);
	int rc = drill_node_kill(x->d, i);
	if (rc == 0)
		rc = drill_node_restart(x->d, i);
	if (rc != 0) {
		fprintf(stderr, "nsfleet drill: cannot restart the resolver: %s\n", err_str(rc));
		return rc;
	}
	char name[LAB_DNAME_MAX + 16], got[LAB_ADDR_MAX];
	unsigned rcode;
	snprintf(name, sizeof(name), "www.%s", x->d->lab.zone);
	double t = drill_now();
	while (lab_dns_a(x->d->resolver->addr, x->d->resolver->port, name, 1000, got, sizeof(got),
	                 &rcode) != 0) {
		if (drill_now() - t > x->o->converge_ms || drill_interrupted) {
			fprintf(stderr,
			        "nsfleet drill: the restarted resolver does not resolve %s\n",
			        name);
			return -ETIMEDOUT;
		}
		drill_sleep_ms(100);
	}
	event(x, "resolver restarted (a fresh Unbound: no memory of earlier faults)");
	return 0;
}

static int fresh_resolver(run_t *x);

static int round_begin(run_t *x)
{
	int rc = 0;
	if (x->o->fresh_resolver)
		rc = fresh_resolver(x);
	if (rc == 0)
		rc = load_begin(x);
	if (rc != 0) {
		x->err = rc;
		return rc;
	}
	drill_sleep_ms(x->o->baseline_ms);
	event(x, "baseline done");
	return 0;
}

static void round_end(run_t *x)
{
	if (x->load == NULL)
		return;
	drill_sleep_ms(x->o->settle_ms);
	drill_load_stop(x->load);
	event(x, "load stopped");
	size_t n;
	const drill_sample_t *s = drill_load_samples(x->load, &n);
	drill_sample_t *acc = realloc(x->acc, (x->nacc + n + 1) * sizeof(*acc));
	if (acc != NULL) {
		memcpy(acc + x->nacc, s, n * sizeof(*s));
		x->acc = acc;
		x->nacc += n;
	} else {
		x->err = -ENOMEM;
	}
	drill_load_free(x->load);
	x->load = NULL;
}

/* ------------------------------------------------------------- faults */

static int kill_node(run_t *x, size_t i)
{
	int rc = drill_node_kill(x->d, i);
	event(x, "SIGKILL %s (%s)%s", name_of(x, i), lab_sw_name(x->d->lab.node[i].sw),
	      rc ? ": some process would not die" : "");
	return rc;
}

static int restart_node(run_t *x, size_t i)
{
	int rc = drill_node_restart(x->d, i);
	if (rc != 0) {
		event(x, "restart of %s failed: %s", name_of(x, i), err_str(rc));
		addf(x->r->why, sizeof(x->r->why), "%s could not be restarted (%s)", name_of(x, i),
		     err_str(rc));
	} else {
		event(x, "restarted %s (pid %d)", name_of(x, i), (int)x->d->lab.node[i].pid);
	}
	return rc;
}

/* One secondary down (kill) or cut off (partition) for fault_ms, back,
 * and serving again. */
static double fault_one(run_t *x, size_t i, bool partition)
{
	double t0 = now(x), back;
	win_begin(x);
	if (partition) {
		int rc = drill_node_partition(x->d, i);
		event(x, "partition %s: nft drops all traffic on its link%s", name_of(x, i),
		      rc ? " (nft failed)" : "");
		if (rc)
			addf(x->r->why, sizeof(x->r->why), "nft failed in %s's namespace",
			     name_of(x, i));
	} else {
		kill_node(x, i);
	}
	drill_sleep_ms(x->o->fault_ms);
	back = now(x);
	if (partition) {
		drill_node_unblock(x->d, i);
		event(x, "partition of %s lifted", name_of(x, i));
	} else {
		restart_node(x, i);
	}
	double w = wait_node(x, i);
	if (w < 0)
		event(x, "%s does not serve serial %u after %.0f s", name_of(x, i), x->serial,
		      x->o->converge_ms / 1000);
	else
		event(x, "%s serves serial %u again (%.1f s)", name_of(x, i), x->serial, w / 1000);
	win_end(x);
	(void)t0;
	return back;
}

/* ------------------------------------------------------------- scenarios */

static void scen_kill(run_t *x, bool partition)
{
	for (size_t k = 0; k < x->d->nsec && x->err == 0; k++) {
		if (!drill_is_target(x->d, x->d->sec[k]))
			continue;
		if (round_begin(x) != 0)
			return;
		double back = fault_one(x, x->d->sec[k], partition);
		converge(x, partition ? "the partition" : "the restart", back);
		round_end(x);
	}
}

static int change_zone(run_t *x, uint32_t serial, char **keep)
{
	char *text;
	size_t len;
	int rc = drill_zone_read(x->d, &text, &len);
	if (rc != 0)
		return rc;
	char *next = drill_zone_with_serial(text, serial);
	if (next == NULL) {
		free(text);
		return ERR_SYNTAX;
	}
	/* a real change besides the serial: one TXT */
	size_t nl = strlen(next);
	char *full = malloc(nl + 128);
	if (full == NULL) {
		free(text), free(next);
		return -ENOMEM;
	}
	int k =
	    snprintf(full, nl + 128, "%sdrill-change-%u IN TXT \"nsfleet drill\"\n", next, serial);
	rc = drill_zone_write(x->d, full, (size_t)k);
	free(next), free(full);
	if (keep)
		*keep = text;
	else
		free(text);
	if (rc == 0)
		rc = drill_primary_reload(x->d) == 0 ? 0 : ERR_INVAL;
	return rc;
}

static size_t first_target(const run_t *x)
{
	for (size_t k = 0; k < x->d->nsec; k++)
		if (drill_is_target(x->d, x->d->sec[k]))
			return x->d->sec[k];
	return x->d->sec[0];
}

static void scen_stale(run_t *x)
{
	size_t i = first_target(x);
	const lab_node_t *p = x->d->primary;
	int rc = drill_node_block_peer(x->d, i, p->addr);
	event(x, "block %s <-> primary %s (nft): no NOTIFY, no transfer%s", name_of(x, i), p->addr,
	      rc ? " (nft failed)" : "");
	double t_change = now(x);
	uint32_t next = x->serial + 1;
	win_begin(x);
	rc = change_zone(x, next, NULL);
	if (rc != 0) {
		addf(x->r->why, sizeof(x->r->why), "the primary did not take the change (%s)",
		     err_str(rc));
		drill_node_unblock(x->d, i);
		win_end(x);
		return;
	}
	x->serial = next;
	event(x, "primary serves serial %u", next);
	/* the others get it; the blocked one must not */
	double t = drill_now();
	bool others = false, leaked = false;
	while (drill_now() - t < x->o->fault_ms && !drill_interrupted) {
		size_t have = 0;
		for (size_t k = 0; k < x->d->nsec; k++) {
			uint32_t s;
			if (drill_node_serial(x->d, x->d->sec[k], &s) == 0 && s == next) {
				if (x->d->sec[k] == i)
					leaked = true;
				else
					have++;
			}
		}
		if (!others && have == x->d->nsec - 1) {
			others = true;
			event(x, "every other secondary serves serial %u (propagation %.2f s)",
			      next, (now(x) - t_change) / 1000);
			addf(x->r->note, sizeof(x->r->note),
			     "propagation to the %zu unblocked "
			     "secondar%s: %.2f s",
			     x->d->nsec - 1, x->d->nsec == 2 ? "y" : "ies",
			     (now(x) - t_change) / 1000);
		}
		drill_sleep_ms(200);
	}
	if (leaked)
		addf(x->r->why, sizeof(x->r->why), "%s got serial %u through the block",
		     name_of(x, i), next);
	double back = now(x);
	drill_node_unblock(x->d, i);
	event(x, "block of %s lifted", name_of(x, i));
	double w = wait_node(x, i);
	win_end(x);
	if (w < 0) {
		x->r->stale_ms = -1;
		event(x, "%s still serves the old serial %.0f s after the block", name_of(x, i),
		      x->o->converge_ms / 1000);
		addf(x->r->note, sizeof(x->r->note),
		     "%s served the old serial for more than %.0f s "
		     "(it waits for its SOA refresh/retry timers: no NOTIFY again)",
		     name_of(x, i), (x->o->fault_ms + x->o->converge_ms) / 1000);
	} else {
		x->r->stale_ms = now(x) - t_change;
		event(x, "%s serves serial %u: it served the old one %.1f s", name_of(x, i), next,
		      x->r->stale_ms / 1000);
		addf(x->r->note, sizeof(x->r->note),
		     "%s served the old serial %.1f s (%.1f s after "
		     "the block was lifted)",
		     name_of(x, i), x->r->stale_ms / 1000, w / 1000);
	}
	converge(x, "the block", back);
}

static void scen_primary_loss(run_t *x)
{
	size_t pi = drill_node_index(x->d, x->d->primary);
	win_begin(x);
	kill_node(x, pi);
	double t = drill_now();
	size_t min_serving = x->d->nsec;
	while (drill_now() - t < x->o->fault_ms && !drill_interrupted) {
		size_t serving = 0;
		for (size_t k = 0; k < x->d->nsec; k++) {
			uint32_t s;
			serving += drill_node_serial(x->d, x->d->sec[k], &s) == 0 && s == x->serial;
		}
		if (serving < min_serving) {
			min_serving = serving;
			event(x, "only %zu of %zu secondaries serve serial %u", serving, x->d->nsec,
			      x->serial);
		}
		drill_sleep_ms(500);
	}
	int serving = -1;
	char summary[DRILL_NOTE_MAX / 2];
	drill_audit(x->d, x->serial, &serving, summary, sizeof(summary));
	event(x, "%s", summary);
	addf(x->r->note, sizeof(x->r->note),
	     "without the primary: %zu of %zu secondaries served "
	     "serial %u throughout %.0f s; %s",
	     min_serving, x->d->nsec, x->serial, x->o->fault_ms / 1000, summary);
	if (min_serving < x->d->nsec)
		addf(x->r->why, sizeof(x->r->why),
		     "a secondary stopped serving without the primary");
	if (serving != (int)x->d->nsec)
		addf(x->r->why, sizeof(x->r->why),
		     "audit does not find every secondary serving (%s)", summary);
	double back = now(x);
	restart_node(x, pi);
	/* the primary answers again */
	double w = drill_now();
	uint32_t s = 0;
	while (primary_serial(x, &s) != 0 && drill_now() - w < x->o->converge_ms &&
	       !drill_interrupted)
		drill_sleep_ms(100);
	event(x, "primary serves serial %u again", s);
	win_end(x);
	converge(x, "the primary's restart", back);
}

#define FILL 40 /* records a shrunk push loses: past any shrink-limit up to 75 % */

/* The bad versions of the good zone text: each with serial.  The shrunk
 * one loses the drill-fill-* records the scenario added (its answers stay
 * right: SOA, NS, glue and the wildcard are kept). */
static char *bad_version(const char *good, uint32_t serial, int which, const char **what)
{
	char *v = drill_zone_with_serial(good, serial);
	if (v == NULL)
		return NULL;
	size_t len = strlen(v);
	if (which == 0) {
		*what = "truncated in the middle of a record";
		char *cut = strstr(v, "*.drill IN A ");
		cut = cut ? cut + 10 : v + len / 2;
		*cut = '\0';
		return v;
	}
	if (which == 1) {
		*what = "a syntax error";
		char *out = malloc(len + 64);
		if (out != NULL)
			snprintf(out, len + 64, "%sbroken IN A 192.0.2.300\n", v);
		free(v);
		return out;
	}
	*what = "shrunk: the "
	        "drill-fill records gone (the shrink guard)";
	char *out = malloc(len + 1), *o = out;
	if (out == NULL) {
		free(v);
		return NULL;
	}
	for (char *save = NULL, *l = strtok_r(v, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strncmp(l, "drill-fill-", 11) != 0)
			o += sprintf(o, "%s\n", l);
	*o = '\0';
	free(v);
	return out;
}

/* Writes text with serial on the primary and reloads; the reload's exit. */
static int push(run_t *x, const char *text, uint32_t serial)
{
	char *v = drill_zone_with_serial(text, serial);
	if (v == NULL)
		return ERR_SYNTAX;
	int rc = drill_zone_write(x->d, v, strlen(v));
	free(v);
	return rc == 0 ? drill_primary_reload(x->d) : rc;
}

static void scen_bad_push(run_t *x)
{
	char *good;
	size_t len;
	int rc = drill_zone_read(x->d, &good, &len);
	if (rc != 0) {
		addf(x->r->why, sizeof(x->r->why), "cannot read the primary's zone file (%s)",
		     err_str(rc));
		return;
	}
	/* the zone made big enough for a shrink to be one: FILL records */
	if (strstr(good, "drill-fill-0 ") == NULL) {
		char *big = malloc(len + FILL * 48 + 1);
		if (big == NULL) {
			free(good);
			return;
		}
		size_t k = (size_t)sprintf(big, "%s", good);
		for (int i = 0; i < FILL; i++)
			k +=
			    (size_t)sprintf(big + k, "drill-fill-%d IN A 192.0.2.%d\n", i, 100 + i);
		free(good);
		good = big;
		len = k;
		x->serial++;
		rc = push(x, good, x->serial);
		event(x,
		      "the zone grows by %d records (serial %u) so that a shrink can be pushed: "
		      "reload %s",
		      FILL, x->serial, rc == 0 ? "ok" : "failed");
		converge(x, "the growth", now(x));
	}
	uint32_t top = x->serial;
	for (int which = 0; which < 3; which++) {
		const char *what = "";
		uint32_t bad = x->serial + 100 + (uint32_t)which;
		char *v = bad_version(good, bad, which, &what);
		if (v == NULL)
			continue;
		top = bad;
		win_begin(x);
		drill_zone_write(x->d, v, strlen(v));
		free(v);
		int st = drill_primary_reload(x->d);
		event(x, "push serial %u, %s: reload %s", bad, what,
		      st == 0 ? "accepted" : "refused");
		double t = drill_now();
		bool leaked = false, primary_took = false;
		while (drill_now() - t < x->o->fault_ms && !drill_interrupted) {
			uint32_t s;
			if (primary_serial(x, &s) == 0 && s == bad)
				primary_took = true;
			for (size_t k = 0; k < x->d->nsec; k++)
				if (drill_node_serial(x->d, x->d->sec[k], &s) == 0 && s == bad &&
				    !leaked) {
					leaked = true;
					event(x, "%s serves the bad serial %u",
					      name_of(x, x->d->sec[k]), bad);
				}
			drill_sleep_ms(200);
		}
		if (leaked)
			addf(x->r->why, sizeof(x->r->why), "the zone %s reached a secondary", what);
		else
			addf(x->r->note, sizeof(x->r->note), "%s: %s, no secondary served it", what,
			     primary_took ? "the primary served it"
			                  : "the primary kept the last good "
			                    "version");
		/* the good zone back, with a serial above every one pushed */
		double back = now(x);
		st = push(x, good, bad + 1);
		if (st == 0)
			x->serial = bad + 1;
		event(x, "good zone back on the primary as serial %u (reload %s)", bad + 1,
		      st == 0 ? "ok" : "failed");
		if (st != 0)
			addf(x->r->why, sizeof(x->r->why),
			     "the good zone does not reload after the bad "
			     "push");
		converge(x, "the good zone's return", back);
		win_end(x);
	}
	(void)top;
	free(good);
}

static void scen_all_but_one(run_t *x)
{
	size_t keep = first_target(x);
	win_begin(x);
	for (size_t k = 0; k < x->d->nsec; k++)
		if (x->d->sec[k] != keep)
			kill_node(x, x->d->sec[k]);
	event(x, "only %s serves", name_of(x, keep));
	drill_sleep_ms(x->o->fault_ms);
	double back = now(x);
	for (size_t k = 0; k < x->d->nsec; k++)
		if (x->d->sec[k] != keep)
			restart_node(x, x->d->sec[k]);
	converge(x, "the restarts", back);
	win_end(x);
}

/* ------------------------------------------------------------- verdict */

static void verdict(run_t *x)
{
	drill_result_t *r = x->r;
	r->samples = x->acc;
	r->nsamples = x->nacc;
	x->acc = NULL;
	drill_stats(r->samples, r->nsamples, 0, -1, &r->all);
	drill_stats_windows(r->samples, r->nsamples, (const double(*)[2])r->win, r->nwin, false,
	                    &r->base);
	drill_stats_windows(r->samples, r->nsamples, (const double(*)[2])r->win, r->nwin, true,
	                    &r->fault);
	double slow = 2 * r->base.p99 > 100 ? 2 * r->base.p99 : 100;
	for (size_t i = 0; i < r->nwin; i++) {
		double f =
		    drill_failover_ms(r->samples, r->nsamples, r->win[i][0], r->win[i][1], slow);
		if (f > r->failover_ms)
			r->failover_ms = f;
	}
	if (r->all.wrong > 0)
		addf(r->why, sizeof(r->why), "%zu WRONG answer%s", r->all.wrong,
		     r->all.wrong == 1 ? "" : "s");
	if (r->all.success < x->o->min_success)
		addf(r->why, sizeof(r->why), "success rate %.2f %% below %.2f %%",
		     100 * r->all.success, 100 * x->o->min_success);
	if (r->all.sent == 0)
		addf(r->why, sizeof(r->why), "no query was sent");
	r->serial = x->serial;
	r->pass = r->why[0] == '\0';
}

int drill_run(drill_lab_t *d, drill_kind_t k, const drill_opts_t *o, drill_result_t *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = k;
	run_t x = {d, o, r, NULL, NULL, 0, 0, drill_now(), 0};
	int rc = primary_serial(&x, &x.serial);
	if (rc != 0) {
		fprintf(stderr, "nsfleet drill: the primary %s@%u does not answer its SOA (%s)\n",
		        d->primary->addr, d->primary->port, err_str(rc));
		return rc;
	}
	double c = drill_wait_serial(d, x.serial, o->converge_ms);
	if (c < 0) {
		fprintf(stderr,
		        "nsfleet drill: not every secondary serves the primary's serial %u "
		        "before the drill: the lab is not in sync\n",
		        x.serial);
		return ERR_INVAL;
	}
	if (k == DRILL_KILL || k == DRILL_PARTITION) {
		scen_kill(&x, k == DRILL_PARTITION);
	} else if (round_begin(&x) == 0) {
		switch (k) {
		case DRILL_STALE:
			scen_stale(&x);
			break;
		case DRILL_PRIMARY_LOSS:
			scen_primary_loss(&x);
			break;
		case DRILL_BAD_PUSH:
			scen_bad_push(&x);
			break;
		case DRILL_ALL_BUT_ONE:
			scen_all_but_one(&x);
			break;
		default:
			break;
		}
		round_end(&x);
	}
	round_end(&x);
	if (x.err != 0) {
		free(x.acc);
		return x.err;
	}
	r->t_end = now(&x);
	verdict(&x);
	return 0;
}
