# SPDX-License-Identifier: GPL-2.0
# vqmod run end to end on vqsim in the 6.12 guest: bulk traffic loses 10x of
# its interrupts per packet once vqmod has set it, ping-pong keeps its latency, and
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
	vqsim_up "$DEV" || return
	state=$(mktemp -u /tmp/vqmod-state.XXXXXX)
	log=$(mktemp)
	trap "reap \${vqmod_pid:-}; vqsim_down $DEV; rm -f '$state' '$log' '$log.err'" EXIT
}

# notifications and packets of rx queue 0 over SECONDS: "N P"
window() {
	local n0 p0
	n0=$(vqsim_stat "$DEV" 0 notifications)
	p0=$(vqsim_stat "$DEV" 0 packets)
	sleep "$1"
	echo "$(($(vqsim_stat "$DEV" 0 notifications) - n0)) $(($(vqsim_stat "$DEV" 0 packets) - p0))"
}

start_run() { # more vqmod run options
	# the device by its virtio name, which the dry run knows too
	start_vqmod "$log" run --device "$VQSIM_VIRTIO" --state "$state" "$@" || return
	wait_until 60 grep -q "moderating .* input.0" "$log.err" && return 0
	echo "  vqmod run did not take $DEV: $(cat "$log.err")"
	return 1
}

# waits up to 30 s for rx queue 0 to leave the setting $1
wait_changed() {
	wait_until 30 coal_is_not "$1" && return 0
	echo "  coalescing stayed $1"
	return 1
}

# Functional, not a timing claim: the window is taken once vqmod has set
# the queue and had a second more (a loaded TCG guest runs at its own pace),
# and is a settled one: the same coalescing at both ends and no move of rx 0
# inside, a back-off for loss among them (a CI run's window held 1.3 s of the
# loss guard's 0/0 after TCG's NAPI fell behind: 9.6x), at the default rx
# table's top, 256/256, where DIM takes bulk (under the loss guard's ceiling
# a CI run's 64/256 cut 8.2x).
# The cut grows with the rate: at the top the interrupt rate does not (make
# bench's top_rates, 2026-12-04: 6.55x at 10k, 13.7x at 15k, 29.6x at 30k),
# hence 30k. Windows until a settled one, for up to 90 s: the guard holds
# 30 s, and a CI run backed off three windows running.
test_bulk_cuts_irqs_per_packet_10x() {
	setup || return
	local before after n0 p0 n1 p1 c0 l0 try end
	vqsim_traffic "$DEV" 0 start $BULK
	sleep 1
	before=$(window 1)
	start_run || return
	wait_changed 0/0 || return
	sleep 1
	end=$((SECONDS + 90))
	for ((try = 1; ; try++)); do
		c0=$(coal) l0=$(wc -l <"$log")
		after=$(window 2)
		[ "$c0" = 256/256 ] && rx0_held "$c0" "$l0" "$log" && break
		echo "  window $try not settled at 256/256 (from $c0 to $(coal), or backed off for loss)"
		[ $SECONDS -lt $end ] || break
	done
	read -r n0 p0 <<<"$before"
	read -r n1 p1 <<<"$after"
	echo "  uncoalesced: $n0 interrupts for $p0 packets; under vqmod run: $n1 for $p1 in 2 s ($(coal))"
	ASSERT_GE "$p1" 1000 "packets still flowing" || return
	[ "$((n0 * p1))" -ge "$((10 * n1 * p0))" ] || sed -n '1,10p' "$log" | cut -c1-200 | sed 's/^/  log: /'
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
	# vqmod top, another process, shows what the controller holds
	ASSERT_MATCH "$("$VQMOD" top --json --hooks notify -i 1 -n 1 --moderation "$state.moderation" 2>/dev/null |
		jq -c --arg d "$VQSIM_VIRTIO" '[.controller, (.queues[] | select(.dev == $d and .index == 0) | .coalesce)]')" \
		'^\["vqsim",\{"usecs":[0-9]+,"frames":[0-9]+,"decisions":[0-9]+,"state":"[a-z-]+"\}\]$' "vqmod top shows the coalescing in force" || return
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

# The ethtool actuator: the same loop through the guest driver's per-queue
# coalescing (ETHTOOL_PERQUEUE), which virtio_net sends on the control queue;
# vqsim says who set it. SIGTERM puts the original back the same way.
test_ethtool_actuator() {
	setup || return
	local rc
	ethtool -C "$VQSIM_IF" rx-usecs 5 rx-frames 2 || return
	ASSERT_EQ "$(coal) $(vqsim_stat "$DEV" 0 coal_source)" "5/2 cvq" "the original, set through ethtool" || return
	vqsim_traffic "$DEV" 0 start $BULK
	start_run --actuator ethtool || return
	wait_changed 5/2 || return
	echo "  vqmod run set $(coal) through ethtool"
	ASSERT_EQ "$(vqsim_stat "$DEV" 0 coal_source)" cvq "set by the guest driver's control queue" || return
	kill -TERM "$vqmod_pid"
	rc=0
	wait "$vqmod_pid" || rc=$?
	ASSERT_EQ "$rc" 0 "exit status after SIGTERM" || return
	ASSERT_EQ "$(coal)" 5/2 "coalescing after SIGTERM" || return
	ASSERT_MATCH "$(ethtool -c "$VQSIM_IF")" "rx-usecs:[[:space:]]+5" "ethtool -c reads it back" || return
	# with the guest's own DIM on, vqmod leaves the queue to it, and says why
	ethtool -C "$VQSIM_IF" adaptive-rx on || return
	start_vqmod "$log" run --device "$VQSIM_VIRTIO" --state "$state" --actuator ethtool --duration 3 || return
	wait "$vqmod_pid"
	ASSERT_MATCH "$(cat "$log.err")" "input.0: .*adaptive moderation is on .*; not moderated" "refused beside adaptive-rx"
}

# Ping-pong: the delay the device adds before notifying (vqsim's histogram,
# first pending buffer to notification) keeps its p99 within 10% of
# coalescing off, measured after DIM's probes out of request/response have
# backed off. End-to-end delay (device timestamp to the receiver) is shown
# too; under TCG its p99 moves several-fold between identical runs, so it is
# reported, not judged.
test_pingpong_p99_within_10pct() {
	setup || return
	local h0 h1 e2e_off e2e_on p99_off p99_on end c0 l0 try
	vqsim_traffic "$DEV" 0 start pattern pingpong size 128
	sleep 1
	h0=$(hist)
	e2e_off=$("$VQMOD" sim rx "$VQSIM_IF" --duration 4 --json | jq -r '.delay_ns.p99')
	h1=$(hist)
	p99_off=$(hist_p99 "$h0" "$h1")
	start_run || return
	# DIM probes out of request/response after 16, then 64, then 256 windows
	# of 64 round trips: measure between the second probe and the third. The
	# wait is a bound, not a claim: where the first window's jump went to 0/0
	# (162 round trips/s) no probe comes, and then it measures there. The
	# bound is in seconds: counted in polls, a TCG guest busy with ping-pong
	# stretched 600 polls of 0.1 s to 300 s.
	"$VQMOD" sim rx "$VQSIM_IF" --duration 70 >/dev/null &
	end=$((SECONDS + 90))
	while [ $SECONDS -lt $end ]; do
		[ "$(grep -c 'input.0 .* request-response' "$log")" -ge 2 ] && break
		sleep 0.1
	done
	kill $! 2>/dev/null
	wait $! 2>/dev/null
	echo "  $(grep -c 'input.0 .*-> .*request-response' "$log") probes out of request/response came back"
	if [ "$(grep -c 'input.0 .* request-response' "$log")" -lt 2 ]; then
		# seen twice in CI (1 probe in 30 s, 0 in 120 s), never alone: measure
		# anyway, and show what vqmod decided and what the device did
		echo "  the second probe did not come back in the bound; measuring where vqmod is"
		tail -n 8 "$log" | cut -c1-240 | sed 's/^/    /'
		"$VQMOD" sim stats "$DEV" 0 --json | jq -c '.[0] | {packets, notifications, notify_suppressed, drops, coal_usecs, coal_packets, src_frames, src_replies}'
	fi
	# a window vqmod did not move rx 0 in: a probe inside it is not what
	# request/response runs at (the bucket's bound is all the 10% has)
	end=$((SECONDS + 60))
	for ((try = 1; ; try++)); do
		c0=$(coal) l0=$(wc -l <"$log")
		h0=$(hist)
		e2e_on=$("$VQMOD" sim rx "$VQSIM_IF" --duration 4 --json | jq -r '.delay_ns.p99')
		h1=$(hist)
		rx0_held "$c0" "$l0" "$log" && break
		echo "  window $try: vqmod moved the queue inside it (from $c0 to $(coal))"
		[ $SECONDS -lt $end ] || break
	done
	p99_on=$(hist_p99 "$h0" "$h1")
	echo "  device delay p99: off < $p99_off ns, vqmod run < $p99_on ns ($(coal)); timer notifications $(vqsim_stat "$DEV" 0 notify_timer)"
	echo "  end to end p99: off $((e2e_off / 1000)) us, vqmod run $((e2e_on / 1000)) us"
	ASSERT_LE "$p99_on" "$((p99_off * 110 / 100))" "device delay p99 with vqmod run within 10% of off"
}

# vqsim's log-linear delay histogram of rx queue 0, as a JSON array
hist() { "$VQMOD" sim stats "$DEV" 0 --json | jq -c '.[0].delay_hist_ll'; }

# The upper bound (ns) of the bucket holding the p99 of the notifications
# counted between two histograms. Bucket b >= 1 starts at
# (8 + (b-1) % 8) * 2^(7 + (b-1) / 8) ns (include/uapi/vqsim.h); bucket 0 at 0.
hist_p99() {
	jq -rn --argjson a "$1" --argjson b "$2" '
		def lower: if . == 0 then 0 else (8 + ((. - 1) % 8)) * pow(2; 7 + ((. - 1) / 8 | floor)) end;
		[range(0; $b | length) | $b[.] - $a[.]] as $d | ($d | add) as $n |
		first(range(0; $d | length) as $i | select(([$d[0:$i + 1][]] | add) >= 0.99 * $n) | $i) |
		(. + 1 | lower) - 1 | floor'
}

# changes ("change":true) in the JSON decision log from line $1 on
changes_since() { tail -n +"$1" "$log" | grep -c '"change":true' || true; }

# Issue 11's settling claim: under a constant offered load, once settled,
# at most 2 changes in 12 s. Without the settling guard the same run made
# 82 (text in user/engine/engine.c). The load is one this guest can take
# uncoalesced (10,000 frames/s): at 30,000 it cannot under TCG, and what it
# receives swings from 10,000 to 46,000 packets/s window to window, which is
# no steady load. Even at 10,000, windows of 64 interrupts (a few ms) read
# 2,476 to 29,460 packets/s under TCG, so the engine judges 100 ms windows
# here (--min-window): with 64-interrupt windows it made 4 changes in 12 s.
test_steady_bulk_settles() {
	setup || return
	local from n
	vqsim_traffic "$DEV" 0 start rate 10000 size 128
	start_run --log json --min-window 100 || return
	wait_changed 0/0 || return
	sleep 8 # the start, a phase jump, DIM's first walk, and the noise learnt over a few windows
	from=$(($(wc -l <"$log") + 1))
	sleep 12
	n=$(changes_since "$from")
	echo "  $n changes in 12 s of steady bulk ($(coal)); $(tail -n +"$from" "$log" | grep -c '"reason":"held"' || true) held back"
	tail -n +"$from" "$log" | jq -r 'select(.change) | "  \(.old.usecs)/\(.old.frames) -> \(.new.usecs)/\(.new.frames) \(.reason): \(.text)"' | head -5
	ASSERT_LE "$n" 2 "at most 2 changes in 12 s of constant load"
}

# No loss: the table has a setting that holds nearly the whole ring (250
# of 256 buffers at 4 ms). With the ring size, the drops, the pending
# buffers and the delays read from the device, vqmod never takes it (the
# delay vqsim measures beyond usecs, TCG's timer slack, counts in the
# model), or backs off at once: the device drops no more under vqmod
# than in as long uncoalesced. TCG's own stalls can drop a few frames
# either way: 0.2% of the frames is allowed for that.
test_lossy_profile_loses_nothing() {
	setup || return
	local d0 d1 p0 p1 off on top
	vqsim_traffic "$DEV" 0 start $BULK
	sleep 1
	d0=$(vqsim_stat "$DEV" 0 drops)
	sleep 10
	off=$(($(vqsim_stat "$DEV" 0 drops) - d0))
	start_run --log json --profile rx=1:1,8:8,64:32,4000:250 || return
	d0=$(vqsim_stat "$DEV" 0 drops)
	p0=$(vqsim_stat "$DEV" 0 packets)
	sleep 10
	d1=$(vqsim_stat "$DEV" 0 drops)
	p1=$(vqsim_stat "$DEV" 0 packets)
	on=$((d1 - d0))
	top=$(jq -r 'select(.change) | .new.frames' "$log" | sort -n | tail -1)
	echo "  drops in 10 s: $off uncoalesced, $on under vqmod run of $((p1 - p0)) packets; most frames set: ${top:-none}"
	jq -r 'select(.change or .drops > 0) | "  \(.old.usecs)/\(.old.frames) -> \(.new.usecs)/\(.new.frames) \(.reason) drops \(.drops) pending \(.pending_max)/\(.ring_size): \(.text)"' "$log" | head -12
	ASSERT_GE "$(jq -r 'select(.ring_size > 0) | .ring_size' "$log" | tail -1)" 1 "the ring size reached the engine" || return
	# every back-off lowers the setting in the same decision
	ASSERT_EQ "$(jq -r 'select(.reason == "loss" or .reason == "ring-full") | select(.new.usecs >= .old.usecs and .old.usecs > 1)' "$log" | wc -l)" 0 "each loss backs off at once" || return
	ASSERT_LE "$on" "$((off + (p1 - p0) / 500))" "no more drops than uncoalesced (+0.2% for TCG's stalls)"
}

# The measured budget: vqsim holds every notification 10 ms longer than
# its coalescing (debugfs notify_delay_us), so the delay it measures
# exceeds an 8 ms budget that the table alone (usecs <= 8000) meets. vqmod
# starts the queue at profile 1 (2000 us here) and lowers it within 3
# judged decisions of the first window measured over budget. At 4,000
# frames/s, 12 ms holds 48 buffers, well inside 3/4 of the ring, so the
# loss guard should have no part in it (at 10,000 it backed off first:
# ring-full). But a guest that stalls still drops frames, and a CI run's
# loss guard took the queue to 1/1 before any window judged the delay
# (2026-12-04), which leaves the delay rule nothing to lower: such a run
# says so and is started again, 3 runs at most. Functional, not a timing
# claim: TCG's timer slack is mostly below 8 ms.
test_measured_delay_over_budget_lowers() {
	setup || return
	local knob=/sys/kernel/debug/vqsim/$DEV/notify_delay_us over at first try
	echo 10000 >"$knob" || return
	vqsim_traffic "$DEV" 0 start rate 4000 size 128
	for ((try = 1; try <= 3; try++)); do
		start_run --log json -v --max-delay 8000 --profile rx=1:1,2000:256,4000:256 || return
		wait_until 60 grep -qE '"reason":"(delay-over-budget|loss|ring-full)"' "$log"
		first=$(jq -r 'select(.reason == "delay-over-budget" or .reason == "loss" or .reason == "ring-full") | .reason' \
			"$log" | head -n 1)
		case $first in loss | ring-full) ;; *) break ;; esac
		echo "  run $try: the loss guard lowered the queue first ($first), before the delay was judged; again"
		kill -TERM "$vqmod_pid"
		wait "$vqmod_pid"
	done
	echo 0 >"$knob"
	jq -r 'select(.window_ns > 0 or .change) | "  \(.reason) \(.old.usecs)/\(.old.frames) -> \(.new.usecs)/\(.new.frames) p99 \(.delay_p99_ns / 1000 | floor) us over \(.delay_count)"' "$log" | head -6
	# judged windows, numbered: the first measured over budget, and the first lowering
	over=$(jq -s 'map(select(.window_ns > 0)) | to_entries | map(select(.value.delay_p99_ns > 8000000)) | first | .key // empty' "$log")
	at=$(jq -s 'map(select(.window_ns > 0)) | to_entries | map(select(.value.reason == "delay-over-budget")) | first | .key // empty' "$log")
	ASSERT_NE "${over:-}" "" "a window measured over the 8 ms budget" || return
	ASSERT_NE "${at:-}" "" "the setting was lowered for the measured delay" || return
	ASSERT_LE "$((at - over))" 2 "lowered within 3 decisions of the first over budget"
}
