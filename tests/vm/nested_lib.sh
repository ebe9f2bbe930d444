# SPDX-License-Identifier: GPL-2.0
# For VM tests in a guest that hosts KVM VMs (tests/run -k 6.12-vms): start
# VMs with tools/vm/nested and check their kernel logs. The guest's own log
# is checked after every subtest by the in-guest runner, as for any VM test.

NESTED=$VQ_ROOT/tools/vm/nested

need_vms() {
	[ -n "${VQ_VMS:-}" ] || skip "not in a guest that hosts VMs (tools/vm/run --vms)"
	ASSERT_TRUE "/dev/kvm in the guest (kvm_amd, nested SVM)" test -c /dev/kvm
}

# vm_log_clean NAME: the VM's kernel log (its dmesg, or its console when it
# wrote none) has no WARNING, BUG, Oops, sanitizer report or panic.
vm_log_clean() {
	local d f bad
	d=$("$NESTED" dir "$1") || return
	f=$d/dmesg
	[ -s "$f" ] || f=$d/console.log
	bad=$(grep -a -m1 -E 'WARNING:|BUG:|Oops|KASAN|UBSAN:|general protection fault|blocked for more than|Kernel panic' "$f")
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
