/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	include/uapi/vqsim.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_VQSIM_GEN_H
#define _LINUX_VQSIM_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/vqsim.h>

/* Common nested types */
extern const struct nla_policy vqsim_batch_nl_policy[VQSIM_A_BATCH_ENTRY + 1];
extern const struct nla_policy vqsim_batch_entry_nl_policy[VQSIM_A_COAL_PACKETS + 1];

/* Ops table for vqsim */
extern const struct genl_split_ops vqsim_nl_ops[8];

int vqsim_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int vqsim_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vqsim_nl_coal_get_doit(struct sk_buff *skb, struct genl_info *info);
int vqsim_nl_coal_set_doit(struct sk_buff *skb, struct genl_info *info);
int vqsim_nl_coal_set_batch_doit(struct sk_buff *skb, struct genl_info *info);
int vqsim_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info);
int vqsim_nl_stats_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vqsim_nl_traffic_set_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	VQSIM_NLGRP_EVENTS,
};

#endif /* _LINUX_VQSIM_GEN_H */
