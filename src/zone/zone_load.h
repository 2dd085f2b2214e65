/*
 * Building a zone from records in any order (a zone file, an AXFR), with
 * the semantic checks named-checkzone and kzonecheck make.  Every problem
 * is reported with the file position of the record at fault.
 *
 * Usage: zone_builder_new, zone_builder_add for each RR, then
 * zone_builder_finish, which sorts, drops duplicates, equalises RRset
 * TTLs, checks, and makes the version.  Not thread safe.
 */
#ifndef NSF_ZONE_ZONE_LOAD_H
#define NSF_ZONE_ZONE_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zone/zone.h"

/* ZONE_NOTE: a remark about the load itself, not counted as a problem. */
typedef enum { ZONE_ERROR = 0, ZONE_WARNING = 1, ZONE_NOTE = 2 } zone_sev_t;

/* msg has no position prefix; file is borrowed for the call only. */
typedef void (*zone_report_t)(void *ctx, const char *file, unsigned line, unsigned col,
			      zone_sev_t sev, const char *msg);

typedef struct zone_builder zone_builder_t;

/* origin: the apex (copied).  file: names the zone's source in problems
 * that belong to no record, such as a missing SOA (copied). */
zone_builder_t *zone_builder_new(const uint8_t *origin, const char *file, zone_report_t report,
				 void *ctx);

/*
 * Adds one RR (owner and rdata copied; rdata is put in canonical form).
 * file/line/col locate it for problems; file may be NULL.  A record
 * outside the zone is reported and dropped: ERR_NOTZONE.  0, or -ENOMEM.
 */
int zone_builder_add(zone_builder_t *b, const uint8_t *owner, uint16_t type, uint32_t ttl,
		     const uint8_t *rdata, size_t rdlen, const char *file, unsigned line,
		     unsigned col);

/*
 * Sorts, checks and builds.  *out gets the new version when no error was
 * reported by this builder (warnings allowed), else NULL.  Returns 0,
 * ERR_SEMANTIC when errors were reported, or -ENOMEM.  The builder is
 * spent afterwards: only zone_builder_free and the counters remain.
 */
int zone_builder_finish(zone_builder_t *b, zone_t **out);

size_t zone_builder_errors(const zone_builder_t *b);
size_t zone_builder_warnings(const zone_builder_t *b);

/* After finish: true when the version holds every record added exactly
 * as added: no duplicate was dropped and no RRset's TTLs were made equal.
 * An incremental reload (zone_reload.h) relies on it. */
bool zone_builder_exact(const zone_builder_t *b);

void zone_builder_free(zone_builder_t *b);

#endif
