# SPDX-License-Identifier: GPL-2.0
# The monitor on vqsim: what BPF counts, on the driver's side (vring_interrupt
# on the virtio_vdpa device) and on the device's (vqsim's tracepoints), equals
# vqsim's own counters exactly.
# vq-kernels: 6.12

source "$VQ_ROOT/tests/monitor_lib.sh"
source "$VQ_ROOT/tests/vqsim_lib.sh"

DEV=vqmon0

test_bpf_counts_equal_vqsim_counters() {
	need_bpf
	vqsim_require || return
	vqsim_up "$DEV" || return
	local log n0 p0 b0 n1 p1 b1 sel stats='.[0] | "\(.notifications) \(.packets) \(.bytes)"'
	log=$(mktemp)
	trap "kill \${vqmod_pid:-} 2>/dev/null; vqsim_down $DEV; rm -f '$log' '$log.err'" EXIT
	# one interval that surely spans the traffic, slow as TCG is
	start_vqmod "$log" top --json --hooks notify,vqsim -i 12 -n 1 || return
	read -r n0 p0 b0 <<<"$("$VQMOD" sim stats "$DEV" 0 --json | jq -r "$stats")"
	vqsim_traffic "$DEV" 0 start rate 400 size 200
	sleep 2.5
	vqsim_traffic "$DEV" 0 stop
	sleep 0.3
	read -r n1 p1 b1 <<<"$("$VQMOD" sim stats "$DEV" 0 --json | jq -r "$stats")"
	wait "$vqmod_pid"
	echo "  vqsim: $((n1 - n0)) notifications, $((p1 - p0)) packets, $((b1 - b0)) bytes"
	ASSERT_GE "$((p1 - p0))" 500 "packets the source sent" || return
	ASSERT_EQ "$((n1 - n0))" "$((p1 - p0))" "coalescing off: a notification per used buffer" || return
	sel='.queues[] | select(.dev == $d and .index == 0)'
	ASSERT_EQ "$(jq -r --arg d "$VQSIM_VIRTIO" "$sel | .irqs" "$log")" "$((n1 - n0))" \
		"vring_interrupt calls on $VQSIM_VIRTIO input.0" || return
	ASSERT_EQ "$(jq -r --arg d "$DEV" "$sel | \"\(.irqs) \(.packets) \(.bytes) \(.source)\"" "$log")" \
		"$((n1 - n0)) $((p1 - p0)) $((b1 - b0)) vqsim" "vqsim tracepoints: notifications, packets, bytes"
}
