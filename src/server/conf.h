/*
 * The daemon's configuration: a typed, immutable snapshot (STYLE rule 7),
 * built from a YAML file (conf_load), a YAML buffer (conf_load_buffer) or
 * the quick-mode command line (conf_from_quick), all through one schema
 * table (conf_schema.c, STYLE rule 10) that also writes doc/config.md
 * (conf_dump_reference).
 *
 * Every problem is reported as FILE, LINE, COLUMN (1-based, libyaml's
 * marks of the offending key or value), severity and a message without a
 * position prefix; at most CONF_MAX_ERRORS errors are reported, then one
 * uncounted note.  Quick-mode problems have file "command line" and line
 * and column 0.
 *
 * Ownership: a conf_t owns everything it points to; references between
 * sections (a zone's remotes, an acl's key) are pointers into the same
 * conf_t.  Thread safety: a published conf_t is read-only, any number of
 * threads may read it; conf_free only after an RCU grace period.
 */
#ifndef NSF_SERVER_CONF_H
#define NSF_SERVER_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "common/arena.h"
#include "dns/name.h"

#define CONF_MAX_ERRORS      100
#define CONF_MAX_DEPTH       32 /* YAML nesting limit (the schema needs 4) */
#define CONF_DEFAULT_STORAGE "/var/lib/nsfleet"
#define CONF_QUICK_FILE      "command line"

typedef enum { CONF_ERROR = 0, CONF_WARNING = 1, CONF_NOTE = 2 } conf_sev_t;

/* msg has no position prefix; file and msg are borrowed for the call only. */
typedef void (*conf_report_t)(void *ctx, const char *file, unsigned line, unsigned col,
                              conf_sev_t sev, const char *msg);

/* ADDR@PORT: an IPv4 or IPv6 socket address (sa.ss_family AF_INET/AF_INET6). */
typedef struct {
	struct sockaddr_storage sa;
	socklen_t len; /* sizeof(struct sockaddr_in) or sizeof(struct sockaddr_in6) */
} conf_addr_t;

/* A CIDR prefix; host bits are zero. */
typedef struct {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* 4 octets used for AF_INET */
	unsigned bits;    /* 0..32 or 0..128 */
} conf_prefix_t;

typedef enum {
	CONF_HMAC_MD5,
	CONF_HMAC_SHA1,
	CONF_HMAC_SHA224,
	CONF_HMAC_SHA256,
	CONF_HMAC_SHA384,
	CONF_HMAC_SHA512,
} conf_algorithm_t;

typedef enum { CONF_ROLE_PRIMARY, CONF_ROLE_SECONDARY } conf_role_t;

typedef enum {
	CONF_SERIAL_KEEP,
	CONF_SERIAL_INCREMENT,
	CONF_SERIAL_UNIXTIME,
	CONF_SERIAL_DATESERIAL,
} conf_serial_policy_t;

/* acl action bits */
enum { CONF_ACTION_TRANSFER = 1u << 0, CONF_ACTION_NOTIFY = 1u << 1, CONF_ACTION_UPDATE = 1u << 2 };

/* Lists: v[0..n).  The layout of every list type is { T *v; size_t n; }. */
typedef struct {
	conf_addr_t *v;
	size_t n;
} conf_addr_list_t;
typedef struct {
	conf_prefix_t *v;
	size_t n;
} conf_prefix_list_t;

typedef struct {
	conf_addr_list_t listen;   /* may be empty */
	unsigned udp_workers;      /* 1..256, default: number of CPUs */
	unsigned tcp_workers;      /* 1..256, default: number of CPUs */
	const char *storage;       /* default CONF_DEFAULT_STORAGE */
	const char *control;       /* control socket path, NULL: none */
	bool has_metrics;          /* metrics set */
	conf_addr_t metrics;       /* Prometheus endpoint */
	const char *identity;      /* NSID and id.server; NULL: none (REFUSED) */
	const char *version;       /* version.bind; NULL: REFUSED */
	unsigned udp_max_payload;  /* 512..4096, default 1232 */
	unsigned tcp_idle_timeout; /* seconds, default 10 */
	unsigned tcp_max_clients;  /* default 1000 */
	unsigned xfr_timeout;      /* seconds of silence before xfr-in gives up, default 30 */
} conf_server_t;

typedef struct {
	const char *id;            /* as written */
	uint8_t name[NAME_MAXLEN]; /* id as an absolute DNS name (the TSIG key name) */
	conf_algorithm_t algorithm;
	uint8_t *secret; /* decoded; wiped by conf_free */
	size_t secret_len;
} conf_key_t;

typedef struct {
	const char *id;
	conf_addr_list_t address; /* at least one */
	const conf_key_t *key;    /* NULL: unsigned */
} conf_remote_t;

typedef struct {
	const char *id;
	conf_prefix_list_t address; /* empty: any address */
	const conf_key_t *key;      /* non-NULL: requests must be signed with it */
	unsigned actions;           /* CONF_ACTION_* bits */
} conf_acl_t;

typedef struct {
	const conf_remote_t **v;
	size_t n;
} conf_remote_refs_t;
typedef struct {
	const conf_acl_t **v;
	size_t n;
} conf_acl_refs_t;

typedef struct {
	uint8_t domain[NAME_MAXLEN];  /* the origin, wire form */
	const char *domain_text;      /* as written */
	conf_role_t role;             /* default primary */
	const char *file;             /* as written, default "<domain>.zone" ("root.zone") */
	const char *path;             /* what to open: file, joined to storage if relative
	                                 (quick mode: file as given) */
	conf_remote_refs_t primaries; /* required for a secondary */
	conf_remote_refs_t notify;
	conf_acl_refs_t acl;
	conf_serial_policy_t serial_policy; /* default increment */
	bool notify_ns;                     /* NOTIFY the zone's NS too, default true */
	unsigned shrink_limit;              /* percent a reload may remove, 0..100, default 50 */
	/* a secondary's bounds on the SOA timers, seconds (RFC 1035 §3.3.13
	 * gives the values; these keep them sane), each min <= max */
	unsigned refresh_min, refresh_max, retry_min, retry_max, expire_min, expire_max;
	const conf_server_t *server;        /* the conf's server section (its listen
	                                       addresses: NOTIFY never goes there) */
} conf_zone_t;

typedef struct {
	conf_key_t *v;
	size_t n;
} conf_key_list_t;
typedef struct {
	conf_remote_t *v;
	size_t n;
} conf_remote_list_t;
typedef struct {
	conf_acl_t *v;
	size_t n;
} conf_acl_list_t;
typedef struct {
	conf_zone_t *v;
	size_t n;
} conf_zone_list_t;

typedef struct {
	conf_server_t server;
	conf_key_list_t key;
	conf_remote_list_t remote;
	conf_acl_list_t acl;
	conf_zone_list_t zone;
	const char *source; /* the file name, or CONF_QUICK_FILE */
	arena_t arena;      /* owns all of the above */
} conf_t;

/*
 * Reads and checks the YAML file at path.  report may be NULL.
 * Returns 0 with *out set (free with conf_free) when no error was reported
 * (warnings allowed); otherwise *out = NULL and ERR_SYNTAX (any problem in
 * the file), -errno (the file could not be read; reported at line 0) or
 * -ENOMEM.
 */
int conf_load(const char *path, conf_t **out, conf_report_t report, void *ctx);

/* The same from data[0..len); name is the file name used in reports. */
int conf_load_buffer(const char *name, const char *data, size_t len, conf_t **out,
                     conf_report_t report, void *ctx);

/* Quick mode (doc/nsfleetd.md).  Arrays are borrowed; n_* may be 0. */
typedef struct {
	const char *const *listen; /* "ADDR[@PORT]" */
	size_t n_listen;
	const char *const *zone; /* "NAME=FILE", role primary, FILE relative to the cwd */
	size_t n_zone;
	const char *identity;              /* NULL: none */
	unsigned udp_workers;              /* 0: default */
	const char *const *allow_transfer; /* prefixes; become one acl "allow-transfer"
	                                      with action transfer on every zone */
	size_t n_allow_transfer;
	const char *control; /* NULL: none */
} conf_quick_t;

/* Builds a conf_t from quick-mode options through the same schema.  Returns
 * as conf_load; problems have file CONF_QUICK_FILE and line 0. */
int conf_from_quick(const conf_quick_t *q, conf_t **out, conf_report_t report, void *ctx);

/* Frees c and wipes the key secrets.  NULL is fine.  (The parse tree and
 * conf_load's file buffer are wiped too; libyaml's transient copies of a
 * scalar are freed unwiped, which we cannot change from here.) */
void conf_free(conf_t *c);

/* The zone of exactly this origin (case-insensitive), or NULL. */
const conf_zone_t *conf_zone_find(const conf_t *c, const uint8_t *origin);

/* The key whose name is this (wire form, case-insensitive), or NULL. */
const conf_key_t *conf_key_find(const conf_t *c, const uint8_t *name);

/*
 * Whether a request for action (one CONF_ACTION_* bit) on zone (wire-form
 * origin) from client is allowed: some acl of the zone lists the action,
 * has an address prefix containing client (or no address at all) and, if
 * it names a key, the request was signed with that key (key_id, compared
 * as DNS names; NULL: unsigned).  IPv4-mapped IPv6 clients match IPv4
 * prefixes.  No zone, no acl: denied.
 */
bool conf_acl_allows(const conf_t *c, const uint8_t *zone, const struct sockaddr *client,
                     unsigned action, const char *key_id);

/* Whether prefix p contains the address sa (IPv4-mapped IPv6 as IPv4). */
bool conf_prefix_match(const conf_prefix_t *p, const struct sockaddr *sa);

/* Writes the option reference (doc/config.md) generated from the schema. */
void conf_dump_reference(FILE *f);

#endif
