/*
 * monitor.yaml -> mon_conf_t.  Every scalar option is declared once in the
 * tables below (STYLE rule 10): the parser and mon_conf_reference (the
 * reference in doc/nsfleet-monitor.md) come from them.
 *
 *   monitor:     { interval, window, timeout, tries, tcp, listen }
 *   alert:       { hook, hook-timeout, down-after, diverged-after, expiry-warning }
 *   nameserver:  - { name, address }
 *   zone:        - { domain, primary, nameservers }
 *
 * The file is read with libyaml's document API.  Its shape is fixed and
 * shallow, anything else is an error at its position, so the walk is
 * linear in the input even with aliases.  Errors are one line
 * "FILE:LINE:COLUMN: what" (1-based); the first one wins.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <yaml.h>

#include "common/err.h"
#include "tools/addr.h"
#include "tools/monitor.h"
#include "tools/yaml_load.h"

void mon_conf_default(mon_conf_t *c)
{
	memset(c, 0, sizeof(*c));
	c->interval = 10;
	c->window = 60;
	c->timeout = 1;
	c->tries = 2;
	c->tcp = true;
	c->hook_timeout = 10;
	c->down_after = 3;
	c->diverged_after = 300;
	c->expiry_warning = 7 * 86400;
}

void mon_conf_free(mon_conf_t *c)
{
	for (size_t i = 0; i < MON_HOOK_ARGS && c->hook[i]; i++) {
		free(c->hook[i]);
		c->hook[i] = NULL;
	}
	free(c->zone);
	c->zone = NULL;
	c->nzones = 0;
}

int mon_addr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *out)
{
	return tools_addr_parse(s, default_port, true, out);
}

/* ------------------------------------------------------------- schema */

typedef enum {
	MT_SECONDS, /* a decimal number with an optional unit s, m, h, d: double */
	MT_UINT,    /* unsigned */
	MT_BOOL,    /* true/false/yes/no/on/off: bool */
	MT_LISTEN,  /* ADDR#PORT for HTTP: char[] + listen_addr */
	MT_ARGV,    /* a program and its arguments: a list of strings (or one) */
} mon_type_t;

typedef struct {
	const char *key;
	mon_type_t type;
	double min, max;
	size_t off;
	const char *def;
	const char *help;
} mon_opt_t;

#define O(f) offsetof(mon_conf_t, f)
static const mon_opt_t MONITOR_OPTS[] = {
    {"interval", MT_SECONDS, 0.05, 86400, O(interval), "10s",
     "Time between two rounds of checks (every server of every zone)."},
    {"window", MT_UINT, 1, MON_WINDOW_MAX, O(window), "60",
     "Latency samples kept per server and zone; the quantiles are over them."},
    {"timeout", MT_SECONDS, 0.01, 60, O(timeout), "1s",
     "Wait for an answer per UDP try; the TCP query gets `timeout` x `tries` in all."},
    {"tries", MT_UINT, 1, 10, O(tries), "2", "UDP tries before a check counts as failed."},
    {"tcp", MT_BOOL, 0, 0, O(tcp), "true",
     "Ask the SOA over TCP too (`nsfleet_ns_tcp_up`); a failure there does not make a "
     "server down."},
    {"listen", MT_LISTEN, 0, 0, O(listen), "none",
     "`ADDR#PORT` (or `ADDR@PORT`) of the HTTP server: `/metrics` and the status page "
     "`/`. Port 0 picks a free port (logged)."},
};
static const mon_opt_t ALERT_OPTS[] = {
    {"hook", MT_ARGV, 0, 0, O(hook), "none",
     "The command run for each alert and recovery: a list `[ program, arg, ... ]` (or one "
     "program path), run without a shell, the finding as JSON on its stdin."},
    {"hook-timeout", MT_SECONDS, 0.1, 3600, O(hook_timeout), "10s",
     "A hook still running after this is killed (SIGKILL)."},
    {"down-after", MT_UINT, 1, 1000000, O(down_after), "3",
     "Failed checks in a row after which a server is down (one alert)."},
    {"diverged-after", MT_SECONDS, 0, 31 * 86400.0, O(diverged_after), "300s",
     "How long a server's serial may differ from the primary's before it alerts."},
    {"expiry-warning", MT_SECONDS, 0, 365 * 86400.0, O(expiry_warning), "7d",
     "Alert when the earliest RRSIG of the SOA expires within this time."},
};
#undef O

#define N(a) (sizeof(a) / sizeof((a)[0]))

void mon_conf_reference(FILE *out)
{
	const struct {
		const char *name;
		const mon_opt_t *o;
		size_t n;
	} secs[] = {{"monitor", MONITOR_OPTS, N(MONITOR_OPTS)},
	            {"alert", ALERT_OPTS, N(ALERT_OPTS)}};
	for (size_t s = 0; s < N(secs); s++) {
		fprintf(out,
		        "| `%s:` option | default | range | meaning |\n| --- | --- | --- | --- |\n",
		        secs[s].name);
		for (size_t i = 0; i < secs[s].n; i++) {
			const mon_opt_t *o = &secs[s].o[i];
			char range[64] = "";
			if (o->type == MT_SECONDS || o->type == MT_UINT)
				snprintf(range, sizeof(range),
				         o->min < 1 ? "%g .. %.0f%s" : "%.0f .. %.0f%s", o->min,
				         o->max, o->type == MT_SECONDS ? " s" : "");
			fprintf(out, "| `%s` | %s | %s | %s |\n", o->key, o->def, range, o->help);
		}
		fputc('\n', out);
	}
}

/* ------------------------------------------------------------- parser */

typedef tools_yaml_t mon_parse_t;

/* A scalar without NUL inside, else an error at it. */
static const char *text_of(mon_parse_t *p, const yaml_node_t *v, const char *key)
{
	if (v->type != YAML_SCALAR_NODE) {
		tools_yaml_err(p, v, "'%s' must be a single value", key);
		return NULL;
	}
	if (strlen(tools_yaml_scalar(v)) != v->data.scalar.length) {
		tools_yaml_err(p, v, "'%s': NUL in value", key);
		return NULL;
	}
	return tools_yaml_scalar(v);
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	if (!((s[0] >= '0' && s[0] <= '9') || s[0] == '.'))
		return ERR_SYNTAX;
	double x = strtod(s, &end);
	if (errno || end == s || !isfinite(x))
		return ERR_SYNTAX;
	double unit = 1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		unit = 60, end++;
	else if (*end == 'h')
		unit = 3600, end++;
	else if (*end == 'd')
		unit = 86400, end++;
	if (*end)
		return ERR_SYNTAX;
	*out = x * unit;
	return 0;
}

static int set_argv(mon_parse_t *p, const mon_opt_t *o, const yaml_node_t *v, mon_conf_t *c)
{
	const yaml_node_t *items[MON_HOOK_ARGS];
	size_t n = 0;
	if (v->type == YAML_SCALAR_NODE) {
		items[n++] = v;
	} else if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(p->doc, *it);
			if (e == NULL)
				return tools_yaml_err(p, v, "broken document");
			if (n == MON_HOOK_ARGS)
				return tools_yaml_err(p, e, "'%s': more than %d words", o->key,
				                      MON_HOOK_ARGS);
			items[n++] = e;
		}
	} else {
		return tools_yaml_err(
		    p, v, "'%s' must be a program path or a list [ program, arg, ... ]", o->key);
	}
	if (n == 0)
		return tools_yaml_err(p, v, "'%s' is an empty list", o->key);
	for (size_t i = 0; i < n; i++) {
		const char *s = text_of(p, items[i], o->key);
		if (s == NULL)
			return p->rc;
		if (i == 0 && s[0] == '\0')
			return tools_yaml_err(p, items[i], "'%s': the program is empty", o->key);
	}
	for (size_t i = 0; i < n; i++) {
		c->hook[i] = strdup(tools_yaml_scalar(items[i]));
		if (c->hook[i] == NULL)
			return p->rc = -ENOMEM;
	}
	return 0;
}

static int set_opt(mon_parse_t *p, const mon_opt_t *o, const yaml_node_t *v, mon_conf_t *c)
{
	char *dst = (char *)c + o->off;
	if (o->type == MT_ARGV)
		return set_argv(p, o, v, c);
	const char *s = text_of(p, v, o->key);
	if (s == NULL)
		return p->rc;
	switch (o->type) {
	case MT_SECONDS: {
		double x;
		if (parse_seconds(s, &x) != 0)
			return tools_yaml_err(
			    p, v, "'%s': '%s' is not a duration (a number with s, m, h or d)",
			    o->key, s);
		if (x < o->min || x > o->max)
			return tools_yaml_err(p, v, "'%s': %s is out of range (%g to %g seconds)",
			                      o->key, s, o->min, o->max);
		memcpy(dst, &x, sizeof(x));
		return 0;
	}
	case MT_UINT: {
		char *end;
		errno = 0;
		if (s[0] < '0' || s[0] > '9')
			return tools_yaml_err(p, v, "'%s': '%s' is not a number", o->key, s);
		unsigned long long x = strtoull(s, &end, 10);
		if (*end || errno || (double)x < o->min || (double)x > o->max)
			return tools_yaml_err(p, v, "'%s': '%s' is not a number from %g to %g",
			                      o->key, s, o->min, o->max);
		unsigned u = (unsigned)x;
		memcpy(dst, &u, sizeof(u));
		return 0;
	}
	case MT_BOOL: {
		static const char *const yes[] = {"true", "yes", "on", NULL};
		static const char *const no[] = {"false", "no", "off", NULL};
		for (int i = 0; yes[i]; i++) {
			if (strcmp(s, yes[i]) == 0) {
				*(bool *)(void *)dst = true;
				return 0;
			}
			if (strcmp(s, no[i]) == 0) {
				*(bool *)(void *)dst = false;
				return 0;
			}
		}
		return tools_yaml_err(p, v, "'%s': '%s' is not true or false", o->key, s);
	}
	case MT_LISTEN:
		if (strlen(s) >= MON_ADDR_MAX || mon_addr_parse(s, 0, &c->listen_addr) != 0 ||
		    (strchr(s, '#') == NULL && strchr(s, '@') == NULL))
			return tools_yaml_err(
			    p, v, "'%s': '%s' is not ADDR#PORT (an IP address and a port)", o->key,
			    s);
		memcpy(dst, s, strlen(s) + 1);
		return 0;
	case MT_ARGV:
		break;
	}
	return tools_yaml_err(p, v, "internal: type of '%s'", o->key);
}

/* Walks mapping m calling fn(key index, value) for keys of names[]:
 * unknown and repeated keys are errors. */
static int walk_keys(mon_parse_t *p, const yaml_node_t *m, const char *what,
                     const char *const *names, size_t n, const yaml_node_t **vals)
{
	if (m->type != YAML_MAPPING_NODE)
		return tools_yaml_err(p, m, "%s must be a mapping of options", what);
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
		if (k == NULL || v == NULL)
			return tools_yaml_err(p, m, "broken document");
		if (k->type != YAML_SCALAR_NODE)
			return tools_yaml_err(p, k, "a key of %s must be a plain word", what);
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(tools_yaml_scalar(k), names[i]) == 0)
				break;
		if (i == n) {
			char list[256] = "";
			for (size_t j = 0; j < n; j++) {
				strncat(list, j ? ", " : "", sizeof(list) - strlen(list) - 1);
				strncat(list, names[j], sizeof(list) - strlen(list) - 1);
			}
			return tools_yaml_err(p, k, "unknown key '%s' in %s (known: %s)",
			                      tools_yaml_scalar(k), what, list);
		}
		if (vals[i])
			return tools_yaml_err(p, k, "'%s' given twice in %s", tools_yaml_scalar(k),
			                      what);
		vals[i] = v;
	}
	return 0;
}

static int walk_opts(mon_parse_t *p, const yaml_node_t *m, const char *what, const mon_opt_t *opts,
                     size_t n, mon_conf_t *c)
{
	const char *names[16];
	const yaml_node_t *vals[16] = {NULL};
	for (size_t i = 0; i < n; i++)
		names[i] = opts[i].key;
	if (walk_keys(p, m, what, names, n, vals) != 0)
		return p->rc;
	for (size_t i = 0; i < n; i++)
		if (vals[i] && set_opt(p, &opts[i], vals[i], c) != 0)
			return p->rc;
	return 0;
}

static bool ns_name_ok(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len >= MON_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
			return false;
	}
	return true;
}

static int walk_nameservers(mon_parse_t *p, const yaml_node_t *l, mon_conf_t *c)
{
	if (l->type != YAML_SEQUENCE_NODE)
		return tools_yaml_err(p, l, "'nameserver' must be a list of { name, address }");
	static const char *const keys[] = {"name", "address"};
	for (yaml_node_item_t *it = l->data.sequence.items.start; it < l->data.sequence.items.top;
	     it++) {
		yaml_node_t *m = yaml_document_get_node(p->doc, *it);
		if (m == NULL)
			return tools_yaml_err(p, l, "broken document");
		if (c->nns == MON_MAX_NS)
			return tools_yaml_err(p, m, "more than %d nameservers", MON_MAX_NS);
		const yaml_node_t *v[2] = {NULL, NULL};
		if (walk_keys(p, m, "a nameserver", keys, 2, v) != 0)
			return p->rc;
		if (v[0] == NULL)
			return tools_yaml_err(p, m, "a nameserver needs a 'name'");
		if (v[1] == NULL)
			return tools_yaml_err(p, m, "a nameserver needs an 'address'");
		const char *name = text_of(p, v[0], "name");
		if (name == NULL)
			return p->rc;
		if (!ns_name_ok(name))
			return tools_yaml_err(
			    p, v[0], "'name': '%s' is not a name (1 to %d of a-z A-Z 0-9 . - _)",
			    name, MON_NAME_MAX - 1);
		for (size_t j = 0; j < c->nns; j++)
			if (strcmp(c->ns[j].name, name) == 0)
				return tools_yaml_err(p, v[0], "two nameservers named '%s'", name);
		const char *addr = text_of(p, v[1], "address");
		if (addr == NULL)
			return p->rc;
		mon_ns_t *ns = &c->ns[c->nns];
		if (strlen(addr) >= MON_ADDR_MAX || mon_addr_parse(addr, 53, &ns->addr) != 0)
			return tools_yaml_err(
			    p, v[1], "'address': '%s' is not ADDR[#PORT] (an IP address)", addr);
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ns->addr;
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ns->addr;
		if ((ns->addr.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port) == 0)
			return tools_yaml_err(p, v[1], "'address': port 0 in '%s'", addr);
		strcpy(ns->name, name);
		strcpy(ns->addrtext, addr);
		c->nns++;
	}
	return 0;
}

static int find_ns(const mon_conf_t *c, const char *name)
{
	for (size_t i = 0; i < c->nns; i++)
		if (strcmp(c->ns[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A zone's entry; the nameservers must be known already. */
static int walk_zone(mon_parse_t *p, const yaml_node_t *m, mon_conf_t *c, const yaml_node_t *nsl)
{
	static const char *const keys[] = {"domain", "primary", "nameservers"};
	const yaml_node_t *v[3] = {NULL, NULL, NULL};
	if (walk_keys(p, m, "a zone", keys, 3, v) != 0)
		return p->rc;
	if (v[0] == NULL)
		return tools_yaml_err(p, m, "a zone needs a 'domain'");
	const char *dom = text_of(p, v[0], "domain");
	if (dom == NULL)
		return p->rc;
	mon_zone_t *z = &c->zone[c->nzones];
	memset(z, 0, sizeof(*z));
	size_t len = strlen(dom), wlen;
	/* always absolute: a final dot is optional */
	char tmp[NAME_TEXT_MAXLEN + 2];
	if (len == 0 || len >= NAME_TEXT_MAXLEN)
		return tools_yaml_err(p, v[0], "'domain': '%s' is not a domain name", dom);
	memcpy(tmp, dom, len + 1);
	if (tmp[len - 1] != '.')
		strcat(tmp, ".");
	if (strcmp(tmp, "@.") == 0 || name_from_text(tmp, strlen(tmp), NULL, z->name, &wlen) != 0)
		return tools_yaml_err(p, v[0], "'domain': '%s' is not a domain name", dom);
	name_to_lower(z->name);
	if (name_to_text(z->name, z->domain, sizeof(z->domain)) < 0)
		return tools_yaml_err(p, v[0], "'domain': '%s' is not a domain name", dom);
	size_t dl = strlen(z->domain);
	if (dl > 1)
		z->domain[dl - 1] = '\0';
	for (size_t j = 0; j < c->nzones; j++)
		if (name_equal(c->zone[j].name, z->name))
			return tools_yaml_err(p, v[0], "zone '%s' given twice", z->domain);
	if (c->nns == 0)
		return tools_yaml_err(p, nsl ? nsl : m,
		                      "a zone needs nameservers: the 'nameserver' list is "
		                      "missing or empty");
	z->primary = -1;
	if (v[2]) {
		if (v[2]->type != YAML_SEQUENCE_NODE)
			return tools_yaml_err(p, v[2],
			                      "'nameservers' must be a list of nameserver names");
		for (yaml_node_item_t *it = v[2]->data.sequence.items.start;
		     it < v[2]->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(p->doc, *it);
			if (e == NULL)
				return tools_yaml_err(p, v[2], "broken document");
			const char *s = text_of(p, e, "nameservers");
			if (s == NULL)
				return p->rc;
			int k = find_ns(c, s);
			if (k < 0)
				return tools_yaml_err(p, e,
				                      "'nameservers': no nameserver named '%s'", s);
			for (size_t j = 0; j < z->nns; j++)
				if (z->ns[j] == k)
					return tools_yaml_err(p, e,
					                      "'nameservers': '%s' given twice", s);
			if (z->nns == MON_MAX_NS)
				return tools_yaml_err(p, e, "'nameservers': too many");
			z->ns[z->nns++] = (uint16_t)k;
		}
		if (z->nns == 0)
			return tools_yaml_err(p, v[2], "'nameservers' is empty");
	} else {
		for (size_t j = 0; j < c->nns; j++)
			z->ns[z->nns++] = (uint16_t)j;
	}
	if (v[1]) {
		const char *s = text_of(p, v[1], "primary");
		if (s == NULL)
			return p->rc;
		int k = find_ns(c, s);
		if (k < 0)
			return tools_yaml_err(p, v[1], "'primary': no nameserver named '%s'", s);
		bool in = false;
		for (size_t j = 0; j < z->nns; j++)
			in |= z->ns[j] == k;
		if (!in)
			return tools_yaml_err(
			    p, v[1], "'primary': '%s' is not among the zone's 'nameservers'", s);
		z->primary = k;
	}
	c->nzones++;
	return 0;
}

static int walk_zones(mon_parse_t *p, const yaml_node_t *l, mon_conf_t *c, const yaml_node_t *nsl)
{
	if (l->type != YAML_SEQUENCE_NODE)
		return tools_yaml_err(p, l,
		                      "'zone' must be a list of { domain, primary, nameservers }");
	size_t n = (size_t)(l->data.sequence.items.top - l->data.sequence.items.start);
	if (n > MON_MAX_ZONES)
		return tools_yaml_err(p, l, "more than %d zones", MON_MAX_ZONES);
	if (n == 0)
		return tools_yaml_err(p, l, "'zone' is empty: name at least one zone");
	c->zone = calloc(n, sizeof(*c->zone));
	if (c->zone == NULL)
		return p->rc = -ENOMEM;
	for (yaml_node_item_t *it = l->data.sequence.items.start; it < l->data.sequence.items.top;
	     it++) {
		yaml_node_t *m = yaml_document_get_node(p->doc, *it);
		if (m == NULL)
			return tools_yaml_err(p, l, "broken document");
		if (walk_zone(p, m, c, nsl) != 0)
			return p->rc;
	}
	return 0;
}

int mon_conf_parse(mon_conf_t *c, const char *data, size_t len, const char *file, char *err,
                   size_t errcap)
{
	yaml_parser_t yp;
	yaml_document_t doc;
	mon_parse_t p;
	int lrc = tools_yaml_load(&yp, &doc, &p, data, len, file, err, errcap);
	if (lrc != 0)
		return lrc;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	static const char *const sections[] = {"monitor", "alert", "nameserver", "zone"};
	const yaml_node_t *v[4] = {NULL, NULL, NULL, NULL};
	if (root == NULL) {
		tools_yaml_err(&p, NULL,
		               "empty file: a monitor config needs 'nameserver' and 'zone'");
	} else if (root->type != YAML_MAPPING_NODE) {
		tools_yaml_err(&p, root,
		               "a monitor config is a mapping with the sections monitor, alert, "
		               "nameserver, zone");
	} else if (walk_keys(&p, root, "the file", sections, 4, v) == 0) {
		if (v[0])
			walk_opts(&p, v[0], "'monitor'", MONITOR_OPTS, N(MONITOR_OPTS), c);
		if (p.rc == 0 && v[1])
			walk_opts(&p, v[1], "'alert'", ALERT_OPTS, N(ALERT_OPTS), c);
		if (p.rc == 0 && v[2])
			walk_nameservers(&p, v[2], c);
		if (p.rc == 0 && v[3])
			walk_zones(&p, v[3], c, v[2]);
		if (p.rc == 0 && v[2] == NULL)
			tools_yaml_err(&p, root, "no 'nameserver' list: name the servers to check");
		if (p.rc == 0 && v[3] == NULL)
			tools_yaml_err(&p, root, "no 'zone' list: name the zones to check");
	}
	return tools_yaml_end(&yp, &doc, &p);
}
