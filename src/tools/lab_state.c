/*
 * The lab's state file, DIR/state: what `lab up` made, so that `lab down`
 * and `lab status` work from another process, also after a crash of the
 * one that made it.  It is rewritten (temp file + rename) after every
 * namespace, link and process made, so it never lags behind by more than
 * the one thing being made.  Format (doc/nsfleet-lab.md): one record a
 * line, fields separated by one space, the first line "nsfleet-lab 1".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "tools/lab.h"

#define STATE_MAGIC "nsfleet-lab 1"

static bool has_space(const char *s)
{
	return strpbrk(s, " \t\r\n") != NULL;
}

int lab_state_save(const lab_t *lab)
{
	char path[LAB_PATH_MAX + 16], tmp[LAB_PATH_MAX + 32];
	if (has_space(lab->dir))
		return ERR_INVAL;
	snprintf(path, sizeof(path), "%s/" LAB_STATE_FILE, lab->dir);
	snprintf(tmp, sizeof(tmp), "%s/" LAB_STATE_FILE ".tmp", lab->dir);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, STATE_MAGIC "\nname %s\nmode %s\ndir %s\nzone %s\nparent %s\nserial %u\n",
	        lab->name, lab->netns ? "netns" : "loopback", lab->dir, lab->zone, lab->parent,
	        lab->serial);
	if (lab->netns)
		fprintf(f, "hub %s %s\n", lab->hub, lab->hub_addr);
	for (size_t i = 0; i < lab->n_ns; i++)
		fprintf(f, "netns %s\n", lab->made_ns[i]);
	for (size_t i = 0; i < lab->n_link; i++)
		fprintf(f, "link %s %s\n", lab->made_link[i].ns, lab->made_link[i].link);
	for (size_t i = 0; i < lab->n; i++) {
		const lab_node_t *n = &lab->node[i];
		fprintf(f, "node %s %s %s %s %s %u %s %d %s %s\n", n->name, lab_role_name(n->role),
		        lab_sw_name(n->sw), n->netns[0] ? n->netns : "-", n->addr, n->port, n->zone,
		        (int)n->pid, n->link[0] ? n->link : "-",
		        n->binary[0] && !has_space(n->binary) ? n->binary : "-");
	}
	for (size_t i = 0; i < lab->n_skip; i++)
		fprintf(f, "skip %s %s %s\n", lab->skip[i].name, lab_sw_name(lab->skip[i].sw),
		        lab->skip[i].why);
	int rc = 0;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

__attribute__((format(printf, 5, 6))) static int serr(char *err, size_t cap, const char *file,
                                                      unsigned line, const char *fmt, ...)
{
	int k = snprintf(err, cap, "%s:%u: ", file, line);
	if (k >= 0 && (size_t)k < cap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + k, cap - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return ERR_SYNTAX;
}

/* Copies a field of at most cap-1 characters; false if longer. */
static bool field(char *dst, size_t cap, const char *src)
{
	if (src == NULL || strlen(src) >= cap)
		return false;
	memcpy(dst, src, strlen(src) + 1);
	return true;
}

int lab_state_parse(const char *text, size_t len, const char *file, lab_t *lab, char *err,
                    size_t errcap)
{
	char line[LAB_PATH_MAX * 3];
	unsigned lineno = 0;
	size_t pos = 0;
	char dir[LAB_PATH_MAX];
	memcpy(dir, lab->dir, sizeof(dir));
	memset(lab, 0, sizeof(*lab));
	memcpy(lab->dir, dir, sizeof(dir));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		lineno++;
		if (l >= sizeof(line))
			return serr(err, errcap, file, lineno, "line too long");
		memcpy(line, text + pos, l);
		line[l] = '\0';
		pos += l + (nl != NULL);
		if (memchr(line, '\0', l) != NULL)
			return serr(err, errcap, file, lineno, "NUL in line");
		if (lineno == 1) {
			if (strcmp(line, STATE_MAGIC) != 0)
				return serr(err, errcap, file, lineno,
				            "not a lab state file (no '%s')", STATE_MAGIC);
			continue;
		}
		if (line[0] == '\0')
			continue;
		char *save = NULL, *kw = strtok_r(line, " ", &save);
		char *f[10] = {NULL};
		int nf = 0;
		if (kw == NULL)
			continue;
		if (strcmp(kw, "skip") == 0) {
			f[0] = strtok_r(NULL, " ", &save);
			f[1] = strtok_r(NULL, " ", &save);
			f[2] = save; /* the rest */
			if (lab->n_skip == LAB_MAX_NODES || !f[1] || !f[2])
				return serr(err, errcap, file, lineno, "bad skip line");
			lab_skip_t *s = &lab->skip[lab->n_skip];
			if (!field(s->name, sizeof(s->name), f[0]) ||
			    lab_sw_from_text(f[1], &s->sw) != 0 ||
			    !field(s->why, sizeof(s->why), f[2]))
				return serr(err, errcap, file, lineno, "bad skip line");
			lab->n_skip++;
			continue;
		}
		while (nf < 10 && (f[nf] = strtok_r(NULL, " ", &save)) != NULL)
			nf++;
		if (nf == 10 && strtok_r(NULL, " ", &save) != NULL)
			return serr(err, errcap, file, lineno, "too many fields");
		bool ok;
		if (strcmp(kw, "name") == 0 && nf == 1) {
			ok = field(lab->name, sizeof(lab->name), f[0]);
		} else if (strcmp(kw, "mode") == 0 && nf == 1) {
			ok = strcmp(f[0], "netns") == 0 || strcmp(f[0], "loopback") == 0;
			lab->netns = strcmp(f[0], "netns") == 0;
		} else if (strcmp(kw, "dir") == 0 && nf == 1) {
			ok = field(lab->dir, sizeof(lab->dir), f[0]);
		} else if (strcmp(kw, "zone") == 0 && nf == 1) {
			ok = field(lab->zone, sizeof(lab->zone), f[0]);
		} else if (strcmp(kw, "parent") == 0 && nf == 1) {
			ok = field(lab->parent, sizeof(lab->parent), f[0]);
		} else if (strcmp(kw, "serial") == 0 && nf == 1) {
			char *end;
			unsigned long v = strtoul(f[0], &end, 10);
			ok = *end == '\0' && v <= 0xffffffffUL;
			lab->serial = (uint32_t)v;
		} else if (strcmp(kw, "hub") == 0 && nf == 2) {
			ok = field(lab->hub, sizeof(lab->hub), f[0]) &&
			     field(lab->hub_addr, sizeof(lab->hub_addr), f[1]);
		} else if (strcmp(kw, "netns") == 0 && nf == 1) {
			ok = lab->n_ns < LAB_MAX_NODES + 1 &&
			     field(lab->made_ns[lab->n_ns], LAB_NETNS_MAX, f[0]);
			lab->n_ns += ok;
		} else if (strcmp(kw, "link") == 0 && nf == 2) {
			ok = lab->n_link < LAB_MAX_NODES &&
			     field(lab->made_link[lab->n_link].ns, LAB_NETNS_MAX, f[0]) &&
			     field(lab->made_link[lab->n_link].link, LAB_IFNAME_MAX, f[1]);
			lab->n_link += ok;
		} else if (strcmp(kw, "node") == 0 && nf == 10) {
			lab_node_t *n = &lab->node[lab->n];
			char *end, *end2;
			unsigned long port = strtoul(f[5], &end, 10);
			long pid = strtol(f[7], &end2, 10);
			ok = lab->n < LAB_MAX_NODES && field(n->name, sizeof(n->name), f[0]) &&
			     lab_role_from_text(f[1], &n->role) == 0 &&
			     lab_sw_from_text(f[2], &n->sw) == 0 &&
			     (strcmp(f[3], "-") == 0 || field(n->netns, sizeof(n->netns), f[3])) &&
			     field(n->addr, sizeof(n->addr), f[4]) && *end == '\0' &&
			     port <= 65535 && field(n->zone, sizeof(n->zone), f[6]) &&
			     *end2 == '\0' && pid >= 0 && pid < 1L << 30 &&
			     (strcmp(f[8], "-") == 0 || field(n->link, sizeof(n->link), f[8])) &&
			     (strcmp(f[9], "-") == 0 || field(n->binary, sizeof(n->binary), f[9]));
			n->port = (uint16_t)port;
			n->pid = (pid_t)pid;
			lab->n += ok;
		} else {
			return serr(err, errcap, file, lineno,
			            "unknown record '%s' or wrong field count", kw);
		}
		if (!ok)
			return serr(err, errcap, file, lineno, "bad value in '%s' record", kw);
	}
	if (lineno == 0)
		return serr(err, errcap, file, 1, "empty state file");
	if (lab->name[0] == '\0')
		return serr(err, errcap, file, lineno, "no 'name' record");
	return 0;
}

int lab_state_load(const char *dir, lab_t *lab, char *err, size_t errcap)
{
	char path[LAB_PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/" LAB_STATE_FILE, dir);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	static char text[1 << 17];
	size_t n = fread(text, 1, sizeof(text), f);
	int rc = ferror(f) ? -EIO : 0;
	fclose(f);
	if (rc != 0)
		return rc;
	if (n == sizeof(text))
		return ERR_LIMIT;
	snprintf(lab->dir, sizeof(lab->dir), "%s", dir);
	return lab_state_parse(text, n, path, lab, err, errcap);
}
