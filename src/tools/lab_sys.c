/*
 * The lab's contact with the system: commands (posix_spawn, never a
 * shell), daemons in their own session, network namespaces (iproute2's
 * /run/netns bind mounts, setns), the /proc scan that finds every process
 * of a namespace, and a small UDP client for SOA and A questions whose
 * answers go through msg_parse.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>

#include "common/err.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "tools/lab.h"

extern char **environ;

#define NETNS_DIR "/run/netns"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

const char *lab_ip_path(void)
{
	/* root's PATH may lack the sbin directories (su without -, cron) */
	static const char *const where[] = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"};
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return "ip";
}

int lab_run(const char *const *argv, bool quiet, int timeout_ms)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (quiet) {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	} else {
		posix_spawn_file_actions_adddup2(&fa, 2, 1); /* our stdout stays ours */
	}
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -rc;
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -ETIMEDOUT;
		}
		sleep_ms(5);
	}
}

int lab_spawn(const char *const *argv, const char *log, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	sigemptyset(&none);
	sigfillset(&def);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	/* its own session: a Ctrl-C at the terminal of `lab up` is not its */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
	                                  POSIX_SPAWN_SETSIGDEF);
	int rc = posix_spawnp(pid, argv[0], &fa, &at, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -rc;
}

bool lab_pid_alive(pid_t pid)
{
	char path[64], buf[512];
	if (pid <= 0)
		return false;
	/* our own child that exited: reap it */
	int st;
	if (waitpid(pid, &st, WNOHANG) == pid)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *paren = strrchr(buf, ')');
	/* "PID (COMM) S ...": Z and X are dead */
	return paren != NULL && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

static int netns_id(const char *ns, dev_t *dev, ino_t *ino)
{
	char path[LAB_PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), NETNS_DIR "/%s", ns);
	if (stat(path, &st) != 0)
		return -errno;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

static bool pid_netns_is(pid_t pid, dev_t dev, ino_t ino)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return stat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

bool lab_pid_in_netns(pid_t pid, const char *ns)
{
	dev_t dev;
	ino_t ino;
	return lab_pid_alive(pid) && netns_id(ns, &dev, &ino) == 0 && pid_netns_is(pid, dev, ino);
}

size_t lab_netns_pids(const char *ns, pid_t *pids, size_t max)
{
	dev_t dev;
	ino_t ino;
	size_t n = 0;
	if (netns_id(ns, &dev, &ino) != 0)
		return 0;
	DIR *d = opendir("/proc");
	if (d == NULL)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < max) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 || pid == getpid())
			continue;
		if (pid_netns_is((pid_t)pid, dev, ino))
			pids[n++] = (pid_t)pid;
	}
	closedir(d);
	return n;
}

size_t lab_netns_list(const char *prefix, char (*out)[LAB_NETNS_MAX], size_t max)
{
	size_t n = 0, pl = strlen(prefix);
	DIR *d = opendir(NETNS_DIR);
	if (d == NULL)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < max)
		if (strncmp(e->d_name, prefix, pl) == 0 && strlen(e->d_name) < LAB_NETNS_MAX)
			snprintf(out[n++], LAB_NETNS_MAX, "%s", e->d_name);
	closedir(d);
	return n;
}

bool lab_netns_exists(const char *ns)
{
	dev_t dev;
	ino_t ino;
	return netns_id(ns, &dev, &ino) == 0;
}

int lab_netns_enter(const char *ns, int *saved)
{
	char path[LAB_PATH_MAX];
	*saved = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return -errno;
	snprintf(path, sizeof(path), NETNS_DIR "/%s", ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
		int rc = -errno;
		if (fd >= 0)
			close(fd);
		close(*saved);
		*saved = -1;
		return rc;
	}
	close(fd);
	return 0;
}

void lab_netns_leave(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET) != 0)
		perror("nsfleet lab: setns back");
	close(saved);
}

size_t lab_kill(const pid_t *pids, size_t n, int grace_ms)
{
	for (size_t i = 0; i < n; i++)
		if (lab_pid_alive(pids[i]))
			kill(pids[i], SIGTERM);
	long long deadline = now_ms() + grace_ms;
	for (;;) {
		size_t alive = 0;
		for (size_t i = 0; i < n; i++)
			alive += lab_pid_alive(pids[i]);
		if (alive == 0)
			return 0;
		if (now_ms() > deadline)
			break;
		sleep_ms(20);
	}
	for (size_t i = 0; i < n; i++)
		if (lab_pid_alive(pids[i]))
			kill(pids[i], SIGKILL);
	deadline = now_ms() + 3000;
	size_t alive;
	do {
		alive = 0;
		for (size_t i = 0; i < n; i++)
			alive += lab_pid_alive(pids[i]);
		if (alive)
			sleep_ms(20);
	} while (alive && now_ms() < deadline);
	return alive;
}

uint16_t lab_free_port(const char *addr)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return 0;
	for (int tries = 0; tries < 50; tries++) {
		int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (u < 0)
			return 0;
		sa.sin_port = 0;
		socklen_t sl = sizeof(sa);
		if (bind(u, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    getsockname(u, (struct sockaddr *)&sa, &sl) != 0) {
			close(u);
			return 0;
		}
		int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool ok = t >= 0 && bind(t, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		if (t >= 0)
			close(t);
		close(u);
		if (ok)
			return ntohs(sa.sin_port);
	}
	return 0;
}

/* ------------------------------------------------------------- DNS */

/* Sends one question and waits for the answer with its id; 0 with the
 * answer parsed into *m over buf. */
static int dns_ask(const char *addr, uint16_t port, const char *qname_text, uint16_t qtype, bool rd,
                   int timeout_ms, uint8_t *buf, size_t cap, msg_t *m)
{
	static const uint8_t root[1] = {0};
	uint8_t qname[NAME_MAXLEN];
	size_t qlen;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return ERR_INVAL;
	if (name_from_text(qname_text, strlen(qname_text), root, qname, &qlen) != 0)
		return ERR_INVAL;
	uint16_t id;
	if (RAND_bytes((unsigned char *)&id, sizeof(id)) != 1)
		id = (uint16_t)getpid();
	static msg_builder_t b;
	uint8_t q[512];
	int rc = msg_build_init(&b, q, sizeof(q), id,
	                        MSG_FLAGS(MSG_OPCODE_QUERY, 0) | (rd ? MSG_FLAG_RD : 0));
	if (rc == 0)
		rc = msg_build_question(&b, qname, qtype, 1);
	if (rc != 0)
		return rc;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    send(fd, q, msg_build_len(&b), 0) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		struct pollfd p = {fd, POLLIN, 0};
		int k = poll(&p, 1, (int)left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			rc = k == 0 ? -ETIMEDOUT : -errno;
			break;
		}
		ssize_t n = recv(fd, buf, cap, 0);
		if (n < 0) {
			rc = -errno; /* ECONNREFUSED: nothing listens yet */
			break;
		}
		if (msg_parse(m, buf, (size_t)n) != 0 || m->id != id || !(m->flags & MSG_FLAG_QR))
			continue;
		rc = 0;
		break;
	}
	close(fd);
	return rc;
}

int lab_dns_soa(const char *addr, uint16_t port, const char *zone, bool rd, int timeout_ms,
                uint32_t *serial, unsigned *rcode)
{
	static uint8_t buf[4096], rdata[RDATA_MAXLEN];
	msg_t m;
	int rc = dns_ask(addr, port, zone, 6 /* SOA */, rd, timeout_ms, buf, sizeof(buf), &m);
	if (rc != 0)
		return rc;
	*rcode = msg_rcode(&m);
	msg_iter_t it;
	msg_rr_t rr;
	msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
	while (msg_rr_next(&it, &rr, rdata, sizeof(rdata)) == 0) {
		if (rr.type != 6 || rr.rdlen < 20)
			continue;
		const uint8_t *s = rr.rdata + rr.rdlen - 20;
		*serial = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
		return 0;
	}
	return ERR_NOTFOUND;
}

int lab_dns_a(const char *addr, uint16_t port, const char *name, int timeout_ms, char *out,
              size_t cap, unsigned *rcode)
{
	static uint8_t buf[4096], rdata[RDATA_MAXLEN];
	msg_t m;
	int rc = dns_ask(addr, port, name, 1 /* A */, true, timeout_ms, buf, sizeof(buf), &m);
	if (rc != 0)
		return rc;
	*rcode = msg_rcode(&m);
	msg_iter_t it;
	msg_rr_t rr;
	msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
	while (msg_rr_next(&it, &rr, rdata, sizeof(rdata)) == 0)
		if (rr.type == 1 && rr.rdlen == 4) {
			snprintf(out, cap, "%u.%u.%u.%u", rr.rdata[0], rr.rdata[1], rr.rdata[2],
			         rr.rdata[3]);
			return 0;
		}
	return ERR_NOTFOUND;
}
