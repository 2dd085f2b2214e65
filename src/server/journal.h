/*
 * The journal: every changeset of every zone, kept in LMDB so that it is
 * committed (fsync'd) before the version it makes is published, and so
 * that IXFR out can be served from it (ARCHITECTURE.md, data flow).  The
 * same environment persists the SOA timers of secondary zones.  The
 * on-disk format is specified in doc/journal.md.
 *
 * A zone's journal is a chain: each stored changeset starts at the serial
 * where the previous one ended.  Zones are named by their origin (a
 * validated wire name; compared case-insensitively).
 *
 * Thread safety: one journal_t may be shared by any number of threads.
 * Reads see a consistent snapshot and never block; stores are serialised
 * by LMDB's writer lock (the server also keeps one writer per zone).  A
 * process must not open the same directory twice, and a journal_t must
 * not be used across fork().
 */
#ifndef NSF_SERVER_JOURNAL_H
#define NSF_SERVER_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "zone/changeset.h"

#define JOURNAL_DEFAULT_MAP_SIZE   ((size_t)256 << 20) /* whole environment */
#define JOURNAL_DEFAULT_ZONE_LIMIT ((size_t)64 << 20)  /* per zone, record bytes */
#define JOURNAL_FORMAT_VERSION     1u

typedef struct journal journal_t;

/*
 * Opens (creating it and the directory if missing) the journal in the
 * directory dir.  map_size bounds the whole environment (0: the default);
 * zone_limit bounds the encoded changesets of one zone, beyond which the
 * oldest are dropped (0: the default).  Stale reader slots left by a
 * killed process are cleared.  A journal of another format version is
 * refused with ERR_MALFORMED.  0 and *out (free with journal_close), or a
 * negative error (-errno, ERR_MALFORMED, ERR_INVAL for zone_limit >
 * map_size).
 */
int journal_open(const char *dir, size_t map_size, size_t zone_limit, journal_t **out);

/* Closes j (NULL is fine).  No transaction may be running. */
void journal_close(journal_t *j);

/*
 * Appends cs (borrowed) to the zone's chain in one LMDB write transaction,
 * durable when this returns 0.  cs must have both SOAs, with soa_to's
 * serial greater than soa_from's (RFC 1982), and soa_from's serial must be
 * the zone's last serial unless the zone's journal is empty: otherwise
 * ERR_INVAL and nothing changes.  For a discontinuity (a new zone file, an
 * AXFR) the caller calls journal_flush first.
 * In the same transaction, changesets are dropped from the oldest end
 * (IXFR from their serials then falls back to AXFR) when
 *  - the zone's records exceed zone_limit (the newest one is always kept,
 *    even when it alone exceeds the limit), or
 *  - the new serial is the start of an older changeset (the serial wrapped
 *    round the 2^32 circle): every serial in the journal stays unique.
 * A store that would leave less than an eighth of the map (at least 64
 * pages) free is refused with ERR_SPACE, so that a flush always has room
 * (LMDB copies the pages it changes): the caller flushes the zone (or
 * raises map_size) and stores again.
 * Returns 0, ERR_INVAL, ERR_SPACE, or -errno.
 */
int journal_store(journal_t *j, const uint8_t *origin, const changeset_t *cs);

/*
 * Called by journal_read with each changeset (borrowed: valid during the
 * call only).  A non-zero return stops the read and is returned by it.
 * It runs inside a read transaction: it must not store into the journal
 * and should not block for long (readers pin old pages).
 */
typedef int (*journal_read_cb)(void *ctx, const changeset_t *cs);

/*
 * Calls cb with every changeset from the one starting at from_serial to
 * the newest, in order, from one consistent snapshot.  from_serial equal
 * to the last serial calls nothing and returns 0 (up to date).
 * ERR_NOTFOUND when from_serial is not in the journal (the caller falls
 * back to AXFR); ERR_MALFORMED when a record does not decode or the chain
 * is broken; cb's own non-zero return; or -errno.
 */
int journal_read(journal_t *j, const uint8_t *origin, uint32_t from_serial, journal_read_cb cb,
		 void *ctx);

/* The zone's oldest serial (start of its first changeset) and newest
 * serial (end of its last).  0, or ERR_NOTFOUND when its journal is empty. */
int journal_serial_range(journal_t *j, const uint8_t *origin, uint32_t *first, uint32_t *last);

/* Statistics of one zone: changesets held and their encoded bytes.
 * 0 (zeros for an empty journal) or a negative error. */
int journal_usage(journal_t *j, const uint8_t *origin, size_t *count, size_t *bytes);

/* Drops every changeset of the zone (not its timers).  0 or an error. */
int journal_flush(journal_t *j, const uint8_t *origin);

/* SOA timers of a secondary zone, persisted across restarts.  Times are
 * seconds since the epoch (0: not set). */
typedef struct {
	uint64_t last_refresh; /* last successful refresh */
	uint64_t next_refresh; /* when to refresh next */
	uint64_t expire_at;    /* when the zone expires without a refresh */
	uint32_t last_serial;  /* serial of the last transfer */
} journal_timers_t;

/* Saves t (copied) for the zone, durably.  0 or an error. */
int journal_timers_save(journal_t *j, const uint8_t *origin, const journal_timers_t *t);
/* Loads the zone's timers into *t.  0, ERR_NOTFOUND (never saved),
 * ERR_MALFORMED, or an error. */
int journal_timers_load(journal_t *j, const uint8_t *origin, journal_timers_t *t);
/* Forgets the zone's timers (a zone removed from the configuration). */
int journal_timers_remove(journal_t *j, const uint8_t *origin);

/*
 * The record encoding of a changeset (doc/journal.md), exposed for tests
 * and fuzzers.  journal_changeset_size gives the exact encoded length;
 * journal_changeset_encode writes it to buf[0..cap) (ERR_SPACE if short,
 * ERR_INVAL for an SOA slot holding a non-SOA).
 */
size_t journal_changeset_size(const changeset_t *cs);
int journal_changeset_encode(const changeset_t *cs, uint8_t *buf, size_t cap, size_t *len);

/*
 * Decodes buf[0..len) (untrusted: every byte is bounds-checked, every
 * name and rdata validated) into cs, which must be initialised
 * (changeset_init) and empty; the caller frees it with changeset_free
 * whatever the result.  0, ERR_MALFORMED, or -ENOMEM.
 */
__attribute__((warn_unused_result)) int journal_changeset_decode(const uint8_t *buf, size_t len,
								 changeset_t *cs);

#endif
