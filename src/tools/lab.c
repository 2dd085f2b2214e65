/*
 * nsfleet lab up|down|status: a DNS hierarchy on this machine, each
 * server in its own network namespace (doc/nsfleet-lab.md).
 *
 *   up:     config -> leftovers? -> software found (missing: skipped) ->
 *           plan -> state file -> namespaces + veths -> primary started
 *           and answering -> secondaries, root, parent started and
 *           serving the serial -> resolver started and resolving www ->
 *           status.  Any failure: everything made is torn down, exit 1.
 *   down:   every process of the state file and of every nsfl-NAME-*
 *           namespace stopped (TERM, then KILL), namespaces deleted (their
 *           veths go with them), state file removed.
 *   status: each node's namespace, address, process and the SOA serial it
 *           serves (asked now), as text or --json.
 *
 * Exit: 0 ok, 1 failure, 2 usage or a bad lab.yaml (nothing started).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/err.h"
#include "tools/lab.h"
#include "tools/tool.h"

#define QUERY_MS 400

typedef struct {
	const char *config;
	char dir[LAB_PATH_MAX];
	bool json, all;
	int namespaces; /* -1: from the config */
} lab_opts_t;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void lab_usage(FILE *out)
{
	fputs("usage: nsfleet lab up [--config FILE] [--state-dir DIR] [--namespaces yes|no|auto]\n"
	      "       nsfleet lab down [--config FILE] [--state-dir DIR] [--all]\n"
	      "       nsfleet lab status [--state-dir DIR] [--json]\n"
	      "       nsfleet lab reference\n"
	      "\n"
	      "  up       start a root, a parent, a hidden primary, secondaries of several\n"
	      "           implementations and an Unbound resolver, each in its own network\n"
	      "           namespace nsfl-NAME-NODE (without namespaces: 127.53.0.x, free ports)\n"
	      "  down     stop them and remove every namespace and link made, also after a\n"
	      "           crash (the state file, and every nsfl-NAME-* namespace)\n"
	      "  status   every server, its namespace, address, process and SOA serial\n"
	      "  reference  the lab.yaml options (Markdown)\n"
	      "\n"
	      "  --config FILE      lab.yaml (default: the built-in lab, doc/nsfleet-lab.md)\n"
	      "  --state-dir DIR    configs, logs and the state file (default /run/nsfleet-lab\n"
	      "                     as root, else /tmp/nsfleet-lab-UID)\n"
	      "  --all              down: every nsfl-* namespace, whatever the lab\n"
	      "  --json             status as one JSON object\n",
	      out);
}

/* ------------------------------------------------------------- config */

static int load_conf(const char *path, lab_conf_t *c)
{
	lab_conf_default(c);
	if (path == NULL)
		return 0;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "nsfleet lab: cannot read %s: %s\n", path, strerror(errno));
		return TOOL_USAGE;
	}
	static char data[1 << 20];
	size_t n = fread(data, 1, sizeof(data), f);
	fclose(f);
	if (n == sizeof(data)) {
		fprintf(stderr, "%s:1:1: file larger than 1 MiB\n", path);
		return TOOL_USAGE;
	}
	char err[LAB_ERR_MAX];
	int rc = lab_conf_parse(c, data, n, path, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "%s\n", rc == -ENOMEM ? "nsfleet lab: out of memory" : err);
		return TOOL_USAGE;
	}
	return 0;
}

/* ------------------------------------------------------------- software */

static bool executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static bool search_path(const char *prog, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s:/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin",
	         path ? path : "");
	for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, cap, "%s/%s", d, prog);
		if (executable(out))
			return true;
	}
	return false;
}

/* nsfleetd: $NSFLEETD, beside this nsfleet (build tree or install), PATH. */
static bool find_nsfleetd(char *out, size_t cap)
{
	const char *env = getenv("NSFLEETD");
	if (env != NULL && env[0] != '\0') {
		snprintf(out, cap, "%s", env);
		return executable(out);
	}
	char self[LAB_PATH_MAX - 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(out, cap, "%s/../server/nsfleetd", self);
			if (executable(out))
				return true;
			snprintf(out, cap, "%s/nsfleetd", self);
			if (executable(out))
				return true;
		}
	}
	return search_path("nsfleetd", out, cap);
}

/* The program of software sw (explicit path first); false with why. */
static bool find_software(const lab_conf_t *c, lab_sw_t sw, const char *explicit_path, char *out,
                          size_t cap, char *why, size_t whycap)
{
	const char *given = explicit_path && explicit_path[0] ? explicit_path
	                    : c->binary[sw][0]                ? c->binary[sw]
	                                                      : NULL;
	if (given != NULL) {
		snprintf(out, cap, "%s", given);
		if (!executable(out)) {
			snprintf(why, whycap, "%s not found or not executable", given);
			return false;
		}
	} else if (sw == LAB_SW_NSFLEETD ? !find_nsfleetd(out, cap)
	                                 : !search_path(lab_sw_program(sw), out, cap)) {
		snprintf(why, whycap, "%s not installed (not on PATH nor in /usr/sbin)",
		         lab_sw_program(sw));
		return false;
	}
	if (strpbrk(out, " \t\n") != NULL) {
		snprintf(why, whycap, "%s: a path with white space", out);
		return false;
	}
	if (sw == LAB_SW_PDNS) {
		char tmp[LAB_PATH_MAX];
		if (!search_path("pdnsutil", tmp, sizeof(tmp)) ||
		    !search_path("sqlite3", tmp, sizeof(tmp))) {
			snprintf(
			    why, whycap,
			    "PowerDNS needs pdnsutil and sqlite3 (Debian pdns-server, sqlite3)");
			return false;
		}
		if (access("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql", R_OK) !=
		    0) {
			snprintf(why, whycap,
			         "PowerDNS gsqlite3 backend not installed (Debian "
			         "pdns-backend-sqlite3)");
			return false;
		}
	}
	return true;
}

/* ------------------------------------------------------------- helpers */

static void default_dir(char *out, size_t cap)
{
	if (geteuid() == 0)
		snprintf(out, cap, "/run/nsfleet-lab");
	else
		snprintf(out, cap, "/tmp/nsfleet-lab-%u", (unsigned)getuid());
}

/* Whether pid's command line names dir (the loopback mode's check that a
 * recorded pid is still ours). */
static bool pid_cmdline_has(pid_t pid, const char *dir)
{
	char path[64], buf[8192];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return strstr(buf, dir) != NULL;
}

static bool node_running(const lab_t *lab, const lab_node_t *n)
{
	if (n->pid <= 0)
		return false;
	if (lab->netns)
		return lab_pid_in_netns(n->pid, n->netns);
	return lab_pid_alive(n->pid) && pid_cmdline_has(n->pid, lab->dir);
}

/* Runs `ip ARGS...` (NULL-terminated); 0, or ERR_INVAL after saying which
 * command failed. */
static int ip_cmd(const char *first, ...)
{
	const char *argv[24] = {lab_ip_path(), first};
	size_t n = 2;
	va_list ap;
	va_start(ap, first);
	while (n < 23 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	int rc = lab_run(argv, false, 10000);
	if (rc != 0) {
		fprintf(stderr, "nsfleet lab: 'ip");
		for (size_t i = 1; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "' failed (%s)\n", rc < 0 ? err_str(rc) : "non-zero exit");
	}
	return rc == 0 ? 0 : ERR_INVAL;
}
#define IP(...) ip_cmd(__VA_ARGS__, (const char *)NULL)

/* ------------------------------------------------------------- teardown */

/*
 * Stops every process of the lab and deletes its namespaces: those of the
 * state (lab may be NULL) and every one named with prefix.  Removes the
 * state file.  Returns the number of things that could not be undone.
 */
static int teardown(const lab_t *lab, const char *dir, const char *prefix, bool verbose)
{
	static pid_t pids[4096];
	size_t np = 0;
	char ns[4 * LAB_MAX_NODES][LAB_NETNS_MAX];
	size_t nns = 0;
	int bad = 0;

	if (lab != NULL) {
		for (size_t i = 0; i < lab->n; i++)
			if (node_running(lab, &lab->node[i]) && np < 4096)
				pids[np++] = lab->node[i].pid;
		for (size_t i = 0; i < lab->n_ns && nns < 2 * LAB_MAX_NODES; i++)
			memcpy(ns[nns++], lab->made_ns[i], LAB_NETNS_MAX);
	}
	size_t more = lab_netns_list(prefix, ns + nns, 4 * LAB_MAX_NODES - nns);
	for (size_t i = nns; i < nns + more; i++) { /* drop duplicates */
		for (size_t j = 0; j < nns; j++)
			if (strcmp(ns[i], ns[j]) == 0) {
				ns[i][0] = '\0';
				break;
			}
	}
	nns += more;
	for (size_t i = 0; i < nns; i++) {
		if (ns[i][0] == '\0' || !lab_netns_exists(ns[i]))
			continue;
		pid_t in[512];
		size_t k = lab_netns_pids(ns[i], in, 512);
		for (size_t j = 0; j < k && np < 4096; j++) {
			bool dup = false;
			for (size_t m = 0; m < np && !dup; m++)
				dup = pids[m] == in[j];
			if (!dup)
				pids[np++] = in[j];
		}
	}
	if (np > 0) {
		size_t left = lab_kill(pids, np, 5000);
		if (verbose)
			printf("lab down: stopped %zu process%s\n", np - left,
			       np - left == 1 ? "" : "es");
		if (left) {
			fprintf(stderr, "nsfleet lab: %zu process%s would not die\n", left,
			        left == 1 ? "" : "es");
			bad++;
		}
	}
	size_t removed = 0;
	for (size_t i = 0; i < nns; i++) {
		if (ns[i][0] == '\0' || !lab_netns_exists(ns[i]))
			continue;
		if (IP("netns", "del", ns[i]) != 0) {
			bad++;
			continue;
		}
		removed++;
		if (verbose)
			printf("lab down: removed namespace %s\n", ns[i]);
	}
	char path[LAB_PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/" LAB_STATE_FILE, dir);
	bool had_state = access(path, F_OK) == 0;
	if (had_state && unlink(path) != 0) {
		fprintf(stderr, "nsfleet lab: cannot remove %s: %s\n", path, strerror(errno));
		bad++;
	}
	if (verbose && np == 0 && removed == 0 && !had_state)
		printf("lab down: nothing to do (no state file in %s, no %s* namespace)\n", dir,
		       prefix);
	return bad;
}

/* ------------------------------------------------------------- up */

static int save(const lab_t *lab)
{
	int rc = lab_state_save(lab);
	if (rc != 0)
		fprintf(stderr, "nsfleet lab: cannot write the state file in %s: %s\n", lab->dir,
		        err_str(rc));
	return rc;
}

static int make_netns(lab_t *lab, const char *ns)
{
	if (IP("netns", "add", ns) != 0)
		return ERR_INVAL;
	snprintf(lab->made_ns[lab->n_ns++], LAB_NETNS_MAX, "%s", ns);
	if (save(lab) != 0)
		return ERR_INVAL;
	return IP("-n", ns, "link", "set", "lo", "up");
}

/* The hub with its bridge, then each node's namespace and veth. */
static int make_network(lab_t *lab)
{
	char cidr[LAB_ADDR_MAX + 4];
	snprintf(cidr, sizeof(cidr), "%s/24", lab->hub_addr);
	if (IP("-n", lab->hub, "link", "add", LAB_PREFIX "br", "type", "bridge") != 0 ||
	    IP("-n", lab->hub, "addr", "add", cidr, "dev", LAB_PREFIX "br") != 0 ||
	    IP("-n", lab->hub, "link", "set", LAB_PREFIX "br", "up") != 0)
		return ERR_INVAL;
	for (size_t i = 0; i < lab->n; i++) {
		lab_node_t *n = &lab->node[i];
		if (make_netns(lab, n->netns) != 0)
			return ERR_INVAL;
		snprintf(cidr, sizeof(cidr), "%s/24", n->addr);
		if (IP("-n", lab->hub, "link", "add", n->link, "type", "veth", "peer", "name",
		       LAB_PREFIX "e0", "netns", n->netns) != 0)
			return ERR_INVAL;
		snprintf(lab->made_link[lab->n_link].ns, LAB_NETNS_MAX, "%s", lab->hub);
		snprintf(lab->made_link[lab->n_link++].link, LAB_IFNAME_MAX, "%s", n->link);
		if (save(lab) != 0 ||
		    IP("-n", lab->hub, "link", "set", n->link, "master", LAB_PREFIX "br") != 0 ||
		    IP("-n", lab->hub, "link", "set", n->link, "up") != 0 ||
		    IP("-n", n->netns, "addr", "add", cidr, "dev", LAB_PREFIX "e0") != 0 ||
		    IP("-n", n->netns, "link", "set", LAB_PREFIX "e0", "up") != 0)
			return ERR_INVAL;
	}
	return 0;
}

static void print_log_tail(const char *log)
{
	FILE *f = fopen(log, "r");
	if (f == NULL)
		return;
	static char buf[4096];
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the last 12 lines */
	size_t lines = 0;
	char *p = buf + n;
	while (p > buf && lines <= 12)
		if (*--p == '\n')
			lines++;
	fprintf(stderr, "  last lines of %s:\n", log);
	for (char *save = NULL, *l = strtok_r(p, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "  | %s\n", l);
}

static int start_node(lab_t *lab, size_t i, const char *key, const lab_conf_t *c)
{
	lab_node_t *n = &lab->node[i];
	char *argv[16], store[4096], err[LAB_ERR_MAX], log[LAB_PATH_MAX];
	int rc =
	    lab_gen_node(lab, i, key, c->ttl, c->www, argv, store, sizeof(store), err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "nsfleet lab: %s (%s): %s\n", n->name, lab_sw_name(n->sw), err);
		return rc;
	}
	lab_node_log(lab, n, log, sizeof(log));
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	rc = lab_spawn((const char *const *)argv, log, &n->pid);
	if (rc != 0) {
		fprintf(stderr, "nsfleet lab: %s (%s): cannot run %s: %s\n", n->name,
		        lab_sw_name(n->sw), argv[0], err_str(rc));
		return rc;
	}
	return save(lab);
}

/* Whether node n serves what it must: its zone at the lab's serial, or
 * (resolver) www of the lab zone resolved to its address. */
static bool node_ready(const lab_t *lab, const lab_node_t *n, uint32_t www)
{
	unsigned rcode;
	if (n->role == LAB_ROLE_RESOLVER) {
		char name[LAB_DNAME_MAX + 8], got[LAB_ADDR_MAX], want[LAB_ADDR_MAX];
		snprintf(name, sizeof(name), "www.%s", lab->zone);
		snprintf(want, sizeof(want), "%u.%u.%u.%u", www >> 24, (www >> 16) & 0xff,
		         (www >> 8) & 0xff, www & 0xff);
		return lab_dns_a(n->addr, n->port, name, QUERY_MS, got, sizeof(got), &rcode) == 0 &&
		       strcmp(got, want) == 0;
	}
	uint32_t serial;
	return lab_dns_soa(n->addr, n->port, n->zone, false, QUERY_MS, &serial, &rcode) == 0 &&
	       serial == lab->serial;
}

/* Waits until every node of roles[] serves, or one dies, or the deadline. */
static int wait_ready(lab_t *lab, const bool *roles, uint32_t www, long long deadline)
{
	bool ready[LAB_MAX_NODES] = {false};
	for (;;) {
		size_t waiting = 0;
		for (size_t i = 0; i < lab->n; i++) {
			lab_node_t *n = &lab->node[i];
			if (!roles[n->role] || ready[i])
				continue;
			char log[LAB_PATH_MAX];
			lab_node_log(lab, n, log, sizeof(log));
			if (!lab_pid_alive(n->pid)) {
				fprintf(
				    stderr,
				    "nsfleet lab: %s (%s, %s) exited while starting; its log: %s\n",
				    n->name, lab_sw_name(n->sw), n->binary, log);
				print_log_tail(log);
				return ERR_INVAL;
			}
			ready[i] = node_ready(lab, n, www);
			waiting += !ready[i];
		}
		if (waiting == 0)
			return 0;
		if (interrupted) {
			fprintf(stderr, "nsfleet lab: interrupted\n");
			return ERR_INVAL;
		}
		if (now_ms() > deadline) {
			for (size_t i = 0; i < lab->n; i++) {
				lab_node_t *n = &lab->node[i];
				if (!roles[n->role] || ready[i])
					continue;
				char log[LAB_PATH_MAX];
				lab_node_log(lab, n, log, sizeof(log));
				fprintf(stderr,
				        "nsfleet lab: %s (%s) at %s@%u does not serve %s%s in "
				        "time; its "
				        "log: %s\n",
				        n->name, lab_sw_name(n->sw), n->addr, n->port,
				        n->role == LAB_ROLE_RESOLVER ? "www." : "", n->zone, log);
				print_log_tail(log);
			}
			return -ETIMEDOUT;
		}
		struct timespec ts = {0, 100 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

static int lab_status(const char *dir, bool json, bool quiet_missing);

static int lab_up(const lab_opts_t *o)
{
	static lab_conf_t c;
	static lab_t lab;
	char prefix[LAB_NETNS_MAX], path[LAB_PATH_MAX + 16], why[LAB_PATH_MAX + 64];
	int rc = load_conf(o->config, &c);
	if (rc != 0)
		return rc;
	if (o->namespaces >= 0)
		c.namespaces = (lab_nsmode_t)o->namespaces;
	lab_ns_prefix(c.name, prefix, sizeof(prefix));
	if (strpbrk(o->dir, " \t\n") != NULL || strlen(o->dir) > 200) {
		fprintf(stderr,
		        "nsfleet lab: state directory '%s': no white space, at most 200 "
		        "characters\n",
		        o->dir);
		return TOOL_USAGE;
	}

	/* leftovers of an earlier run */
	snprintf(path, sizeof(path), "%s/" LAB_STATE_FILE, o->dir);
	if (access(path, F_OK) == 0) {
		fprintf(stderr,
		        "nsfleet lab: a lab is up or was left by a crashed run (state file %s): "
		        "`nsfleet lab down --state-dir %s` stops and removes it\n",
		        path, o->dir);
		return TOOL_FAIL;
	}
	char left[8][LAB_NETNS_MAX];
	size_t nleft = lab_netns_list(prefix, left, 8);
	if (nleft > 0) {
		fprintf(stderr,
		        "nsfleet lab: namespace%s left by a crashed run:", nleft > 1 ? "s" : "");
		for (size_t i = 0; i < nleft; i++)
			fprintf(stderr, " %s", left[i]);
		fprintf(stderr, "%s; `nsfleet lab down%s%s` removes them\n",
		        nleft == 8 ? " ..." : "", o->config ? " --config " : "",
		        o->config ? o->config : "");
		return TOOL_FAIL;
	}

	/* software */
	bool skip[LAB_MAX_SECONDARIES] = {false};
	char bins[LAB_MAX_SECONDARIES][LAB_PATH_MAX], nsfleetd[LAB_PATH_MAX], unbound[LAB_PATH_MAX];
	if (!find_software(&c, LAB_SW_NSFLEETD, NULL, nsfleetd, sizeof(nsfleetd), why,
	                   sizeof(why))) {
		fprintf(stderr,
		        "nsfleet lab: nsfleetd is needed for the root, the parent and the "
		        "primary: %s (set NSFLEETD or binaries: nsfleetd:)\n",
		        why);
		return TOOL_FAIL;
	}
	bool has_resolver =
	    find_software(&c, LAB_SW_UNBOUND, NULL, unbound, sizeof(unbound), why, sizeof(why));
	lab_skip_t skips[LAB_MAX_NODES];
	size_t nskip = 0;
	if (!has_resolver) {
		printf("lab: skipping the resolver (unbound): %s\n", why);
		skips[nskip].sw = LAB_SW_UNBOUND;
		snprintf(skips[nskip].name, sizeof(skips[0].name), "resolver");
		snprintf(skips[nskip++].why, sizeof(skips[0].why), "%s", why);
	}
	size_t running = 0;
	for (size_t i = 0; i < c.nsec; i++) {
		if (find_software(&c, c.sec[i].sw, c.sec[i].binary, bins[i], sizeof(bins[i]), why,
		                  sizeof(why))) {
			running++;
			continue;
		}
		skip[i] = true;
		printf("lab: skipping secondary %s (%s): %s\n", c.sec[i].name,
		       lab_sw_name(c.sec[i].sw), why);
		skips[nskip].sw = c.sec[i].sw;
		snprintf(skips[nskip].name, sizeof(skips[0].name), "%s", c.sec[i].name);
		snprintf(skips[nskip++].why, sizeof(skips[0].why), "%s", why);
	}
	if (running == 0) {
		fprintf(stderr, "nsfleet lab: no secondary can run (all skipped above)\n");
		return TOOL_FAIL;
	}

	/* mode */
	bool netns = c.namespaces != LAB_NS_NO;
	char hub[LAB_NETNS_MAX];
	snprintf(hub, sizeof(hub), LAB_PREFIX "%s-hub", c.name);
	if (netns && geteuid() != 0) {
		if (c.namespaces == LAB_NS_YES) {
			fprintf(stderr,
			        "nsfleet lab: network namespaces need root (namespaces: yes)\n");
			return TOOL_FAIL;
		}
		printf(
		    "lab: network namespaces unavailable (not root): servers on 127.53.0.x, free "
		    "ports, the resolver stubbed to them\n");
		netns = false;
	}

	/* the state directory */
	if (mkdir(o->dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "nsfleet lab: cannot make %s: %s\n", o->dir, strerror(errno));
		return TOOL_FAIL;
	}
	snprintf(lab.dir, sizeof(lab.dir), "%s", o->dir);
	if (netns) {
		/* the probe: the hub is the first namespace made */
		const char *argv[] = {lab_ip_path(), "netns", "add", hub, NULL};
		if (lab_run(argv, true, 10000) != 0) {
			if (c.namespaces == LAB_NS_YES) {
				fprintf(
				    stderr,
				    "nsfleet lab: cannot make network namespace %s (ip netns add "
				    "failed; namespaces: yes)\n",
				    hub);
				return TOOL_FAIL;
			}
			printf(
			    "lab: network namespaces unavailable (ip netns add %s failed): servers "
			    "on 127.53.0.x, free ports, the resolver stubbed to them\n",
			    hub);
			netns = false;
		}
	}
	lab_plan(&c, netns, skip, has_resolver, &lab);
	memcpy(lab.skip, skips, sizeof(skips[0]) * nskip);
	lab.n_skip = nskip;
	for (size_t i = 0, k = 0; i < lab.n; i++) {
		lab_node_t *n = &lab.node[i];
		if (n->sw == LAB_SW_NSFLEETD && n->role != LAB_ROLE_SECONDARY)
			snprintf(n->binary, sizeof(n->binary), "%s", nsfleetd);
		else if (n->role == LAB_ROLE_RESOLVER)
			snprintf(n->binary, sizeof(n->binary), "%s", unbound);
		else if (n->role == LAB_ROLE_SECONDARY) {
			while (k < c.nsec && skip[k])
				k++;
			snprintf(n->binary, sizeof(n->binary), "%s", bins[k++]);
		}
		if (!netns && (n->port = lab_free_port(n->addr)) == 0) {
			fprintf(stderr, "nsfleet lab: no free port on %s\n", n->addr);
			return TOOL_FAIL;
		}
	}
	if (netns)
		snprintf(lab.made_ns[lab.n_ns++], LAB_NETNS_MAX, "%s", hub);
	int saved_ns = -1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	rc = save(&lab);
	if (rc == 0 && netns) {
		rc = IP("-n", hub, "link", "set", "lo", "up");
		if (rc == 0)
			rc = make_network(&lab);
		if (rc == 0 && (rc = lab_netns_enter(hub, &saved_ns)) != 0)
			fprintf(stderr, "nsfleet lab: cannot enter %s: %s\n", hub, err_str(rc));
	}

	/* the processes */
	char key[64];
	if (rc == 0 && (rc = lab_key_new(key, sizeof(key))) != 0)
		fprintf(stderr, "nsfleet lab: no random bytes for the TSIG key\n");
	long long deadline = now_ms() + (long long)c.start_timeout * 1000;
	bool roles[LAB_ROLE__COUNT] = {false};
	static const lab_role_t order[] = {LAB_ROLE_PRIMARY, LAB_ROLE_SECONDARY, LAB_ROLE_RESOLVER};
	for (size_t phase = 0; rc == 0 && phase < 3; phase++) {
		memset(roles, 0, sizeof(roles));
		roles[order[phase]] = true;
		if (phase == 1)
			roles[LAB_ROLE_ROOT] = roles[LAB_ROLE_PARENT] = true;
		for (size_t i = 0; rc == 0 && i < lab.n; i++)
			if (roles[lab.node[i].role])
				rc = start_node(&lab, i, key, &c);
		if (rc == 0)
			rc = wait_ready(&lab, roles, c.www, deadline);
	}
	explicit_bzero(key, sizeof(key));
	if (saved_ns >= 0)
		lab_netns_leave(saved_ns);
	if (rc != 0) {
		fprintf(stderr, "nsfleet lab: lab up failed: tearing down what was started\n");
		teardown(&lab, lab.dir, prefix, false);
		return TOOL_FAIL;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	printf("lab up: %zu servers in %s, zone %s, state %s\n", lab.n,
	       netns ? "network namespaces" : "127.53.0.x on free ports", lab.zone, lab.dir);
	fflush(stdout);
	lab_status(lab.dir, false, false);
	return TOOL_OK;
}

/* ------------------------------------------------------------- down */

static int lab_down(const lab_opts_t *o)
{
	static lab_t lab;
	static lab_conf_t c;
	char err[LAB_ERR_MAX], prefix[LAB_NETNS_MAX];
	int rc = load_conf(o->config, &c);
	if (rc != 0)
		return rc;
	rc = lab_state_load(o->dir, &lab, err, sizeof(err));
	const char *name = c.name;
	if (rc == 0) {
		name = lab.name;
		if (o->config && strcmp(c.name, lab.name) != 0)
			printf("lab down: the state file names lab '%s', the config '%s': removing "
			       "both\n",
			       lab.name, c.name);
	} else if (rc != -ENOENT) {
		fprintf(stderr,
		        "nsfleet lab: %s: ignoring the state file, removing namespaces by "
		        "name\n",
		        rc == ERR_SYNTAX ? err : err_str(rc));
	}
	if (o->all)
		snprintf(prefix, sizeof(prefix), LAB_PREFIX);
	else
		lab_ns_prefix(name, prefix, sizeof(prefix));
	int bad = teardown(rc == 0 ? &lab : NULL, o->dir, prefix, true);
	if (rc == 0 && o->config && strcmp(c.name, lab.name) != 0) {
		lab_ns_prefix(c.name, prefix, sizeof(prefix));
		bad += teardown(NULL, o->dir, prefix, true);
	}
	if (rc == ERR_SYNTAX) {
		char path[LAB_PATH_MAX + 16];
		snprintf(path, sizeof(path), "%s/" LAB_STATE_FILE, o->dir);
		unlink(path);
	}
	return bad ? TOOL_FAIL : TOOL_OK;
}

/* ------------------------------------------------------------- status */

static int lab_status(const char *dir, bool json, bool quiet_missing)
{
	static lab_t lab;
	char err[LAB_ERR_MAX];
	int rc = lab_state_load(dir, &lab, err, sizeof(err));
	(void)quiet_missing;
	if (rc != 0) {
		if (json) {
			json_t *j = json_pack("{s:b,s:s,s:s}", "up", 0, "state_dir", dir, "error",
			                      rc == -ENOENT ? "no lab is up" : err);
			tool_json_out(j);
			json_decref(j);
		}
		if (rc == -ENOENT)
			fprintf(stderr, "nsfleet lab: no lab is up (no state file in %s)\n", dir);
		else
			fprintf(stderr, "nsfleet lab: %s\n", rc == ERR_SYNTAX ? err : err_str(rc));
		return TOOL_FAIL;
	}
	int saved = -1;
	if (lab.netns && lab_netns_exists(lab.hub))
		lab_netns_enter(lab.hub, &saved);
	bool running[LAB_MAX_NODES];
	int serr[LAB_MAX_NODES];
	uint32_t serial[LAB_MAX_NODES];
	size_t up = 0;
	for (size_t i = 0; i < lab.n; i++) {
		lab_node_t *n = &lab.node[i];
		unsigned rcode;
		running[i] = node_running(&lab, n);
		serr[i] = running[i]
		              ? lab_dns_soa(n->addr, n->port, n->zone, n->role == LAB_ROLE_RESOLVER,
		                            1000, &serial[i], &rcode)
		              : ERR_NOTFOUND;
		up += running[i] && serr[i] == 0;
	}
	if (saved >= 0)
		lab_netns_leave(saved);

	if (json) {
		json_t *servers = json_array(), *skipped = json_array();
		for (size_t i = 0; i < lab.n; i++) {
			lab_node_t *n = &lab.node[i];
			char log[LAB_PATH_MAX], d[LAB_PATH_MAX];
			lab_node_log(&lab, n, log, sizeof(log));
			lab_node_dir(&lab, n, d, sizeof(d));
			json_t *s = json_pack(
			    "{s:s,s:s,s:s,s:s?,s:s,s:i,s:s,s:i,s:b,s:s,s:s,s:s}", "name", n->name,
			    "role", lab_role_name(n->role), "software", lab_sw_name(n->sw),
			    "namespace", n->netns[0] ? n->netns : NULL, "address", n->addr, "port",
			    (int)n->port, "zone", n->zone, "pid", (int)n->pid, "running",
			    running[i], "binary", n->binary, "log", log, "dir", d);
			json_object_set_new(s, "serial",
			                    serr[i] == 0 ? json_integer(serial[i]) : json_null());
			if (n->role == LAB_ROLE_ROOT || n->role == LAB_ROLE_PARENT ||
			    n->role == LAB_ROLE_PRIMARY) {
				lab_node_zonefile(&lab, n, d, sizeof(d));
				json_object_set_new(s, "zone_file", json_string(d));
			}
			if (n->sw == LAB_SW_NSFLEETD) {
				lab_node_control(&lab, n, d, sizeof(d));
				json_object_set_new(s, "control", json_string(d));
			}
			json_array_append_new(servers, s);
		}
		for (size_t i = 0; i < lab.n_skip; i++)
			json_array_append_new(skipped,
			                      json_pack("{s:s,s:s,s:s}", "name", lab.skip[i].name,
			                                "software", lab_sw_name(lab.skip[i].sw),
			                                "reason", lab.skip[i].why));
		json_t *j =
		    json_pack("{s:b,s:s,s:s,s:s,s:s,s:s,s:s?,s:o,s:o}", "up", up == lab.n, "lab",
		              lab.name, "mode", lab.netns ? "netns" : "loopback", "state_dir",
		              lab.dir, "zone", lab.zone, "parent", lab.parent, "hub",
		              lab.netns ? lab.hub : NULL, "servers", servers, "skipped", skipped);
		tool_json_out(j);
		json_decref(j);
		return up == lab.n ? TOOL_OK : TOOL_FAIL;
	}
	printf("lab %s: %s, zone %s, state %s\n", lab.name,
	       lab.netns ? "network namespaces" : "loopback (127.53.0.x, free ports)", lab.zone,
	       lab.dir);
	printf("%-15s %-9s %-8s %-24s %-18s %-8s %-7s %s\n", "NAME", "ROLE", "SOFTWARE",
	       "NAMESPACE", "ADDRESS", "PID", "STATE", "SERIAL");
	for (size_t i = 0; i < lab.n; i++) {
		lab_node_t *n = &lab.node[i];
		char addr[32], ser[32];
		snprintf(addr, sizeof(addr), "%s@%u", n->addr, n->port);
		if (serr[i] == 0)
			snprintf(ser, sizeof(ser), "%u", serial[i]);
		else
			snprintf(ser, sizeof(ser), "- (%s)",
			         !running[i]               ? "down"
			         : serr[i] == ERR_NOTFOUND ? "no SOA"
			                                   : err_str(serr[i]));
		printf("%-15s %-9s %-8s %-24s %-18s %-8d %-7s %s\n", n->name,
		       lab_role_name(n->role), lab_sw_name(n->sw), n->netns[0] ? n->netns : "-",
		       addr, (int)n->pid, running[i] ? "running" : "stopped", ser);
	}
	for (size_t i = 0; i < lab.n_skip; i++)
		printf("skipped: %s (%s): %s\n", lab.skip[i].name, lab_sw_name(lab.skip[i].sw),
		       lab.skip[i].why);
	return up == lab.n ? TOOL_OK : TOOL_FAIL;
}

/* ------------------------------------------------------------- main */

int cmd_lab(int argc, char **argv)
{
	lab_opts_t o = {NULL, "", false, false, -1};
	const char *verb = NULL;
	default_dir(o.dir, sizeof(o.dir));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			lab_usage(stdout);
			return TOOL_OK;
		} else if ((strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) && i + 1 < argc) {
			o.config = argv[++i];
		} else if (strcmp(a, "--state-dir") == 0 && i + 1 < argc) {
			snprintf(o.dir, sizeof(o.dir), "%s", argv[++i]);
		} else if (strcmp(a, "--namespaces") == 0 && i + 1 < argc) {
			const char *v = argv[++i];
			o.namespaces = strcmp(v, "auto") == 0  ? LAB_NS_AUTO
			               : strcmp(v, "yes") == 0 ? LAB_NS_YES
			               : strcmp(v, "no") == 0  ? LAB_NS_NO
			                                       : -2;
			if (o.namespaces == -2) {
				fprintf(stderr, "nsfleet lab: --namespaces yes, no or auto\n");
				return TOOL_USAGE;
			}
		} else if (strcmp(a, "--json") == 0) {
			o.json = true;
		} else if (strcmp(a, "--all") == 0) {
			o.all = true;
		} else if (a[0] == '-') {
			fprintf(stderr, "nsfleet lab: unknown option or missing value: '%s'\n", a);
			lab_usage(stderr);
			return TOOL_USAGE;
		} else if (verb == NULL) {
			verb = a;
		} else {
			fprintf(stderr, "nsfleet lab: unexpected argument '%s'\n", a);
			return TOOL_USAGE;
		}
	}
	size_t dl = strlen(o.dir);
	while (dl > 1 && o.dir[dl - 1] == '/')
		o.dir[--dl] = '\0';
	if (verb == NULL) {
		lab_usage(stderr);
		return TOOL_USAGE;
	}
	if (strcmp(verb, "up") == 0)
		return lab_up(&o);
	if (strcmp(verb, "down") == 0)
		return lab_down(&o);
	if (strcmp(verb, "status") == 0)
		return lab_status(o.dir, o.json, false);
	if (strcmp(verb, "reference") == 0) {
		lab_conf_reference(stdout);
		return TOOL_OK;
	}
	fprintf(stderr, "nsfleet lab: unknown command '%s' (up, down, status)\n", verb);
	return TOOL_USAGE;
}
