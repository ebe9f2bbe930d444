# SPDX-License-Identifier: GPL-2.0
# A guest with 32 vqsim devices of 16 queue pairs (1,056 virtqueues), with
# traffic on a subset: vqmod top --json lists every queue that has had an
# event, and vqmod run adopts them all. vqmod run's CPU is reported (under
# TCG, a figure to compare, not a claim).
# vq-kernels: 6.12

source "$VQ_ROOT/tests/monitor_lib.sh"
source "$VQ_ROOT/tests/vqsim_lib.sh"

NDEV=32
VQP=16
WIDE=4 # devices with traffic on every rx queue; the others on rx 0 only

setup() {
	need_bpf
	vqsim_require || return
	log=$(mktemp)
	state=$(mktemp -u /tmp/vqmod-state.XXXXXX)
	trap "reap \${vqmod_pid:-}; for d in \$(seq 0 $((NDEV - 1))); do vdpa dev del vqs\$d 2>/dev/null; done; rm -f '$log'* '$state'*" EXIT
	local d i
	for d in $(seq 0 $((NDEV - 1))); do
		vqsim_up "vqs$d" max_vqp "$VQP" || return
		if [ "$d" -lt "$WIDE" ]; then
			ethtool -L "$VQSIM_IF" combined "$VQP" || return
		fi
	done
	ASSERT_EQ "$(vdpa dev show | grep -c '^vqs')" "$NDEV" "devices added" || return
}

# rx traffic: queue 0 of every device, every rx queue of the first WIDE.
# 20 frames/s a queue: every queue notifies within the test's 2 s, and the
# guest is not saturated (at 200/s, 18,400 frames/s under TCG slowed every
# command of the test tenfold: 511 s against 124 s)
traffic() { # start|stop
	local d i
	for d in $(seq 0 $((NDEV - 1))); do
		for i in $(seq 0 $((d < WIDE ? VQP - 1 : 0))); do
			if [ "$1" = start ]; then
				vqsim_traffic "vqs$d" $((2 * i)) start rate 20 size 64 || return
			else
				vqsim_traffic "vqs$d" $((2 * i)) stop
			fi
		done
	done
}

# "virtioN index" of each rx queue vqsim says has notified
notified() {
	local devs
	devs=$("$VQMOD" sim devices --json)
	"$VQMOD" sim stats --json | jq -r --argjson devs "$devs" '
		($devs | map({(.dev): .virtio_index}) | add) as $virtio
		| .[] | select(.type == "rx" and .notifications > 0) | "virtio\($virtio[.dev]) \(.queue)"' | sort
}

notified_at_least() { [ "$(notified | wc -l)" -ge "$1" ]; }
adopted() { grep -c "moderating .* input\." "$log.err"; }
adopted_at_least() { [ "$(adopted)" -ge "$1" ]; }

test_top_lists_and_run_adopts_1056_queues() {
	setup || return
	local want got listed missing adopted cpu0 cpu1 t0 t1 hz
	want=$((NDEV * (2 * VQP + 1)))
	ASSERT_EQ "$("$VQMOD" sim stats --json | jq length)" "$want" "vqsim's queues" || return
	traffic start || return
	# a wait by the clock, not a fixed 2 s: every queue here notifies
	wait_until 30 notified_at_least $((WIDE * VQP + NDEV - WIDE))
	# every rx queue that notified is listed by top, by its vqsim name and index
	got=$(notified | wc -l)
	ASSERT_GE "$got" $((WIDE * VQP + NDEV - WIDE)) "rx queues with events" || return
	"$VQMOD" top --json -i 2 -n 1 --hooks notify 2>/dev/null | jq -r '.queues[] | "\(.dev) \(.index)"' | sort >"$log.top"
	listed=$(wc -l <"$log.top")
	missing=$(notified | comm -23 - "$log.top" | wc -l)
	echo "  $got rx queues notified; vqmod top --json lists $listed queues, $missing of those missing"
	ASSERT_EQ "$missing" 0 "top lists every rx queue with an event" || return

	start_vqmod "$log" run --state "$state" || return
	# vqmod run, saturated here, adopts them at its own pace: up to 60 s, not a fixed 10
	wait_until 60 adopted_at_least "$got"
	adopted=$(adopted)
	echo "  vqmod run moderates $adopted rx queues"
	ASSERT_GE "$adopted" "$got" "run adopts every rx queue with an event" || return
	hz=$(getconf CLK_TCK)
	cpu0=$(awk '{ print $14 + $15 }' "/proc/$vqmod_pid/stat")
	t0=$(date +%s.%N)
	sleep 10
	cpu1=$(awk '{ print $14 + $15 }' "/proc/$vqmod_pid/stat")
	t1=$(date +%s.%N)
	echo "  vqmod run's CPU over 10 s with $want queues (TCG): $(awk -v c=$((cpu1 - cpu0)) -v hz="$hz" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f%%", 100 * c / hz / (t1 - t0) }')"
	grep "needs .* of CPU" "$log.err" | sed 's/^/  /'
	traffic stop
	kill -TERM "$vqmod_pid"
	# every wait has a timeout: restoring 1,056 queues takes a while under TCG, not minutes
	wait_until 120 gone "$vqmod_pid"
	if kill -0 "$vqmod_pid" 2>/dev/null; then
		echo "  vqmod run still running 120 s after SIGTERM: $(tail -n 3 "$log.err" | tr '\n' ' ')"
		kill -KILL "$vqmod_pid"
		wait "$vqmod_pid" 2>/dev/null
		_vq_mark_failed
		return 1
	fi
	wait "$vqmod_pid"
	ASSERT_EQ "$?" 0 "vqmod run exits cleanly"
}
