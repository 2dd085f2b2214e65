/*
 * libFuzzer target for the config parser of `nsfleet monitor` (a file an
 * operator writes, maybe generated: treated as untrusted).  Any input must
 * parse or fail without a crash, a hang or a leak; an error must be one
 * line "fuzz:LINE:COLUMN: what" with a line inside the input; a config
 * that parsed must keep the invariants the monitor relies on.
 *
 * The fuzz builds link server_dep only (dns, zone, libyaml), so the parser
 * is compiled into this target directly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/tools/monitor_conf.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mon_conf_t c;
	mon_conf_default(&c);
	char err[512] = "";
	int rc = mon_conf_parse(&c, (const char *)data, size, "fuzz", err, sizeof(err));
	/* an upper bound of libyaml's lines: it breaks at \n, \r, and in UTF-8
	 * at NEL (C2 85), LS (E2 80 A8) and PS (E2 80 A9) */
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 || data[i] == 0xa8 ||
		         data[i] == 0xa9;
	if (rc == ERR_SYNTAX) {
		unsigned long line = 0, col = 0;
		if (sscanf(err, "fuzz:%lu:%lu: ", &line, &col) != 2 || line == 0 || col == 0 ||
		    line > lines + 1 || strchr(err, '\n') != NULL)
			abort();
	} else if (rc == 0) {
		if (c.nzones == 0 || c.nns == 0 || c.nns > MON_MAX_NS || c.window == 0 ||
		    c.tries == 0 || !(c.interval > 0))
			abort();
		for (size_t z = 0; z < c.nzones; z++) {
			const mon_zone_t *zn = &c.zone[z];
			if (zn->nns == 0 || zn->nns > c.nns)
				abort();
			for (size_t j = 0; j < zn->nns; j++)
				if (zn->ns[j] >= c.nns)
					abort();
			if (zn->primary >= (int)c.nns || name_check(zn->name, NAME_MAXLEN) < 1)
				abort();
		}
	} else if (rc != -ENOMEM) {
		abort();
	}
	mon_conf_free(&c);
	return 0;
}
