/* nsfleet zone check|print|diff (doc/nsfleet-zone.md). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "tools/tool.h"
#include "zone/changeset.h"

static void zone_usage(FILE *out)
{
	fputs("usage: nsfleet zone check FILE [--origin NAME] [--json]\n"
	      "       nsfleet zone print FILE [--origin NAME] [--json]\n"
	      "       nsfleet zone diff OLD NEW [--origin NAME] [--json]\n"
	      "\n"
	      "  check   parse FILE and run the checks of named-checkzone/kzonecheck;\n"
	      "          problems as FILE:LINE:COLUMN: error|warning: MESSAGE on stderr\n"
	      "  print   the zone in canonical form, one RR per line, DNSSEC order\n"
	      "  diff    the changeset from OLD to NEW in IXFR order (-/+ lines)\n"
	      "\n"
	      "  --origin NAME  the zone's name (default: FILE's name without .zone)\n"
	      "  --json         one JSON object on stdout instead of text\n"
	      "\n"
	      "exit status: 0 clean / equal, 1 errors / differ, 2 usage or unreadable file\n",
	      out);
}

typedef struct {
	const char *origin;
	bool json;
	char **files;
	int nfiles;
} zone_args_t;

static int parse_args(int argc, char **argv, zone_args_t *a)
{
	static const struct option longopts[] = {
		{"origin", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(a, 0, sizeof(*a));
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "o:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->origin = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			zone_usage(stdout);
			return -1;
		default:
			zone_usage(stderr);
			return TOOL_USAGE;
		}
	}
	a->files = argv + optind;
	a->nfiles = argc - optind;
	return 0;
}

static void origin_text(const tool_zone_t *z, char *buf, size_t cap)
{
	name_to_text(z->origin, buf, cap);
}

static json_t *check_json(const tool_zone_t *z)
{
	char on[NAME_TEXT_MAXLEN];
	origin_text(z, on, sizeof(on));
	json_t *serial = z->zone ? json_integer(z->zone->serial) : json_null();
	return json_pack("{s:s, s:s, s:b, s:o, s:I, s:I, s:I, s:o}", "zone", on, "file", z->file,
			 "ok", z->zone != NULL, "serial", serial, "records",
			 (json_int_t)(z->zone ? z->zone->records : 0), "errors",
			 (json_int_t)z->problems.errors, "warnings",
			 (json_int_t)z->problems.warnings, "problems",
			 tool_problems_json(&z->problems));
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Loads one file; on failure reports (text or JSON) and returns the exit
 * status, else 0. */
static int load_or_report(tool_zone_t *z, const zone_args_t *a)
{
	int rc = tool_zone_load(z);
	if (rc == TOOL_OK) {
		if (!a->json)
			tool_problems_print(&z->problems, stderr); /* warnings */
		return 0;
	}
	if (a->json) {
		json_t *j = check_json(z);
		tool_json_out(j);
		json_decref(j);
	} else {
		tool_problems_print(&z->problems, stderr);
	}
	return rc;
}

static int zone_check(const zone_args_t *a)
{
	tool_zone_t z;
	int rc = tool_origin(&z, a->files[0], a->origin);
	if (rc)
		return rc;
	rc = tool_zone_load(&z);
	if (a->json) {
		json_t *j = check_json(&z);
		tool_json_out(j);
		json_decref(j);
	} else {
		char on[NAME_TEXT_MAXLEN];
		origin_text(&z, on, sizeof(on));
		tool_problems_print(&z.problems, stderr);
		if (z.zone != NULL)
			printf("zone %s: OK, serial %u, %zu records, %zu %s\n", on, z.zone->serial,
			       z.zone->records, z.problems.warnings,
			       plural(z.problems.warnings, "warning", "warnings"));
		else
			printf("zone %s: FAILED, %zu %s, %zu %s\n", on, z.problems.errors,
			       plural(z.problems.errors, "error", "errors"), z.problems.warnings,
			       plural(z.problems.warnings, "warning", "warnings"));
	}
	tool_zone_free(&z);
	return rc;
}

static char rr_buf[RDATA_TEXT_MAXLEN + NAME_TEXT_MAXLEN + 64];

static int zone_print(const zone_args_t *a)
{
	tool_zone_t z;
	int rc = tool_origin(&z, a->files[0], a->origin);
	if (rc)
		return rc;
	if ((rc = load_or_report(&z, a)) != 0) {
		tool_zone_free(&z);
		return rc;
	}
	json_t *list = a->json ? json_array() : NULL;
	zone_iter_t it;
	zone_iter_init(&it, z.zone);
	const zone_node_t *n;
	uint8_t owner[NAME_MAXLEN];
	while ((n = zone_iter_next(&it)) != NULL) {
		if (zone_node_owner(n, owner) < 0)
			continue;
		for (size_t i = 0; i < n->nrrsets; i++) {
			zone_rrset_t rs = zone_node_rrset_at(n, i);
			size_t pos = 0;
			const uint8_t *rd;
			uint16_t len;
			while (zone_rrset_next(&rs, &pos, &rd, &len)) {
				if (list) {
					json_array_append_new(
						list, tool_rr_json(owner, rs.ttl, rs.type, rd, len));
				} else if (tool_rr_text(owner, rs.ttl, rs.type, rd, len, rr_buf,
							sizeof(rr_buf)) >= 0) {
					fputs(rr_buf, stdout);
					fputc('\n', stdout);
				}
			}
		}
	}
	zone_iter_free(&it);
	if (list) {
		char on[NAME_TEXT_MAXLEN];
		origin_text(&z, on, sizeof(on));
		json_t *j = json_pack("{s:s, s:I, s:o}", "zone", on, "serial",
				      (json_int_t)z.zone->serial, "records", list);
		tool_json_out(j);
		json_decref(j);
	}
	tool_zone_free(&z);
	return TOOL_OK;
}

static void print_rr(const changeset_rr_t *rr, char sign)
{
	if (tool_rr_text(rr->owner, rr->ttl, rr->type, rr->rdata, rr->rdlen, rr_buf,
			 sizeof(rr_buf)) >= 0)
		printf("%c%s\n", sign, rr_buf);
}

static json_t *rr_list_json(const changeset_rr_t *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
			a, tool_rr_json(v[i].owner, v[i].ttl, v[i].type, v[i].rdata, v[i].rdlen));
	return a;
}

static uint32_t soa_serial(const changeset_rr_t *soa)
{
	return soa->owner && soa->rdlen >= 20 ? wire_get_u32(soa->rdata + soa->rdlen - 20) : 0;
}

static int zone_diff(const zone_args_t *a)
{
	tool_zone_t old, new;
	int rc = tool_origin(&old, a->files[0], a->origin);
	if (rc)
		return rc;
	/* both versions are of one zone: NEW takes OLD's origin */
	char on[NAME_TEXT_MAXLEN];
	origin_text(&old, on, sizeof(on));
	if ((rc = tool_origin(&new, a->files[1], on)) != 0)
		return rc;
	if (load_or_report(&old, a) != 0 || load_or_report(&new, a) != 0) {
		tool_zone_free(&old);
		tool_zone_free(&new);
		return TOOL_USAGE;
	}
	changeset_t cs;
	changeset_init(&cs);
	rc = changeset_diff(old.zone, new.zone, &cs);
	if (rc < 0) {
		fprintf(stderr, "nsfleet: diff failed: %s\n", err_str(rc));
		rc = TOOL_USAGE;
	} else {
		bool equal = changeset_empty(&cs);
		if (a->json) {
			json_t *j = json_pack("{s:s, s:b, s:I, s:I, s:o, s:o}", "zone", on, "equal",
					      equal, "from_serial",
					      (json_int_t)soa_serial(&cs.soa_from), "to_serial",
					      (json_int_t)soa_serial(&cs.soa_to), "removed",
					      rr_list_json(cs.removed, cs.nremoved), "added",
					      rr_list_json(cs.added, cs.nadded));
			tool_json_out(j);
			json_decref(j);
		} else if (!equal) {
			/* RFC 1995 §4: old SOA, deletions, new SOA, additions */
			print_rr(&cs.soa_from, '-');
			for (size_t i = 0; i < cs.nremoved; i++)
				print_rr(&cs.removed[i], '-');
			print_rr(&cs.soa_to, '+');
			for (size_t i = 0; i < cs.nadded; i++)
				print_rr(&cs.added[i], '+');
		}
		rc = equal ? TOOL_OK : TOOL_FAIL;
	}
	changeset_free(&cs);
	tool_zone_free(&old);
	tool_zone_free(&new);
	return rc;
}

int cmd_zone(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		zone_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? TOOL_USAGE : TOOL_OK;
	}
	const char *sub = argv[1];
	zone_args_t a;
	int rc = parse_args(argc - 1, argv + 1, &a);
	if (rc != 0)
		return rc < 0 ? TOOL_OK : rc;
	/* a big stdout buffer: print and diff may write millions of lines */
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	int want = strcmp(sub, "diff") == 0 ? 2 : 1;
	if (strcmp(sub, "check") != 0 && strcmp(sub, "print") != 0 && strcmp(sub, "diff") != 0) {
		fprintf(stderr, "nsfleet zone: unknown subcommand '%s'\n", sub);
		zone_usage(stderr);
		return TOOL_USAGE;
	}
	if (a.nfiles != want) {
		fprintf(stderr, "nsfleet zone %s: expected %s\n", sub,
			want == 2 ? "two files, OLD and NEW" : "one FILE");
		zone_usage(stderr);
		return TOOL_USAGE;
	}
	if (strcmp(sub, "check") == 0)
		return zone_check(&a);
	if (strcmp(sub, "print") == 0)
		return zone_print(&a);
	return zone_diff(&a);
}
