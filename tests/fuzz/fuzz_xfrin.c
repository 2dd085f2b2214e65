/*
 * libFuzzer target for the incoming transfer's parser and state machine
 * (xfrin_parse: the code xfrin_run feeds from its socket), without a
 * network.  Input:
 *
 *   byte 0      bit 0: the query was IXFR (else AXFR); bit 1: the
 *               secondary holds no version (AXFR only)
 *   then        messages, each a big-endian u16 length and that many
 *               octets (the last one may be cut short), answering a query
 *               with id 0x4242 for example.com.
 *
 * The version held is example.com. serial 1 (SOA, NS, ns1 A, www A).
 * Oracle: no crash, leak or hang; a failure says why and hands back
 * nothing; a success hands back a version with the stream's serial whose
 * every record is at or below the origin and, for an incremental IXFR, a
 * chain of changesets from serial 1 to it.  Seeds: corpus/xfrin/, made by
 * gen_xfrin_corpus.py.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rrtype.h"
#include "server/xfrin.h"
#include "zone/zone_load.h"

#define FUZZ_ID      0x4242
#define FUZZ_MAXMSGS 256

static const uint8_t ORIGIN[] = "\7example\3com";
static zone_t *cur;

static uint32_t soa_serial_of(const changeset_rr_t *rr)
{
	size_t o = name_length(rr->rdata);
	o += name_length(rr->rdata + o);
	const uint8_t *p = rr->rdata + o;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void no_report(void *ctx, const char *file, unsigned line, unsigned col, zone_sev_t sev,
                      const char *msg)
{
	(void)ctx, (void)file, (void)line, (void)col, (void)sev, (void)msg;
}

static void build_cur(void)
{
	static const uint8_t ns1[] = "\3ns1\7example\3com";
	static const uint8_t www[] = "\3www\7example\3com";
	uint8_t soa[128];
	size_t l = 0;
	memcpy(soa, ns1, sizeof(ns1));
	l += sizeof(ns1);
	static const uint8_t h[] = "\1h\7example\3com";
	memcpy(soa + l, h, sizeof(h));
	l += sizeof(h);
	static const uint8_t nums[20] = {0, 0,    0, 1, 0,    0,    0x0e, 0x10, 0, 0,
	                                 2, 0x58, 0, 1, 0x51, 0x80, 0,    0,    1, 0x2c};
	memcpy(soa + l, nums, sizeof(nums));
	l += sizeof(nums);
	static const uint8_t a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2};
	zone_builder_t *b = zone_builder_new(ORIGIN, "fuzz", no_report, NULL);
	if (b == NULL || zone_builder_add(b, ORIGIN, RRTYPE_SOA, 300, soa, l, NULL, 0, 0) != 0 ||
	    zone_builder_add(b, ORIGIN, RRTYPE_NS, 300, ns1, sizeof(ns1), NULL, 0, 0) != 0 ||
	    zone_builder_add(b, ns1, RRTYPE_A, 300, a1, 4, NULL, 0, 0) != 0 ||
	    zone_builder_add(b, www, RRTYPE_A, 300, a2, 4, NULL, 0, 0) != 0 ||
	    zone_builder_finish(b, &cur) != 0 || cur == NULL || cur->serial != 1)
		abort();
	zone_builder_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (cur == NULL)
		build_cur();
	if (size < 1)
		return 0;
	bool ixfr = data[0] & 1, none = (data[0] & 2) && !ixfr;
	const uint8_t *msgs[FUZZ_MAXMSGS];
	size_t lens[FUZZ_MAXMSGS], n = 0;
	for (size_t o = 1; o + 2 <= size && n < FUZZ_MAXMSGS;) {
		size_t l = (size_t)data[o] << 8 | data[o + 1];
		o += 2;
		if (l > size - o)
			l = size - o;
		msgs[n] = data + o;
		lens[n++] = l;
		o += l;
	}
	xfrin_req_t rq = {.origin = ORIGIN,
	                  .zone_name = "example.com.",
	                  .cur = none ? NULL : cur,
	                  .timeout_ms = 1000};
	xfrin_res_t res;
	int rc = xfrin_parse(&rq, ixfr ? RRTYPE_IXFR : RRTYPE_AXFR, FUZZ_ID, msgs, lens, n, &res);
	if (rc < 0) {
		if (res.error[0] == 0 || res.zone != NULL || res.cs != NULL || res.ncs != 0)
			abort();
		return 0;
	}
	if (res.up_to_date) {
		if (res.zone != NULL || !ixfr)
			abort();
		return 0;
	}
	if (res.zone == NULL || !name_equal(res.zone->origin, ORIGIN))
		abort();
	zone_iter_t it;
	zone_iter_init(&it, res.zone);
	const zone_node_t *node;
	while ((node = zone_iter_next(&it)) != NULL) {
		uint8_t owner[NAME_MAXLEN];
		if (zone_node_owner(node, owner) < 0 || !name_is_below(owner, ORIGIN))
			abort();
	}
	zone_iter_free(&it);
	/* an incremental IXFR: a chain from our serial to the new one */
	uint32_t at = cur->serial;
	for (size_t i = 0; i < res.ncs; i++) {
		const changeset_t *cs = &res.cs[i];
		if (cs->soa_from.owner == NULL || cs->soa_to.owner == NULL ||
		    soa_serial_of(&cs->soa_from) != at)
			abort();
		at = soa_serial_of(&cs->soa_to);
	}
	if (res.ncs > 0 && at != res.zone->serial)
		abort();
	if (res.ncs > 0 && !ixfr)
		abort();
	zone_free(res.zone);
	xfrin_res_clear(&res);
	return 0;
}
