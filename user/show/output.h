/* SPDX-License-Identifier: GPL-2.0 */
/* Printing periods: a text table, or one JSON object per line. */
#ifndef VQMOD_OUTPUT_H
#define VQMOD_OUTPUT_H

#include <stdio.h>
#include "core/report.h"

void table_print(FILE *f, const struct report *r);
void json_print(FILE *f, const struct report *r);
/* s as a JSON string, escaped: names come from the kernel and from QEMU's command line. */
void json_string(FILE *f, const char *s);
/* "backend", and the VM the queue serves: "vm", "vm_pid", "vm_uuid" (null for the host's), each with a comma. */
void json_vm_fields(FILE *f, const struct vq_ident *id);

#endif
