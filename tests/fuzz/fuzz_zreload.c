/*
 * libFuzzer target for the incremental reload (src/zone/zone_reload.c),
 * differential: the input is up to four versions of a zone file, split
 * at lines "%%".  Each is reloaded against the last one that loaded; a
 * whole load of it (zone_load_file) must agree: both fail, or both make
 * the same zone, record for record and TTL for TTL, and an incremental
 * changeset must turn the served version into the new one.  Small chunks (64
 * bytes) so that short inputs have many.  Inputs with $INCLUDE are skipped
 * (the fuzzer must not make the loader open files).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "zone/changeset.h"
#include "zone/zone.h"
#include "zone/zone_file.h"
#include "zone/zone_reload.h"

static const uint8_t ORIGIN[] = "\7example\3com";
static char path[64];

static void put_file(const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "w");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		abort();
}

static bool same_zone(const zone_t *a, const zone_t *b)
{
	changeset_t d;
	changeset_init(&d);
	if (changeset_diff(a, b, &d) != 0)
		abort();
	bool same = d.nremoved == 0 && d.nadded == 0 && d.soa_from.ttl == d.soa_to.ttl &&
	            d.soa_from.rdlen == d.soa_to.rdlen &&
	            memcmp(d.soa_from.rdata, d.soa_to.rdata, d.soa_from.rdlen) == 0 &&
	            a->records == b->records;
	changeset_free(&d);
	return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (path[0] == 0)
		snprintf(path, sizeof(path), "/tmp/fuzz_zreload.%d.zone", (int)getpid());
	for (size_t i = 0; i + 8 <= size; i++)
		if (data[i] == '$' && strncasecmp((const char *)data + i + 1, "include", 7) == 0)
			return 0;
	/* the versions: split at lines "%%", at most 4 */
	const uint8_t *ver[4];
	size_t len[4], n = 0, start = 0;
	for (size_t i = 0; i + 3 <= size && n < 3; i++)
		if (data[i] == '%' && data[i + 1] == '%' && data[i + 2] == '\n' &&
		    (i == 0 || data[i - 1] == '\n')) {
			ver[n] = data + start;
			len[n++] = i - start;
			start = i + 3;
			i += 2;
		}
	if (n == 0)
		return 0;
	ver[n] = data + start;
	len[n++] = size - start;
	zone_reload_t *r = zone_reload_new(ORIGIN, path, "/tmp");
	if (r == NULL)
		abort();
	zone_reload_set_chunk(r, 64);
	zone_t *served = NULL;
	changeset_t cs;
	changeset_init(&cs);
	zone_reload_info_t info;
	for (size_t v = 0; v < n; v++) {
		put_file(ver[v], len[v]);
		zone_t *next = NULL, *whole = NULL;
		changeset_free(&cs);
		changeset_init(&cs);
		int a = zone_reload_load(r, served, NULL, NULL, &next, &cs, &info);
		int b = zone_load_file(ORIGIN, path, NULL, NULL, &whole);
		if ((a == 0) != (b == 0))
			abort();
		if (a == 0 && !same_zone(next, whole))
			abort();
		if (a == 0 && info.incremental) {
			/* the changeset turns served into next */
			zone_t *check = NULL;
			if (changeset_apply(served, &cs, &check) != 0 || !same_zone(check, next))
				abort();
			zone_free(check);
		}
		zone_free(whole);
		if (a == 0) {
			zone_reload_commit(r);
			zone_free(served);
			served = next;
		} else {
			zone_reload_abort(r);
		}
	}
	changeset_free(&cs);
	zone_free(served);
	zone_reload_free(r);
	unlink(path);
	return 0;
}
