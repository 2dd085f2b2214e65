/*
 * The set of zones a server answers for: an immutable snapshot, published
 * by the daemon with an RCU pointer swap (STYLE rule 7).  Readers (the
 * query workers) only look things up; a reload builds a new zonedb_t beside
 * the old one and the old is freed after a grace period.
 */
#ifndef NSF_SERVER_ZONEDB_H
#define NSF_SERVER_ZONEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zone/zone.h"

typedef struct {
	size_t n;
	zone_t **zones;   /* sorted by origin lookup key; owned (each a zone_clone) */
	bool *expired;    /* per zone: a secondary past its SOA expire (SERVFAIL) */
	size_t nexpired;  /* 0: no lookup needed */
} zonedb_t;

/* A snapshot holding a clone of each of zones[0..n) (cheap: nodes are
 * shared).  The caller keeps its zones.  Two zones of one origin:
 * ERR_EXISTS.  0, or -ENOMEM. */
int zonedb_new(zone_t *const *zones, size_t n, zonedb_t **out);

/* The zone with the longest origin that name is at or below, or NULL. */
const zone_t *zonedb_find(const zonedb_t *db, const uint8_t *name);

/* The zone of exactly this origin, or NULL. */
const zone_t *zonedb_get(const zonedb_t *db, const uint8_t *origin);

/* Flags the zone of this origin as expired (before publishing only). */
void zonedb_set_expired(zonedb_t *db, const uint8_t *origin);

/* Whether z (a zone of db) is flagged expired. */
bool zonedb_expired(const zonedb_t *db, const zone_t *z);

void zonedb_free(zonedb_t *db);

#endif
