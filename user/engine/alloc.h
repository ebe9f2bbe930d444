/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The engine's only source of memory: the caller's. The engine links with
 * no allocator of its own (the build checks it), so a controller decides
 * where its state lives and a test or fuzzer can make any allocation fail.
 */
#ifndef VQMOD_ENGINE_ALLOC_H
#define VQMOD_ENGINE_ALLOC_H

#include <stddef.h>

struct engine_alloc {
	/* As realloc: ptr NULL allocates, size 0 frees (returns NULL); NULL on failure. */
	void *(*resize)(void *ctx, void *ptr, size_t size);
	void *ctx;
};

static inline void *engine_resize(const struct engine_alloc *a, void *ptr, size_t size)
{
	return a->resize(a->ctx, ptr, size);
}

static inline void engine_release(const struct engine_alloc *a, void *ptr)
{
	if (ptr)
		a->resize(a->ctx, ptr, 0);
}

/* n elements of size, zeroed; NULL on overflow or failure. */
static inline void *engine_zalloc(const struct engine_alloc *a, size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	bytes = n * size;
	p = a->resize(a->ctx, NULL, bytes ? bytes : 1);
	if (p)
		__builtin_memset(p, 0, bytes);
	return p;
}

#endif /* VQMOD_ENGINE_ALLOC_H */
