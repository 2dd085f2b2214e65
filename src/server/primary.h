/*
 * A primary zone's reload (doc/nsfleetd.md, "Primary"): the zone file
 * loaded beside the served version becomes the next version only through
 * the serial policy and the shrink guard, and only after its changeset is
 * committed to the journal (ARCHITECTURE.md, data flow):
 *
 *   loaded ──► equal to the served version? ──yes──► unchanged
 *                 │ no
 *                 ▼
 *   serial policy (keep: the file's serial must increase; increment,
 *   unixtime, dateserial: the server picks the serial when the file's did
 *   not move) ──refused──► error, old version kept
 *                 │
 *                 ▼
 *   shrink guard (more than the zone's shrink-limit % of the records
 *   gone, PRIMARY_MAX_SHRINK by default, and not forced) ──refused──►
 *   error, old version kept
 *                 │
 *                 ▼
 *   SOA serial written into the new version (a changeset on it)
 *                 │
 *                 ▼
 *   the changeset (in->cs, else changeset_diff(old, new)) ──►
 *   journal_store (durable) ──► the caller
 *   publishes and NOTIFYs
 *
 * Main thread only (the zones' one writer).
 */
#ifndef NSF_SERVER_PRIMARY_H
#define NSF_SERVER_PRIMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/conf.h"
#include "server/journal.h"
#include "zone/changeset.h"
#include "zone/zone.h"

/* The shrink guard: a reload that loses more than this share of the
 * records (percent) is refused unless forced.  The default of the zone
 * option shrink-limit (conf_schema.c), used when no conf is given. */
#define PRIMARY_MAX_SHRINK 50

typedef struct {
	const char *name; /* the zone as text, for messages */
	conf_serial_policy_t policy;
	const zone_t *old;        /* the served version (borrowed), or NULL */
	uint32_t old_file_serial; /* the file's serial at the last good load */
	journal_t *journal;       /* NULL: none */
	bool force;               /* past the shrink guard */
	uint64_t now;             /* seconds since the epoch (unixtime, dateserial) */
	const conf_zone_t *conf;  /* the zone's options (borrowed): its shrink-limit;
	                             NULL: PRIMARY_MAX_SHRINK */
	/* The changes from old to loaded when the caller knows them (an
	 * incremental reload, zone_reload.h: soa_from old's SOA, soa_to
	 * loaded's), borrowed; NULL: found by changeset_diff. */
	const changeset_t *cs;
} primary_reload_t;

/* Whether a reload from old_records to new_records is past a shrink limit
 * of limit percent (0..100; 100: never): more than limit % of the records
 * gone. */
bool primary_shrink_refused(size_t old_records, size_t new_records, unsigned limit);

/*
 * Decides on the freshly loaded version loaded (taken over whatever the
 * result).  Returns 0 with *out the version to publish (a new zone_t the
 * caller owns; its serial may differ from the file's) or *out NULL when
 * nothing changed; or a negative error with why[0..cap) saying it in one
 * line (the caller keeps the old version): ERR_RANGE (serial did not
 * increase / went backwards), ERR_LIMIT (shrink guard), a journal or
 * memory error.  On success the changeset is in the journal.
 */
int primary_reload(const primary_reload_t *in, zone_t *loaded, zone_t **out, char *why, size_t cap);

/*
 * The serial the policy gives a changed zone whose served serial is old,
 * at time now: increment old + 1; unixtime now, or old + 1 if that is not
 * greater; dateserial YYYYMMDD00 of now (UTC), or old + 1 if that is not
 * greater; keep: old (the file must raise it).
 */
uint32_t primary_policy_serial(conf_serial_policy_t policy, uint32_t old, uint64_t now);

/*
 * At startup: makes the zone's journal continue at the serial of *z (the
 * version loaded from the file).  A journal whose newest serial is another
 * one belongs to versions we no longer have: it is flushed (clients of
 * those serials get AXFR).  When the journal is ahead of the file (a
 * serial policy bumped what was served), *z is replaced by a version whose
 * serial the policy puts past the journal's, so the zone never goes
 * backwards for a secondary (with `keep`: a warning).  0 or a journal
 * error (logged).
 */
int primary_journal_start(journal_t *j, const char *name, conf_serial_policy_t policy,
                          uint64_t now, zone_t **z);

#endif
