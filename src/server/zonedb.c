#include "server/zonedb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

static int origin_cmp(const void *pa, const void *pb)
{
	const zone_t *a = *(zone_t *const *)pa, *b = *(zone_t *const *)pb;
	size_t m = a->origin_keylen < b->origin_keylen ? a->origin_keylen : b->origin_keylen;
	int c = memcmp(a->origin_key, b->origin_key, m);
	return c ? c : (a->origin_keylen > b->origin_keylen) - (a->origin_keylen < b->origin_keylen);
}

int zonedb_new(zone_t *const *zones, size_t n, zonedb_t **out)
{
	zonedb_t *db = calloc(1, sizeof(*db));
	if (db == NULL)
		return -ENOMEM;
	db->zones = calloc(n ? n : 1, sizeof(*db->zones));
	db->expired = calloc(n ? n : 1, sizeof(*db->expired));
	if (db->zones == NULL || db->expired == NULL) {
		free(db->zones);
		free(db->expired);
		free(db);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		db->zones[i] = zone_clone(zones[i]);
		if (db->zones[i] == NULL) {
			zonedb_free(db);
			return -ENOMEM;
		}
		db->n++;
	}
	qsort(db->zones, db->n, sizeof(*db->zones), origin_cmp);
	for (size_t i = 1; i < db->n; i++) {
		if (origin_cmp(&db->zones[i - 1], &db->zones[i]) == 0) {
			zonedb_free(db);
			return ERR_EXISTS;
		}
	}
	*out = db;
	return 0;
}

static size_t zonedb_index(const zonedb_t *db, const uint8_t *origin);

const zone_t *zonedb_get(const zonedb_t *db, const uint8_t *origin)
{
	size_t i = zonedb_index(db, origin);
	return i < db->n ? db->zones[i] : NULL;
}

void zonedb_set_expired(zonedb_t *db, const uint8_t *origin)
{
	size_t i = zonedb_index(db, origin);
	if (i < db->n && !db->expired[i]) {
		db->expired[i] = true;
		db->nexpired++;
	}
}

bool zonedb_expired(const zonedb_t *db, const zone_t *z)
{
	if (db->nexpired == 0)
		return false;
	size_t i = zonedb_index(db, z->origin);
	return i < db->n && db->expired[i];
}

/* The index of the zone of exactly this origin, or db->n. */
static size_t zonedb_index(const zonedb_t *db, const uint8_t *origin)
{
	uint8_t key[NAME_KEY_MAXLEN];
	size_t kl = name_to_key(origin, key);
	size_t lo = 0, hi = db->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const zone_t *z = db->zones[mid];
		size_t m = z->origin_keylen < kl ? z->origin_keylen : kl;
		int c = memcmp(z->origin_key, key, m);
		if (c == 0)
			c = (z->origin_keylen > kl) - (z->origin_keylen < kl);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return db->n;
}

const zone_t *zonedb_find(const zonedb_t *db, const uint8_t *name)
{
	/* try name, then each parent: at most 128 binary searches, and
	 * usually the first or second hits */
	for (;;) {
		const zone_t *z = zonedb_get(db, name);
		if (z != NULL)
			return z;
		if (*name == 0)
			return NULL;
		name += *name + 1;
	}
}

void zonedb_free(zonedb_t *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->n; i++)
		zone_free(db->zones[i]);
	free(db->zones);
	free(db->expired);
	free(db);
}
