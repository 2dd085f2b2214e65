/* Loading a zone file for the CLI: scanner -> builder, problems kept. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "zone/zone_file.h"
#include "tools/tool.h"

void tool_problems_add(tool_problems_t *p, const char *file, unsigned line, unsigned col,
		       zone_sev_t sev, const char *msg)
{
	if (sev == ZONE_ERROR)
		p->errors++;
	else if (sev == ZONE_WARNING)
		p->warnings++;
	if (p->n >= TOOL_MAX_PROBLEMS) {
		p->dropped++;
		return;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		tool_problem_t *v = realloc(p->v, cap * sizeof(*v));
		if (v == NULL) {
			p->dropped++;
			return;
		}
		p->v = v;
		p->cap = cap;
	}
	tool_problem_t *e = &p->v[p->n];
	e->file = strdup(file ? file : "-");
	e->msg = strdup(msg);
	if (e->file == NULL || e->msg == NULL) {
		free(e->file);
		free(e->msg);
		p->dropped++;
		return;
	}
	e->line = line;
	e->col = col;
	e->sev = sev;
	e->seq = p->n++;
}

/* qsort context: the order in which files were first named */
static const tool_problems_t *sort_set;

static size_t file_rank(const char *file)
{
	for (size_t i = 0; i < sort_set->n; i++)
		if (strcmp(sort_set->v[i].file, file) == 0)
			return sort_set->v[i].seq;
	return 0;
}

static int problem_cmp(const void *pa, const void *pb)
{
	const tool_problem_t *a = pa, *b = pb;
	if (strcmp(a->file, b->file) != 0) {
		size_t ra = file_rank(a->file), rb = file_rank(b->file);
		return ra < rb ? -1 : 1;
	}
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void tool_problems_sort(tool_problems_t *p)
{
	/* file_rank looks at the unsorted order, so rank on a copy */
	tool_problems_t copy = *p;
	copy.v = malloc(p->n * sizeof(*p->v) + 1);
	if (copy.v == NULL)
		return;
	memcpy(copy.v, p->v, p->n * sizeof(*p->v));
	sort_set = &copy;
	qsort(p->v, p->n, sizeof(*p->v), problem_cmp);
	sort_set = NULL;
	free(copy.v);
}

static const char *sev_name(zone_sev_t sev)
{
	return sev == ZONE_ERROR ? "error" : sev == ZONE_WARNING ? "warning" : "note";
}

void tool_problems_print(const tool_problems_t *p, FILE *out)
{
	for (size_t i = 0; i < p->n; i++) {
		const tool_problem_t *e = &p->v[i];
		fprintf(out, "%s:%u:%u: %s: %s\n", e->file, e->line, e->col, sev_name(e->sev),
			e->msg);
	}
	if (p->dropped)
		fprintf(out, "(%zu more problems not shown)\n", p->dropped);
}

json_t *tool_problems_json(const tool_problems_t *p)
{
	json_t *a = json_array();
	for (size_t i = 0; i < p->n; i++) {
		const tool_problem_t *e = &p->v[i];
		json_array_append_new(
			a, json_pack("{s:s, s:I, s:I, s:s, s:s}", "file", e->file, "line",
				     (json_int_t)e->line, "column", (json_int_t)e->col, "severity",
				     sev_name(e->sev), "message", e->msg));
	}
	return a;
}

void tool_problems_free(tool_problems_t *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].file);
		free(p->v[i].msg);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

int tool_origin(tool_zone_t *z, const char *file, const char *origin_text)
{
	memset(z, 0, sizeof(*z));
	z->file = file;
	char buf[NAME_TEXT_MAXLEN + 8];
	if (origin_text == NULL) {
		/* as kzonecheck: the file's base name without ".zone" */
		const char *base = strrchr(file, '/');
		base = base ? base + 1 : file;
		size_t len = strlen(base);
		if (len > 5 && strcmp(base + len - 5, ".zone") == 0)
			len -= 5;
		if (len == 0 || len >= sizeof(buf) - 1) {
			fprintf(stderr, "nsfleet: cannot tell the origin from '%s'; use --origin\n",
				file);
			return TOOL_USAGE;
		}
		memcpy(buf, base, len);
		buf[len] = 0;
		origin_text = buf;
	}
	size_t olen;
	static const uint8_t root[1] = {0};
	int rc = name_from_text(origin_text, strlen(origin_text), root, z->origin, &olen);
	if (rc < 0) {
		fprintf(stderr, "nsfleet: bad origin '%s': %s\n", origin_text, err_str(rc));
		return TOOL_USAGE;
	}
	name_to_lower(z->origin);
	return 0;
}

static void on_zone_problem(void *ctx, const char *file, unsigned line, unsigned col,
			    zone_sev_t sev, const char *msg)
{
	tool_zone_t *z = ctx;
	tool_problems_add(&z->problems, file, line, col, sev, msg);
}

int tool_zone_load(tool_zone_t *z)
{
	int rc = zone_load_file(z->origin, z->file, on_zone_problem, z, &z->zone);
	tool_problems_sort(&z->problems);
	if (rc == 0)
		return TOOL_OK;
	/* a file that cannot be used at all is a usage error, as before */
	return rc == ERR_SEMANTIC || rc == -ENOMEM ? TOOL_FAIL : TOOL_USAGE;
}

void tool_zone_free(tool_zone_t *z)
{
	zone_free(z->zone);
	z->zone = NULL;
	tool_problems_free(&z->problems);
}

int tool_rr_text(const uint8_t *owner, uint32_t ttl, uint16_t type, const uint8_t *rdata,
		 size_t rdlen, char *buf, size_t cap)
{
	char tn[RRTYPE_TEXT_MAXLEN];
	int o = name_to_text(owner, buf, cap);
	if (o < 0)
		return o;
	rrtype_to_text(type, tn, sizeof(tn));
	int k = snprintf(buf + o, cap - (size_t)o, "\t%u\tIN\t%s\t", ttl, tn);
	if (k < 0 || (size_t)k >= cap - (size_t)o)
		return ERR_SPACE;
	o += k;
	int r = rdata_to_text(type, rdata, rdlen, buf + o, cap - (size_t)o);
	return r < 0 ? r : o + r;
}

json_t *tool_rr_json(const uint8_t *owner, uint32_t ttl, uint16_t type, const uint8_t *rdata,
		     size_t rdlen)
{
	char on[NAME_TEXT_MAXLEN], tn[RRTYPE_TEXT_MAXLEN];
	static char rd[RDATA_TEXT_MAXLEN];
	name_to_text(owner, on, sizeof(on));
	rrtype_to_text(type, tn, sizeof(tn));
	if (rdata_to_text(type, rdata, rdlen, rd, sizeof(rd)) < 0)
		rd[0] = 0;
	return json_pack("{s:s, s:I, s:s, s:s, s:s}", "owner", on, "ttl", (json_int_t)ttl,
			 "class", "IN", "type", tn, "rdata", rd);
}

void tool_json_out(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}
