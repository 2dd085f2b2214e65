#include "server/log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static atomic_int log_max = LOG_INFO;

static const char *const level_name[] = {"error", "warning", "info", "debug"};

void log_set_level(log_level_t max)
{
	atomic_store(&log_max, (int)max);
}

void log_vmsg(log_level_t level, const char *fmt, va_list ap)
{
	if ((int)level > atomic_load(&log_max))
		return;
	char line[LOG_LINE_MAX];
	int n = snprintf(line, sizeof(line), "nsfleetd: %s: ", level_name[level]);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* one write per line: stderr is unbuffered, and a single write of
	 * a short line to a pipe is atomic (PIPE_BUF) */
	const char *p = line;
	while (len > 0) {
		ssize_t w = write(STDERR_FILENO, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

void log_msg(log_level_t level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
