/*
 * lab.yaml -> lab_conf_t.  Every option is declared once in the tables
 * below (STYLE rule 10): the parser and the reference of
 * doc/nsfleet-lab.md (lab_conf_reference) come from them.
 *
 * The file is read with libyaml's document API.  Its shape is fixed and
 * shallow (a mapping of sections; a section is a mapping of scalars or,
 * for secondaries, a list of at most LAB_MAX_SECONDARIES mappings of
 * scalars), and anything else is an error at its position, so the walk is
 * linear in the input even with aliases.  Positions are 1-based
 * "FILE:LINE:COLUMN: what"; the first error wins.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <yaml.h>

#include "common/err.h"
#include "tools/lab.h"
#include "tools/yaml_load.h"

static const char *const SW_NAMES[LAB_SW__COUNT] = {"nsfleetd", "bind", "knot",
                                                    "nsd",      "pdns", "unbound"};
static const char *const SW_PROGRAMS[LAB_SW__COUNT] = {"nsfleetd", "named",       "knotd",
                                                       "nsd",      "pdns_server", "unbound"};
static const char *const ROLE_NAMES[LAB_ROLE__COUNT] = {"root", "parent", "resolver", "primary",
                                                        "secondary"};
/* the software a secondary may be */
static const char *const SEC_SW[] = {"nsfleetd", "bind", "knot", "nsd", "pdns", NULL};
static const char *const NS_MODES[] = {"auto", "yes", "no", NULL};

const char *lab_sw_name(lab_sw_t sw)
{
	return (unsigned)sw < LAB_SW__COUNT ? SW_NAMES[sw] : NULL;
}

const char *lab_sw_program(lab_sw_t sw)
{
	return (unsigned)sw < LAB_SW__COUNT ? SW_PROGRAMS[sw] : NULL;
}

int lab_sw_from_text(const char *s, lab_sw_t *sw)
{
	for (int i = 0; i < LAB_SW__COUNT; i++)
		if (strcmp(s, SW_NAMES[i]) == 0) {
			*sw = (lab_sw_t)i;
			return 0;
		}
	return ERR_NOTFOUND;
}

const char *lab_role_name(lab_role_t r)
{
	return (unsigned)r < LAB_ROLE__COUNT ? ROLE_NAMES[r] : NULL;
}

int lab_role_from_text(const char *s, lab_role_t *r)
{
	for (int i = 0; i < LAB_ROLE__COUNT; i++)
		if (strcmp(s, ROLE_NAMES[i]) == 0) {
			*r = (lab_role_t)i;
			return 0;
		}
	return ERR_NOTFOUND;
}

void lab_conf_default(lab_conf_t *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->name, "lab");
	strcpy(c->zone, "example.lab.");
	strcpy(c->parent, "lab.");
	c->ttl = 60;
	c->serial = 1;
	c->subnet = 0x0a350000; /* 10.53.0.0 */
	c->www = 0xc0000250;    /* 192.0.2.80 */
	c->start_timeout = 30;
	c->refresh = 300;
	c->retry = 60;
	c->expire = 86400;
	c->namespaces = LAB_NS_AUTO;
	static const lab_sw_t def[] = {LAB_SW_NSFLEETD, LAB_SW_BIND, LAB_SW_KNOT, LAB_SW_NSD,
	                               LAB_SW_PDNS};
	for (size_t i = 0; i < sizeof(def) / sizeof(def[0]); i++) {
		c->sec[i].sw = def[i];
		strcpy(c->sec[i].name, SW_NAMES[def[i]]);
	}
	c->nsec = sizeof(def) / sizeof(def[0]);
}

/* ------------------------------------------------------------- schema */

typedef enum {
	LT_LABNAME,  /* [a-z0-9]{1,8} */
	LT_NODENAME, /* [a-z][a-z0-9-]{0,14}, no final '-' */
	LT_DNAME,    /* a host-name-like domain name, stored lower case with final dot */
	LT_UINT,
	LT_ENUM,   /* stored as int: the index in enums */
	LT_SUBNET, /* A.B.C.0/24, stored as uint32_t host order */
	LT_IPV4,   /* stored as uint32_t host order */
	LT_PATH,   /* an absolute path */
} lab_type_t;

typedef struct {
	const char *key;
	lab_type_t type;
	uint32_t min, max;
	const char *const *enums;
	size_t off, size;
	const char *def;
	const char *help;
} lab_opt_t;

#define L(f) offsetof(lab_conf_t, f), sizeof(((lab_conf_t *)0)->f)
static const lab_opt_t LAB_OPTS[] = {
    {"name", LT_LABNAME, 1, LAB_NAME_MAX, NULL, L(name), "lab",
     "The lab's name, 1 to 8 of `a-z0-9`: its namespaces are `nsfl-NAME-NODE`."},
    {"zone", LT_DNAME, 0, 0, NULL, L(zone), "example.lab",
     "The lab's zone, served by the hidden primary and the secondaries."},
    {"parent", LT_DNAME, 0, 0, NULL, L(parent), "lab",
     "The zone above it (not the root), served by nsfleetd and delegated from the lab's root."},
    {"ttl", LT_UINT, 1, 86400, NULL, L(ttl), "60", "TTL of every record of the three zones."},
    {"serial", LT_UINT, 1, 4294967295u, NULL, L(serial), "1", "The zones' first SOA serial."},
    {"subnet", LT_SUBNET, 0, 0, NULL, L(subnet), "10.53.0.0/24",
     "The /24 the namespaces are numbered in (a private or documentation range)."},
    {"www", LT_IPV4, 0, 0, NULL, L(www), "192.0.2.80", "The address of `www.ZONE`."},
    {"refresh", LT_UINT, 1, 604800, NULL, L(refresh), "300",
     "SOA refresh of the zones: short, so that a secondary that missed a NOTIFY catches up "
     "within a drill (`nsfleet audit` warns: 3600 is usual)."},
    {"retry", LT_UINT, 1, 604800, NULL, L(retry), "60",
     "SOA retry (`nsfleet audit` warns: 900 is usual)."},
    {"expire", LT_UINT, 1, 2419200, NULL, L(expire), "86400",
     "SOA expire: how long secondaries keep serving without their primary."},
    {"start-timeout", LT_UINT, 1, 600, NULL, L(start_timeout), "30",
     "Seconds `lab up` waits for every server to answer with the zone."},
    {"namespaces", LT_ENUM, 0, 0, NS_MODES, L(namespaces), "auto",
     "`yes`: network namespaces or fail; `no`: 127.53.0.0/24 addresses on free ports; `auto`: "
     "namespaces when they can be made."},
};
#undef L

#define S(f) offsetof(lab_conf_server_t, f), sizeof(((lab_conf_server_t *)0)->f)
static const lab_opt_t SEC_OPTS[] = {
    {"name", LT_NODENAME, 1, LAB_NODE_NAME_MAX, NULL, S(name), "the software's name",
     "The server's name: its host name under the zone and its namespace `nsfl-LAB-NAME`."},
    {"software", LT_ENUM, 0, 0, SEC_SW, S(sw), NULL,
     "`nsfleetd`, `bind`, `knot`, `nsd` or `pdns`. Required."},
    {"binary", LT_PATH, 1, LAB_PATH_MAX - 1, NULL, S(binary), "from `binaries`, else PATH",
     "The program to run; missing: the server is skipped with a line."},
};
#undef S

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------- parser */

typedef tools_yaml_t lab_parse_t;

static bool is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

/* s as a lower-case domain name with a final dot into out[LAB_DNAME_MAX]:
 * letters, digits, '-' and '_' only; not the root. */
static int dname_norm(const char *s, size_t len, char *out)
{
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return ERR_SYNTAX;
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch == '.') {
			if (label == 0)
				return ERR_EMPTY_LABEL;
			label = 0;
		} else if (!is_name_char(ch)) {
			return ERR_SYNTAX;
		} else if (++label > 63) {
			return ERR_LABEL_TOO_LONG;
		}
		out[i] = ch;
	}
	out[len] = '.';
	out[len + 1] = '\0';
	return 0;
}

static int set_opt(lab_parse_t *p, const lab_opt_t *o, const yaml_node_t *v, void *base)
{
	if (v->type != YAML_SCALAR_NODE)
		return tools_yaml_err(p, v, "'%s' must be a single value", o->key);
	const char *s = tools_yaml_scalar(v);
	size_t len = v->data.scalar.length;
	if (strlen(s) != len)
		return tools_yaml_err(p, v, "'%s': NUL in value", o->key);
	char *dst = (char *)base + o->off;
	switch (o->type) {
	case LT_LABNAME:
	case LT_NODENAME:
		if (len < o->min || len > o->max)
			return tools_yaml_err(p, v, "'%s' must have %u to %u characters", o->key,
			                      o->min, o->max);
		for (size_t i = 0; i < len; i++) {
			char ch = s[i];
			bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
			if (o->type == LT_NODENAME)
				ok = ok || (ch == '-' && i > 0 && i + 1 < len);
			if (!ok)
				return tools_yaml_err(
				    p, v, "'%s': '%s' is not a name (%s)", o->key, s,
				    o->type == LT_LABNAME ? "a-z 0-9" : "a-z 0-9 and inner '-'");
		}
		if (o->type == LT_NODENAME && !(s[0] >= 'a' && s[0] <= 'z'))
			return tools_yaml_err(p, v, "'%s': '%s' must start with a letter", o->key,
			                      s);
		memcpy(dst, s, len + 1);
		return 0;
	case LT_DNAME:
		if (dname_norm(s, len, dst) != 0)
			return tools_yaml_err(
			    p, v,
			    "'%s': '%s' is not a domain name (labels of a-z 0-9 - _, not the "
			    "root)",
			    o->key, s);
		return 0;
	case LT_UINT: {
		char *end;
		errno = 0;
		if (len == 0 || s[0] < '0' || s[0] > '9')
			return tools_yaml_err(p, v, "'%s': '%s' is not a number", o->key, s);
		unsigned long long x = strtoull(s, &end, 10);
		if (*end != '\0' || errno != 0 || x < o->min || x > o->max)
			return tools_yaml_err(p, v, "'%s': '%s' is not a number from %u to %u",
			                      o->key, s, o->min, o->max);
		if (o->size == sizeof(uint32_t))
			*(uint32_t *)(void *)dst = (uint32_t)x;
		else
			*(unsigned *)(void *)dst = (unsigned)x;
		return 0;
	}
	case LT_ENUM:
		for (int i = 0; o->enums[i] != NULL; i++)
			if (strcmp(s, o->enums[i]) == 0) {
				*(int *)(void *)dst = i;
				return 0;
			}
		{
			char list[128] = "";
			for (int i = 0; o->enums[i] != NULL; i++) {
				strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
				strncat(list, o->enums[i], sizeof(list) - strlen(list) - 1);
			}
			return tools_yaml_err(p, v, "'%s': '%s' is not one of %s", o->key, s, list);
		}
	case LT_SUBNET:
	case LT_IPV4: {
		char buf[32];
		struct in_addr a;
		if (len >= sizeof(buf))
			return tools_yaml_err(p, v, "'%s': '%s' is not an IPv4 address", o->key, s);
		memcpy(buf, s, len + 1);
		if (o->type == LT_SUBNET) {
			char *slash = strchr(buf, '/');
			if (slash == NULL || strcmp(slash, "/24") != 0)
				return tools_yaml_err(p, v, "'%s': '%s' is not a /24 (A.B.C.0/24)",
				                      o->key, s);
			*slash = '\0';
		}
		if (inet_pton(AF_INET, buf, &a) != 1)
			return tools_yaml_err(p, v, "'%s': '%s' is not an IPv4 address", o->key, s);
		uint32_t x = ntohl(a.s_addr);
		if (o->type == LT_SUBNET) {
			if ((x & 0xff) != 0)
				return tools_yaml_err(p, v, "'%s': '%s' has host bits set", o->key,
				                      s);
			if ((x >> 24) == 127 || (x >> 24) == 0 || (x >> 24) >= 224)
				return tools_yaml_err(
				    p, v, "'%s': '%s' is loopback, zero or multicast", o->key, s);
		}
		*(uint32_t *)(void *)dst = x;
		return 0;
	}
	case LT_PATH:
		if (len < o->min || len > o->max || s[0] != '/')
			return tools_yaml_err(p, v, "'%s': '%s' is not an absolute path", o->key,
			                      s);
		memcpy(dst, s, len + 1);
		return 0;
	}
	return tools_yaml_err(p, v, "internal: type of '%s'", o->key);
}

/* Applies the mapping m to base through the table opts; seen[i] marks the
 * options given. */
static int walk_map(lab_parse_t *p, const yaml_node_t *m, const char *what, const lab_opt_t *opts,
                    size_t nopts, void *base, bool *seen)
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
		for (i = 0; i < nopts; i++)
			if (strcmp(tools_yaml_scalar(k), opts[i].key) == 0)
				break;
		if (i == nopts) {
			char list[256] = "";
			for (size_t j = 0; j < nopts; j++) {
				strncat(list, j ? ", " : "", sizeof(list) - strlen(list) - 1);
				strncat(list, opts[j].key, sizeof(list) - strlen(list) - 1);
			}
			return tools_yaml_err(p, k, "unknown key '%s' in %s (known: %s)",
			                      tools_yaml_scalar(k), what, list);
		}
		if (seen[i])
			return tools_yaml_err(p, k, "'%s' given twice in %s", tools_yaml_scalar(k),
			                      what);
		seen[i] = true;
		if (set_opt(p, &opts[i], v, base) != 0)
			return p->rc;
	}
	return 0;
}

static int walk_binaries(lab_parse_t *p, const yaml_node_t *m, lab_conf_t *c)
{
	lab_opt_t opts[LAB_SW__COUNT];
	bool seen[LAB_SW__COUNT] = {false};
	for (int i = 0; i < LAB_SW__COUNT; i++)
		opts[i] = (lab_opt_t){SW_NAMES[i],
		                      LT_PATH,
		                      1,
		                      LAB_PATH_MAX - 1,
		                      NULL,
		                      offsetof(lab_conf_t, binary) + (size_t)i * LAB_PATH_MAX,
		                      LAB_PATH_MAX,
		                      NULL,
		                      NULL};
	return walk_map(p, m, "'binaries'", opts, LAB_SW__COUNT, c, seen);
}

static bool reserved_name(const char *s)
{
	static const char *const r[] = {"root", "parent", "resolver", "primary", "hub", NULL};
	for (int i = 0; r[i]; i++)
		if (strcmp(s, r[i]) == 0)
			return true;
	return false;
}

static int walk_secondaries(lab_parse_t *p, const yaml_node_t *l, lab_conf_t *c)
{
	if (l->type != YAML_SEQUENCE_NODE)
		return tools_yaml_err(p, l, "'secondaries' must be a list");
	c->nsec = 0;
	for (yaml_node_item_t *it = l->data.sequence.items.start; it < l->data.sequence.items.top;
	     it++) {
		yaml_node_t *m = yaml_document_get_node(p->doc, *it);
		if (m == NULL)
			return tools_yaml_err(p, l, "broken document");
		if (c->nsec == LAB_MAX_SECONDARIES)
			return tools_yaml_err(p, m, "more than %d secondaries",
			                      LAB_MAX_SECONDARIES);
		lab_conf_server_t *s = &c->sec[c->nsec];
		memset(s, 0, sizeof(*s));
		bool seen[N(SEC_OPTS)] = {false};
		if (walk_map(p, m, "a secondary", SEC_OPTS, N(SEC_OPTS), s, seen) != 0)
			return p->rc;
		if (!seen[1])
			return tools_yaml_err(p, m, "a secondary needs 'software'");
		if (!seen[0])
			strcpy(s->name, SW_NAMES[s->sw]);
		if (reserved_name(s->name))
			return tools_yaml_err(
			    p, m,
			    "secondary name '%s' is reserved (root, parent, resolver, "
			    "primary, hub)",
			    s->name);
		for (size_t j = 0; j < c->nsec; j++)
			if (strcmp(c->sec[j].name, s->name) == 0)
				return tools_yaml_err(
				    p, m, "two secondaries named '%s' (give each a 'name')",
				    s->name);
		c->nsec++;
	}
	if (c->nsec == 0)
		return tools_yaml_err(p, l, "'secondaries' is empty: a lab needs at least one");
	return 0;
}

int lab_conf_parse(lab_conf_t *c, const char *data, size_t len, const char *file, char *err,
                   size_t errcap)
{
	yaml_parser_t yp;
	yaml_document_t doc;
	lab_parse_t p;
	int lrc = tools_yaml_load(&yp, &doc, &p, data, len, file, err, errcap);
	if (lrc != 0)
		return lrc;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	bool seen_sec[3] = {false};
	bool seen_lab[N(LAB_OPTS)] = {false};
	if (root == NULL) {
		/* an empty file: the defaults */
	} else if (root->type != YAML_MAPPING_NODE) {
		tools_yaml_err(
		    &p, root,
		    "a lab.yaml is a mapping with the sections lab, binaries, secondaries");
	} else {
		for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
		     p.rc == 0 && pr < root->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
			yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
			if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE) {
				tools_yaml_err(&p, k ? k : root,
				               "a section name must be a plain word");
				break;
			}
			int which = strcmp(tools_yaml_scalar(k), "lab") == 0           ? 0
			            : strcmp(tools_yaml_scalar(k), "binaries") == 0    ? 1
			            : strcmp(tools_yaml_scalar(k), "secondaries") == 0 ? 2
			                                                               : -1;
			if (which < 0) {
				tools_yaml_err(
				    &p, k,
				    "unknown section '%s' (known: lab, binaries, secondaries)",
				    tools_yaml_scalar(k));
				break;
			}
			if (seen_sec[which]) {
				tools_yaml_err(&p, k, "section '%s' given twice",
				               tools_yaml_scalar(k));
				break;
			}
			seen_sec[which] = true;
			if (which == 0)
				walk_map(&p, v, "'lab'", LAB_OPTS, N(LAB_OPTS), c, seen_lab);
			else if (which == 1)
				walk_binaries(&p, v, c);
			else
				walk_secondaries(&p, v, c);
		}
	}
	if (p.rc == 0) {
		/* the zone strictly below the parent */
		size_t zl = strlen(c->zone), pl = strlen(c->parent);
		if (zl <= pl + 1 || strcmp(c->zone + zl - pl, c->parent) != 0 ||
		    c->zone[zl - pl - 1] != '.')
			tools_yaml_err(&p, root, "zone '%s' is not below parent '%s'", c->zone,
			               c->parent);
	}
	return tools_yaml_end(&yp, &doc, &p);
}

static void ref_table(FILE *out, const char *section, const lab_opt_t *o, size_t n)
{
	fprintf(out, "| `%s` key | default | meaning |\n| --- | --- | --- |\n", section);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "| `%s` | %s | %s |\n", o[i].key, o[i].def ? o[i].def : "(required)",
		        o[i].help);
	fputc('\n', out);
}

void lab_conf_reference(FILE *out)
{
	ref_table(out, "lab", LAB_OPTS, N(LAB_OPTS));
	ref_table(out, "secondaries[]", SEC_OPTS, N(SEC_OPTS));
	fputs("`binaries`: a mapping from a software (`nsfleetd`, `bind`, `knot`, `nsd`, `pdns`, "
	      "`unbound`) to the absolute path of its program.\n",
	      out);
}
