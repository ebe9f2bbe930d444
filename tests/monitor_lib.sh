# SPDX-License-Identifier: GPL-2.0
# Helpers for the tests that run vqmod against a live kernel, on the host and
# in the guests. Source after tests/lib.sh.

VQMOD=$VQ_ROOT/vqmod

need_bpf() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for BPF"
	[ -r /sys/kernel/btf/vmlinux ] || skip "the kernel has no BTF"
	[ -x "$VQMOD" ] || skip "vqmod is not built (make)"
}

# check_bad_arguments: each line of stdin is a vqmod command line that must
# exit 2 with its reason and a hint to --help.
check_bad_arguments() {
	local args out rc
	while IFS= read -r args; do
		rc=0
		out=$(eval "\"$VQMOD\" $args" 2>&1 >/dev/null) || rc=$?
		ASSERT_EQ "$rc" 2 "exit status of 'vqmod $args'" || return
		ASSERT_MATCH "$out" "Try 'vqmod( [a-z]+)? --help'" "usage hint for 'vqmod $args'" || return
		echo "  vqmod $args: $(head -1 <<<"$out")"
	done
}

# Sum over CPUs of the /proc/interrupts line whose name is exactly $1 (-1: none).
proc_irqs() {
	awk -v name="$1" '$NF == name { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s; f = 1 }
		END { if (!f) print -1 }' /proc/interrupts
}

# The virtio device (virtioN) behind a block device name such as vda or vda1.
virtio_of_block() {
	local dev=$1
	# a partition's parent is the disk
	[ -e "/sys/class/block/$dev/partition" ] && dev=$(basename "$(dirname "$(readlink -f "/sys/class/block/$dev")")")
	basename "$(readlink -f "/sys/class/block/$dev/device")" | grep -x 'virtio[0-9]*'
}

# progs_left ID...: those BPF programs still loaded; progs_gone: none is
progs_left() {
	local id
	for id; do bpftool prog show id "$id" >/dev/null 2>&1 && echo -n "$id "; done
	true
}
progs_gone() { [ -z "$(progs_left "$@")" ]; }

_vqmod_started_or_gone() { grep -q "monitoring" "$1" 2>/dev/null || gone "$vqmod_pid"; }

# Starts vqmod in the background with output in $log and $log.err; waits until
# it has attached (its "monitoring" line), 120 s at most. Sets vqmod_pid.
start_vqmod() { # log args...
	local log=$1
	shift
	: >"$log.err" # before the background child opens it, so no old line matches
	"$VQMOD" "$@" 2>"$log.err" >"$log" &
	vqmod_pid=$!
	wait_until 120 _vqmod_started_or_gone "$log.err"
	grep -q "monitoring" "$log.err" 2>/dev/null && return 0
	echo "  vqmod did not start: $(cat "$log.err")"
	return 1
}

# check_irqs_match VDEV SECONDS CMD...: over one vqmod interval of SECONDS,
# during which CMD runs, vqmod's count for each busy virtqueue of VDEV equals
# that vector's change in /proc/interrupts (within 1%, or 2 under 200).
# $vqmod_extra holds more vqmod options, e.g. to force a hook fallback;
# $vqmod_source replaces the default "--hooks notify", e.g. with
# "--from-pinned DIR" to read a monitor that something else loaded.
check_irqs_match() {
	local vdev=$1 secs=$2 log q n_proc n_vq checked=0 waited=
	shift 2
	log=$(mktemp)
	declare -A before
	start_vqmod "$log" top --json ${vqmod_source:---hooks notify} ${vqmod_extra:-} -i "$secs" -n 1 || return
	sleep 0.3
	for q in $(awk -v d="$vdev-" 'index($NF, d) == 1 && $NF !~ /-config$/ {print $NF}' /proc/interrupts); do
		before[$q]=$(proc_irqs "$q")
	done
	ASSERT_GE "${#before[@]}" 1 "per-virtqueue vectors of $vdev in /proc/interrupts" || return
	"$@"
	for q in "${!before[@]}"; do
		n_proc=$(($(proc_irqs "$q") - before[$q]))
		[ -n "$waited" ] || { wait "$vqmod_pid"; waited=1; }
		n_vq=$(jq -r --arg dev "$vdev" --arg q "${q#"$vdev"-}" \
			'[.queues[] | select(.dev == $dev and .queue == $q) | .irqs] | add // 0' "$log")
		echo "  $q: /proc/interrupts +$n_proc, vqmod $n_vq"
		[ "$n_proc" -ge 50 ] || continue # not busy
		ASSERT_NEAR "$n_vq" "$n_proc" 1 2 "$q interrupts counted by vqmod" || return
		checked=$((checked + 1))
	done
	rm -f "$log" "$log.err"
	ASSERT_GE "$checked" 1 "busy virtqueues compared"
}

# The very files built on the host are what vqmod loads on this kernel: their
# bytes are embedded in vqmod (the skeletons). Records the hooks it got in
# .output/test/core-hooks.tsv, one line per kernel.
check_object_attaches() {
	need_bpf
	local obj sum sums= log hooks
	log=$(mktemp)
	for obj in vqmon.bpf.o vqmon_fentry.bpf.o; do
		sum=$(sha256sum "$VQ_ROOT/.output/$obj" | cut -c1-16)
		ASSERT_TRUE "$obj embedded in vqmod" python3 -c 'import sys
sys.exit(open(sys.argv[2], "rb").read().find(open(sys.argv[1], "rb").read()) < 0)' \
			"$VQ_ROOT/.output/$obj" "$VQMOD" || return
		echo "  $obj sha256 $sum"
		sums+="$obj:$sum "
	done
	trap 'kill ${vqmod_pid:-} 2>/dev/null' EXIT
	start_vqmod "$log" top -b -i 1 -n 1 || return
	wait "$vqmod_pid"
	hooks=$(sed -n 's/^vqmod: monitoring; hooks: //p' "$log.err")
	echo "  $(uname -r): $hooks"
	echo "$(uname -r)	$sums	$hooks" >>"$VQ_ROOT/.output/test/core-hooks.tsv"
	ASSERT_MATCH "$hooks" 'notify=(fentry|kprobe|tp_btf|raw_tp)' "a notification hook attached" || return
	ASSERT_MATCH "$hooks" 'napi=(tp_btf|raw_tp)' "the napi hook attached"
	rm -f "$log" "$log.err"
}
