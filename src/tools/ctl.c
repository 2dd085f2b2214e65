/*
 * nsfleet ctl [-s PATH] reload [--force] [ZONE] | status: one request line to
 * nsfleetd's control socket (doc/nsfleetd.md), the reply printed as it
 * comes.  Exit 0 when the server answered and did not say ERROR, 1 when it
 * did or could not be reached, 2 for a usage error.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tools/tool.h"

#define CTL_DEFAULT_SOCKET "/run/nsfleet/control.sock"
#define CTL_TIMEOUT_MS     (120 * 1000) /* a reload of big zones takes a while */

static void ctl_usage(FILE *out)
{
	fputs("usage: nsfleet ctl [-s PATH] reload [--force] [ZONE]\n"
	      "       nsfleet ctl [-s PATH] status\n"
	      "\n"
	      "  -s, --socket PATH   nsfleetd's control socket (default " CTL_DEFAULT_SOCKET ")\n"
	      "  --force             reload: accept a primary zone that shrank past the guard\n",
	      out);
}

static int ctl_send(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int cmd_ctl(int argc, char **argv)
{
	const char *path = CTL_DEFAULT_SOCKET;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			ctl_usage(stdout);
			return TOOL_OK;
		}
		if ((strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--socket") == 0) &&
		    i + 1 < argc) {
			path = argv[++i];
			continue;
		}
		fprintf(stderr, "nsfleet ctl: unknown option '%s'\n", argv[i]);
		ctl_usage(stderr);
		return TOOL_USAGE;
	}
	char req[1024];
	if (i < argc && strcmp(argv[i], "status") == 0 && argc - i == 1) {
		snprintf(req, sizeof(req), "status\n");
	} else if (i < argc && strcmp(argv[i], "reload") == 0 &&
	           argc - i <= 2 + (i + 1 < argc && strcmp(argv[i + 1], "--force") == 0)) {
		bool force = i + 1 < argc && strcmp(argv[i + 1], "--force") == 0;
		int z = i + 1 + force;
		if (z < argc && (argv[z][0] == '-' || strpbrk(argv[z], " \t\r\n") != NULL)) {
			fprintf(stderr, "nsfleet ctl: bad zone name '%s'\n", argv[z]);
			return TOOL_USAGE;
		}
		snprintf(req, sizeof(req), "reload%s%s%s\n", force ? " --force" : "",
		         z < argc ? " " : "", z < argc ? argv[z] : "");
	} else {
		ctl_usage(stderr);
		return TOOL_USAGE;
	}

	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "nsfleet ctl: socket path too long: %s\n", path);
		return TOOL_USAGE;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "nsfleet ctl: cannot connect to %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return TOOL_FAIL;
	}
	int rc = ctl_send(fd, req, strlen(req));
	if (rc < 0) {
		fprintf(stderr, "nsfleet ctl: %s: %s\n", path, strerror(-rc));
		close(fd);
		return TOOL_FAIL;
	}
	/* the reply: until the server closes; ERROR anywhere at a line start fails */
	bool error = false, any = false, bol = true;
	char buf[4096];
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = CTL_TIMEOUT_MS - ((now.tv_sec - start.tv_sec) * 1000 +
		                              (now.tv_nsec - start.tv_nsec) / 1000000);
		struct pollfd p = {fd, POLLIN, 0};
		int pr = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			fprintf(stderr, "nsfleet ctl: %s: no reply in %d s\n", path,
			        CTL_TIMEOUT_MS / 1000);
			close(fd);
			return TOOL_FAIL;
		}
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "nsfleet ctl: %s: %s\n", path, strerror(errno));
			close(fd);
			return TOOL_FAIL;
		}
		if (n == 0)
			break;
		for (ssize_t k = 0; k < n; k++) {
			if (bol && n - k >= 5 && memcmp(buf + k, "ERROR", 5) == 0)
				error = true;
			bol = buf[k] == '\n';
		}
		fwrite(buf, 1, (size_t)n, stdout);
		any = true;
	}
	close(fd);
	if (!any) {
		fprintf(stderr, "nsfleet ctl: %s: the server closed without a reply\n", path);
		return TOOL_FAIL;
	}
	return error ? TOOL_FAIL : TOOL_OK;
}
