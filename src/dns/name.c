#include "dns/name.h"

#include <string.h>

#include "common/err.h"

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

int name_check(const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	for (;;) {
		if (pos >= len)
			return ERR_TRUNCATED;
		uint8_t l = buf[pos];
		if (l > NAME_MAXLABEL)
			return (l & 0xc0) == 0xc0 ? ERR_BAD_POINTER : ERR_LABEL_TOO_LONG;
		if (pos + 1 + l > NAME_MAXLEN)
			return ERR_NAME_TOO_LONG;
		if (pos + 1 + l > len)
			return ERR_TRUNCATED;
		pos += 1 + (size_t)l;
		if (l == 0)
			return (int)pos;
	}
}

size_t name_length(const uint8_t *name)
{
	const uint8_t *p = name;
	while (*p)
		p += *p + 1;
	return (size_t)(p - name) + 1;
}

int name_labels(const uint8_t *name)
{
	int n = 0;
	while (*name) {
		name += *name + 1;
		n++;
	}
	return n;
}

static int digit3(const char *s, size_t left)
{
	if (left < 3)
		return -1;
	int v = 0;
	for (int i = 0; i < 3; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > 255 ? -1 : v;
}

int name_from_text(const char *s, size_t len, const uint8_t *origin, uint8_t *out, size_t *outlen)
{
	if (len == 0)
		return ERR_SYNTAX;
	if (len == 1 && s[0] == '@') {
		if (origin == NULL)
			return ERR_SYNTAX;
		size_t ol = name_length(origin);
		memcpy(out, origin, ol);
		*outlen = ol;
		return 0;
	}
	if (len == 1 && s[0] == '.') {
		out[0] = 0;
		*outlen = 1;
		return 0;
	}
	uint8_t buf[NAME_MAXLEN + 1];
	size_t pos = 0;    /* next free byte in buf */
	size_t lab = 0;    /* position of the current label's length byte */
	size_t i = 0;
	bool absolute = false;
	buf[0] = 0;
	pos = 1;
	while (i < len) {
		char c = s[i];
		if (c == '.') {
			size_t l = pos - lab - 1;
			if (l == 0)
				return ERR_EMPTY_LABEL;
			buf[lab] = (uint8_t)l;
			i++;
			if (i == len) {
				absolute = true;
				break;
			}
			lab = pos;
			if (pos >= NAME_MAXLEN)
				return ERR_NAME_TOO_LONG;
			buf[pos++] = 0;
			continue;
		}
		uint8_t v;
		if (c == '\\') {
			if (i + 1 >= len)
				return ERR_BAD_ESCAPE;
			int d = digit3(s + i + 1, len - i - 1);
			if (d >= 0) {
				v = (uint8_t)d;
				i += 4;
			} else if (s[i + 1] >= '0' && s[i + 1] <= '9') {
				return ERR_BAD_ESCAPE;
			} else {
				v = (uint8_t)s[i + 1];
				i += 2;
			}
		} else {
			v = (uint8_t)c;
			i++;
		}
		if (pos - lab - 1 >= NAME_MAXLABEL)
			return ERR_LABEL_TOO_LONG;
		if (pos >= NAME_MAXLEN)
			return ERR_NAME_TOO_LONG;
		buf[pos++] = v;
	}
	if (!absolute) {
		size_t l = pos - lab - 1;
		if (l == 0)
			return ERR_EMPTY_LABEL;
		buf[lab] = (uint8_t)l;
		if (origin == NULL)
			return ERR_SYNTAX;
		size_t ol = name_length(origin);
		if (pos + ol > NAME_MAXLEN)
			return ERR_NAME_TOO_LONG;
		memcpy(buf + pos, origin, ol);
		pos += ol;
	} else {
		if (pos >= NAME_MAXLEN)
			return ERR_NAME_TOO_LONG;
		buf[pos++] = 0;
	}
	memcpy(out, buf, pos);
	*outlen = pos;
	return 0;
}

int name_to_text(const uint8_t *name, char *buf, size_t cap)
{
	size_t o = 0;
#define PUT(ch)                                                            \
	do {                                                               \
		if (o + 1 >= cap)                                          \
			return ERR_SPACE;                                  \
		buf[o++] = (char)(ch);                                     \
	} while (0)
	if (*name == 0) {
		PUT('.');
		buf[o] = 0;
		return (int)o;
	}
	while (*name) {
		uint8_t l = *name++;
		for (uint8_t k = 0; k < l; k++) {
			uint8_t c = *name++;
			switch (c) {
			case '.': case '\\': case '"': case '(': case ')':
			case ';': case '@': case '$':
				PUT('\\');
				PUT(c);
				break;
			default:
				if (c > 0x20 && c < 0x7f) {
					PUT(c);
				} else {
					PUT('\\');
					PUT('0' + c / 100);
					PUT('0' + c / 10 % 10);
					PUT('0' + c % 10);
				}
			}
		}
		PUT('.');
	}
#undef PUT
	buf[o] = 0;
	return (int)o;
}

int name_unpack(const uint8_t *msg, size_t msglen, size_t *pos, uint8_t *out, size_t *outlen)
{
	size_t p = *pos, o = 0, after = 0;
	bool jumped = false;
	size_t limit = p; /* pointers must go strictly below this */
	for (;;) {
		if (p >= msglen)
			return ERR_TRUNCATED;
		uint8_t l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= msglen)
				return ERR_TRUNCATED;
			size_t target = (size_t)(l & 0x3f) << 8 | msg[p + 1];
			if (!jumped)
				after = p + 2;
			if (target >= limit)
				return ERR_BAD_POINTER;
			limit = target;
			p = target;
			jumped = true;
			continue;
		}
		if (l > NAME_MAXLABEL)
			return ERR_MALFORMED; /* 0x40/0x80: extended label types */
		if (o + 1 + l > NAME_MAXLEN)
			return ERR_NAME_TOO_LONG;
		if (p + 1 + l > msglen)
			return ERR_TRUNCATED;
		memcpy(out + o, msg + p, 1 + (size_t)l);
		o += 1 + (size_t)l;
		p += 1 + (size_t)l;
		if (l == 0)
			break;
	}
	*pos = jumped ? after : p;
	*outlen = o;
	return 0;
}

void name_to_lower(uint8_t *name)
{
	while (*name) {
		uint8_t l = *name++;
		for (uint8_t k = 0; k < l; k++, name++)
			*name = lower(*name);
	}
}

/* Offsets of the labels of name, leftmost first; returns the count. */
static int label_offsets(const uint8_t *name, uint8_t off[NAME_MAXLABELS + 1])
{
	int n = 0;
	size_t p = 0;
	while (name[p]) {
		off[n++] = (uint8_t)p;
		p += name[p] + 1;
	}
	return n;
}

int name_compare(const uint8_t *a, const uint8_t *b)
{
	uint8_t oa[NAME_MAXLABELS + 1], ob[NAME_MAXLABELS + 1];
	int na = label_offsets(a, oa), nb = label_offsets(b, ob);
	while (na > 0 && nb > 0) {
		const uint8_t *la = a + oa[--na], *lb = b + ob[--nb];
		uint8_t len_a = la[0], len_b = lb[0];
		uint8_t m = len_a < len_b ? len_a : len_b;
		for (uint8_t i = 1; i <= m; i++) {
			uint8_t x = lower(la[i]), y = lower(lb[i]);
			if (x != y)
				return x < y ? -1 : 1;
		}
		if (len_a != len_b)
			return len_a < len_b ? -1 : 1;
	}
	return na == nb ? 0 : (na < nb ? -1 : 1);
}

bool name_equal(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		if (*a != *b)
			return false;
		uint8_t l = *a;
		if (l == 0)
			return true;
		for (uint8_t i = 1; i <= l; i++)
			if (lower(a[i]) != lower(b[i]))
				return false;
		a += l + 1;
		b += l + 1;
	}
}

bool name_is_below(const uint8_t *name, const uint8_t *parent)
{
	int n = name_labels(name), p = name_labels(parent);
	if (n < p)
		return false;
	while (n > p) {
		name += *name + 1;
		n--;
	}
	return name_equal(name, parent);
}

size_t name_to_key(const uint8_t *name, uint8_t *key)
{
	uint8_t off[NAME_MAXLABELS + 1];
	int n = label_offsets(name, off);
	size_t k = 0;
	while (n > 0) {
		const uint8_t *l = name + off[--n];
		for (uint8_t i = 1; i <= l[0]; i++) {
			uint8_t c = lower(l[i]);
			if (c <= 1) {
				key[k++] = 1;
				key[k++] = (uint8_t)(c + 1);
			} else {
				key[k++] = c;
			}
		}
		key[k++] = 0;
	}
	return k;
}

int name_from_key(const uint8_t *key, size_t keylen, uint8_t *name)
{
	/* labels in the key run root-first: collect their spans, then
	 * write them leftmost-first */
	size_t start[NAME_MAXLABELS + 1], end[NAME_MAXLABELS + 1];
	int n = 0;
	size_t i = 0, s = 0;
	while (i < keylen) {
		if (key[i] == 0) {
			if (n > NAME_MAXLABELS || i == s)
				return ERR_MALFORMED;
			start[n] = s;
			end[n] = i;
			n++;
			s = ++i;
		} else {
			i += key[i] == 1 ? 2 : 1;
		}
	}
	if (i != keylen || s != keylen)
		return ERR_MALFORMED;
	size_t o = 0;
	while (n > 0) {
		n--;
		size_t lenpos = o++;
		size_t l = 0;
		for (size_t j = start[n]; j < end[n]; j++) {
			uint8_t c = key[j];
			if (c == 1) {
				j++;
				if (j >= end[n] || key[j] < 1 || key[j] > 2)
					return ERR_MALFORMED;
				c = (uint8_t)(key[j] - 1);
			}
			if (l >= NAME_MAXLABEL || o >= NAME_MAXLEN - 1)
				return ERR_MALFORMED;
			name[o++] = c;
			l++;
		}
		name[lenpos] = (uint8_t)l;
	}
	name[o++] = 0;
	return (int)o;
}
