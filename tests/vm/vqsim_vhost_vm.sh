#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A VM whose virtio-net NIC is a vqsim device, through vhost-vdpa
# (QEMU -netdev vhost-vdpa), run inside the 6.12 guest:
#
#   tests/vm/vqsim_vhost_vm.sh boot|traffic|sigkill|all
#
# boot: the VM comes up on the vqsim NIC and quits.
# traffic: the VM's unmodified virtio_net receives vqsim's source frames and
#   its own tx frames (ping) looped back by vqsim; host coalescing (vqmod sim
#   coalesce) must cut the VM's input interrupts. Prints what the VM
#   negotiated and counted (its /proc/interrupts, rx/tx packets).
# sigkill: QEMU killed mid-traffic, then vdpa dev del within 10 s, and rmmod.
#
# Exits non-zero when a check fails, or when this kernel logged a WARN, BUG
# or oops meanwhile. The VM is KVM when the guest can be a KVM host (modprobe
# kvm_amd; outer guest on tcg,thread=multi, DESIGN.md §10), else nested TCG
# (slow). Not a test file of its own: the VM harness calls it once it can
# start VMs in the guest, e.g. tools/vm/run --kernel 6.12 --mem 2048 -- THIS all
#   VQ_VM_ACCEL=kvm|tcg      force one
#   VQ_VM_BOOT_TRIES=3       VM boots to try (a nested VM may hang in its boot)
#   VQ_VM_BOOT_TIMEOUT=240   seconds for one boot
#   VQ_VM_CMDLINE=quiet      kernel arguments of the VM besides its console
set -uo pipefail

VQ_ROOT=${VQ_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
export VQ_ROOT
source "$VQ_ROOT/tests/vqsim_lib.sh"

me=vqsim_vhost_vm
SIM="$VQ_ROOT/vqmod sim"
DEV=vqvm0
MAC=02:00:00:00:00:01
failures=0 qpid= work= con= trpid=

say() { echo "$me: $*"; }
check() { # description command...: counts a failure, goes on
	local what=$1
	shift
	if "$@"; then say "ok: $what"; else say "FAIL: $what"; failures=$((failures + 1)); fi
}

cleanup() {
	[ -n "$qpid" ] && kill -KILL "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	[ -n "$con" ] && exec {con}>&-
	[ -n "$trpid" ] && kill "$trpid" 2>/dev/null
	vdpa dev show "$DEV" >/dev/null 2>&1 && timeout 15 vdpa dev del "$DEV"
	[ -n "$work" ] && rm -rf "$work"
	true
}
trap cleanup EXIT

# The VM's initramfs: busybox, virtio_net and its deps, and an init that
# answers commands on its serial line (stats, ping N, quit).
build_initramfs() {
	local rel mods m f
	rel=$(uname -r)
	mkdir -p "$work/root"/{bin,dev,proc,sys,lib}
	cp "$(command -v busybox)" "$work/root/bin/busybox"
	mods=$(modprobe --show-depends virtio_net | awk '$1 == "insmod" {print $2}')
	for f in $mods; do
		m=$(basename "$f")
		case $f in
		*.xz) xz -dc "$f" >"$work/root/lib/${m%.xz}"; m=${m%.xz} ;;
		*.zst) zstd -qdc "$f" >"$work/root/lib/${m%.zst}"; m=${m%.zst} ;;
		*) cp "$f" "$work/root/lib/" ;;
		esac
		echo "$m" >>"$work/root/lib/order"
	done
	cat >"$work/root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do insmod "/lib/$m"; done </lib/order
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
ip link set lo up
# no IPv6 chatter: vqsim loops our tx back, which would blur the counts
echo 1 >/proc/sys/net/ipv6/conf/eth0/disable_ipv6
ip link set eth0 up
ip addr add 192.0.2.1/24 dev eth0
# ping's frames loop back to us through the device: a neighbour that never
# answers, resolved statically (busybox ip cannot add neighbours)
arp -i eth0 -s 192.0.2.2 02:00:00:00:00:99
stty -echo -icanon </dev/ttyS0 2>/dev/null
stats() {
	set -- "$1" $(cat /sys/class/net/eth0/statistics/rx_packets /sys/class/net/eth0/statistics/tx_packets)
	echo "vm: stats $1 up=$(cut -d' ' -f1 /proc/uptime) rx_packets=$2 tx_packets=$3" \
		$(awk '$NF ~ /^virtio[0-9]+-/ { s = 0; for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) s += $i; printf "%s=%d ", $NF, s }' /proc/interrupts)
}
echo "vm: up $(cut -d' ' -f1 /proc/uptime) s, $(uname -r)"
echo "vm: features $(cat /sys/class/net/eth0/device/features)"
echo "vm: interrupts $(grep virtio /proc/interrupts | tr -s ' ' | tr '\n' ';')"
while read -r cmd arg; do
	case $cmd in
	stats) stats "$arg" ;;
	ping) ping -q -c "$arg" -i 0.01 192.0.2.2 >/dev/null 2>&1; echo "vm: pinged $arg" ;;
	quit) break ;;
	esac
done </dev/ttyS0
echo "vm: bye"
poweroff -f
EOF
	chmod 755 "$work/root/init"
	(cd "$work/root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$work/initrd"
}

start_vm() {
	local node=$1 accel kernel
	kernel=$(sed -n 's/^vmlinux=//p' "$VQ_ROOT/.output/vm/kernel/6.12.env")
	[ -r "$kernel" ] || kernel=$(sed -n 's/^vmlinuz=//p' "$VQ_ROOT/.output/vm/kernel/6.12.env")
	accel=${VQ_VM_ACCEL:-}
	if [ -z "$accel" ]; then
		modprobe -q kvm_amd 2>/dev/null || modprobe -q kvm_intel 2>/dev/null
		accel=tcg
		[ -c /dev/kvm ] && accel=kvm
	fi
	mkfifo "$work/con.in" "$work/con.out" || return
	QEMU=(qemu-system-x86_64 -name vqvm -accel "$accel" -cpu "$([ "$accel" = kvm ] && echo host || echo max)"
		-M pc -m 256 -smp 1 -nodefaults -nographic -no-reboot
		-kernel "$kernel" -initrd "$work/initrd" -append "console=ttyS0 ${VQ_VM_CMDLINE:-quiet} panic=-1"
		-chardev "pipe,id=con,path=$work/con" -serial chardev:con
		-netdev "vhost-vdpa,vhostdev=$node,id=vdpa0"
		-device "virtio-net-pci,netdev=vdpa0,mac=$MAC,romfile=")
	say "QEMU: ${QEMU[*]}"
	# vhost-vdpa pins all of the VM's memory against RLIMIT_MEMLOCK.
	(ulimit -l unlimited && exec "${QEMU[@]}") </dev/null >"$work/qemu.log" 2>&1 &
	qpid=$!
	# Read-write opens of the FIFOs never block, even if QEMU dies first.
	# The serial line ends lines with CR LF.
	stdbuf -oL tr -d '\r' <>"$work/con.out" >"$work/console.log" &
	trpid=$!
	exec {con}<>"$work/con.in"
}

# vm_wait REGEX SECONDS: until the VM's console has a line matching REGEX.
vm_wait() {
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		grep -qE "$1" "$work/console.log" && return 0
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.2
	done
	grep -qE "$1" "$work/console.log" && return 0
	say "no /$1/ from the VM within $2 s; console:"
	sed 's/^/  | /' "$work/console.log"
	sed 's/^/  qemu| /' "$work/qemu.log"
	return 1
}

stat_n=0
# vm_stats: prints the VM's counters now ("vm: stats N ..." without the prefix).
vm_stats() {
	stat_n=$((stat_n + 1))
	echo "stats $stat_n" >&"$con"
	vm_wait "^vm: stats $stat_n " 60 >&2 || return
	grep -E "^vm: stats $stat_n " "$work/console.log" | tail -1 | cut -d' ' -f4-
}

field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
delivered() { $SIM stats "$DEV" "$1" --json | jq -r '.[0] | .notify_frames + .notify_timer + .notify_immediate'; }
qstat() { $SIM stats "$DEV" "$1" --json | jq -r ".[0].$2"; }

# A VM nested under TCG sometimes hangs in its own boot, at random points
# (DESIGN.md §10), before it reaches its NIC: such a try is killed (which
# also exercises the SIGKILL path) and the VM started again.
boot_vm() {
	local node try t0 tries=${VQ_VM_BOOT_TRIES:-3}
	work=$(mktemp -d /tmp/vqsim-vm.XXXXXX)
	build_initramfs || return
	node=$(vqsim_up_vhost "$DEV" mac "$MAC" max_vqp 1) || return
	say "$DEV bound to vhost_vdpa: $node"
	for ((try = 1; try <= tries; try++)); do
		t0=$SECONDS
		start_vm "$node" || return
		if vm_wait '^vm: features' "${VQ_VM_BOOT_TIMEOUT:-240}" >"$work/boot.err"; then
			say "VM up in $((SECONDS - t0)) s (try $try of $tries): $(grep -m1 -o 'vm: up.*' "$work/console.log")"
			boot_tries=$try
			return 0
		fi
		say "VM boot try $try of $tries failed after $((SECONDS - t0)) s; its console's last line:" \
			"$(grep -v '^$' "$work/console.log" | tail -1 | cut -c1-160)"
		kill -KILL "$qpid"
		wait "$qpid" 2>/dev/null
		exec {con}>&-
		kill "$trpid" 2>/dev/null
		qpid= con= trpid=
		rm -f "$work/con.in" "$work/con.out"
	done
	cat "$work/boot.err"
	return 1
}

# phase NAME SECONDS RATE USECS FRAMES: source traffic at RATE pps for
# SECONDS under that coalescing, set from the host; prints both sides' figures.
# Both sides are read with the source stopped and the VM drained.
phase() {
	local name=$1 secs=$2 rate=$3 usecs=$4 frames=$5 a b p0 p1 n0 n1 s0 s1 d0 d1 irq rx
	$SIM coalesce "$DEV" 0 usecs "$usecs" frames "$frames" >/dev/null || return
	a=$(vm_stats) || return
	p0=$(qstat 0 packets) n0=$(delivered 0) s0=$(qstat 0 notify_suppressed) d0=$(qstat 0 drops)
	vqsim_traffic "$DEV" 0 start rate "$rate" size 256 || return
	sleep "$secs"
	vqsim_traffic "$DEV" 0 stop
	sleep 1
	p1=$(qstat 0 packets) n1=$(delivered 0) s1=$(qstat 0 notify_suppressed) d1=$(qstat 0 drops)
	b=$(vm_stats) || return
	irq=$(($(field "$b" virtio0-input.0) - $(field "$a" virtio0-input.0)))
	rx=$(($(field "$b" rx_packets) - $(field "$a" rx_packets)))
	eval "${name}_irq=$irq ${name}_rx=$rx ${name}_dev=$((p1 - p0))"
	say "phase $name (coalescing $usecs us/$frames frames, $rate pps for $secs s): device put $((p1 - p0))" \
		"frames in the VM's ring, dropped $((d1 - d0)) (ring full), notified $((n1 - n0))" \
		"(suppressed $((s1 - s0)): NAPI had them off); VM: rx_packets +$rx," \
		"virtio0-input.0 +$irq ($(awk -v i=$irq -v t="$secs" 'BEGIN { printf "%.0f", i / t }')/s of traffic," \
		"$(awk -v i=$irq -v r="$rx" 'BEGIN { printf "%.3f", r ? i / r : 0 }') per frame)"
}

run_traffic() {
	local f feat before after t_rx t_tx
	boot_vm || return
	say "VM $(grep -m1 '^vm: interrupts' "$work/console.log")"
	feat=$(grep -m1 '^vm: features' "$work/console.log" | cut -d' ' -f3)
	say "VM features (bit string, bit 0 first): $feat"
	f=""
	for b in 0:CSUM 3:MTU 5:MAC 15:MRG_RXBUF 16:STATUS 17:CTRL_VQ 22:MQ 23:CTRL_MAC_ADDR 27:ANY_LAYOUT 28:INDIRECT_DESC 29:EVENT_IDX 32:VERSION_1 33:ACCESS_PLATFORM 52:VQ_NOTF_COAL 53:NOTF_COAL; do
		[ "${feat:${b%%:*}:1}" = 1 ] && f="$f ${b#*:}"
	done
	say "VM negotiated:$f"
	say "host: $(vdpa dev config show "$DEV" | tr -s ' \n' ' ')"
	check "the VM has no NOTF_COAL (QEMU 7.2 does not offer it)" test "${feat:53:1}" = 0
	check "the VM negotiated VERSION_1" test "${feat:32:1}" = 1

	phase off 5 2000 0 0
	phase coalesced 5 2000 20000 32
	phase off2 5 2000 0 0
	$SIM coalesce "$DEV" 0 usecs 0 frames 0 >/dev/null
	check "the VM's virtio_net took every frame the device put in its ring, coalescing off ($off_rx of $off_dev)" \
		test "$off_rx" -eq "$off_dev"
	check "and coalesced ($coalesced_rx of $coalesced_dev)" test "$coalesced_rx" -eq "$coalesced_dev"
	check "and off again ($off2_rx of $off2_dev)" test "$off2_rx" -eq "$off2_dev"
	check "host coalescing cut the VM's input interrupts per frame 4x or more" \
		test $((coalesced_irq * off_rx * 4)) -le $((off_irq * coalesced_rx))
	check "and they come back when it is switched off" \
		test $((coalesced_irq * off2_rx * 4)) -le $((off2_irq * coalesced_rx))

	# The VM's tx, looped back to its rx by vqsim.
	t_tx=$(qstat 1 packets) t_rx=$(qstat 0 packets)
	before=$(vm_stats) || return
	echo "ping 500" >&"$con"
	vm_wait '^vm: pinged 500' 120 || return
	after=$(vm_stats) || return
	say "VM tx: tx_packets +$(($(field "$after" tx_packets) - $(field "$before" tx_packets))), rx_packets" \
		"+$(($(field "$after" rx_packets) - $(field "$before" rx_packets))), virtio0-output.0" \
		"+$(($(field "$after" virtio0-output.0) - $(field "$before" virtio0-output.0))); device tx" \
		"+$(($(qstat 1 packets) - t_tx)), rx +$(($(qstat 0 packets) - t_rx))"
	check "the VM's 500 pings left through the device" test $(($(qstat 1 packets) - t_tx)) -ge 500
	check "and came back to its rx" \
		test $(($(field "$after" rx_packets) - $(field "$before" rx_packets))) -ge 500
	say "vstats of rx 0 while the VM runs: $(vdpa dev vstats show "$DEV" qidx 0 | tr -s ' \n' ' ')"
	check "no refused access while the VM ran" \
		test "$(vqsim_iotlb_stat "$DEV" 0 iotlb_miss)$(vqsim_iotlb_stat "$DEV" 1 iotlb_miss)$(vqsim_iotlb_stat "$DEV" 0 iotlb_perm)" = 000
	say "IOTLB: $(grep -c '^  iova' /sys/kernel/debug/vqsim/$DEV/iotlb) map entries (first: $(grep -m1 '^  iova' /sys/kernel/debug/vqsim/$DEV/iotlb))"

	echo quit >&"$con"
	vm_wait '^vm: bye' 60
	wait_until 10 gone "$qpid"
	wait "$qpid"
	check "QEMU exited by itself (rc $?)" test $? -eq 0
	qpid=
	exec {con}>&-
	con=
	check "vdpa dev del after the VM" timeout 10 vdpa dev del "$DEV"
}

run_sigkill() {
	local t0 ms
	boot_vm || return
	$SIM coalesce "$DEV" 0 usecs 200 frames 16 >/dev/null
	vqsim_traffic "$DEV" 0 start rate 5000 size 512 burst 8 || return
	echo "ping 100000" >&"$con"
	sleep 3
	say "before SIGKILL: device rx $(qstat 0 packets), tx $(qstat 1 packets) frames"
	kill -KILL "$qpid"
	t0=$(date +%s%N)
	wait "$qpid" 2>/dev/null
	qpid=
	exec {con}>&-
	con=
	check "vdpa dev del after SIGKILL" timeout 10 vdpa dev del "$DEV"
	ms=$((($(date +%s%N) - t0) / 1000000))
	say "QEMU SIGKILL to vdpa dev del done: $ms ms"
	check "within 10 s" test "$ms" -le 10000
	# rmmod with a device bound to vhost_vdpa (not open).
	vqsim_up_vhost "$DEV" >/dev/null || return
	check "rmmod vqsim with $DEV bound to vhost_vdpa" timeout 10 rmmod vqsim
	vqsim_load
}

[ "$(id -u)" = 0 ] || { say "needs root"; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { say "no qemu-system-x86_64"; exit 2; }
vqsim_load && modprobe vhost_vdpa || { say "cannot load vqsim and vhost_vdpa"; exit 2; }
echo "$me: start $$" >/dev/kmsg
case ${1:-all} in
boot)
	boot_vm || failures=$((failures + 1))
	[ -n "$qpid" ] && echo quit >&"$con" && vm_wait '^vm: bye' 60
	;;
traffic) run_traffic || failures=$((failures + 1)) ;;
sigkill) run_sigkill || failures=$((failures + 1)) ;;
all)
	run_traffic || failures=$((failures + 1))
	cleanup
	qpid= work= con= trpid=
	run_sigkill || failures=$((failures + 1))
	;;
*) say "usage: $0 boot|traffic|sigkill|all"; exit 2 ;;
esac
# This kernel's log, from the script's start: no WARN, BUG, oops or hang.
bad=$(dmesg | sed -n "/$me: start $$\$/,\$p" | grep -E 'WARNING:|BUG:|Oops|KASAN|UBSAN:|general protection fault|blocked for more than')
check "kernel log clean${bad:+: $bad}" test -z "$bad"
say "$failures failure(s)"
[ "$failures" -eq 0 ]
