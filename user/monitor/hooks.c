// SPDX-License-Identifier: GPL-2.0
/* The hook groups, their alternatives and the programs of each (bpf/vqmon*.bpf.c). */
#include <stdio.h>
#include <string.h>
#include "hooks.h"
#include "loader.h"

/* An alternative: how, then its programs; ALT_X with EXTRAS(...) programs too. */
#define EXTRAS(...) {__VA_ARGS__}
#define ALT(how_, ...)                                                                                                 \
	{                                                                                                              \
		.how = how_, .progs = { __VA_ARGS__ }                                                                  \
	}
#define ALT_X(how_, extra_, ...)                                                                                       \
	{                                                                                                              \
		.how = how_, .progs = {__VA_ARGS__}, .extra = extra_                                                   \
	}

const struct hook_group hook_groups[] = {
    {.name = "notify",
     .alts = {ALT("fentry vring_interrupt", "vring_entry_fentry"), ALT("kprobe vring_interrupt", "vring_entry_kprobe"),
	      ALT("tp_btf irq_handler_entry", "irq_entry_btf"), ALT("raw_tp irq_handler_entry", "irq_entry_raw")}},
    /* handler time and spurious notifications: the exit that matches notify's entry */
    {.name = "handler",
     .follows = "notify",
     .alts = {ALT("fexit vring_interrupt", "vring_exit_fexit"),
	      ALT("kretprobe vring_interrupt", "vring_exit_kretprobe"), ALT("tp_btf irq_handler_exit", "irq_exit_btf"),
	      ALT("raw_tp irq_handler_exit", "irq_exit_raw")}},
    {.name = "kick",
     .alts = {ALT("fentry virtqueue_notify", "kick_fentry"), ALT("kprobe virtqueue_notify", "kick_kprobe")}},
    {.name = "napi", .alts = {ALT("tp_btf napi_poll", "napi_poll_btf"), ALT("raw_tp napi_poll", "napi_poll_raw")}},
    {.name = "net-rx",
     .alts = {ALT("tp_btf napi_gro_receive_entry", "net_rx_btf"), ALT("raw_tp napi_gro_receive_entry", "net_rx_raw")}},
    {.name = "net-tx",
     .alts = {ALT("tp_btf net_dev_start_xmit", "net_tx_btf"), ALT("raw_tp net_dev_start_xmit", "net_tx_raw")}},
    /*
     * the VM is signalled through the call eventfd, when vhost_notify agrees: the
     * queue is learnt where vhost decides (vhost_signal, and vhost-net's
     * vhost_add_used_and_signal[_n], which have it inlined), counted at the eventfd
     */
    {.name = "vhost",
     .alts = {ALT_X("fentry vhost_add_used_and_signal[_n]+eventfd_signal_mask",
		    EXTRAS("vhost_cleanup_fentry", "vhost_signal_fentry"), "vhost_used_signal_n_fentry",
		    "vhost_used_signal_fentry", "eventfd_signal_fentry"),
	      ALT_X("kprobe vhost_add_used_and_signal[_n]+eventfd_signal_mask",
		    EXTRAS("vhost_cleanup_kprobe", "vhost_signal_kprobe"), "vhost_used_signal_n_kprobe",
		    "vhost_used_signal_kprobe", "eventfd_signal_kprobe")}},
    {.name = "vhost-vdpa",
     /* and where the vDPA device's interrupt may bypass vhost-vdpa (posted to the VM) */
     .alts = {ALT_X("fentry vhost_vdpa_virtqueue_cb", EXTRAS("vhost_cleanup_fentry", "vhost_vdpa_irq_fexit"),
		    "vhost_vdpa_cb_fentry"),
	      ALT_X("kprobe vhost_vdpa_virtqueue_cb", EXTRAS("vhost_cleanup_kprobe"), "vhost_vdpa_cb_kprobe")}},
    /* a deleted vqsim device's queues go at once where its module has vqsim_dev_del */
    {.name = "vqsim",
     .alts = {ALT_X("raw_tp vqsim_notify/used/kick", EXTRAS("vqsim_dev_del_raw"), "vqsim_notify_raw", "vqsim_used_raw",
		    "vqsim_kick_raw")}},
    /* a deleted virtqueue takes its identity along at once, not after the idle timeout */
    {.name = "removal",
     .alts = {ALT("fentry vring_del_virtqueue", "vring_del_fentry"),
	      ALT("kprobe vring_del_virtqueue", "vring_del_kprobe")}},
};

const size_t hook_ngroups = sizeof(hook_groups) / sizeof(hook_groups[0]);

/* Attach types, best first: the order in which each group's alternatives are tried. */
static const char *const attach_types[] = {"fentry", "kprobe", "tp_btf", "raw_tp"};

#define NKINDS (sizeof(attach_types) / sizeof(attach_types[0]))

const struct hook_group *hook_group(const char *name)
{
	for (size_t g = 0; g < hook_ngroups; g++)
		if (!strcmp(hook_groups[g].name, name))
			return &hook_groups[g];
	return NULL;
}

void hook_kind(const char *how, char *kind, size_t len)
{
	size_t n = strcspn(how, " ");

	snprintf(kind, len, "%.*s", (int)n, how);
	if (!strcmp(kind, "fexit"))
		snprintf(kind, len, "fentry");
	else if (!strcmp(kind, "kretprobe"))
		snprintf(kind, len, "kprobe");
}

bool hook_alt_serves(const struct hook_alt *alt, const char *prog)
{
	for (int i = 0; i < HOOK_PROGS && alt->progs[i]; i++)
		if (!strcmp(alt->progs[i], prog))
			return true;
	for (int i = 0; i < HOOK_EXTRAS && alt->extra[i]; i++)
		if (!strcmp(alt->extra[i], prog))
			return true;
	return false;
}

bool hook_prog_known(const char *prog)
{
	for (size_t g = 0; g < hook_ngroups; g++)
		for (int a = 0; a < HOOK_ALTS && hook_groups[g].alts[a].how; a++)
			if (hook_alt_serves(&hook_groups[g].alts[a], prog))
				return true;
	return false;
}

/* --- the names, for option checks and messages ---------------------------- */

int vqmon_list_parse(const char *list, bool (*known)(const char *))
{
	char buf[256], *save, *tok;

	if (!*list || strlen(list) >= sizeof(buf) || list[0] == ',' || list[strlen(list) - 1] == ',' ||
	    strstr(list, ",,"))
		return -1;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!known(tok))
			return -1;
	return 0;
}

bool vqmon_kind_known(const char *name)
{
	for (size_t k = 0; k < NKINDS; k++)
		if (!strcmp(attach_types[k], name))
			return true;
	return false;
}

bool vqmon_group_known(const char *name)
{
	return hook_group(name) != NULL;
}

/* "a, b, c" of n names, built once into buf. */
static const char *joined(char *buf, size_t len, const char *(*name)(size_t), size_t n)
{
	size_t used = 0;

	if (buf[0])
		return buf;
	for (size_t i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "", name(i));
	return buf;
}

static const char *kind_name(size_t i)
{
	return attach_types[i];
}

const char *vqmon_kind_names(void)
{
	static char buf[64];

	return joined(buf, sizeof(buf), kind_name, NKINDS);
}

static const char *group_name(size_t i)
{
	return hook_groups[i].name;
}

const char *vqmon_group_names(void)
{
	static char buf[160];

	return joined(buf, sizeof(buf), group_name, hook_ngroups);
}
