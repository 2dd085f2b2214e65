/*
 * The audit's checks: from the answers of every server to findings
 * (doc/nsfleet-audit.md names each one, its severity and its advice).
 *
 * Each finding names exactly the servers at fault, so that a fleet with
 * one broken server reports that server and no other: consistency checks
 * compare only servers that answer authoritatively, records only among
 * servers of the newest serial (a lagging server is the serial check's
 * finding, not a hundred record differences), and the minority of a
 * comparison is the one named.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "tools/audit.h"
#include "zone/changeset.h"
#include "zone/zone_load.h"

static uint8_t rdbuf[RDATA_MAXLEN];

/* ------------------------------------------------------------- helpers */

typedef struct {
	char **v;
	size_t n, cap;
} strv_t;

static void sv_push(strv_t *s, const char *t)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			return;
		s->v = v;
		s->cap = cap;
	}
	if ((s->v[s->n] = strdup(t)) != NULL)
		s->n++;
}

static void sv_free(strv_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int sv_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, joined with sep (malloc). */
static char *sv_join(strv_t *s, const char *sep)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), sv_cmp);
	size_t len = 1, sl = strlen(sep);
	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->v[i]) + sl;
	char *out = malloc(len), *p = out;
	if (out == NULL)
		return NULL;
	*p = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (i) {
			memcpy(p, sep, sl);
			p += sl;
		}
		size_t l = strlen(s->v[i]);
		memcpy(p, s->v[i], l);
		p += l;
	}
	*p = 0;
	return out;
}

/* "owner TYPE rdata" of an RR (names lower-cased). */
static void rr_line(const msg_rr_t *rr, char *buf, size_t cap)
{
	char owner[NAME_TEXT_MAXLEN], type[RRTYPE_TEXT_MAXLEN];
	uint8_t o[NAME_MAXLEN];
	memcpy(o, rr->owner, rr->owner_len);
	name_to_lower(o);
	name_to_text(o, owner, sizeof(owner));
	rrtype_to_text(rr->type, type, sizeof(type));
	rdata_canonicalize(rr->type, rr->rdata, rr->rdlen);
	int n = snprintf(buf, cap, "%s %s ", owner, type);
	if (n < 0 || (size_t)n >= cap)
		return;
	if (rdata_to_text(rr->type, rr->rdata, rr->rdlen, buf + n, cap - (size_t)n) < 0)
		snprintf(buf + n, cap - (size_t)n, "(%zu octets)", rr->rdlen);
}

/* The SOA of the zone in m's answer: true and the timers. */
static bool soa_of(const audit_ctx_t *c, const msg_t *m, uint32_t t[5])
{
	msg_iter_t it;
	msg_rr_t rr;
	msg_iter_init_section(&it, m, MSG_SEC_ANSWER);
	while (msg_rr_next(&it, &rr, rdbuf, sizeof(rdbuf)) == 0) {
		if (rr.type != RRTYPE_SOA || !name_equal(rr.owner, c->zone))
			continue;
		size_t off = rdata_soa_serial_off(rr.rdata, rr.rdlen);
		if (off == 0)
			return false;
		for (int i = 0; i < 5; i++)
			t[i] = wire_get_u32(rr.rdata + off + 4 * (size_t)i);
		return true;
	}
	return false;
}

/* The first TXT string of the answer, printable. */
static void txt_of(const audit_query_t *q, char *out, size_t cap)
{
	msg_t m;
	out[0] = 0;
	if (audit_query_msg(q, &m) != 0 || msg_rcode(&m) != MSG_RCODE_NOERROR)
		return;
	msg_iter_t it;
	msg_rr_t rr;
	msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
	while (msg_rr_next(&it, &rr, rdbuf, sizeof(rdbuf)) == 0) {
		if (rr.type != RRTYPE_TXT || rr.rdlen < 1)
			continue;
		size_t len = rr.rdata[0], j = 0;
		if (len + 1 > rr.rdlen)
			return;
		for (size_t i = 0; i < len && j + 1 < cap; i++) {
			uint8_t ch = rr.rdata[1 + i];
			out[j++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
		}
		out[j] = 0;
		return;
	}
}

/* ---------------------------------------------------------- per server */

void audit_check_server(audit_ctx_t *c, audit_server_t *s)
{
	static const int soa_probes[] = {AP_SOA_UDP, AP_SOA_TCP, AP_SOA_PLAIN};
	for (size_t i = 0; i < 3; i++) {
		msg_t m;
		if (audit_query_msg(&s->q[soa_probes[i]], &m) != 0)
			continue;
		s->answers = true;
		uint32_t t[5];
		if (!s->auth && (m.flags & MSG_FLAG_AA) && msg_rcode(&m) == MSG_RCODE_NOERROR &&
		    soa_of(c, &m, t)) {
			s->auth = true;
			s->has_serial = true;
			s->serial = t[0];
			s->soa_refresh = t[1];
			s->soa_retry = t[2];
			s->soa_expire = t[3];
			s->soa_minimum = t[4];
		}
		if (soa_probes[i] == AP_SOA_UDP && m.has_edns && m.edns.nsid.off) {
			size_t j = 0;
			for (size_t k = 0; k < m.edns.nsid.len && j + 1 < sizeof(s->nsid); k++) {
				uint8_t ch = m.wire[m.edns.nsid.off + k];
				s->nsid[j++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
			}
			s->nsid[j] = 0;
		}
	}
	/* the NS RRset and the DNSKEY RRset as sorted text */
	strv_t v = {0};
	msg_t m;
	msg_iter_t it;
	msg_rr_t rr;
	char line[4096];
	if (audit_query_msg(&s->q[AP_NS], &m) == 0 && (m.flags & MSG_FLAG_AA)) {
		msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
		while (msg_rr_next(&it, &rr, rdbuf, sizeof(rdbuf)) == 0)
			if (rr.type == RRTYPE_NS && name_equal(rr.owner, c->zone)) {
				name_to_lower(rr.rdata);
				name_to_text(rr.rdata, line, sizeof(line));
				sv_push(&v, line);
			}
		s->ns_set = sv_join(&v, " ");
	}
	sv_free(&v);
	if (audit_query_msg(&s->q[AP_DNSKEY], &m) == 0 && (m.flags & MSG_FLAG_AA)) {
		msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
		while (msg_rr_next(&it, &rr, rdbuf, sizeof(rdbuf)) == 0)
			if (rr.type == RRTYPE_DNSKEY && name_equal(rr.owner, c->zone)) {
				rr_line(&rr, line, sizeof(line));
				sv_push(&v, line);
			}
		s->dnskey_set = sv_join(&v, "\n");
	}
	sv_free(&v);
	const audit_query_t *ax = &s->q[AP_AXFR];
	if (ax->status == AUDIT_Q_OK && ax->axfr_complete && ax->nmsgs > 0 &&
	    msg_parse(&m, ax->msgs[0], ax->msg_lens[0]) == 0 && msg_rcode(&m) == MSG_RCODE_NOERROR)
		s->axfr_ok = true;
	audit_query_t *axt = &s->q[AP_AXFR_TSIG];
	if (axt->tsig && axt->status == AUDIT_Q_OK && axt->axfr_complete && axt->nmsgs > 0 &&
	    msg_parse(&m, axt->msgs[0], axt->msg_lens[0]) == 0 &&
	    msg_rcode(&m) == MSG_RCODE_NOERROR && audit_query_verify(axt, c->now) == TSIG_OK)
		s->axfr_tsig_ok = true;
	txt_of(&s->q[AP_VERSION_BIND], s->version, sizeof(s->version));
	txt_of(&s->q[AP_ID_SERVER], s->ident, sizeof(s->ident));
}

void audit_check_samples(audit_ctx_t *c, audit_server_t *s, size_t from)
{
	char line[4096];
	for (size_t k = from; k < s->nsq; k++) {
		audit_answer_t *a = &s->sa[k];
		const audit_sample_t *smp = &c->samples[k];
		msg_t m;
		if (audit_query_msg(&s->sq[k], &m) != 0)
			continue;
		unsigned rc = msg_rcode(&m);
		/* a truncated answer is not compared: servers truncate differently */
		a->ok = (m.flags & MSG_FLAG_AA) && !(m.flags & MSG_FLAG_TC) &&
		        (rc == MSG_RCODE_NOERROR || rc == MSG_RCODE_NXDOMAIN);
		strv_t v = {0};
		msg_iter_t it;
		msg_rr_t rr;
		msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
		while (msg_rr_next(&it, &rr, rdbuf, sizeof(rdbuf)) == 0) {
			if (rr.type == RRTYPE_RRSIG)
				continue;
			if (name_equal(rr.owner, smp->name) &&
			    (rr.type == smp->type || rr.type == RRTYPE_CNAME) && !a->has_ttl) {
				a->has_ttl = true;
				a->ttl = rr.ttl;
				a->ttl_type = rr.type;
			}
			rr_line(&rr, line, sizeof(line));
			sv_push(&v, line);
		}
		char *body = sv_join(&v, " | ");
		sv_free(&v);
		size_t len = (body ? strlen(body) : 0) + 32;
		a->key = malloc(len);
		if (a->key)
			snprintf(a->key, len, "%s%s%s", msg_rcode_text(rc), body && *body ? ": " : "",
			         body ? body : "");
		free(body);
	}
}

/* ------------------------------------------------------------ grouping */

/* Groups the indexes idx[0..n) by string key(i): writes to grp[i] the
 * group number, returns the index (into idx) of a member of the largest
 * group (first seen wins a tie) and the number of groups. */
typedef const char *(*key_fn)(const audit_ctx_t *c, size_t server, size_t arg);

static size_t group(const audit_ctx_t *c, const size_t *idx, size_t n, key_fn key, size_t arg,
                    size_t *grp, size_t *ngroups)
{
	size_t ng = 0, best = 0, bestn = 0;
	size_t *rep = calloc(n ? n : 1, sizeof(*rep));
	size_t *cnt = calloc(n ? n : 1, sizeof(*cnt));
	if (rep == NULL || cnt == NULL) {
		free(rep);
		free(cnt);
		*ngroups = 1;
		for (size_t i = 0; i < n; i++)
			grp[i] = 0;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const char *ki = key(c, idx[i], arg);
		size_t g;
		for (g = 0; g < ng; g++) {
			const char *kg = key(c, idx[rep[g]], arg);
			if ((ki == NULL && kg == NULL) || (ki && kg && strcmp(ki, kg) == 0))
				break;
		}
		if (g == ng)
			rep[ng++] = i;
		grp[i] = g;
		if (++cnt[g] > bestn) {
			bestn = cnt[g];
			best = rep[g];
		}
	}
	/* a tie for the largest: the first group seen stays */
	for (size_t g = 0; g < ng; g++)
		if (cnt[g] == bestn) {
			best = rep[g];
			break;
		}
	free(rep);
	free(cnt);
	*ngroups = ng;
	return best;
}

static const char *key_ns(const audit_ctx_t *c, size_t i, size_t arg)
{
	(void)arg;
	return c->s[i].ns_set;
}

static const char *key_dnskey(const audit_ctx_t *c, size_t i, size_t arg)
{
	(void)arg;
	return c->s[i].dnskey_set ? c->s[i].dnskey_set : "";
}

static const char *key_sample(const audit_ctx_t *c, size_t i, size_t k)
{
	return c->s[i].sa[k].key;
}

static const char *short_text(const char *s, char *buf, size_t cap)
{
	if (s == NULL || !*s)
		return "(nothing)";
	if (strlen(s) < cap)
		return s;
	snprintf(buf, cap, "%.*s...", (int)(cap - 4), s);
	return buf;
}

/* -------------------------------------------------------------- checks */

static void check_lame(audit_ctx_t *c, audit_server_t *s)
{
	audit_findings_t *f = &c->findings;
	audit_finding_t *e = NULL;
	const audit_query_t *u = &s->q[AP_SOA_UDP], *t = &s->q[AP_SOA_TCP];
	if (!s->answers) {
		const char *why = u->status == AUDIT_Q_TIMEOUT ? "no answer (timeout)" : u->why;
		e = audit_add(f, AUDIT_ERROR, "lame", "no-answer",
		              "check that the server runs and that UDP and TCP port 53 reach it",
		              "no usable answer to the SOA query: UDP: %s; TCP: %s", why,
		              t->status == AUDIT_Q_TIMEOUT ? "timeout" : t->why);
		audit_finding_server(e, s->label);
		return;
	}
	msg_t m;
	int which = audit_query_msg(u, &m) == 0 ? AP_SOA_UDP : AP_SOA_TCP;
	if (which == AP_SOA_TCP && audit_query_msg(t, &m) != 0 &&
	    audit_query_msg(&s->q[AP_SOA_PLAIN], &m) != 0)
		return;
	if (!s->auth) {
		unsigned rc = msg_rcode(&m);
		if (rc == MSG_RCODE_REFUSED)
			e = audit_add(f, AUDIT_ERROR, "lame", "lame-refused",
			              "load the zone on this server or remove it from the NS RRset "
			              "and the delegation",
			              "lame: REFUSED for the zone (the server does not serve it)");
		else if (rc == MSG_RCODE_SERVFAIL)
			e = audit_add(f, AUDIT_ERROR, "lame", "lame-servfail",
			              "check the server's log: the zone failed to load or expired",
			              "lame: SERVFAIL for the zone's SOA");
		else if (rc != MSG_RCODE_NOERROR)
			e = audit_add(f, AUDIT_ERROR, "lame", "lame-rcode",
			              "load the zone on this server or remove it from the NS RRset",
			              "lame: %s for the zone's SOA", msg_rcode_text(rc));
		else if (!(m.flags & MSG_FLAG_AA))
			e = audit_add(f, AUDIT_ERROR, "lame", "lame-not-authoritative",
			              "the server answers without authority (AA): load the zone "
			              "on it, or remove it from the NS RRset",
			              "lame: the SOA answer is not authoritative (no AA flag)");
		else
			e = audit_add(f, AUDIT_ERROR, "lame", "lame-no-soa",
			              "the zone's apex must have an SOA on every server",
			              "lame: an authoritative answer without the zone's SOA");
		audit_finding_server(e, s->label);
		return;
	}
	if (u->status != AUDIT_Q_OK)
		audit_finding_server(
		    audit_add(f, AUDIT_ERROR, "lame", "no-udp",
		              "open UDP port 53: nearly every query comes over UDP",
		              "answers over TCP but not over UDP (%s)",
		              u->status == AUDIT_Q_TIMEOUT ? "timeout" : u->why),
		    s->label);
	if (t->status != AUDIT_Q_OK)
		audit_finding_server(
		    audit_add(f, AUDIT_ERROR, "lame", "no-tcp",
		              "open TCP port 53: RFC 7766 makes TCP mandatory (large answers, "
		              "DNSSEC, truncation fall back to it)",
		              "no answer over TCP (%s)",
		              t->status == AUDIT_Q_TIMEOUT ? "timeout" : t->why),
		    s->label);
	/* EDNS (RFC 6891): an EDNS query must get an OPT back, version 1 BADVERS */
	if (u->status == AUDIT_Q_OK && audit_query_msg(u, &m) == 0 &&
	    (!m.has_edns || msg_rcode(&m) == MSG_RCODE_FORMERR))
		audit_finding_server(
		    audit_add(f, AUDIT_WARNING, "edns", "edns-broken",
		              "upgrade or fix the server (or the middlebox in front of it): "
		              "without EDNS answers are limited to 512 octets and DNSSEC fails",
		              "an EDNS query is answered %s",
		              m.has_edns ? "FORMERR" : "without an OPT record"),
		    s->label);
	const audit_query_t *v1 = &s->q[AP_EDNS1];
	if (u->status != AUDIT_Q_OK)
		return; /* no UDP at all: said above, EDNS cannot be judged */
	if (v1->status != AUDIT_Q_OK)
		audit_finding_server(
		    audit_add(f, AUDIT_WARNING, "edns", "edns-version-dropped",
		              "answer EDNS versions it does not know with BADVERS (RFC 6891 "
		              "§6.1.3); a firewall dropping them breaks future EDNS",
		              "no answer to an EDNS version 1 query (%s)",
		              v1->status == AUDIT_Q_TIMEOUT ? "timeout" : v1->why),
		    s->label);
	else if (audit_query_msg(v1, &m) == 0 && msg_rcode(&m) != MSG_RCODE_BADVERS)
		audit_finding_server(
		    audit_add(f, AUDIT_WARNING, "edns", "edns-version-ignored",
		              "answer EDNS versions it does not know with BADVERS "
		              "(RFC 6891 §6.1.3)",
		              "an EDNS version 1 query is answered %s, not BADVERS",
		              msg_rcode_text(msg_rcode(&m))),
		    s->label);
}

static void check_count(audit_ctx_t *c)
{
	strv_t names = {0};
	for (size_t i = 0; i < c->nnames; i++)
		sv_push(&names, c->ns_names[i]);
	for (size_t i = 0; i < c->ns; i++) {
		const char *n = c->s[i].nsname[0] ? c->s[i].nsname : c->s[i].addrtext;
		bool seen = false;
		for (size_t k = 0; k < names.n; k++)
			seen |= strcasecmp(names.v[k], n) == 0;
		if (!seen)
			sv_push(&names, n);
	}
	audit_finding_t *e = NULL;
	if (names.n < 2)
		e = audit_add(&c->findings, AUDIT_ERROR, "count", "too-few-nameservers",
		              "a zone needs at least two nameservers (RFC 1034 §4.1), better "
		              "three or more on different networks",
		              "%zu nameserver%s: one failure takes the zone off the Internet",
		              names.n, names.n == 1 ? "" : "s");
	else if (names.n < 3)
		e = audit_add(&c->findings, AUDIT_WARNING, "count", "few-nameservers",
		              "add a third nameserver (another network, another provider)",
		              "only 2 nameservers: while one is down the zone has no redundancy");
	for (size_t k = 0; e && k < names.n; k++)
		audit_finding_server(e, names.v[k]);
	sv_free(&names);
}

static void check_diversity(audit_ctx_t *c)
{
	audit_addr_t *addrs = calloc(c->ns ? c->ns : 1, sizeof(*addrs));
	size_t n = 0;
	if (addrs == NULL)
		return;
	for (size_t i = 0; i < c->ns; i++) {
		const audit_server_t *s = &c->s[i];
		audit_addr_t a = {.family = s->addr.ss_family, .label = s->label};
		if (a.family == AF_INET6)
			memcpy(a.a, &((const struct sockaddr_in6 *)&s->addr)->sin6_addr, 16);
		else
			memcpy(a.a, &((const struct sockaddr_in *)&s->addr)->sin_addr, 4);
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= addrs[k].family == a.family && memcmp(addrs[k].a, a.a, 16) == 0;
		if (!dup)
			addrs[n++] = a;
	}
	audit_rule_prefixes(addrs, n, &c->findings);
	if (c->asn == NULL) {
		audit_add(&c->findings, AUDIT_INFO, "diversity", "asn-skipped",
		          "give an offline prefix-to-ASN table with --asn-table FILE",
		          "ASN diversity not checked");
	} else if (n > 0) {
		uint32_t first = 0;
		bool one = true, unknown = false;
		audit_finding_t *un = NULL;
		for (size_t k = 0; k < n; k++) {
			uint32_t asn = audit_asn_lookup(c->asn, addrs[k].family, addrs[k].a);
			if (asn == 0) {
				unknown = true;
				if (un == NULL)
					un = audit_add(&c->findings, AUDIT_INFO, "diversity",
					               "asn-unknown",
					               "add the prefix to the --asn-table file",
					               "address not in the ASN table");
				audit_finding_server(un, addrs[k].label);
				continue;
			}
			if (first == 0)
				first = asn;
			else if (asn != first)
				one = false;
		}
		if (one && first && n >= 2 && !unknown) {
			audit_finding_t *e =
			    audit_add(&c->findings, AUDIT_WARNING, "diversity", "one-asn",
			              "put a nameserver in another autonomous system (another "
			              "provider): one network's outage takes all of them",
			              "every nameserver address is in AS%u", first);
			for (size_t k = 0; k < n; k++)
				audit_finding_server(e, addrs[k].label);
		}
	}
	free(addrs);
}

static void check_software(audit_ctx_t *c)
{
	const char *sw = NULL;
	size_t known = 0;
	bool same = true;
	for (size_t i = 0; i < c->ns; i++) {
		const audit_server_t *s = &c->s[i];
		if (!s->answers || !s->software[0] || strcmp(s->software, "unknown") == 0)
			continue;
		known++;
		if (sw == NULL)
			sw = s->software;
		else if (strcmp(sw, s->software) != 0)
			same = false;
	}
	if (known >= 2 && same) {
		audit_finding_t *e = audit_add(
		    &c->findings, AUDIT_WARNING, "diversity", "one-implementation",
		    "run a second implementation (BIND, Knot, NSD, PowerDNS, nsfleetd) on "
		    "some servers",
		    "every identified nameserver runs %s: a single software bug takes all of "
		    "them down",
		    sw);
		for (size_t i = 0; i < c->ns; i++)
			if (c->s[i].answers && strcmp(c->s[i].software, sw) == 0)
				audit_finding_server(e, c->s[i].label);
	}
}

/* The authoritative servers: their indexes; newest: of the newest serial. */
static size_t auth_servers(const audit_ctx_t *c, size_t *idx, bool newest_only, uint32_t newest)
{
	size_t n = 0;
	for (size_t i = 0; i < c->ns; i++)
		if (c->s[i].auth && (!newest_only || c->s[i].serial == newest))
			idx[n++] = i;
	return n;
}

static void check_serials(audit_ctx_t *c, uint32_t *newest, bool *have)
{
	uint32_t *ser = calloc(c->ns ? c->ns : 1, sizeof(*ser));
	size_t n = 0;
	if (ser == NULL)
		return;
	for (size_t i = 0; i < c->ns; i++)
		if (c->s[i].has_serial)
			ser[n++] = c->s[i].serial;
	*have = n > 0;
	if (n == 0) {
		free(ser);
		return;
	}
	*newest = audit_serial_newest(ser, n);
	free(ser);
	for (size_t i = 0; i < c->ns; i++) {
		const audit_server_t *s = &c->s[i];
		if (!s->has_serial || s->serial == *newest)
			continue;
		int64_t lag = audit_serial_lag(*newest, s->serial);
		audit_finding_t *e;
		if (lag > 0)
			e = audit_add(
			    &c->findings, AUDIT_WARNING, "serial", "serial-lag",
			    "check that this server gets NOTIFY and can transfer the zone "
			    "from its primary (ACL, TSIG key, firewall)",
			    "SOA serial %u is %lld behind the newest, %u", s->serial,
			    (long long)lag, *newest);
		else
			e = audit_add(&c->findings, AUDIT_WARNING, "serial", "serial-undefined",
			              "serials more than 2^31 apart cannot be ordered (RFC 1982): "
			              "reset the serial on every server",
			              "SOA serial %u cannot be compared with %u (RFC 1982)",
			              s->serial, *newest);
		audit_finding_server(e, s->label);
	}
}

static void check_ns(audit_ctx_t *c, const size_t *idx, size_t n)
{
	size_t *grp = calloc(n ? n : 1, sizeof(*grp)), ng = 0;
	if (grp == NULL)
		return;
	const char *ref = NULL;
	if (n > 0) {
		size_t best = group(c, idx, n, key_ns, 0, grp, &ng);
		ref = c->s[idx[best]].ns_set;
		for (size_t i = 0; i < n; i++) {
			if (grp[i] == grp[best])
				continue;
			char b1[300], b2[300];
			audit_finding_server(
			    audit_add(&c->findings, AUDIT_ERROR, "consistency", "ns-differ",
			              "every server must serve the same NS RRset: update the "
			              "zone where it differs",
			              "NS RRset is {%s}, the others serve {%s}",
			              short_text(c->s[idx[i]].ns_set, b1, sizeof(b1)),
			              short_text(ref, b2, sizeof(b2))),
			    c->s[idx[i]].label);
		}
	}
	free(grp);
	if (!c->has_parent) {
		audit_add(&c->findings, AUDIT_INFO, "parent", "parent-skipped",
		          "give --parent ADDR (a server of the parent zone) or --resolver ADDR",
		          "parent checks skipped: delegation NS, glue and DS not compared");
		return;
	}
	if (!c->parent_answered || c->parent_ns_set == NULL || !*c->parent_ns_set) {
		audit_add(&c->findings, AUDIT_ERROR, "parent", "no-delegation",
		          "ask the registrar / the parent's operator to delegate the zone",
		          "%s gave no delegation (NS) for %s", c->parent_label, c->zone_text);
		return;
	}
	if (ref && strcmp(ref, c->parent_ns_set) != 0) {
		char b1[300], b2[300];
		audit_finding_t *e = audit_add(
		    &c->findings, AUDIT_ERROR, "consistency", "ns-parent-child",
		    "make the delegation at the parent and the zone's NS RRset the same "
		    "(update one at the registrar or in the zone)",
		    "the parent delegates to {%s}, the zone's NS RRset is {%s}",
		    short_text(c->parent_ns_set, b1, sizeof(b1)), short_text(ref, b2, sizeof(b2)));
		audit_finding_server(e, c->parent_label);
	}
}

static long find_sample(const audit_ctx_t *c, const char *name, uint16_t type)
{
	uint8_t w[NAME_MAXLEN];
	size_t wl;
	if (name_from_text(name, strlen(name), NULL, w, &wl) != 0)
		return -1;
	for (size_t k = 0; k < c->nsamples; k++)
		if (c->samples[k].type == type && name_equal(c->samples[k].name, w))
			return (long)k;
	return -1;
}

/* The address RRs ("name A addr" lines) the zone serves for name: from
 * the answers most servers in idx agree on.  False when no server gave
 * an authoritative answer for them. */
static bool auth_addrs(const audit_ctx_t *c, const size_t *idx, size_t n, const char *name,
                       strv_t *out)
{
	static const uint16_t types[] = {RRTYPE_A, RRTYPE_AAAA};
	size_t *ok = calloc(n ? n : 1, sizeof(*ok)), *grp = calloc(n ? n : 1, sizeof(*grp)), ng;
	bool known = false;
	size_t nl = strlen(name);
	for (size_t t = 0; ok && grp && t < 2; t++) {
		long k = find_sample(c, name, types[t]);
		if (k < 0)
			continue;
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if ((size_t)k < c->s[idx[i]].nsq && c->s[idx[i]].sa[k].ok)
				ok[m++] = idx[i];
		if (m == 0)
			continue;
		size_t best = group(c, ok, m, key_sample, (size_t)k, grp, &ng);
		const char *key = c->s[ok[best]].sa[k].key;
		known = true;
		const char *p = key ? strstr(key, ": ") : NULL;
		if (p == NULL)
			continue; /* no data */
		for (p += 2; *p;) {
			const char *end = strstr(p, " | ");
			size_t len = end ? (size_t)(end - p) : strlen(p);
			char line[NAME_TEXT_MAXLEN + 80];
			if (len < sizeof(line) && len > nl && strncmp(p, name, nl) == 0 &&
			    (strncmp(p + nl, " A ", 3) == 0 || strncmp(p + nl, " AAAA ", 6) == 0)) {
				memcpy(line, p, len);
				line[len] = 0;
				sv_push(out, line);
			}
			p += len + (end ? 3 : 0);
		}
	}
	free(ok);
	free(grp);
	return known;
}

static bool sv_has(const strv_t *s, const char *t)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], t) == 0)
			return true;
	return false;
}

/* Glue (RFC 9471) against the zone: for every NS name inside the zone the
 * parent's A/AAAA glue must be the addresses the zone serves for it. */
static void check_glue(audit_ctx_t *c, const size_t *idx, size_t n)
{
	if (c->parent_ns_set == NULL)
		return;
	const char *p = c->parent_ns_set;
	while (*p) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char name[NAME_TEXT_MAXLEN];
		uint8_t w[NAME_MAXLEN];
		size_t wl;
		bool inside = len < sizeof(name);
		if (inside) {
			memcpy(name, p, len);
			name[len] = 0;
			inside = name_from_text(name, len, NULL, w, &wl) == 0 &&
			         name_is_below(w, c->zone);
		}
		p += len;
		while (*p == ' ')
			p++;
		strv_t glue = {0}, auth = {0}, extra = {0}, missing = {0};
		if (!inside || !auth_addrs(c, idx, n, name, &auth))
			goto next;
		for (size_t g = 0; g < c->nglue; g++)
			if (strncmp(c->glue[g], name, len) == 0 && c->glue[g][len] == ' ')
				sv_push(&glue, c->glue[g]);
		for (size_t i = 0; i < glue.n; i++)
			if (!sv_has(&auth, glue.v[i]))
				sv_push(&extra, glue.v[i]);
		for (size_t i = 0; i < auth.n; i++)
			if (!sv_has(&glue, auth.v[i]))
				sv_push(&missing, auth.v[i]);
		if (glue.n == 0 && auth.n > 0) {
			audit_finding_server(
			    audit_add(&c->findings, AUDIT_ERROR, "consistency", "glue-missing",
			              "add glue (the A/AAAA of the name) at the parent: a name "
			              "inside the zone cannot be resolved without it",
			              "the parent has no glue for %s, which is inside the zone",
			              name),
			    c->parent_label);
		} else if (extra.n || missing.n) {
			char *g = sv_join(&glue, ", "), *a = sv_join(&auth, ", ");
			char b1[400], b2[400];
			audit_finding_server(
			    audit_add(
			        &c->findings, extra.n ? AUDIT_ERROR : AUDIT_WARNING, "consistency",
			        extra.n ? "glue-mismatch" : "glue-incomplete",
			        "make the glue at the parent (registrar) the addresses the zone "
			        "serves for the name",
			        "glue at the parent is {%s}, the zone serves {%s}",
			        short_text(g, b1, sizeof(b1)), short_text(a, b2, sizeof(b2))),
			    c->parent_label);
			free(g);
			free(a);
		}
	next:
		sv_free(&glue);
		sv_free(&auth);
		sv_free(&extra);
		sv_free(&missing);
	}
}

static void check_records(audit_ctx_t *c, const size_t *idx, size_t n, const bool *skip)
{
	size_t *grp = calloc(n ? n : 1, sizeof(*grp)), ng;
	size_t *okidx = calloc(n ? n : 1, sizeof(*okidx));
	if (grp == NULL || okidx == NULL)
		goto out;
	for (size_t k = 0; k < c->nsamples; k++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (k < c->s[idx[i]].nsq && c->s[idx[i]].sa[k].ok)
				okidx[m++] = idx[i];
		if (m == 0)
			continue;
		char name[NAME_TEXT_MAXLEN], type[RRTYPE_TEXT_MAXLEN];
		name_to_text(c->samples[k].name, name, sizeof(name));
		rrtype_to_text(c->samples[k].type, type, sizeof(type));
		size_t best = group(c, okidx, m, key_sample, k, grp, &ng);
		const audit_answer_t *ref = &c->s[okidx[best]].sa[k];
		for (size_t i = 0; i < m; i++) {
			const audit_server_t *s = &c->s[okidx[i]];
			if (grp[i] != grp[best]) {
				if (skip[okidx[i]])
					continue;
				char b1[400], b2[400];
				audit_finding_server(
				    audit_add(
				        &c->findings, AUDIT_ERROR, "consistency", "record-differ",
				        "the servers serve different data at the same serial: "
				        "reload or re-transfer the zone on this server (and "
				        "increase the serial with every change)",
				        "%s %s differs at serial %u: %s, the others serve %s", name,
				        type, s->serial, short_text(s->sa[k].key, b1, sizeof(b1)),
				        short_text(ref->key, b2, sizeof(b2))),
				    s->label);
				continue;
			}
			if (ref->has_ttl && s->sa[k].has_ttl && s->sa[k].ttl != ref->ttl)
				audit_finding_server(
				    audit_add(&c->findings, AUDIT_WARNING, "ttl", "ttl-differ",
				              "serve one TTL everywhere: reload the zone on this "
				              "server",
				              "%s %s has TTL %u here, %u on the others", name, type,
				              s->sa[k].ttl, ref->ttl),
				    s->label);
		}
	}
out:
	free(grp);
	free(okidx);
}

static void check_ttls(audit_ctx_t *c, const size_t *idx, size_t n)
{
	for (size_t k = 0; k < c->nsamples; k++) {
		if (!c->samples[k].critical)
			continue;
		char name[NAME_TEXT_MAXLEN], type[RRTYPE_TEXT_MAXLEN];
		name_to_text(c->samples[k].name, name, sizeof(name));
		/* www A and www AAAA both show the CNAME of www: report it once */
		bool alias_seen = false;
		for (size_t j = 0; j < k; j++)
			if (c->samples[j].critical &&
			    name_equal(c->samples[j].name, c->samples[k].name))
				for (size_t i = 0; i < n; i++)
					alias_seen |= j < c->s[idx[i]].nsq &&
					              c->s[idx[i]].sa[j].ttl_type == RRTYPE_CNAME;
		if (alias_seen)
			continue;
		/* each distinct TTL once, with the servers serving it */
		for (size_t i = 0; i < n; i++) {
			const audit_answer_t *a = &c->s[idx[i]].sa[k];
			if (k >= c->s[idx[i]].nsq || !a->ok || !a->has_ttl)
				continue;
			bool done = false;
			for (size_t j = 0; j < i; j++) {
				const audit_answer_t *b = &c->s[idx[j]].sa[k];
				done |= k < c->s[idx[j]].nsq && b->ok && b->has_ttl &&
				        b->ttl == a->ttl && b->ttl_type == a->ttl_type;
			}
			int sev = audit_rule_ttl(a->ttl);
			if (done || sev < 0)
				continue;
			rrtype_to_text(a->ttl_type, type, sizeof(type));
			audit_finding_t *e =
			    sev == AUDIT_WARNING
			        ? audit_add(&c->findings, AUDIT_WARNING, "ttl", "ttl-day",
			                    "lower the TTL to 300..3600 s: after a change or a "
			                    "failover, resolvers keep the old data a day or more",
			                    "%s %s has TTL %u (a day or more)", name, type, a->ttl)
			        : audit_add(&c->findings, AUDIT_INFO, "ttl", "ttl-failover",
			                    "a TTL of 300 s or less lets a failover take effect "
			                    "in minutes",
			                    "%s %s has TTL %u: moving it takes up to that long",
			                    name, type, a->ttl);
			for (size_t j = i; j < n; j++) {
				const audit_answer_t *b = &c->s[idx[j]].sa[k];
				if (k < c->s[idx[j]].nsq && b->ok && b->has_ttl &&
				    b->ttl == a->ttl && b->ttl_type == a->ttl_type)
					audit_finding_server(e, c->s[idx[j]].label);
			}
		}
	}
}

static void check_timers(audit_ctx_t *c, const size_t *idx, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const audit_server_t *s = &c->s[idx[i]];
		bool done = false;
		for (size_t j = 0; j < i; j++) {
			const audit_server_t *t = &c->s[idx[j]];
			done |= t->soa_refresh == s->soa_refresh && t->soa_retry == s->soa_retry &&
			        t->soa_expire == s->soa_expire && t->soa_minimum == s->soa_minimum;
		}
		if (done)
			continue;
		const char **labels = calloc(n, sizeof(*labels));
		size_t nl = 0;
		if (labels == NULL)
			return;
		for (size_t j = i; j < n; j++) {
			const audit_server_t *t = &c->s[idx[j]];
			if (t->soa_refresh == s->soa_refresh && t->soa_retry == s->soa_retry &&
			    t->soa_expire == s->soa_expire && t->soa_minimum == s->soa_minimum)
				labels[nl++] = t->label;
		}
		audit_rule_soa_timers(s->soa_refresh, s->soa_retry, s->soa_expire, s->soa_minimum,
		                      labels, nl, &c->findings);
		free(labels);
	}
}

static void check_exposure(audit_ctx_t *c)
{
	for (size_t i = 0; i < c->ns; i++) {
		const audit_server_t *s = &c->s[i];
		if (c->tsig && s->auth && !s->axfr_tsig_ok)
			audit_finding_server(
			    audit_add(&c->findings, AUDIT_INFO, "consistency", "axfr-tsig-refused",
			              "allow AXFR with this key to the auditing host to compare "
			              "the whole zone",
			              "no verified AXFR with the TSIG key (%s): whole zone not "
			              "compared, names sampled instead",
			              s->q[AP_AXFR_TSIG].status != AUDIT_Q_OK
			                  ? (s->q[AP_AXFR_TSIG].why[0] ? s->q[AP_AXFR_TSIG].why
			                                               : "no answer")
			                  : "refused or not verified"),
			    s->label);
		if (s->axfr_ok)
			audit_finding_server(
			    audit_add(&c->findings, AUDIT_WARNING, "exposure", "axfr-open",
			              "allow AXFR only to the secondaries, with TSIG (RFC 8945): "
			              "anyone can list every name of the zone",
			              "AXFR of the whole zone is open to this host, without TSIG"),
			    s->label);
		msg_t m;
		if (audit_query_msg(&s->q[AP_RECURSE], &m) != 0)
			continue;
		bool ra = (m.flags & MSG_FLAG_RA) != 0;
		bool answered = msg_rcode(&m) == MSG_RCODE_NOERROR && m.count[MSG_SEC_ANSWER] > 0;
		if (ra || answered)
			audit_finding_server(
			    audit_add(&c->findings, AUDIT_WARNING, "exposure", "recursion",
			              "turn recursion off on authoritative servers: an open "
			              "resolver serves amplification attacks and cache poisoning",
			              "recursion offered: %s",
			              answered ? "answers a name outside the zone"
			                       : "RA flag set in the answer"),
			    s->label);
	}
}

/* RRSIG expiration of the answers of a query: the smallest left. */
static bool sig_min(const audit_ctx_t *c, const audit_query_t *q, int64_t *left)
{
	msg_t m;
	bool any = false;
	if (audit_query_msg(q, &m) != 0)
		return false;
	msg_iter_t it;
	msg_rr_t rr;
	msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
	while (msg_rr_next(&it, &rr, rdbuf, sizeof(rdbuf)) == 0) {
		if (rr.type != RRTYPE_RRSIG || rr.rdlen < 18)
			continue;
		int64_t l = audit_sig_left(wire_get_u32(rr.rdata + 8), c->now);
		if (!any || l < *left)
			*left = l;
		any = true;
	}
	return any;
}

static void check_dnssec(audit_ctx_t *c, const size_t *idx, size_t n)
{
	const audit_server_t *signer = NULL;
	for (size_t i = 0; i < n; i++)
		if (c->s[idx[i]].dnskey_set && *c->s[idx[i]].dnskey_set)
			signer = &c->s[idx[i]];
	if (signer == NULL) {
		if (c->nds > 0) {
			audit_finding_t *e = audit_add(
			    &c->findings, AUDIT_ERROR, "dnssec", "ds-unsigned",
			    "remove the DS at the parent or serve the signed zone: validating "
			    "resolvers fail the whole zone (SERVFAIL)",
			    "the parent has a DS for the zone but no server serves a DNSKEY");
			audit_finding_server(e, c->parent_label);
		}
		return;
	}
	/* compared among the servers whose DNSKEY answer came (over TCP: a
	 * server without TCP is the no-tcp finding's) */
	size_t *grp = calloc(n, sizeof(*grp)), *kidx = calloc(n, sizeof(*kidx)), ng, nk = 0;
	if (grp == NULL || kidx == NULL) {
		free(grp);
		free(kidx);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (c->s[idx[i]].dnskey_set)
			kidx[nk++] = idx[i];
	size_t best = group(c, kidx, nk, key_dnskey, 0, grp, &ng);
	/* the DS check uses the keys most servers serve */
	if (nk && c->s[kidx[best]].dnskey_set && *c->s[kidx[best]].dnskey_set)
		signer = &c->s[kidx[best]];
	for (size_t i = 0; i < nk; i++)
		if (grp[i] != grp[best])
			audit_finding_server(
			    audit_add(&c->findings, AUDIT_ERROR, "dnssec", "dnskey-differ",
			              "serve one DNSKEY RRset everywhere (re-transfer the signed "
			              "zone): resolvers may get keys that do not match the "
			              "signatures",
			              "the DNSKEY RRset differs from the other servers'"),
			    c->s[kidx[i]].label);
	free(grp);
	free(kidx);
	for (size_t i = 0; i < n; i++) {
		const audit_server_t *s = &c->s[idx[i]];
		int64_t l1 = 0, l2 = 0, left;
		bool h1 = sig_min(c, &s->q[AP_SOA_UDP], &l1),
		     h2 = sig_min(c, &s->q[AP_DNSKEY], &l2);
		if (!h1 && !h2)
			continue;
		left = !h1 ? l2 : !h2 ? l1 : (l1 < l2 ? l1 : l2);
		int sev = audit_rule_sig_left(left);
		if (sev < 0)
			continue;
		audit_finding_server(
		    audit_add(&c->findings, (audit_sev_t)sev, "dnssec", "rrsig-expiry",
		              "re-sign the zone (check the signer runs and the secondaries "
		              "transfer the new signatures)",
		              left < 0 ? "RRSIGs expired %lld hours ago"
		                       : "RRSIGs expire in %lld hours",
		              (long long)(left < 0 ? -left : left) / 3600),
		    s->label);
	}
	if (!c->has_parent || !c->ds_asked)
		return;
	if (c->nds == 0) {
		audit_finding_server(
		    audit_add(&c->findings, AUDIT_INFO, "dnssec", "no-ds",
		              "publish a DS at the parent (registrar) to make validators use "
		              "the signatures",
		              "the zone is signed but the parent has no DS: validators treat it "
		              "as unsigned"),
		    c->parent_label);
		return;
	}
	/* a DS must match a DNSKEY of the zone (RFC 4034 §5.2) */
	msg_t m;
	bool match = false;
	if (audit_query_msg(&signer->q[AP_DNSKEY], &m) == 0) {
		msg_iter_t it;
		msg_rr_t rr;
		msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
		while (!match && msg_rr_next(&it, &rr, rdbuf, sizeof(rdbuf)) == 0) {
			if (rr.type != RRTYPE_DNSKEY || rr.rdlen < 4)
				continue;
			uint16_t tag = audit_key_tag(rr.rdata, rr.rdlen);
			for (size_t d = 0; d < c->nds && !match; d++) {
				const uint8_t *ds = c->ds[d];
				if (c->ds_len[d] < 4 || wire_get_u16(ds) != tag ||
				    ds[2] != rr.rdata[3])
					continue;
				uint8_t dg[64];
				size_t dl;
				if (audit_ds_digest(c->zone, rr.rdata, rr.rdlen, ds[3], dg, &dl) ==
				        0 &&
				    dl == c->ds_len[d] - 4 && memcmp(dg, ds + 4, dl) == 0)
					match = true;
			}
		}
	}
	if (!match)
		audit_finding_server(
		    audit_add(&c->findings, AUDIT_ERROR, "dnssec", "ds-no-match",
		              "publish the DS of the zone's current KSK at the parent: "
		              "validating resolvers fail the zone (SERVFAIL)",
		              "no DS at the parent matches a DNSKEY of the zone"),
		    c->parent_label);
}

/* ------------------------------------------------- whole-zone by AXFR */

static void no_report(void *ctx, const char *file, unsigned line, unsigned col, zone_sev_t sev,
                      const char *msg)
{
	(void)ctx, (void)file, (void)line, (void)col, (void)sev, (void)msg;
}

const audit_query_t *audit_zone_axfr(const audit_server_t *s)
{
	if (s->axfr_tsig_ok)
		return &s->q[AP_AXFR_TSIG];
	if (s->axfr_ok)
		return &s->q[AP_AXFR];
	return NULL;
}

static zone_t *axfr_zone(const audit_ctx_t *c, const audit_server_t *s)
{
	const audit_query_t *q = audit_zone_axfr(s);
	if (q == NULL)
		return NULL;
	zone_builder_t *b = zone_builder_new(c->zone, s->label, no_report, NULL);
	if (b == NULL)
		return NULL;
	size_t soas = 0;
	for (size_t k = 0; k < q->nmsgs; k++) {
		msg_t m;
		if (msg_parse(&m, q->msgs[k], q->msg_lens[k]) != 0)
			continue;
		msg_iter_t it;
		msg_rr_t rr;
		msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
		while (msg_rr_next(&it, &rr, rdbuf, sizeof(rdbuf)) == 0) {
			if (rr.type == RRTYPE_SOA && soas++ > 0)
				break;
			(void)zone_builder_add(b, rr.owner, rr.type, rr.ttl, rr.rdata, rr.rdlen,
			                       NULL, 0, 0);
		}
	}
	zone_t *z = NULL;
	(void)zone_builder_finish(b, &z);
	zone_builder_free(b);
	return z;
}

static void check_axfr_zones(audit_ctx_t *c, const size_t *idx, size_t n, bool *compared)
{
	const audit_server_t *ref = NULL;
	zone_t *rz = NULL;
	for (size_t i = 0; i < n && ref == NULL; i++)
		if ((rz = axfr_zone(c, &c->s[idx[i]])) != NULL)
			ref = &c->s[idx[i]];
	if (ref == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		audit_server_t *s = &c->s[idx[i]];
		if (s == ref || audit_zone_axfr(s) == NULL)
			continue;
		zone_t *z = axfr_zone(c, s);
		if (z == NULL)
			continue;
		changeset_t cs;
		changeset_init(&cs);
		compared[idx[i]] = true;
		if (changeset_diff(rz, z, &cs) == 0 && (cs.nremoved || cs.nadded)) {
			char first[1500] = "";
			const changeset_rr_t *r = cs.nadded ? &cs.added[0] : &cs.removed[0];
			char owner[NAME_TEXT_MAXLEN], type[RRTYPE_TEXT_MAXLEN], rd[400];
			name_to_text(r->owner, owner, sizeof(owner));
			rrtype_to_text(r->type, type, sizeof(type));
			if (rdata_to_text(r->type, r->rdata, r->rdlen, rd, sizeof(rd)) < 0)
				snprintf(rd, sizeof(rd), "...");
			if (snprintf(first, sizeof(first), "%s %s %u %s %s",
			             cs.nadded ? "has" : "lacks", owner, r->ttl, type, rd) < 0)
				first[0] = 0;
			audit_finding_server(
			    audit_add(&c->findings, AUDIT_ERROR, "consistency", "zone-differ",
			              "the servers serve different zones at the same serial: "
			              "re-transfer the zone on this server",
			              "by AXFR, the zone differs from %s's at serial %u: %zu RRs "
			              "more, %zu fewer (e.g. it %s)",
			              ref->label, s->serial, cs.nadded, cs.nremoved, first),
			    s->label);
		}
		changeset_free(&cs);
		zone_free(z);
	}
	compared[ref - c->s] = true;
	zone_free(rz);
}

void audit_check_fleet(audit_ctx_t *c)
{
	for (size_t i = 0; i < c->ns; i++)
		check_lame(c, &c->s[i]);
	check_count(c);
	check_diversity(c);
	check_software(c);
	uint32_t newest = 0;
	bool have = false;
	check_serials(c, &newest, &have);
	size_t *idx = calloc(c->ns ? c->ns : 1, sizeof(*idx));
	bool *compared = calloc(c->ns ? c->ns : 1, sizeof(*compared));
	if (idx == NULL || compared == NULL) {
		free(idx);
		free(compared);
		return;
	}
	size_t na = auth_servers(c, idx, false, 0);
	/* the NS comparison among servers whose NS answer came */
	size_t *nsidx = calloc(na ? na : 1, sizeof(*nsidx)), nns = 0;
	for (size_t i = 0; nsidx && i < na; i++)
		if (c->s[idx[i]].ns_set)
			nsidx[nns++] = idx[i];
	check_ns(c, nsidx ? nsidx : idx, nsidx ? nns : 0);
	free(nsidx);
	check_timers(c, idx, na);
	check_ttls(c, idx, na);
	check_exposure(c);
	if (have) {
		size_t nn = auth_servers(c, idx, true, newest);
		check_glue(c, idx, nn);
		check_axfr_zones(c, idx, nn, compared);
		bool *skip = calloc(c->ns, sizeof(*skip));
		if (skip) {
			/* a server whose whole zone was compared by AXFR and found
			 * different is already reported */
			for (size_t i = 0; i < c->findings.n; i++)
				if (strcmp(c->findings.v[i].code, "zone-differ") == 0)
					for (size_t j = 0; j < c->ns; j++)
						for (size_t k = 0; k < c->findings.v[i].nservers;
						     k++)
							if (strcmp(c->findings.v[i].servers[k],
							           c->s[j].label) == 0)
								skip[j] = true;
			check_records(c, idx, nn, skip);
			free(skip);
		}
		check_dnssec(c, idx, nn);
	}
	free(idx);
	free(compared);
}
