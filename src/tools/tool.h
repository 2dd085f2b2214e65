/*
 * Shared pieces of the nsfleet CLI: subcommand entry points, problem
 * collection and zone-file loading.
 */
#ifndef NSF_TOOLS_TOOL_H
#define NSF_TOOLS_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "zone/zone.h"
#include "zone/zone_load.h"

/* Exit statuses shared by the subcommands. */
enum { TOOL_OK = 0, TOOL_FAIL = 1, TOOL_USAGE = 2 };

/* Most problems a command prints; counts stay exact beyond it. */
#define TOOL_MAX_PROBLEMS 1000

typedef struct {
	char *file;
	unsigned line, col;
	zone_sev_t sev;
	char *msg;
	size_t seq;
} tool_problem_t;

typedef struct {
	tool_problem_t *v;
	size_t n, cap;
	size_t errors, warnings;
	size_t dropped; /* beyond TOOL_MAX_PROBLEMS */
} tool_problems_t;

void tool_problems_add(tool_problems_t *p, const char *file, unsigned line, unsigned col,
		       zone_sev_t sev, const char *msg);
/* Sorts by position in the files (file first seen first, then line,
 * column, order of report). */
void tool_problems_sort(tool_problems_t *p);
/* "FILE:LINE:COL: error|warning: MSG" lines. */
void tool_problems_print(const tool_problems_t *p, FILE *out);
json_t *tool_problems_json(const tool_problems_t *p);
void tool_problems_free(tool_problems_t *p);

/* The result of loading one zone file. */
typedef struct {
	const char *file;
	uint8_t origin[NAME_MAXLEN];
	zone_t *zone;      /* NULL when errors were found */
	tool_problems_t problems;
} tool_zone_t;

/*
 * Reads origin_text (NULL: from the file name, as kzonecheck does) into
 * z->origin; 0, or TOOL_USAGE after printing why to stderr.
 */
int tool_origin(tool_zone_t *z, const char *file, const char *origin_text);

/* Scans, checks and builds z->file.  Returns 0 when the zone loaded (z->zone
 * set), TOOL_FAIL when errors were found, TOOL_USAGE when the file cannot
 * be read at all (then a problem says why). */
int tool_zone_load(tool_zone_t *z);
void tool_zone_free(tool_zone_t *z);

/* One RR in the `zone print` form, without newline, into buf. */
int tool_rr_text(const uint8_t *owner, uint32_t ttl, uint16_t type, const uint8_t *rdata,
		 size_t rdlen, char *buf, size_t cap);
json_t *tool_rr_json(const uint8_t *owner, uint32_t ttl, uint16_t type, const uint8_t *rdata,
		     size_t rdlen);

/* Prints a JSON value and a newline to stdout. */
void tool_json_out(json_t *v);

int cmd_zone(int argc, char **argv);
int cmd_ctl(int argc, char **argv);
int cmd_tsig_keygen(int argc, char **argv);

#endif
