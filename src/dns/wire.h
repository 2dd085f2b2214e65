/*
 * Bounds-checked reader and writer over a byte buffer with a sticky error
 * (STYLE rule 4).  After the first overrun every call is a no-op that reads
 * zeros, and w->err stays ERR_TRUNCATED (reader) or ERR_SPACE (writer):
 * the caller checks once at the end.  All integers are network order.
 * Thread safety: a cursor belongs to one thread.
 */
#ifndef NSF_DNS_WIRE_H
#define NSF_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"

typedef struct {
	uint8_t *start; /* first byte of the buffer (borrowed) */
	uint8_t *pos;   /* next byte to read or write */
	uint8_t *end;   /* one past the last byte */
	int err;        /* 0, or the first error */
} wire_t;

static inline wire_t wire_init(void *buf, size_t len)
{
	wire_t w = {(uint8_t *)buf, (uint8_t *)buf, (uint8_t *)buf + len, 0};
	return w;
}

/* For reading a const buffer: the reader never writes through it. */
static inline wire_t wire_init_const(const void *buf, size_t len)
{
	return wire_init((void *)(uintptr_t)buf, len);
}

static inline size_t wire_avail(const wire_t *w)
{
	return w->err ? 0 : (size_t)(w->end - w->pos);
}

static inline size_t wire_offset(const wire_t *w)
{
	return (size_t)(w->pos - w->start);
}

static inline int wire_need(wire_t *w, size_t n, int err)
{
	if (w->err)
		return 0;
	if ((size_t)(w->end - w->pos) < n) {
		w->err = err;
		return 0;
	}
	return 1;
}

static inline void wire_skip(wire_t *w, size_t n)
{
	if (wire_need(w, n, ERR_TRUNCATED))
		w->pos += n;
}

static inline uint8_t wire_read_u8(wire_t *w)
{
	if (!wire_need(w, 1, ERR_TRUNCATED))
		return 0;
	return *w->pos++;
}

static inline uint16_t wire_read_u16(wire_t *w)
{
	if (!wire_need(w, 2, ERR_TRUNCATED))
		return 0;
	uint16_t v = (uint16_t)(w->pos[0] << 8 | w->pos[1]);
	w->pos += 2;
	return v;
}

static inline uint32_t wire_read_u32(wire_t *w)
{
	if (!wire_need(w, 4, ERR_TRUNCATED))
		return 0;
	uint32_t v = (uint32_t)w->pos[0] << 24 | (uint32_t)w->pos[1] << 16 |
		     (uint32_t)w->pos[2] << 8 | w->pos[3];
	w->pos += 4;
	return v;
}

static inline void wire_read(wire_t *w, void *dst, size_t n)
{
	if (!wire_need(w, n, ERR_TRUNCATED)) {
		if (n)
			memset(dst, 0, n);
		return;
	}
	if (n)
		memcpy(dst, w->pos, n);
	w->pos += n;
}

static inline void wire_write_u8(wire_t *w, uint8_t v)
{
	if (wire_need(w, 1, ERR_SPACE))
		*w->pos++ = v;
}

static inline void wire_write_u16(wire_t *w, uint16_t v)
{
	if (!wire_need(w, 2, ERR_SPACE))
		return;
	w->pos[0] = (uint8_t)(v >> 8);
	w->pos[1] = (uint8_t)v;
	w->pos += 2;
}

static inline void wire_write_u32(wire_t *w, uint32_t v)
{
	if (!wire_need(w, 4, ERR_SPACE))
		return;
	w->pos[0] = (uint8_t)(v >> 24);
	w->pos[1] = (uint8_t)(v >> 16);
	w->pos[2] = (uint8_t)(v >> 8);
	w->pos[3] = (uint8_t)v;
	w->pos += 4;
}

static inline void wire_write(wire_t *w, const void *src, size_t n)
{
	if (!wire_need(w, n, ERR_SPACE))
		return;
	if (n)
		memcpy(w->pos, src, n);
	w->pos += n;
}

static inline uint16_t wire_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t wire_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wire_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wire_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
