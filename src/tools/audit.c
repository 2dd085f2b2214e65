/*
 * nsfleet audit ZONE: prove the redundancy of a zone's nameservers
 * (doc/nsfleet-audit.md).
 *
 * Phases, each one batch of queries run in parallel (audit_net.c):
 *
 *   A  discovery: the NS RRset from every --ns server, the delegation
 *      (NS, glue, DS) from --parent, or from the parent's servers found
 *      through --resolver
 *   A2 addresses of NS names nobody gave: in-zone names from the zone's
 *      servers, others from --resolver (never the system resolver)
 *   B  every probe (SOA over UDP/TCP, EDNS, NS, DNSKEY, AXFR, recursion,
 *      CHAOS, fingerprints) and every sample name, of every address
 *   C  when some server allowed AXFR: a sample of its names asked of all
 *
 * then the checks (audit_check.c) and the report (audit_report.c).
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "tools/audit.h"

#define AUDIT_MAX_SERVERS 64
#define AUDIT_AXFR_SAMPLE 64

static void audit_usage(FILE *out)
{
	fputs("usage: nsfleet audit ZONE [--ns NAME@ADDR[#PORT]]... [--parent ADDR[#PORT]]\n"
	      "                         [--resolver ADDR[#PORT]] [--port N] [--asn-table FILE]\n"
	      "                         [--tsig [ALG:]NAME:SECRET] [--timeout MS] [--json]\n"
	      "                         [--no-color]\n"
	      "\n"
	      "  --ns NAME@ADDR[#PORT]  a nameserver: its NS host name and one address\n"
	      "                         (repeatable; NAME may be '-' when unknown)\n"
	      "  --parent ADDR[#PORT]   a server of the parent zone: delegation, glue, DS\n"
	      "  --resolver ADDR[#PORT] a recursive resolver: finds the parent's servers and\n"
	      "                         the addresses of NS names (the system resolver is\n"
	      "                         never asked)\n"
	      "  --port N               port of addresses learnt from NS/glue (default 53)\n"
	      "  --asn-table FILE       offline 'PREFIX/LEN ASN' lines for ASN diversity\n"
	      "  --tsig [ALG:]NAME:SECRET  a TSIG key (as dig -y) for a signed AXFR of each\n"
	      "                         server: the whole zones are compared\n"
	      "  --timeout MS           per UDP try (3 tries; TCP gets twice as long)\n"
	      "  --json                 one JSON object on stdout\n"
	      "  --no-color             no colour even on a terminal\n"
	      "\n"
	      "exit status: 0 no warnings or errors, 1 warnings, 2 errors, 64 usage\n",
	      out);
}

typedef struct {
	const char *zone;
	const char **ns;
	size_t nns;
	const char *parent, *resolver, *asn_file, *tsig;
	unsigned port, timeout_ms;
	bool json, no_color;
} audit_args_t;

static int parse_args(int argc, char **argv, audit_args_t *a)
{
	static const struct option longopts[] = {
	    {"ns", required_argument, NULL, 'n'},
	    {"parent", required_argument, NULL, 'p'},
	    {"resolver", required_argument, NULL, 'r'},
	    {"port", required_argument, NULL, 'P'},
	    {"asn-table", required_argument, NULL, 'a'},
	    {"tsig", required_argument, NULL, 'k'},
	    {"timeout", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"no-color", no_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	memset(a, 0, sizeof(*a));
	a->port = 53;
	a->timeout_ms = 1000;
	a->ns = calloc((size_t)argc + 1, sizeof(*a->ns));
	if (a->ns == NULL)
		return AUDIT_EXIT_ERROR;
	optind = 1;
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "n:p:r:P:a:t:k:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			a->ns[a->nns++] = optarg;
			break;
		case 'p':
			a->parent = optarg;
			break;
		case 'r':
			a->resolver = optarg;
			break;
		case 'P':
			a->port = (unsigned)strtoul(optarg, &end, 10);
			if (*optarg == 0 || *end || a->port == 0 || a->port > 65535) {
				fprintf(stderr,
				        "nsfleet audit: --port: '%s' is not a port (1..65535)\n",
				        optarg);
				return AUDIT_EXIT_USAGE;
			}
			break;
		case 'a':
			a->asn_file = optarg;
			break;
		case 'k':
			a->tsig = optarg;
			break;
		case 't':
			a->timeout_ms = (unsigned)strtoul(optarg, &end, 10);
			if (*optarg == 0 || *end || a->timeout_ms < 10 || a->timeout_ms > 60000) {
				fprintf(stderr,
				        "nsfleet audit: --timeout: '%s' is not 10..60000 "
				        "milliseconds\n",
				        optarg);
				return AUDIT_EXIT_USAGE;
			}
			break;
		case 'j':
			a->json = true;
			break;
		case 'C':
			a->no_color = true;
			break;
		case 'h':
			audit_usage(stdout);
			return -1;
		default:
			audit_usage(stderr);
			return AUDIT_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "nsfleet audit: %s\n",
		        argc - optind == 0 ? "which zone? (nsfleet audit ZONE ...)"
		                           : "one zone at a time");
		audit_usage(stderr);
		return AUDIT_EXIT_USAGE;
	}
	a->zone = argv[optind];
	if (a->nns == 0 && !a->parent && !a->resolver) {
		fprintf(stderr, "nsfleet audit: nothing to ask: give --ns NAME@ADDR, --parent ADDR "
		                "or --resolver ADDR\n");
		return AUDIT_EXIT_USAGE;
	}
	return 0;
}

/* ------------------------------------------------------------- servers */

static void make_label(audit_server_t *s)
{
	char port[16] = "";
	if (s->port != 53)
		snprintf(port, sizeof(port), "#%u", s->port);
	if (s->nsname[0])
		snprintf(s->label, sizeof(s->label), "%s@%s%s", s->nsname, s->addrtext, port);
	else
		snprintf(s->label, sizeof(s->label), "%s%s", s->addrtext, port);
}

static uint16_t addr_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	return ntohs(((const struct sockaddr_in *)a)->sin_port);
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family || addr_port(a) != addr_port(b))
		return false;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		              &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
}

/* Adds (or finds) the server NAME at addr; NULL when the list is full. */
static audit_server_t *server_add(audit_ctx_t *c, const char *nsname,
                                  const struct sockaddr_storage *addr, unsigned from)
{
	for (size_t i = 0; i < c->ns; i++) {
		audit_server_t *s = &c->s[i];
		if (same_addr(&s->addr, addr) &&
		    (strcasecmp(s->nsname, nsname) == 0 || !s->nsname[0] || !nsname[0])) {
			if (!s->nsname[0] && nsname[0]) {
				snprintf(s->nsname, sizeof(s->nsname), "%s", nsname);
				make_label(s);
			}
			s->from |= from;
			return s;
		}
	}
	if (c->ns == AUDIT_MAX_SERVERS)
		return NULL;
	audit_server_t *s = &c->s[c->ns++];
	memset(s, 0, sizeof(*s));
	snprintf(s->nsname, sizeof(s->nsname), "%s", nsname);
	s->addr = *addr;
	audit_addr_text((const struct sockaddr *)addr, s->addrtext, sizeof(s->addrtext));
	s->port = addr_port(addr);
	s->from = from;
	make_label(s);
	return s;
}

/* NAME@ADDR[#PORT]: NAME as text with a final dot ("-": unknown). */
static int parse_ns_arg(const char *arg, unsigned port, char *name, size_t cap,
                        struct sockaddr_storage *addr)
{
	const char *at = strchr(arg, '@');
	if (at == NULL || at == arg)
		return ERR_SYNTAX;
	if (at - arg == 1 && arg[0] == '-') {
		name[0] = 0;
	} else {
		uint8_t w[NAME_MAXLEN];
		size_t wl;
		if (name_from_text(arg, (size_t)(at - arg), (const uint8_t *)"", w, &wl) != 0)
			return ERR_SYNTAX;
		name_to_lower(w);
		name_to_text(w, name, cap);
	}
	return audit_addr_parse(at + 1, (uint16_t)port, addr);
}

/* ----------------------------------------------------------- queries */

static audit_timing_t timing(const audit_args_t *a)
{
	audit_timing_t t = {a->timeout_ms, 3, a->timeout_ms * 3, a->timeout_ms * 20, 64u << 20};
	return t;
}

typedef struct {
	audit_query_t **v;
	size_t n, cap;
} qlist_t;

static void ql_push(qlist_t *l, audit_query_t *q)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		audit_query_t **v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = q;
}

/* Child name of the zone: label "www" -> www.zone. */
static int child_name(const uint8_t *zone, const char *label, uint8_t *out)
{
	size_t len;
	return name_from_text(label, strlen(label), zone, out, &len);
}

/* Adds sample (name, type) unless present; returns its index or -1. */
static long sample_add(audit_ctx_t *c, const uint8_t *name, uint16_t type, bool critical)
{
	for (size_t i = 0; i < c->nsamples; i++)
		if (c->samples[i].type == type && name_equal(c->samples[i].name, name))
			return (long)i;
	audit_sample_t *v = realloc(c->samples, (c->nsamples + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	c->samples = v;
	audit_sample_t *e = &c->samples[c->nsamples];
	memcpy(e->name, name, name_length(name));
	name_to_lower(e->name);
	e->type = type;
	e->critical = critical;
	return (long)c->nsamples++;
}

/* Makes the sample queries from..nsamples of every server. */
static void build_sample_queries(audit_ctx_t *c, size_t from, qlist_t *l)
{
	audit_qopt_t opt = {.edns = true};
	for (size_t i = 0; i < c->ns; i++) {
		audit_server_t *s = &c->s[i];
		audit_query_t *sq = realloc(s->sq, c->nsamples * sizeof(*sq));
		audit_answer_t *sa = realloc(s->sa, c->nsamples * sizeof(*sa));
		if (sq)
			s->sq = sq;
		if (sa)
			s->sa = sa;
		if (!sq || !sa)
			continue;
		for (size_t k = from; k < c->nsamples; k++) {
			memset(&s->sa[k], 0, sizeof(s->sa[k]));
			if (audit_query_init(&s->sq[k], (const struct sockaddr *)&s->addr,
			                     AUDIT_TR_UDP, c->samples[k].name, c->samples[k].type,
			                     RRCLASS_IN, &opt) == 0)
				ql_push(l, &s->sq[k]);
			else
				s->sq[k].status = AUDIT_Q_MALFORMED;
		}
		s->nsq = c->nsamples;
	}
}

static void build_probes(audit_ctx_t *c, audit_server_t *s, qlist_t *l)
{
	const struct sockaddr *sa = (const struct sockaddr *)&s->addr;
	audit_qopt_t edns = {.edns = true, .dnssec_ok = true, .nsid = true};
	audit_qopt_t plain = {0};
	audit_qopt_t edns1 = {.edns = true, .edns_version = 1};
	audit_qopt_t dnssec = {.edns = true, .dnssec_ok = true};
	audit_qopt_t rd = {.edns = true, .rd = true};
	uint8_t outside[NAME_MAXLEN], vb[NAME_MAXLEN], ids[NAME_MAXLEN];
	(void)!child_name((const uint8_t *)"", "a.root-servers.net.", outside);
	(void)!child_name((const uint8_t *)"", "version.bind.", vb);
	(void)!child_name((const uint8_t *)"", "id.server.", ids);
	struct {
		int ap;
		audit_transport_t tr;
		const uint8_t *name;
		uint16_t type, cls;
		const audit_qopt_t *opt;
	} t[] = {
	    {AP_SOA_UDP, AUDIT_TR_UDP, c->zone, RRTYPE_SOA, RRCLASS_IN, &edns},
	    {AP_SOA_TCP, AUDIT_TR_TCP, c->zone, RRTYPE_SOA, RRCLASS_IN, &edns},
	    {AP_SOA_PLAIN, AUDIT_TR_UDP, c->zone, RRTYPE_SOA, RRCLASS_IN, &plain},
	    {AP_EDNS1, AUDIT_TR_UDP, c->zone, RRTYPE_SOA, RRCLASS_IN, &edns1},
	    {AP_NS, AUDIT_TR_UDP, c->zone, RRTYPE_NS, RRCLASS_IN, &plain},
	    {AP_DNSKEY, AUDIT_TR_TCP, c->zone, RRTYPE_DNSKEY, RRCLASS_IN, &dnssec},
	    {AP_AXFR, AUDIT_TR_AXFR, c->zone, RRTYPE_AXFR, RRCLASS_IN, &plain},
	    {AP_RECURSE, AUDIT_TR_UDP, outside, RRTYPE_A, RRCLASS_IN, &rd},
	    {AP_VERSION_BIND, AUDIT_TR_UDP, vb, RRTYPE_TXT, RRCLASS_CH, &plain},
	    {AP_ID_SERVER, AUDIT_TR_UDP, ids, RRTYPE_TXT, RRCLASS_CH, &plain},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		audit_query_t *q = &s->q[t[i].ap];
		if (audit_query_init(q, sa, t[i].tr, t[i].name, t[i].type, t[i].cls, t[i].opt) == 0)
			ql_push(l, q);
		else
			q->status = AUDIT_Q_MALFORMED;
	}
	if (c->tsig) {
		audit_query_t *q = &s->q[AP_AXFR_TSIG];
		if (audit_query_init(q, sa, AUDIT_TR_AXFR, c->zone, RRTYPE_AXFR, RRCLASS_IN,
		                     &plain) == 0 &&
		    audit_query_sign(q, c->tsig, c->now) == 0)
			ql_push(l, q);
	}
	if (audit_fp_build(c, s) == 0)
		for (int i = AP_FP_FIRST; i <= AP_FP_LAST; i++)
			if (s->q[i].req_len)
				ql_push(l, &s->q[i]);
}

/* ------------------------------------------------------------ discovery */

/* Appends "name" to a set of NS names (sorted, unique, space-separated). */
static void set_add(char ***v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcasecmp((*v)[i], name) == 0)
			return;
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL)
		return;
	*v = nv;
	if ((nv[*n] = strdup(name)) != NULL)
		(*n)++;
}

static void set_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

typedef struct {
	char name[NAME_TEXT_MAXLEN];
	struct sockaddr_storage addr;
} audit_glue_t;

typedef struct {
	char **names; /* NS names learnt from the child and the parent */
	size_t nnames;
	audit_glue_t *addrs; /* addresses learnt for NS names */
	size_t naddrs;
} discovery_t;

static void glue_add(discovery_t *d, const char *name, int family, const uint8_t *a, unsigned port)
{
	audit_glue_t g;
	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "%s", name);
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&g.addr;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a, 16);
		s6->sin6_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&g.addr;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a, 4);
		s4->sin_port = htons((uint16_t)port);
	}
	for (size_t i = 0; i < d->naddrs; i++)
		if (strcasecmp(d->addrs[i].name, name) == 0 &&
		    same_addr(&d->addrs[i].addr, &g.addr))
			return;
	audit_glue_t *v = realloc(d->addrs, (d->naddrs + 1) * sizeof(*v));
	if (v == NULL)
		return;
	d->addrs = v;
	d->addrs[d->naddrs++] = g;
}

/*
 * Reads the NS names and address RRs of an answer (a referral or the NS
 * answer of the child): NS RRs owned by the zone in the answer or
 * authority section, A/AAAA RRs in the additional section.  glue_lines
 * collects "name A addr" texts when not NULL (the parent's glue).
 */
static int read_delegation(audit_ctx_t *c, const audit_query_t *q, discovery_t *d, unsigned port,
                           char ***ns_out, size_t *nns_out, char ***glue_lines, size_t *nglue)
{
	msg_t m;
	if (audit_query_msg(q, &m) != 0)
		return ERR_NOTFOUND;
	static uint8_t rd[RDATA_MAXLEN];
	msg_iter_t it;
	msg_rr_t rr;
	msg_iter_init(&it, &m);
	while (msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0) {
		char name[NAME_TEXT_MAXLEN];
		if (rr.type == RRTYPE_NS && rr.section != MSG_SEC_ADDITIONAL &&
		    name_equal(rr.owner, c->zone)) {
			name_to_lower(rr.rdata);
			name_to_text(rr.rdata, name, sizeof(name));
			set_add(ns_out, nns_out, name);
			set_add(&d->names, &d->nnames, name);
		} else if ((rr.type == RRTYPE_A || rr.type == RRTYPE_AAAA) &&
		           rr.section == MSG_SEC_ADDITIONAL) {
			name_to_lower(rr.owner);
			name_to_text(rr.owner, name, sizeof(name));
			glue_add(d, name, rr.type == RRTYPE_A ? AF_INET : AF_INET6, rr.rdata, port);
			if (glue_lines) {
				char line[NAME_TEXT_MAXLEN + 80], at[64];
				rdata_to_text(rr.type, rr.rdata, rr.rdlen, at, sizeof(at));
				if (snprintf(line, sizeof(line), "%s %s %s", name,
				             rr.type == RRTYPE_A ? "A" : "AAAA", at) > 0)
					set_add(glue_lines, nglue, line);
			}
		}
	}
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted names as one string (malloc). */
static char *set_join(char **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), str_cmp);
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	char *s = malloc(len), *p = s;
	if (s == NULL)
		return NULL;
	*p = 0;
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? " " : "", v[i]);
	return s;
}

/*
 * --resolver without --parent: the parent's servers are found through the
 * resolver (SOA of the zone's parent name gives the parent zone, its NS
 * names, their addresses), one sequential round each.  Returns 0 and the
 * first parent server address (at --port, like every learnt address), or
 * ERR_NOTFOUND.
 */
static int parent_via_resolver(audit_ctx_t *c, const struct sockaddr_storage *res,
                               const audit_timing_t *t, unsigned port, struct sockaddr_storage *out)
{
	if (name_labels(c->zone) == 0)
		return ERR_NOTFOUND;
	const uint8_t *pname = c->zone + 1 + c->zone[0];
	audit_qopt_t rdo = {.rd = true, .edns = true};
	audit_query_t q;
	static uint8_t rd[RDATA_MAXLEN];
	uint8_t papex[NAME_MAXLEN];
	bool found = false;
	/* 1: the parent zone's apex (the owner of an SOA in the answer or
	 * authority section of SOA? parent-name) */
	if (audit_query_init(&q, (const struct sockaddr *)res, AUDIT_TR_UDP, pname, RRTYPE_SOA,
	                     RRCLASS_IN, &rdo) != 0)
		return ERR_NOTFOUND;
	audit_query_t *qp = &q;
	audit_net_run(&qp, 1, t);
	msg_t m;
	msg_iter_t it;
	msg_rr_t rr;
	if (audit_query_msg(&q, &m) == 0) {
		msg_iter_init(&it, &m);
		while (!found && msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0)
			if (rr.type == RRTYPE_SOA) {
				memcpy(papex, rr.owner, rr.owner_len);
				found = true;
			}
	}
	audit_query_free(&q);
	if (!found)
		return ERR_NOTFOUND;
	/* 2: its NS names */
	uint8_t nsname[NAME_MAXLEN];
	found = false;
	if (audit_query_init(&q, (const struct sockaddr *)res, AUDIT_TR_UDP, papex, RRTYPE_NS,
	                     RRCLASS_IN, &rdo) != 0)
		return ERR_NOTFOUND;
	audit_net_run(&qp, 1, t);
	if (audit_query_msg(&q, &m) == 0) {
		msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
		while (!found && msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0)
			if (rr.type == RRTYPE_NS) {
				memcpy(nsname, rr.rdata, rr.rdlen);
				found = true;
			}
	}
	audit_query_free(&q);
	if (!found)
		return ERR_NOTFOUND;
	/* 3: its address */
	found = false;
	if (audit_query_init(&q, (const struct sockaddr *)res, AUDIT_TR_UDP, nsname, RRTYPE_A,
	                     RRCLASS_IN, &rdo) != 0)
		return ERR_NOTFOUND;
	audit_net_run(&qp, 1, t);
	if (audit_query_msg(&q, &m) == 0) {
		msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
		while (!found && msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0)
			if (rr.type == RRTYPE_A) {
				memset(out, 0, sizeof(*out));
				struct sockaddr_in *s4 = (struct sockaddr_in *)out;
				s4->sin_family = AF_INET;
				s4->sin_port = htons((uint16_t)port);
				memcpy(&s4->sin_addr, rr.rdata, 4);
				found = true;
			}
	}
	audit_query_free(&q);
	return found ? 0 : ERR_NOTFOUND;
}

/* True when --ns named this NS host: its addresses are the user's. */
static bool given_by_hand(const audit_ctx_t *c, const char *name)
{
	for (size_t i = 0; i < c->ns; i++)
		if ((c->s[i].from & AUDIT_FROM_CLI) && strcasecmp(c->s[i].nsname, name) == 0)
			return true;
	return false;
}

static void discover(audit_ctx_t *c, const audit_args_t *a, const audit_timing_t *t,
                     const struct sockaddr_storage *parent, const struct sockaddr_storage *res)
{
	discovery_t d = {0};
	qlist_t l = {0};
	audit_qopt_t plain = {0};
	audit_qopt_t dnssec = {.edns = true, .dnssec_ok = true};
	audit_query_t pns, pds;
	size_t ncli = c->ns;
	audit_query_t *cq = calloc(ncli ? ncli : 1, sizeof(*cq));
	for (size_t i = 0; cq && i < ncli; i++)
		if (audit_query_init(&cq[i], (const struct sockaddr *)&c->s[i].addr, AUDIT_TR_UDP,
		                     c->zone, RRTYPE_NS, RRCLASS_IN, &plain) == 0)
			ql_push(&l, &cq[i]);
	bool ask_parent = parent != NULL;
	if (ask_parent) {
		if (audit_query_init(&pns, (const struct sockaddr *)parent, AUDIT_TR_UDP, c->zone,
		                     RRTYPE_NS, RRCLASS_IN, &plain) == 0)
			ql_push(&l, &pns);
		if (audit_query_init(&pds, (const struct sockaddr *)parent, AUDIT_TR_UDP, c->zone,
		                     RRTYPE_DS, RRCLASS_IN, &dnssec) == 0)
			ql_push(&l, &pds);
	}
	audit_net_run(l.v, l.n, t);
	char **child = NULL; /* the names of the zone's own NS RRsets */
	size_t nchild = 0;
	for (size_t i = 0; cq && i < ncli; i++) {
		read_delegation(c, &cq[i], &d, a->port, &child, &nchild, NULL, NULL);
		audit_query_free(&cq[i]);
	}
	free(cq);
	if (ask_parent) {
		char **v = NULL;
		size_t n = 0;
		msg_t m;
		c->parent_answered = audit_query_msg(&pns, &m) == 0;
		if (c->parent_answered &&
		    read_delegation(c, &pns, &d, a->port, &v, &n, &c->glue, &c->nglue) == 0)
			c->parent_ns_set = set_join(v, n);
		set_free(v, n);
		/* DS: in the answer of an authoritative parent */
		if (audit_query_msg(&pds, &m) == 0) {
			c->ds_asked = true;
			static uint8_t rd[RDATA_MAXLEN];
			msg_iter_t it;
			msg_rr_t rr;
			msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
			while (msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0) {
				if (rr.type != RRTYPE_DS || !name_equal(rr.owner, c->zone))
					continue;
				uint8_t **dv = realloc(c->ds, (c->nds + 1) * sizeof(*dv));
				size_t *lv = realloc(c->ds_len, (c->nds + 1) * sizeof(*lv));
				if (dv)
					c->ds = dv;
				if (lv)
					c->ds_len = lv;
				if (!dv || !lv || !(dv[c->nds] = malloc(rr.rdlen ? rr.rdlen : 1)))
					break;
				memcpy(dv[c->nds], rr.rdata, rr.rdlen);
				lv[c->nds++] = rr.rdlen;
			}
		}
		audit_query_free(&pns);
		audit_query_free(&pds);
	}
	/* every NS name gets the addresses we know for it */
	for (size_t i = 0; i < d.naddrs; i++)
		for (size_t k = 0; k < d.nnames; k++)
			if (strcasecmp(d.addrs[i].name, d.names[k]) == 0 &&
			    !given_by_hand(c, d.names[k]))
				server_add(c, d.names[k], &d.addrs[i].addr, 0);
	/* A2: names without an address */
	free(l.v);
	memset(&l, 0, sizeof(l));
	audit_query_t *aq = calloc(d.nnames * 2 + 1, sizeof(*aq));
	audit_qopt_t rdo = {.rd = true, .edns = true};
	for (size_t k = 0; aq && k < d.nnames; k++) {
		bool known = false;
		for (size_t i = 0; i < c->ns; i++)
			if (strcasecmp(c->s[i].nsname, d.names[k]) == 0)
				known = true;
		if (known)
			continue;
		uint8_t w[NAME_MAXLEN];
		size_t wl;
		if (name_from_text(d.names[k], strlen(d.names[k]), NULL, w, &wl) != 0)
			continue;
		const struct sockaddr_storage *to = NULL;
		const audit_qopt_t *opt = &plain;
		if (name_is_below(w, c->zone) && ncli > 0)
			to = &c->s[0].addr;
		else if (res)
			to = res, opt = &rdo;
		if (to == NULL)
			continue;
		if (audit_query_init(&aq[2 * k], (const struct sockaddr *)to, AUDIT_TR_UDP, w,
		                     RRTYPE_A, RRCLASS_IN, opt) == 0)
			ql_push(&l, &aq[2 * k]);
		if (audit_query_init(&aq[2 * k + 1], (const struct sockaddr *)to, AUDIT_TR_UDP, w,
		                     RRTYPE_AAAA, RRCLASS_IN, opt) == 0)
			ql_push(&l, &aq[2 * k + 1]);
	}
	audit_net_run(l.v, l.n, t);
	static uint8_t rd[RDATA_MAXLEN];
	for (size_t k = 0; aq && k < 2 * d.nnames; k++) {
		msg_t m;
		if (audit_query_msg(&aq[k], &m) == 0) {
			msg_iter_t it;
			msg_rr_t rr;
			msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
			while (msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0) {
				if (rr.type != RRTYPE_A && rr.type != RRTYPE_AAAA)
					continue;
				struct sockaddr_storage sa;
				memset(&sa, 0, sizeof(sa));
				if (rr.type == RRTYPE_A) {
					struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;
					s4->sin_family = AF_INET;
					s4->sin_port = htons((uint16_t)a->port);
					memcpy(&s4->sin_addr, rr.rdata, 4);
				} else {
					struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa;
					s6->sin6_family = AF_INET6;
					s6->sin6_port = htons((uint16_t)a->port);
					memcpy(&s6->sin6_addr, rr.rdata, 16);
				}
				server_add(c, d.names[k / 2], &sa, 0);
			}
		}
		audit_query_free(&aq[k]);
	}
	free(aq);
	free(l.v);
	/* names still without an address */
	for (size_t k = 0; k < d.nnames; k++) {
		bool known = false;
		for (size_t i = 0; i < c->ns; i++)
			if (strcasecmp(c->s[i].nsname, d.names[k]) == 0)
				known = true;
		if (!known)
			audit_add(&c->findings, res ? AUDIT_ERROR : AUDIT_WARNING, "discovery",
			          "ns-no-address",
			          res ? "the name must resolve: fix its A/AAAA records"
			              : "give its address with --ns NAME@ADDR, or --resolver ADDR",
			          "NS %s has no address %s", d.names[k],
			          res ? "(the resolver found none)"
			              : "known (not in the zone, and no --resolver to ask)");
	}
	/* which servers the zone and the parent name */
	for (size_t k = 0; k < nchild; k++)
		for (size_t i = 0; i < c->ns; i++)
			if (strcasecmp(c->s[i].nsname, child[k]) == 0)
				c->s[i].from |= AUDIT_FROM_CHILD;
	set_free(child, nchild);
	if (c->parent_ns_set)
		for (size_t i = 0; i < c->ns; i++) {
			char pad[NAME_TEXT_MAXLEN + 2];
			snprintf(pad, sizeof(pad), " %s ", c->s[i].nsname);
			size_t plen = strlen(c->parent_ns_set) + 3;
			char *ps = malloc(plen);
			if (ps) {
				snprintf(ps, plen, " %s ", c->parent_ns_set);
				if (c->s[i].nsname[0] && strstr(ps, pad))
					c->s[i].from |= AUDIT_FROM_PARENT;
				free(ps);
			}
		}
	c->ns_names = d.names;
	c->nnames = d.nnames;
	free(d.addrs);
}

/* ------------------------------------------------------------- samples */

static void base_samples(audit_ctx_t *c)
{
	uint8_t www[NAME_MAXLEN];
	static const uint16_t apex_types[] = {RRTYPE_A, RRTYPE_AAAA, RRTYPE_MX};
	for (size_t i = 0; i < 3; i++)
		sample_add(c, c->zone, apex_types[i], true);
	sample_add(c, c->zone, RRTYPE_TXT, false);
	if (child_name(c->zone, "www", www) == 0) {
		sample_add(c, www, RRTYPE_A, true);
		sample_add(c, www, RRTYPE_AAAA, true);
	}
	/* in-zone NS names: glue is compared with these */
	for (size_t i = 0; i < c->ns; i++) {
		uint8_t w[NAME_MAXLEN];
		size_t wl;
		const char *n = c->s[i].nsname;
		if (!n[0] || name_from_text(n, strlen(n), NULL, w, &wl) != 0 ||
		    !name_is_below(w, c->zone))
			continue;
		sample_add(c, w, RRTYPE_A, false);
		sample_add(c, w, RRTYPE_AAAA, false);
	}
}

/* From the first complete AXFR of the newest serial: up to
 * AUDIT_AXFR_SAMPLE more RRsets (owner, type), spread over the zone. */
static void axfr_samples(audit_ctx_t *c)
{
	const audit_server_t *ref = NULL;
	for (size_t i = 0; i < c->ns; i++) {
		const audit_server_t *s = &c->s[i];
		if (audit_zone_axfr(s) && s->has_serial &&
		    (ref == NULL || audit_serial_lag(s->serial, ref->serial) > 0))
			ref = s;
	}
	if (ref == NULL)
		return;
	const audit_query_t *q = audit_zone_axfr(ref);
	static uint8_t rd[RDATA_MAXLEN];
	size_t total = 0;
	for (size_t k = 0; k < q->nmsgs; k++) {
		msg_t m;
		if (msg_parse(&m, q->msgs[k], q->msg_lens[k]) == 0)
			total += m.count[MSG_SEC_ANSWER];
	}
	size_t step = total / AUDIT_AXFR_SAMPLE + 1, idx = 0, added = 0;
	for (size_t k = 0; k < q->nmsgs && added < AUDIT_AXFR_SAMPLE; k++) {
		msg_t m;
		if (msg_parse(&m, q->msgs[k], q->msg_lens[k]) != 0)
			continue;
		msg_iter_t it;
		msg_rr_t rr;
		msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
		while (msg_rr_next(&it, &rr, rd, sizeof(rd)) == 0) {
			if (idx++ % step != 0 || rr.type == RRTYPE_SOA || rr.type == RRTYPE_RRSIG ||
			    rr.type == RRTYPE_NSEC || rr.type == RRTYPE_NSEC3 ||
			    !name_is_below(rr.owner, c->zone))
				continue;
			/* below a delegation the answer is a referral: skip NS
			 * of non-apex names and keep the rest simple */
			if (rr.type == RRTYPE_NS && !name_equal(rr.owner, c->zone))
				continue;
			size_t before = c->nsamples;
			sample_add(c, rr.owner, rr.type, false);
			added += c->nsamples > before;
		}
	}
}

/* After phase B: the NS names the servers themselves serve (needed when
 * discovery went through the parent only) mark their servers as named by
 * the zone, and count as nameservers. */
static void mark_zone_names(audit_ctx_t *c)
{
	for (size_t i = 0; i < c->ns; i++) {
		const char *set = c->s[i].ns_set;
		if (!c->s[i].auth || set == NULL)
			continue;
		while (*set) {
			const char *end = strchr(set, ' ');
			size_t len = end ? (size_t)(end - set) : strlen(set);
			char name[NAME_TEXT_MAXLEN];
			if (len < sizeof(name)) {
				memcpy(name, set, len);
				name[len] = 0;
				set_add(&c->ns_names, &c->nnames, name);
				for (size_t k = 0; k < c->ns; k++)
					if (strcasecmp(c->s[k].nsname, name) == 0)
						c->s[k].from |= AUDIT_FROM_CHILD;
			}
			set += len;
			while (*set == ' ')
				set++;
		}
	}
}

static int load_asn(const char *file, audit_asn_table_t *t)
{
	FILE *f = fopen(file, "rb");
	if (f == NULL) {
		fprintf(stderr, "nsfleet audit: --asn-table %s: %s\n", file, strerror(errno));
		return AUDIT_EXIT_USAGE;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			char *nb = cap < (1u << 30) ? realloc(buf, cap * 2) : NULL;
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf == NULL) {
		fprintf(stderr, "nsfleet audit: --asn-table %s: too large\n", file);
		return AUDIT_EXIT_USAGE;
	}
	char err[256];
	int rc = audit_asn_parse(buf, len, file, t, err, sizeof(err));
	free(buf);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return AUDIT_EXIT_USAGE;
	}
	return 0;
}

static void ctx_free(audit_ctx_t *c)
{
	for (size_t i = 0; i < c->ns; i++) {
		audit_server_t *s = &c->s[i];
		for (int k = 0; k < AP_COUNT; k++)
			audit_query_free(&s->q[k]);
		for (size_t k = 0; k < s->nsq; k++) {
			audit_query_free(&s->sq[k]);
			free(s->sa[k].key);
		}
		free(s->sq);
		free(s->sa);
		free(s->ns_set);
		free(s->dnskey_set);
	}
	free(c->s);
	free(c->samples);
	free(c->parent_ns_set);
	set_free(c->ns_names, c->nnames);
	set_free(c->glue, c->nglue);
	for (size_t i = 0; i < c->nds; i++)
		free(c->ds[i]);
	free(c->ds);
	free(c->ds_len);
	audit_findings_free(&c->findings);
}

int cmd_audit(int argc, char **argv)
{
	audit_args_t a;
	int rc = parse_args(argc, argv, &a);
	if (rc) {
		free(a.ns);
		return rc < 0 ? AUDIT_EXIT_OK : rc;
	}
	audit_ctx_t c;
	memset(&c, 0, sizeof(c));
	audit_asn_table_t asn = {0};
	size_t zl;
	if (name_from_text(a.zone, strlen(a.zone), (const uint8_t *)"", c.zone, &zl) != 0) {
		fprintf(stderr, "nsfleet audit: '%s' is not a domain name\n", a.zone);
		free(a.ns);
		return AUDIT_EXIT_USAGE;
	}
	name_to_lower(c.zone);
	name_to_text(c.zone, c.zone_text, sizeof(c.zone_text));
	c.s = calloc(AUDIT_MAX_SERVERS, sizeof(*c.s));
	if (c.s == NULL) {
		free(a.ns);
		return AUDIT_EXIT_ERROR;
	}
	c.now = (uint64_t)time(NULL);
	struct sockaddr_storage parent, res;
	for (size_t i = 0; i < a.nns; i++) {
		char name[NAME_TEXT_MAXLEN];
		struct sockaddr_storage sa;
		if (parse_ns_arg(a.ns[i], a.port, name, sizeof(name), &sa) != 0) {
			fprintf(stderr,
			        "nsfleet audit: --ns '%s': expected NAME@ADDR[#PORT], e.g. "
			        "ns1.example.com@192.0.2.1 or ns1.example.com@2001:db8::1#5300\n",
			        a.ns[i]);
			rc = AUDIT_EXIT_USAGE;
			goto out;
		}
		if (server_add(&c, name, &sa, AUDIT_FROM_CLI) == NULL) {
			fprintf(stderr, "nsfleet audit: more than %d nameservers\n",
			        AUDIT_MAX_SERVERS);
			rc = AUDIT_EXIT_USAGE;
			goto out;
		}
	}
	const char *which[] = {"--parent", "--resolver"};
	const char *vals[] = {a.parent, a.resolver};
	struct sockaddr_storage *dst[] = {&parent, &res};
	for (int i = 0; i < 2; i++)
		if (vals[i] && audit_addr_parse(vals[i], 53, dst[i]) != 0) {
			fprintf(stderr, "nsfleet audit: %s '%s': expected ADDR[#PORT]\n", which[i],
			        vals[i]);
			rc = AUDIT_EXIT_USAGE;
			goto out;
		}
	static uint8_t secret[256];
	static tsig_key_t key;
	if (a.tsig) {
		if (audit_tsig_parse(a.tsig, &key, secret, sizeof(secret)) != 0) {
			fprintf(stderr, "nsfleet audit: --tsig: expected [ALG:]NAME:SECRET (ALG "
			                "hmac-sha1..hmac-sha512, SECRET base64)\n");
			rc = AUDIT_EXIT_USAGE;
			goto out;
		}
		c.tsig = &key;
	}
	if (a.asn_file) {
		rc = load_asn(a.asn_file, &asn);
		if (rc)
			goto out;
		c.asn = &asn;
	}
	audit_timing_t t = timing(&a);
	const struct sockaddr_storage *pp = a.parent ? &parent : NULL;
	if (!pp && a.resolver) {
		if (parent_via_resolver(&c, &res, &t, a.port, &parent) == 0)
			pp = &parent;
		else
			audit_add(&c.findings, AUDIT_WARNING, "parent", "parent-not-found",
			          "give a server of the parent zone with --parent ADDR",
			          "the resolver did not lead to a server of the parent zone: "
			          "delegation checks skipped");
	}
	c.has_parent = pp != NULL;
	if (pp) {
		char at[64];
		audit_addr_text((const struct sockaddr *)pp, at, sizeof(at));
		if (addr_port(pp) != 53)
			snprintf(c.parent_label, sizeof(c.parent_label), "parent %s#%u", at,
			         addr_port(pp));
		else
			snprintf(c.parent_label, sizeof(c.parent_label), "parent %s", at);
	}
	discover(&c, &a, &t, pp, a.resolver ? &res : NULL);

	/* B: every probe and sample of every server, at once */
	qlist_t l = {0};
	for (size_t i = 0; i < c.ns; i++)
		build_probes(&c, &c.s[i], &l);
	base_samples(&c);
	build_sample_queries(&c, 0, &l);
	audit_net_run(l.v, l.n, &t);
	free(l.v);
	for (size_t i = 0; i < c.ns; i++) {
		audit_check_server(&c, &c.s[i]);
		audit_check_samples(&c, &c.s[i], 0);
		audit_fp_identify(&c.s[i]);
	}
	mark_zone_names(&c);
	/* C: names from an AXFR, asked of everyone */
	size_t before = c.nsamples;
	axfr_samples(&c);
	if (c.nsamples > before) {
		memset(&l, 0, sizeof(l));
		build_sample_queries(&c, before, &l);
		audit_net_run(l.v, l.n, &t);
		free(l.v);
		for (size_t i = 0; i < c.ns; i++)
			audit_check_samples(&c, &c.s[i], before);
	}
	audit_check_fleet(&c);
	if (a.json) {
		json_t *j = audit_report_json(&c);
		char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(j);
	} else {
		bool colour = !a.no_color && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
		audit_report_text(&c, stdout, colour);
	}
	rc = audit_exit_status(&c.findings);
out:
	explicit_bzero(secret, sizeof(secret));
	ctx_free(&c);
	audit_asn_free(&asn);
	free(a.ns);
	return rc;
}
