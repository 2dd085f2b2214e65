/*
 * Questions the daemon asks a loaded configuration: which zone, which
 * key, and may this client do that (AXFR, NOTIFY, UPDATE).  Read-only, so
 * safe from any number of threads on a published conf_t.
 */
#include <netinet/in.h>
#include <string.h>

#include "server/conf.h"

const conf_zone_t *conf_zone_find(const conf_t *c, const uint8_t *origin)
{
	for (size_t i = 0; i < c->zone.n; i++)
		if (name_equal(c->zone.v[i].domain, origin))
			return &c->zone.v[i];
	return NULL;
}

const conf_key_t *conf_key_find(const conf_t *c, const uint8_t *name)
{
	for (size_t i = 0; i < c->key.n; i++)
		if (name_equal(c->key.v[i].name, name))
			return &c->key.v[i];
	return NULL;
}

bool conf_prefix_match(const conf_prefix_t *p, const struct sockaddr *sa)
{
	const uint8_t *a;
	int fam = sa->sa_family;
	if (fam == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (fam == AF_INET6) {
		a = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(a, mapped, 12) == 0)
			a += 12, fam = AF_INET;
	} else {
		return false;
	}
	if (fam != p->family)
		return false;
	unsigned full = p->bits / 8, rest = p->bits % 8;
	if (memcmp(a, p->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == p->addr[full];
}

bool conf_acl_allows(const conf_t *c, const uint8_t *zone, const struct sockaddr *client,
                     unsigned action, const char *key_id)
{
	const conf_zone_t *z = conf_zone_find(c, zone);
	uint8_t kname[NAME_MAXLEN];
	size_t klen;
	bool signed_ok = key_id != NULL && name_from_text(key_id, strlen(key_id),
	                                                  (const uint8_t *)"", kname, &klen) == 0;
	if (z == NULL || client == NULL)
		return false;
	for (size_t i = 0; i < z->acl.n; i++) {
		const conf_acl_t *a = z->acl.v[i];
		if (!(a->actions & action))
			continue;
		if (a->key != NULL && !(signed_ok && name_equal(a->key->name, kname)))
			continue;
		if (a->address.n == 0)
			return true;
		for (size_t k = 0; k < a->address.n; k++)
			if (conf_prefix_match(&a->address.v[k], client))
				return true;
	}
	return false;
}
