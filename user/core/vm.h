/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM a queue belongs to: the process that owns its vhost device (QEMU),
 * named as its command line names it. A pid the kernel reuses is a new VM:
 * the process's start time tells them apart.
 */
#ifndef VQMOD_VM_H
#define VQMOD_VM_H

#include <stdbool.h>
#include <stddef.h>

#define VM_NAME_LEN 64
#define VM_UUID_LEN 37

struct vm_ident {
	int pid;		  /* 0: not a VM's queue (the host's own) */
	unsigned long long start; /* process start, in clock ticks since boot */
	char name[VM_NAME_LEN];	  /* QEMU's -name (libvirt's guest=NAME form too), or "" */
	char uuid[VM_UUID_LEN];	  /* QEMU's -uuid, or "" */
};

/* Reads pid's identity from /proc. -ENOENT when the process is gone. */
int vm_read(int pid, struct vm_ident *out);
/* Parses a NUL-separated command line (as /proc/PID/cmdline) into name and uuid. */
void vm_parse_cmdline(const char *args, size_t len, struct vm_ident *out);
/* "NAME", or "pid N" for a VM without -name, or "host". */
const char *vm_label(const struct vm_ident *vm, char *buf, size_t len);

/* The identities looked up so far, by pid; no bound but the live processes. */
struct vm_cache {
	size_t n, cap;
	struct vm_ident *e; /* sorted by pid */
	size_t since_prune;
};

void vm_cache_init(struct vm_cache *c);
void vm_cache_free(struct vm_cache *c);
/*
 * The identity of pid, read once and again only when the pid was reused.
 * NULL when the process is gone or memory ran out.
 */
const struct vm_ident *vm_cache_get(struct vm_cache *c, int pid);

#endif
