/*
 * "ADDRESS[#PORT]" (and "ADDRESS@PORT" where asked) -> socket address, for
 * the command-line tools (audit, monitor).  Header only: the fuzz targets
 * build the config parsers from their sources alone.
 */
#ifndef NSF_TOOLS_ADDR_H
#define NSF_TOOLS_ADDR_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/err.h"

/* s: an IPv4 or IPv6 address, then optionally '#' (or '@' when at is
 * true) and a decimal port 0..65535; default_port without one.  0 or
 * ERR_SYNTAX. */
static inline int tools_addr_parse(const char *s, uint16_t default_port, bool at,
                                   struct sockaddr_storage *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *sep = strrchr(s, '#');
	if (sep == NULL && at)
		sep = strrchr(s, '@');
	size_t hlen = sep ? (size_t)(sep - s) : strlen(s);
	unsigned long port = default_port;
	if (hlen == 0 || hlen >= sizeof(host))
		return ERR_SYNTAX;
	memcpy(host, s, hlen);
	host[hlen] = 0;
	if (sep) {
		char *end;
		errno = 0;
		if (sep[1] < '0' || sep[1] > '9')
			return ERR_SYNTAX;
		port = strtoul(sep + 1, &end, 10);
		if (*end || errno || port > 65535)
			return ERR_SYNTAX;
	}
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return ERR_SYNTAX;
}

#endif
