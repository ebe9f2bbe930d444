/* SPDX-License-Identifier: GPL-2.0 */
/* Growth of the arrays that have no fixed bound (queues, rows, entries). */
#ifndef VQMOD_ARRAY_H
#define VQMOD_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Returns arr resized to hold at least need elements of size, and sets *cap
 * to the new capacity (it doubles, from 16). arr itself when it already
 * does; NULL (arr and *cap untouched) when out of memory.
 */
void *array_grow(void *arr, size_t *cap, size_t need, size_t size);

/*
 * In a sorted array of n elements, the first whose cmp(key, element) <= 0:
 * where key is, or would go. *found says whether it is there.
 */
size_t array_lower_bound(const void *base, size_t n, size_t size, const void *key,
			 int (*cmp)(const void *key, const void *element), bool *found);

#endif
