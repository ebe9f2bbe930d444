# SPDX-License-Identifier: GPL-2.0
# vqmod run does not fight: a queue whose coalescing someone else sets (the
# guest driver's ethtool -C, through the cvq; another netlink client) is
# yielded, and stays as they set it, even after vqmod exits; --take-back
# keeps it. One run sets a device: a second is refused. A --device that
# matches nothing is said once, and vqmod keeps waiting.
# vq-kernels: 6.12

source "$VQ_ROOT/tests/monitor_lib.sh"
source "$VQ_ROOT/tests/vqsim_lib.sh"

DEV=vqown0
BULK="rate 30000 size 128"

setup() {
	need_bpf
	vqsim_require || return
	vqsim_up "$DEV" || return
	state=$(mktemp -u /tmp/vqmod-state.XXXXXX)
	log=$(mktemp)
	trap "reap \${vqmod_pid:-} \${second_pid:-}; vqsim_down $DEV; rm -f '$state'* '$log'* /tmp/vqown.*" EXIT
}

# vqmod run on the device, with the JSON log, until it has set rx queue 0
start_moderating() { # more options
	local before
	before=$(coal)
	vqsim_traffic "$DEV" 0 start $BULK
	start_vqmod "$log" run --device "$VQSIM_VIRTIO" --state "$state" --log json "$@" || return
	wait_until 60 coal_is_not "$before" && return 0
	echo "  vqmod run never set $DEV queue 0: $(cat "$log.err")"
	return 1
}

# waits up to 30 s for a line matching $2 in file $1
wait_line() {
	wait_until 30 grep -Eq -- "$2" "$1" && return 0
	echo "  no line /$2/ in $1:"
	sed 's/^/  | /' "$1" | tail -5
	return 1
}

stop_run() {
	local rc=0
	kill -TERM "$vqmod_pid"
	wait "$vqmod_pid" || rc=$?
	vqmod_pid=
	ASSERT_EQ "$rc" 0 "vqmod run's exit status after SIGTERM"
}

# The guest's ethtool -C reaches vqsim on the control queue (source cvq):
# vqmod hears it (COAL_NTF) and yields the queue; the setting stays theirs,
# while vqmod runs and after it exits.
test_driver_ethtool_makes_it_yield() {
	setup || return
	"$VQMOD" sim coalesce "$DEV" 0 usecs 7 frames 3 >/dev/null
	start_moderating || return
	ethtool -C "$VQSIM_IF" rx-usecs 33 rx-frames 5 || return
	ASSERT_EQ "$(vqsim_stat "$DEV" 0 coal_source)" cvq "the driver set it" || return
	wait_line "$log.err" "input.0 .*set by the driver \(cvq\), not vqmod: vqmod yields this queue" || return
	ASSERT_EQ "$(jq -r 'select(.event == "yield" and .index == 0) | "\(.new.usecs)/\(.new.frames)"' "$log")" 33/5 \
		"the log's yield event, with their setting" || return
	sleep 2 # bulk traffic goes on: a controller that still moderated would move it
	ASSERT_EQ "$(coal)" 33/5 "vqmod leaves the yielded queue alone" || return
	ASSERT_EQ "$("$VQMOD" top --json --hooks notify -i 1 -n 1 --moderation "$state.moderation" 2>/dev/null |
		jq -r --arg d "$VQSIM_VIRTIO" '.queues[] | select(.dev == $d and .index == 0) | .coalesce.state')" yielded \
		"vqmod top shows it yielded" || return
	stop_run || return
	ASSERT_EQ "$(coal)" 33/5 "not undone at exit: theirs" || return
	ASSERT_MATCH "$(cat "$log.err")" "[1-9][0-9]* queues yielded" "the exit summary counts it"
}

# Another netlink client of the vqsim family counts as someone else too.
test_netlink_client_makes_it_yield() {
	setup || return
	start_moderating || return
	"$VQMOD" sim coalesce "$DEV" 0 usecs 44 frames 6 >/dev/null || return
	wait_line "$log.err" "input.0 .*set by netlink, not vqmod: vqmod yields" || return
	sleep 1
	ASSERT_EQ "$(coal)" 44/6 "left as the other client set it" || return
	# the other queues stay moderated: only queue 0 was touched
	ASSERT_EQ "$(jq -r 'select(.event == "yield") | .index' "$log" | sort -u | tr '\n' ' ')" "0 " \
		"only the queue set by another is yielded" || return
	stop_run
}

# --take-back: vqmod sets the queue again, and says so.
test_take_back_keeps_it() {
	setup || return
	start_moderating --take-back || return
	ethtool -C "$VQSIM_IF" rx-usecs 33 rx-frames 5 || return
	wait_line "$log" '"event":"take-back"' || return
	wait_until 30 coal_is_not 33/5
	ASSERT_NE "$(coal)" 33/5 "vqmod set it again" || return
	ASSERT_EQ "$(grep -c '"event":"yield"' "$log")" 0 "no yield with --take-back" || return
	stop_run
}

# One run per restore record, and one per device.
test_second_run_refused() {
	setup || return
	local rc out
	start_moderating || return
	rc=0
	# generous: a second monitor's load beside the first takes 5 to 20 s under TCG
	out=$(timeout 90 "$VQMOD" run --device "$VQSIM_VIRTIO" --state "$state" --duration 60 2>&1) || rc=$?
	ASSERT_EQ "$rc" 1 "a second run on the same record exits 1" || return
	ASSERT_MATCH "$out" "another vqmod run \(pid $vqmod_pid\) is running with the restore record $state" \
		"it names the first run" || return
	rc=0
	out=$(timeout 90 "$VQMOD" run --device "$VQSIM_VIRTIO" --state "$state.2" --duration 60 2>&1) || rc=$?
	ASSERT_EQ "$rc" 1 "a second run on the same device exits 1" || return
	ASSERT_MATCH "$out" "$DEV is already moderated by another vqmod run \(pid $vqmod_pid\)" \
		"it names the device and the first run" || return
	ASSERT_TRUE "the first run goes on" kill -0 "$vqmod_pid" || return
	stop_run || return
	# the claim went with the first run: a new run takes the device
	start_moderating || return
	stop_run
}

# A --device that matches nothing: said once after 5 s; vqmod keeps waiting,
# and takes the device when it comes.
test_unmatched_device_said_once() {
	setup || return
	local n
	start_vqmod "$log" run --device vqown1 --state "$state" || return
	wait_line "$log.err" "--device vqown1 has matched no rx or tx queue in 5 s \(queues seen on: .*\); waiting" || return
	vqsim_up vqown1 || return
	vqsim_traffic vqown1 0 start $BULK
	wait_line "$log.err" "moderating virtio[0-9]+ input.0 \(vqsim vqown1 queue 0" || return
	n=$(grep -c "has matched no" "$log.err")
	vqsim_traffic vqown1 0 stop
	stop_run || return
	vqsim_down vqown1
	ASSERT_EQ "$n" 1 "said once"
}
