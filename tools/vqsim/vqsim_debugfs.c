// SPDX-License-Identifier: GPL-2.0
/*
 * vqsim fault injection, in the netdevsim manner:
 * /sys/kernel/debug/vqsim/<dev>/{fail_next_set,drop_notify,notify_delay_us,stall_ms,timer_delay_us}
 *   fail_next_set    refuse this many coalescing sets (netlink and cvq)
 *   drop_notify      drop this many notifications (the buffers stay used)
 *   notify_delay_us  hold every notification this much longer
 *   stall_ms         stall the worker once, this long
 *   timer_delay_us   spin this long in each coalescing timer callback before it
 *                    takes the device lock (at most 10 ms): widens the window in
 *                    which the worker notifies and re-arms under a running callback
 * and, read-only, iotlb: the address spaces, their map entries, refused
 * dma_map calls, and the refused accesses of each queue.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "vqsim.h"

static struct dentry *vqsim_ddir;

static int vqsim_iotlb_debug_show(struct seq_file *m, void *data)
{
	vqsim_iotlb_show(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vqsim_iotlb_debug);

void vqsim_debugfs_init(void)
{
	vqsim_ddir = debugfs_create_dir("vqsim", NULL);
}

void vqsim_debugfs_exit(void)
{
	debugfs_remove_recursive(vqsim_ddir);
}

void vqsim_debugfs_dev_add(struct vqsim_dev *vs)
{
	vs->ddir = debugfs_create_dir(vqsim_name(vs), vqsim_ddir);
	debugfs_create_u32("fail_next_set", 0600, vs->ddir,
			   &vs->fault.fail_next_set);
	debugfs_create_u32("drop_notify", 0600, vs->ddir,
			   &vs->fault.drop_notify);
	debugfs_create_u32("notify_delay_us", 0600, vs->ddir,
			   &vs->fault.notify_delay_us);
	debugfs_create_u32("stall_ms", 0600, vs->ddir, &vs->fault.stall_ms);
	debugfs_create_u32("timer_delay_us", 0600, vs->ddir,
			   &vs->fault.timer_delay_us);
	debugfs_create_file("iotlb", 0400, vs->ddir, vs, &vqsim_iotlb_debug_fops);
}

void vqsim_debugfs_dev_del(struct vqsim_dev *vs)
{
	debugfs_remove_recursive(vs->ddir);
	vs->ddir = NULL;
}
