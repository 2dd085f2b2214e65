/* Zone file -> zone version: zscan feeding zone_builder (zone_file.h). */
#include "zone/zone_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "dns/rrtype.h"
#include "dns/zscan.h"

typedef struct {
	zone_builder_t *b;
	zone_report_t report;
	void *ctx;
	size_t errors; /* reported by the scanner or by us */
} file_ctx_t;

static int on_rr(void *ctx, const zscan_rr_t *rr)
{
	file_ctx_t *c = ctx;
	int rc = zone_builder_add(c->b, rr->owner, rr->type, rr->ttl, rr->rdata, rr->rdlen,
	                          rr->file, rr->line, rr->col);
	/* a record outside the zone was reported and dropped: go on */
	return rc == ERR_NOTZONE ? 0 : rc;
}

static void on_scan_error(void *ctx, const char *file, unsigned line, unsigned col, zscan_sev_t sev,
                          const char *msg)
{
	file_ctx_t *c = ctx;
	zone_sev_t zs = sev == ZSCAN_ERROR     ? ZONE_ERROR
	                : sev == ZSCAN_WARNING ? ZONE_WARNING
	                                       : ZONE_NOTE;
	if (zs == ZONE_ERROR)
		c->errors++;
	if (c->report != NULL)
		c->report(c->ctx, file, line, col, zs, msg);
}

static void on_zone_problem(void *ctx, const char *file, unsigned line, unsigned col,
                            zone_sev_t sev, const char *msg)
{
	file_ctx_t *c = ctx;
	if (sev == ZONE_ERROR)
		c->errors++;
	if (c->report != NULL)
		c->report(c->ctx, file, line, col, sev, msg);
}

/* The scan (of file, or of data[0..len) named file when data is given)
 * and the build. */
static int load(const uint8_t *origin, const char *file, const char *data, size_t len,
                zscan_marks_t *marks, bool *exact, zone_report_t report, void *ctx, zone_t **out)
{
	file_ctx_t c = {NULL, report, ctx, 0};
	c.b = zone_builder_new(origin, file, on_zone_problem, &c);
	if (c.b == NULL) {
		if (report != NULL)
			report(ctx, file, 1, 1, ZONE_ERROR, "out of memory");
		return -ENOMEM;
	}
	zscan_opts_t opts = {
	    .origin = origin,
	    .rclass = RRCLASS_IN,
	    .rr = on_rr,
	    .error = on_scan_error,
	    .ctx = &c,
	    .marks = marks,
	};
	int rc = data != NULL ? zscan_buffer(file, data, len, &opts) : zscan_file(file, &opts);
	if (rc < 0 && rc != ERR_SYNTAX && c.errors == 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "cannot load zone: %s", err_str(rc));
		on_zone_problem(&c, file, 1, 1, ZONE_ERROR, msg);
	}
	zone_t *z = NULL;
	if (rc == 0 || rc == ERR_SYNTAX) {
		rc = zone_builder_finish(c.b, &z);
		if (rc < 0 && rc != ERR_SEMANTIC)
			on_zone_problem(&c, file, 1, 1, ZONE_ERROR, err_str(rc));
	}
	if (exact != NULL)
		*exact = zone_builder_exact(c.b);
	zone_builder_free(c.b);
	if (c.errors > 0) {
		zone_free(z);
		return rc == -ENOMEM ? -ENOMEM : ERR_SEMANTIC;
	}
	if (z == NULL) /* cannot happen without an error; be safe */
		return ERR_SEMANTIC;
	*out = z;
	return 0;
}

int zone_load_file(const uint8_t *origin, const char *file, zone_report_t report, void *ctx,
                   zone_t **out)
{
	*out = NULL;
	struct stat st;
	int err = 0;
	const char *why = NULL;
	if (stat(file, &st) != 0) {
		err = -errno;
		why = strerror(errno);
	} else if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		why = "is a directory";
	} else if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		why = "not a regular file";
	}
	if (why != NULL) {
		char msg[512];
		snprintf(msg, sizeof(msg), "cannot read zone file: %s", why);
		if (report != NULL)
			report(ctx, file, 1, 1, ZONE_ERROR, msg);
		return err;
	}
	return load(origin, file, NULL, 0, NULL, NULL, report, ctx, out);
}

int zone_load_buffer(const uint8_t *origin, const char *file, const char *data, size_t len,
                     zscan_marks_t *marks, bool *exact, zone_report_t report, void *ctx,
                     zone_t **out)
{
	*out = NULL;
	return load(origin, file, data ? data : "", len, marks, exact, report, ctx, out);
}
