# SPDX-License-Identifier: GPL-2.0
# vq-guest: vms-full
# KVM VMs in the guest (tools/vm/nested), as a hypervisor host runs them:
# a VM's command, its status and output; two VMs at once on a bridge; the
# guest's traffic into a VM through a tap with vhost-net; VMs that cannot
# boot fail fast and show why. Each VM's own kernel log is checked here.

source "$VQ_ROOT/tests/vm/nested_lib.sh"

# For the VMs' commands: bash builtins and busybox's applets, as each exec
# of a dynamically linked program costs a VM 0.2-0.8 s (tools/vm/nested).
snmp() { # PROTO FIELD: its value in /proc/net/snmp
	local -a head=() row
	local i
	while read -r -a row; do
		[ "${row[0]}" = "$1:" ] || continue
		[ ${#head[@]} -gt 0 ] || { head=("${row[@]}"); continue; }
		for i in "${!head[@]}"; do
			[ "${head[i]}" != "$2" ] || { echo "${row[i]}"; return; }
		done
	done </proc/net/snmp
}
hold() { # until the guest puts "go" in the VM's dir, or 150 s
	local end=$((SECONDS + 150))
	until [ -e "$VQ_VM_DIR/go" ] || [ $SECONDS -ge $end ]; do busybox sleep 0.5; done
}
vm_funcs=$(declare -f snmp nic_irq hold)

test_run_status_and_output() {
	need_vms || return
	local err out rc=0
	err=$(mktemp)
	trap "rm -f '$err'; vm_cleanup" EXIT
	out=$(cd "$VQ_ROOT/tests" && "$NESTED" run --name run612 --kernel 6.12 --env VQ_X=42 -- sh -c \
		'pwd; echo "x=$VQ_X kernel=$VQ_KERNEL vm=$VQ_VM_NAME"; uname -r; echo to-stderr >&2; exit 3' 2>"$err") || rc=$?
	vm_times run612
	ASSERT_EQ "$rc" 3 "exit status of 'exit 3' in a 6.12 VM" || return
	ASSERT_EQ "$(sed -n 1,2p <<<"$out")" "$VQ_ROOT/tests"$'\n'"x=42 kernel=6.12 vm=run612" "VM stdout" || return
	ASSERT_MATCH "$(sed -n 3p <<<"$out")" '^6\.12\.' "the VM's kernel" || return
	ASSERT_EQ "$(head -n1 "$err")" to-stderr "VM stderr" || return
	ASSERT_MATCH "$(cat "$err")" 'the command exited 3 -- VM run612 console' "the console, shown on failure" || return
	vm_log_clean run612
}

# A 6.1 VM (libvirt's -name form) pings a 6.12 VM across a bridge in the
# guest; each QEMU's pid is known, and its vhost-net worker is its thread.
test_two_vms_through_a_bridge() {
	need_vms || return
	local t sa sb pa pb ta tb rca=0 rcb=0 p
	t=$(mktemp -d)
	trap "vm_cleanup; rm -rf '$t'" EXIT
	# Booting side by side on the guest's one vCPU: a generous boot timeout.
	# Each holds, once done, until the guest has looked at it running.
	"$NESTED" start --name vma --libvirt-name --uuid 6f0e4c1a-6b53-4a1e-9d27-0000000000a1 --kernel 6.1 \
		--nic tap,bridge=vqbr0 --boot-timeout 300 -- bash -c "$vm_funcs"'
		busybox ip addr add 10.72.0.1/24 dev $VQ_NETDEVS && busybox ip link set $VQ_NETDEVS up || exit 1
		end=$((SECONDS + 150))
		until busybox ping -c 1 -W 1 10.72.0.2 >/dev/null || [ $SECONDS -ge $end ]; do :; done
		r=$(busybox ping -c 5 -i 0.2 -W 2 10.72.0.2)
		[[ $r =~ ([0-9]+\ packets\ received) ]] && echo "${BASH_REMATCH[1]}"
		hold' >"$t/a" 2>&1 &
	sa=$!
	"$NESTED" start --name vmb --kernel 6.12 --nic tap,bridge=vqbr0 --boot-timeout 300 -- bash -c "$vm_funcs"'
		busybox ip addr add 10.72.0.2/24 dev $VQ_NETDEVS && busybox ip link set $VQ_NETDEVS up || exit 1
		end=$((SECONDS + 150))
		while [ "$(snmp Icmp InEchos)" -lt 6 ] && [ $SECONDS -lt $end ]; do busybox sleep 0.5; done
		echo "echo requests: $(snmp Icmp InEchos)"
		hold' >"$t/b" 2>&1 &
	sb=$!
	wait "$sa" || rca=$?
	wait "$sb" || rcb=$?
	ASSERT_EQ "$rca" 0 "vma started: $(cat "$t/a")" || return
	ASSERT_EQ "$rcb" 0 "vmb started: $(cat "$t/b")" || return
	pa=$(vm_info vma pid) pb=$(vm_info vmb pid)
	ASSERT_NE "$pa" "$pb" "two QEMUs" || return
	ASSERT_TRUE "vma's QEMU $pa runs" kill -0 "$pa" || return
	ASSERT_TRUE "vmb's QEMU $pb runs" kill -0 "$pb" || return
	ASSERT_MATCH "$(tr '\0' ' ' <"/proc/$pa/cmdline")" ' -name guest=vma,debug-threads=on -uuid 6f0e4c1a-' \
		"vma's QEMU command line" || return
	# debug-threads=on names the vCPU threads as libvirt's VMs have them.
	ASSERT_TRUE "vma's vCPU thread 'CPU 0/KVM'" grep -qx 'CPU 0/KVM' /proc/"$pa"/task/*/comm || return
	for p in "$pa" "$pb"; do
		ASSERT_TRUE "QEMU $p's vhost-net worker thread vhost-$p" grep -qx "vhost-$p" /proc/"$p"/task/*/comm || return
	done
	ta=$(vm_info vma nic0) tb=$(vm_info vmb nic0)
	ASSERT_TRUE "$ta on vqbr0" test -e "/sys/class/net/vqbr0/brif/$ta" || return
	ASSERT_TRUE "$tb on vqbr0" test -e "/sys/class/net/vqbr0/brif/$tb" || return
	touch "$(vm_info vma dir)/go" "$(vm_info vmb dir)/go"
	"$NESTED" wait vma >"$t/a" 2>&1 || rca=$?
	"$NESTED" wait vmb >"$t/b" 2>&1 || rcb=$?
	vm_times vma
	vm_times vmb
	ASSERT_EQ "$rca" 0 "vma's status: $(head -c 300 "$t/a")" || return
	ASSERT_EQ "$rcb" 0 "vmb's status: $(head -c 300 "$t/b")" || return
	ASSERT_EQ "$(cat "$t/a")" "5 packets received" "vma's pings answered by vmb" || return
	ASSERT_MATCH "$(cat "$t/b")" '^echo requests: ([6-9]|[1-9][0-9]+)$' "vmb saw vma's pings" || return
	ASSERT_TRUE "vma's QEMU ended" gone "$pa" || return
	ASSERT_TRUE "vma's tap removed" bash -c "! test -e /sys/class/net/$ta" || return
	vm_log_clean vma || return
	vm_log_clean vmb
}

# The old virtio_net (6.1, no DIM) behind vhost-net: UDP from the guest
# through the tap raises the VM's own input.0 interrupts.
test_tap_traffic_from_guest() {
	need_vms || return
	local tap pid dir rc=0 out tx=0 i
	trap vm_cleanup EXIT
	"$NESTED" start --name tap61 --kernel 6.1 --nic tap -- bash -c "$vm_funcs"'
		dev=$VQ_NETDEVS
		busybox ip addr add 10.73.0.2/24 dev $dev && busybox ip link set $dev up || exit 1
		before=$(nic_irq $dev input.0)
		# port 9 has no listener: each datagram counts as NoPorts
		end=$((SECONDS + 150))
		while [ "$(snmp Udp NoPorts)" -lt 200 ] && [ $SECONDS -lt $end ]; do busybox sleep 0.5; done
		echo "udp=$(snmp Udp NoPorts) irqs=$(($(nic_irq $dev input.0) - before)) dev=$dev"' >/dev/null || return
	tap=$(vm_info tap61 nic0) pid=$(vm_info tap61 pid) dir=$(vm_info tap61 dir)
	ASSERT_MATCH "$tap" '^vq[0-9]+t0$' "the VM's tap" || return
	ip addr add 10.73.0.1/24 dev "$tap" || return
	ASSERT_TRUE "QEMU $pid's vhost-net worker thread vhost-$pid" grep -qx "vhost-$pid" /proc/"$pid"/task/*/comm || return
	# Until the VM has counted enough and ended (it bounds its own wait).
	for ((i = 0; i < 600; i++)); do
		[ -e "$dir/status" ] && break
		read -r tx 2>/dev/null <"/sys/class/net/$tap/statistics/tx_packets" || true
		for _ in {1..100}; do echo x >/dev/udp/10.73.0.2/9; done 2>/dev/null
		sleep 0.2
	done
	out=$("$NESTED" wait tap61 2>&1) || rc=$?
	vm_times tap61
	ASSERT_EQ "$rc" 0 "the VM's status: ${out:0:300}" || return
	ASSERT_GE "$tx" 200 "packets the guest's $tap passed to vhost-net" || return
	ASSERT_MATCH "$out" '^udp=[0-9]+ irqs=[0-9]+ dev=eth0$' "the VM's report" || return
	ASSERT_GE "$(sed 's/.*udp=\([0-9]*\).*/\1/' <<<"$out")" 200 "UDP datagrams the VM received" || return
	ASSERT_GE "$(sed 's/.*irqs=\([0-9]*\).*/\1/' <<<"$out")" 1 "the VM's virtio input.0 interrupts" || return
	vm_log_clean tap61
}

# A kernel that panics: the VM ends at once (no boot timeout), the console
# shown says why.
test_panicking_vm_fails_fast() {
	need_vms || return
	local err rc=0
	err=$(mktemp)
	trap "rm -f '$err'; vm_cleanup" EXIT
	"$NESTED" run --name panic --kernel 6.12 --append rdinit=/no-such-init -- true 2>"$err" || rc=$?
	ASSERT_EQ "$rc" 125 "exit status of a VM whose kernel panics" || return
	ASSERT_MATCH "$(cat "$err")" 'reported no exit status' "why" || return
	ASSERT_MATCH "$(cat "$err")" 'VM panic console:.*Kernel panic' "the console, with the panic"
}

# Not a kernel at all: QEMU refuses it, and says so.
test_bogus_kernel_fails_fast() {
	need_vms || return
	local t rc=0
	t=$(mktemp -d)
	trap "rm -rf '$t'; vm_cleanup" EXIT
	head -c 65536 /dev/urandom >"$t/bogus"
	"$NESTED" run --name bogus --kernel "$t/bogus" -- true 2>"$t/err" || rc=$?
	ASSERT_EQ "$rc" 125 "exit status of a VM with a bogus kernel" || return
	ASSERT_MATCH "$(cat "$t/err")" 'reported no exit status \(QEMU exit [1-9][0-9]*: [^)]+\)' "QEMU's own error, shown" || return
	ASSERT_MATCH "$(cat "$t/err")" 'VM bogus console:' "the console, shown"
}

# A VM that does not start its command in time is killed, with its console.
test_boot_timeout() {
	need_vms || return
	local err rc=0 pid
	err=$(mktemp)
	trap "rm -f '$err'; vm_cleanup" EXIT
	"$NESTED" run --name slow --boot-timeout 2 -- true 2>"$err" || rc=$?
	ASSERT_EQ "$rc" 124 "exit status of a VM past its boot timeout" || return
	ASSERT_MATCH "$(cat "$err")" 'did not start its command within 2 s, QEMU killed -- VM slow console:' "why" || return
	pid=$(vm_info slow pid)
	ASSERT_TRUE "QEMU $pid is gone" gone "$pid"
}

# The vhost-vdpa NIC needs its device; without it nothing starts.
test_vhost_vdpa_needs_its_device() {
	need_vms || return
	local err rc=0
	err=$(mktemp)
	trap "rm -f '$err'; vm_cleanup" EXIT
	"$NESTED" run --name novdpa --nic vhost-vdpa,dev=/dev/vhost-vdpa-99 -- true 2>"$err" || rc=$?
	ASSERT_EQ "$rc" 125 "exit status without /dev/vhost-vdpa-99" || return
	ASSERT_MATCH "$(cat "$err")" 'no vhost-vdpa device /dev/vhost-vdpa-99' "the reason" || return
	ASSERT_EQ "$("$NESTED" list | grep -c novdpa)" 0 "no VM left behind"
}
