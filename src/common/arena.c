#include "common/arena.h"

#include <stdlib.h>
#include <string.h>

struct arena_chunk {
	arena_chunk_t *next;
	size_t size;
	_Alignas(8) uint8_t data[];
};

void arena_init(arena_t *a, size_t chunk_size)
{
	a->head = NULL;
	a->pos = a->end = NULL;
	a->chunk_size = chunk_size ? chunk_size : (size_t)1 << 20;
	a->total = 0;
}

void *arena_alloc(arena_t *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	if ((size_t)(a->end - a->pos) < n || a->pos == NULL) {
		size_t size = n > a->chunk_size / 4 ? n : a->chunk_size;
		if (size > SIZE_MAX - sizeof(arena_chunk_t))
			return NULL;
		arena_chunk_t *c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->size = size;
		a->total += size;
		if (size != a->chunk_size && a->head != NULL) {
			/* a large block: keep the current chunk's free space */
			c->next = a->head->next;
			a->head->next = c;
			return c->data;
		}
		c->next = a->head;
		a->head = c;
		a->pos = c->data;
		a->end = c->data + size;
	}
	void *p = a->pos;
	a->pos += n;
	return p;
}

void *arena_dup(arena_t *a, const void *src, size_t n)
{
	void *p = arena_alloc(a, n);
	if (p != NULL && n > 0)
		memcpy(p, src, n);
	return p;
}

void arena_free(arena_t *a)
{
	arena_chunk_t *c = a->head;
	while (c != NULL) {
		arena_chunk_t *next = c->next;
		free(c);
		c = next;
	}
	arena_init(a, a->chunk_size);
}

void arena_reset(arena_t *a)
{
	if (a->head == NULL)
		return;
	arena_chunk_t *keep = NULL, *c = a->head;
	while (c != NULL) {
		arena_chunk_t *next = c->next;
		if (keep == NULL && c->size == a->chunk_size)
			keep = c;
		else
			free(c);
		c = next;
	}
	a->head = keep;
	a->total = keep ? keep->size : 0;
	a->pos = keep ? keep->data : NULL;
	a->end = keep ? keep->data + keep->size : NULL;
	if (keep)
		keep->next = NULL;
}
