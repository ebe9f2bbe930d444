/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vqsim

#if !defined(_VQSIM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VQSIM_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(vqsim_notify,
	TP_PROTO(const char *dev, u16 queue, u32 pending, u32 cause, u64 delay_ns),
	TP_ARGS(dev, queue, pending, cause, delay_ns),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u16, queue)
		__field(u32, pending)
		__field(u32, cause)
		__field(u64, delay_ns)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->queue = queue;
		__entry->pending = pending;
		__entry->cause = cause;
		__entry->delay_ns = delay_ns;
	),
	TP_printk("dev=%s queue=%u pending=%u cause=%s delay_ns=%llu",
		  __get_str(dev), __entry->queue, __entry->pending,
		  __print_symbolic(__entry->cause, { 0, "frames" },
				   { 1, "timer" }, { 2, "immediate" }),
		  __entry->delay_ns)
);

TRACE_EVENT(vqsim_used,
	TP_PROTO(const char *dev, u16 queue, u32 packets, u32 bytes),
	TP_ARGS(dev, queue, packets, bytes),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u16, queue)
		__field(u32, packets)
		__field(u32, bytes)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->queue = queue;
		__entry->packets = packets;
		__entry->bytes = bytes;
	),
	TP_printk("dev=%s queue=%u packets=%u bytes=%u", __get_str(dev),
		  __entry->queue, __entry->packets, __entry->bytes)
);

TRACE_EVENT(vqsim_kick,
	TP_PROTO(const char *dev, u16 queue),
	TP_ARGS(dev, queue),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u16, queue)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->queue = queue;
	),
	TP_printk("dev=%s queue=%u", __get_str(dev), __entry->queue)
);

TRACE_EVENT(vqsim_coal,
	TP_PROTO(const char *dev, u16 queue, u32 old_usecs, u32 old_packets,
		 u32 usecs, u32 packets, u32 source),
	TP_ARGS(dev, queue, old_usecs, old_packets, usecs, packets, source),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u16, queue)
		__field(u32, old_usecs)
		__field(u32, old_packets)
		__field(u32, usecs)
		__field(u32, packets)
		__field(u32, source)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->queue = queue;
		__entry->old_usecs = old_usecs;
		__entry->old_packets = old_packets;
		__entry->usecs = usecs;
		__entry->packets = packets;
		__entry->source = source;
	),
	TP_printk("dev=%s queue=%u usecs=%u->%u packets=%u->%u by=%s",
		  __get_str(dev), __entry->queue, __entry->old_usecs,
		  __entry->usecs, __entry->old_packets, __entry->packets,
		  __print_symbolic(__entry->source, { 0, "reset" },
				   { 1, "netlink" }, { 2, "cvq" }))
);

/*
 * A device is deleted, once its driver is gone: none of its queues has an
 * event after this. dev is the same string as in the other events (a
 * monitor may key its queues by its address), queues how many it had
 * (0 to queues - 1).
 */
TRACE_EVENT(vqsim_dev_del,
	TP_PROTO(const char *dev, u32 queues),
	TP_ARGS(dev, queues),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u32, queues)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->queues = queues;
	),
	TP_printk("dev=%s queues=%u", __get_str(dev), __entry->queues)
);

#endif /* _VQSIM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vqsim_trace
#include <trace/define_trace.h>
