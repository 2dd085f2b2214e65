/*
 * Loading a YAML document for the tools' config files (lab, monitor), with
 * libyaml's syntax errors as `file:line:column: what`.  Header only: the
 * fuzz targets build the config parsers from their sources alone.
 */
#ifndef NSF_TOOLS_YAML_LOAD_H
#define NSF_TOOLS_YAML_LOAD_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <yaml.h>

#include "common/err.h"

/* The state of a config walk: the document, the file name for errors and
 * the first error (a walk stops at it: rc). */
typedef struct {
	yaml_document_t *doc;
	const char *file;
	char *err;
	size_t errcap;
	int rc;
} tools_yaml_t;

/* Parses data[0..len) into doc with parser yp (both initialised here) and
 * starts the walk p over it (errors into err[0..errcap), cleared).  0:
 * walk, then tools_yaml_end; ERR_SYNTAX (err says where and why; nothing
 * to delete) or -ENOMEM. */
static inline int tools_yaml_load(yaml_parser_t *yp, yaml_document_t *doc, tools_yaml_t *p,
                                  const char *data, size_t len, const char *file, char *err,
                                  size_t errcap)
{
	*p = (tools_yaml_t){doc, file, err, errcap, 0};
	if (errcap)
		err[0] = '\0';
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

/* Ends a walk: frees the document and the parser; the walk's verdict. */
static inline int tools_yaml_end(yaml_parser_t *yp, yaml_document_t *doc, const tools_yaml_t *p)
{
	yaml_document_delete(doc);
	yaml_parser_delete(yp);
	return p->rc;
}

/* Records `file:line:column: what` at node n (NULL: 1:1) as the walk's
 * error, unless one is recorded already; returns rc (ERR_SYNTAX). */
__attribute__((format(printf, 3, 4))) static inline int
tools_yaml_err(tools_yaml_t *p, const yaml_node_t *n, const char *fmt, ...)
{
	if (p->rc != 0)
		return p->rc;
	int k = snprintf(p->err, p->errcap, "%s:%lu:%lu: ", p->file,
	                 n ? (unsigned long)n->start_mark.line + 1 : 1UL,
	                 n ? (unsigned long)n->start_mark.column + 1 : 1UL);
	if (k >= 0 && (size_t)k < p->errcap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err + k, p->errcap - (size_t)k, fmt, ap);
		va_end(ap);
	}
	/* values are echoed: keep the error one printable line */
	for (char *e = p->err; p->errcap && *e; e++)
		if ((unsigned char)*e < 0x20 || *e == 0x7f)
			*e = '?';
	p->rc = ERR_SYNTAX;
	return p->rc;
}

/* A scalar node's text (libyaml ends it with a NUL). */
static inline const char *tools_yaml_scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

#endif
