/*
 * libFuzzer target for the zone-file scanner: any input must scan without
 * a crash, a hang or a leak, every record it reports must be valid (owner
 * passes name_check, rdata passes rdata_check) and every problem must
 * name a line in the input.  $INCLUDE is disabled so that the fuzzer
 * cannot make the scanner open files; $GENERATE is capped low so that
 * one input stays fast.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/zscan.h"

typedef struct {
	size_t lines; /* newlines in the input + 1 */
} fz_t;

static int on_rr(void *ctx, const zscan_rr_t *rr)
{
	(void)ctx;
	if (name_check(rr->owner, rr->owner_len) != (int)rr->owner_len)
		abort();
	if (rdata_check(rr->type, rr->rdata, rr->rdlen) != 0)
		abort();
	if (rr->ttl > ZSCAN_TTL_MAX || rr->line == 0 || rr->col == 0)
		abort();
	return 0;
}

static void on_err(void *ctx, const char *file, unsigned line, unsigned col, zscan_sev_t sev,
                   const char *msg)
{
	const fz_t *f = ctx;
	(void)sev;
	if (file == NULL || msg == NULL || msg[0] == 0 || line == 0 || col == 0 || line > f->lines)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t origin[] = "\7example\3com";
	fz_t f = {1};
	for (size_t i = 0; i < size; i++)
		f.lines += data[i] == '\n';
	zscan_opts_t o = {
	    .origin = origin,
	    .rr = on_rr,
	    .error = on_err,
	    .ctx = &f,
	    .max_generate = 1000,
	    .disable_include = true,
	};
	zscan_buffer("fuzz.zone", (const char *)data, size, &o);
	return 0;
}
