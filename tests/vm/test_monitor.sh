# SPDX-License-Identifier: GPL-2.0
# The monitor inside each guest kernel: the scratch disk's req.0 counts, and
# the one CO-RE object with the hooks this kernel gave it.

source "$VQ_ROOT/tests/monitor_lib.sh"

scratch_vdev() {
	[ -n "${VQ_DISK:-}" ] || skip "no scratch disk (tools/vm/run --disk)"
	virtio_of_block "${VQ_DISK##*/}"
}

# O_DIRECT writes from CPU 0 go to req.0 (blk-mq maps a queue per vCPU).
test_req_irqs_match_proc_interrupts() {
	need_bpf
	local vdev
	vdev=$(scratch_vdev) || return
	trap 'kill ${vqmod_pid:-} 2>/dev/null' EXIT
	check_irqs_match "$vdev" 8 taskset -c 0 dd if=/dev/zero of="$VQ_DISK" bs=4k count=1500 oflag=direct status=none
}

# Where fentry is refused or missing, the kprobe pair counts the same, and
# where kprobes are missing too, the raw tracepoints.
test_fallbacks_count_the_same() {
	need_bpf
	local vdev types
	vdev=$(scratch_vdev) || return
	trap 'kill ${vqmod_pid:-} 2>/dev/null' EXIT
	for types in kprobe raw_tp; do
		echo "  --hook-types $types:"
		vqmod_extra="--hook-types $types"
		check_irqs_match "$vdev" 6 taskset -c 0 dd if=/dev/zero of="$VQ_DISK" bs=4k count=800 oflag=direct \
			status=none || return
	done
}

# The same object files as on the host, with the hooks this kernel takes.
test_same_object_attaches() {
	check_object_attaches
}
