/*
 * libFuzzer target for the offline prefix -> ASN table of `nsfleet audit
 * --asn-table` (a file the user downloads: untrusted).  Any input must
 * parse or fail without a crash, a hang or a leak; an error must name
 * "fuzz:LINE:COLUMN: " with a line inside the input; a table that parsed
 * must hold only valid prefixes, each found again by a lookup.
 *
 * The fuzz builds link server_dep only, so the parser (which needs libc
 * alone) is compiled into this target directly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/tools/audit_asn.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	audit_asn_table_t t;
	memset(&t, 0, sizeof(t));
	char err[256] = "";
	int rc = audit_asn_parse((const char *)data, size, "fuzz", &t, err, sizeof(err));
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (rc == 0) {
		for (size_t i = 0; i < t.n; i++) {
			const audit_asn_entry_t *e = &t.v[i];
			if (e->asn == 0 || e->bits > (e->family == AF_INET ? 32 : 128))
				abort();
			if (e->family != AF_INET && e->family != AF_INET6)
				abort();
			if (audit_asn_lookup(&t, e->family, e->prefix) == 0)
				abort();
		}
	} else {
		unsigned long line, col;
		if (rc != ERR_SYNTAX && rc != -ENOMEM)
			abort();
		if (sscanf(err, "fuzz:%lu:%lu: ", &line, &col) != 2 || line == 0 || line > lines ||
		    col == 0)
			abort();
	}
	audit_asn_free(&t);
	return 0;
}
