/* SPDX-License-Identifier: GPL-2.0 */
/* Printing periods: a text table, or one JSON object per line. */
#ifndef VQMOD_OUTPUT_H
#define VQMOD_OUTPUT_H

#include <stdio.h>
#include "core/report.h"

void table_print(FILE *f, const struct report *r);
void json_print(FILE *f, const struct report *r);

#endif
