# SPDX-License-Identifier: GPL-2.0
# vqsim under vhost_vdpa: the binding and /dev node, a userspace driver
# (.output/tests/vhost_vdpa_hostile) passing traffic through the device's
# IOTLB with and without coalescing, its hostile cases refused and counted,
# virtio_vdpa after a vhost session, SIGKILL then dev del, and rmmod.
# vq-kernels: 6.12

source "$VQ_ROOT/tests/vqsim_lib.sh"

SIM="$VQ_ROOT/vqmod sim"
PROG=$VQ_ROOT/.output/tests/vhost_vdpa_hostile
DEV=vqsim0
PROG_PID= PROG_IN=

vhost_require() {
	vqsim_require || return
	modprobe -q vhost_vdpa 2>/dev/null || skip "no vhost_vdpa module in $(uname -r)"
	[ -x "$PROG" ] || skip "$PROG is not built (make)"
	[ -d /sys/kernel/debug/vqsim ] || skip "no debugfs"
}

vhost_cleanup() {
	local d
	prog_stop
	for d in $(vdpa dev show 2>/dev/null | awk -F: '/mgmtdev vqsim/ {print $1}'); do
		timeout 15 vdpa dev del "$d"
	done
	true
}

# prog_start OUT ARGS...: the driver in the background, stdout and stderr to
# OUT, its stdin a pipe we hold (--hold waits for its EOF).
prog_start() {
	local out=$1 fifo
	shift
	fifo=$(mktemp -u /tmp/vhost-in.XXXXXX)
	mkfifo "$fifo" || return
	timeout -k 5 180 "$PROG" "$@" <"$fifo" >"$out" 2>&1 &
	PROG_PID=$!
	exec {PROG_IN}>"$fifo"
	rm -f "$fifo"
}

# wait_line OUT LINE SECONDS: until the driver printed LINE (or exited).
wait_line() {
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		grep -qx "$2" "$1" && return 0
		kill -0 "$PROG_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -qx "$2" "$1" && return 0
	echo "  no '$2' from the driver within $3 s; it printed:"
	sed 's/^/    /' "$1"
	return 1
}

# prog_wait: closes its stdin (ends --hold) and returns its exit status.
prog_wait() {
	local rc=0
	[ -n "$PROG_IN" ] && exec {PROG_IN}>&-
	PROG_IN=
	[ -n "$PROG_PID" ] && { wait "$PROG_PID" || rc=$?; }
	PROG_PID=
	return $rc
}

prog_stop() {
	[ -n "$PROG_PID" ] && kill "$PROG_PID" 2>/dev/null
	prog_wait 2>/dev/null
	true
}

# kv OUT KEY: a key=value figure of the driver's report.
kv() { grep -o "\\b$2=[^ ]*" "$1" | tail -1 | cut -d= -f2; }

qstat() { $SIM stats "$1" "$2" --json | jq -r ".[0].$3"; }

# notifications the device delivered (each one is a call eventfd signal here)
delivered() {
	$SIM stats "$1" "$2" --json | jq -r '.[0] | .notify_frames + .notify_timer + .notify_immediate'
}

# refusals: a queue's counter from debugfs, or a device's (QUEUE -1)
refusals() { vqsim_iotlb_stat "$DEV" "$1" "$2"; }

test_bind_and_node() {
	local node drv
	vhost_require || return
	trap vhost_cleanup EXIT
	node=$(vqsim_up_vhost $DEV max_vqp 1) || return
	ASSERT_MATCH "$node" '^/dev/vhost-vdpa-[0-9]+$' "vqsim_up_vhost prints the node" || return
	ASSERT_TRUE "$node is a character device" test -c "$node" || return
	drv=$(basename "$(readlink -f /sys/bus/vdpa/devices/$DEV/driver)")
	ASSERT_EQ "$drv" vhost_vdpa "driver bound to $DEV" || return
	ASSERT_EQ "$(cat /sys/bus/vdpa/devices/$DEV/driver_override)" vhost_vdpa "driver_override" || return
	ASSERT_TRUE "no map yet: pass-through" grep -q '^as 0 passthrough entries 0$' \
		/sys/kernel/debug/vqsim/$DEV/iotlb || return
	ASSERT_MATCH "$(vdpa dev show $DEV)" "max_vqs 3" "vdpa dev show: 1 pair + cvq"
}

# The driver's frames go through the IOTLB both ways, with no loss, and every
# used buffer is one call eventfd signal (coalescing off).
test_traffic_no_loss() {
	local node out n0 d0 n1 d1 src tx calls vstats
	vhost_require || return
	out=$(mktemp)
	trap "vhost_cleanup; rm -f $out" EXIT
	node=$(vqsim_up_vhost $DEV max_vqp 1) || return
	n0=$(delivered $DEV 0) d0=$(qstat $DEV 0 drops)
	prog_start "$out" "$node" good --src 400 --tx 400 --timeout 120 --hold
	wait_line "$out" ready 30 || return
	vqsim_traffic $DEV 0 start rate 400 size 256 || return
	wait_line "$out" src_done 60
	vqsim_traffic $DEV 0 stop
	wait_line "$out" hold 60 || return
	# Read while the device is driven: vstats needs FEATURES_OK.
	vstats=$(vdpa dev vstats show $DEV qidx 0)
	echo "  iotlb while running: $(grep -c '^  iova' /sys/kernel/debug/vqsim/$DEV/iotlb) map entries"
	ASSERT_TRUE "driver ran" prog_wait || { cat "$out"; return 1; }
	n1=$(delivered $DEV 0) d1=$(qstat $DEV 0 drops)
	src=$(kv "$out" src_frames) tx=$(kv "$out" tx_looped) calls=$(kv "$out" rx_calls)
	echo "  $(grep result= "$out")"
	ASSERT_GE "$src" 400 "source frames read back" || return
	ASSERT_EQ "$(kv "$out" src_gaps)" 0 "source sequence gaps" || return
	ASSERT_EQ "$tx" 400 "tx frames looped back to rx" || return
	ASSERT_EQ "$(kv "$out" bad_frames)" 0 "frames that were not ours or the source's" || return
	ASSERT_EQ "$((d1 - d0))" 0 "device drops (no rx buffer)" || return
	ASSERT_EQ "$calls" "$((src + tx))" "rx call signals = used rx buffers" || return
	ASSERT_EQ "$((n1 - n0))" "$calls" "vqsim's delivered notifications = call signals" || return
	ASSERT_EQ "$(kv "$out" tx_calls)" 400 "tx call signals" || return
	ASSERT_MATCH "$vstats" "iotlb_miss 0 iotlb_perm 0 iotlb_bad 0 ring_errors 0 kicks_not_ready 0 broken 0" \
		"vstats: nothing refused"
}

# Host coalescing cuts the driver's notifications as on virtio_vdpa. Loss is
# not judged here (TCG can starve the driver): the no-loss test does that.
test_coalescing() {
	local node out n0 n1 src calls
	vhost_require || return
	out=$(mktemp)
	trap "vhost_cleanup; rm -f $out" EXIT
	node=$(vqsim_up_vhost $DEV max_vqp 1) || return
	n0=$(delivered $DEV 0)
	prog_start "$out" "$node" good --src 2000 --timeout 120
	wait_line "$out" ready 30 || return
	# after the driver's reset, which clears coalescing
	$SIM coalesce $DEV 0 usecs 10000 frames 32 >/dev/null || return
	vqsim_traffic $DEV 0 start rate 1600 size 128 burst 32 || return
	wait_line "$out" src_done 60
	vqsim_traffic $DEV 0 stop
	prog_wait
	n1=$(delivered $DEV 0)
	src=$(kv "$out" src_frames) calls=$(kv "$out" rx_calls)
	echo "  $src frames ($(kv "$out" src_gaps) lost), $calls call signals," \
		"$(qstat $DEV 0 notify_frames) notifications at the frame limit"
	ASSERT_GE "$src" 2000 "frames read back" || { cat "$out"; return 1; }
	ASSERT_NEAR "$calls" "$((src / 32))" 10 "$((src / 320 + 1))" "call signals ~ frames/32, within 10%" || return
	ASSERT_EQ "$((n1 - n0))" "$calls" "vqsim's delivered notifications = call signals"
}

# Each bad thing is refused, counted on its queue, stops that queue, and
# leaves the device usable; the log stays clean (the runner checks dmesg).
test_hostile() {
	local node out list c q counter before after broken rc n=0
	vhost_require || return
	out=$(mktemp) list=$(mktemp)
	trap "vhost_cleanup; rm -f $out $list" EXIT
	node=$(vqsim_up_vhost $DEV max_vqp 1) || return
	"$PROG" list >"$list" || return
	while read -r c q counter; do
		before=$(refusals "$q" "$counter")
		prog_start "$out" "$node" hostile "$c" --hold
		wait_line "$out" hold 30 || return
		broken=
		[ "$q" -ge 0 ] && broken=$(refusals "$q" broken)
		rc=0
		prog_wait || rc=$?
		after=$(refusals "$q" "$counter")
		echo "  $c: queue $q $counter $before -> $after, broken $broken"
		ASSERT_EQ "$rc" 0 "$c: the device did nothing it must not ($(grep -m1 FAIL "$out"))" || return
		ASSERT_GE "$after" "$((before + 1))" "$c: counted as $counter on queue $q" || return
		case $counter in
		iotlb_* | ring_errors) ASSERT_EQ "$broken" 1 "$c: queue $q stopped" || return ;;
		esac
		n=$((n + 1))
	done <"$list"
	ASSERT_GE "$n" 18 "hostile cases run" || return
	prog_start "$out" "$node" good --tx 200 --timeout 60
	ASSERT_TRUE "a good driver after them" prog_wait || { cat "$out"; return 1; }
	ASSERT_EQ "$(kv "$out" tx_looped)" 200 "frames looped back after the hostile cases"
}

# Back to virtio_vdpa after a vhost session: pass-through again, traffic flows.
test_virtio_after_vhost() {
	local node out ifn rx pk
	vhost_require || return
	out=$(mktemp)
	trap "vhost_cleanup; rm -f $out" EXIT
	node=$(vqsim_up_vhost $DEV max_vqp 1) || return
	prog_start "$out" "$node" good --tx 100 --timeout 60
	ASSERT_TRUE "vhost session" prog_wait || { cat "$out"; return 1; }
	ASSERT_TRUE "rebind to virtio_vdpa" vqsim_bind $DEV virtio_vdpa || return
	wait_until 30 _vqsim_netdev $DEV
	ifn=$VQSIM_IF
	ASSERT_NE "$ifn" "" "a virtio_net netdev again" || return
	ASSERT_EQ "$(refusals -1 driver_dma_api)" 1 "virtio_vdpa is the DMA API user" || return
	ASSERT_TRUE "pass-through again" grep -q '^as 0 passthrough' /sys/kernel/debug/vqsim/$DEV/iotlb || return
	sysctl -qw "net.ipv6.conf.$ifn.disable_ipv6=1"
	ip link set "$ifn" up
	pk=$(qstat $DEV 0 packets)
	vqsim_traffic $DEV 0 start rate 300 size 200 || return
	rx=$($SIM rx "$ifn" --count 300 --duration 30 --json)  # a count, not a rate
	vqsim_traffic $DEV 0 stop
	echo "  virtio_vdpa after vhost: $rx"
	ASSERT_GE "$(jq .frames <<<"$rx")" 300 "frames received by virtio_net" || return
	ASSERT_GE "$(qstat $DEV 0 packets)" "$((pk + 300))" "device packets"
}

# A driver SIGKILLed mid-traffic: its file closes, the device resets, and
# vdpa dev del completes within 10 s.
test_sigkill_then_del() {
	local node out pid t0 t1
	vhost_require || return
	out=$(mktemp)
	trap "vhost_cleanup; rm -f $out" EXIT
	node=$(vqsim_up_vhost $DEV max_vqp 1) || return
	prog_start "$out" "$node" good --src 100000000 --timeout 170
	wait_line "$out" ready 30 || return
	$SIM coalesce $DEV 0 usecs 500 frames 8 >/dev/null
	vqsim_traffic $DEV 0 start rate 5000 size 512 burst 8 || return
	sleep 1.5
	pid=$(pgrep -P "$PROG_PID")
	ASSERT_NE "$pid" "" "the driver's pid" || return
	ASSERT_GE "$(qstat $DEV 0 packets)" 100 "traffic before the kill" || return
	kill -KILL "$pid"
	prog_wait 2>/dev/null
	t0=$(date +%s%N)
	ASSERT_TRUE "vdpa dev del" timeout 10 vdpa dev del $DEV || return
	t1=$(date +%s%N)
	echo "  vdpa dev del took $(((t1 - t0) / 1000000)) ms after SIGKILL"
	ASSERT_LE "$(((t1 - t0) / 1000000))" 10000 "dev del within 10 s"
}

# rmmod: refused (not blocked) while a driver holds the device, then fine
# with the device still bound to vhost_vdpa.
test_rmmod_bound_to_vhost() {
	local node out err
	vhost_require || return
	out=$(mktemp)
	trap "vhost_cleanup; rm -f $out; vqsim_load" EXIT
	node=$(vqsim_up_vhost $DEV max_vqp 2) || return
	prog_start "$out" "$node" good --tx 50 --timeout 60 --hold
	wait_line "$out" hold 60 || return
	err=$(timeout 10 rmmod vqsim 2>&1)
	ASSERT_MATCH "$err" "in use" "rmmod while a driver holds the device" || return
	ASSERT_TRUE "driver ran" prog_wait || { cat "$out"; return 1; }
	ASSERT_EQ "$(basename "$(readlink -f /sys/bus/vdpa/devices/$DEV/driver)")" vhost_vdpa "still bound" || return
	ASSERT_TRUE "rmmod with a device bound to vhost_vdpa" timeout 10 rmmod vqsim || return
	ASSERT_EQ "$(grep -c '^vqsim ' /proc/modules)" 0 "module gone"
}
