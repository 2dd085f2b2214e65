/*
 * Loading a YAML document for the tools' config files (lab, monitor), with
 * libyaml's syntax errors as `file:line:column: what`.  Header only: the
 * fuzz targets build the config parsers from their sources alone.
 */
#ifndef NSF_TOOLS_YAML_LOAD_H
#define NSF_TOOLS_YAML_LOAD_H

#include <errno.h>
#include <stdio.h>
#include <yaml.h>

#include "common/err.h"

/* Parses data[0..len) into doc with parser yp (both initialised here; on
 * success the caller deletes both).  0, ERR_SYNTAX (err says where and
 * why; nothing to delete) or -ENOMEM. */
static inline int tools_yaml_load(yaml_parser_t *yp, yaml_document_t *doc, const char *data,
                                  size_t len, const char *file, char *err, size_t errcap)
{
	if (!yaml_parser_initialize(yp))
		return -ENOMEM;
	yaml_parser_set_input_string(yp, (const unsigned char *)data, len);
	if (!yaml_parser_load(yp, doc)) {
		snprintf(err, errcap, "%s:%lu:%lu: %s%s%s", file,
		         (unsigned long)yp->problem_mark.line + 1,
		         (unsigned long)yp->problem_mark.column + 1,
		         yp->problem ? yp->problem : "YAML error", yp->context ? " " : "",
		         yp->context ? yp->context : "");
		int rc = yp->error == YAML_MEMORY_ERROR ? -ENOMEM : ERR_SYNTAX;
		yaml_parser_delete(yp);
		return rc;
	}
	return 0;
}

#endif
