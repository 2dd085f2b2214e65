/*
 * The files of every lab node, generated from the plan: the three zones
 * (root, parent with the delegation and glue, the lab zone with www, mail
 * and a wildcard under drill.), the configuration of each implementation
 * (nsfleetd, BIND, Knot, NSD, PowerDNS with its SQLite database, Unbound
 * with root hints or, without namespaces, stubs) and the command line that
 * runs it in the foreground.  Transfers and NOTIFYs are signed with one
 * TSIG key per lab (hmac-sha256).
 */
#include <errno.h>
#include <ftw.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/err.h"
#include "tools/lab.h"

#define PDNS_SCHEMA "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"

int lab_key_new(char *b64, size_t cap)
{
	unsigned char secret[32];
	if (cap < 45)
		return ERR_INVAL;
	if (RAND_bytes(secret, (int)sizeof(secret)) != 1)
		return ERR_INVAL;
	EVP_EncodeBlock((unsigned char *)b64, secret, (int)sizeof(secret));
	explicit_bzero(secret, sizeof(secret));
	return 0;
}

void lab_node_dir(const lab_t *lab, const lab_node_t *n, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", lab->dir, n->name);
}

void lab_node_log(const lab_t *lab, const lab_node_t *n, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s.log", lab->dir, n->name);
}

void lab_node_zonefile(const lab_t *lab, const lab_node_t *n, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s/%s", lab->dir, n->name,
	         n->role == LAB_ROLE_ROOT ? "root.zone" : "zone");
}

void lab_node_control(const lab_t *lab, const lab_node_t *n, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s/ctl.sock", lab->dir, n->name);
}

/* ------------------------------------------------------------- text */

typedef struct {
	char *buf;
	size_t len, cap;
	int rc;
} tb_t;

__attribute__((format(printf, 2, 3))) static void tb(tb_t *b, const char *fmt, ...)
{
	if (b->rc != 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= b->cap - b->len) {
		b->rc = ERR_SPACE;
		b->buf[b->len] = '\0';
		return;
	}
	b->len += (size_t)k;
}

static const lab_node_t *find_role(const lab_t *lab, lab_role_t r)
{
	for (size_t i = 0; i < lab->n; i++)
		if (lab->node[i].role == r)
			return &lab->node[i];
	return NULL;
}

/* The lab's network as "A.B.C.0/24" (from the root's address). */
static void net_text(const lab_t *lab, char *out, size_t cap)
{
	if (!lab->netns) {
		snprintf(out, cap, "127.0.0.0/8");
		return;
	}
	char a[LAB_ADDR_MAX];
	snprintf(a, sizeof(a), "%s", lab->node[0].addr);
	char *dot = strrchr(a, '.');
	if (dot)
		*dot = '\0';
	snprintf(out, cap, "%s.0/24", a);
}

static void soa(tb_t *b, const lab_t *lab, const char *owner, const char *mname, const char *rname,
                uint32_t serial, uint32_t ttl)
{
	/* a lab_t from before the timers (all 0): the defaults */
	uint32_t refresh = lab->refresh ? lab->refresh : 300, retry = lab->retry ? lab->retry : 60,
	         expire = lab->expire ? lab->expire : 86400;
	tb(b, "%s %u IN SOA %s %s %u %u %u %u %u\n", owner, ttl, mname, rname, serial, refresh,
	   retry, expire, ttl);
}

int lab_gen_root_zone(const lab_t *lab, uint32_t ttl, char *buf, size_t cap)
{
	tb_t b = {buf, 0, cap, 0};
	const lab_node_t *root = find_role(lab, LAB_ROLE_ROOT),
	                 *par = find_role(lab, LAB_ROLE_PARENT);
	if (root == NULL || par == NULL)
		return ERR_INVAL;
	tb(&b, "; the lab's root (nsfleet lab)\n");
	soa(&b, lab, ".", "a.root-servers.", "hostmaster.root-servers.", lab->serial, ttl);
	tb(&b, ". %u IN NS a.root-servers.\n", ttl);
	tb(&b, "a.root-servers. %u IN A %s\n", ttl, root->addr);
	tb(&b, "%s %u IN NS ns.%s\n", lab->parent, ttl, lab->parent);
	tb(&b, "ns.%s %u IN A %s\n", lab->parent, ttl, par->addr);
	return b.rc;
}

int lab_gen_parent_zone(const lab_t *lab, uint32_t ttl, char *buf, size_t cap)
{
	tb_t b = {buf, 0, cap, 0};
	const lab_node_t *par = find_role(lab, LAB_ROLE_PARENT);
	if (par == NULL)
		return ERR_INVAL;
	tb(&b, "; the lab's parent zone (nsfleet lab): delegates %s with glue\n", lab->zone);
	char mname[LAB_DNAME_MAX + 8], rname[LAB_DNAME_MAX + 16];
	snprintf(mname, sizeof(mname), "ns.%s", lab->parent);
	snprintf(rname, sizeof(rname), "hostmaster.%s", lab->parent);
	soa(&b, lab, lab->parent, mname, rname, lab->serial, ttl);
	tb(&b, "%s %u IN NS %s\n", lab->parent, ttl, mname);
	tb(&b, "%s %u IN A %s\n", mname, ttl, par->addr);
	for (size_t i = 0; i < lab->n; i++) {
		const lab_node_t *n = &lab->node[i];
		if (n->role != LAB_ROLE_SECONDARY)
			continue;
		tb(&b, "%s %u IN NS %s.%s\n", lab->zone, ttl, n->name, lab->zone);
		tb(&b, "%s.%s %u IN A %s\n", n->name, lab->zone, ttl, n->addr);
	}
	return b.rc;
}

int lab_gen_lab_zone(const lab_t *lab, uint32_t ttl, uint32_t serial, uint32_t www, char *buf,
                     size_t cap)
{
	tb_t b = {buf, 0, cap, 0};
	const lab_node_t *first = NULL;
	for (size_t i = 0; i < lab->n && first == NULL; i++)
		if (lab->node[i].role == LAB_ROLE_SECONDARY)
			first = &lab->node[i];
	if (first == NULL)
		return ERR_INVAL;
	tb(&b, "; the lab's zone (nsfleet lab), served by the hidden primary\n");
	tb(&b, "$ORIGIN %s\n$TTL %u\n", lab->zone, ttl);
	char mname[LAB_DNAME_MAX + 32];
	snprintf(mname, sizeof(mname), "%s.%s", first->name, lab->zone);
	soa(&b, lab, "@", mname, "hostmaster", serial, ttl);
	for (size_t i = 0; i < lab->n; i++)
		if (lab->node[i].role == LAB_ROLE_SECONDARY)
			tb(&b, "@ IN NS %s\n", lab->node[i].name);
	for (size_t i = 0; i < lab->n; i++)
		if (lab->node[i].role == LAB_ROLE_SECONDARY)
			tb(&b, "%s IN A %s\n", lab->node[i].name, lab->node[i].addr);
	tb(&b, "www IN A %u.%u.%u.%u\n", www >> 24, (www >> 16) & 0xff, (www >> 8) & 0xff,
	   www & 0xff);
	tb(&b, "mail IN A 192.0.2.25\n@ IN MX 10 mail\n@ IN TXT \"nsfleet lab\"\n");
	tb(&b, "; unique names for drills: anything.drill.%s\n", lab->zone);
	tb(&b, "*.drill IN A 192.0.2.53\n*.drill IN TXT \"wildcard\"\n");
	return b.rc;
}

/* ------------------------------------------------------------- files */

static int write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fchmod(fileno(f), mode);
	size_t n = strlen(text);
	int rc = fwrite(text, 1, n, f) == n ? 0 : -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Removes the tree at path (no symlinks followed); 0 or -errno. */
static int rm_tree(const char *path)
{
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* ------------------------------------------------------------- argv */

typedef struct {
	char **argv;
	size_t n;
	char *store;
	size_t used, cap;
	int rc;
} argb_t;

enum { ARGV_MAX = 16 };

static void arg(argb_t *a, const char *s)
{
	size_t len = strlen(s) + 1;
	if (a->rc != 0)
		return;
	if (a->n + 1 >= ARGV_MAX || a->used + len > a->cap) {
		a->rc = ERR_SPACE;
		return;
	}
	memcpy(a->store + a->used, s, len);
	a->argv[a->n++] = a->store + a->used;
	a->argv[a->n] = NULL;
	a->used += len;
}

/* ------------------------------------------------------------- configs */

static void nsfleetd_server(tb_t *b, const lab_node_t *n, const char *dir)
{
	tb(b,
	   "# generated by nsfleet lab\n"
	   "server:\n"
	   "  listen: [ \"%s@%u\" ]\n"
	   "  storage: \"%s\"\n"
	   "  control: \"%s/ctl.sock\"\n"
	   "  udp-workers: 1\n"
	   "  tcp-workers: 1\n"
	   "  identity: %s\n",
	   n->addr, n->port, dir, dir, n->name);
}

static void nsfleetd_key(tb_t *b, const char *key)
{
	tb(b, "key:\n  - id: %s\n    algorithm: hmac-sha256\n    secret: \"%s\"\n", LAB_KEY_NAME,
	   key);
}

static void gen_nsfleetd(tb_t *b, const lab_t *lab, const lab_node_t *n, const char *dir,
                         const char *key, const char *net)
{
	nsfleetd_server(b, n, dir);
	if (n->role == LAB_ROLE_ROOT || n->role == LAB_ROLE_PARENT) {
		tb(b,
		   "zone:\n  - domain: \"%s\"\n    file: \"%s\"\n    serial-policy: keep\n"
		   "    notify-ns: false\n",
		   n->zone, n->role == LAB_ROLE_ROOT ? "root.zone" : "zone");
		return;
	}
	nsfleetd_key(b, key);
	if (n->role == LAB_ROLE_PRIMARY) {
		size_t nsec = 0;
		tb(b, "remote:\n");
		for (size_t i = 0; i < lab->n; i++) {
			const lab_node_t *s = &lab->node[i];
			if (s->role != LAB_ROLE_SECONDARY)
				continue;
			tb(b, "  - id: s-%s\n    address: [ \"%s@%u\" ]\n    key: %s\n", s->name,
			   s->addr, s->port, LAB_KEY_NAME);
			nsec++;
		}
		tb(b,
		   "acl:\n  - id: xfr\n    address: [ \"%s\" ]\n    key: %s\n"
		   "    action: [ transfer ]\n",
		   net, LAB_KEY_NAME);
		tb(b,
		   "zone:\n  - domain: \"%s\"\n    role: primary\n    file: zone\n"
		   "    acl: [ xfr ]\n    serial-policy: keep\n    notify-ns: false\n    notify: [",
		   n->zone);
		size_t k = 0;
		for (size_t i = 0; i < lab->n; i++)
			if (lab->node[i].role == LAB_ROLE_SECONDARY)
				tb(b, "%s s-%s", k++ ? "," : "", lab->node[i].name);
		tb(b, " ]\n");
		(void)nsec;
		return;
	}
	const lab_node_t *p = find_role(lab, LAB_ROLE_PRIMARY);
	tb(b, "remote:\n  - id: primary\n    address: [ \"%s@%u\" ]\n    key: %s\n", p->addr,
	   p->port, LAB_KEY_NAME);
	tb(b,
	   "acl:\n  - id: xfr\n    address: [ \"%s\" ]\n    key: %s\n"
	   "    action: [ transfer, notify ]\n",
	   net, LAB_KEY_NAME);
	tb(b,
	   "zone:\n  - domain: \"%s\"\n    role: secondary\n    file: zone\n"
	   "    primaries: [ primary ]\n    acl: [ xfr ]\n    notify-ns: false\n",
	   n->zone);
}

static void gen_bind(tb_t *b, const lab_t *lab, const lab_node_t *n, const char *dir,
                     const char *key)
{
	const lab_node_t *p = find_role(lab, LAB_ROLE_PRIMARY);
	tb(b,
	   "// generated by nsfleet lab\n"
	   "options {\n"
	   "    directory \"%s\";\n"
	   "    pid-file \"%s/named.pid\";\n"
	   "    session-keyfile \"%s/session.key\";\n"
	   "    managed-keys-directory \"%s\";\n"
	   "    listen-on port %u { %s; };\n"
	   "    listen-on-v6 { none; };\n"
	   "    transfer-source %s;\n"
	   "    notify-source %s;\n"
	   "    query-source address %s;\n"
	   "    recursion no;\n"
	   "    dnssec-validation no;\n"
	   "    notify no;\n"
	   "    request-ixfr yes;\n"
	   "};\n"
	   "controls { };\n"
	   "key \"%s\" { algorithm hmac-sha256; secret \"%s\"; };\n"
	   "logging {\n"
	   "    channel all { stderr; severity info; print-time yes; };\n"
	   "    category default { all; };\n"
	   "};\n"
	   "zone \"%s\" {\n"
	   "    type secondary;\n"
	   "    file \"%s/zone\";\n"
	   "    primaries { %s port %u key %s; };\n"
	   "    allow-notify { key %s; };\n"
	   "    allow-transfer { key %s; };\n"
	   "};\n",
	   dir, dir, dir, dir, n->port, n->addr, n->addr, n->addr, n->addr, LAB_KEY_NAME, key,
	   n->zone, dir, p->addr, p->port, LAB_KEY_NAME, LAB_KEY_NAME, LAB_KEY_NAME);
}

static void gen_knot(tb_t *b, const lab_t *lab, const lab_node_t *n, const char *dir,
                     const char *key, const char *net)
{
	const lab_node_t *p = find_role(lab, LAB_ROLE_PRIMARY);
	tb(b,
	   "# generated by nsfleet lab\n"
	   "server:\n"
	   "    rundir: \"%s\"\n"
	   "    listen: %s@%u\n"
	   "key:\n"
	   "  - id: %s\n"
	   "    algorithm: hmac-sha256\n"
	   "    secret: %s\n"
	   "remote:\n"
	   "  - id: primary\n"
	   "    address: %s@%u\n"
	   "    key: %s\n"
	   "acl:\n"
	   "  - id: from_primary\n"
	   "    address: %s\n"
	   "    key: %s\n"
	   "    action: [ notify, transfer ]\n"
	   "database:\n"
	   "    storage: \"%s/db\"\n"
	   "template:\n"
	   "  - id: default\n"
	   "    storage: \"%s/db\"\n"
	   "    zonefile-sync: -1\n"
	   "    zonefile-load: none\n"
	   "    journal-content: all\n"
	   "zone:\n"
	   "  - domain: %s\n"
	   "    master: primary\n"
	   "    acl: from_primary\n"
	   "log:\n"
	   "  - target: stderr\n"
	   "    any: info\n",
	   dir, n->addr, n->port, LAB_KEY_NAME, key, p->addr, p->port, LAB_KEY_NAME, net,
	   LAB_KEY_NAME, dir, dir, n->zone);
}

static void gen_nsd(tb_t *b, const lab_t *lab, const lab_node_t *n, const char *dir,
                    const char *key, const char *net, const char *log)
{
	const lab_node_t *p = find_role(lab, LAB_ROLE_PRIMARY);
	tb(b,
	   "# generated by nsfleet lab\n"
	   "server:\n"
	   "    ip-address: %s@%u\n"
	   "    do-ip6: no\n"
	   "    username: \"\"\n"
	   "    chroot: \"\"\n"
	   "    zonesdir: \"%s\"\n"
	   "    database: \"\"\n"
	   "    zonelistfile: \"%s/zone.list\"\n"
	   "    xfrdfile: \"%s/xfrd.state\"\n"
	   "    xfrdir: \"%s\"\n"
	   "    pidfile: \"%s/nsd.pid\"\n"
	   "    logfile: \"%s\"\n"
	   "    verbosity: 2\n"
	   "    server-count: 1\n"
	   "    tcp-timeout: 10\n"
	   "remote-control:\n"
	   "    control-enable: no\n"
	   "key:\n"
	   "    name: \"%s\"\n"
	   "    algorithm: hmac-sha256\n"
	   "    secret: \"%s\"\n"
	   "zone:\n"
	   "    name: %s\n"
	   "    zonefile: \"zone\"\n"
	   "    outgoing-interface: %s\n"
	   "    allow-notify: %s %s\n"
	   "    request-xfr: %s@%u %s\n"
	   "    provide-xfr: %s %s\n",
	   n->addr, n->port, dir, dir, dir, dir, dir, log, LAB_KEY_NAME, key, n->zone, n->addr, net,
	   LAB_KEY_NAME, p->addr, p->port, LAB_KEY_NAME, net, LAB_KEY_NAME);
}

/* The directory of PowerDNS's backends, or "" */
static void pdns_module_dir(char *out, size_t cap)
{
	glob_t g;
	out[0] = '\0';
	if (glob("/usr/lib/*/pdns/libgsqlite3backend.so", 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		snprintf(out, cap, "%s", g.gl_pathv[0]);
		char *slash = strrchr(out, '/');
		if (slash)
			*slash = '\0';
	}
	globfree(&g);
}

static void gen_pdns(tb_t *b, const lab_node_t *n, const char *dir, const char *net)
{
	char mod[LAB_PATH_MAX];
	pdns_module_dir(mod, sizeof(mod));
	tb(b,
	   "# generated by nsfleet lab\n"
	   "launch=gsqlite3\n"
	   "gsqlite3-database=%s/pdns.sqlite3\n"
	   "module-dir=%s\n"
	   "secondary=yes\n"
	   "local-address=%s\n"
	   "local-port=%u\n"
	   "query-local-address=%s\n"
	   "socket-dir=%s\n"
	   "guardian=no\n"
	   "daemon=no\n"
	   "disable-syslog=yes\n"
	   "log-timestamp=yes\n"
	   "loglevel=6\n"
	   "allow-notify-from=%s\n"
	   "xfr-cycle-interval=5\n"
	   "webserver=no\n"
	   "api=no\n",
	   dir, mod, n->addr, n->port, n->addr, dir, net);
}

/* Finds program on PATH, /usr/sbin, /usr/bin; 0 with out, or ERR_NOTFOUND. */
static int find_program(const char *prog, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s:/usr/sbin:/usr/bin:/sbin:/bin", path ? path : "");
	for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, cap, "%s/%s", d, prog);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return ERR_NOTFOUND;
}

/* PowerDNS's database: the schema, the secondary zone, the key and its
 * metadata (pdnsutil). */
static int pdns_db(const lab_t *lab, const lab_node_t *n, const char *dir, const char *key,
                   char *err, size_t errcap)
{
	char sqlite[LAB_PATH_MAX], util[LAB_PATH_MAX], db[LAB_PATH_MAX + 16],
	    cdir[LAB_PATH_MAX + 16];
	char primary[64], read[LAB_PATH_MAX];
	const lab_node_t *p = find_role(lab, LAB_ROLE_PRIMARY);
	if (find_program("sqlite3", sqlite, sizeof(sqlite)) != 0 ||
	    find_program("pdnsutil", util, sizeof(util)) != 0) {
		snprintf(err, errcap, "pdns needs sqlite3 and pdnsutil");
		return ERR_NOTFOUND;
	}
	snprintf(db, sizeof(db), "%s/pdns.sqlite3", dir);
	snprintf(cdir, sizeof(cdir), "--config-dir=%s", dir);
	snprintf(primary, sizeof(primary), "%s:%u", p->addr, p->port);
	snprintf(read, sizeof(read), ".read %s", PDNS_SCHEMA);
	const char *schema[] = {sqlite, db, read, NULL};
	const char *cmds[][8] = {
	    {util, cdir, "create-secondary-zone", n->zone, primary, NULL},
	    {util, cdir, "import-tsig-key", LAB_KEY_NAME, "hmac-sha256", key, NULL},
	    {util, cdir, "set-meta", n->zone, "AXFR-MASTER-TSIG", LAB_KEY_NAME, NULL},
	    {util, cdir, "set-meta", n->zone, "TSIG-ALLOW-AXFR", LAB_KEY_NAME, NULL},
	    {util, cdir, "set-meta", n->zone, "IXFR", "1", NULL},
	};
	if (lab_run(schema, false, 30000) != 0) {
		snprintf(err, errcap, "pdns: '%s %s %s' failed", sqlite, db, read);
		return ERR_INVAL;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (lab_run(cmds[i], true, 30000) != 0) {
			snprintf(err, errcap, "pdns: 'pdnsutil %s %s' failed", cmds[i][2],
			         cmds[i][3]);
			return ERR_INVAL;
		}
	return 0;
}

static bool default_local_zone(const char *parent)
{
	static const char *const z[] = {"test.",      "invalid.", "onion.", "localhost.",
	                                "home.arpa.", "local.",   NULL};
	for (int i = 0; z[i]; i++)
		if (strcmp(parent, z[i]) == 0)
			return true;
	return false;
}

static void gen_unbound(tb_t *b, const lab_t *lab, const lab_node_t *n, const char *dir,
                        const char *net)
{
	tb(b,
	   "# generated by nsfleet lab\n"
	   "server:\n"
	   "    interface: %s\n"
	   "    port: %u\n"
	   "    username: \"\"\n"
	   "    chroot: \"\"\n"
	   "    directory: \"%s\"\n"
	   "    pidfile: \"%s/unbound.pid\"\n"
	   "    use-syslog: no\n"
	   "    logfile: \"\"\n"
	   "    verbosity: 1\n"
	   "    num-threads: 1\n"
	   "    do-ip6: no\n"
	   "    access-control: %s allow\n"
	   "    module-config: \"iterator\"\n"
	   "    qname-minimisation: no\n"
	   "    harden-glue: no\n"
	   "    harden-dnssec-stripped: no\n"
	   "    harden-referral-path: no\n"
	   "    harden-below-nxdomain: no\n"
	   "    msg-cache-size: 1m\n"
	   "    rrset-cache-size: 1m\n"
	   "    cache-max-negative-ttl: 5\n",
	   n->addr, n->port, dir, dir, net);
	if (default_local_zone(lab->parent))
		tb(b, "    local-zone: \"%s\" nodefault\n", lab->parent);
	if (lab->netns) {
		tb(b, "    root-hints: \"%s/root.hints\"\n", dir);
	} else {
		/* glue says port 53: without namespaces the path is stubbed */
		tb(b, "    do-not-query-localhost: no\n");
	}
	tb(b, "remote-control:\n    control-enable: no\n");
	if (!lab->netns) {
		const lab_node_t *r = find_role(lab, LAB_ROLE_ROOT),
		                 *p = find_role(lab, LAB_ROLE_PARENT);
		tb(b, "stub-zone:\n    name: \".\"\n    stub-addr: %s@%u\n", r->addr, r->port);
		tb(b, "stub-zone:\n    name: \"%s\"\n    stub-addr: %s@%u\n", lab->parent, p->addr,
		   p->port);
		tb(b, "stub-zone:\n    name: \"%s\"\n", lab->zone);
		for (size_t i = 0; i < lab->n; i++)
			if (lab->node[i].role == LAB_ROLE_SECONDARY)
				tb(b, "    stub-addr: %s@%u\n", lab->node[i].addr,
				   lab->node[i].port);
	}
}

int lab_gen_node(const lab_t *lab, size_t i, const char *key_b64, uint32_t ttl, uint32_t www,
                 char **argv, char *store, size_t store_cap, char *err, size_t errcap)
{
	const lab_node_t *n = &lab->node[i];
	char dir[LAB_PATH_MAX], log[LAB_PATH_MAX], conf[LAB_PATH_MAX + 32], net[32];
	static char text[1 << 16];
	tb_t b = {text, 0, sizeof(text), 0};
	argb_t a = {argv, 0, store, 0, store_cap, 0};
	int rc;

	err[0] = '\0';
	lab_node_dir(lab, n, dir, sizeof(dir));
	lab_node_log(lab, n, log, sizeof(log));
	net_text(lab, net, sizeof(net));
	if ((rc = rm_tree(dir)) != 0 || mkdir(dir, 0700) != 0) {
		rc = rc ? rc : -errno;
		snprintf(err, errcap, "cannot make %s: %s", dir, err_str(rc));
		return rc;
	}
	text[0] = '\0';
	/* zone files */
	if (n->role == LAB_ROLE_ROOT || n->role == LAB_ROLE_PARENT || n->role == LAB_ROLE_PRIMARY) {
		char zf[LAB_PATH_MAX];
		lab_node_zonefile(lab, n, zf, sizeof(zf));
		rc = n->role == LAB_ROLE_ROOT ? lab_gen_root_zone(lab, ttl, text, sizeof(text))
		     : n->role == LAB_ROLE_PARENT
		         ? lab_gen_parent_zone(lab, ttl, text, sizeof(text))
		         : lab_gen_lab_zone(lab, ttl, lab->serial, www, text, sizeof(text));
		if (rc == 0)
			rc = write_file(zf, text, 0644);
		if (rc != 0) {
			snprintf(err, errcap, "cannot write %s: %s", zf, err_str(rc));
			return rc;
		}
	}
	if (n->role == LAB_ROLE_RESOLVER && lab->netns) {
		char hints[LAB_PATH_MAX + 16];
		const lab_node_t *r = find_role(lab, LAB_ROLE_ROOT);
		snprintf(hints, sizeof(hints), "%s/root.hints", dir);
		tb(&b, ". 3600000 NS a.root-servers.\na.root-servers. 3600000 A %s\n", r->addr);
		if (b.rc == 0 && (rc = write_file(hints, text, 0644)) != 0) {
			snprintf(err, errcap, "cannot write %s: %s", hints, err_str(rc));
			return rc;
		}
		b.len = 0;
	}

	if (lab->netns) {
		arg(&a, lab_ip_path());
		arg(&a, "netns");
		arg(&a, "exec");
		arg(&a, n->netns);
	}
	arg(&a, n->binary);
	switch (n->sw) {
	case LAB_SW_NSFLEETD:
		snprintf(conf, sizeof(conf), "%s/nsfleetd.yaml", dir);
		gen_nsfleetd(&b, lab, n, dir, key_b64, net);
		arg(&a, "-c");
		arg(&a, conf);
		break;
	case LAB_SW_BIND:
		snprintf(conf, sizeof(conf), "%s/named.conf", dir);
		gen_bind(&b, lab, n, dir, key_b64);
		arg(&a, "-g");
		arg(&a, "-4");
		arg(&a, "-n");
		arg(&a, "1");
		arg(&a, "-c");
		arg(&a, conf);
		break;
	case LAB_SW_KNOT:
		snprintf(conf, sizeof(conf), "%s/db", dir);
		if (mkdir(conf, 0700) != 0) {
			rc = -errno;
			snprintf(err, errcap, "cannot make %s: %s", conf, err_str(rc));
			return rc;
		}
		snprintf(conf, sizeof(conf), "%s/knot.conf", dir);
		gen_knot(&b, lab, n, dir, key_b64, net);
		arg(&a, "-c");
		arg(&a, conf);
		break;
	case LAB_SW_NSD:
		snprintf(conf, sizeof(conf), "%s/nsd.conf", dir);
		gen_nsd(&b, lab, n, dir, key_b64, net, log);
		arg(&a, "-d");
		arg(&a, "-c");
		arg(&a, conf);
		break;
	case LAB_SW_PDNS:
		snprintf(conf, sizeof(conf), "%s/pdns.conf", dir);
		gen_pdns(&b, n, dir, net);
		snprintf(conf, sizeof(conf), "--config-dir=%s", dir);
		arg(&a, conf);
		snprintf(conf, sizeof(conf), "%s/pdns.conf", dir);
		break;
	case LAB_SW_UNBOUND:
		snprintf(conf, sizeof(conf), "%s/unbound.conf", dir);
		gen_unbound(&b, lab, n, dir, net);
		arg(&a, "-d");
		arg(&a, "-c");
		arg(&a, conf);
		break;
	default:
		snprintf(err, errcap, "%s: unknown software", n->name);
		return ERR_INVAL;
	}
	if (b.rc != 0 || a.rc != 0) {
		snprintf(err, errcap, "%s: configuration too long", n->name);
		return ERR_SPACE;
	}
	/* configs hold the key: owner only */
	if ((rc = write_file(conf, text, 0600)) != 0) {
		snprintf(err, errcap, "cannot write %s: %s", conf, err_str(rc));
		return rc;
	}
	explicit_bzero(text, b.len);
	if (n->sw == LAB_SW_PDNS)
		return pdns_db(lab, n, dir, key_b64, err, errcap);
	return 0;
}
