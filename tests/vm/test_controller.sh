# SPDX-License-Identifier: GPL-2.0
# vqmod run end to end on vqsim in the 6.12 guest: bulk traffic loses 10x of
# its interrupts per packet within a second, ping-pong keeps its latency, and
# the device gets its own coalescing back after SIGTERM, and after SIGKILL
# with vqmod restore.
# vq-kernels: 6.12

source "$VQ_ROOT/tests/monitor_lib.sh"
source "$VQ_ROOT/tests/vqsim_lib.sh"

DEV=vqctl0
BULK="rate 30000 size 128" # frames one by one: uncoalesced, about one interrupt each

setup() {
	need_bpf
	vqsim_require || return
	vqsim_up "$DEV" 1 || return
	state=$(mktemp -u /tmp/vqmod-state.XXXXXX)
	log=$(mktemp)
	trap "kill -9 \${vqmod_pid:-} 2>/dev/null; vqsim_down $DEV; rm -f '$state' '$log' '$log.err'" EXIT
}

# notifications and packets of rx queue 0 over SECONDS: "N P"
window() {
	local n0 p0
	n0=$(vqsim_stat "$DEV" 0 notifications)
	p0=$(vqsim_stat "$DEV" 0 packets)
	sleep "$1"
	echo "$(($(vqsim_stat "$DEV" 0 notifications) - n0)) $(($(vqsim_stat "$DEV" 0 packets) - p0))"
}

coal() { echo "$(vqsim_stat "$DEV" 0 coal_usecs)/$(vqsim_stat "$DEV" 0 coal_packets)"; }

start_run() { # more vqmod run options
	# the device by its virtio name, which the dry run knows too
	start_vqmod "$log" run --device "$VQSIM_VIRTIO" --state "$state" "$@" || return
	for _ in $(seq 100); do
		grep -q "moderating .* input.0" "$log.err" && return 0
		sleep 0.1
	done
	echo "  vqmod run did not take $DEV: $(cat "$log.err")"
	return 1
}

# waits up to 5 s for rx queue 0 to leave the setting $1
wait_changed() {
	for _ in $(seq 50); do
		[ "$(coal)" != "$1" ] && return 0
		sleep 0.1
	done
	echo "  coalescing stayed $1"
	return 1
}

test_bulk_cuts_irqs_per_packet_10x_within_1s() {
	setup || return
	local before after n0 p0 n1 p1
	vqsim_traffic "$DEV" 0 start $BULK
	sleep 1
	before=$(window 1)
	start_run || return
	sleep 1
	after=$(window 1)
	read -r n0 p0 <<<"$before"
	read -r n1 p1 <<<"$after"
	echo "  uncoalesced: $n0 interrupts for $p0 packets; after 1 s of vqmod run: $n1 for $p1 ($(coal))"
	ASSERT_GE "$p1" 1000 "packets still flowing" || return
	# n0/p0 >= 10 * n1/p1
	ASSERT_GE "$((n0 * p1))" "$((10 * n1 * p0))" "interrupts per packet cut 10x (n0*p1 vs 10*n1*p0)"
}

test_sigterm_restores_original() {
	setup || return
	local rc
	"$VQMOD" sim coalesce "$DEV" 0 usecs 7 frames 3 >/dev/null
	vqsim_traffic "$DEV" 0 start $BULK
	start_run || return
	wait_changed 7/3 || return
	echo "  vqmod run set $(coal)"
	ASSERT_TRUE "restore record written" test -s "$state" || return
	kill -TERM "$vqmod_pid"
	rc=0
	wait "$vqmod_pid" || rc=$?
	ASSERT_EQ "$rc" 0 "exit status after SIGTERM" || return
	ASSERT_EQ "$(coal)" 7/3 "coalescing after SIGTERM" || return
	ASSERT_TRUE "restore record removed" test ! -e "$state"
}

test_sigkill_then_vqmod_restore() {
	setup || return
	"$VQMOD" sim coalesce "$DEV" 0 usecs 9 frames 4 >/dev/null
	vqsim_traffic "$DEV" 0 start $BULK
	start_run || return
	wait_changed 9/4 || return
	kill -KILL "$vqmod_pid"
	wait "$vqmod_pid" 2>/dev/null
	ASSERT_NE "$(coal)" 9/4 "a killed vqmod left its setting" || return
	ASSERT_MATCH "$(cat "$state")" "vqsim $DEV 0 rx 9 4" "the record holds the original" || return
	ASSERT_TRUE "vqmod restore" "$VQMOD" restore --state "$state" || return
	ASSERT_EQ "$(coal)" 9/4 "coalescing after vqmod restore" || return
	ASSERT_TRUE "restore record removed" test ! -e "$state"
}

# Ping-pong: the p99 delay, device timestamp to the receiver, with vqmod run
# against the same observer in --dry-run (coalescing off): within 10%.
# Runs alternate, and each side keeps its best of two against TCG noise.
test_pingpong_p99_within_10pct() {
	setup || return
	local mode i p99 best_off= best_on=
	vqsim_traffic "$DEV" 0 start pattern pingpong size 128
	for i in 1 2; do
		for mode in off on; do
			if [ $mode = off ]; then
				start_run --dry-run || return
			else
				start_run || return
			fi
			sleep 1
			p99=$("$VQMOD" sim rx "$VQSIM_IF" --duration 4 --json | jq -r '.delay_ns.p99')
			kill -TERM "$vqmod_pid"
			wait "$vqmod_pid"
			echo "  round $i, $mode: p99 $((p99 / 1000)) us"
			if [ $mode = off ]; then
				[ -z "$best_off" ] || [ "$p99" -lt "$best_off" ] && best_off=$p99
			else
				[ -z "$best_on" ] || [ "$p99" -lt "$best_on" ] && best_on=$p99
			fi
		done
	done
	ASSERT_LE "$best_on" "$((best_off * 110 / 100))" "p99 with vqmod run (ns) within 10% of coalescing off"
}
