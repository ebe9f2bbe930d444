// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include "array.h"

void *array_grow(void *arr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return arr;
	while (n < need) {
		if (n > (size_t)-1 / 2)
			return NULL;
		n *= 2;
	}
	if (size && n > (size_t)-1 / size)
		return NULL;
	p = realloc(arr, n * size);
	if (p)
		*cap = n;
	return p;
}

size_t array_lower_bound(const void *base, size_t n, size_t size, const void *key,
			 int (*cmp)(const void *key, const void *element), bool *found)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(key, (const char *)base + mid * size) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < n && !cmp(key, (const char *)base + lo * size);
	return lo;
}
