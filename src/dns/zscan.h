/*
 * Zone-file scanner (RFC 1035 §5, with the extensions BIND accepts):
 * $ORIGIN, $TTL, $INCLUDE, $GENERATE, parentheses, comments, quoted
 * strings, escapes, "@", blank owner, TTL units, TTL/class in either order,
 * RFC 3597 TYPEnnn/CLASSnnn and "\#" rdata.
 *
 * The scanner calls opts->rr for each record and opts->error for each
 * problem, always with the file, line and column at fault.  It goes on
 * after an error (skipping the bad record) until opts->max_errors.
 * Thread safety: one scan per thread; the scanner keeps no global state.
 */
#ifndef NSF_DNS_ZSCAN_H
#define NSF_DNS_ZSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"

/* Limits (doc/zone-file.md explains them). */
#define ZSCAN_MAX_RECORD_LEN (1u << 20)        /* bytes of text in one record */
#define ZSCAN_MAX_TOKENS     ((1u << 16) + 64) /* tokens in one record */
#define ZSCAN_TTL_MAX        2147483647u       /* RFC 2181 §8 */
#define ZSCAN_GEN_MAX_WIDTH  255               /* ${offset,WIDTH,base} */

typedef struct {
	const uint8_t *owner; /* absolute wire name, borrowed until rr returns */
	size_t owner_len;
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	const uint8_t *rdata; /* uncompressed wire rdata, borrowed */
	size_t rdlen;
	const char *file;   /* file the record came from (borrowed, lives
	                       until zscan_file returns) */
	unsigned line, col; /* where the record starts (owner or first field) */
} zscan_rr_t;

/* ZSCAN_NOTE is about the scan itself ("too many errors, stopping"), not
 * a problem of the file: callers should show it but not count it. */
typedef enum { ZSCAN_ERROR = 0, ZSCAN_WARNING = 1, ZSCAN_NOTE = 2 } zscan_sev_t;

/*
 * The scanner's state between two entries of the top file: everything the
 * records after that point depend on, when the next entry names its owner
 * (a blank owner would also need the previous one).  An incremental reload
 * (zone/zone_reload.h) resumes a scan from one of these.  Once a default
 * TTL is set the last explicit TTL no longer matters: zscan_state_equal
 * ignores it then.
 */
typedef struct {
	uint8_t origin[NAME_MAXLEN]; /* valid when have_origin */
	bool have_origin;
	bool have_default_ttl; /* $TTL, or the SOA MINIMUM fallback */
	bool have_last_ttl;    /* RFC 1035 §5.1 */
	uint32_t default_ttl;
	uint32_t last_ttl;
} zscan_state_t;

bool zscan_state_equal(const zscan_state_t *a, const zscan_state_t *b);

/*
 * Marks: byte offsets into the top input (ascending) at which the caller
 * wants the state.  The scan fills state[i] as the entry at off[i] starts;
 * ok stays true only when every offset is the start of an entry that names
 * its owner (a record, not a directive, not a blank owner).  include tells
 * whether an $INCLUDE was met; end is the state after the last entry.
 */
typedef struct {
	const size_t *off;
	size_t n;
	zscan_state_t *state; /* n entries, filled by the scan */
	bool ok;
	bool include;
	zscan_state_t end;
} zscan_marks_t;

typedef struct {
	const uint8_t *origin;      /* initial $ORIGIN, absolute wire name */
	uint16_t rclass;            /* class of the zone; 0 means IN */
	unsigned max_errors;        /* stop after this many errors; 0 = 100 */
	unsigned max_include_depth; /* 0 = 16 */
	uint64_t max_generate;      /* records one $GENERATE may make; 0 = 1000000 */
	/* Called for each record; a non-zero return stops the scan and is
	 * returned by zscan_file. */
	int (*rr)(void *ctx, const zscan_rr_t *rr);
	/* Called for each problem; msg has no file/line prefix. */
	void (*error)(void *ctx, const char *file, unsigned line, unsigned col, zscan_sev_t sev,
	              const char *msg);
	void *ctx;
	/* true makes every $INCLUDE an error ("$INCLUDE is disabled"), for
	 * fuzzers and for zone data from untrusted sources; false = enabled. */
	bool disable_include;
	/* Resume: start in this state (origin overrides .origin) at line
	 * first_line (0 = 1), as if the input followed what came before. */
	const zscan_state_t *resume;
	unsigned first_line;
	zscan_marks_t *marks; /* NULL: none */
} zscan_opts_t;

/*
 * Scans the zone file at path.  Returns 0 when no error was reported,
 * ERR_SYNTAX when at least one was (the records reported before and after
 * an error were still passed to rr), or the non-zero value rr returned.
 * A file that cannot be read is reported through opts->error at line 0,
 * column 0 (ERR_SYNTAX).  -ENOMEM when memory runs out; ERR_INVAL when
 * opts->origin is not a valid wire name.  The file is mapped, not copied;
 * it must not be truncated while it is scanned.
 */
int zscan_file(const char *path, const zscan_opts_t *opts);

/* The same over a buffer in memory; name is used in messages and as the
 * base for relative $INCLUDE paths (its directory). */
int zscan_buffer(const char *name, const char *data, size_t len, const zscan_opts_t *opts);

/*
 * Chunks of a zone file for an incremental reload: the input cut at line
 * starts, each chunk but the first beginning with a line that names an
 * owner, outside parentheses and comments, as far as a light pass over the
 * bytes can tell (a scan with marks confirms it: zscan_marks_t.ok).  Where
 * a cut falls depends only on the bytes near it (the owner's hash and the
 * distance from the last cut, about target bytes on average), so an edit
 * moves at most the cuts next to it.  hash is a 64-bit hash of the chunk's
 * bytes, for finding equal chunks (compare the bytes before trusting it).
 */
typedef struct {
	size_t off, len;
	unsigned line; /* of the chunk's first byte, 1-based */
	uint64_t hash;
} zscan_chunk_t;

/* *out (malloc'd, the caller frees it) gets *n >= 1 chunks covering all of
 * data (one empty chunk when len is 0).  0 or -ENOMEM. */
int zscan_split(const char *data, size_t len, size_t target, zscan_chunk_t **out, size_t *n);

/* The chunk hash of len bytes at p. */
uint64_t zscan_chunk_hash(const void *p, size_t len);

#endif
