/*
 * A changeset: what turns one version of a zone into the next, in the
 * shape an IXFR carries (RFC 1995 §4): the SOA before, the RRs removed,
 * the SOA after, the RRs added.  Every change to a zone, whatever its
 * source, is one of these (ARCHITECTURE.md, data flow).
 */
#ifndef NSF_ZONE_CHANGESET_H
#define NSF_ZONE_CHANGESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "zone/zone.h"

typedef struct {
	const uint8_t *owner; /* wire name; NULL for an absent SOA */
	uint16_t type;
	uint16_t rdlen;
	uint32_t ttl;
	const uint8_t *rdata; /* canonical form */
} changeset_rr_t;

typedef struct {
	arena_t arena;             /* owns every name and rdata below */
	changeset_rr_t soa_from;   /* the SOA removed (owner NULL: none) */
	changeset_rr_t soa_to;     /* the SOA added */
	changeset_rr_t *removed;
	size_t nremoved, cap_removed;
	changeset_rr_t *added;
	size_t nadded, cap_added;
} changeset_t;

void changeset_init(changeset_t *cs);
void changeset_free(changeset_t *cs);

/* Records a removal / an addition (copied, rdata made canonical).  An SOA
 * goes to soa_from / soa_to.  0 or -ENOMEM. */
int changeset_remove(changeset_t *cs, const uint8_t *owner, uint16_t type, uint32_t ttl,
		     const uint8_t *rdata, size_t rdlen);
int changeset_add(changeset_t *cs, const uint8_t *owner, uint16_t type, uint32_t ttl,
		  const uint8_t *rdata, size_t rdlen);

/* The apex SOA of z: its TTL and rdata (borrowed from z); false when z
 * has none.  What soa_from / soa_to of a changeset from or to z hold. */
bool changeset_zone_soa(const zone_t *z, uint32_t *ttl, const uint8_t **rd, uint16_t *rdlen);

/* True when the changeset changes nothing (SOAs equal, no RRs). */
bool changeset_empty(const changeset_t *cs);

/*
 * The changeset from old to new (cs initialised and empty).  Removed and
 * added RRs come in canonical order.  An RRset whose TTL changed is
 * removed whole and added whole.  0 or -ENOMEM.
 */
int changeset_diff(const zone_t *old, const zone_t *new, changeset_t *cs);

/*
 * A new version: z with cs applied (z unchanged).  Fails, leaving *out
 * NULL, with ERR_NOTFOUND when a removed RR (or soa_from) is not in z, and
 * ERR_EXISTS when an added RR already is.  An added RR gives its TTL to
 * its whole RRset.  Costs O(k log n) for k changed names.
 */
int changeset_apply(const zone_t *z, const changeset_t *cs, zone_t **out);

#endif
