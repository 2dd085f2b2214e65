/*
 * The zone tree: a persistent treap over lookup keys.  See zone.h.
 *
 * Ownership: a function that returns a node pointer returns a new
 * reference; node arguments are borrowed unless said otherwise.  Arena
 * nodes (refs == ZONE_NODE_ARENA) are never counted or freed one by one:
 * they die with their store, which every version made from the load holds.
 * An arena node's children are always arena nodes.
 */
#include "zone/zone.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "dns/wire.h"

struct zone_store {
	arena_t arena;
	unsigned refs;
};

/*
 * The exact-match index beside the treap: an open-addressing hash table of
 * key -> node of this version, so that an exact lookup costs one or two
 * cache misses instead of a ~2 log n level descent.  It is split into
 * pages shared between versions like the nodes are: a version that
 * changes k names copies the pages of the k names and of the O(log n)
 * treap nodes its path copies made, never the whole table.  Invariant:
 * for every node of the version's tree, the index maps its key to that
 * very node (not to a copy of it in another version).
 */
#define HIDX_MAX_SLOT_BITS 9 /* 512 slots a page */

/* A slot: the node's pointer in the low 48 bits (user-space addresses
 * fit; a node that does not is not indexed, see hpage_put) and 16 bits of
 * its hash above, so that a probe touches one cache line of the table
 * before the node itself, in 8 octets: a bulk load's index is written
 * once for every node.  The tag holds the hash's low 9 bits (the home
 * slot in a page: HIDX_MAX_SLOT_BITS) and its top 7; the full hash is
 * the node's prio.  0: empty. */
typedef uint64_t hslot_t;
_Static_assert(HIDX_MAX_SLOT_BITS <= 9, "the tag holds 9 bits of the home slot");

#define HSLOT_PTR_BITS 48

static inline uint64_t hslot_tag(uint32_t h)
{
	return (h & 0x1ffu) | ((h >> 16) & 0xfe00u);
}

static inline const zone_node_t *hslot_node(hslot_t s)
{
	return (const zone_node_t *)(uintptr_t)(s & (((uint64_t)1 << HSLOT_PTR_BITS) - 1));
}

static inline bool hslot_is(hslot_t s, uint32_t h)
{
	return s >> HSLOT_PTR_BITS == hslot_tag(h);
}

/* The home slot of an entry in a page of mask (< 512 slots). */
static inline uint32_t hslot_home(hslot_t s, uint32_t mask)
{
	return (uint32_t)(s >> HSLOT_PTR_BITS) & mask;
}

typedef struct {
	uint32_t refs;  /* versions holding the page (atomic: versions are
			   freed after an RCU grace period, maybe on another
			   thread than the writer's) */
	uint32_t count;
	hslot_t slot[];
} hpage_t;

struct zone_hidx {
	uint32_t npages;  /* a power of two */
	uint8_t slot_bits;
	size_t count;
	hpage_t *pages[];
};


/* ---- keys and priorities ---- */

uint32_t zone_key_hash(const uint8_t *key, size_t keylen)
{
	/* eight octets a step (a bulk load hashes every key, a query one
	 * or more), then the splitmix64 finaliser so that nearby keys spread
	 * over every bit; the length is mixed in, as a key may end in zeros.
	 * Not for on-disk use: words are read in host order. */
	uint64_t h = 0x9e3779b97f4a7c15ull ^ keylen;
	size_t i = 0;
	for (; i + 8 <= keylen; i += 8) {
		uint64_t w;
		memcpy(&w, key + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	uint64_t t = 0;
	for (; i < keylen; i++)
		t = t << 8 | key[i];
	h ^= t;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (uint32_t)(h ^ h >> 32);
}

static int keycmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t m = al < bl ? al : bl;
	int c = m ? memcmp(a, b, m) : 0;
	if (c != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

static int nodecmp(const zone_node_t *a, const zone_node_t *b)
{
	return keycmp(a->data, a->keylen, b->data, b->keylen);
}

/* Total order of priorities: ties broken by key, so the treap shape is a
 * function of the key set alone. */
static bool prio_gt(const zone_node_t *a, const zone_node_t *b)
{
	return a->prio > b->prio || (a->prio == b->prio && nodecmp(a, b) < 0);
}

/* ---- node reference counting ---- */

static zone_node_t *ref(zone_node_t *n)
{
	if (n != NULL && n->refs != ZONE_NODE_ARENA)
		n->refs++;
	return n;
}

static void unref(zone_node_t *n)
{
	while (n != NULL && n->refs != ZONE_NODE_ARENA) {
		if (--n->refs > 0)
			return;
		zone_node_t *l = n->left, *r = n->right;
		free(n);
		unref(l);
		n = r; /* tail loop on the right spine */
	}
}

/* The nodes the running zone_set_node has copied (the writer's thread
 * only), for the exact-match index to follow them. */
typedef struct {
	const zone_node_t **v;
	size_t n, cap;
	bool oom;
} created_t;
static _Thread_local created_t *tl_created;

static void note_created(const zone_node_t *c)
{
	created_t *cr = tl_created;
	if (cr == NULL || cr->oom)
		return;
	if (cr->n == cr->cap) {
		size_t cap = cr->cap ? 2 * cr->cap : 64;
		const zone_node_t **v = realloc(cr->v, cap * sizeof(*v));
		if (v == NULL) {
			cr->oom = true;
			return;
		}
		cr->v = v;
		cr->cap = cap;
	}
	cr->v[cr->n++] = c;
}

/* A malloc'd copy of t's data with the given (owned) children. */
static zone_node_t *clone(const zone_node_t *t, zone_node_t *left, zone_node_t *right)
{
	zone_node_t *c = malloc(sizeof(*c) + t->size);
	if (c == NULL) {
		unref(left);
		unref(right);
		return NULL;
	}
	memcpy(c, t, sizeof(*c) + t->size);
	c->refs = 1;
	c->left = left;
	c->right = right;
	note_created(c);
	return c;
}

/* ---- node contents ---- */

#define RRSET_HDR 12 /* type, ttl, count, bytes */

static bool new_rrset(const zone_rr_data_t *prev, const zone_rr_data_t *cur)
{
	return zone_rrset_id(prev->type, prev->rdata, prev->rdlen) !=
	       zone_rrset_id(cur->type, cur->rdata, cur->rdlen);
}

zone_node_t *zone_node_build(const uint8_t *key, size_t keylen, const zone_rr_data_t *rrs,
			     size_t n, arena_t *arena)
{
	size_t size = keylen;
	size_t nsets = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || new_rrset(&rrs[i - 1], &rrs[i])) {
			size += RRSET_HDR;
			nsets++;
		}
		size += 2 + (size_t)rrs[i].rdlen;
	}
	if (nsets > UINT16_MAX || size > UINT32_MAX)
		return NULL;
	zone_node_t *node = arena ? arena_alloc(arena, sizeof(*node) + size)
				  : malloc(sizeof(*node) + size);
	if (node == NULL)
		return NULL;
	node->left = node->right = NULL;
	node->prio = zone_key_hash(key, keylen);
	node->refs = arena ? ZONE_NODE_ARENA : 1;
	node->size = (uint32_t)size;
	node->keylen = (uint16_t)keylen;
	node->nrrsets = (uint16_t)nsets;
	uint8_t *p = node->data;
	memcpy(p, key, keylen);
	p += keylen;
	uint8_t *hdr = NULL;
	uint32_t bytes = 0;
	uint16_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || new_rrset(&rrs[i - 1], &rrs[i])) {
			if (hdr != NULL) {
				wire_put_u16(hdr + 6, count);
				wire_put_u32(hdr + 8, bytes);
			}
			hdr = p;
			wire_put_u16(hdr, rrs[i].type);
			wire_put_u32(hdr + 2, rrs[i].ttl);
			p += RRSET_HDR;
			bytes = 0;
			count = 0;
		}
		wire_put_u16(p, rrs[i].rdlen);
		if (rrs[i].rdlen)
			memcpy(p + 2, rrs[i].rdata, rrs[i].rdlen);
		p += 2 + rrs[i].rdlen;
		bytes += 2u + rrs[i].rdlen;
		count++;
	}
	if (hdr != NULL) {
		wire_put_u16(hdr + 6, count);
		wire_put_u32(hdr + 8, bytes);
	}
	return node;
}

zone_rrset_t zone_node_rrset_at(const zone_node_t *n, size_t i)
{
	const uint8_t *p = n->data + n->keylen;
	for (;;) {
		if (i == 0) {
			zone_rrset_t rs = {wire_get_u16(p), wire_get_u16(p + 6), wire_get_u32(p + 2),
					   p + RRSET_HDR};
			return rs;
		}
		p += RRSET_HDR + wire_get_u32(p + 8);
		i--;
	}
}

bool zone_node_rrset(const zone_node_t *n, uint16_t type, zone_rrset_t *out)
{
	const uint8_t *p = n->data + n->keylen;
	for (uint16_t i = 0; i < n->nrrsets; i++) {
		uint16_t t = wire_get_u16(p);
		if (t == type) {
			zone_rrset_t rs = {t, wire_get_u16(p + 6), wire_get_u32(p + 2),
					   p + RRSET_HDR};
			*out = rs;
			return true;
		}
		if (t > type)
			return false;
		p += RRSET_HDR + wire_get_u32(p + 8);
	}
	return false;
}

bool zone_rrset_next(const zone_rrset_t *rs, size_t *pos, const uint8_t **rd, uint16_t *len)
{
	/* pos counts RRs in its low 16 bits and bytes above them */
	size_t idx = *pos & 0xffff, off = *pos >> 16;
	if (idx >= rs->count)
		return false;
	*len = wire_get_u16(rs->rdata + off);
	*rd = rs->rdata + off + 2;
	*pos = ((off + 2 + *len) << 16) | (idx + 1);
	return true;
}

int zone_node_owner(const zone_node_t *n, uint8_t *out)
{
	return name_from_key(n->data, n->keylen, out);
}

static size_t node_records(const zone_node_t *n)
{
	size_t r = 0;
	if (n == NULL)
		return 0;
	for (size_t i = 0; i < n->nrrsets; i++)
		r += zone_node_rrset_at(n, i).count;
	return r;
}

/* ---- the exact-match index ---- */

static size_t hpage_size(unsigned slot_bits)
{
	size_t slots = (size_t)1 << slot_bits;
	return sizeof(hpage_t) + slots * sizeof(hslot_t);
}

static hpage_t *hpage_new(unsigned slot_bits)
{
	hpage_t *p = calloc(1, hpage_size(slot_bits));
	if (p != NULL)
		p->refs = 1;
	return p;
}

static void hpage_unref(hpage_t *p)
{
	if (p != NULL && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(p);
}

static void hidx_free(struct zone_hidx *x)
{
	if (x == NULL)
		return;
	for (uint32_t i = 0; i < x->npages; i++)
		hpage_unref(x->pages[i]);
	free(x);
}

/* An empty index of at least 2 * n slots (load factor <= 1/2). */
static struct zone_hidx *hidx_new(size_t n)
{
	unsigned bits = 4;
	while (((size_t)1 << bits) < 2 * n && bits < 40)
		bits++;
	unsigned sb = bits < HIDX_MAX_SLOT_BITS ? bits : HIDX_MAX_SLOT_BITS;
	size_t npages = (size_t)1 << (bits - sb);
	if (npages > UINT32_MAX / 2)
		return NULL;
	struct zone_hidx *x = calloc(1, sizeof(*x) + npages * sizeof(hpage_t *));
	if (x == NULL)
		return NULL;
	x->npages = (uint32_t)npages;
	x->slot_bits = (uint8_t)sb;
	for (size_t i = 0; i < npages; i++) {
		x->pages[i] = hpage_new(sb);
		if (x->pages[i] == NULL) {
			hidx_free(x);
			return NULL;
		}
	}
	return x;
}

static inline hpage_t *hidx_page(const struct zone_hidx *x, uint32_t h)
{
	return x->pages[(h >> x->slot_bits) & (x->npages - 1)];
}

static const zone_node_t *hidx_find(const struct zone_hidx *x, uint32_t h, const uint8_t *key,
				    size_t keylen)
{
	const hslot_t *slot = hidx_page(x, h)->slot;
	uint32_t mask = (1u << x->slot_bits) - 1;
	/* a page always has an empty slot (hpage_put) */
	for (uint32_t i = h & mask;; i = (i + 1) & mask) {
		if (slot[i] == 0)
			return NULL;
		const zone_node_t *n = hslot_node(slot[i]);
		if (hslot_is(slot[i], h) && n->keylen == keylen && memcmp(n->data, key, keylen) == 0)
			return n;
	}
}

/* The page of hash h, owned by this index alone (copied when shared). */
static hpage_t *hidx_own(struct zone_hidx *x, uint32_t h)
{
	uint32_t pi = (h >> x->slot_bits) & (x->npages - 1);
	hpage_t *p = x->pages[pi];
	if (__atomic_load_n(&p->refs, __ATOMIC_ACQUIRE) == 1)
		return p;
	hpage_t *c = malloc(hpage_size(x->slot_bits));
	if (c == NULL)
		return NULL;
	memcpy(c, p, hpage_size(x->slot_bits));
	c->refs = 1;
	hpage_unref(p);
	x->pages[pi] = c;
	return c;
}

/* Puts n (hash h) into a page: 1 if its key was new, 0 if it replaced
 * the entry of its key, -1 if the page has no room left for a new key
 * (one slot always stays empty so that probes end). */
static int hpage_put(hpage_t *p, unsigned slot_bits, uint32_t h, const zone_node_t *n)
{
	hslot_t *slot = p->slot;
	uint32_t mask = (1u << slot_bits) - 1;
	uint32_t i = h & mask;
	if ((uintptr_t)n >> HSLOT_PTR_BITS != 0)
		return -1; /* no room for the tag: the version does without */
	hslot_t e = (uint64_t)(uintptr_t)n | hslot_tag(h) << HSLOT_PTR_BITS;
	for (; slot[i] != 0; i = (i + 1) & mask) {
		const zone_node_t *o = hslot_node(slot[i]);
		if (hslot_is(slot[i], h) && o->keylen == n->keylen &&
		    memcmp(o->data, n->data, n->keylen) == 0) {
			slot[i] = e;
			return 0;
		}
	}
	if (p->count + 1 >= (1u << slot_bits))
		return -1;
	slot[i] = e;
	p->count++;
	return 1;
}

/* Removes the key's entry from a page (backward-shift deletion keeps
 * every probe sequence unbroken). */
static bool hpage_del(hpage_t *p, unsigned slot_bits, uint32_t h, const uint8_t *key,
		      size_t keylen)
{
	hslot_t *slot = p->slot;
	uint32_t mask = (1u << slot_bits) - 1;
	uint32_t i = h & mask;
	for (;; i = (i + 1) & mask) {
		if (slot[i] == 0)
			return false;
		const zone_node_t *o = hslot_node(slot[i]);
		if (hslot_is(slot[i], h) && o->keylen == keylen && memcmp(o->data, key, keylen) == 0)
			break;
	}
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (slot[j] == 0)
			break;
		uint32_t home = hslot_home(slot[j], mask);
		/* j's entry may move to the hole at i when its home is not
		 * cyclically in (i, j] */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		slot[i] = slot[j];
		i = j;
	}
	slot[i] = 0;
	p->count--;
	return true;
}

static bool hidx_needs_growth(const struct zone_hidx *x, const hpage_t *p)
{
	size_t slots = (size_t)1 << x->slot_bits;
	return p->count + 1 > slots - slots / 8 ||
	       (x->count + 1) * 8 > ((size_t)x->npages << x->slot_bits) * 5;
}

/* A new index of twice the size with every entry of x (x is kept), or
 * NULL on ENOMEM or when the keys crowd one page even so: hashes that
 * collide on purpose are no reason to grow without end; the version then
 * does without an index. */
static struct zone_hidx *hidx_grow(const struct zone_hidx *x)
{
	size_t slots = (size_t)x->npages << x->slot_bits;
	if (x->count * 4 < slots)
		return NULL; /* crowded, not full */
	struct zone_hidx *g = hidx_new(slots);
	if (g == NULL)
		return NULL;
	for (uint32_t pi = 0; pi < x->npages; pi++) {
		const hslot_t *slot = x->pages[pi]->slot;
		for (size_t i = 0; i < ((size_t)1 << x->slot_bits); i++) {
			if (slot[i] == 0)
				continue;
			const zone_node_t *n = hslot_node(slot[i]);
			if (hpage_put(hidx_page(g, n->prio), g->slot_bits, n->prio, n) < 0) {
				hidx_free(g);
				return NULL;
			}
		}
	}
	g->count = x->count;
	return g;
}

/* Maps n's key to n in the version's index; false when the index had to
 * be given up (ENOMEM or crowding: *xp is then NULL). */
static bool hidx_set(struct zone_hidx **xp, const zone_node_t *n)
{
	struct zone_hidx *x = *xp;
	uint32_t h = n->prio; /* zone_key_hash of the key */
	hpage_t *p;
	if (hidx_needs_growth(x, hidx_page(x, h))) {
		struct zone_hidx *g = hidx_grow(x);
		hidx_free(x);
		*xp = x = g;
		if (x == NULL)
			return false;
	}
	int rc = (p = hidx_own(x, h)) == NULL ? -1 : hpage_put(p, x->slot_bits, h, n);
	if (rc < 0) {
		hidx_free(x);
		*xp = NULL;
		return false;
	}
	x->count += (size_t)rc;
	return true;
}

static bool hidx_del(struct zone_hidx **xp, const uint8_t *key, size_t keylen)
{
	struct zone_hidx *x = *xp;
	uint32_t h = zone_key_hash(key, keylen);
	hpage_t *p = hidx_own(x, h);
	if (p == NULL) {
		hidx_free(x);
		*xp = NULL;
		return false;
	}
	if (hpage_del(p, x->slot_bits, h, key, keylen))
		x->count--;
	return true;
}

/* An index of the nodes nodes[0..n) (a bulk load's, in arena order: read
 * in sequence, each slot prefetched a few nodes ahead), or NULL on
 * ENOMEM or crowding. */
static struct zone_hidx *hidx_build_array(const zone_node_t *const *nodes, size_t n)
{
	struct zone_hidx *x = hidx_new(n);
	if (x == NULL)
		return NULL;
	uint32_t mask = (1u << x->slot_bits) - 1;
	for (size_t i = 0; i < n; i++) {
		if (i + 8 < n) {
			uint32_t h = nodes[i + 8]->prio;
			__builtin_prefetch(&hidx_page(x, h)->slot[h & mask], 1);
		}
		if (hpage_put(hidx_page(x, nodes[i]->prio), x->slot_bits, nodes[i]->prio,
			      nodes[i]) < 0) {
			hidx_free(x);
			return NULL;
		}
		x->count++;
	}
	return x;
}

/* ---- lookups ---- */

const zone_node_t *zone_find_key(const zone_t *z, const uint8_t *key, size_t keylen)
{
	if (z->hidx != NULL)
		return hidx_find(z->hidx, zone_key_hash(key, keylen), key, keylen);
	const zone_node_t *t = z->root;
	while (t != NULL) {
		int c = keycmp(key, keylen, t->data, t->keylen);
		if (c == 0)
			return t;
		t = c < 0 ? t->left : t->right;
	}
	return NULL;
}

const zone_node_t *zone_find(const zone_t *z, const uint8_t *name)
{
	uint8_t key[NAME_KEY_MAXLEN];
	size_t kl = name_to_key(name, key);
	return zone_find_key(z, key, kl);
}

const zone_node_t *zone_find_prev(const zone_t *z, const uint8_t *key, size_t keylen)
{
	const zone_node_t *t = z->root, *best = NULL;
	while (t != NULL) {
		if (keycmp(t->data, t->keylen, key, keylen) < 0) {
			best = t;
			t = t->right;
		} else {
			t = t->left;
		}
	}
	return best;
}

const zone_node_t *zone_find_ge(const zone_t *z, const uint8_t *key, size_t keylen)
{
	const zone_node_t *t = z->root, *best = NULL;
	while (t != NULL) {
		if (keycmp(t->data, t->keylen, key, keylen) >= 0) {
			best = t;
			t = t->left;
		} else {
			t = t->right;
		}
	}
	return best;
}

int zone_closest_encloser(const zone_t *z, const uint8_t *name, const zone_node_t **node)
{
	uint8_t key[NAME_KEY_MAXLEN];
	size_t kl = name_to_key(name, key);
	if (kl < z->origin_keylen || memcmp(key, z->origin_key, z->origin_keylen) != 0)
		return -1;
	int labels = name_labels(name);
	size_t len = kl;
	for (;;) {
		const zone_node_t *n = zone_find_key(z, key, len);
		if (n != NULL) {
			*node = n;
			return labels;
		}
		/* an empty non-terminal has a node whose key extends its own */
		const zone_node_t *ge = zone_may_be_ent(z, key, len) ? zone_find_ge(z, key, len) : NULL;
		if (ge != NULL && ge->keylen > len && memcmp(ge->data, key, len) == 0) {
			*node = NULL;
			return labels;
		}
		if (len <= z->origin_keylen)
			break;
		/* drop the last label: back to the previous separator */
		len--;
		while (len > 0 && key[len - 1] != 0)
			len--;
		labels--;
	}
	*node = NULL;
	return labels; /* the origin itself, even when the zone is empty */
}

/* ---- iteration ---- */

static void iter_push_left(zone_iter_t *it, const zone_node_t *n)
{
	while (n != NULL) {
		if (it->depth == it->cap) {
			size_t cap = it->cap ? it->cap * 2 : 64;
			const zone_node_t **s = realloc(it->stack, cap * sizeof(*s));
			if (s == NULL) {
				it->err = -ENOMEM;
				return;
			}
			it->stack = s;
			it->cap = cap;
		}
		it->stack[it->depth++] = n;
		n = n->left;
	}
}

void zone_iter_init(zone_iter_t *it, const zone_t *z)
{
	it->stack = NULL;
	it->depth = it->cap = 0;
	it->err = 0;
	iter_push_left(it, z->root);
}

const zone_node_t *zone_iter_next(zone_iter_t *it)
{
	if (it->err || it->depth == 0)
		return NULL;
	const zone_node_t *n = it->stack[--it->depth];
	iter_push_left(it, n->right);
	return it->err ? NULL : n;
}

void zone_iter_free(zone_iter_t *it)
{
	free(it->stack);
	it->stack = NULL;
	it->depth = it->cap = 0;
}

/* ---- filters for negative answers ---- */

/*
 * Two Bloom filters (two bits a key) of a version: the keys of its empty
 * non-terminals, and the keys of the parents of its wildcards.  Built
 * exactly from the tree; a change only adds keys (a deleted node's own
 * key too: with descendants it is an empty non-terminal now), so "no" is
 * always right and a stale bit costs only the look it would have cost
 * anyway.  Rebuilt from the tree by zone_clone when changes filled them.
 */
struct zone_filters {
	uint32_t ent_mask, wild_mask; /* bits - 1, powers of two */
	size_t ent_keys, wild_keys;   /* keys added (with repeats) */
	uint64_t bits[];              /* ent bits, then wild bits */
};

static inline void fbits(uint32_t h, uint32_t mask, uint32_t *a, uint32_t *b)
{
	*a = h & mask;
	*b = ((h >> 16 | h << 16) * 0x9e3779b1u >> 5) & mask;
}

/* Sets h's bits; whether any was new (a key already in adds nothing). */
static bool fset(uint64_t *w, uint32_t mask, uint32_t h)
{
	uint32_t a, b;
	fbits(h, mask, &a, &b);
	uint64_t oa = w[a >> 6], ob = w[b >> 6];
	w[a >> 6] |= 1ull << (a & 63);
	w[b >> 6] |= 1ull << (b & 63);
	return w[a >> 6] != oa || w[b >> 6] != ob;
}

static bool ftest(const uint64_t *w, uint32_t mask, uint32_t h)
{
	uint32_t a, b;
	fbits(h, mask, &a, &b);
	return (w[a >> 6] >> (a & 63) & 1) && (w[b >> 6] >> (b & 63) & 1);
}

static size_t fwords(uint32_t mask)
{
	return ((size_t)mask + 1) / 64;
}

static size_t filters_size(const struct zone_filters *f)
{
	return sizeof(*f) + (fwords(f->ent_mask) + fwords(f->wild_mask)) * sizeof(uint64_t);
}

static uint32_t fmask(size_t keys, size_t min_bits)
{
	size_t bits = min_bits;
	while (bits < 16 * keys && bits < ((size_t)1 << 31))
		bits *= 2;
	return (uint32_t)(bits - 1);
}

static void filter_add_ent(struct zone_filters *f, const uint8_t *key, size_t len)
{
	f->ent_keys += fset(f->bits, f->ent_mask, zone_key_hash(key, len));
}

static void filter_add_wild(struct zone_filters *f, const uint8_t *key, size_t len)
{
	f->wild_keys += fset(f->bits + fwords(f->ent_mask), f->wild_mask, zone_key_hash(key, len));
}

/* Whether key (len) ends with the label "*" (a wildcard owner). */
static bool key_is_wild(const uint8_t *key, size_t len)
{
	return len >= 2 && key[len - 2] == '*' && key[len - 1] == 0 && (len == 2 || key[len - 3] == 0);
}

/* Hashes collected by filters_walk. */
typedef struct {
	uint32_t *v;
	size_t n, cap;
	bool failed; /* ENOMEM */
} hashes_t;

static void hashes_add(hashes_t *h, uint32_t x)
{
	if (h->n == h->cap && !h->failed) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		uint32_t *v = realloc(h->v, cap * sizeof(*v));
		if (v == NULL) {
			h->failed = true;
			return;
		}
		h->v = v;
		h->cap = cap;
	}
	if (!h->failed)
		h->v[h->n++] = x;
}

/* One pass over the nodes in order (nodes[0..nn)): the hashes of the
 * empty non-terminals between each node and its nearest ancestor node
 * (kept on a stack: in canonical order a node's descendants follow it),
 * and of the wildcards' parents; the filters are sized by their numbers
 * afterwards. */
static void filters_walk(const zone_t *z, const zone_node_t *const *nodes, size_t nn,
			 hashes_t *ents, hashes_t *wilds)
{
	const zone_node_t *stack[NAME_MAXLABELS + 1];
	size_t depth = 0;
	for (size_t i = 0; i < nn; i++) {
		const zone_node_t *n = nodes[i];
		const uint8_t *k = n->data;
		size_t len = n->keylen;
		while (depth > 0 && !(stack[depth - 1]->keylen < len &&
				      memcmp(stack[depth - 1]->data, k, stack[depth - 1]->keylen) == 0))
			depth--;
		size_t above = depth > 0 ? stack[depth - 1]->keylen : 0;
		/* every label boundary strictly between the nearest ancestor
		 * node (or the origin) and the node is an ENT */
		size_t from = above > z->origin_keylen ? above + 1 : z->origin_keylen;
		for (size_t p = from; p < len; p++) {
			if (p == 0 || k[p - 1] != 0 || p == above)
				continue;
			hashes_add(ents, zone_key_hash(k, p));
		}
		if (key_is_wild(k, len))
			hashes_add(wilds, zone_key_hash(k, len - 2));
		if (depth < NAME_MAXLABELS + 1)
			stack[depth++] = n;
	}
}

/* Filters of z, whose nodes in order are nodes[0..n), or NULL (ENOMEM:
 * every answer is "maybe"). */
static struct zone_filters *filters_build(const zone_t *z, const zone_node_t *const *nodes,
					  size_t n)
{
	if (nodes == NULL)
		return NULL;
	hashes_t ents = {0}, wilds = {0};
	filters_walk(z, nodes, n, &ents, &wilds);
	struct zone_filters *f = NULL;
	if (!ents.failed && !wilds.failed) {
		uint32_t em = fmask(ents.n, 4096), wm = fmask(wilds.n, 256);
		f = calloc(1, sizeof(*f) + (fwords(em) + fwords(wm)) * sizeof(uint64_t));
		if (f != NULL) {
			f->ent_mask = em;
			f->wild_mask = wm;
			for (size_t i = 0; i < ents.n; i++)
				f->ent_keys += fset(f->bits, f->ent_mask, ents.v[i]);
			for (size_t i = 0; i < wilds.n; i++)
				f->wild_keys +=
				    fset(f->bits + fwords(f->ent_mask), f->wild_mask, wilds.v[i]);
		}
	}
	free(ents.v);
	free(wilds.v);
	return f;
}

/* z's nodes in canonical order (malloc'd, z->nodes of them), for the
 * rebuilds of its index and filters; NULL on ENOMEM. */
static const zone_node_t **zone_nodes(const zone_t *z)
{
	const zone_node_t **v = malloc((z->nodes ? z->nodes : 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	zone_iter_t it;
	zone_iter_init(&it, z);
	size_t n = 0;
	const zone_node_t *node;
	while (n < z->nodes && (node = zone_iter_next(&it)) != NULL)
		v[n++] = node;
	int err = it.err;
	zone_iter_free(&it);
	if (err != 0 || n != z->nodes) {
		free(v);
		return NULL;
	}
	return v;
}

/* Whether f has taken so many keys since it was sized that it says
 * "maybe" too often (more than about 5 %). */
static bool filters_full(const struct zone_filters *f)
{
	return f->ent_keys * 8 > (size_t)f->ent_mask + 1 ||
	       f->wild_keys * 8 > (size_t)f->wild_mask + 1;
}

bool zone_may_be_ent(const zone_t *z, const uint8_t *key, size_t keylen)
{
	const struct zone_filters *f = z->filters;
	return f == NULL || ftest(f->bits, f->ent_mask, zone_key_hash(key, keylen));
}

bool zone_may_have_wildcard(const zone_t *z, const uint8_t *key, size_t keylen)
{
	const struct zone_filters *f = z->filters;
	return f == NULL ||
	       ftest(f->bits + fwords(f->ent_mask), f->wild_mask, zone_key_hash(key, keylen));
}

static void filters_note_added(zone_t *d, struct zone_filters *f, const uint8_t *key,
			       size_t keylen);

/* After a change of the draft: the new node's missing ancestors are
 * empty non-terminals now (up to the first ancestor that has a node: all
 * above it are nodes or known ENTs already); a deleted node with nodes
 * below it is one.  Filters that changes filled are rebuilt (sized by
 * what they hold, so rebuilds get rarer as they grow). */
static void filters_note(zone_t *d, const uint8_t *key, size_t keylen, bool added)
{
	struct zone_filters *f = d->filters;
	if (f == NULL)
		return;
	if (!added) {
		const zone_node_t *ge = zone_find_ge(d, key, keylen);
		if (ge != NULL && ge->keylen > keylen && memcmp(ge->data, key, keylen) == 0)
			filter_add_ent(f, key, keylen);
	} else {
		filters_note_added(d, f, key, keylen);
	}
	if (filters_full(f)) {
		free(f);
		const zone_node_t **v = zone_nodes(d);
		d->filters = filters_build(d, v, d->nodes);
		free(v);
	}
}

static void filters_note_added(zone_t *d, struct zone_filters *f, const uint8_t *key,
			       size_t keylen)
{
	if (key_is_wild(key, keylen))
		filter_add_wild(f, key, keylen - 2);
	for (size_t p = keylen - 1; p >= d->origin_keylen && p > 0; p--) {
		if (key[p - 1] != 0)
			continue;
		if (zone_find_key(d, key, p) != NULL)
			break;
		filter_add_ent(f, key, p);
	}
}

/* ---- versions ---- */

static void find_serial(zone_t *z)
{
	const zone_node_t *apex = zone_find_key(z, z->origin_key, z->origin_keylen);
	z->apex = apex;
	zone_rrset_t soa;
	z->serial = 0;
	if (apex != NULL && zone_node_rrset(apex, 6 /* SOA */, &soa)) {
		const uint8_t *rd;
		uint16_t len;
		size_t pos = 0;
		if (zone_rrset_next(&soa, &pos, &rd, &len) && len >= 20)
			z->serial = wire_get_u32(rd + len - 20);
	}
}

static zone_t *zone_alloc(const uint8_t *origin)
{
	zone_t *z = calloc(1, sizeof(*z));
	if (z == NULL)
		return NULL;
	size_t ol = name_length(origin);
	memcpy(z->origin, origin, ol);
	z->origin_keylen = name_to_key(origin, z->origin_key);
	return z;
}

zone_t *zone_from_sorted(const uint8_t *origin, zone_node_t **nodes, size_t n, arena_t *arena)
{
	zone_t *z = zone_alloc(origin);
	zone_store_t *store = malloc(sizeof(*store));
	zone_node_t **stack = malloc((n ? n : 1) * sizeof(*stack));
	if (z == NULL || store == NULL || stack == NULL) {
		free(z);
		free(store);
		free(stack);
		return NULL;
	}
	/* Cartesian-tree construction over keys in order, O(n): the right
	 * spine is kept on a stack. */
	size_t depth = 0;
	for (size_t i = 0; i < n; i++) {
		zone_node_t *x = nodes[i], *last = NULL;
		while (depth > 0 && prio_gt(x, stack[depth - 1]))
			last = stack[--depth];
		x->left = last;
		x->right = NULL;
		if (depth > 0)
			stack[depth - 1]->right = x;
		stack[depth++] = x;
		z->records += node_records(x);
	}
	z->root = depth > 0 ? stack[0] : NULL;
	free(stack);
	z->nodes = n;
	store->arena = *arena;
	store->refs = 1;
	arena_init(arena, arena->chunk_size); /* taken over */
	z->store = store;
	const zone_node_t *const *in_order = (const zone_node_t *const *)nodes;
	z->hidx = hidx_build_array(in_order, n);    /* NULL: lookups use the treap */
	z->filters = filters_build(z, in_order, n); /* NULL: every answer "maybe" */
	find_serial(z);
	return z;
}

zone_t *zone_clone(const zone_t *z)
{
	zone_t *c = malloc(sizeof(*c));
	if (c == NULL)
		return NULL;
	*c = *z;
	c->hidx = NULL;
	if (z->hidx != NULL) {
		size_t sz = sizeof(*z->hidx) + z->hidx->npages * sizeof(hpage_t *);
		c->hidx = malloc(sz);
		if (c->hidx == NULL) {
			free(c);
			return NULL;
		}
		memcpy(c->hidx, z->hidx, sz);
		for (uint32_t i = 0; i < c->hidx->npages; i++)
			__atomic_add_fetch(&c->hidx->pages[i]->refs, 1, __ATOMIC_RELAXED);
	}
	c->filters = NULL;
	if (z->filters != NULL && !filters_full(z->filters)) {
		c->filters = malloc(filters_size(z->filters));
		if (c->filters != NULL)
			memcpy(c->filters, z->filters, filters_size(z->filters));
	}
	c->root = ref(z->root);
	if (c->hidx == NULL || c->filters == NULL) {
		/* given up before (ENOMEM, crowding) or filled: built again */
		const zone_node_t **v = zone_nodes(c);
		if (c->hidx == NULL && v != NULL)
			c->hidx = hidx_build_array(v, c->nodes);
		if (c->filters == NULL)
			c->filters = filters_build(c, v, c->nodes);
		free(v);
	}
	if (c->store != NULL)
		c->store->refs++;
	return c;
}

void zone_free(zone_t *z)
{
	if (z == NULL)
		return;
	hidx_free(z->hidx);
	free(z->filters);
	unref(z->root);
	if (z->store != NULL && --z->store->refs == 0) {
		arena_free(&z->store->arena);
		free(z->store);
	}
	free(z);
}

/* Splits t (borrowed) into the keys below and above node x's key, which
 * t must not contain.  Results are owned; false on ENOMEM. */
static bool split(zone_node_t *t, const zone_node_t *x, zone_node_t **l, zone_node_t **r)
{
	if (t == NULL) {
		*l = *r = NULL;
		return true;
	}
	if (nodecmp(x, t) < 0) {
		zone_node_t *ll, *lr;
		if (!split(t->left, x, &ll, &lr))
			return false;
		*l = ll;
		*r = clone(t, lr, ref(t->right));
		if (*r == NULL) {
			unref(ll);
			return false;
		}
	} else {
		zone_node_t *rl, *rr;
		if (!split(t->right, x, &rl, &rr))
			return false;
		*r = rr;
		*l = clone(t, ref(t->left), rl);
		if (*l == NULL) {
			unref(rr);
			return false;
		}
	}
	return true;
}

/* t with x inserted, or replacing the node of the same key.  x is taken
 * over; NULL on ENOMEM (x is freed). */
static zone_node_t *insert(zone_node_t *t, zone_node_t *x)
{
	if (t == NULL)
		return x;
	int c = nodecmp(x, t);
	if (c == 0) {
		x->left = ref(t->left);
		x->right = ref(t->right);
		return x;
	}
	if (prio_gt(x, t)) {
		/* x's key is not in t: a node of that key would have x's
		 * priority and so sit above t */
		if (!split(t, x, &x->left, &x->right)) {
			free(x);
			return NULL;
		}
		return x;
	}
	if (c < 0) {
		zone_node_t *l = insert(t->left, x);
		return l ? clone(t, l, ref(t->right)) : NULL;
	}
	zone_node_t *r = insert(t->right, x);
	return r ? clone(t, ref(t->left), r) : NULL;
}

/* The union of a and b (borrowed; all keys of a below those of b). */
static zone_node_t *merge(zone_node_t *a, zone_node_t *b, bool *ok)
{
	if (a == NULL)
		return ref(b);
	if (b == NULL)
		return ref(a);
	if (prio_gt(a, b)) {
		zone_node_t *r = merge(a->right, b, ok);
		if (!*ok)
			return NULL;
		zone_node_t *c = clone(a, ref(a->left), r);
		*ok = c != NULL;
		return c;
	}
	zone_node_t *l = merge(a, b->left, ok);
	if (!*ok)
		return NULL;
	zone_node_t *c = clone(b, l, ref(b->right));
	*ok = c != NULL;
	return c;
}

static zone_node_t *erase(zone_node_t *t, const uint8_t *key, size_t keylen, bool *ok)
{
	if (t == NULL)
		return NULL;
	int c = keycmp(key, keylen, t->data, t->keylen);
	if (c == 0)
		return merge(t->left, t->right, ok);
	zone_node_t *sub = erase(c < 0 ? t->left : t->right, key, keylen, ok);
	if (!*ok)
		return NULL;
	zone_node_t *n = c < 0 ? clone(t, sub, ref(t->right)) : clone(t, ref(t->left), sub);
	*ok = n != NULL;
	return n;
}

int zone_set_node(zone_t *draft, const uint8_t *key, size_t keylen, zone_node_t *node)
{
	const zone_node_t *old = zone_find_key(draft, key, keylen);
	if (node == NULL && old == NULL)
		return 0;
	created_t created = {0};
	tl_created = &created;
	zone_node_t *root;
	bool ok = true;
	if (node != NULL) {
		root = insert(draft->root, node);
		ok = root != NULL;
	} else {
		root = erase(draft->root, key, keylen, &ok);
	}
	tl_created = NULL;
	if (!ok) {
		free(created.v);
		return -ENOMEM;
	}
	draft->records -= node_records(old);
	draft->records += node_records(node);
	draft->nodes += (node != NULL) - (old != NULL);
	/* the index follows every node this change made: the new one and
	 * the copies on its paths; a failure gives the index up, not the
	 * change */
	if (draft->hidx != NULL && created.oom) {
		hidx_free(draft->hidx);
		draft->hidx = NULL;
	}
	if (draft->hidx != NULL)
		ok = node != NULL ? hidx_set(&draft->hidx, node) : hidx_del(&draft->hidx, key, keylen);
	for (size_t i = 0; ok && draft->hidx != NULL && i < created.n; i++)
		ok = hidx_set(&draft->hidx, created.v[i]);
	free(created.v);
	unref(draft->root); /* may free old, so counted before */
	draft->root = root;
	if (old == NULL || node == NULL)
		filters_note(draft, key, keylen, node != NULL);
	/* any change may have path-copied the apex node */
	find_serial(draft);
	return 0;
}
