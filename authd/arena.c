/* arena.c — see arena.h. */
#include "arena.h"

#include "err.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lim.h"

#define ALIGN 16

struct arena_block {
	struct arena_block *next;
	size_t len;
	_Alignas(16) char data[];
};

struct arena_defer {
	struct arena_defer *next;
	void (*fn)(void *);
	void *p;
};

struct wipe {
	void *p;
	size_t n;
};

void arena_init(struct arena *a, void *first, size_t first_len, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->cap = cap;
	a->first = first;
	a->first_len = first_len;
	if (first != NULL) {
		uintptr_t p = ((uintptr_t)first + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
		a->cur = (char *)p;
		a->end = (char *)first + first_len;
		if (a->cur > a->end)
			a->cur = a->end;
	}
}

static void *bump(struct arena *a, size_t n)
{
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	char *p;

	if (need < n)
		return NULL;
	if (a->cur == NULL || (size_t)(a->end - a->cur) < need) {
		size_t len = need > LIM_ARENA_BLOCK ? need : LIM_ARENA_BLOCK;
		struct arena_block *b;

		if (a->used + len > a->cap || len > a->cap)
			return NULL;
		if ((b = malloc(sizeof(*b) + len)) == NULL)
			return NULL;
		b->len = len;
		b->next = a->blocks;
		a->blocks = b;
		a->used += len;
		a->cur = b->data;
		a->end = b->data + len;
	}
	p = a->cur;
	a->cur += need;
	return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
	void *p = bump(a, n == 0 ? 1 : n);

	if (p != NULL)
		memset(p, 0, n == 0 ? 1 : n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = bump(a, n + 1);

	if (p == NULL || n + 1 == 0)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = bump(a, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

static void wipe_fn(void *p)
{
	struct wipe *w = p;

	OPENSSL_cleanse(w->p, w->n);
}

void *arena_secret(struct arena *a, size_t n)
{
	struct wipe *w = arena_alloc(a, sizeof(*w));
	void *p = arena_alloc(a, n);

	if (w == NULL || p == NULL)
		return NULL;
	w->p = p;
	w->n = n;
	if (arena_defer(a, wipe_fn, w) != 0)
		return NULL;
	return p;
}

int arena_defer(struct arena *a, void (*fn)(void *), void *p)
{
	struct arena_defer *d = bump(a, sizeof(*d));

	if (d == NULL)
		return E_NOMEM;
	d->fn = fn;
	d->p = p;
	d->next = a->defers;
	a->defers = d;
	return 0;
}

void arena_reset(struct arena *a)
{
	struct arena_block *b, *nb;

	/* Cleanups first: they may read arena memory (wipe records live in it). */
	while (a->defers != NULL) {
		struct arena_defer *d = a->defers;

		a->defers = d->next;
		d->fn(d->p);
	}
	for (b = a->blocks; b != NULL; b = nb) {
		nb = b->next;
		free(b);
	}
	arena_init(a, a->first, a->first_len, a->cap);
}
