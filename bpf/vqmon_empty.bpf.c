// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Empty programs on vqmon's hooks: what a program costs there before it does
 * anything (the trampoline or tracepoint, and the kernel's own run-time
 * stats). `vqmod top --self --baseline` attaches each beside the monitor's
 * program on the same hook, so the monitor's own cost is the difference,
 * measured in the same window. Each is named after the program it shadows.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EMPTY(sec, name)                                                                                               \
	SEC("?" sec)                                                                                                   \
	int empty_##name(void *ctx)                                                                                    \
	{                                                                                                              \
		return 0;                                                                                              \
	}

EMPTY("tp_btf/irq_handler_entry", irq_entry_btf)
EMPTY("tp_btf/irq_handler_exit", irq_exit_btf)
EMPTY("raw_tp/irq_handler_entry", irq_entry_raw)
EMPTY("raw_tp/irq_handler_exit", irq_exit_raw)
EMPTY("kprobe/vring_interrupt", vring_entry_kprobe)
EMPTY("kretprobe/vring_interrupt", vring_exit_kretprobe)
EMPTY("fentry/vring_interrupt", vring_entry_fentry)
EMPTY("fexit/vring_interrupt", vring_exit_fexit)
EMPTY("fentry/virtqueue_notify", kick_fentry)
EMPTY("kprobe/virtqueue_notify", kick_kprobe)
EMPTY("tp_btf/napi_poll", napi_poll_btf)
EMPTY("raw_tp/napi_poll", napi_poll_raw)
EMPTY("tp_btf/napi_gro_receive_entry", net_rx_btf)
EMPTY("raw_tp/napi_gro_receive_entry", net_rx_raw)
EMPTY("tp_btf/net_dev_start_xmit", net_tx_btf)
EMPTY("raw_tp/net_dev_start_xmit", net_tx_raw)
EMPTY("fentry/vhost_signal", vhost_signal_fentry)
EMPTY("kprobe/vhost_signal", vhost_signal_kprobe)
EMPTY("fentry/vhost_add_used_and_signal_n", vhost_used_signal_n_fentry)
EMPTY("kprobe/vhost_add_used_and_signal_n", vhost_used_signal_n_kprobe)
EMPTY("fentry/vhost_add_used_and_signal", vhost_used_signal_fentry)
EMPTY("kprobe/vhost_add_used_and_signal", vhost_used_signal_kprobe)
EMPTY("fentry/eventfd_signal_mask", eventfd_signal_fentry)
EMPTY("kprobe/eventfd_signal_mask", eventfd_signal_kprobe)
EMPTY("fentry/vhost_vdpa_virtqueue_cb", vhost_vdpa_cb_fentry)
EMPTY("kprobe/vhost_vdpa_virtqueue_cb", vhost_vdpa_cb_kprobe)
EMPTY("raw_tp/vqsim_notify", vqsim_notify_raw)
EMPTY("raw_tp/vqsim_used", vqsim_used_raw)
EMPTY("raw_tp/vqsim_kick", vqsim_kick_raw)
