/*
 * One error convention for all of nsfleet (STYLE rule 3).
 *
 * Functions return int: 0 on success, negative on failure.  System errors
 * are returned as -errno; nsfleet's own errors come from the X-macro list
 * below, whose values lie far below any errno.  err_str() names both kinds.
 */
#ifndef NSF_COMMON_ERR_H
#define NSF_COMMON_ERR_H

#define NSF_ERR_MAP(X)                                                     \
	X(ERR_MALFORMED, "malformed data")                                 \
	X(ERR_SPACE, "not enough space")                                   \
	X(ERR_NAME_TOO_LONG, "domain name longer than 255 octets")         \
	X(ERR_LABEL_TOO_LONG, "label longer than 63 octets")               \
	X(ERR_EMPTY_LABEL, "empty label")                                  \
	X(ERR_BAD_ESCAPE, "bad escape sequence")                           \
	X(ERR_BAD_POINTER, "bad compression pointer")                      \
	X(ERR_TRUNCATED, "data truncated")                                 \
	X(ERR_TRAILING, "trailing data")                                   \
	X(ERR_BAD_TYPE, "unknown RR type")                                 \
	X(ERR_BAD_CLASS, "unknown class")                                  \
	X(ERR_BAD_TTL, "bad TTL")                                          \
	X(ERR_BAD_NUMBER, "bad number")                                    \
	X(ERR_RANGE, "value out of range")                                 \
	X(ERR_BAD_RDATA, "bad rdata")                                      \
	X(ERR_FORMERR, "malformed message")                                \
	X(ERR_NOTZONE, "name outside the zone")                            \
	X(ERR_EXISTS, "already exists")                                    \
	X(ERR_NOTFOUND, "not found")                                       \
	X(ERR_LIMIT, "limit reached")                                      \
	X(ERR_SYNTAX, "syntax error")                                      \
	X(ERR_INCLUDE, "include failed")                                   \
	X(ERR_SEMANTIC, "zone check failed")                               \
	X(ERR_INVAL, "invalid argument")

enum {
	ERR__BASE = -10000,
#define NSF_ERR_ENUM(code, text) code,
	NSF_ERR_MAP(NSF_ERR_ENUM)
#undef NSF_ERR_ENUM
	ERR__END
};

/* A static string naming rc (negative errno or one of ours); never NULL. */
const char *err_str(int rc);

#endif
