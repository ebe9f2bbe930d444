/* SPDX-License-Identifier: GPL-2.0 */
/* Do not edit: made by tools/ynl-tables from include/uapi/vqsim.yaml (make ynl-gen). */
#ifndef VQSIM_NL_GEN_H
#define VQSIM_NL_GEN_H

#include <stdbool.h>
#include <libmnl/libmnl.h>
#include <uapi/vqsim.h>

struct vqsim_nl_space;

/* One attribute: its spec name, libmnl type, exact length (0: any), and the space a nest holds. */
struct vqsim_nl_attr {
	const char *name;
	enum mnl_attr_data_type type;
	unsigned short len;
	bool multi;
	const struct vqsim_nl_space *nest;
};

/* An attribute space: attrs[type] for 0 <= type <= max; a NULL name is not in the spec. */
struct vqsim_nl_space {
	const char *name;
	unsigned int max;
	const struct vqsim_nl_attr *attrs;
};

static const struct vqsim_nl_space vqsim_nl_space_vqsim;
static const struct vqsim_nl_space vqsim_nl_space_stats;

static const struct vqsim_nl_attr vqsim_nl_attrs_vqsim[VQSIM_A_MAX + 1] = {
	[VQSIM_A_UNSPEC] = { .name = "unspec", .type = MNL_TYPE_UNSPEC },
	[VQSIM_A_PAD] = { .name = "pad", .type = MNL_TYPE_UNSPEC },
	[VQSIM_A_DEV_NAME] = { .name = "dev-name", .type = MNL_TYPE_NUL_STRING },
	[VQSIM_A_DEV_VQP] = { .name = "dev-vqp", .type = MNL_TYPE_U32 },
	[VQSIM_A_DEV_QUEUES] = { .name = "dev-queues", .type = MNL_TYPE_U32 },
	[VQSIM_A_DEV_MAC] = { .name = "dev-mac", .type = MNL_TYPE_BINARY, .len = 6 },
	[VQSIM_A_DEV_MTU] = { .name = "dev-mtu", .type = MNL_TYPE_U32 },
	[VQSIM_A_DEV_STATUS] = { .name = "dev-status", .type = MNL_TYPE_U32 },
	[VQSIM_A_DEV_FEATURES] = { .name = "dev-features", .type = MNL_TYPE_U64 },
	[VQSIM_A_DEV_VIRTIO_INDEX] = { .name = "dev-virtio-index", .type = MNL_TYPE_U32 },
	[VQSIM_A_QUEUE] = { .name = "queue", .type = MNL_TYPE_U32 },
	[VQSIM_A_QUEUE_TYPE] = { .name = "queue-type", .type = MNL_TYPE_U32 },
	[VQSIM_A_QUEUE_READY] = { .name = "queue-ready", .type = MNL_TYPE_U8 },
	[VQSIM_A_COAL_USECS] = { .name = "coal-usecs", .type = MNL_TYPE_U32 },
	[VQSIM_A_COAL_PACKETS] = { .name = "coal-packets", .type = MNL_TYPE_U32 },
	[VQSIM_A_COAL_SOURCE] = { .name = "coal-source", .type = MNL_TYPE_U32 },
	[VQSIM_A_STATS] = { .name = "stats", .type = MNL_TYPE_NESTED, .nest = &vqsim_nl_space_stats },
	[VQSIM_A_BATCH] = { .name = "batch", .type = MNL_TYPE_NESTED, .nest = &vqsim_nl_space_vqsim },
	[VQSIM_A_BATCH_ENTRY] = { .name = "batch-entry", .type = MNL_TYPE_NESTED, .multi = true, .nest = &vqsim_nl_space_vqsim },
	[VQSIM_A_BATCH_PARTIAL] = { .name = "batch-partial", .type = MNL_TYPE_FLAG },
	[VQSIM_A_BATCH_RESULT] = { .name = "batch-result", .type = MNL_TYPE_NESTED, .multi = true, .nest = &vqsim_nl_space_vqsim },
	[VQSIM_A_BATCH_INDEX] = { .name = "batch-index", .type = MNL_TYPE_U32 },
	[VQSIM_A_BATCH_ERROR] = { .name = "batch-error", .type = MNL_TYPE_U32 },
	[VQSIM_A_BATCH_APPLIED] = { .name = "batch-applied", .type = MNL_TYPE_U32 },
	[VQSIM_A_TRAFFIC_STATE] = { .name = "traffic-state", .type = MNL_TYPE_U32 },
	[VQSIM_A_TRAFFIC_RATE] = { .name = "traffic-rate", .type = MNL_TYPE_U32 },
	[VQSIM_A_TRAFFIC_SIZE] = { .name = "traffic-size", .type = MNL_TYPE_U32 },
	[VQSIM_A_TRAFFIC_BURST] = { .name = "traffic-burst", .type = MNL_TYPE_U32 },
	[VQSIM_A_TRAFFIC_PATTERN] = { .name = "traffic-pattern", .type = MNL_TYPE_U32 },
	[VQSIM_A_TRAFFIC_ON_USECS] = { .name = "traffic-on-usecs", .type = MNL_TYPE_U32 },
	[VQSIM_A_TRAFFIC_OFF_USECS] = { .name = "traffic-off-usecs", .type = MNL_TYPE_U32 },
	[VQSIM_A_QUEUE_SIZE] = { .name = "queue-size", .type = MNL_TYPE_U32 },
};

static const struct vqsim_nl_space vqsim_nl_space_vqsim = {
	.name = "vqsim",
	.max = VQSIM_A_MAX,
	.attrs = vqsim_nl_attrs_vqsim,
};

static const struct vqsim_nl_attr vqsim_nl_attrs_stats[VQSIM_STAT_MAX + 1] = {
	[VQSIM_STAT_UNSPEC] = { .name = "unspec", .type = MNL_TYPE_UNSPEC },
	[VQSIM_STAT_PAD] = { .name = "pad", .type = MNL_TYPE_UNSPEC },
	[VQSIM_STAT_PACKETS] = { .name = "packets", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_BYTES] = { .name = "bytes", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_NOTIFY_FRAMES] = { .name = "notify-frames", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_NOTIFY_TIMER] = { .name = "notify-timer", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_NOTIFY_IMMEDIATE] = { .name = "notify-immediate", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_NOTIFY_SUPPRESSED] = { .name = "notify-suppressed", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_NOTIFY_DROPPED] = { .name = "notify-dropped", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_KICKS] = { .name = "kicks", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_DROPS] = { .name = "drops", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_DELAY_HIST] = { .name = "delay-hist", .type = MNL_TYPE_BINARY },
	[VQSIM_STAT_DELAY_SUM_NS] = { .name = "delay-sum-ns", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_DELAY_MAX_NS] = { .name = "delay-max-ns", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_SRC_FRAMES] = { .name = "src-frames", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_SRC_REPLIES] = { .name = "src-replies", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_PENDING] = { .name = "pending", .type = MNL_TYPE_U32 },
	[VQSIM_STAT_RING_LOW] = { .name = "ring-low", .type = MNL_TYPE_U64 },
	[VQSIM_STAT_PENDING_HIST] = { .name = "pending-hist", .type = MNL_TYPE_BINARY },
	[VQSIM_STAT_DELAY_HIST_LL] = { .name = "delay-hist-ll", .type = MNL_TYPE_BINARY },
};

static const struct vqsim_nl_space vqsim_nl_space_stats = {
	.name = "stats",
	.max = VQSIM_STAT_MAX,
	.attrs = vqsim_nl_attrs_stats,
};

static const char *const vqsim_nl_cmd_names[VQSIM_CMD_MAX + 1] = {
	[VQSIM_CMD_DEV_GET] = "dev-get",
	[VQSIM_CMD_COAL_GET] = "coal-get",
	[VQSIM_CMD_COAL_SET] = "coal-set",
	[VQSIM_CMD_COAL_SET_BATCH] = "coal-set-batch",
	[VQSIM_CMD_STATS_GET] = "stats-get",
	[VQSIM_CMD_TRAFFIC_SET] = "traffic-set",
	[VQSIM_CMD_COAL_NTF] = "coal-ntf",
};

static const char *const vqsim_nl_queue_type_names[] = {
	[VQSIM_QUEUE_RX] = "rx",
	[VQSIM_QUEUE_TX] = "tx",
	[VQSIM_QUEUE_CTRL] = "ctrl",
};

static const char *const vqsim_nl_coal_source_names[] = {
	[VQSIM_COAL_SRC_RESET] = "reset",
	[VQSIM_COAL_SRC_NETLINK] = "netlink",
	[VQSIM_COAL_SRC_CVQ] = "cvq",
};

static const char *const vqsim_nl_notify_cause_names[] = {
	[VQSIM_CAUSE_FRAMES] = "frames",
	[VQSIM_CAUSE_TIMER] = "timer",
	[VQSIM_CAUSE_IMMEDIATE] = "immediate",
};

static const char *const vqsim_nl_traffic_state_names[] = {
	[VQSIM_TRAFFIC_STOP] = "stop",
	[VQSIM_TRAFFIC_START] = "start",
};

static const char *const vqsim_nl_pattern_names[] = {
	[VQSIM_PATTERN_CONSTANT] = "constant",
	[VQSIM_PATTERN_ONOFF] = "onoff",
	[VQSIM_PATTERN_PINGPONG] = "pingpong",
};

#endif /* VQSIM_NL_GEN_H */
