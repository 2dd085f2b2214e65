/*
 * Loading one zone file: the scanner (src/dns/zscan) feeding the zone
 * builder (zone_load.h), every problem reported through one callback with
 * its file:line:column.  Shared by `nsfleet zone check/print/diff` and by
 * nsfleetd's startup and reload, so both read a file the same way.
 *
 * Thread safety: one load per call; any number of loads may run at once
 * in different threads (nothing global).
 */
#ifndef NSF_ZONE_ZONE_FILE_H
#define NSF_ZONE_ZONE_FILE_H

#include <stdbool.h>

#include "dns/zscan.h"
#include "zone/zone.h"
#include "zone/zone_load.h"

/*
 * Scans, checks and builds the zone of origin (validated wire name,
 * lower-case) from file.  Every problem goes to report (ctx passed on;
 * NULL: problems are only counted):
 * scanner notes as ZONE_NOTE, errors and warnings as such.  The checks run
 * on what parsed even after a syntax error, so that one error does not
 * hide the others; the zone only counts without errors.
 *
 * Returns 0 with *out set to the new version (the caller owns it);
 * ERR_SEMANTIC when at least one error was reported (*out NULL);
 * -errno (-ENOENT, -EACCES, -EISDIR, -EINVAL for "not a regular file")
 * when the file cannot be used at all, after reporting why at 1:1;
 * -ENOMEM (reported too).
 */
int zone_load_file(const uint8_t *origin, const char *file, zone_report_t report, void *ctx,
                   zone_t **out);

/*
 * The same from the file's bytes data[0..len), already read (file names
 * it in problems and is the base of relative $INCLUDE paths).  marks, when
 * not NULL, asks the scanner for its state at chunk starts (zscan.h);
 * *exact, when not NULL, gets zone_builder_exact (no duplicate dropped, no
 * TTL equalised).  For the incremental reload (zone_reload.h).
 */
int zone_load_buffer(const uint8_t *origin, const char *file, const char *data, size_t len,
                     zscan_marks_t *marks, bool *exact, zone_report_t report, void *ctx,
                     zone_t **out);

#endif
