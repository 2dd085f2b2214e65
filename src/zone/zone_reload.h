/*
 * Reloading a zone file by what changed in it (doc/zone-file.md,
 * "Incremental reload").
 *
 * A file reload is O(file) in any server that re-reads the whole file.
 * This one cuts the file into chunks (zscan_split), remembers each chunk's
 * bytes (in an unlinked copy of the file, the snapshot) and the scanner's
 * state at its start; the next reload finds the chunks whose bytes and
 * starting state are equal, scans only the others (the new ones, and the
 * old ones that are gone, from the snapshot), and turns the records they
 * hold into a changeset against the served version.  Equal bytes scanned
 * from an equal state give equal records, so the result is the zone a
 * whole load would make.
 *
 * Whenever that cannot be shown cheaply, the whole file is loaded instead,
 * which is always right: the first load; a file with $INCLUDE; a file
 * whose last load dropped duplicates or equalised TTLs; an error anywhere
 * in the changed chunks (the whole load then reports every problem with
 * its file:line:column); a change of more than a quarter of the file; a
 * change whose checks reach beyond the changed names (a delegation or DNAME
 * removed, a name losing its last address, names under a cut; see
 * zone_reload.c).  info says which way was taken and why.
 *
 * Main thread only (one writer per zone); not thread safe.
 */
#ifndef NSF_ZONE_ZONE_RELOAD_H
#define NSF_ZONE_ZONE_RELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zone/changeset.h"
#include "zone/zone.h"
#include "zone/zone_load.h"

typedef struct zone_reload zone_reload_t;

/* Average chunk size in bytes. */
#define ZONE_RELOAD_CHUNK 4096

typedef struct {
	bool incremental;    /* only the changed chunks were scanned */
	size_t chunks;       /* chunks of the file */
	size_t chunks_read;  /* chunks scanned: new ones and gone ones */
	size_t bytes;        /* of the file */
	size_t bytes_read;   /* scanned */
	char why_full[96];   /* why the whole file was loaded ("" if not) */
} zone_reload_info_t;

/*
 * A reloader of the zone origin (copied) from path (copied).  tmpdir: the
 * directory of the snapshot (an unlinked file; NULL: $TMPDIR or /tmp).
 * NULL on ENOMEM.
 */
zone_reload_t *zone_reload_new(const uint8_t *origin, const char *path, const char *tmpdir);
void zone_reload_free(zone_reload_t *r);

/* Sets the average chunk size (default ZONE_RELOAD_CHUNK; from 64 bytes),
 * for tests and fuzzing that want many chunks in a small file.  Takes
 * effect at the next whole load. */
void zone_reload_set_chunk(zone_reload_t *r, size_t bytes);

/*
 * Loads the file.  served: the version served now (borrowed), which must
 * be the last committed load's, or one made from it by changing only the
 * SOA serial; NULL when nothing is served.
 *
 * Incremental: *out = served with *cs applied, where cs (initialised and
 * empty on entry) holds the records removed and added by the file, and
 * the SOA from served's to the file's.  Whole: *out is the loaded version
 * and cs stays empty.  Returns 0, or what zone_load_file returns (its
 * problems reported the same way).  The load is pending: call
 * zone_reload_commit once *out (or a version made from it by changing the
 * SOA serial) is served, or zone_reload_abort when served stays.
 */
int zone_reload_load(zone_reload_t *r, const zone_t *served, zone_report_t report, void *ctx,
                     zone_t **out, changeset_t *cs, zone_reload_info_t *info);
void zone_reload_commit(zone_reload_t *r);
void zone_reload_abort(zone_reload_t *r);

#endif
