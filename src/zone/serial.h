/*
 * Serial number arithmetic (RFC 1982) for SOA serials.
 */
#ifndef NSF_ZONE_SERIAL_H
#define NSF_ZONE_SERIAL_H

#include <stdint.h>

typedef enum {
	SERIAL_LT = -1,
	SERIAL_EQ = 0,
	SERIAL_GT = 1,
	SERIAL_UNDEFINED = 2, /* the two differ by exactly 2^31 (§3.2) */
} serial_cmp_t;

/* Compares a with b (RFC 1982 §3.2). */
serial_cmp_t serial_compare(uint32_t a, uint32_t b);

/* a + n (RFC 1982 §3.1); n must be at most 2^31 - 1, else ERR_RANGE. */
int serial_add(uint32_t a, uint32_t n, uint32_t *out);

#endif
