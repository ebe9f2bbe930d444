// SPDX-License-Identifier: GPL-2.0
/* JSON strings and a queue's VM fields, as vqmod top -J and vqmod run --log json write them. */
#include <stdlib.h>
#include "unit.h"
#include "show/output.h"

static char *written(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, arg);
	fclose(f);
	return buf;
}

static void put_string(FILE *f, const void *s)
{
	json_string(f, s);
}

static void put_vm(FILE *f, const void *id)
{
	json_vm_fields(f, id);
}

/* A netdev may be named a"b (dev_valid_name refuses only '/', ':' and spaces), and QEMU's -name is anything. */
static void string_escaping(void)
{
	char *out = written(put_string, "a\"b\\c\x01\td");

	ASSERT_STREQ(out, "\"a\\\"b\\\\c\\u0001\\u0009d\"");
	free(out);
	out = written(put_string, "");
	ASSERT_STREQ(out, "\"\"");
	free(out);
}

static void vm_fields(void)
{
	struct vq_ident host = {.backend = ""}, vm = {.backend = "vqm\"A0", .vm = {.pid = 856, .name = "guest\\A"}};
	struct vq_ident unnamed = {.vm = {.pid = 9, .uuid = "6f0e4c1a-0000-4000-8000-000000000001"}};
	char *out;

	out = written(put_vm, &host);
	ASSERT_STREQ(out, "\"backend\":null,\"vm\":null,\"vm_pid\":null,\"vm_uuid\":null,");
	free(out);
	out = written(put_vm, &vm);
	ASSERT_STREQ(out, "\"backend\":\"vqm\\\"A0\",\"vm\":\"guest\\\\A\",\"vm_pid\":856,\"vm_uuid\":null,");
	free(out);
	/* a VM without -name is still a VM: its pid and uuid, its name null */
	out = written(put_vm, &unnamed);
	ASSERT_STREQ(out,
		     "\"backend\":null,\"vm\":null,\"vm_pid\":9,\"vm_uuid\":\"6f0e4c1a-0000-4000-8000-000000000001\",");
	free(out);
}

int main(int argc, char **argv)
{
	RUN("json", string_escaping);
	RUN("json", vm_fields);
	return 0;
}
