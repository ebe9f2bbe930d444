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

irqs() { # virtioN-<vq name>: its count summed over CPUs, empty if absent
	awk -v n="$1" '$NF == n { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts
}

# Like the host's own disk, the scratch disk gets one MSI-X vector per
# virtqueue; QEMU gives it a queue per vCPU and blk-mq maps CPU 0 to req.0.
test_disk_irq() {
	local vdev before after
	[ -n "${VQ_DISK:-}" ] || skip "no scratch disk (tools/vm/run --disk)"
	ASSERT_TRUE "$VQ_DISK is a block device" test -b "$VQ_DISK" || return
	vdev=$(basename "$(readlink -f "/sys/class/block/${VQ_DISK##*/}/device")")
	ASSERT_MATCH "$vdev" '^virtio[0-9]+$' "virtio device of $VQ_DISK" || return
	before=$(irqs "$vdev-req.0")
	ASSERT_NE "$before" "" "$vdev-req.0 in /proc/interrupts" || return
	taskset -c 0 dd if=/dev/zero of="$VQ_DISK" bs=4k count=64 oflag=direct status=none
	after=$(irqs "$vdev-req.0")
	# One request in flight at a time: each completion notifies.
	ASSERT_GE "$((after - before))" 64 "$vdev-req.0 interrupts for 64 O_DIRECT writes"
}

# Later subtests find the NICs back in the initial netns: deleting a netns
# returns its physical devices, in the background.
net_cleanup() {
	local a b # the trap runs after test_net_irqs has returned: its locals are gone
	read -r a b <<<"$VQ_NETDEVS"
	ip netns del vqa 2>/dev/null
	ip netns del vqb 2>/dev/null
	wait_until 10 test -e "/sys/class/net/$a" -a -e "/sys/class/net/$b" && return
	echo "  net_cleanup: $a or $b did not come back"
}

# The two NICs share a QEMU hub: from one netns to the other, packets cross
# real virtio-net queues and raise the receiver's input.0 vector.
test_net_irqs() {
	local a b vdev before after rx
	[ -n "${VQ_NETDEVS:-}" ] || skip "no NICs (tools/vm/run --net)"
	read -r a b <<<"$VQ_NETDEVS"
	vdev=$(basename "$(readlink -f "/sys/class/net/$b/device")")
	trap net_cleanup EXIT
	ip netns add vqa && ip netns add vqb || return
	ip link set "$a" netns vqa && ip link set "$b" netns vqb
	ip -n vqa addr add 10.71.0.1/24 dev "$a" && ip -n vqa link set "$a" up
	ip -n vqb addr add 10.71.0.2/24 dev "$b" && ip -n vqb link set "$b" up
	before=$(irqs "$vdev-input.0")
	ASSERT_NE "$before" "" "$vdev-input.0 in /proc/interrupts" || return
	ip netns exec vqa bash -c 'for i in {1..50}; do echo x >/dev/udp/10.71.0.2/9; done'
	after=$(irqs "$vdev-input.0")
	rx=$(cat "/sys/class/net/$b/statistics/rx_packets" 2>/dev/null ||
		ip netns exec vqb cat "/sys/class/net/$b/statistics/rx_packets")
	# NAPI polls batches, so fewer interrupts than packets.
	ASSERT_GE "$rx" 50 "packets received on $b" || return
	ASSERT_GE "$((after - before))" 1 "$vdev-input.0 interrupts"
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
