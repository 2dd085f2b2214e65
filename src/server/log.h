/*
 * nsfleetd's log: one line per event on standard error, in the form
 * `nsfleetd: LEVEL: message` (doc/nsfleetd.md).  Each line goes out in one
 * write(2), so lines from different threads never interleave (a line is
 * cut at LOG_LINE_MAX octets).
 *
 * Thread safety: any thread may log at any time; nothing is allocated.
 * Not for the per-query path (a line per query would be the bottleneck).
 */
#ifndef NSF_SERVER_LOG_H
#define NSF_SERVER_LOG_H

#include <stdarg.h>

#define LOG_LINE_MAX 2048

typedef enum { LOG_ERROR = 0, LOG_WARNING = 1, LOG_INFO = 2, LOG_DEBUG = 3 } log_level_t;

/* Lines above this level are not written; default LOG_INFO. */
void log_set_level(log_level_t max);

__attribute__((format(printf, 2, 3))) void log_msg(log_level_t level, const char *fmt, ...);
void log_vmsg(log_level_t level, const char *fmt, va_list ap);

#define log_error(...)   log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
