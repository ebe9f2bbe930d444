# SPDX-License-Identifier: GPL-2.0
# vqmod run and vqmod restore on the host: arguments, the dry run, the
# exporters, and the restore record. The device end to end is in the VM tests.

source "$VQ_ROOT/tests/monitor_lib.sh"

test_bad_arguments() {
	check_bad_arguments <<-'EOF'
		run --bogus
		run extra
		run --actuator nosuch
		run --actuator ethtool --dry-run
		run --dry-run --actuator vqsim
		run --interval 0
		run --interval 10001
		run --interval 5ms
		run --duration 0
		run --max-delay 0
		run --max-delay -5
		run --irq-budget 0
		run --weight virtio1=2
		run --irq-budget 1000 --weight =2
		run --irq-budget 1000 --weight vm1
		run --irq-budget 1000 --weight virtio1=0
		run --profile rx=8:256,1:256
		run --profile rx=
		run --profile bogus=1:1
		run --log yaml
		run --listen localhost:99999
		run --listen host.example:80
		run --wake-every 0
		run --hooks kick
		run --hooks notify,bogus
		run --hook-types fentry,
	EOF
}

# A dry run decides and logs, sets nothing, and leaves no restore record;
# its metrics show the controller, and BPF wake-ups bring ticks forward.
test_dry_run_serves_metrics() {
	need_bpf
	local log state port=9481 body
	log=$(mktemp)
	state=$(mktemp -u /tmp/vqmod-state.XXXXXX)
	trap "kill \${vqmod_pid:-} 2>/dev/null; rm -f '$log' '$log.err' '$state'" EXIT
	# a long tick, and BPF's wake-ups on the disk's interrupts to bring it forward
	start_vqmod "$log" run --dry-run --duration 3 --interval 1000 --wake-every 16 --hooks notify \
		--state "$state" --listen "$port" || return
	dd if=/dev/zero of=/var/tmp/vqmod-run.$$ bs=4k count=400 oflag=direct status=none
	rm -f /var/tmp/vqmod-run.$$
	sleep 1
	body=$(exec 3<>/dev/tcp/127.0.0.1/$port && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3)
	ASSERT_MATCH "$body" 'vqmod_controller_running 1' "the controller shows in the metrics" || return
	ASSERT_MATCH "$body" 'vqmod_virtqueue_interrupts_total\{' "per-queue counters" || return
	wait "$vqmod_pid"
	ASSERT_EQ "$?" 0 "exit status after --duration" || return
	ASSERT_MATCH "$(cat "$log.err")" 'decisions, [0-9]+ changes applied, 0 failed' "summary line" || return
	ASSERT_MATCH "$(cat "$log.err")" '[1-9][0-9]* ticks brought forward by wake-ups' "wake-ups" || return
	ASSERT_TRUE "no restore record from a dry run" test ! -e "$state"
}

# A record left behind (as after SIGKILL) is applied and then removed; a
# malformed one is refused and kept.
test_restore_record() {
	local state rc out
	state=$(mktemp /tmp/vqmod-state.XXXXXX)
	trap "rm -f '$state'" EXIT
	printf '# vqmod\ndry-run virtio9 0 rx 64 32\ndry-run virtio9 1 tx 8 16\n' >"$state"
	out=$("$VQMOD" restore --state "$state")
	ASSERT_EQ "$?" 0 "exit status" || return
	ASSERT_MATCH "$out" 'restored virtio9 queue 0 to 64 us, 32 frames' "first queue" || return
	ASSERT_MATCH "$out" 'restored virtio9 queue 1 to 8 us, 16 frames' "second queue" || return
	ASSERT_TRUE "the record is gone once applied" test ! -e "$state" || return
	out=$("$VQMOD" restore --state "$state")
	ASSERT_MATCH "$out" 'nothing to restore' "no record: nothing to do" || return
	printf 'dry-run virtio9 zero rx 1 1\n' >"$state"
	rc=0
	out=$("$VQMOD" restore --state "$state" 2>&1) || rc=$?
	ASSERT_EQ "$rc" 1 "a malformed record fails" || return
	ASSERT_MATCH "$out" "cannot read $state" "and says so" || return
	ASSERT_TRUE "and is kept" test -e "$state"
}
