# SPDX-License-Identifier: GPL-2.0
# Sanity of the guest that tools/vm/run gives every VM test.

test_fs_mounted() {
	local fs
	fs=$(awk '$2 == "/sys/fs/bpf" {print $3}' /proc/mounts)
	ASSERT_EQ "$fs" bpf "bpffs on /sys/fs/bpf" || return
	fs=$(awk '$2 == "/sys/kernel/tracing" {print $3}' /proc/mounts)
	ASSERT_EQ "$fs" tracefs "tracefs on /sys/kernel/tracing" || return
	ASSERT_TRUE "irq tracepoints" test -d /sys/kernel/tracing/events/irq/irq_handler_entry
}

test_output_shared_rw() {
	local f
	f=$(mktemp "$VQ_ROOT/.output/guest-write.XXXXXX")
	ASSERT_TRUE "write to .output" sh -c "echo ok >'$f'" || { rm -f "$f"; return 1; }
	rm -f "$f"
	ASSERT_TRUE "tmpfs /tmp is writable" touch /tmp/guest-write
}

# Like the host's own disk, the scratch disk gets one MSI-X vector per
# virtqueue; QEMU gives it a queue per vCPU and blk-mq maps CPU 0 to req.0.
req0_irqs() { # virtioN: its req.0 count summed over CPUs
	awk -v n="$1-req.0" '$NF == n { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts
}

test_disk_irq() {
	local vdev before after
	[ -n "${VQ_DISK:-}" ] || skip "no scratch disk (tools/vm/run --disk)"
	ASSERT_TRUE "$VQ_DISK is a block device" test -b "$VQ_DISK" || return
	vdev=$(basename "$(readlink -f "/sys/class/block/${VQ_DISK##*/}/device")")
	ASSERT_MATCH "$vdev" '^virtio[0-9]+$' "virtio device of $VQ_DISK" || return
	before=$(req0_irqs "$vdev")
	ASSERT_NE "$before" "" "$vdev-req.0 in /proc/interrupts" || return
	taskset -c 0 dd if=/dev/zero of="$VQ_DISK" bs=4k count=64 oflag=direct status=none
	after=$(req0_irqs "$vdev")
	# One request in flight at a time: each completion notifies.
	ASSERT_GE "$((after - before))" 64 "$vdev-req.0 interrupts for 64 O_DIRECT writes"
}

test_bpftool() {
	command -v bpftool >/dev/null || skip "no bpftool on the host (make deps)"
	ASSERT_TRUE "bpftool prog list" bpftool prog list
}

# The guest's modules come from the kernel package, not from the host root.
test_modprobe() {
	ASSERT_TRUE "modules of $(uname -r)" test -r "/lib/modules/$(uname -r)/modules.dep" || return
	ASSERT_TRUE "modprobe dummy" modprobe dummy || return
	ASSERT_TRUE "dummy loaded" grep -q '^dummy ' /proc/modules
}
