/*
 * A zone in memory: an immutable version holding a tree of nodes, one node
 * per owner name that has data, each node holding its RRsets.
 *
 * The index is a persistent treap keyed by the name's lookup key
 * (name_to_key: labels root-first, lower-cased, memcmp order == DNSSEC
 * canonical order), with priorities from a hash of the key, so the shape
 * depends only on the set of names.  A new version shares every untouched
 * node with the old one and copies only the O(log n) nodes on the paths it
 * changes (zone_apply).  Nodes made by a bulk load live in one arena owned
 * by the load; nodes made later are counted references.  Beside the treap,
 * a paged hash table maps each key to its node for exact lookups, the
 * lookup a query makes most; its pages are shared between versions too.
 *
 * Thread safety: a zone_t is immutable once made, so any number of readers
 * may use it; zone_free must wait until no reader holds it (the server will
 * use an RCU grace period).  Building a new version from one zone is for one
 * writer at a time.
 */
#ifndef NSF_ZONE_ZONE_H
#define NSF_ZONE_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "dns/name.h"

typedef struct zone_node zone_node_t;
typedef struct zone zone_t;
typedef struct zone_store zone_store_t;
struct zone_hidx;
struct zone_filters;

/*
 * What makes RRs one RRset: owner, type, and for RRSIG also the covered
 * type, since each RRSIG set carries the TTL of the RRset it covers
 * (RFC 4034 §3, RFC 2181 §5.2).  RRSIGs sort by covered type anyway, as
 * canonical rdata starts with it.
 */
static inline uint32_t zone_rrset_id(uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	uint32_t id = (uint32_t)type << 16;
	if (type == 46 /* RRSIG */ && rdlen >= 2)
		id |= (uint32_t)rdata[0] << 8 | rdata[1];
	return id;
}

/* One RRset of a node, a view into the node (borrowed, lives with it). */
typedef struct {
	uint16_t type;
	uint16_t count;       /* number of RRs, >= 1 */
	uint32_t ttl;
	const uint8_t *rdata; /* count entries of [u16 length][rdata], in
				 canonical order (RFC 4034 §6.3) */
} zone_rrset_t;

/* Iterates the rdatas of an RRset: pos starts at 0; returns false at end. */
bool zone_rrset_next(const zone_rrset_t *rs, size_t *pos, const uint8_t **rd, uint16_t *len);

struct zone_node {
	zone_node_t *left, *right;
	uint32_t prio;      /* hash of the key; max-heap order */
	uint32_t refs;      /* ZONE_NODE_ARENA: owned by the load's arena */
	uint32_t size;      /* bytes of data[] */
	uint16_t keylen;
	uint16_t nrrsets;
	/* key, then nrrsets times: u16 type, u32 ttl, u16 count, u32 bytes,
	 * then count times [u16 len][rdata]; RRsets by ascending type. */
	uint8_t data[];
};

#define ZONE_NODE_ARENA UINT32_MAX

struct zone {
	zone_node_t *root;
	zone_store_t *store;  /* arena of the bulk-loaded nodes, shared */
	struct zone_hidx *hidx; /* exact-match index of this version (NULL:
				   none, lookups descend the treap) */
	struct zone_filters *filters; /* may-be-ENT / may-have-wildcard (NULL:
					 none: every answer is "maybe") */
	uint8_t origin[NAME_MAXLEN];
	uint8_t origin_key[NAME_KEY_MAXLEN];
	size_t origin_keylen;
	const zone_node_t *apex; /* the origin's node or NULL (kept current:
				    a lookup the server makes per query) */
	size_t nodes;         /* number of nodes */
	size_t records;       /* number of RRs */
	uint32_t serial;      /* of the apex SOA */
};

/* The node's key (borrowed). */
static inline const uint8_t *zone_node_key(const zone_node_t *n)
{
	return n->data;
}

/* The owner name of a node, lower-case, into out (NAME_MAXLEN). */
int zone_node_owner(const zone_node_t *n, uint8_t *out);

/* The i-th RRset of a node (i < n->nrrsets). */
zone_rrset_t zone_node_rrset_at(const zone_node_t *n, size_t i);

/* The (first) RRset of the given type, or false.  A node may hold one
 * RRSIG RRset per covered type, in covered-type order. */
bool zone_node_rrset(const zone_node_t *n, uint16_t type, zone_rrset_t *out);

/* Exact lookup by name or by lookup key; NULL when there is no node. */
const zone_node_t *zone_find(const zone_t *z, const uint8_t *name);
const zone_node_t *zone_find_key(const zone_t *z, const uint8_t *key, size_t keylen);

/*
 * Filters that spare the ordered (treap) searches of a negative answer.
 * false is certain; true means "maybe" and the caller looks.
 * zone_may_be_ent: whether the name of key (no node of its own) may have
 * nodes below it (an empty non-terminal).  zone_may_have_wildcard: whether
 * "*.<name of key>" may have a node.
 */
bool zone_may_be_ent(const zone_t *z, const uint8_t *key, size_t keylen);
bool zone_may_have_wildcard(const zone_t *z, const uint8_t *key, size_t keylen);

/* The node with the largest key < key (predecessor, for NSEC), or NULL. */
const zone_node_t *zone_find_prev(const zone_t *z, const uint8_t *key, size_t keylen);
/* The node with the smallest key >= key, or NULL. */
const zone_node_t *zone_find_ge(const zone_t *z, const uint8_t *key, size_t keylen);

/*
 * Closest encloser of name (RFC 4592 §3.3.1): the longest ancestor-or-self
 * of name that exists in the zone, either as a node or as an empty
 * non-terminal.  Returns the number of labels of the encloser (at least
 * that of the origin when name is in the zone), and *node is its node or
 * NULL for an empty non-terminal.  Returns -1 when name is not below the
 * origin.
 */
int zone_closest_encloser(const zone_t *z, const uint8_t *name, const zone_node_t **node);

/* In-order (canonical) iteration.  The iterator owns a small stack. */
typedef struct {
	const zone_node_t **stack;
	size_t depth, cap;
	int err;
} zone_iter_t;
void zone_iter_init(zone_iter_t *it, const zone_t *z);
/* Next node in canonical order or NULL at the end (or on ENOMEM:
 * it->err is set then). */
const zone_node_t *zone_iter_next(zone_iter_t *it);
void zone_iter_free(zone_iter_t *it);

/* Drops a version; shared nodes stay with the versions that hold them. */
void zone_free(zone_t *z);

/* ---- building nodes (for the loader and zone_apply) ---- */

/* A node built from key and RRsets given as a list of RRs sorted by type
 * then canonical rdata, without duplicates; RRs of one zone_rrset_id have
 * one TTL.  Allocated with malloc
 * (refs = 1), or from arena when it is not NULL. */
typedef struct {
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata;
} zone_rr_data_t;

zone_node_t *zone_node_build(const uint8_t *key, size_t keylen, const zone_rr_data_t *rrs,
			     size_t n, arena_t *arena);

/* Hash of a key, the node's treap priority. */
uint32_t zone_key_hash(const uint8_t *key, size_t keylen);

/* A version from arena-built nodes sorted by key (each key once);
 * takes over the arena.  The nodes'
 * children are set here: O(n).  Returns NULL on ENOMEM. */
zone_t *zone_from_sorted(const uint8_t *origin, zone_node_t **nodes, size_t n, arena_t *arena);

/* A draft version sharing every node of z (z is unchanged), for a writer
 * to change with zone_set_node and then publish.  NULL on ENOMEM. */
zone_t *zone_clone(const zone_t *z);

/* In a draft: replaces the node of key by node (taken over, refs 1; NULL
 * deletes the node), copying only the path to it.  Keeps nodes, records
 * and serial up to date.  0 or -ENOMEM (the draft is then unchanged and
 * node is freed). */
int zone_set_node(zone_t *draft, const uint8_t *key, size_t keylen, zone_node_t *node);

#endif
