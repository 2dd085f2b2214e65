/*
 * Inside the configuration module: the schema table (conf_schema.c), the
 * YAML tree (conf_yaml.c) and the walker that applies one to the other
 * (conf.c).  Not for use outside src/server/conf*.c.
 */
#ifndef NSF_SERVER_CONF_INT_H
#define NSF_SERVER_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/conf.h"

/* ---- the YAML tree: libyaml events folded into nodes with positions ---- */

typedef enum { YN_SCALAR, YN_SEQ, YN_MAP } ynode_kind_t;

typedef struct ynode ynode_t;
struct ynode {
	ynode_kind_t kind;
	unsigned line, col; /* 1-based; 0 for nodes made from the command line */
	const char *text;   /* scalars: NUL-terminated (may hold NULs before len) */
	size_t len;
	bool plain;                   /* a plain (unquoted) scalar: may be null or a bool */
	ynode_t *first, *last, *next; /* children; a map's are key, value, key, ... */
	size_t n;                     /* number of children */
};

typedef void (*ytree_err_t)(void *ctx, unsigned line, unsigned col, const char *msg);

/*
 * Parses data[0..len) into a tree allocated from a.  *root is NULL for an
 * empty stream.  Aliases, a second document and nesting deeper than
 * CONF_MAX_DEPTH are errors.  Returns 0, ERR_SYNTAX (each problem went to
 * err; after a libyaml error nothing of the tree is kept) or -ENOMEM.
 */
int ytree_parse(arena_t *a, const char *data, size_t len, ynode_t **root, ytree_err_t err,
                void *ctx);

/* Node constructors for quick mode (line 0). NULL when out of memory. */
ynode_t *ynode_new(arena_t *a, ynode_kind_t kind);
ynode_t *ynode_scalar(arena_t *a, const char *text, size_t len);
void ynode_append(ynode_t *parent, ynode_t *child);

/* ---- the schema ---- */

typedef enum {
	CT_STR,     /* string; max = longest length (0: any), min = shortest */
	CT_INT,     /* unsigned decimal integer in min..max */
	CT_BOOL,    /* true/false (also yes/no, on/off) */
	CT_ENUM,    /* one of values[], stored as an int-sized enum */
	CT_FLAGS,   /* a list of values[], stored as unsigned bits 1 << index */
	CT_ADDR,    /* ADDR[@PORT], min = default port; conf_addr_t */
	CT_PREFIX,  /* ADDR[/BITS]; conf_prefix_t */
	CT_NAME,    /* a DNS name, absolute; uint8_t[NAME_MAXLEN] */
	CT_REF,     /* the id of an item of section ref; const T * */
	CT_B64,     /* base64 octets, uint8_t * at off, size_t at aux */
	CT_VERSION, /* a string, or false / "" for none (NULL) */
} conf_type_t;

enum {
	CO_LIST = 1u << 0,     /* a list (a single value is a list of one); { T *v; size_t n } */
	CO_REQUIRED = 1u << 1, /* must be present */
	CO_ID = 1u << 2,       /* identifies the item (unique in its section) */
	CO_SECRET = 1u << 3,   /* wiped on free, never printed */
};

typedef enum { CS_SERVER, CS_KEY, CS_REMOTE, CS_ACL, CS_ZONE, CS__COUNT } conf_section_id_t;

typedef struct {
	const char *name;
	conf_type_t type;
	unsigned flags;
	unsigned long min, max;
	const char *const *values; /* CT_ENUM, CT_FLAGS: NULL-terminated */
	conf_section_id_t ref;     /* CT_REF */
	const char *def;           /* default, parsed as YAML text when absent; NULL: none */
	const char *def_doc;       /* default as documented when computed (def NULL) */
	size_t off;                /* where the value lives in the item */
	size_t aux;                /* CT_B64: offset of the length; CT_NAME+CO_ID: of the text */
	const char *help;
} conf_opt_t;

typedef struct {
	const char *name;
	bool multi;  /* a list of items (else one mapping) */
	size_t size; /* of one item */
	size_t off;  /* in conf_t: the item (single) or its list { T *v; size_t n } */
	const conf_opt_t *opts;
	size_t n_opts;
	const char *help;
} conf_section_t;

extern const conf_section_t conf_sections[CS__COUNT];

/* Index of name in the NULL-terminated values, or -1. */
int conf_enum_find(const char *const *values, const char *s, size_t len);

#endif
