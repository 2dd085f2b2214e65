/* Shared by test_answer*.c and fuzz_answer.c: loading a fixture zone into
 * a zonedb and summarising a response as text. */
#ifndef NSF_TEST_ANSWER_UTIL_H
#define NSF_TEST_ANSWER_UTIL_H

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "dns/msg.h"
#include "dns/rrtype.h"
#include "dns/zscan.h"
#include "server/answer.h"
#include "server/zonedb.h"
#include "zone/zone_load.h"

static int tau_on_rr(void *ctx, const zscan_rr_t *rr)
{
	int rc = zone_builder_add(ctx, rr->owner, rr->type, rr->ttl, rr->rdata, rr->rdlen,
				  rr->file, rr->line, rr->col);
	return rc == ERR_NOTZONE ? 0 : rc;
}

static void tau_on_err(void *ctx, const char *file, unsigned line, unsigned col,
		       zscan_sev_t sev, const char *msg)
{
	(void)ctx;
	if (sev == ZSCAN_ERROR)
		fprintf(stderr, "%s:%u:%u: %s\n", file, line, col, msg);
}

static void tau_on_problem(void *ctx, const char *file, unsigned line, unsigned col,
			   zone_sev_t sev, const char *msg)
{
	(void)ctx;
	if (sev == ZONE_ERROR)
		fprintf(stderr, "%s:%u:%u: %s\n", file ? file : "-", line, col, msg);
}

/* Loads the zone file at path with the given origin text; NULL on error. */
static zone_t *tau_load(const char *path, const char *origin_text)
{
	uint8_t origin[NAME_MAXLEN];
	size_t olen;
	static const uint8_t root[1] = {0};
	if (name_from_text(origin_text, strlen(origin_text), root, origin, &olen) != 0)
		return NULL;
	zone_builder_t *b = zone_builder_new(origin, path, tau_on_problem, NULL);
	if (b == NULL)
		return NULL;
	zscan_opts_t o = {.origin = origin, .rclass = RRCLASS_IN, .rr = tau_on_rr,
			  .error = tau_on_err, .ctx = b};
	zone_t *z = NULL;
	if (zscan_file(path, &o) == 0)
		(void)zone_builder_finish(b, &z);
	zone_builder_free(b);
	return z;
}

/* A zonedb of the zone files paths[0..n) (origins[i]); NULL on error. */
static zonedb_t *tau_db(const char *const *paths, const char *const *origins, size_t n)
{
	zone_t *zs[8];
	zonedb_t *db = NULL;
	size_t i;
	for (i = 0; i < n && i < 8; i++)
		if ((zs[i] = tau_load(paths[i], origins[i])) == NULL)
			break;
	if (i == n && zonedb_new(zs, n, &db) != 0)
		db = NULL;
	while (i-- > 0)
		zone_free(zs[i]);
	return db;
}

#endif
