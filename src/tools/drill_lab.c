/*
 * The lab as a drill sees it.  Everything comes from the lab's state file
 * (lab_state_load): the nodes, their namespaces, addresses and pids.  The
 * drill runs in the lab's hub namespace (where the bridge is, so every
 * node's address is reachable) and changes nothing of the lab but:
 *
 *   - processes: SIGKILL to every process in a node's namespace, and a
 *     restart by the command line the node was running (read from
 *     /proc/PID/cmdline before the first kill: `nsfleet lab` has no
 *     restart of one node and does not record the command), run again
 *     under `ip netns exec` with the node's log appended; the new pid is
 *     written to the state file so that `lab down` and `lab status` know
 *     it;
 *   - one nftables table, inet nsfl_drill, inside a node's namespace
 *     (never the host's), deleted when the fault ends and on every exit;
 *   - the primary's zone file (changes, bad pushes, always restored to a
 *     good version) and its reload through `nsfleet ctl`.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/err.h"
#include "tools/drill.h"
#include "tools/tool.h"

#define NFT_TABLE "nsfl_drill"
#define SOA_MS    600

size_t drill_node_index(const drill_lab_t *d, const lab_node_t *n)
{
	return (size_t)(n - d->lab.node);
}

int drill_set_targets(drill_lab_t *d, const char *list)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool found = false;
		for (size_t k = 0; k < d->nsec && !found; k++)
			if (strcmp(d->lab.node[d->sec[k]].name, t) == 0)
				found = d->target[d->sec[k]] = true;
		if (!found) {
			fprintf(stderr,
			        "nsfleet drill: --target %s: no secondary of that name in lab %s\n",
			        t, d->lab.name);
			return ERR_NOTFOUND;
		}
		d->has_target = true;
	}
	return 0;
}

bool drill_is_target(const drill_lab_t *d, size_t i)
{
	return !d->has_target || d->target[i];
}

static int read_cmdline(pid_t pid, char *out, size_t cap, size_t *len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, out, cap - 1);
	int rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc != 0)
		return rc;
	if (n <= 0 || (size_t)n >= cap - 1)
		return ERR_LIMIT;
	out[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int drill_lab_open(drill_lab_t *d, const char *dir)
{
	char err[LAB_ERR_MAX];
	memset(d, 0, sizeof(*d));
	d->hub_saved = -1;
	int rc = lab_state_load(dir, &d->lab, err, sizeof(err));
	if (rc != 0) {
		if (rc == -ENOENT)
			fprintf(stderr,
			        "nsfleet drill: no lab is up (no state file in %s): `nsfleet lab "
			        "up` first\n",
			        dir);
		else
			fprintf(stderr, "nsfleet drill: %s\n",
			        rc == ERR_SYNTAX ? err : err_str(rc));
		return TOOL_FAIL;
	}
	if (!d->lab.netns) {
		fprintf(stderr,
		        "nsfleet drill: lab %s runs without network namespaces (loopback "
		        "fallback): the drill needs them (nftables and kills per namespace)\n",
		        d->lab.name);
		return TOOL_FAIL;
	}
	ssize_t n = readlink("/proc/self/exe", d->self, sizeof(d->self) - 1);
	if (n <= 0) {
		fprintf(stderr, "nsfleet drill: cannot find this program (/proc/self/exe)\n");
		return TOOL_FAIL;
	}
	d->self[n] = '\0';
	for (size_t i = 0; i < d->lab.n; i++) {
		lab_node_t *nd = &d->lab.node[i];
		if (nd->role == LAB_ROLE_PRIMARY)
			d->primary = nd;
		else if (nd->role == LAB_ROLE_RESOLVER)
			d->resolver = nd;
		else if (nd->role == LAB_ROLE_SECONDARY && d->nsec < LAB_MAX_SECONDARIES)
			d->sec[d->nsec++] = i;
		if (!lab_pid_in_netns(nd->pid, nd->netns)) {
			fprintf(stderr,
			        "nsfleet drill: %s (%s) is not running (pid %d in %s): the lab "
			        "is not whole; `nsfleet lab status` says more\n",
			        nd->name, lab_sw_name(nd->sw), (int)nd->pid, nd->netns);
			return TOOL_FAIL;
		}
		if ((rc = read_cmdline(nd->pid, d->cmd[i], sizeof(d->cmd[i]), &d->cmdlen[i])) !=
		    0) {
			fprintf(stderr,
			        "nsfleet drill: cannot read the command of %s (pid %d): %s\n",
			        nd->name, (int)nd->pid, err_str(rc));
			return TOOL_FAIL;
		}
	}
	if (d->primary == NULL || d->resolver == NULL || d->nsec == 0) {
		fprintf(stderr, "nsfleet drill: lab %s has no %s\n", d->lab.name,
		        d->resolver == NULL  ? "resolver (Unbound was skipped)"
		        : d->primary == NULL ? "primary"
		                             : "secondary");
		return TOOL_FAIL;
	}
	if ((rc = lab_netns_enter(d->lab.hub, &d->hub_saved)) != 0) {
		fprintf(stderr, "nsfleet drill: cannot enter the lab's hub namespace %s: %s\n",
		        d->lab.hub, err_str(rc));
		return TOOL_FAIL;
	}
	/* a table left by a drill that crashed */
	for (size_t i = 0; i < d->lab.n; i++) {
		d->blocked[i] = true;
		drill_node_unblock(d, i);
	}
	return 0;
}

void drill_lab_close(drill_lab_t *d)
{
	for (size_t i = 0; i < d->lab.n; i++)
		if (d->blocked[i])
			drill_node_unblock(d, i);
	if (d->hub_saved >= 0)
		lab_netns_leave(d->hub_saved);
	d->hub_saved = -1;
}

bool drill_node_running(const drill_lab_t *d, size_t i)
{
	const lab_node_t *n = &d->lab.node[i];
	return lab_pid_in_netns(n->pid, n->netns);
}

/* The pid files the lab's servers write in their directories
 * (lab_gen.c), left behind by a SIGKILL. */
static const char *const pid_files[] = {"knot.pid", "nsd.pid",         "named.pid", "unbound.pid",
                                        "pdns.pid", "pdns_server.pid", NULL};

int drill_node_kill(drill_lab_t *d, size_t i)
{
	const lab_node_t *n = &d->lab.node[i];
	pid_t pids[256];
	/* NSD and BIND fork: every process in the namespace goes */
	for (int round = 0; round < 150; round++) {
		size_t k = lab_netns_pids(n->netns, pids, 256), alive = 0;
		for (size_t j = 0; j < k; j++)
			if (lab_pid_alive(pids[j])) {
				kill(pids[j], SIGKILL);
				alive++;
			}
		/* a node restarted by this drill is our child: reap it, or its
		 * zombie's pid still "runs" for the next start's pid-file check */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (alive == 0 && !lab_pid_alive(n->pid))
			break;
		if (round == 149)
			return -EBUSY;
		drill_sleep_ms(20);
	}
	/* every process of the node is gone: its pid files are stale (Knot
	 * refuses to start over one whose pid is a zombie the container's init
	 * did not reap) */
	char dir[LAB_PATH_MAX], path[LAB_PATH_MAX + 32];
	lab_node_dir(&d->lab, n, dir, sizeof(dir));
	for (int p = 0; pid_files[p]; p++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pid_files[p]);
		unlink(path);
	}
	return 0;
}

int drill_node_restart(drill_lab_t *d, size_t i)
{
	lab_node_t *n = &d->lab.node[i];
	char *argv[72], log[LAB_PATH_MAX];
	size_t k = 0;
	argv[k++] = "ip";
	argv[k++] = "netns";
	argv[k++] = "exec";
	argv[k++] = n->netns;
	for (size_t p = 0; p < d->cmdlen[i] && k < 71; p += strlen(d->cmd[i] + p) + 1)
		argv[k++] = d->cmd[i] + p;
	argv[k] = NULL;
	lab_node_log(&d->lab, n, log, sizeof(log));
	pid_t pid;
	int rc = lab_spawn((const char *const *)argv, log, &pid);
	if (rc != 0)
		return rc;
	n->pid = pid;
	/* the new pid for `lab down` and `lab status` */
	return lab_state_save(&d->lab);
}

static int nft(const drill_lab_t *d, size_t i, const char *script, bool quiet)
{
	const char *argv[] = {"ip", "netns", "exec", d->lab.node[i].netns, "nft", script, NULL};
	int rc = lab_run(argv, quiet, 15000);
	return rc == 0 ? 0 : rc < 0 ? rc : ERR_INVAL;
}

static int nft_block(drill_lab_t *d, size_t i, const char *match_in, const char *match_out)
{
	char script[1024];
	snprintf(script, sizeof(script),
	         "add table inet " NFT_TABLE "; "
	         "add chain inet " NFT_TABLE " in { type filter hook input priority -10; policy "
	         "accept; }; "
	         "add chain inet " NFT_TABLE " out { type filter hook output priority -10; policy "
	         "accept; }; "
	         "add rule inet " NFT_TABLE " in %s drop; "
	         "add rule inet " NFT_TABLE " out %s drop",
	         match_in, match_out);
	d->blocked[i] = true;
	return nft(d, i, script, false);
}

int drill_node_partition(drill_lab_t *d, size_t i)
{
	/* the node's own veth end; loopback stays */
	return nft_block(d, i, "iifname \"" LAB_PREFIX "e0\"", "oifname \"" LAB_PREFIX "e0\"");
}

int drill_node_block_peer(drill_lab_t *d, size_t i, const char *peer_addr)
{
	char in[64], out[64];
	snprintf(in, sizeof(in), "ip saddr %s", peer_addr);
	snprintf(out, sizeof(out), "ip daddr %s", peer_addr);
	return nft_block(d, i, in, out);
}

int drill_node_unblock(drill_lab_t *d, size_t i)
{
	if (!d->blocked[i])
		return 0;
	char script[128];
	snprintf(script, sizeof(script), "delete table inet " NFT_TABLE);
	/* "list" first: no error message for a table that is not there */
	char list[128];
	snprintf(list, sizeof(list), "list table inet " NFT_TABLE);
	int rc = 0;
	if (nft(d, i, list, true) == 0)
		rc = nft(d, i, script, false);
	d->blocked[i] = false;
	return rc;
}

int drill_node_serial(const drill_lab_t *d, size_t i, uint32_t *serial)
{
	const lab_node_t *n = &d->lab.node[i];
	unsigned rcode;
	return lab_dns_soa(n->addr, n->port, d->lab.zone, false, SOA_MS, serial, &rcode);
}

double drill_wait_serial(const drill_lab_t *d, uint32_t serial, double deadline_ms)
{
	double t0 = drill_now();
	for (;;) {
		size_t ok = 0;
		for (size_t k = 0; k < d->nsec; k++) {
			uint32_t s;
			if (drill_node_serial(d, d->sec[k], &s) == 0 && s == serial)
				ok++;
		}
		double el = drill_now() - t0;
		if (ok == d->nsec)
			return el;
		if (el > deadline_ms || drill_interrupted)
			return -1;
		drill_sleep_ms(100);
	}
}

/* ------------------------------------------------------------- zone */

int drill_zone_read(const drill_lab_t *d, char **text, size_t *len)
{
	char path[LAB_PATH_MAX];
	lab_node_zonefile(&d->lab, d->primary, path, sizeof(path));
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	char *buf = malloc(1 << 20);
	if (buf == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

int drill_zone_write(const drill_lab_t *d, const char *text, size_t len)
{
	char path[LAB_PATH_MAX], tmp[LAB_PATH_MAX + 16];
	lab_node_zonefile(&d->lab, d->primary, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.drill", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	int rc = fwrite(text, 1, len, f) == len ? 0 : -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	return rc;
}

char *drill_zone_with_serial(const char *text, uint32_t serial)
{
	/* the SOA line as lab_gen writes it: "@ TTL IN SOA MNAME RNAME SERIAL ..." */
	const char *soa = strstr(text, " SOA ");
	if (soa == NULL)
		return NULL;
	const char *p = soa + 5;
	for (int field = 0; field < 2; field++) { /* mname, rname */
		while (*p == ' ')
			p++;
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	while (*p == ' ')
		p++;
	const char *end = p;
	while (*end >= '0' && *end <= '9')
		end++;
	if (end == p)
		return NULL;
	size_t len = strlen(text);
	char *out = malloc(len + 16);
	if (out == NULL)
		return NULL;
	int k = snprintf(out, len + 16, "%.*s%u%s", (int)(p - text), text, serial, end);
	if (k < 0 || (size_t)k >= len + 16) {
		free(out);
		return NULL;
	}
	return out;
}

int drill_primary_reload(const drill_lab_t *d)
{
	char ctl[LAB_PATH_MAX];
	lab_node_control(&d->lab, d->primary, ctl, sizeof(ctl));
	const char *argv[] = {d->self, "ctl", "-s", ctl, "reload", NULL};
	return lab_run(argv, !d->verbose, 30000);
}

/* ------------------------------------------------------------- audit */

int drill_audit(const drill_lab_t *d, uint32_t serial, int *serving, char *summary, size_t cap)
{
	char out[LAB_PATH_MAX + 32];
	snprintf(out, sizeof(out), "%s/drill-audit.json", d->lab.dir);
	char nsarg[LAB_MAX_SECONDARIES][LAB_DNAME_MAX + 48];
	const char *argv[2 * LAB_MAX_SECONDARIES + 12];
	size_t k = 0;
	argv[k++] = "sh"; /* only for the redirection; every argument is ours */
	argv[k++] = "-c";
	argv[k++] = "out=$1; shift; exec \"$@\" >\"$out\"";
	argv[k++] = "sh";
	argv[k++] = out;
	argv[k++] = d->self;
	argv[k++] = "audit";
	argv[k++] = d->lab.zone;
	for (size_t i = 0; i < d->nsec; i++) {
		const lab_node_t *n = &d->lab.node[d->sec[i]];
		snprintf(nsarg[i], sizeof(nsarg[i]), "%s.%s@%s#%u", n->name, d->lab.zone, n->addr,
		         n->port);
		argv[k++] = "--ns";
		argv[k++] = nsarg[i];
	}
	argv[k++] = "--json";
	argv[k] = NULL;
	int rc = lab_run(argv, true, 120000);
	*serving = -1;
	snprintf(summary, cap, "audit exit %d, no JSON", rc);
	json_error_t je;
	json_t *j = json_load_file(out, 0, &je);
	if (j == NULL)
		return rc;
	/* serving: authoritative answers with the serial; and the findings
	 * that would say a server is not serving (others, such as one /24
	 * for the whole lab, are not the drill's business) */
	static const char *const bad[] = {"no-answer",
	                                  "no-udp",
	                                  "no-tcp",
	                                  "lame-no-soa",
	                                  "lame-not-authoritative",
	                                  "lame-rcode",
	                                  "lame-refused",
	                                  "lame-servfail",
	                                  "serial-lag",
	                                  "zone-differ",
	                                  "record-differ",
	                                  NULL};
	int ok = 0, e = 0;
	size_t idx;
	json_t *v;
	json_array_foreach(json_object_get(j, "servers"), idx, v)
	{
		json_t *ser = json_object_get(v, "serial");
		ok += json_is_true(json_object_get(v, "answers")) &&
		      json_is_true(json_object_get(v, "authoritative")) && json_is_integer(ser) &&
		      (uint32_t)json_integer_value(ser) == serial;
	}
	int w = snprintf(summary, cap, "audit exit %d: %d of %zu servers answer with serial %u", rc,
	                 ok, d->nsec, serial);
	json_array_foreach(json_object_get(j, "findings"), idx, v)
	{
		const char *code = json_string_value(json_object_get(v, "code"));
		const char *sev = json_string_value(json_object_get(v, "severity"));
		for (int b = 0; code && bad[b]; b++)
			if (strcmp(code, bad[b]) == 0) {
				e++;
				if (w > 0 && (size_t)w < cap)
					w += snprintf(summary + w, cap - (size_t)w, "%s %s %s",
					              e == 1 ? ";" : ",", sev ? sev : "?", code);
			}
	}
	*serving = e == 0 ? ok : 0;
	json_decref(j);
	return rc;
}
