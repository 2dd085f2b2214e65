/* nsfleet audit: the report, as text grouped by severity or as JSON. */
#include <string.h>

#include "tools/audit.h"

#define RED    "\033[1;31m"
#define YELLOW "\033[1;33m"
#define BLUE   "\033[1;34m"
#define BOLD   "\033[1m"
#define RESET  "\033[0m"

static const char *from_text(unsigned from, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s%s", from & AUDIT_FROM_CLI ? "--ns " : "",
	         from & AUDIT_FROM_CHILD ? "zone-NS " : "",
	         from & AUDIT_FROM_PARENT ? "parent " : "", from ? "" : "-");
	size_t l = strlen(buf);
	if (l && buf[l - 1] == ' ')
		buf[l - 1] = 0;
	return buf;
}

void audit_report_text(const audit_ctx_t *c, FILE *out, bool colour)
{
	fprintf(out, "%saudit of %s%s: %zu nameserver address%s\n", colour ? BOLD : "",
	        c->zone_text, colour ? RESET : "", c->ns, c->ns == 1 ? "" : "es");
	for (size_t i = 0; i < c->ns; i++) {
		const audit_server_t *s = &c->s[i];
		char from[64];
		fprintf(out, "  %s  ", s->label);
		if (!s->answers)
			fprintf(out, "no answer");
		else if (!s->auth)
			fprintf(out, "not authoritative");
		else
			fprintf(out, "serial %u", s->serial);
		fprintf(out, ", software %s", s->software[0] ? s->software : "-");
		if (s->software_by && strcmp(s->software_by, "behaviour") == 0)
			fprintf(out, " (by behaviour)");
		if (s->version[0])
			fprintf(out, " (version.bind \"%s\")", s->version);
		if (s->nsid[0])
			fprintf(out, ", NSID \"%s\"", s->nsid);
		fprintf(out, ", from %s\n", from_text(s->from, from, sizeof(from)));
	}
	static const struct {
		audit_sev_t sev;
		const char *title, *col;
	} order[] = {{AUDIT_ERROR, "errors", RED},
	             {AUDIT_WARNING, "warnings", YELLOW},
	             {AUDIT_INFO, "info", BLUE}};
	for (size_t o = 0; o < 3; o++) {
		size_t n = audit_count(&c->findings, order[o].sev);
		if (n == 0)
			continue;
		fprintf(out, "\n%s%s (%zu)%s\n", colour ? order[o].col : "", order[o].title, n,
		        colour ? RESET : "");
		for (size_t i = 0; i < c->findings.n; i++) {
			const audit_finding_t *f = &c->findings.v[i];
			if (f->sev != order[o].sev)
				continue;
			fprintf(out, "  %s%s%s [%s/%s] %s\n", colour ? order[o].col : "",
			        audit_sev_name(f->sev), colour ? RESET : "", f->check, f->code,
			        f->msg);
			if (f->nservers) {
				fprintf(out, "      servers:");
				for (size_t k = 0; k < f->nservers; k++)
					fprintf(out, "%s %s", k ? "," : "", f->servers[k]);
				fputc('\n', out);
			}
			if (f->advice)
				fprintf(out, "      advice: %s\n", f->advice);
		}
	}
	size_t e = audit_count(&c->findings, AUDIT_ERROR),
	       w = audit_count(&c->findings, AUDIT_WARNING),
	       n = audit_count(&c->findings, AUDIT_INFO);
	fprintf(out, "\n%s: %zu error%s, %zu warning%s, %zu info\n", c->zone_text, e,
	        e == 1 ? "" : "s", w, w == 1 ? "" : "s", n);
}

json_t *audit_report_json(const audit_ctx_t *c)
{
	json_t *servers = json_array();
	for (size_t i = 0; i < c->ns; i++) {
		const audit_server_t *s = &c->s[i];
		json_t *from = json_array();
		if (s->from & AUDIT_FROM_CLI)
			json_array_append_new(from, json_string("cli"));
		if (s->from & AUDIT_FROM_CHILD)
			json_array_append_new(from, json_string("zone"));
		if (s->from & AUDIT_FROM_PARENT)
			json_array_append_new(from, json_string("parent"));
		json_t *o = json_pack(
		    "{s:s, s:s, s:s, s:i, s:o, s:b, s:b, s:o, s:s}", "label", s->label, "name",
		    s->nsname, "address", s->addrtext, "port", (int)s->port, "from", from,
		    "answers", s->answers, "authoritative", s->auth, "serial",
		    s->has_serial ? json_integer(s->serial) : json_null(), "software", s->software);
		if (o == NULL)
			continue;
		if (s->version[0])
			json_object_set_new(o, "version", json_string(s->version));
		if (s->ident[0])
			json_object_set_new(o, "id_server", json_string(s->ident));
		if (s->nsid[0])
			json_object_set_new(o, "nsid", json_string(s->nsid));
		json_object_set_new(o, "software_by",
		                    s->software_by ? json_string(s->software_by) : json_null());
		json_object_set_new(o, "axfr_open", json_boolean(s->axfr_ok));
		json_object_set_new(o, "axfr_tsig", json_boolean(s->axfr_tsig_ok));
		json_array_append_new(servers, o);
	}
	json_t *findings = json_array();
	for (size_t i = 0; i < c->findings.n; i++) {
		const audit_finding_t *f = &c->findings.v[i];
		json_t *sv = json_array();
		for (size_t k = 0; k < f->nservers; k++)
			json_array_append_new(sv, json_string(f->servers[k]));
		json_t *o =
		    json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "severity", audit_sev_name(f->sev),
		              "check", f->check, "code", f->code, "message", f->msg, "servers", sv,
		              "advice", f->advice ? json_string(f->advice) : json_null());
		if (o)
			json_array_append_new(findings, o);
	}
	json_t *parent = c->has_parent ? json_pack("{s:s, s:b, s:o}", "server", c->parent_label + 7,
	                                           "answered", c->parent_answered, "ns",
	                                           c->parent_ns_set ? json_string(c->parent_ns_set)
	                                                            : json_null())
	                               : json_null();
	return json_pack("{s:s, s:o, s:o, s:o, s:{s:I, s:I, s:I}, s:i}", "zone", c->zone_text,
	                 "servers", servers, "parent", parent, "findings", findings, "summary",
	                 "errors", (json_int_t)audit_count(&c->findings, AUDIT_ERROR), "warnings",
	                 (json_int_t)audit_count(&c->findings, AUDIT_WARNING), "info",
	                 (json_int_t)audit_count(&c->findings, AUDIT_INFO), "exit",
	                 audit_exit_status(&c->findings));
}
