# SPDX-License-Identifier: GPL-2.0
# Two coalescing bugs found by review, each shown by a test that failed
# before its fix:
# - the coalescing timer must never notify before max_usecs, even when its
#   callback was already running while the worker notified and re-armed it
#   (debugfs timer_delay_us widens that window);
# - a COAL_SET_BATCH without BATCH_PARTIAL is all or nothing, also when a
#   set fails after the entries were checked (debugfs fail_next_set).
# vq-kernels: 6.12

source "$VQ_ROOT/tests/vqsim_lib.sh"

SIM="$VQ_ROOT/vqmod sim"
TR=/sys/kernel/tracing
DEV=vqsim0

coal_cleanup() {
	local d
	echo 0 >"$TR/events/vqsim/vqsim_notify/enable" 2>/dev/null
	echo 0 >"$TR/events/vqsim/vqsim_notify/filter" 2>/dev/null
	for d in $(vdpa dev show 2>/dev/null | awk -F: '/mgmtdev vqsim/ {print $1}'); do
		vdpa dev del "$d"
	done
	true
}

# The race: the timer expires and its callback is late to vs->lock. Meanwhile
# the worker, on the other CPU, notifies the pending buffers (their deadline
# passed), hrtimer_try_to_cancel() finds the callback running, and the next
# buffer arms the timer again. The callback then gets the lock and finds
# buffers pending since a moment ago: notifying them is early. Holding the
# callback 10 ms with max_usecs 20 ms makes every such notification early
# (younger than the hold), whatever TCG does to the worker's timing. The
# trace has each notification's cause and its delay from the first pending
# buffer.
test_timer_never_early() {
	local dbg pid usecs=20000 hold=10000 i out n early min
	vqsim_require || return
	trap coal_cleanup EXIT
	[ "$(nproc)" -ge 2 ] || skip "the race needs two CPUs, the guest has $(nproc)"
	[ -d $TR/events/vqsim ] || skip "no tracefs events for vqsim"
	vqsim_up $DEV max_vqp 1 >/dev/null || return
	dbg=/sys/kernel/debug/vqsim/$DEV
	[ -w "$dbg/timer_delay_us" ] || skip "no debugfs knob timer_delay_us"
	pid=$(pgrep -x "vqsim/$DEV")
	ASSERT_NE "$pid" "" "the worker vqsim/$DEV" || return
	# At 1000 frames/s, about 20 buffers are pending when the timer fires
	# and 10 more come in while it is held: the frames limit is not reached.
	$SIM coalesce $DEV 0 usecs $usecs frames 64 >/dev/null || return
	echo >$TR/trace
	echo 'queue == 0' >$TR/events/vqsim/vqsim_notify/filter
	echo 1 >$TR/events/vqsim/vqsim_notify/enable
	echo $hold >"$dbg/timer_delay_us"
	vqsim_traffic $DEV 0 start rate 1000 size 128 || return
	# The timer runs where it was armed, the worker where it is allowed to:
	# moving the worker leaves its timer on the other CPU.
	for i in $(seq 1 24); do
		taskset -pc $((i % 2)) "$pid" >/dev/null || return
		sleep 0.2
	done
	vqsim_traffic $DEV 0 stop || return
	echo 0 >"$dbg/timer_delay_us"
	sleep 0.2
	echo 0 >$TR/events/vqsim/vqsim_notify/enable
	out=$(grep -o 'cause=timer delay_ns=[0-9]*' $TR/trace | sed 's/.*=//' |
		awk -v lim=$((usecs * 1000)) 'NR == 1 || $1 < min {min = $1}
			$1 < lim {early++} END {print NR + 0, early + 0, min + 0}')
	read -r n early min <<<"$out"
	echo "  $n timer notifications with the callback $hold us late to the lock;" \
		"$early before max_usecs ($usecs us); shortest delay $min ns"
	awk -v lim=$((usecs * 1000)) 'match($0, /cause=timer delay_ns=[0-9]+/) {
		d = substr($0, RSTART + 21, RLENGTH - 21) + 0
		if (d < lim && shown++ < 3) { sub(/^ +/, ""); print "    early: " $0 } }' $TR/trace
	ASSERT_GE "$n" 20 "timer notifications" || return
	ASSERT_EQ "$early" 0 "timer notifications before max_usecs"
}

# cset DEV Q USECS FRAMES, and the line vqmod sim prints for it
cset() { $SIM coalesce "$1" "$2" usecs "$3" frames "$4" >/dev/null; }
cline() { echo "$1 queue $2 usecs $3 frames $4 set-by netlink"; }

test_batch_all_or_nothing() {
	local f out rc
	vqsim_require || return
	f=$(mktemp /tmp/vqsim-batch.XXXXXX)
	trap "coal_cleanup; rm -f $f" EXIT
	vqsim_up vqsim0 max_vqp 2 >/dev/null || return
	vqsim_up vqsim1 max_vqp 1 >/dev/null || return
	[ -w /sys/kernel/debug/vqsim/vqsim1/fail_next_set ] || skip "no debugfs knob fail_next_set"
	cset vqsim0 0 5 5 && cset vqsim0 2 6 6 && cset vqsim1 0 7 7 || return

	# Every entry is valid; the set of the last one fails (-EIO).
	printf 'vqsim0 0 11 11\nvqsim0 2 22 22\nvqsim1 0 33 33\n' >"$f"
	echo 1 >/sys/kernel/debug/vqsim/vqsim1/fail_next_set
	out=$($SIM batch "$f" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/  /'
	ASSERT_NE "$rc" 0 "the batch fails" || return
	ASSERT_MATCH "$out" "batch entry 2 \\(vqsim1 queue 0\\): Input/output error" "entry 2 refused by fail_next_set" || return
	ASSERT_EQ "$($SIM coalesce vqsim0 0)" "$(cline vqsim0 0 5 5)" "vqsim0 queue 0 unchanged" || return
	ASSERT_EQ "$($SIM coalesce vqsim0 2)" "$(cline vqsim0 2 6 6)" "vqsim0 queue 2 unchanged" || return
	ASSERT_EQ "$($SIM coalesce vqsim1 0)" "$(cline vqsim1 0 7 7)" "vqsim1 queue 0 unchanged" || return
	ASSERT_MATCH "$out" "3 entries, 0 applied, 1 refused" "nothing applied" || return

	# The first set fails, on the device of the others.
	printf 'vqsim0 0 11 11\nvqsim0 2 22 22\n' >"$f"
	echo 1 >/sys/kernel/debug/vqsim/vqsim0/fail_next_set
	out=$($SIM batch "$f" 2>&1)
	ASSERT_MATCH "$out" "batch entry 0 \\(vqsim0 queue 0\\): Input/output error" "entry 0 refused" || return
	ASSERT_EQ "$($SIM coalesce vqsim0 2)" "$(cline vqsim0 2 6 6)" "vqsim0 queue 2 unchanged" || return
	ASSERT_EQ "$(cat /sys/kernel/debug/vqsim/vqsim0/fail_next_set)" 0 "the knob refused one set" || return

	# BATCH_PARTIAL keeps its per-entry meaning: the others apply.
	printf 'vqsim0 0 11 11\nvqsim0 2 22 22\nvqsim1 0 33 33\n' >"$f"
	echo 1 >/sys/kernel/debug/vqsim/vqsim1/fail_next_set
	out=$($SIM batch --partial "$f" 2>&1)
	ASSERT_MATCH "$out" "3 entries, 2 applied, 1 refused" "partial: the others apply" || return
	ASSERT_EQ "$($SIM coalesce vqsim0 2)" "$(cline vqsim0 2 22 22)" "partial: vqsim0 queue 2 set" || return
	ASSERT_EQ "$($SIM coalesce vqsim1 0)" "$(cline vqsim1 0 7 7)" "partial: vqsim1 queue 0 refused"
}
