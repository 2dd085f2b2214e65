/*
 * Rdata for the record types the zone and journal tests build (A, a name,
 * SOA), under one origin.  Test code only; include after <cmocka.h>.
 */
#ifndef NSF_TESTS_ZONE_RDATA_H
#define NSF_TESTS_ZONE_RDATA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/name.h"
#include "dns/wire.h"

/* 192.0.2.<last> */
static inline size_t zr_a(uint8_t *rd, unsigned last)
{
	rd[0] = 192, rd[1] = 0, rd[2] = 2, rd[3] = (uint8_t)last;
	return 4;
}

/* target (relative to origin) in wire form */
static inline size_t zr_name(uint8_t *rd, const uint8_t *origin, const char *target)
{
	size_t len;
	assert_int_equal(name_from_text(target, strlen(target), origin, rd, &len), 0);
	return name_length(rd);
}

/* SOA ns1 hostmaster serial 3600 900 604800 300 */
static inline size_t zr_soa(uint8_t *rd, const uint8_t *origin, uint32_t serial)
{
	size_t o = zr_name(rd, origin, "ns1");
	o += zr_name(rd + o, origin, "hostmaster");
	uint32_t v[5] = {serial, 3600, 900, 604800, 300};
	for (int i = 0; i < 5; i++, o += 4)
		wire_put_u32(rd + o, v[i]);
	return o;
}

#endif
