// SPDX-License-Identifier: GPL-2.0
/* QEMU's own names for its VM, from /proc/PID/cmdline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "vm.h"

/* /proc/PID/WHAT into buf, NUL-terminated; its length, or -ENOENT. */
static long read_proc(int pid, const char *what, char *buf, size_t len)
{
	char path[64];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	return n;
}

/* Field 22 of /proc/PID/stat, after the command name (which may hold anything). */
static int read_start(int pid, unsigned long long *start)
{
	char buf[1024], *p;

	if (read_proc(pid, "stat", buf, sizeof(buf)) < 0)
		return -ENOENT;
	p = strrchr(buf, ')');
	/* state is field 3; starttime is 19 fields after it */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 start) != 1)
		return -EINVAL;
	return 0;
}

/* The value of "-opt VALUE" or "-opt=VALUE" (QEMU takes both). */
static const char *option(const char *args, size_t len, const char *opt)
{
	size_t olen = strlen(opt);

	for (const char *p = args, *end = args + len; p < end; p += strlen(p) + 1) {
		const char *a = p[1] == '-' ? p + 1 : p; /* --name is -name */

		if (a[0] != '-' || strncmp(a + 1, opt, olen))
			continue;
		if (a[1 + olen] == '=')
			return a + 2 + olen;
		if (!a[1 + olen] && p + strlen(p) + 1 < end)
			return p + strlen(p) + 1;
	}
	return NULL;
}

/* The first value of a QEMU option list, or the one called key ("guest=foo,debug-threads=on"). */
static void suboption(const char *v, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);

	for (const char *p = v; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			snprintf(out, len, "%.*s", (int)strcspn(p + klen + 1, ","), p + klen + 1);
			return;
		}
	}
	/* no key=: the first element is the value, unless it is another key's */
	if (!strchr(v, '=') || strcspn(v, ",") < strcspn(v, "="))
		snprintf(out, len, "%.*s", (int)strcspn(v, ","), v);
}

void vm_parse_cmdline(const char *args, size_t len, struct vm_ident *out)
{
	const char *v;

	out->name[0] = out->uuid[0] = 0;
	v = option(args, len, "name");
	if (v)
		suboption(v, "guest", out->name, sizeof(out->name));
	v = option(args, len, "uuid");
	if (v)
		snprintf(out->uuid, sizeof(out->uuid), "%s", v);
}

int vm_read(int pid, struct vm_ident *out)
{
	char args[8192];
	long n;
	int err;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	err = read_start(pid, &out->start);
	if (err)
		return err;
	n = read_proc(pid, "cmdline", args, sizeof(args));
	if (n < 0)
		return n;
	vm_parse_cmdline(args, n, out);
	return 0;
}

const char *vm_label(const struct vm_ident *vm, char *buf, size_t len)
{
	if (!vm->pid)
		snprintf(buf, len, "host");
	else if (vm->name[0])
		snprintf(buf, len, "%s", vm->name);
	else
		snprintf(buf, len, "pid %d", vm->pid);
	return buf;
}

void vm_cache_init(struct vm_cache *c)
{
	memset(c, 0, sizeof(*c));
}

void vm_cache_free(struct vm_cache *c)
{
	free(c->e);
	vm_cache_init(c);
}

static int pid_cmp(const void *key, const void *e)
{
	int pid = *(const int *)key, other = ((const struct vm_ident *)e)->pid;

	return (pid > other) - (pid < other);
}

static size_t find(const struct vm_cache *c, int pid, bool *found)
{
	return array_lower_bound(c->e, c->n, sizeof(*c->e), &pid, pid_cmp, found);
}

/* Forgets the processes that are gone, so the cache holds only live ones. */
static void prune(struct vm_cache *c)
{
	unsigned long long start;
	size_t kept = 0;

	for (size_t i = 0; i < c->n; i++)
		if (!read_start(c->e[i].pid, &start) && start == c->e[i].start)
			c->e[kept++] = c->e[i];
	c->n = kept;
	c->since_prune = 0;
}

const struct vm_ident *vm_cache_get(struct vm_cache *c, int pid)
{
	unsigned long long start;
	struct vm_ident vm, *e;
	bool found;
	size_t i = find(c, pid, &found);

	if (read_start(pid, &start))
		return NULL;
	if (found && c->e[i].start == start)
		return &c->e[i];
	if (vm_read(pid, &vm))
		return NULL;
	if (found) {
		c->e[i] = vm; /* the pid was reused: a new VM */
		return &c->e[i];
	}
	if (c->since_prune++ >= 64 && c->n >= 64) {
		prune(c);
		i = find(c, pid, &found);
	}
	e = array_grow(c->e, &c->cap, c->n + 1, sizeof(*c->e));
	if (!e)
		return NULL;
	c->e = e;
	memmove(&c->e[i + 1], &c->e[i], (c->n - i) * sizeof(*c->e));
	c->e[i] = vm;
	c->n++;
	return &c->e[i];
}
