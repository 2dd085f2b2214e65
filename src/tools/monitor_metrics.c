/*
 * What the monitor shows: the Prometheus text exposition format (version
 * 0.0.4: "# HELP", "# TYPE", then the samples of each metric family
 * together), the HTML status page, and a finding as the hook's JSON.
 * doc/nsfleet-monitor.md lists the metrics.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "tools/monitor.h"

/* A label value with \\, \" and \n escaped (exposition format). */
static void put_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void put_double(FILE *f, double x)
{
	if (isnan(x))
		fputs("NaN", f);
	else if (isinf(x))
		fputs(x > 0 ? "+Inf" : "-Inf", f);
	else if (x == floor(x) && fabs(x) < 9007199254740992.0) /* integers exactly */
		fprintf(f, "%.0f", x);
	else
		fprintf(f, "%.9g", x);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{zone="..",server=".."[,extra]} */
static void sample_start(FILE *f, const mon_t *m, const char *name, const char *suffix,
                         const mon_target_t *t, const char *extra_key, const char *extra_val)
{
	fprintf(f, "%s%s{zone=\"", name, suffix);
	put_label(f, m->conf->zone[t->zone].domain);
	fputs("\",server=\"", f);
	put_label(f, m->conf->ns[t->ns].name);
	fputc('"', f);
	if (extra_key) {
		fprintf(f, ",%s=\"", extra_key);
		put_label(f, extra_val);
		fputc('"', f);
	}
	fputs("} ", f);
}

typedef enum {
	V_UP,
	V_TCP_UP,
	V_SERIAL,
	V_LAG,
	V_LAG_SECS,
	V_RRSIG,
	V_FAILS,
	V_CHECKS,
	V_FAILURES
} which_t;

static const struct {
	const char *name, *type, *help;
	which_t w;
} PER_TARGET[] = {
    {"nsfleet_ns_up", "gauge",
     "1 when the server answered the zone's SOA authoritatively over UDP in the last check, "
     "else 0.",
     V_UP},
    {"nsfleet_ns_tcp_up", "gauge",
     "1 when the server answered the zone's SOA authoritatively over TCP in the last check, "
     "else 0.",
     V_TCP_UP},
    {"nsfleet_ns_serial", "gauge", "The SOA serial the server serves (while it is up).", V_SERIAL},
    {"nsfleet_ns_serial_lag", "gauge",
     "How far the server's serial is behind the primary's (RFC 1982; negative when ahead).", V_LAG},
    {"nsfleet_ns_serial_lag_seconds", "gauge",
     "Seconds since the primary first showed a serial newer than the server's (0 when current).",
     V_LAG_SECS},
    {"nsfleet_rrsig_expiry_seconds", "gauge",
     "Seconds until the earliest RRSIG of the zone's SOA on the server expires (signed zones).",
     V_RRSIG},
    {"nsfleet_ns_consecutive_failures", "gauge", "Failed checks in a row.", V_FAILS},
    {"nsfleet_ns_checks_total", "counter", "Checks of the server for the zone.", V_CHECKS},
    {"nsfleet_ns_check_failures_total", "counter", "Failed checks of the server for the zone.",
     V_FAILURES},
};

static bool value_of(const mon_t *m, const mon_target_t *t, which_t w, double *x)
{
	switch (w) {
	case V_UP:
		*x = t->up;
		return t->checked;
	case V_TCP_UP:
		*x = t->tcp_up;
		return t->checked && t->tcp_checked;
	case V_SERIAL:
		*x = t->serial;
		return t->up && t->has_serial;
	case V_LAG:
		*x = (double)t->lag;
		return t->up && t->lag_known && m->zs[t->zone].has_ref;
	case V_LAG_SECS:
		*x = t->lag_seconds;
		return t->up && m->zs[t->zone].has_ref;
	case V_RRSIG:
		*x = (double)t->rrsig_left;
		return t->up && t->has_rrsig;
	case V_FAILS:
		*x = t->fails;
		return t->checked;
	case V_CHECKS:
		*x = (double)t->checks;
		return true;
	case V_FAILURES:
		*x = (double)t->failures;
		return true;
	}
	return false;
}

char *mon_metrics_text(const mon_t *m, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (f == NULL)
		return NULL;
	for (size_t k = 0; k < sizeof(PER_TARGET) / sizeof(PER_TARGET[0]); k++) {
		bool any = false;
		for (size_t i = 0; i < m->nt; i++) {
			double x;
			if (!value_of(m, &m->t[i], PER_TARGET[k].w, &x))
				continue;
			if (!any)
				family(f, PER_TARGET[k].name, PER_TARGET[k].type,
				       PER_TARGET[k].help);
			any = true;
			sample_start(f, m, PER_TARGET[k].name, "", &m->t[i], NULL, NULL);
			put_double(f, x);
			fputc('\n', f);
		}
	}
	family(f, "nsfleet_ns_latency_seconds", "summary",
	       "Time to the UDP answer of the SOA (retries included), quantiles over the last "
	       "`window` answers.");
	for (size_t i = 0; i < m->nt; i++) {
		const mon_target_t *t = &m->t[i];
		static const struct {
			const char *label;
			double q;
		} qs[] = {{"0.5", 0.5}, {"0.99", 0.99}};
		for (size_t j = 0; j < 2; j++) {
			sample_start(f, m, "nsfleet_ns_latency_seconds", "", t, "quantile",
			             qs[j].label);
			put_double(f, mon_window_quantile(&t->lat, qs[j].q));
			fputc('\n', f);
		}
		sample_start(f, m, "nsfleet_ns_latency_seconds", "_sum", t, NULL, NULL);
		put_double(f, t->rtt_sum);
		fputc('\n', f);
		sample_start(f, m, "nsfleet_ns_latency_seconds", "_count", t, NULL, NULL);
		fprintf(f, "%llu\n", (unsigned long long)t->rtt_count);
	}
	family(f, "nsfleet_ns_incident", "gauge",
	       "1 while an incident of this kind is alerted for the server and zone, else 0.");
	for (size_t i = 0; i < m->nt; i++)
		for (int k = 0; k < MON_KIND__COUNT; k++) {
			sample_start(f, m, "nsfleet_ns_incident", "", &m->t[i], "kind",
			             mon_kind_name((mon_kind_t)k));
			fprintf(f, "%d\n", m->t[i].inc[k].st == MON_INC_FIRING);
		}
	bool any = false;
	for (size_t z = 0; z < m->conf->nzones; z++) {
		if (!m->zs[z].has_ref)
			continue;
		if (!any)
			family(f, "nsfleet_zone_serial", "gauge",
			       "The zone's reference serial: the primary's, or the newest served "
			       "without a primary.");
		any = true;
		fputs("nsfleet_zone_serial{zone=\"", f);
		put_label(f, m->conf->zone[z].domain);
		fprintf(f, "\"} %u\n", m->zs[z].ref);
	}
	family(f, "nsfleet_monitor_alerts_total", "counter", "Alerts raised, by kind.");
	for (int k = 0; k < MON_KIND__COUNT; k++)
		fprintf(f, "nsfleet_monitor_alerts_total{kind=\"%s\"} %llu\n",
		        mon_kind_name((mon_kind_t)k), (unsigned long long)m->alerts[k]);
	family(f, "nsfleet_monitor_recoveries_total", "counter", "Recoveries, by kind.");
	for (int k = 0; k < MON_KIND__COUNT; k++)
		fprintf(f, "nsfleet_monitor_recoveries_total{kind=\"%s\"} %llu\n",
		        mon_kind_name((mon_kind_t)k), (unsigned long long)m->recoveries[k]);
	family(f, "nsfleet_monitor_hook_runs_total", "counter", "Alert hook runs started.");
	fprintf(f, "nsfleet_monitor_hook_runs_total %llu\n", (unsigned long long)m->hook_runs);
	family(f, "nsfleet_monitor_hook_failures_total", "counter",
	       "Alert hook runs that failed (could not start, exit status not 0, killed).");
	fprintf(f, "nsfleet_monitor_hook_failures_total %llu\n",
	        (unsigned long long)m->hook_failures);
	family(f, "nsfleet_monitor_rounds_total", "counter", "Rounds of checks done.");
	fprintf(f, "nsfleet_monitor_rounds_total %llu\n", (unsigned long long)m->rounds);
	family(f, "nsfleet_monitor_start_time_seconds", "gauge",
	       "When the monitor started (Unix time).");
	fprintf(f, "nsfleet_monitor_start_time_seconds %.3f\n", m->started);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static void put_html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

char *mon_html_text(const mon_t *m, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (f == NULL)
		return NULL;
	const mon_conf_t *c = m->conf;
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	      "<meta http-equiv=\"refresh\" content=\"10\">"
	      "<title>nsfleet monitor</title><style>"
	      "body{font-family:sans-serif}table{border-collapse:collapse}"
	      "td,th{border:1px solid #999;padding:2px 8px}.down{background:#f99}"
	      ".lag{background:#fd8}.ok{background:#9e9}</style></head><body>\n"
	      "<h1>nsfleet monitor</h1>\n",
	      f);
	fprintf(f, "<p>%llu rounds, every %gs. <a href=\"/metrics\">metrics</a></p>\n",
	        (unsigned long long)m->rounds, c->interval);
	for (size_t z = 0; z < c->nzones; z++) {
		fputs("<h2>", f);
		put_html(f, c->zone[z].domain);
		fputs("</h2>\n", f);
		if (m->zs[z].has_ref)
			fprintf(f, "<p>reference serial %u</p>\n", m->zs[z].ref);
		fputs("<table><tr><th>server</th><th>address</th><th>state</th><th>TCP</th>"
		      "<th>serial</th><th>lag</th><th>lag (s)</th><th>p50 (ms)</th>"
		      "<th>p99 (ms)</th><th>RRSIG left (h)</th><th>last failure</th></tr>\n",
		      f);
		for (size_t i = 0; i < m->nt; i++) {
			const mon_target_t *t = &m->t[i];
			if (t->zone != z)
				continue;
			const char *cls = !t->checked   ? ""
			                  : !t->up      ? "down"
			                  : t->lag != 0 ? "lag"
			                                : "ok";
			fprintf(f, "<tr class=\"%s\"><td>", cls);
			put_html(f, c->ns[t->ns].name);
			if ((int)t->ns == c->zone[z].primary)
				fputs(" (primary)", f);
			fputs("</td><td>", f);
			put_html(f, c->ns[t->ns].addrtext);
			fprintf(f, "</td><td>%s</td><td>%s</td>",
			        !t->checked ? "?"
			        : t->up     ? "up"
			                    : "DOWN",
			        !t->tcp_checked ? "-"
			        : t->tcp_up     ? "up"
			                        : "DOWN");
			if (t->up && t->has_serial)
				fprintf(f, "<td>%u</td><td>%lld</td><td>%.0f</td>", t->serial,
				        (long long)t->lag, t->lag_seconds);
			else
				fputs("<td></td><td></td><td></td>", f);
			for (int k = 0; k < 2; k++) {
				double x = mon_window_quantile(&t->lat, k ? 0.99 : 0.5);
				if (isnan(x))
					fputs("<td>-</td>", f);
				else
					fprintf(f, "<td>%.1f</td>", x * 1000);
			}
			if (t->up && t->has_rrsig)
				fprintf(f, "<td>%.1f</td>", (double)t->rrsig_left / 3600);
			else
				fputs("<td></td>", f);
			fputs("<td>", f);
			put_html(f, t->why);
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	fputs("</body></html>\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

void mon_pages_update(mon_t *m)
{
	size_t ml = 0, hl = 0;
	char *mt = mon_metrics_text(m, &ml);
	char *ht = mon_html_text(m, &hl);
	pthread_mutex_lock(&m->pages.mu);
	char *om = m->pages.metrics, *oh = m->pages.html;
	if (mt) {
		m->pages.metrics = mt;
		m->pages.metrics_len = ml;
	}
	if (ht) {
		m->pages.html = ht;
		m->pages.html_len = hl;
	}
	pthread_mutex_unlock(&m->pages.mu);
	if (mt)
		free(om);
	if (ht)
		free(oh);
}

char *mon_finding_json(const mon_t *m, const mon_finding_t *f)
{
	const mon_conf_t *c = m->conf;
	const mon_target_t *t = &m->t[f->target];
	const mon_zone_t *z = &c->zone[t->zone];
	const mon_zone_state_t *zs = &m->zs[t->zone];
	const char *server = c->ns[t->ns].name;
	char ts[32], msg[2400];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	bool alert = f->ev == MON_EV_ALERT;
	switch (f->kind) {
	case MON_KIND_DOWN:
		if (alert)
			snprintf(msg, sizeof(msg), "%s (%s) failed %u checks in a row for %s: %s",
			         server, c->ns[t->ns].addrtext, t->fails, z->domain, t->why);
		else
			snprintf(msg, sizeof(msg), "%s (%s) answers for %s again", server,
			         c->ns[t->ns].addrtext, z->domain);
		break;
	case MON_KIND_SERIAL:
		if (alert)
			snprintf(
			    msg, sizeof(msg),
			    "%s serves serial %u of %s, the reference is %u (%lld behind) for %.0f "
			    "seconds",
			    server, t->serial, z->domain, zs->ref, (long long)t->lag,
			    t->lag_seconds);
		else
			snprintf(msg, sizeof(msg), "%s serves the reference serial %u of %s again",
			         server, zs->ref, z->domain);
		break;
	default:
		if (alert)
			snprintf(msg, sizeof(msg),
			         "the RRSIG of the SOA of %s on %s expires in %.1f hours",
			         z->domain, server, (double)t->rrsig_left / 3600);
		else
			snprintf(msg, sizeof(msg),
			         "the RRSIG of the SOA of %s on %s is valid for %.1f hours again",
			         z->domain, server, (double)t->rrsig_left / 3600);
		break;
	}
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "event", json_string(alert ? "alert" : "recovery"));
	json_object_set_new(o, "kind", json_string(mon_kind_name(f->kind)));
	json_object_set_new(o, "zone", json_string(z->domain));
	json_object_set_new(o, "server", json_string(server));
	json_object_set_new(o, "address", json_string(c->ns[t->ns].addrtext));
	json_object_set_new(o, "time", json_string(ts));
	json_object_set_new(o, "message", json_string(msg));
	json_object_set_new(o, "up", json_boolean(t->up));
	json_object_set_new(o, "consecutive_failures", json_integer(t->fails));
	if (t->why[0])
		json_object_set_new(o, "reason", json_string(t->why));
	json_object_set_new(o, "primary",
	                    z->primary >= 0 ? json_string(c->ns[z->primary].name) : json_null());
	if (t->has_serial)
		json_object_set_new(o, "serial", json_integer(t->serial));
	if (zs->has_ref)
		json_object_set_new(o, "reference_serial", json_integer(zs->ref));
	if (f->kind == MON_KIND_SERIAL) {
		json_object_set_new(o, "serial_lag", json_integer(t->lag));
		json_object_set_new(o, "lag_seconds", json_real(t->lag_seconds));
	}
	if (t->has_rrsig)
		json_object_set_new(o, "rrsig_expiry_seconds", json_integer(t->rrsig_left));
	char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(o);
	return s;
}
