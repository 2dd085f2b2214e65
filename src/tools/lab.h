/*
 * nsfleet lab: a whole DNS hierarchy on this machine (doc/nsfleet-lab.md).
 *
 *   lab_conf.c   lab.yaml -> lab_conf_t (libyaml, one schema table)
 *   lab_plan.c   lab_conf_t -> lab_t: nodes, namespaces, links, addresses
 *   lab_gen.c    the files of every node: zones, nsfleetd/BIND/Knot/NSD/
 *                PowerDNS/Unbound configs, the TSIG key
 *   lab_sys.c    processes (posix_spawn), network namespaces (iproute2),
 *                the /proc scan, a tiny SOA/A client
 *   lab_state.c  the state file (its format is in doc/nsfleet-lab.md)
 *   lab.c        nsfleet lab up|down|status
 *
 * Everything here is single-threaded; the structures are plain values the
 * caller owns.
 */
#ifndef NSF_TOOLS_LAB_H
#define NSF_TOOLS_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define LAB_PREFIX          "nsfl-"
#define LAB_NAME_MAX        8  /* the lab's name: [a-z0-9], namespaces nsfl-NAME-NODE */
#define LAB_NODE_NAME_MAX   15 /* a node's name: [a-z0-9-] */
#define LAB_MAX_SECONDARIES 32
#define LAB_MAX_NODES       (LAB_MAX_SECONDARIES + 4)
#define LAB_NETNS_MAX       32  /* "nsfl-" + 8 + "-" + 15 + NUL */
#define LAB_IFNAME_MAX      16  /* IFNAMSIZ */
#define LAB_DNAME_MAX       256 /* a domain name in text, with the final dot */
#define LAB_PATH_MAX        512
#define LAB_ADDR_MAX        16 /* dotted IPv4 */
#define LAB_ERR_MAX         512

/* The implementations a lab runs. */
typedef enum {
	LAB_SW_NSFLEETD,
	LAB_SW_BIND,
	LAB_SW_KNOT,
	LAB_SW_NSD,
	LAB_SW_PDNS,
	LAB_SW_UNBOUND,
	LAB_SW__COUNT
} lab_sw_t;

/* What a node does in the hierarchy. */
typedef enum {
	LAB_ROLE_ROOT,
	LAB_ROLE_PARENT,
	LAB_ROLE_RESOLVER,
	LAB_ROLE_PRIMARY,
	LAB_ROLE_SECONDARY,
	LAB_ROLE__COUNT
} lab_role_t;

typedef enum { LAB_NS_AUTO, LAB_NS_YES, LAB_NS_NO } lab_nsmode_t;

/* "nsfleetd", "bind", ...; NULL for an unknown value.  _from_text: 0 or
 * ERR_NOTFOUND. */
const char *lab_sw_name(lab_sw_t sw);
int lab_sw_from_text(const char *s, lab_sw_t *sw);
/* The program a software is run as ("named" for bind). */
const char *lab_sw_program(lab_sw_t sw);
const char *lab_role_name(lab_role_t r);
int lab_role_from_text(const char *s, lab_role_t *r);

/* ------------------------------------------------------------- lab.yaml */

typedef struct {
	char name[LAB_NODE_NAME_MAX + 1];
	lab_sw_t sw;
	char binary[LAB_PATH_MAX]; /* "" = found on PATH (lab_conf_t.binary first) */
} lab_conf_server_t;

typedef struct {
	char name[LAB_NAME_MAX + 1];     /* default "lab" */
	char zone[LAB_DNAME_MAX];        /* lower case, final dot; default example.lab. */
	char parent[LAB_DNAME_MAX];      /* default lab. */
	uint32_t ttl;                    /* default 60 */
	uint32_t serial;                 /* default 1 */
	uint32_t subnet;                 /* host order, a /24; default 10.53.0.0 */
	uint32_t www;                    /* www's address, host order; default 192.0.2.80 */
	unsigned start_timeout;          /* seconds; default 30 */
	uint32_t refresh, retry, expire; /* the SOA timers; default 300, 60, 86400 */
	lab_nsmode_t namespaces;         /* default auto */
	char binary[LAB_SW__COUNT][LAB_PATH_MAX]; /* binaries: per software */
	lab_conf_server_t sec[LAB_MAX_SECONDARIES];
	size_t nsec;
} lab_conf_t;

/* The default lab: secondaries nsfleetd, bind, knot, nsd, pdns. */
void lab_conf_default(lab_conf_t *c);

/*
 * Parses lab.yaml data[0..len) over the defaults (file names it in
 * errors).  Secondaries given replace the default list.  Returns 0, or
 * ERR_SYNTAX with err = "FILE:LINE:COLUMN: what" (the first error), or
 * -ENOMEM.  c is undefined after an error.
 */
int lab_conf_parse(lab_conf_t *c, const char *data, size_t len, const char *file, char *err,
                   size_t errcap);

/* Prints the option reference (Markdown table) of lab.yaml. */
void lab_conf_reference(FILE *out);

/* ------------------------------------------------------------- the plan */

typedef struct {
	char name[LAB_NODE_NAME_MAX + 1];
	lab_role_t role;
	lab_sw_t sw;
	char netns[LAB_NETNS_MAX]; /* "" without namespaces */
	char link[LAB_IFNAME_MAX]; /* the hub side of its veth ("" without) */
	char addr[LAB_ADDR_MAX];
	uint16_t port;
	char zone[LAB_DNAME_MAX]; /* the zone it serves (resolver: the lab zone) */
	char binary[LAB_PATH_MAX];
	pid_t pid; /* 0: not started */
} lab_node_t;

typedef struct {
	char ns[LAB_NETNS_MAX];
	char link[LAB_IFNAME_MAX];
} lab_link_t;

typedef struct {
	char name[LAB_NODE_NAME_MAX + 1];
	lab_sw_t sw;
	char why[LAB_PATH_MAX + 64];
} lab_skip_t;

/* A lab: planned by lab_plan, made real by lab up, saved as the state file. */
typedef struct {
	char name[LAB_NAME_MAX + 1];
	bool netns;
	char dir[LAB_PATH_MAX]; /* the state directory */
	char zone[LAB_DNAME_MAX];
	char parent[LAB_DNAME_MAX];
	uint32_t serial;
	uint32_t refresh, retry, expire; /* SOA timers of the three zones (not in the state) */
	char hub[LAB_NETNS_MAX];         /* the namespace with the bridge ("" without) */
	char hub_addr[LAB_ADDR_MAX];
	lab_node_t node[LAB_MAX_NODES];
	size_t n;
	/* what lab up made, in order: lab down undoes it */
	char made_ns[LAB_MAX_NODES + 1][LAB_NETNS_MAX];
	size_t n_ns;
	lab_link_t made_link[LAB_MAX_NODES];
	size_t n_link;
	lab_skip_t skip[LAB_MAX_NODES];
	size_t n_skip;
} lab_t;

/*
 * Plans the lab of c: the nodes root, parent, resolver, primary and each
 * secondary not marked in skip[i], their namespaces ("nsfl-NAME-NODE") and
 * veth names ("nsfl-hN" on the hub side, "nsfl-e0" inside), addresses in
 * the /24 of c->subnet (bridge .1, root .2, parent .3, resolver .4,
 * primary .10, secondaries .11 up) or, without namespaces, the same host
 * numbers in 127.53.0.0/24 (ports chosen later: port 0 here).  skip may
 * be NULL; has_resolver false leaves the resolver out.  0 or ERR_LIMIT.
 */
int lab_plan(const lab_conf_t *c, bool netns, const bool *skip, bool has_resolver, lab_t *lab);

/* The prefix of every namespace and link of the lab named name. */
void lab_ns_prefix(const char *name, char *out, size_t cap);

/* ------------------------------------------------------------- files */

/* Generates the TSIG secret (base64 of 32 bytes from RAND_bytes) into
 * b64[0..cap) (cap >= 45).  0 or ERR_INVAL. */
int lab_key_new(char *b64, size_t cap);
#define LAB_KEY_NAME "nsfl-xfr"

/* A node's directory (dir/NAME), log (dir/NAME/NAME.log) and control
 * socket (nsfleetd). */
void lab_node_dir(const lab_t *lab, const lab_node_t *n, char *out, size_t cap);
void lab_node_log(const lab_t *lab, const lab_node_t *n, char *out, size_t cap);
void lab_node_zonefile(const lab_t *lab, const lab_node_t *n, char *out, size_t cap);
void lab_node_control(const lab_t *lab, const lab_node_t *n, char *out, size_t cap);

/*
 * Writes every file of node i (its directory made fresh) and fills argv
 * (at most 16 entries, NULL-terminated, pointing into store) with the
 * command that runs it in the foreground.  Some software needs commands
 * run first (PowerDNS: the database): lab_gen_node runs them.  0, or a
 * negative error with err set.
 */
int lab_gen_node(const lab_t *lab, size_t i, const char *key_b64, uint32_t ttl, uint32_t www,
                 char **argv, char *store, size_t store_cap, char *err, size_t errcap);

/* The zone texts (exposed for the unit tests): into buf, 0 or ERR_SPACE. */
int lab_gen_root_zone(const lab_t *lab, uint32_t ttl, char *buf, size_t cap);
int lab_gen_parent_zone(const lab_t *lab, uint32_t ttl, char *buf, size_t cap);
int lab_gen_lab_zone(const lab_t *lab, uint32_t ttl, uint32_t serial, uint32_t www, char *buf,
                     size_t cap);

/* ------------------------------------------------------------- system */

/* Runs argv (PATH searched) and waits, at most timeout_ms.  Its stderr
 * goes to ours unless quiet.  Returns its exit status (0..255) or a
 * negative error. */
int lab_run(const char *const *argv, bool quiet, int timeout_ms);

/* iproute2's ip: /usr/sbin/ip, /sbin/ip, ... else "ip" (PATH). */
const char *lab_ip_path(void);

/* Starts argv in its own session, stdin /dev/null, stdout and stderr
 * appended to log.  0 with *pid, or -errno. */
int lab_spawn(const char *const *argv, const char *log, pid_t *pid);

/* Whether pid lives (a zombie does not). */
bool lab_pid_alive(pid_t pid);
/* Whether pid lives in the network namespace named ns. */
bool lab_pid_in_netns(pid_t pid, const char *ns);
/* The pids living in namespace ns, at most max; the count. */
size_t lab_netns_pids(const char *ns, pid_t *pids, size_t max);
/* The namespaces in /run/netns whose names start with prefix: at most
 * max, the count. */
size_t lab_netns_list(const char *prefix, char (*out)[LAB_NETNS_MAX], size_t max);
bool lab_netns_exists(const char *ns);
/* Moves this thread into namespace ns; *saved lets lab_netns_leave come
 * back.  0 or -errno. */
int lab_netns_enter(const char *ns, int *saved);
void lab_netns_leave(int saved);

/* Stops pids: SIGTERM, up to grace_ms, then SIGKILL.  The count still
 * alive after that (0 normally). */
size_t lab_kill(const pid_t *pids, size_t n, int grace_ms);

/* A free UDP+TCP port on addr (host order), or 0. */
uint16_t lab_free_port(const char *addr);

/*
 * Asks addr@port for zone's SOA (rd: recursion desired).  0 with *serial,
 * ERR_NOTFOUND for an answer without the SOA (rcode in *rcode), -ETIMEDOUT,
 * or another negative error.
 */
int lab_dns_soa(const char *addr, uint16_t port, const char *zone, bool rd, int timeout_ms,
                uint32_t *serial, unsigned *rcode);
/* Asks for name's A with RD: 0 with the first address in out, else as
 * lab_dns_soa. */
int lab_dns_a(const char *addr, uint16_t port, const char *name, int timeout_ms, char *out,
              size_t cap, unsigned *rcode);

/* ------------------------------------------------------------- command */

/* nsfleet lab ...: argv[0] is "lab". */
int cmd_lab(int argc, char **argv);

/* ------------------------------------------------------------- state */

#define LAB_STATE_FILE "state"

/* Writes dir/state atomically.  0 or -errno. */
int lab_state_save(const lab_t *lab);
/* Reads dir/state; 0, -ENOENT, or ERR_SYNTAX with err "FILE:LINE: what". */
int lab_state_load(const char *dir, lab_t *lab, char *err, size_t errcap);
/* Parses state file text (the unit tests, the loader). */
int lab_state_parse(const char *text, size_t len, const char *file, lab_t *lab, char *err,
                    size_t errcap);

#endif
