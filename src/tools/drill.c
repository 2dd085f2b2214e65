/*
 * nsfleet drill [--lab] [--scenario LIST] ...: failure drills on a lab
 * made by `nsfleet lab up`, each under a bounded load of real queries
 * through the lab's Unbound (doc/nsfleet-drill.md).  Options and the
 * report (text, --json, --svg); the work is in drill_scen.c.
 *
 * Exit: 0 every scenario passed, 1 one failed or could not run, 2 usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/err.h"
#include "tools/drill.h"
#include "tools/tool.h"

static void drill_usage(FILE *out)
{
	fputs("usage: nsfleet drill [--lab] [--state-dir DIR] [--scenario LIST] [--json]\n"
	      "                     [--svg FILE] [--rate N] [--timeout MS] [--baseline S]\n"
	      "                     [--fault S] [--settle S] [--converge S] [--min-success PCT]\n"
	      "                     [--max-queries N] [--max-time S] [--target LIST]\n"
	      "                     [--samples FILE] [-v]\n"
	      "\n"
	      "Runs failure scenarios on the lab of `nsfleet lab up` while a load of unique\n"
	      "names under the lab zone's wildcard goes through its Unbound resolver; each\n"
	      "gets a verdict: success rate, added latency, recovery time, wrong answers.\n"
	      "\n"
	      "  --lab              drill the lab (the default; the state file of --state-dir)\n"
	      "  --config FILE      a fleet.yaml fleet: not supported yet (the drill must kill\n"
	      "                     and cut off servers: only a lab's are its own)\n"
	      "  --state-dir DIR    the lab's state (default as `nsfleet lab`)\n"
	      "  --scenario LIST    comma-separated, in order (default: all): kill, partition,\n"
	      "                     stale, primary-loss, bad-push, all-but-one\n"
	      "  --target LIST      the secondaries the faults hit (comma-separated names):\n"
	      "                     kill and partition take them in turn (default: every\n"
	      "                     one), stale blocks the first, all-but-one keeps the first\n"
	      "  --rate N           queries per second (default 20)\n"
	      "  --timeout MS       per query (default 5000)\n"
	      "  --baseline S       load before the first fault (default 3)\n"
	      "  --fault S          how long a fault lasts (default 5)\n"
	      "  --settle S         load after each recovery (default 2)\n"
	      "  --converge S       deadline for every secondary to serve the latest serial\n"
	      "                     (default 60)\n"
	      "  --min-success PCT  the verdict's threshold (default 99)\n"
	      "  --max-queries N    bound of each scenario's load (default 20000)\n"
	      "  --max-time S       bound of each scenario's load in time (default 900)\n"
	      "  --json             the results as one JSON object\n"
	      "  --svg FILE         a timeline per scenario (FILE, or FILE-SCENARIO.svg for more)\n"
	      "  --keep-resolver    do not restart Unbound before each scenario (it then\n"
	      "                     remembers earlier faults: infra-host-ttl, 15 minutes)\n"
	      "  --samples FILE     every query as CSV: scenario,sent_s,latency_ms,result\n"
	      "  -v                 events as they happen, on stderr\n",
	      out);
}

static void default_dir(char *out, size_t cap)
{
	if (geteuid() == 0)
		snprintf(out, cap, "/run/nsfleet-lab");
	else
		snprintf(out, cap, "/tmp/nsfleet-lab-%u", (unsigned)getuid());
}

static bool num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

static void print_result(const drill_result_t *r, const char *zone)
{
	printf("drill %s: %s%s%s\n", drill_kind_name(r->kind), r->pass ? "PASS" : "FAIL",
	       r->why[0] ? ": " : "", r->why);
	printf(
	    "  queries: %zu sent, %zu ok, %zu WRONG, %zu failed, %zu timed out: success %.2f %%\n",
	    r->all.sent, r->all.ok, r->all.wrong, r->all.fail, r->all.timeout,
	    100 * r->all.success);
	printf("  latency p50/p99: outside faults %.1f/%.1f ms, during faults %.1f/%.1f ms (added "
	       "%+.1f/%+.1f ms; success during faults %.2f %% of %zu)\n",
	       r->base.p50, r->base.p99, r->fault.p50, r->fault.p99, r->fault.p50 - r->base.p50,
	       r->fault.p99 - r->base.p99, 100 * r->fault.success, r->fault.sent);
	printf("  failover: answers back to normal %.1f s after a fault (the longest)\n",
	       r->failover_ms / 1000);
	if (r->converge_ms < 0)
		printf("  recovery: not every secondary served serial %u within the deadline\n",
		       r->serial);
	else
		printf("  recovery: every secondary served serial %u %.1f s after the fault ended "
		       "(the longest)\n",
		       r->serial, r->converge_ms / 1000);
	if (r->kind == DRILL_STALE && r->stale_ms < 0)
		printf(
		    "  stale: the blocked secondary still served the old serial at the deadline\n");
	else if (r->kind == DRILL_STALE)
		printf("  stale: the blocked secondary served the old serial %.1f s after the "
		       "change\n",
		       r->stale_ms / 1000);
	if (r->note[0])
		printf("  seen: %s\n", r->note);
	printf("  load: unique names q<N>-<run>.drill.%s (the zone's wildcard): every query misses "
	       "the resolver's cache\n",
	       zone);
	printf("  events:\n");
	for (size_t i = 0; i < r->nev; i++)
		printf("    %7.1f s  %s\n", r->ev[i].t / 1000, r->ev[i].what);
}

static json_t *stats_json(const drill_stats_t *s)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:f}", "sent", (json_int_t)s->sent, "ok",
	                 (json_int_t)s->ok, "wrong", (json_int_t)s->wrong, "failed",
	                 (json_int_t)s->fail, "timed_out", (json_int_t)s->timeout, "success",
	                 s->success, "p50_ms", s->p50, "p99_ms", s->p99);
}

static json_t *result_json(const drill_result_t *r)
{
	json_t *ev = json_array(), *win = json_array();
	for (size_t i = 0; i < r->nev; i++)
		json_array_append_new(
		    ev, json_pack("{s:f,s:s}", "t_s", r->ev[i].t / 1000, "what", r->ev[i].what));
	for (size_t i = 0; i < r->nwin; i++)
		json_array_append_new(win,
		                      json_pack("[f,f]", r->win[i][0] / 1000, r->win[i][1] / 1000));
	json_t *j = json_pack(
	    "{s:s,s:b,s:s,s:s,s:o,s:o,s:o,s:f,s:f,s:f,s:o,s:I,s:o,s:o}", "scenario",
	    drill_kind_name(r->kind), "pass", r->pass, "why", r->why, "seen", r->note, "queries",
	    stats_json(&r->all), "outside_faults", stats_json(&r->base), "during_faults",
	    stats_json(&r->fault), "added_p50_ms", r->fault.p50 - r->base.p50, "added_p99_ms",
	    r->fault.p99 - r->base.p99, "failover_s", r->failover_ms / 1000, "converge_s",
	    r->converge_ms < 0 ? json_null() : json_real(r->converge_ms / 1000), "serial",
	    (json_int_t)r->serial, "fault_windows_s", win, "events", ev);
	if (j != NULL && r->kind == DRILL_STALE)
		json_object_set_new(j, "stale_s",
		                    r->stale_ms < 0 ? json_null() : json_real(r->stale_ms / 1000));
	return j;
}

static int write_svg(const char *path, bool many, const drill_result_t *r, const char *lab)
{
	char file[LAB_PATH_MAX + 32], title[256];
	if (many) {
		const char *dot = strrchr(path, '.');
		size_t base = dot && strcmp(dot, ".svg") == 0 ? (size_t)(dot - path) : strlen(path);
		snprintf(file, sizeof(file), "%.*s-%s.svg", (int)base, path,
		         drill_kind_name(r->kind));
	} else {
		snprintf(file, sizeof(file), "%s", path);
	}
	snprintf(title, sizeof(title), "nsfleet drill %s on lab %s: %s, success %.2f %%",
	         drill_kind_name(r->kind), lab, r->pass ? "PASS" : "FAIL", 100 * r->all.success);
	FILE *f = fopen(file, "w");
	if (f == NULL) {
		fprintf(stderr, "nsfleet drill: cannot write %s: %s\n", file, strerror(errno));
		return TOOL_FAIL;
	}
	int rc = drill_svg_write(f, title, r->samples, r->nsamples, (const double(*)[2])r->win,
	                         r->nwin, r->ev, r->nev, 1000);
	if (fclose(f) != 0 || rc != 0) {
		fprintf(stderr, "nsfleet drill: cannot write %s\n", file);
		return TOOL_FAIL;
	}
	return 0;
}

static int write_samples(const char *path, const drill_result_t *res, size_t n)
{
	static const char *const rname[] = {"ok", "wrong", "fail", "timeout", "pending"};
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "nsfleet drill: cannot write %s: %s\n", path, strerror(errno));
		return TOOL_FAIL;
	}
	fprintf(f, "scenario,sent_s,latency_ms,result\n");
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < res[k].nsamples; i++) {
			const drill_sample_t *s = &res[k].samples[i];
			fprintf(f, "%s,%.3f,%.1f,%s\n", drill_kind_name(res[k].kind), s->t / 1000,
			        (double)s->lat, rname[s->res < 5 ? s->res : 4]);
		}
	if (fclose(f) != 0) {
		fprintf(stderr, "nsfleet drill: cannot write %s\n", path);
		return TOOL_FAIL;
	}
	return 0;
}

/* The first signal asks the scenario to put things back and stop; a
 * second one kills at once (`lab down` cleans up then). */
static void on_signal(int sig)
{
	if (drill_interrupted) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	drill_interrupted = 1;
}

int cmd_drill(int argc, char **argv)
{
	drill_opts_t o = {20, 5000, 3000, 5000, 2000, 60000, 0.99, 20000, 900000, true};
	char dir[LAB_PATH_MAX];
	const char *svg = NULL, *config = NULL, *list = NULL, *samples = NULL, *targets = NULL;
	bool json = false, verbose = false;
	default_dir(dir, sizeof(dir));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		double x;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			drill_usage(stdout);
			return TOOL_OK;
		} else if (strcmp(a, "--lab") == 0) {
			continue;
		} else if (strcmp(a, "--keep-resolver") == 0) {
			o.fresh_resolver = false;
			continue;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
			continue;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			verbose = true;
			continue;
		} else if (v == NULL) {
			fprintf(stderr, "nsfleet drill: unknown option or missing value: '%s'\n",
			        a);
			drill_usage(stderr);
			return TOOL_USAGE;
		}
		i++;
		if (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0)
			config = v;
		else if (strcmp(a, "--state-dir") == 0)
			snprintf(dir, sizeof(dir), "%s", v);
		else if (strcmp(a, "--scenario") == 0 || strcmp(a, "-s") == 0)
			list = v;
		else if (strcmp(a, "--svg") == 0)
			svg = v;
		else if (strcmp(a, "--target") == 0 || strcmp(a, "-t") == 0)
			targets = v;
		else if (strcmp(a, "--samples") == 0)
			samples = v;
		else if (strcmp(a, "--rate") == 0 && num(v, 1, 5000, &x))
			o.rate = (unsigned)x;
		else if (strcmp(a, "--timeout") == 0 && num(v, 100, 60000, &x))
			o.timeout_ms = (unsigned)x;
		else if (strcmp(a, "--baseline") == 0 && num(v, 0, 3600, &x))
			o.baseline_ms = x * 1000;
		else if (strcmp(a, "--fault") == 0 && num(v, 0, 3600, &x))
			o.fault_ms = x * 1000;
		else if (strcmp(a, "--settle") == 0 && num(v, 0, 3600, &x))
			o.settle_ms = x * 1000;
		else if (strcmp(a, "--converge") == 0 && num(v, 1, 3600, &x))
			o.converge_ms = x * 1000;
		else if (strcmp(a, "--min-success") == 0 && num(v, 0, 100, &x))
			o.min_success = x / 100;
		else if (strcmp(a, "--max-queries") == 0 && num(v, 1, 10000000, &x))
			o.max_queries = (size_t)x;
		else if (strcmp(a, "--max-time") == 0 && num(v, 1, 86400, &x))
			o.max_ms = x * 1000;
		else {
			fprintf(stderr, "nsfleet drill: unknown option or bad value: '%s %s'\n", a,
			        v);
			drill_usage(stderr);
			return TOOL_USAGE;
		}
	}
	if (config != NULL) {
		fprintf(stderr,
		        "nsfleet drill: --config %s: drilling a fleet.yaml fleet is not "
		        "supported yet (a drill kills and cuts off servers: only a lab's are "
		        "its own); use --lab\n",
		        config);
		return TOOL_USAGE;
	}
	drill_kind_t kinds[DRILL__COUNT * 2];
	size_t nk = 0;
	if (list == NULL) {
		for (int k = 0; k < DRILL__COUNT; k++)
			kinds[nk++] = (drill_kind_t)k;
	} else {
		char buf[256];
		snprintf(buf, sizeof(buf), "%s", list);
		for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			if (nk == sizeof(kinds) / sizeof(kinds[0]) ||
			    drill_kind_from_text(t, &kinds[nk]) != 0) {
				fprintf(
				    stderr,
				    "nsfleet drill: unknown scenario '%s' (kill, partition, stale, "
				    "primary-loss, bad-push, all-but-one)\n",
				    t);
				return TOOL_USAGE;
			}
			nk++;
		}
	}
	static drill_lab_t d;
	if (drill_lab_open(&d, dir) != 0) {
		drill_lab_close(&d);
		return TOOL_FAIL;
	}
	d.verbose = verbose;
	if (targets != NULL && drill_set_targets(&d, targets) != 0) {
		drill_lab_close(&d);
		return TOOL_USAGE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	static drill_result_t res[DRILL__COUNT * 2];
	bool all = true;
	size_t ran = 0;
	int rc = TOOL_OK;
	for (size_t k = 0; k < nk && !drill_interrupted; k++) {
		int e = drill_run(&d, kinds[k], &o, &res[ran]);
		if (e != 0) {
			fprintf(stderr, "nsfleet drill: %s could not run (%s)\n",
			        drill_kind_name(kinds[k]), err_str(e));
			all = false;
			break;
		}
		all = all && res[ran].pass;
		if (!json) {
			print_result(&res[ran], d.lab.zone);
			fflush(stdout);
		}
		ran++;
	}
	drill_lab_close(&d);
	if (drill_interrupted) {
		fprintf(stderr, "nsfleet drill: interrupted: servers restarted, nft rules removed, "
		                "the good zone back; the results so far are partial\n");
		all = false;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (json) {
		json_t *arr = json_array();
		for (size_t k = 0; k < ran; k++)
			json_array_append_new(arr, result_json(&res[k]));
		json_t *j = json_pack("{s:s,s:s,s:s,s:b,s:{s:i,s:i,s:f,s:s},s:o}", "lab",
		                      d.lab.name, "zone", d.lab.zone, "resolver", d.resolver->addr,
		                      "pass", all, "load", "rate", (int)o.rate, "timeout_ms",
		                      (int)o.timeout_ms, "min_success", o.min_success, "names",
		                      "unique under the zone's "
		                      "wildcard *.drill: every query misses the resolver's cache",
		                      "scenarios", arr);
		tool_json_out(j);
		json_decref(j);
	} else if (ran > 0) {
		printf("drill: %s\n", all ? "every scenario passed" : "FAILED");
	}
	if (samples != NULL && write_samples(samples, res, ran) != 0)
		rc = TOOL_FAIL;
	for (size_t k = 0; k < ran; k++) {
		if (svg != NULL && write_svg(svg, ran > 1, &res[k], d.lab.name) != 0)
			rc = TOOL_FAIL;
		free(res[k].samples);
	}
	return all && rc == TOOL_OK ? TOOL_OK : TOOL_FAIL;
}
