#include "zone/serial.h"

#include "common/err.h"

serial_cmp_t serial_compare(uint32_t a, uint32_t b)
{
	if (a == b)
		return SERIAL_EQ;
	uint32_t d = b - a; /* modulo 2^32 */
	if (d == UINT32_C(0x80000000))
		return SERIAL_UNDEFINED;
	return d < UINT32_C(0x80000000) ? SERIAL_LT : SERIAL_GT;
}

int serial_add(uint32_t a, uint32_t n, uint32_t *out)
{
	if (n > UINT32_C(0x7fffffff))
		return ERR_RANGE;
	*out = a + n;
	return 0;
}
