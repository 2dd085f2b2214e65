/*
 * libFuzzer target for lab.yaml (`nsfleet lab up --config`, a file users
 * share: untrusted).  Any input must parse or fail without a crash, a
 * hang or a leak; an error must be one "fuzz:LINE:COLUMN: what" line; a
 * configuration that parsed must keep the invariants lab up relies on
 * (names within their limits, the zone below its parent, 1..32 uniquely
 * named secondaries), and its plan must fit the /24.
 *
 * The fuzz builds link server_dep only, so the parser and the planner
 * (libc and libyaml alone) are compiled into this target directly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/tools/lab_conf.c"
#include "../../src/tools/lab_plan.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static lab_conf_t c;
	static lab_t lab;
	char err[LAB_ERR_MAX];
	lab_conf_default(&c);
	int rc = lab_conf_parse(&c, (const char *)data, size, "fuzz", err, sizeof(err));
	if (rc == -ENOMEM)
		return 0;
	if (rc != 0) {
		unsigned long line, col;
		if (rc != ERR_SYNTAX || sscanf(err, "fuzz:%lu:%lu: ", &line, &col) != 2 ||
		    line == 0 || col == 0 || strchr(err, '\n') != NULL)
			abort();
		return 0;
	}
	size_t nl = strlen(c.name), zl = strlen(c.zone), pl = strlen(c.parent);
	if (nl == 0 || nl > LAB_NAME_MAX || zl <= pl + 1 ||
	    strcmp(c.zone + zl - pl, c.parent) != 0 || c.zone[zl - 1] != '.' || c.ttl == 0 ||
	    c.nsec == 0 || c.nsec > LAB_MAX_SECONDARIES)
		abort();
	for (size_t i = 0; i < c.nsec; i++) {
		size_t l = strlen(c.sec[i].name);
		if (l == 0 || l > LAB_NODE_NAME_MAX || (unsigned)c.sec[i].sw >= LAB_SW_UNBOUND)
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(c.sec[i].name, c.sec[j].name) == 0)
				abort();
	}
	for (int ns = 0; ns < 2; ns++) {
		if (lab_plan(&c, ns, NULL, true, &lab) != 0 || lab.n != c.nsec + 4)
			abort();
		for (size_t i = 0; i < lab.n; i++)
			if (ns && strncmp(lab.node[i].netns, LAB_PREFIX, 5) != 0)
				abort();
	}
	return 0;
}
