// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	include/uapi/vqsim.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "vqsim_nl_gen.h"

#include <uapi/vqsim.h>

/* Integer value ranges */
static const struct netlink_range_validation vqsim_a_coal_usecs_range = {
	.max	= VQSIM_COAL_USECS_MAX,
};

static const struct netlink_range_validation vqsim_a_coal_packets_range = {
	.max	= VQSIM_COAL_PACKETS_MAX,
};

static const struct netlink_range_validation vqsim_a_traffic_rate_range = {
	.min	= 1ULL,
	.max	= VQSIM_RATE_MAX,
};

static const struct netlink_range_validation vqsim_a_traffic_on_usecs_range = {
	.min	= 1ULL,
	.max	= VQSIM_PHASE_USECS_MAX,
};

static const struct netlink_range_validation vqsim_a_traffic_off_usecs_range = {
	.max	= VQSIM_PHASE_USECS_MAX,
};

/* Common nested types */
const struct nla_policy vqsim_batch_nl_policy[VQSIM_A_BATCH_ENTRY + 1] = {
	[VQSIM_A_BATCH_ENTRY] = NLA_POLICY_NESTED(vqsim_batch_entry_nl_policy),
};

const struct nla_policy vqsim_batch_entry_nl_policy[VQSIM_A_COAL_PACKETS + 1] = {
	[VQSIM_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = VQSIM_DEV_NAME_MAX_LEN, },
	[VQSIM_A_QUEUE] = NLA_POLICY_MAX(NLA_U32, VQSIM_QUEUE_INDEX_MAX),
	[VQSIM_A_COAL_USECS] = NLA_POLICY_FULL_RANGE(NLA_U32, &vqsim_a_coal_usecs_range),
	[VQSIM_A_COAL_PACKETS] = NLA_POLICY_FULL_RANGE(NLA_U32, &vqsim_a_coal_packets_range),
};

/* VQSIM_CMD_DEV_GET - do */
static const struct nla_policy vqsim_dev_get_do_nl_policy[VQSIM_A_DEV_NAME + 1] = {
	[VQSIM_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = VQSIM_DEV_NAME_MAX_LEN, },
};

/* VQSIM_CMD_DEV_GET - dump */
static const struct nla_policy vqsim_dev_get_dump_nl_policy[VQSIM_A_DEV_NAME + 1] = {
	[VQSIM_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = VQSIM_DEV_NAME_MAX_LEN, },
};

/* VQSIM_CMD_COAL_GET - do */
static const struct nla_policy vqsim_coal_get_nl_policy[VQSIM_A_QUEUE + 1] = {
	[VQSIM_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = VQSIM_DEV_NAME_MAX_LEN, },
	[VQSIM_A_QUEUE] = NLA_POLICY_MAX(NLA_U32, VQSIM_QUEUE_INDEX_MAX),
};

/* VQSIM_CMD_COAL_SET - do */
static const struct nla_policy vqsim_coal_set_nl_policy[VQSIM_A_COAL_PACKETS + 1] = {
	[VQSIM_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = VQSIM_DEV_NAME_MAX_LEN, },
	[VQSIM_A_QUEUE] = NLA_POLICY_MAX(NLA_U32, VQSIM_QUEUE_INDEX_MAX),
	[VQSIM_A_COAL_USECS] = NLA_POLICY_FULL_RANGE(NLA_U32, &vqsim_a_coal_usecs_range),
	[VQSIM_A_COAL_PACKETS] = NLA_POLICY_FULL_RANGE(NLA_U32, &vqsim_a_coal_packets_range),
};

/* VQSIM_CMD_COAL_SET_BATCH - do */
static const struct nla_policy vqsim_coal_set_batch_nl_policy[VQSIM_A_BATCH_PARTIAL + 1] = {
	[VQSIM_A_BATCH] = NLA_POLICY_NESTED(vqsim_batch_nl_policy),
	[VQSIM_A_BATCH_PARTIAL] = { .type = NLA_FLAG, },
};

/* VQSIM_CMD_STATS_GET - do */
static const struct nla_policy vqsim_stats_get_do_nl_policy[VQSIM_A_QUEUE + 1] = {
	[VQSIM_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = VQSIM_DEV_NAME_MAX_LEN, },
	[VQSIM_A_QUEUE] = NLA_POLICY_MAX(NLA_U32, VQSIM_QUEUE_INDEX_MAX),
};

/* VQSIM_CMD_STATS_GET - dump */
static const struct nla_policy vqsim_stats_get_dump_nl_policy[VQSIM_A_DEV_NAME + 1] = {
	[VQSIM_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = VQSIM_DEV_NAME_MAX_LEN, },
};

/* VQSIM_CMD_TRAFFIC_SET - do */
static const struct nla_policy vqsim_traffic_set_nl_policy[VQSIM_A_TRAFFIC_OFF_USECS + 1] = {
	[VQSIM_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = VQSIM_DEV_NAME_MAX_LEN, },
	[VQSIM_A_QUEUE] = NLA_POLICY_MAX(NLA_U32, VQSIM_QUEUE_INDEX_MAX),
	[VQSIM_A_TRAFFIC_STATE] = NLA_POLICY_MAX(NLA_U32, 1),
	[VQSIM_A_TRAFFIC_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32, &vqsim_a_traffic_rate_range),
	[VQSIM_A_TRAFFIC_SIZE] = NLA_POLICY_RANGE(NLA_U32, VQSIM_FRAME_MIN, VQSIM_FRAME_MAX),
	[VQSIM_A_TRAFFIC_BURST] = NLA_POLICY_RANGE(NLA_U32, 1, VQSIM_BURST_MAX),
	[VQSIM_A_TRAFFIC_PATTERN] = NLA_POLICY_MAX(NLA_U32, 2),
	[VQSIM_A_TRAFFIC_ON_USECS] = NLA_POLICY_FULL_RANGE(NLA_U32, &vqsim_a_traffic_on_usecs_range),
	[VQSIM_A_TRAFFIC_OFF_USECS] = NLA_POLICY_FULL_RANGE(NLA_U32, &vqsim_a_traffic_off_usecs_range),
};

/* Ops table for vqsim */
const struct genl_split_ops vqsim_nl_ops[8] = {
	{
		.cmd		= VQSIM_CMD_DEV_GET,
		.doit		= vqsim_nl_dev_get_doit,
		.policy		= vqsim_dev_get_do_nl_policy,
		.maxattr	= VQSIM_A_DEV_NAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VQSIM_CMD_DEV_GET,
		.dumpit		= vqsim_nl_dev_get_dumpit,
		.policy		= vqsim_dev_get_dump_nl_policy,
		.maxattr	= VQSIM_A_DEV_NAME,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VQSIM_CMD_COAL_GET,
		.doit		= vqsim_nl_coal_get_doit,
		.policy		= vqsim_coal_get_nl_policy,
		.maxattr	= VQSIM_A_QUEUE,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VQSIM_CMD_COAL_SET,
		.doit		= vqsim_nl_coal_set_doit,
		.policy		= vqsim_coal_set_nl_policy,
		.maxattr	= VQSIM_A_COAL_PACKETS,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VQSIM_CMD_COAL_SET_BATCH,
		.doit		= vqsim_nl_coal_set_batch_doit,
		.policy		= vqsim_coal_set_batch_nl_policy,
		.maxattr	= VQSIM_A_BATCH_PARTIAL,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VQSIM_CMD_STATS_GET,
		.doit		= vqsim_nl_stats_get_doit,
		.policy		= vqsim_stats_get_do_nl_policy,
		.maxattr	= VQSIM_A_QUEUE,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VQSIM_CMD_STATS_GET,
		.dumpit		= vqsim_nl_stats_get_dumpit,
		.policy		= vqsim_stats_get_dump_nl_policy,
		.maxattr	= VQSIM_A_DEV_NAME,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VQSIM_CMD_TRAFFIC_SET,
		.doit		= vqsim_nl_traffic_set_doit,
		.policy		= vqsim_traffic_set_nl_policy,
		.maxattr	= VQSIM_A_TRAFFIC_OFF_USECS,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group vqsim_nl_mcgrps[] = {
	[VQSIM_NLGRP_EVENTS] = { "events", },
};
