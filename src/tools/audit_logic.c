/*
 * The audit's pure rules: no I/O, so each is a table-driven unit test
 * (tests/unit/test_audit.c).  The thresholds and why they were chosen are
 * in doc/nsfleet-audit.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "tools/audit.h"
#include "zone/serial.h"

/* ------------------------------------------------------------ findings */

audit_finding_t *audit_add(audit_findings_t *f, audit_sev_t sev, const char *check,
                           const char *code, const char *advice, const char *fmt, ...)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		audit_finding_t *v = realloc(f->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		f->v = v;
		f->cap = cap;
	}
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	audit_finding_t *e = &f->v[f->n];
	memset(e, 0, sizeof(*e));
	e->sev = sev;
	e->check = strdup(check);
	e->code = strdup(code);
	e->msg = strdup(msg);
	e->advice = advice ? strdup(advice) : NULL;
	if (!e->check || !e->code || !e->msg || (advice && !e->advice)) {
		free(e->check);
		free(e->code);
		free(e->msg);
		free(e->advice);
		return NULL;
	}
	f->n++;
	return e;
}

void audit_finding_server(audit_finding_t *f, const char *label)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nservers; i++)
		if (strcmp(f->servers[i], label) == 0)
			return;
	char **v = realloc(f->servers, (f->nservers + 1) * sizeof(*v));
	if (v == NULL)
		return;
	f->servers = v;
	if ((v[f->nservers] = strdup(label)) != NULL)
		f->nservers++;
}

void audit_findings_free(audit_findings_t *f)
{
	for (size_t i = 0; i < f->n; i++) {
		audit_finding_t *e = &f->v[i];
		free(e->check);
		free(e->code);
		free(e->msg);
		free(e->advice);
		for (size_t j = 0; j < e->nservers; j++)
			free(e->servers[j]);
		free(e->servers);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

size_t audit_count(const audit_findings_t *f, audit_sev_t sev)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].sev == sev;
	return n;
}

int audit_exit_status(const audit_findings_t *f)
{
	if (audit_count(f, AUDIT_ERROR))
		return AUDIT_EXIT_ERROR;
	if (audit_count(f, AUDIT_WARNING))
		return AUDIT_EXIT_WARN;
	return AUDIT_EXIT_OK;
}

const char *audit_sev_name(audit_sev_t sev)
{
	switch (sev) {
	case AUDIT_ERROR:
		return "error";
	case AUDIT_WARNING:
		return "warning";
	default:
		return "info";
	}
}

/* ----------------------------------------------------------- diversity */

/* The /24 of an IPv4 or the /48 of an IPv6 address, as 7 comparable octets
 * (family first). */
static void prefix_key(const audit_addr_t *a, uint8_t key[7])
{
	memset(key, 0, 7);
	key[0] = (uint8_t)a->family;
	memcpy(key + 1, a->a, a->family == AF_INET6 ? 6 : 3);
}

void audit_rule_prefixes(const audit_addr_t *addrs, size_t n, audit_findings_t *f)
{
	if (n < 2)
		return; /* the count check speaks for one address */
	size_t distinct = 0;
	uint8_t(*keys)[7] = calloc(n, 7);
	if (keys == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		uint8_t k[7];
		prefix_key(&addrs[i], k);
		size_t j;
		for (j = 0; j < distinct; j++)
			if (memcmp(keys[j], k, 7) == 0)
				break;
		if (j == distinct)
			memcpy(keys[distinct++], k, 7);
	}
	free(keys);
	audit_finding_t *e = NULL;
	if (distinct == 1)
		e = audit_add(f, AUDIT_ERROR, "diversity", "one-prefix",
		              "put nameservers on different networks (another provider, "
		              "another site): one routing problem or outage takes all of them",
		              "all %zu nameserver addresses are in one %s", n,
		              addrs[0].family == AF_INET6 ? "IPv6 /48" : "IPv4 /24");
	else if (distinct < 3)
		e = audit_add(f, AUDIT_WARNING, "diversity", "few-prefixes",
		              "spread nameservers over at least three networks",
		              "the %zu nameserver addresses are in only %zu network prefixes "
		              "(IPv4 /24, IPv6 /48)",
		              n, distinct);
	for (size_t i = 0; e && i < n; i++)
		audit_finding_server(e, addrs[i].label);
}

/* -------------------------------------------------------------- serial */

int64_t audit_serial_lag(uint32_t ref, uint32_t s)
{
	switch (serial_compare(s, ref)) {
	case SERIAL_EQ:
		return 0;
	case SERIAL_LT:
		return (int64_t)(uint32_t)(ref - s);
	default:
		return -1;
	}
}

uint32_t audit_serial_newest(const uint32_t *serials, size_t n)
{
	uint32_t best = serials[0];
	for (size_t i = 1; i < n; i++)
		if (serial_compare(serials[i], best) == SERIAL_GT)
			best = serials[i];
	return best;
}

/* ----------------------------------------------------------------- TTL */

int audit_rule_ttl(uint32_t ttl)
{
	if (ttl >= AUDIT_TTL_DAY)
		return AUDIT_WARNING;
	if (ttl > AUDIT_TTL_FAILOVER)
		return AUDIT_INFO;
	return -1;
}

static void with_labels(audit_finding_t *e, const char *const *labels, size_t n)
{
	for (size_t i = 0; e && i < n; i++)
		audit_finding_server(e, labels[i]);
}

void audit_rule_soa_timers(uint32_t refresh, uint32_t retry, uint32_t expire, uint32_t minimum,
                           const char *const *labels, size_t nlabels, audit_findings_t *f)
{
	if (refresh < 1200 || refresh > 43200)
		with_labels(
		    audit_add(f, AUDIT_WARNING, "soa-timers", "soa-refresh",
		              "use a refresh of about 3600 s (NOTIFY makes changes fast; "
		              "refresh is the fallback)",
		              "SOA refresh is %u s, far from the usual 3600 s (1200..43200)",
		              refresh),
		    labels, nlabels);
	if (retry >= refresh)
		with_labels(audit_add(f, AUDIT_WARNING, "soa-timers", "soa-retry-above-refresh",
		                      "retry must be shorter than refresh (RFC 1912 §2.2); about "
		                      "900 s is usual",
		                      "SOA retry (%u s) is not shorter than refresh (%u s)", retry,
		                      refresh),
		            labels, nlabels);
	else if (retry < 120)
		with_labels(
		    audit_add(f, AUDIT_WARNING, "soa-timers", "soa-retry-short",
		              "use a retry of about 900 s",
		              "SOA retry is %u s: secondaries hammer an unreachable primary",
		              retry),
		    labels, nlabels);
	if (expire <= refresh)
		with_labels(audit_add(f, AUDIT_ERROR, "soa-timers", "soa-expire-below-refresh",
		                      "expire must be well above refresh: 1 to 4 weeks is usual",
		                      "SOA expire (%u s) is not above refresh (%u s): secondaries "
		                      "drop the zone before they even retry",
		                      expire, refresh),
		            labels, nlabels);
	else if (expire < 86400 || expire < 7 * (uint64_t)refresh)
		with_labels(audit_add(f, AUDIT_WARNING, "soa-timers", "soa-expire-short",
		                      "use an expire of 1 to 4 weeks (at least 86400 s and many "
		                      "refresh periods)",
		                      "SOA expire is %u s: a primary outage longer than that takes "
		                      "every secondary down",
		                      expire),
		            labels, nlabels);
	if (minimum > 86400)
		with_labels(audit_add(f, AUDIT_WARNING, "soa-timers", "soa-negative-ttl-long",
		                      "use a negative TTL of 300 to 3600 s (RFC 2308 §5 caps it at "
		                      "a day)",
		                      "SOA negative TTL is %u s: a name added later stays unknown "
		                      "(NXDOMAIN cached) for more than a day",
		                      minimum),
		            labels, nlabels);
	else if (minimum > 10800)
		with_labels(audit_add(f, AUDIT_INFO, "soa-timers", "soa-negative-ttl",
		                      "a negative TTL of 300 to 3600 s is usual",
		                      "SOA negative TTL is %u s: new names take hours to be seen",
		                      minimum),
		            labels, nlabels);
}

/* -------------------------------------------------------------- DNSSEC */

int64_t audit_sig_left(uint32_t expiration, uint64_t now)
{
	/* RFC 4034 §3.1.5: 32-bit times compared with serial arithmetic */
	return (int64_t)(int32_t)(expiration - (uint32_t)now);
}

int audit_rule_sig_left(int64_t left)
{
	if (left < 86400)
		return AUDIT_ERROR;
	if (left < 7 * 86400)
		return AUDIT_WARNING;
	return -1;
}

int audit_ds_digest(const uint8_t *owner, const uint8_t *dnskey, size_t dnskey_len,
                    uint8_t digest_type, uint8_t *out, size_t *outlen)
{
	const EVP_MD *md;
	switch (digest_type) {
	case 1:
		md = EVP_sha1();
		break;
	case 2:
		md = EVP_sha256();
		break;
	case 4:
		md = EVP_sha384();
		break;
	default:
		return ERR_INVAL;
	}
	if (dnskey_len < 4)
		return ERR_MALFORMED;
	uint8_t lower[NAME_MAXLEN];
	size_t olen = name_length(owner);
	memcpy(lower, owner, olen);
	name_to_lower(lower);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned len = 0;
	int ok = c && EVP_DigestInit_ex(c, md, NULL) && EVP_DigestUpdate(c, lower, olen) &&
	         EVP_DigestUpdate(c, dnskey, dnskey_len) && EVP_DigestFinal_ex(c, out, &len);
	EVP_MD_CTX_free(c);
	if (!ok)
		return -ENOMEM;
	*outlen = len;
	return 0;
}

uint16_t audit_key_tag(const uint8_t *k, size_t len)
{
	uint32_t ac = 0;
	for (size_t i = 0; i < len; i++)
		ac += (i & 1) ? k[i] : (uint32_t)k[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}
