/*
 * The journal on LMDB.  The layout (databases, keys, values byte by byte)
 * and the crash-safety argument are in doc/journal.md; this file follows
 * it.  Every public operation is one LMDB transaction, so every invariant
 * below holds at every commit:
 *
 *   - a zone's changesets have keys origin|seq for seq in
 *     [first_seq, next_seq) of its header, with no gaps;
 *   - changeset seq ends at the serial where seq+1 starts;
 *   - the serial index maps the start serial of each of them to its seq,
 *     and the serials (starts and the last end) are pairwise distinct;
 *   - the header's first/last serial and byte count match the records.
 */
#include "server/journal.h"

#include <errno.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "zone/serial.h"

#define CS_HDR_LEN     18 /* version, flags, 2 serials, 2 counts */
#define RR_MIN_LEN     9  /* root owner, type, ttl, rdlen */
#define ZHDR_LEN       36
#define TIMERS_LEN     29
#define ZHDR_VERSION   1
#define TIMERS_VERSION 1
#define CS_VERSION     1
#define CS_HAS_FROM    0x01
#define CS_HAS_TO      0x02
#define KEY_MAX        (NAME_MAXLEN + 8)

_Static_assert(CS_HDR_LEN == 1 + 1 + 4 + 4 + 4 + 4, "changeset header size");
_Static_assert(ZHDR_LEN == 1 + 1 + 2 + 8 + 8 + 4 + 4 + 8, "zone header size");
_Static_assert(TIMERS_LEN == 1 + 8 + 8 + 8 + 4, "timers size");

struct journal {
	MDB_env *env;
	MDB_dbi meta, zones, changesets, serials, timers;
	size_t zone_limit;
	size_t map_pages, reserve_pages, page_size;
};

/* The zone header (database "zones"). */
typedef struct {
	uint64_t first_seq, next_seq;
	uint32_t first_serial, last_serial;
	uint64_t bytes;
} zhdr_t;

static int lmdb_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return ERR_NOTFOUND;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case MDB_READERS_FULL:
	case MDB_DBS_FULL:
		return ERR_SPACE;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
	case MDB_BAD_VALSIZE:
		return ERR_MALFORMED;
	default:
		return rc > 0 ? -rc : ERR_INVAL;
	}
}

/* ---- keys ---- */

/* The zone key: the origin lower-cased.  Wire names are prefix-free, so
 * all keys starting with it belong to this zone. */
static size_t zone_key(const uint8_t *origin, uint8_t *key)
{
	size_t n = name_length(origin);
	memcpy(key, origin, n);
	name_to_lower(key);
	return n;
}

static size_t seq_key(const uint8_t *origin, uint64_t seq, uint8_t *key)
{
	size_t n = zone_key(origin, key);
	wire_put_u32(key + n, (uint32_t)(seq >> 32));
	wire_put_u32(key + n + 4, (uint32_t)seq);
	return n + 8;
}

static size_t serial_key(const uint8_t *origin, uint32_t serial, uint8_t *key)
{
	size_t n = zone_key(origin, key);
	wire_put_u32(key + n, serial);
	return n + 4;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)wire_get_u32(p) << 32 | wire_get_u32(p + 4);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	wire_put_u32(p, (uint32_t)(v >> 32));
	wire_put_u32(p + 4, (uint32_t)v);
}

/* ---- the changeset encoding ---- */

/* The serial of SOA rdata, or ERR_MALFORMED. */
static int soa_serial(const uint8_t *rd, size_t len, uint32_t *serial)
{
	size_t pos = 0;
	for (int i = 0; i < 2; i++) {
		int n = name_check(rd + pos, len - pos);
		if (n < 0)
			return ERR_MALFORMED;
		pos += (size_t)n;
	}
	if (len - pos < 20)
		return ERR_MALFORMED;
	*serial = wire_get_u32(rd + pos);
	return 0;
}

static size_t rr_size(const changeset_rr_t *rr)
{
	return name_length(rr->owner) + 8 + rr->rdlen;
}

size_t journal_changeset_size(const changeset_t *cs)
{
	size_t n = CS_HDR_LEN;
	if (cs->soa_from.owner)
		n += rr_size(&cs->soa_from);
	if (cs->soa_to.owner)
		n += rr_size(&cs->soa_to);
	for (size_t i = 0; i < cs->nremoved; i++)
		n += rr_size(&cs->removed[i]);
	for (size_t i = 0; i < cs->nadded; i++)
		n += rr_size(&cs->added[i]);
	return n;
}

static void write_rr(wire_t *w, const changeset_rr_t *rr)
{
	wire_write(w, rr->owner, name_length(rr->owner));
	wire_write_u16(w, rr->type);
	wire_write_u32(w, rr->ttl);
	wire_write_u16(w, rr->rdlen);
	wire_write(w, rr->rdata, rr->rdlen);
}

int journal_changeset_encode(const changeset_t *cs, uint8_t *buf, size_t cap, size_t *len)
{
	uint32_t sf = 0, st = 0;
	uint8_t flags = 0;
	if (cs->soa_from.owner) {
		if (cs->soa_from.type != RRTYPE_SOA ||
		    soa_serial(cs->soa_from.rdata, cs->soa_from.rdlen, &sf) < 0)
			return ERR_INVAL;
		flags |= CS_HAS_FROM;
	}
	if (cs->soa_to.owner) {
		if (cs->soa_to.type != RRTYPE_SOA ||
		    soa_serial(cs->soa_to.rdata, cs->soa_to.rdlen, &st) < 0)
			return ERR_INVAL;
		flags |= CS_HAS_TO;
	}
	if (cs->nremoved > UINT32_MAX || cs->nadded > UINT32_MAX)
		return ERR_INVAL;
	wire_t w = wire_init(buf, cap);
	wire_write_u8(&w, CS_VERSION);
	wire_write_u8(&w, flags);
	wire_write_u32(&w, sf);
	wire_write_u32(&w, st);
	wire_write_u32(&w, (uint32_t)cs->nremoved);
	wire_write_u32(&w, (uint32_t)cs->nadded);
	if (cs->soa_from.owner)
		write_rr(&w, &cs->soa_from);
	if (cs->soa_to.owner)
		write_rr(&w, &cs->soa_to);
	for (size_t i = 0; i < cs->nremoved; i++)
		write_rr(&w, &cs->removed[i]);
	for (size_t i = 0; i < cs->nadded; i++)
		write_rr(&w, &cs->added[i]);
	if (w.err)
		return w.err;
	*len = wire_offset(&w);
	return 0;
}

/* Reads and validates one RR.  soa: it must be an SOA (else it must not
 * be one: an SOA in the lists would silently replace an SOA slot). */
static int read_rr(wire_t *w, bool soa, changeset_t *cs, bool add)
{
	uint8_t owner[NAME_MAXLEN];
	int n = name_check(w->pos, wire_avail(w));
	if (n < 0)
		return ERR_MALFORMED;
	wire_read(w, owner, (size_t)n);
	uint16_t type = wire_read_u16(w);
	uint32_t ttl = wire_read_u32(w);
	uint16_t rdlen = wire_read_u16(w);
	if (w->err || wire_avail(w) < rdlen)
		return ERR_MALFORMED;
	const uint8_t *rd = w->pos;
	wire_skip(w, rdlen);
	if ((type == RRTYPE_SOA) != soa || rdata_check(type, rd, rdlen) != 0)
		return ERR_MALFORMED;
	int rc = add ? changeset_add(cs, owner, type, ttl, rd, rdlen)
		     : changeset_remove(cs, owner, type, ttl, rd, rdlen);
	return rc == -ENOMEM ? rc : rc < 0 ? ERR_MALFORMED : 0;
}

int journal_changeset_decode(const uint8_t *buf, size_t len, changeset_t *cs)
{
	wire_t w = wire_init_const(buf, len);
	uint8_t version = wire_read_u8(&w);
	uint8_t flags = wire_read_u8(&w);
	uint32_t sf = wire_read_u32(&w);
	uint32_t st = wire_read_u32(&w);
	uint32_t nrem = wire_read_u32(&w);
	uint32_t nadd = wire_read_u32(&w);
	if (w.err || version != CS_VERSION || (flags & ~(CS_HAS_FROM | CS_HAS_TO)))
		return ERR_MALFORMED;
	/* counts that cannot fit are refused before anything is allocated */
	if ((uint64_t)nrem + nadd > wire_avail(&w) / RR_MIN_LEN)
		return ERR_MALFORMED;
	int rc;
	if ((flags & CS_HAS_FROM) && (rc = read_rr(&w, true, cs, false)) < 0)
		return rc;
	if ((flags & CS_HAS_TO) && (rc = read_rr(&w, true, cs, true)) < 0)
		return rc;
	for (uint32_t i = 0; i < nrem; i++)
		if ((rc = read_rr(&w, false, cs, false)) < 0)
			return rc;
	for (uint32_t i = 0; i < nadd; i++)
		if ((rc = read_rr(&w, false, cs, true)) < 0)
			return rc;
	if (wire_avail(&w) != 0)
		return ERR_MALFORMED;
	uint32_t s;
	if (cs->soa_from.owner) {
		if (soa_serial(cs->soa_from.rdata, cs->soa_from.rdlen, &s) < 0 || s != sf)
			return ERR_MALFORMED;
	} else if (sf != 0) {
		return ERR_MALFORMED;
	}
	if (cs->soa_to.owner) {
		if (soa_serial(cs->soa_to.rdata, cs->soa_to.rdlen, &s) < 0 || s != st)
			return ERR_MALFORMED;
	} else if (st != 0) {
		return ERR_MALFORMED;
	}
	return 0;
}

/* ---- zone headers ---- */

static int zhdr_get(journal_t *j, MDB_txn *txn, const uint8_t *origin, zhdr_t *h)
{
	uint8_t key[KEY_MAX];
	MDB_val k = {zone_key(origin, key), key}, v;
	int rc = mdb_get(txn, j->zones, &k, &v);
	if (rc != 0)
		return lmdb_err(rc);
	const uint8_t *p = v.mv_data;
	if (v.mv_size != ZHDR_LEN || p[0] != ZHDR_VERSION)
		return ERR_MALFORMED;
	h->first_seq = get_u64(p + 4);
	h->next_seq = get_u64(p + 12);
	h->first_serial = wire_get_u32(p + 20);
	h->last_serial = wire_get_u32(p + 24);
	h->bytes = get_u64(p + 28);
	if (h->next_seq < h->first_seq)
		return ERR_MALFORMED;
	return 0;
}

static int zhdr_put(journal_t *j, MDB_txn *txn, const uint8_t *origin, const zhdr_t *h)
{
	uint8_t key[KEY_MAX], p[ZHDR_LEN] = {ZHDR_VERSION, 0, 0, 0};
	put_u64(p + 4, h->first_seq);
	put_u64(p + 12, h->next_seq);
	wire_put_u32(p + 20, h->first_serial);
	wire_put_u32(p + 24, h->last_serial);
	put_u64(p + 28, h->bytes);
	MDB_val k = {zone_key(origin, key), key}, v = {ZHDR_LEN, p};
	return lmdb_err(mdb_put(txn, j->zones, &k, &v, 0));
}

/* ---- open / close ---- */

int journal_open(const char *dir, size_t map_size, size_t zone_limit, journal_t **out)
{
	*out = NULL;
	if (map_size == 0)
		map_size = JOURNAL_DEFAULT_MAP_SIZE;
	if (zone_limit == 0)
		zone_limit = JOURNAL_DEFAULT_ZONE_LIMIT < map_size ? JOURNAL_DEFAULT_ZONE_LIMIT
								   : map_size / 2;
	if (zone_limit > map_size)
		return ERR_INVAL;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return -errno;
	journal_t *j = calloc(1, sizeof(*j));
	if (j == NULL)
		return -ENOMEM;
	j->zone_limit = zone_limit;
	MDB_txn *txn = NULL;
	int rc = mdb_env_create(&j->env);
	if (rc != 0) {
		free(j);
		return lmdb_err(rc);
	}
	if ((rc = mdb_env_set_mapsize(j->env, map_size)) != 0 ||
	    (rc = mdb_env_set_maxdbs(j->env, 8)) != 0 ||
	    (rc = mdb_env_open(j->env, dir, MDB_NOTLS, 0640)) != 0)
		goto fail;
	int dead;
	if ((rc = mdb_reader_check(j->env, &dead)) != 0 ||
	    (rc = mdb_txn_begin(j->env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &j->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "zones", MDB_CREATE, &j->zones)) != 0 ||
	    (rc = mdb_dbi_open(txn, "changesets", MDB_CREATE, &j->changesets)) != 0 ||
	    (rc = mdb_dbi_open(txn, "serials", MDB_CREATE, &j->serials)) != 0 ||
	    (rc = mdb_dbi_open(txn, "timers", MDB_CREATE, &j->timers)) != 0)
		goto fail;
	uint8_t ver[4];
	MDB_val k = {7, "version"}, v;
	rc = mdb_get(txn, j->meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		wire_put_u32(ver, JOURNAL_FORMAT_VERSION);
		v = (MDB_val){4, ver};
		rc = mdb_put(txn, j->meta, &k, &v, 0);
	} else if (rc == 0 &&
		   (v.mv_size != 4 || wire_get_u32(v.mv_data) != JOURNAL_FORMAT_VERSION)) {
		mdb_txn_abort(txn);
		mdb_env_close(j->env);
		free(j);
		return ERR_MALFORMED;
	}
	if (rc != 0 || (rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL; /* commit frees the transaction even when it fails */
		goto fail;
	}
	MDB_stat st;
	if ((rc = mdb_env_stat(j->env, &st)) != 0)
		goto fail;
	j->page_size = st.ms_psize;
	j->map_pages = map_size / st.ms_psize;
	j->reserve_pages = j->map_pages / 8 > 64 ? j->map_pages / 8 : 64;
	*out = j;
	return 0;
fail:
	if (txn)
		mdb_txn_abort(txn);
	mdb_env_close(j->env);
	free(j);
	return lmdb_err(rc);
}

void journal_close(journal_t *j)
{
	if (j == NULL)
		return;
	mdb_env_close(j->env);
	free(j);
}

/* ---- store ---- */

static size_t db_pages(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_stat st;
	if (mdb_stat(txn, dbi, &st) != 0)
		return 0;
	return st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
}

/*
 * Whether a record of size bytes fits while leaving the reserve free:
 * LMDB copies every page it touches, so a full map could not even be
 * flushed.  Pages in use are those of our databases and of LMDB's free
 * list (database 0), plus the two meta pages; the pages the free list
 * names are reusable.
 */
static bool fits(journal_t *j, MDB_txn *txn, size_t size)
{
	size_t used = 2 + db_pages(txn, 0) + db_pages(txn, j->meta) + db_pages(txn, j->zones) +
		      db_pages(txn, j->changesets) + db_pages(txn, j->serials) +
		      db_pages(txn, j->timers);
	size_t need = size / j->page_size + 8;
	return used + need + j->reserve_pages <= j->map_pages;
}

/* Drops the zone's oldest changeset (the header says there is one). */
static int drop_oldest(journal_t *j, MDB_txn *txn, const uint8_t *origin, zhdr_t *h)
{
	uint8_t key[KEY_MAX];
	MDB_val k = {seq_key(origin, h->first_seq, key), key}, v;
	int rc = mdb_get(txn, j->changesets, &k, &v);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? ERR_MALFORMED : lmdb_err(rc);
	if (v.mv_size < CS_HDR_LEN)
		return ERR_MALFORMED;
	const uint8_t *p = v.mv_data;
	uint32_t from = wire_get_u32(p + 2), to = wire_get_u32(p + 6);
	size_t size = v.mv_size;
	if ((rc = mdb_del(txn, j->changesets, &k, NULL)) != 0)
		return lmdb_err(rc);
	uint8_t skey[KEY_MAX];
	MDB_val sk = {serial_key(origin, from, skey), skey};
	rc = mdb_del(txn, j->serials, &sk, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return lmdb_err(rc);
	h->first_seq++;
	h->first_serial = to;
	h->bytes = h->bytes >= size ? h->bytes - size : 0;
	return 0;
}

int journal_store(journal_t *j, const uint8_t *origin, const changeset_t *cs)
{
	uint32_t from, to;
	if (cs->soa_from.owner == NULL || cs->soa_to.owner == NULL ||
	    cs->soa_from.type != RRTYPE_SOA || cs->soa_to.type != RRTYPE_SOA ||
	    soa_serial(cs->soa_from.rdata, cs->soa_from.rdlen, &from) < 0 ||
	    soa_serial(cs->soa_to.rdata, cs->soa_to.rdlen, &to) < 0 ||
	    serial_compare(to, from) != SERIAL_GT)
		return ERR_INVAL;
	size_t size = journal_changeset_size(cs);

	MDB_txn *txn;
	int rc = mdb_txn_begin(j->env, NULL, 0, &txn);
	if (rc != 0)
		return lmdb_err(rc);
	zhdr_t h;
	rc = zhdr_get(j, txn, origin, &h);
	if (rc == ERR_NOTFOUND) {
		memset(&h, 0, sizeof(h));
		rc = 0;
	}
	if (rc < 0)
		goto out;
	if (h.next_seq == h.first_seq) {
		h.first_serial = from;
	} else if (h.last_serial != from) {
		rc = ERR_INVAL;
		goto out;
	}
	/* the new serial must not be the start of an older changeset */
	uint8_t key[KEY_MAX];
	MDB_val k = {serial_key(origin, to, key), key}, v;
	rc = mdb_get(txn, j->serials, &k, &v);
	if (rc == 0) {
		if (v.mv_size != 8) {
			rc = ERR_MALFORMED;
			goto out;
		}
		uint64_t old = get_u64(v.mv_data);
		while (h.first_seq <= old && h.first_seq < h.next_seq)
			if ((rc = drop_oldest(j, txn, origin, &h)) < 0)
				goto out;
		if (h.first_seq == h.next_seq)
			h.first_serial = from;
	} else if (rc != MDB_NOTFOUND) {
		rc = lmdb_err(rc);
		goto out;
	}
	if (!fits(j, txn, size)) {
		rc = ERR_SPACE;
		goto out;
	}
	/* the record, encoded straight into the map */
	k = (MDB_val){seq_key(origin, h.next_seq, key), key};
	v = (MDB_val){size, NULL};
	if ((rc = mdb_put(txn, j->changesets, &k, &v, MDB_NOOVERWRITE | MDB_RESERVE)) != 0) {
		rc = rc == MDB_KEYEXIST ? ERR_MALFORMED : lmdb_err(rc);
		goto out;
	}
	size_t len;
	if ((rc = journal_changeset_encode(cs, v.mv_data, size, &len)) < 0)
		goto out;
	uint8_t seq[8];
	put_u64(seq, h.next_seq);
	k = (MDB_val){serial_key(origin, from, key), key};
	v = (MDB_val){8, seq};
	if ((rc = mdb_put(txn, j->serials, &k, &v, 0)) != 0) {
		rc = lmdb_err(rc);
		goto out;
	}
	h.next_seq++;
	h.last_serial = to;
	h.bytes += size;
	while (h.bytes > j->zone_limit && h.next_seq - h.first_seq > 1)
		if ((rc = drop_oldest(j, txn, origin, &h)) < 0)
			goto out;
	if ((rc = zhdr_put(j, txn, origin, &h)) < 0)
		goto out;
	return lmdb_err(mdb_txn_commit(txn));
out:
	mdb_txn_abort(txn);
	return rc;
}

/* ---- read ---- */

int journal_read(journal_t *j, const uint8_t *origin, uint32_t from_serial, journal_read_cb cb,
		 void *ctx)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0)
		return lmdb_err(rc);
	zhdr_t h;
	if ((rc = zhdr_get(j, txn, origin, &h)) < 0)
		goto out;
	if (h.first_seq == h.next_seq) {
		rc = ERR_NOTFOUND;
		goto out;
	}
	if (from_serial == h.last_serial)
		goto out; /* rc is 0: up to date */
	uint8_t key[KEY_MAX];
	MDB_val k = {serial_key(origin, from_serial, key), key}, v;
	if ((rc = mdb_get(txn, j->serials, &k, &v)) != 0) {
		rc = lmdb_err(rc);
		goto out;
	}
	if (v.mv_size != 8) {
		rc = ERR_MALFORMED;
		goto out;
	}
	uint64_t seq = get_u64(v.mv_data);
	if (seq < h.first_seq || seq >= h.next_seq) {
		rc = ERR_MALFORMED;
		goto out;
	}
	uint32_t expect = from_serial;
	for (; seq < h.next_seq; seq++) {
		k = (MDB_val){seq_key(origin, seq, key), key};
		if ((rc = mdb_get(txn, j->changesets, &k, &v)) != 0) {
			rc = rc == MDB_NOTFOUND ? ERR_MALFORMED : lmdb_err(rc);
			goto out;
		}
		changeset_t cs;
		changeset_init(&cs);
		rc = journal_changeset_decode(v.mv_data, v.mv_size, &cs);
		uint32_t f, t;
		if (rc == 0 && (cs.soa_from.owner == NULL || cs.soa_to.owner == NULL ||
				soa_serial(cs.soa_from.rdata, cs.soa_from.rdlen, &f) < 0 ||
				soa_serial(cs.soa_to.rdata, cs.soa_to.rdlen, &t) < 0 ||
				f != expect))
			rc = ERR_MALFORMED;
		if (rc == 0) {
			expect = t;
			rc = cb(ctx, &cs);
		}
		changeset_free(&cs);
		if (rc != 0)
			goto out;
	}
	if (expect != h.last_serial)
		rc = ERR_MALFORMED;
out:
	mdb_txn_abort(txn);
	return rc;
}

int journal_serial_range(journal_t *j, const uint8_t *origin, uint32_t *first, uint32_t *last)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0)
		return lmdb_err(rc);
	zhdr_t h;
	rc = zhdr_get(j, txn, origin, &h);
	mdb_txn_abort(txn);
	if (rc < 0)
		return rc;
	if (h.first_seq == h.next_seq)
		return ERR_NOTFOUND;
	*first = h.first_serial;
	*last = h.last_serial;
	return 0;
}

int journal_usage(journal_t *j, const uint8_t *origin, size_t *count, size_t *bytes)
{
	MDB_txn *txn;
	*count = *bytes = 0;
	int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0)
		return lmdb_err(rc);
	zhdr_t h;
	rc = zhdr_get(j, txn, origin, &h);
	mdb_txn_abort(txn);
	if (rc == ERR_NOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	*count = (size_t)(h.next_seq - h.first_seq);
	*bytes = (size_t)h.bytes;
	return 0;
}

/* ---- flush ---- */

/* Deletes every key of dbi that is the zone key followed by tail bytes. */
static int del_prefix(MDB_txn *txn, MDB_dbi dbi, const uint8_t *zkey, size_t zlen, size_t tail)
{
	MDB_cursor *c;
	int rc = mdb_cursor_open(txn, dbi, &c);
	if (rc != 0)
		return lmdb_err(rc);
	MDB_val k = {zlen, (void *)(uintptr_t)zkey}, v;
	/* after mdb_cursor_del, MDB_NEXT yields the key that followed */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < zlen || memcmp(k.mv_data, zkey, zlen) != 0)
			break;
		if (k.mv_size == zlen + tail && (rc = mdb_cursor_del(c, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : lmdb_err(rc);
}

int journal_flush(journal_t *j, const uint8_t *origin)
{
	uint8_t zkey[KEY_MAX];
	size_t zlen = zone_key(origin, zkey);
	MDB_txn *txn;
	int rc = mdb_txn_begin(j->env, NULL, 0, &txn);
	if (rc != 0)
		return lmdb_err(rc);
	if ((rc = del_prefix(txn, j->changesets, zkey, zlen, 8)) < 0 ||
	    (rc = del_prefix(txn, j->serials, zkey, zlen, 4)) < 0)
		goto out;
	MDB_val k = {zlen, zkey};
	rc = mdb_del(txn, j->zones, &k, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		rc = lmdb_err(rc);
		goto out;
	}
	return lmdb_err(mdb_txn_commit(txn));
out:
	mdb_txn_abort(txn);
	return rc;
}

/* ---- timers ---- */

int journal_timers_save(journal_t *j, const uint8_t *origin, const journal_timers_t *t)
{
	uint8_t key[KEY_MAX], p[TIMERS_LEN] = {TIMERS_VERSION};
	put_u64(p + 1, t->last_refresh);
	put_u64(p + 9, t->next_refresh);
	put_u64(p + 17, t->expire_at);
	wire_put_u32(p + 25, t->last_serial);
	MDB_val k = {zone_key(origin, key), key}, v = {TIMERS_LEN, p};
	MDB_txn *txn;
	int rc = mdb_txn_begin(j->env, NULL, 0, &txn);
	if (rc != 0)
		return lmdb_err(rc);
	if ((rc = mdb_put(txn, j->timers, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return lmdb_err(rc);
	}
	return lmdb_err(mdb_txn_commit(txn));
}

int journal_timers_load(journal_t *j, const uint8_t *origin, journal_timers_t *t)
{
	uint8_t key[KEY_MAX];
	MDB_val k = {zone_key(origin, key), key}, v;
	MDB_txn *txn;
	int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0)
		return lmdb_err(rc);
	rc = mdb_get(txn, j->timers, &k, &v);
	if (rc == 0) {
		const uint8_t *p = v.mv_data;
		if (v.mv_size != TIMERS_LEN || p[0] != TIMERS_VERSION) {
			rc = ERR_MALFORMED;
		} else {
			t->last_refresh = get_u64(p + 1);
			t->next_refresh = get_u64(p + 9);
			t->expire_at = get_u64(p + 17);
			t->last_serial = wire_get_u32(p + 25);
		}
	} else {
		rc = lmdb_err(rc);
	}
	mdb_txn_abort(txn);
	return rc;
}

int journal_timers_remove(journal_t *j, const uint8_t *origin)
{
	uint8_t key[KEY_MAX];
	MDB_val k = {zone_key(origin, key), key};
	MDB_txn *txn;
	int rc = mdb_txn_begin(j->env, NULL, 0, &txn);
	if (rc != 0)
		return lmdb_err(rc);
	rc = mdb_del(txn, j->timers, &k, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return lmdb_err(rc);
	}
	return lmdb_err(mdb_txn_commit(txn));
}
