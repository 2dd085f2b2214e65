/*
 * Bump allocator: many small allocations freed together (STYLE rule 6).
 * Not thread safe; one owner at a time.
 */
#ifndef NSF_COMMON_ARENA_H
#define NSF_COMMON_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct arena_chunk arena_chunk_t;

typedef struct {
	arena_chunk_t *head;  /* newest chunk */
	uint8_t *pos, *end;   /* free space in head */
	size_t chunk_size;    /* size of ordinary chunks */
	size_t total;         /* bytes obtained from malloc, for statistics */
} arena_t;

/* chunk_size 0 picks a default (1 MiB). */
void arena_init(arena_t *a, size_t chunk_size);
/* Memory aligned to 8, or NULL when malloc fails; n may be 0. */
void *arena_alloc(arena_t *a, size_t n);
/* Copy of n bytes from src, or NULL. */
void *arena_dup(arena_t *a, const void *src, size_t n);
/* Frees every chunk; the arena may be used again after arena_init. */
void arena_free(arena_t *a);
/* Keeps the first chunk, frees the rest and forgets all allocations. */
void arena_reset(arena_t *a);

#endif
