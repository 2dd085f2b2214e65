/*
 * YAML text to a small tree of nodes with positions, from libyaml's event
 * stream.  Why not libyaml's document API: it shares aliased nodes (a
 * "billion laughs" input stays small in memory but a walker visiting every
 * reference does exponential work), and it keeps no per-key positions we
 * could not get here.  We reject aliases outright (nothing in the schema
 * needs them) and bound the nesting, so walking the tree is linear in the
 * input.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "common/err.h"
#include "server/conf_int.h"

ynode_t *ynode_new(arena_t *a, ynode_kind_t kind)
{
	ynode_t *n = arena_alloc(a, sizeof *n);
	if (n == NULL)
		return NULL;
	memset(n, 0, sizeof *n);
	n->kind = kind;
	return n;
}

ynode_t *ynode_scalar(arena_t *a, const char *text, size_t len)
{
	ynode_t *n = ynode_new(a, YN_SCALAR);
	char *t = arena_alloc(a, len + 1);
	if (n == NULL || t == NULL)
		return NULL;
	memcpy(t, text, len);
	t[len] = 0;
	n->text = t;
	n->len = len;
	return n;
}

void ynode_append(ynode_t *parent, ynode_t *child)
{
	if (parent->last != NULL)
		parent->last->next = child;
	else
		parent->first = child;
	parent->last = child;
	parent->n++;
}

/* Line and column (1-based) of byte offset off in data. */
static void offset_pos(const char *data, size_t len, size_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1;
	size_t start = 0;
	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++)
		if (data[i] == '\n')
			l++, start = i + 1;
	*line = l;
	*col = (unsigned)(off - start) + 1;
}

int ytree_parse(arena_t *a, const char *data, size_t len, ynode_t **root, ytree_err_t err,
                void *ctx)
{
	yaml_parser_t p;
	ynode_t *stack[CONF_MAX_DEPTH];
	int depth = 0, rc = 0, docs = 0;
	bool done = false;
	char msg[300];

	*root = NULL;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	while (!done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			unsigned line, col;
			if (p.error == YAML_MEMORY_ERROR) {
				rc = -ENOMEM;
				break;
			}
			if (p.error == YAML_READER_ERROR) {
				offset_pos(data, len, p.problem_offset, &line, &col);
			} else {
				line = (unsigned)p.problem_mark.line + 1;
				col = (unsigned)p.problem_mark.column + 1;
			}
			if (p.context != NULL)
				snprintf(msg, sizeof msg, "YAML: %s %s (line %u)",
				         p.problem ? p.problem : "syntax error", p.context,
				         (unsigned)p.context_mark.line + 1);
			else
				snprintf(msg, sizeof msg, "YAML: %s",
				         p.problem ? p.problem : "syntax error");
			err(ctx, line, col, msg);
			*root = NULL;
			rc = ERR_SYNTAX;
			break;
		}
		yaml_event_type_t type = ev.type;
		unsigned line = (unsigned)ev.start_mark.line + 1;
		unsigned col = (unsigned)ev.start_mark.column + 1;
		ynode_t *n = NULL;
		bool push = false;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				err(ctx, line, col, "more than one YAML document");
				rc = ERR_SYNTAX;
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			/* Keep the shape (key/value pairs) with an empty value. */
			err(ctx, line, col, "YAML aliases are not supported");
			rc = ERR_SYNTAX;
			n = ynode_scalar(a, "", 0);
			if (n != NULL)
				n->plain = true;
			break;
		case YAML_SCALAR_EVENT:
			n = ynode_scalar(a, (const char *)ev.data.scalar.value,
			                 ev.data.scalar.length);
			if (n != NULL)
				n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			n = ynode_new(a, ev.type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP);
			push = true;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if ((type == YAML_SCALAR_EVENT || type == YAML_ALIAS_EVENT || push) && n == NULL) {
			rc = -ENOMEM;
			break;
		}
		if (n == NULL)
			continue;
		n->line = line;
		n->col = col;
		if (depth > 0)
			ynode_append(stack[depth - 1], n);
		else if (*root == NULL)
			*root = n;
		if (push) {
			if (depth == CONF_MAX_DEPTH) {
				snprintf(msg, sizeof msg, "nesting deeper than %d levels",
				         CONF_MAX_DEPTH);
				err(ctx, line, col, msg);
				rc = ERR_SYNTAX;
				*root = NULL;
				break;
			}
			stack[depth++] = n;
		}
	}
	yaml_parser_delete(&p);
	if (rc == -ENOMEM)
		*root = NULL;
	return rc;
}
