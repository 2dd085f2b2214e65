/*
 * Domain names (RFC 1035 §3.1, §5.1; RFC 4034 §6.1).
 *
 * A name in memory is its uncompressed wire form: length-prefixed labels
 * ending with the root label (a zero byte), at most NAME_MAXLEN octets.
 * Functions that take a `const uint8_t *name` expect a validated name
 * (name_check, name_from_text or name_unpack made it); they do not
 * re-check bounds.  No function here allocates.
 */
#ifndef NSF_DNS_NAME_H
#define NSF_DNS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAME_MAXLEN	 255
#define NAME_MAXLABEL	 63
#define NAME_MAXLABELS	 127
/* Longest lookup key: every octet may take two key bytes, plus separators. */
#define NAME_KEY_MAXLEN	 (2 * NAME_MAXLEN)
/* Longest presentation form: every octet as \DDD plus the dots. */
#define NAME_TEXT_MAXLEN (4 * NAME_MAXLEN + 2)

/* Checks an uncompressed wire name at the start of buf[0..len).
 * Returns its length (>= 1) or a negative error. */
__attribute__((warn_unused_result)) int name_check(const uint8_t *buf, size_t len);

/* Length in octets of a validated name, root label included. */
size_t name_length(const uint8_t *name);

/* Number of labels, the root not counted (so "." has 0). */
int name_labels(const uint8_t *name);

/*
 * Parses the presentation form s[0..len) (escapes \X and \DDD, "@" for the
 * origin).  A name without a final dot is relative and gets `origin`
 * appended; with origin NULL a relative name is ERR_SYNTAX.
 * Writes the name to out (NAME_MAXLEN bytes) and its length to *outlen.
 */
__attribute__((warn_unused_result)) int
name_from_text(const char *s, size_t len, const uint8_t *origin, uint8_t *out, size_t *outlen);

/*
 * Writes the absolute presentation form with a final dot, NUL-terminated,
 * escaping as BIND and Knot do: "." "\\" "\"" "(" ")" ";" "@" "$" and
 * whitespace get a backslash, other octets outside 0x21..0x7e are \DDD.
 * Returns the text length or ERR_SPACE.  cap >= NAME_TEXT_MAXLEN always fits.
 */
int name_to_text(const uint8_t *name, char *buf, size_t cap);

/*
 * Reads a possibly compressed name at msg[*pos] (RFC 1035 §4.1.4) into
 * out (NAME_MAXLEN bytes).  Pointers must point backwards (so loops are
 * impossible) and the result must fit in 255 octets.  On success *pos is
 * past the name's bytes at its original place.
 */
__attribute__((warn_unused_result)) int
name_unpack(const uint8_t *msg, size_t msglen, size_t *pos, uint8_t *out, size_t *outlen);

/* Lower-cases the ASCII letters of a name in place. */
void name_to_lower(uint8_t *name);

/* Canonical DNS name order (RFC 4034 §6.1): <0, 0, >0. */
int name_compare(const uint8_t *a, const uint8_t *b);

/* Equal ignoring ASCII case. */
bool name_equal(const uint8_t *a, const uint8_t *b);

/* True when name equals parent or lies below it (case-insensitive). */
bool name_is_below(const uint8_t *name, const uint8_t *parent);

/*
 * The lookup key of a name: labels from the root down, lower-cased,
 * encoded so that memcmp order (shorter first on a common prefix) is the
 * canonical order of RFC 4034 §6.1.  Each label ends with a 0x00; octets
 * 0x00 and 0x01 inside a label become 0x01 0x01 and 0x01 0x02.  The root
 * name has the empty key.  Returns the key length (<= NAME_KEY_MAXLEN).
 */
size_t name_to_key(const uint8_t *name, uint8_t *key);

/* Inverse of name_to_key (the name comes back lower-cased).  Returns the
 * name's length or ERR_MALFORMED for a key name_to_key cannot make. */
int name_from_key(const uint8_t *key, size_t keylen, uint8_t *name);

#endif
