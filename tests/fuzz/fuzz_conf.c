/*
 * libFuzzer target for the configuration parser: any input, read as a
 * YAML document through conf_load_buffer (the parser nsfleetd uses), must
 * load or fail without a crash, a hang or a leak; every problem must name
 * a line of the input (or 0 for none), and a loaded configuration must
 * hold together (references point into it, zones have paths).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/conf.h"

typedef struct {
	size_t lines;
	unsigned errors;
} fz_t;

static void on_report(void *ctx, const char *file, unsigned line, unsigned col, conf_sev_t sev,
                      const char *msg)
{
	fz_t *f = ctx;
	if (file == NULL || msg == NULL || msg[0] == 0 || line > f->lines + 1)
		abort();
	if (line > 0 && col == 0)
		abort();
	if (sev == CONF_ERROR && ++f->errors > CONF_MAX_ERRORS)
		abort();
}

static bool in(const void *p, const void *base, size_t n, size_t size)
{
	return (const char *)p >= (const char *)base &&
	       (const char *)p < (const char *)base + n * size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_t f = {1, 0};
	conf_t *c = NULL;
	/* an upper bound of YAML's line breaks: LF, CR, NEL (C2 85), LS and PS (E2 80 A8/9) */
	for (size_t i = 0; i < size; i++)
		f.lines += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 || data[i] == 0xe2;
	int rc = conf_load_buffer("fuzz.yaml", (const char *)data, size, &c, on_report, &f);
	if ((rc == 0) != (c != NULL) || (rc == 0 && f.errors != 0))
		abort();
	if (c == NULL)
		return 0;
	for (size_t i = 0; i < c->zone.n; i++) {
		const conf_zone_t *z = &c->zone.v[i];
		if (z->path == NULL || z->file == NULL || z->domain_text == NULL)
			abort();
		if (z->role == CONF_ROLE_SECONDARY && z->primaries.n == 0)
			abort();
		for (size_t k = 0; k < z->primaries.n; k++)
			if (!in(z->primaries.v[k], c->remote.v, c->remote.n, sizeof *c->remote.v))
				abort();
		for (size_t k = 0; k < z->acl.n; k++)
			if (!in(z->acl.v[k], c->acl.v, c->acl.n, sizeof *c->acl.v))
				abort();
	}
	for (size_t i = 0; i < c->remote.n; i++)
		if (c->remote.v[i].key != NULL &&
		    !in(c->remote.v[i].key, c->key.v, c->key.n, sizeof *c->key.v))
			abort();
	for (size_t i = 0; i < c->acl.n; i++) {
		const conf_acl_t *a = &c->acl.v[i];
		if (a->key != NULL && !in(a->key, c->key.v, c->key.n, sizeof *c->key.v))
			abort();
		for (size_t k = 0; k < a->address.n; k++)
			if (a->address.v[k].bits > (a->address.v[k].family == AF_INET ? 32u : 128u))
				abort();
	}
	if (c->server.udp_workers < 1 || c->server.udp_workers > 256)
		abort();
	conf_free(c);
	return 0;
}
