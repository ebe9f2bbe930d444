# SPDX-License-Identifier: GPL-2.0
# For VM tests in a guest that hosts KVM VMs (tests/run -k 6.12-vms): start
# VMs with tools/vm/nested and check their kernel logs. The guest's own log
# is checked after every subtest by the in-guest runner, as for any VM test.

NESTED=$VQ_ROOT/tools/vm/nested

need_vms() {
	[ -n "${VQ_VMS:-}" ] || skip "not in a guest that hosts VMs (tools/vm/run --vms)"
	ASSERT_TRUE "/dev/kvm in the guest (kvm_amd, nested SVM)" test -c /dev/kvm
}

# A kernel #DB with DR_STEP in a VM (exc_debug_kernel's WARN_ON_ONCE): KVM
# single-steps a VM for an NMI window on SVM (svm_enable_nmi_window sets TF
# and RF, and intercepts #DB), and QEMU TCG's nested SVM, which runs it here,
# let the trap reach the VM (2026-12-04: once in about 60 VM boots, in the
# VM's 6.12 kernel). Not vqmod's, which runs only in the host guest: said,
# not failed.
NESTED_DB_LEAK='WARNING: CPU: [0-9]+ PID: [0-9]+ at arch/x86/kernel/traps.c:[0-9]+ exc_debug_kernel'

# vm_log_clean NAME: the VM's kernel log (its dmesg, or its console when it
# wrote none) has no WARNING, BUG, Oops, sanitizer report or panic, but for
# NESTED_DB_LEAK, which it reports.
vm_log_clean() {
	local d f bad leak
	d=$("$NESTED" dir "$1") || return
	f=$d/dmesg
	[ -s "$f" ] || f=$d/console.log
	leak=$(grep -a -m1 -E "$NESTED_DB_LEAK" "$f")
	[ -z "$leak" ] || echo "  VM $1: ${leak:0:160}: the nested SVM's #DB leak (tests/vm/nested_lib.sh), not failed"
	bad=$(grep -a -E 'WARNING:|BUG:|Oops|KASAN|UBSAN:|general protection fault|blocked for more than|Kernel panic' "$f" |
		grep -a -v -m1 -E "$NESTED_DB_LEAK")
	ASSERT_EQ "${bad:0:200}" "" "VM $1's kernel log ($(basename "$f"))"
}

# vm_info NAME KEY: a value `tools/vm/nested start` printed (pid, dir, nic0,
# mac0...), read from the VM's dir in bash: the guest is busy with its VMs.
vm_info() {
	local d=/run/vqvm/$1 w
	local -a words
	case $2 in
	dir) echo "$d" ;;
	pid | index) read -r w <"$d/$2" && echo "$w" ;;
	*)
		while read -r -a words; do
			for w in "${words[@]}"; do
				[ "${w%%=*}" != "$2" ] || echo "${w#*=}"
			done
		done <"$d/nics"
		;;
	esac
}

# vm_times NAME: how long its boot took, for the log (ms from QEMU's start).
vm_times() {
	echo "  VM $1 (ms from QEMU's start): $(tr '\n' ' ' <"/run/vqvm/$1/times")"
}

# Every VM this guest still runs, and the bridge the tests use.
vm_cleanup() {
	"$NESTED" stop --all
	ip link del vqbr0 2>/dev/null
	return 0
}

# --- An agent in a VM: the guest hands it commands through the VM's dir ---
#
# vm_agent is the VM's command: `bash -c "$vm_agent" agent SETUP`. It disables
# IPv6 on and brings up each of its NICs (no chatter in the counts), runs
# SETUP (bash, $VQ_NETDEVS known), writes "ready", then runs each cmd.N the
# guest puts in its dir, answering in res.N (its output, then "rc=N"), until
# the guest puts "quit" there or VQ_AGENT_LIFE seconds (600) pass. In bash
# builtins and busybox, as an exec costs a VM 0.2-0.8 s. Its functions:
#   irqs             "DEV input.0=N output.0=M" per NIC, from /proc/interrupts
#   udp IP N [S]     N one-byte UDP datagrams to IP port 9, S seconds apart
# nic_irq DEV VQNAME, in a VM: its interrupts on that virtqueue of NIC DEV
# (input.0, output.0), summed over the CPUs. The agent has it; a VM's own
# command can take it with $(declare -f nic_irq).
nic_irq() {
	local v s=0 i
	local -a f
	v=$(busybox readlink -f "/sys/class/net/$1/device")
	v=${v##*/}-$2
	while read -r -a f; do
		[ "${f[-1]}" = "$v" ] || continue
		for ((i = 1; i < ${#f[@]}; i++)); do
			[[ ${f[i]} =~ ^[0-9]+$ ]] || break
			s=$((s + f[i]))
		done
	done </proc/interrupts
	echo "$s"
}
vm_agent="$(declare -f nic_irq)"'
irqs() {
	local d
	for d in $VQ_NETDEVS; do echo "$d input.0=$(nic_irq "$d" input.0) output.0=$(nic_irq "$d" output.0)"; done
}
udp() {
	local i
	for ((i = 0; i < $2; i++)); do
		echo x >"/dev/udp/$1/9"
		[ -z "${3:-}" ] || read -r -t "$3" -u $nap
	done 2>/dev/null
	return 0
}
d=$VQ_VM_DIR
for n in $VQ_NETDEVS; do
	echo 1 >"/proc/sys/net/ipv6/conf/$n/disable_ipv6"
	busybox ip link set "$n" up || { echo "agent: cannot bring $n up" >&2; exit 1; }
done
exec {nap}<> <(:)
eval "$1" || { echo "agent: its setup failed (NICs: $VQ_NETDEVS)" >&2; exit 1; }
echo ready >"$d/ready"
n=1 i=0
end=$((SECONDS + ${VQ_AGENT_LIFE:-600}))
# Each look into the dir is a 9p round trip served by the guest'"'"'s QEMU on
# its one vCPU: a look every 0.3 s, at quit every 3 s, or an idle VM slows
# the guest (and the VMs booting beside it) by half.
while [ $SECONDS -lt $end ]; do
	if [ -e "$d/cmd.$n" ]; then
		read -r c <"$d/cmd.$n"
		{ eval "$c"; echo "rc=$?"; } >"$d/res.$n.tmp" 2>&1
		busybox mv "$d/res.$n.tmp" "$d/res.$n"
		n=$((n + 1))
		continue
	fi
	i=$((i + 1))
	[ $((i % 10)) -ne 0 ] || [ ! -e "$d/quit" ] || break
	read -r -t 0.3 -u $nap || true
done
'

# vm_agent_ready NAME [SECONDS]: until its agent said ready (60 s).
vm_agent_ready() {
	local d=/run/vqvm/$1 end=$((SECONDS + ${2:-60}))
	until [ -e "$d/ready" ]; do
		if [ -e "$d/status" ] || [ $SECONDS -ge "$end" ]; then
			echo "  VM $1's agent not ready: $(cat "$d/status" 2>/dev/null || echo "none in ${2:-60} s")"
			sed 's/^/  out: /' "$d/out"
			sed 's/^/  err: /' "$d/err"
			sed 's/^/  | /' "$d/console.log" | tail -n 40
			return 1
		fi
		sleep 0.2
	done
}

# vm_do NAME [--timeout S] CMD: runs CMD by NAME's agent; prints its output,
# returns its status (124: no answer in S seconds, 60 by default).
vm_do() {
	local d=/run/vqvm/$1 t=60 n out rc
	shift
	[ "$1" != --timeout ] || { t=$2; shift 2; }
	n=$(($(cat "$d/agent.seq" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$d/agent.seq"
	echo "$*" >"$d/cmd.$n.tmp" && mv "$d/cmd.$n.tmp" "$d/cmd.$n"
	local end=$((SECONDS + t))
	until [ -e "$d/res.$n" ]; do
		[ $SECONDS -lt $end ] && [ ! -e "$d/status" ] || { echo "  VM $(basename "$d"): no answer to '$*' in $t s"; return 124; }
		sleep 0.1
	done
	out=$(cat "$d/res.$n")
	rc=${out##*rc=}
	out=${out%rc=*}
	printf '%s' "$out"
	return "$rc"
}

# vm_irq NAME DEV VQNAME: the VM's interrupts on DEV's VQNAME (input.0,
# output.0) now, from its own /proc/interrupts.
vm_irq() {
	local out
	out=$(vm_do "$1" irqs) || return
	sed -n "s/^$2 .*$3=\([0-9]*\).*/\1/p" <<<"$out" | grep . || { echo "  no $2 $3 in VM $1's irqs: $out" >&2; return 1; }
}

# vm_boot_s NAME: the VM's uptime when its command started, from its console.
vm_boot_s() {
	sed -n 's/.*vm-init: running the job, up \([0-9.]*\) s.*/\1/p' "/run/vqvm/$1/console.log" | head -n 1
}

# vm_quit NAME: tells its agent to end (the VM writes its dmesg and powers
# off); stops it after 60 s.
vm_quit() {
	local d=/run/vqvm/$1
	[ -e "$d/status" ] && return 0
	touch "$d/quit"
	"$NESTED" wait --timeout 60 "$1" >/dev/null 2>&1 || "$NESTED" stop "$1"
}

# Tolerance of a count vqmod must match: 2% or 5, whichever is more.
count_tol() { local t=$(($1 * 2 / 100)); echo $((t > 5 ? t : 5)); }
