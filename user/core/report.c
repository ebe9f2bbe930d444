// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "report.h"

void report_hooks_line(const struct hook_status *h, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && used < len; i++)
		if (h[i].wanted)
			used += snprintf(buf + used, len - used, "%s%s=%s", used ? ", " : "", h[i].group,
					 h[i].active ?: "none");
}
