# SPDX-License-Identifier: GPL-2.0
# vq-guest: vms
# The monitor on a host of KVM VMs (the 6.12-vms guest): vqmod top --json in
# the guest counts the notifications that reach each VM, per VM queue, as the
# VM's own /proc/interrupts does, on vhost-vdpa (a vqsim device) and on
# vhost-net (tap); it names the VM (-name, libvirt's guest=X form, -uuid,
# QEMU's pid), the vhost device and the queue. VMs that start and stop leave
# no identity behind, and one of the same name is a new identity. A VM killed
# mid-traffic lets its vDPA device go within 10 s.
#
# One VM (vmmon: a vqsim NIC and a tap NIC) serves both count tests; the
# SIGKILL test kills it. Each VM's kernel log is checked here, the guest's by
# the runner.

source "$VQ_ROOT/tests/vm/nested_lib.sh"
source "$VQ_ROOT/tests/vqsim_lib.sh"
source "$VQ_ROOT/tests/monitor_lib.sh"

MON_VM=vmmon
MON_UUID=6f0e4c1a-6b53-4a1e-9d27-00000000b001
MON_DEV=vqvm0
# The VM's virtio-net takes its MAC from the vDPA device, and tools/vm/nested
# finds a VM's NICs by the MACs it gives them (52:54:00:72:INDEX:NIC): so a
# fixed index, and the vqsim device made with that MAC.
MON_INDEX=10
MON_TAP_IP=10.74.0.1 MON_VM_TAP_IP=10.74.0.2
# the VM's tx on the vqsim NIC goes to a neighbour that is not there (vqsim
# loops it back to the VM's rx)
MON_SETUP='set -- $VQ_NETDEVS
	busybox ip addr add 192.0.2.1/24 dev $1 && busybox arp -i $1 -s 192.0.2.2 02:00:00:00:00:99 &&
	busybox ip addr add '$MON_VM_TAP_IP'/24 dev $2'

# One monitor for the file, pinned (loading it under TCG beside a VM takes
# long), read by a vqmod top --from-pinned in each subtest; the last unpins.
PIN=/sys/fs/bpf/vqmod-vm-monitor

mon_pinned() {
	[ -e "$PIN/maps/vq_ids" ] && return 0
	ASSERT_TRUE "vqmod pin" "$VQMOD" pin --max-queues 256 --hooks vhost,vhost-vdpa "$PIN"
}

# top_start LOG: vqmod top --json every second, from the pinned monitor.
top_start() {
	mon_pinned || return
	start_vqmod "$1" top --from-pinned "$PIN" --json -i 1
}

need_vm_monitor() {
	SECONDS=0 # step times from the subtest's start
	need_vms || return
	need_bpf || return
	vqsim_require || return
	modprobe -q vhost_vdpa || skip "no vhost_vdpa module"
	command -v jq >/dev/null || skip "no jq"
}

# mon_vm_up: vmmon running (started here if it is not) on a vqsim device and
# a tap; sets MON_PID, MON_NODE, MON_TAP.
mon_vm_up() {
	local d=/run/vqvm/$MON_VM t0
	if ! [ -e "$d/pid" ] || [ -e "$d/status" ]; then
		vdpa dev show "$MON_DEV" >/dev/null 2>&1 && { timeout 15 vdpa dev del "$MON_DEV" || return; }
		vqsim_up_vhost "$MON_DEV" max_vqp 1 mac "$(printf '52:54:00:72:%02x:00' $MON_INDEX)" >/dev/null || return
		t0=$SECONDS
		# Generous: it boots on the guest's one vCPU, under TCG.
		"$NESTED" start --name "$MON_VM" --index $MON_INDEX --libvirt-name --uuid "$MON_UUID" --timeout 1200 \
			--nic "vhost-vdpa,dev=$(vqsim_vhost_node "$MON_DEV")" --nic tap --boot-timeout 240 \
			--env VQ_AGENT_LIFE=1100 -- bash -c "$vm_agent" agent "$MON_SETUP" >/dev/null || return
		vm_agent_ready "$MON_VM" || return
		echo "  $MON_VM up: $((SECONDS - t0)) s from its start to its agent, its command ran at uptime $(vm_boot_s "$MON_VM") s"
		MON_TAP=$(vm_info "$MON_VM" nic1)
		# no IPv6 chatter from the guest's side either
		echo 1 >"/proc/sys/net/ipv6/conf/$MON_TAP/disable_ipv6"
		ip addr add "$MON_TAP_IP/24" dev "$MON_TAP" || return
	fi
	MON_PID=$(vm_info "$MON_VM" pid) MON_NODE=$(vqsim_vhost_node "$MON_DEV") MON_TAP=$(vm_info "$MON_VM" nic1)
}

# top_until LOG T: until vqmod's JSON in LOG has an interval ending after T
# (epoch seconds), 20 s at most.
top_until() {
	local end=$((SECONDS + 20)) last
	while [ $SECONDS -lt $end ]; do
		last=$(tail -n 1 "$1" | jq -r '.time' 2>/dev/null)
		[ -n "$last" ] && awk -v a="$last" -v b="$2" 'BEGIN { exit !(a > b) }' && return 0
		sleep 0.3
	done
	echo "  vqmod top printed no interval past $2 in 20 s"
	return 1
}

# top_irqs LOG SINCE JQ-SELECT: vqmod's notifications summed over its
# intervals that end after SINCE, for the queues JQ-SELECT picks.
top_irqs() {
	jq -n --argjson t "$2" "[inputs | select(.time > \$t) | .queues[] | select($3) | .irqs] | add // 0" "$1"
}

# top_last LOG JQ-SELECT: the last line's entry for that queue (JSON).
top_last() {
	jq -c "select(any(.queues[]; $2)) | .queues[] | select($2)" "$1" | tail -n 1
}

now_s() { date +%s.%N; }

# step WHAT: how far into the subtest, for the log.
step() { echo "  [${SECONDS}s] $*"; }

# check_counts LOG SINCE VM-DEV JQ-SELECT VQNAME A B: vqmod's count of the
# queue against the VM's interrupts on that vector, from A to B.
check_counts() {
	local log=$1 since=$2 dev=$3 sel=$4 vec=$5 a=$6 b=$7 n_vm n_vq tol
	n_vm=$((b - a))
	n_vq=$(top_irqs "$log" "$since" "$sel")
	tol=$(count_tol "$n_vm")
	echo "  $vec of $dev: the VM's /proc/interrupts +$n_vm, vqmod $n_vq (difference $((n_vq - n_vm)), allowed $tol)"
	ASSERT_GE "$n_vm" 20 "the VM's $dev $vec interrupts in the window" || return
	ASSERT_TRUE "vqmod's $vec count within $tol of the VM's" test $((n_vq > n_vm ? n_vq - n_vm : n_vm - n_vq)) -le "$tol"
}

# delivered_n DEV QUEUE: the notifications vqsim delivered on it so far.
delivered_n() {
	"$VQMOD" sim stats "$1" "$2" --json | jq '.[0] | .notify_frames + .notify_timer + .notify_immediate'
}

# rx_used_reached N: vqsim's rx 0 of the VM has used N buffers in all
rx_used_reached() { [ "$(vqsim_stat "$MON_DEV" 0 packets)" -ge "$1" ]; }

# vdpa_window LOG RATE SECS UDP PAUSE: vqsim's source at RATE pps (0: off)
# for SECS s, and on until RATE x SECS frames are in (a busy TCG guest runs
# the source slow; 5 x SECS at most), into vmmon, which sends UDP datagrams
# (0: none) PAUSE s apart meanwhile; then sets, per queue Q (0 rx, 1 tx), vm_Q (the VM's
# interrupts), vq_Q (vqmod's notifications) and dev_Q (vqsim's delivered
# notifications) for the window.
vdpa_window() {
	local log=$1 rate=$2 secs=$3 udp=$4 pause=$5 a_in a_out b_in b_out since d0 d1 p0
	a_in=$(vm_irq "$MON_VM" "$dev0" input.0) && a_out=$(vm_irq "$MON_VM" "$dev0" output.0) || return
	d0=$(delivered_n "$MON_DEV" 0) d1=$(delivered_n "$MON_DEV" 1) p0=$(vqsim_stat "$MON_DEV" 0 packets)
	since=$(now_s)
	[ "$rate" -eq 0 ] || vqsim_traffic "$MON_DEV" 0 start rate "$rate" size 256 || return
	[ "$udp" -eq 0 ] || vm_do "$MON_VM" --timeout 120 udp 192.0.2.2 "$udp" "$pause" || return
	sleep "$secs"
	[ "$rate" -eq 0 ] || wait_until $((secs * 5)) rx_used_reached $((p0 + rate * secs))
	[ "$rate" -eq 0 ] || vqsim_traffic "$MON_DEV" 0 stop
	sleep 2
	b_in=$(vm_irq "$MON_VM" "$dev0" input.0) && b_out=$(vm_irq "$MON_VM" "$dev0" output.0) || return
	dev_0=$(($(delivered_n "$MON_DEV" 0) - d0)) dev_1=$(($(delivered_n "$MON_DEV" 1) - d1))
	top_until "$log" "$(now_s)" && sleep 1.2 && top_until "$log" "$(now_s)" || return
	vm_0=$((b_in - a_in)) vm_1=$((b_out - a_out))
	vq_0=$(top_irqs "$log" "$since" '.backend == "'$MON_DEV'" and .index == 0')
	vq_1=$(top_irqs "$log" "$since" '.backend == "'$MON_DEV'" and .index == 1')
	echo "  $rate pps in for $secs s, $udp UDP out ${pause}s apart: rx.0 vqsim $dev_0, vqmod $vq_0," \
		"the VM's input.0 $vm_0; tx.0 vqsim $dev_1, vqmod $vq_1, the VM's output.0 $vm_1"
	step "window done"
}

# within_tol A B: |A - B| within 2% of B or 5
within_tol() { test $(($1 > $2 ? $1 - $2 : $2 - $1)) -le "$(count_tol "$2")"; }

# On vhost-vdpa the VM's NIC is a vqsim device: its traffic source fills rx,
# the VM's UDP goes out on tx (and comes back to rx). At a rate the VM
# takes one interrupt at a time (10 pps alone; its own tx, looped back,
# alone), vqmod's count is the VM's. Faster (60 pps was enough on a loaded machine), the
# host signals more than the VM sees: an MSI that arrives while the last
# one of its vector is still pending in the VM's IRR (its one vCPU, nested
# under TCG, not yet run) merges with it. vqmod counts the signals vhost-vdpa
# sends, exactly vqsim's delivered notifications, so there the window shows
# both and checks vqmod against the device and as no less than the VM.
test_counts_vhost_vdpa() {
	need_vm_monitor || return
	local log e dev0 vm_0 vm_1 vq_0 vq_1 dev_0 dev_1
	t=$(mktemp -d)
	log=$t/top
	trap 'kill ${vqmod_pid:-} 2>/dev/null; vqsim_traffic $MON_DEV 0 stop 2>/dev/null; rm -rf "$t"' EXIT
	mon_vm_up || return
	dev0=$(vm_do "$MON_VM" 'set -- $VQ_NETDEVS; echo $1')
	step "VM up"
	top_start "$log" || return
	step "vqmod top runs"
	sleep 2
	# rx alone, then tx alone (its frames come back on rx, one at a time)
	vdpa_window "$log" 10 12 0 0 || return
	ASSERT_GE "$vm_0" 100 "the VM's input.0 interrupts at 10 pps" || return
	ASSERT_TRUE "vqmod's rx.0 count ($vq_0) within $(count_tol "$vm_0") of the VM's input.0 ($vm_0)" within_tol "$vq_0" "$vm_0" || return
	vdpa_window "$log" 0 1 150 0.05 || return
	ASSERT_GE "$vm_1" 100 "the VM's output.0 interrupts" || return
	ASSERT_TRUE "vqmod's tx.0 count ($vq_1) within $(count_tol "$vm_1") of the VM's output.0 ($vm_1)" within_tol "$vq_1" "$vm_1" || return
	ASSERT_TRUE "and rx.0's ($vq_0) of input.0 ($vm_0)" within_tol "$vq_0" "$vm_0" || return
	vdpa_window "$log" 400 5 500 0 || return
	echo "  at 400 pps the VM saw $((vm_0 * 100 / (vq_0 ? vq_0 : 1)))% of rx.0's signals (merged while pending)"
	ASSERT_EQ "$vq_0" "$dev_0" "vqmod's rx.0 count = vqsim's delivered notifications at 400 pps" || return
	ASSERT_EQ "$vq_1" "$dev_1" "and tx.0's" || return
	ASSERT_GE "$vq_0" "$vm_0" "vqmod's rx.0 count, no less than the VM's input.0" || return
	for q in 0 1; do
		echo "  $MON_DEV queue $q: $("$VQMOD" sim stats $MON_DEV $q --json | jq -c '.[0] | {packets, drops, notifications, notify_suppressed, src_frames}')"
	done
	kill "$vqmod_pid"
	wait "$vqmod_pid" 2>/dev/null
	e=$(top_last "$log" '.backend == "'$MON_DEV'" and .index == 0')
	echo "  rx.0: $e"
	ASSERT_EQ "$(jq -r '[.vm, .vm_pid, .vm_uuid, .dev, .driver, .source, .queue, .type] | join(" ")' <<<"$e")" \
		"$MON_VM $MON_PID $MON_UUID ${MON_NODE#/dev/} vhost_vdpa vhost-vdpa rx.0 rx" \
		"vm (libvirt's guest=X), vm_pid, vm_uuid, vhost device, driver, source, queue, type" || return
	ASSERT_EQ "$(jq -c '[.packets, .bytes, .packets_per_irq]' <<<"$e")" "[null,null,null]" \
		"rx.0's packets, bytes, packets per interrupt: not counted on vhost-vdpa's path, so null, not 0" || return
	e=$(top_last "$log" '.backend == "'$MON_DEV'" and .index == 1')
	ASSERT_EQ "$(jq -r '[.vm, .queue, .type, .irq_bypass] | join(" ")' <<<"$e")" "$MON_VM tx.0 tx false" \
		"the tx queue's VM, name, type; no irq bypass (vqsim has no get_vq_irq)" || return
	vm_log_clean "$MON_VM"
	step "checked"
}

# On vhost-net: the guest's UDP into the VM through its tap (rx), the VM's
# UDP to the guest (tx).
test_counts_vhost_net() {
	need_vm_monitor || return
	local log a_in a_out b_in b_out since e dev1 i
	t=$(mktemp -d)
	log=$t/top
	trap 'kill ${vqmod_pid:-} 2>/dev/null; rm -rf "$t"' EXIT
	mon_vm_up || return
	dev1=$(vm_do "$MON_VM" 'set -- $VQ_NETDEVS; echo $2')
	top_start "$log" || return
	# the VM learns the guest's MAC before the window
	vm_do "$MON_VM" udp $MON_TAP_IP 1 >/dev/null
	sleep 2
	a_in=$(vm_irq "$MON_VM" "$dev1" input.0) && a_out=$(vm_irq "$MON_VM" "$dev1" output.0) || return
	since=$(now_s)
	for ((i = 0; i < 20; i++)); do
		for _ in {1..50}; do echo x >"/dev/udp/$MON_VM_TAP_IP/9"; done 2>/dev/null
		sleep 0.2
	done
	vm_do "$MON_VM" --timeout 120 udp $MON_TAP_IP 500 || return
	sleep 2
	b_in=$(vm_irq "$MON_VM" "$dev1" input.0) && b_out=$(vm_irq "$MON_VM" "$dev1" output.0) || return
	top_until "$log" "$(now_s)" && sleep 1.2 && top_until "$log" "$(now_s)" || return
	kill "$vqmod_pid"
	wait "$vqmod_pid" 2>/dev/null
	echo "  $MON_TAP: tx_packets $(cat /sys/class/net/$MON_TAP/statistics/tx_packets) (to the VM)," \
		"rx_packets $(cat /sys/class/net/$MON_TAP/statistics/rx_packets) (from it)"
	check_counts "$log" "$since" "$dev1" '.dev == "'$MON_TAP'" and .index == 0' input.0 "$a_in" "$b_in" || return
	check_counts "$log" "$since" "$dev1" '.dev == "'$MON_TAP'" and .index == 1' output.0 "$a_out" "$b_out" || return
	e=$(top_last "$log" '.dev == "'$MON_TAP'" and .index == 0')
	echo "  rx: $e"
	ASSERT_EQ "$(jq -r '[.vm, .vm_pid, .vm_uuid, .backend, .driver, .source, .queue, .type] | join(" ")' <<<"$e")" \
		"$MON_VM $MON_PID $MON_UUID $MON_TAP vhost_net vhost rx rx" \
		"vm, vm_pid, vm_uuid, the tap, driver, source, queue, type" || return
	ASSERT_EQ "$(jq -c '[.packets, .bytes, .packets_per_irq]' <<<"$e")" "[null,null,null]" \
		"rx's packets, bytes, packets per interrupt: not counted on vhost's path, so null, not 0" || return
	e=$(top_last "$log" '.dev == "'$MON_TAP'" and .index == 1')
	ASSERT_EQ "$(jq -r '[.vm, .queue, .type] | join(" ")' <<<"$e")" "$MON_VM tx tx" "the tx queue" || return
	vm_log_clean "$MON_VM"
}

# vmmon, killed while vqsim's source and the VM's own tx run: QEMU's close
# resets the device, vdpa dev del completes within 10 s, and the monitor
# forgets the VM's queues.
test_sigkill_mid_traffic_then_dev_del() {
	need_vm_monitor || return
	local log t0 ms pid left
	t=$(mktemp -d)
	log=$t/top
	trap 'kill ${vqmod_pid:-} 2>/dev/null; vm_cleanup; vdpa dev show $MON_DEV >/dev/null 2>&1 && timeout 15 vdpa dev del $MON_DEV; rm -rf "$t"' EXIT
	mon_vm_up || return
	pid=$MON_PID
	top_start "$log" || return
	"$VQMOD" sim coalesce "$MON_DEV" 0 usecs 200 frames 16 >/dev/null || return
	vqsim_traffic "$MON_DEV" 0 start rate 3000 size 512 burst 8 || return
	# the agent's UDP runs on in the VM as it is killed
	echo 'udp 192.0.2.2 1000000' >"/run/vqvm/$MON_VM/cmd.$(($(cat /run/vqvm/$MON_VM/agent.seq 2>/dev/null || echo 0) + 1))"
	sleep 3
	top_until "$log" "$(now_s)" || return
	ASSERT_GE "$(jq -n '[inputs | .queues[] | select(.vm_pid == '$pid') | .irqs] | add // 0' "$log")" 1 \
		"vqmod counted the VM's notifications before the kill" || return
	echo "  before SIGKILL: device rx $("$VQMOD" sim stats $MON_DEV 0 --json | jq .[0].packets)," \
		"tx $("$VQMOD" sim stats $MON_DEV 1 --json | jq .[0].packets) frames"
	kill -KILL "$pid"
	t0=$(date +%s%N)
	ASSERT_TRUE "QEMU $pid gone after SIGKILL" wait_until 30 gone "$pid" || return
	vqsim_traffic "$MON_DEV" 0 stop
	ASSERT_TRUE "vdpa dev del after the SIGKILL" timeout 10 vdpa dev del "$MON_DEV" || return
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "  SIGKILL to vdpa dev del done: $ms ms"
	ASSERT_LE "$ms" 10000 "ms from SIGKILL to the device deleted" || return
	sleep 1.5
	top_until "$log" "$(now_s)" || return
	left=$(tail -n 1 "$log" | jq '[.queues[] | select(.vm_pid == '$pid')] | length')
	ASSERT_EQ "$left" 0 "the killed VM's queues still in vqmod's view" || return
	vm_log_clean "$MON_VM"
}

# bpftool's entry count of each of the monitor's identity maps, "ids ptrs ctxs".
identity_maps() {
	local m n out=
	for m in vq_ids vq_ptrs vq_ctxs; do
		n=$(bpftool -j map dump pinned "$PIN/maps/$m" 2>/dev/null | jq 'length' 2>/dev/null)
		out+="${out:+ }${n:-?}"
	done
	echo "$out"
}

# Twenty VMs of one name (VQ_VM_CYCLES), one after the other, each with a
# vqsim NIC and a tap, while vqmod top --json runs: each one boots, its
# queues appear with its pid, carry traffic, and go when it stops; the maps
# hold none of them after; each VM's queues are new identities.
test_start_stop_20_times() {
	need_vm_monitor || return
	local log i t0 pid node tap n ok=0 left ids=() id maps boots=() cycles=${VQ_VM_CYCLES:-20}
	t=$(mktemp -d)
	log=$t/top
	trap 'kill ${vqmod_pid:-} 2>/dev/null; vm_cleanup; vdpa dev show vqcyc0 >/dev/null 2>&1 && timeout 15 vdpa dev del vqcyc0; "$VQMOD" unpin "$PIN"; rm -rf "$t"' EXIT
	# vmmon, if the SIGKILL test did not run, would be counted here too
	vm_cleanup
	command -v bpftool >/dev/null || skip "no bpftool"
	node=$(vqsim_up_vhost vqcyc0 max_vqp 1 mac 52:54:00:72:0b:00) || return
	top_start "$log" || return
	maps=$(identity_maps)
	echo "  identity maps (vq_ids vq_ptrs vq_ctxs) before: $maps"
	for ((i = 1; i <= cycles; i++)); do
		t0=$SECONDS
		"$NESTED" start --name vmcycle --index 11 --uuid "$(printf '6f0e4c1a-6b53-4a1e-9d27-00000000c%03d' "$i")" \
			--nic "vhost-vdpa,dev=$node" \
			--nic tap --boot-timeout 240 --timeout 600 -- bash -c "$vm_agent" agent \
			'set -- $VQ_NETDEVS; busybox ip addr add 192.0.2.1/24 dev $1 && busybox arp -i $1 -s 192.0.2.2 02:00:00:00:00:99 &&
			busybox ip addr add 10.75.0.2/24 dev $2' \
			>/dev/null || return
		vm_agent_ready vmcycle || return
		boots+=("$((SECONDS - t0))")
		pid=$(vm_info vmcycle pid) tap=$(vm_info vmcycle nic1)
		echo 1 >"/proc/sys/net/ipv6/conf/$tap/disable_ipv6"
		ip addr add 10.75.0.1/24 dev "$tap" || return
		vqsim_traffic vqcyc0 0 start rate 200 size 128 || return
		vm_do vmcycle 'udp 192.0.2.2 50; udp 10.75.0.1 50' >/dev/null
		for _ in {1..50}; do echo x >/dev/udp/10.75.0.2/9; done 2>/dev/null
		sleep 2
		vqsim_traffic vqcyc0 0 stop
		top_until "$log" "$(now_s)" || return
		n=$(tail -n 3 "$log" | jq -s '[.[].queues[] | select(.vm_pid == '$pid') | "\(.dev)/\(.index)"] | unique | length')
		id=$(tail -n 3 "$log" | jq -rs '[.[].queues[] | select(.vm_pid == '$pid' and .source == "vhost-vdpa" and .index == 0)
			| "\(.dev)/\(.identity)/\(.vm)"] | unique | join(",")')
		echo "  VM $i (QEMU $pid): up in ${boots[-1]} s, $n queues in vqmod's view; rx.0 $id"
		ASSERT_GE "$n" 2 "VM $i's queues in vqmod's view" || return
		ASSERT_MATCH "$id" "^vhost-vdpa-[0-9]+/[0-9]+/vmcycle$" "VM $i's rx.0: one identity, named vmcycle" || return
		ids+=("$id")
		vm_quit vmcycle
		ASSERT_TRUE "QEMU $pid ended" gone "$pid" || return
		vm_log_clean vmcycle || return
		sleep 1.5
		top_until "$log" "$(now_s)" || return
		left=$(tail -n 1 "$log" | jq '[.queues[] | select(.vm_pid == '$pid')] | length')
		ASSERT_EQ "$left" 0 "VM $i's queues in vqmod's view after it stopped" || return
		maps=$(identity_maps)
		echo "    after it stopped: identity maps $maps, monitor $(tail -n 1 "$log" | jq -c .monitor)"
		ASSERT_EQ "$maps" "0 0 0" "entries left in vq_ids vq_ptrs vq_ctxs" || return
		ok=$((ok + 1))
	done
	echo "  boots: ${boots[*]} s; $ok of $cycles up and gone"
	ASSERT_EQ "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" "$cycles" "$cycles VMs named vmcycle, as many identities of rx.0"
}
