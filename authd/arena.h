/*
 * arena.h — the per-request bump allocator. All data a request computes comes from here and is
 * released at once by arena_reset(); objects owned elsewhere (json_t, EVP_PKEY, gen refs) are
 * released by deferred cleanups, LIFO. Memory returned is zeroed and aligned to 16 bytes.
 *
 * Does not own: long-lived data (struct gen) or what outlives a request (QR waiters).
 */
#ifndef AUTHD_ARENA_H
#define AUTHD_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena_defer;

struct arena {
	char *cur, *end;             /* free space in the current block */
	struct arena_block *blocks;  /* heap blocks, newest first */
	struct arena_defer *defers;  /* cleanups, newest first */
	size_t used;                 /* bytes taken from the heap, against cap */
	size_t cap;                  /* LIM_REQ_MEMORY unless set otherwise */
	char *first;                 /* caller-provided first block (may be NULL) */
	size_t first_len;
};

/* Uses `first` (first_len bytes, may be NULL/0) before any heap block; `cap` bounds heap use. */
void arena_init(struct arena *a, void *first, size_t first_len, size_t cap);

/* Zeroed, 16-byte aligned; NULL past the cap or when the heap is exhausted. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like arena_alloc, and the bytes are wiped (OPENSSL_cleanse) on reset. */
void *arena_secret(struct arena *a, size_t n);

/* Runs fn(p) on reset, newest first. Returns 0 or E_NOMEM (fn is then NOT registered: the
 * caller still owns p). */
int arena_defer(struct arena *a, void (*fn)(void *), void *p);

/* Runs the cleanups, frees heap blocks, and leaves the arena ready for reuse. */
void arena_reset(struct arena *a);

#endif
