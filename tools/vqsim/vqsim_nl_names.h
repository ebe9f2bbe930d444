/* SPDX-License-Identifier: GPL-2.0 */
/* Do not edit: made by tools/ynl-tables from include/uapi/vqsim.yaml (make ynl-gen). */
#ifndef VQSIM_NL_NAMES_H
#define VQSIM_NL_NAMES_H

/* Attribute names, as in the spec, for extack messages; after <uapi/vqsim.h>. */
static const char *const vqsim_nl_attr_names[VQSIM_A_MAX + 1] = {
	[VQSIM_A_DEV_NAME] = "dev-name",
	[VQSIM_A_DEV_VQP] = "dev-vqp",
	[VQSIM_A_DEV_QUEUES] = "dev-queues",
	[VQSIM_A_DEV_MAC] = "dev-mac",
	[VQSIM_A_DEV_MTU] = "dev-mtu",
	[VQSIM_A_DEV_STATUS] = "dev-status",
	[VQSIM_A_DEV_FEATURES] = "dev-features",
	[VQSIM_A_DEV_VIRTIO_INDEX] = "dev-virtio-index",
	[VQSIM_A_QUEUE] = "queue",
	[VQSIM_A_QUEUE_TYPE] = "queue-type",
	[VQSIM_A_QUEUE_READY] = "queue-ready",
	[VQSIM_A_COAL_USECS] = "coal-usecs",
	[VQSIM_A_COAL_PACKETS] = "coal-packets",
	[VQSIM_A_COAL_SOURCE] = "coal-source",
	[VQSIM_A_STATS] = "stats",
	[VQSIM_A_BATCH] = "batch",
	[VQSIM_A_BATCH_ENTRY] = "batch-entry",
	[VQSIM_A_BATCH_PARTIAL] = "batch-partial",
	[VQSIM_A_BATCH_RESULT] = "batch-result",
	[VQSIM_A_BATCH_INDEX] = "batch-index",
	[VQSIM_A_BATCH_ERROR] = "batch-error",
	[VQSIM_A_BATCH_APPLIED] = "batch-applied",
	[VQSIM_A_TRAFFIC_STATE] = "traffic-state",
	[VQSIM_A_TRAFFIC_RATE] = "traffic-rate",
	[VQSIM_A_TRAFFIC_SIZE] = "traffic-size",
	[VQSIM_A_TRAFFIC_BURST] = "traffic-burst",
	[VQSIM_A_TRAFFIC_PATTERN] = "traffic-pattern",
	[VQSIM_A_TRAFFIC_ON_USECS] = "traffic-on-usecs",
	[VQSIM_A_TRAFFIC_OFF_USECS] = "traffic-off-usecs",
	[VQSIM_A_QUEUE_SIZE] = "queue-size",
};

#endif /* VQSIM_NL_NAMES_H */
