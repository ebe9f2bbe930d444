/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hook groups: each counts one kind of event, from alternatives tried
 * best first (fentry, kprobe, tp_btf, raw_tp), of which one is attached. The
 * only place that knows which BPF program serves which hook.
 */
#ifndef VQMOD_HOOKS_H
#define VQMOD_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#define HOOK_ALTS  4
#define HOOK_PROGS 3
#define HOOK_EXTRAS 2

struct hook_alt {
	const char *how;	       /* "tp_btf irq_handler_entry": attach type, then what */
	const char *progs[HOOK_PROGS]; /* all of them, or the alternative is not attached */
	const char *extra[HOOK_EXTRAS]; /* attached too where each can be (removal, irq bypass), once */
};

struct hook_group {
	const char *name;
	/* attached only in the attach type of that group's alternative (exit after entry) */
	const char *follows;
	struct hook_alt alts[HOOK_ALTS];
};

extern const struct hook_group hook_groups[];
extern const size_t hook_ngroups;

/* The group of that name, or NULL. */
const struct hook_group *hook_group(const char *name);
/* The attach type of an alternative, fexit as fentry and kretprobe as kprobe: "fentry". */
void hook_kind(const char *how, char *kind, size_t len);
/* Whether a program serves an alternative (extra included). */
bool hook_alt_serves(const struct hook_alt *alt, const char *prog);
/* Whether a program serves any alternative of any group: one of vqmon's. */
bool hook_prog_known(const char *prog);

#endif
