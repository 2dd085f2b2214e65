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

#endif
