# SPDX-License-Identifier: GPL-2.0
# vqmod pin / unpin: the pinned monitor outlives vqmod, bpftool reads its
# maps, vqmod top --from-pinned reads them without loading anything, and
# unpin detaches it. vqmod run --from-pinned moderates from such a pin.

VQMOD=$VQ_ROOT/vqmod

need_bpf() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for BPF"
	[ -r /sys/kernel/btf/vmlinux ] || skip "the kernel has no BTF"
	[ -x "$VQMOD" ] || skip "vqmod is not built (make)"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

disk_io() { # count
	dd if=/dev/zero of=/var/tmp/vqpin$$.dd bs=4k count="$1" oflag=direct status=none
	rm -f /var/tmp/vqpin$$.dd
}

# The sum over queues of a counter in a pinned vq_stats (one slot a queue).
pinned_sum() { # dir field
	bpftool -j map dump pinned "$1/maps/vq_stats" | jq "[.[].formatted.value.$2] | add // 0"
}

test_pin_bpftool_and_from_pinned() {
	need_bpf
	local dir=/sys/fs/bpf/vqmod_test_pin_$$ before after modes progs_before progs_during out rc
	trap "'$VQMOD' unpin '$dir' 2>/dev/null; kill \$pid 2>/dev/null" EXIT
	ASSERT_TRUE "vqmod pin" "$VQMOD" pin --max-queues 256 "$dir" || return
	modes=$(stat -c '%a %n' "$dir"/maps/* "$dir"/links/* | awk '{print $1}' | sort -u)
	ASSERT_EQ "$modes" 600 "pins are mode 0600" || return
	ASSERT_TRUE "vq_stats is pinned" test -e "$dir/maps/vq_stats" || return
	ASSERT_TRUE "a link per attached program" test -e "$dir/links/$(ls "$dir/links" | head -1)" || return
	# vqmod has exited; its programs keep counting into the pinned maps
	before=$(pinned_sum "$dir" irqs)
	disk_io 300
	after=$(pinned_sum "$dir" irqs)
	ASSERT_GE "$((after - before))" 300 "counted after vqmod exited" || return
	out=$(bpftool map dump pinned "$dir/maps/vq_stats")
	ASSERT_MATCH "$out" '"irqs": [0-9]+' "bpftool dumps field names" || return
	out=$(bpftool map dump pinned "$dir/maps/vq_names")
	ASSERT_MATCH "$out" '"driver": "virtio_blk"' "bpftool reads the names" || return
	ASSERT_MATCH "$(bpftool link show pinned "$dir/links/$(ls "$dir/links" | head -1)")" 'prog [0-9]+' \
		"bpftool reads a pinned link" || return

	# --from-pinned loads no program and sees the same counts
	progs_before=$(bpftool prog show | grep -c '^[0-9]')
	"$VQMOD" top -J -i 2 -n 1 --from-pinned "$dir" >/var/tmp/vqpin$$.json 2>/var/tmp/vqpin$$.err &
	pid=$!
	wait_until 10 grep -q monitoring /var/tmp/vqpin$$.err
	progs_during=$(bpftool prog show | grep -c '^[0-9]')
	disk_io 200
	wait "$pid"
	rc=$?
	out=$(cat /var/tmp/vqpin$$.json)
	rm -f /var/tmp/vqpin$$.json /var/tmp/vqpin$$.err
	ASSERT_EQ "$rc" 0 "top --from-pinned exit status" || return
	ASSERT_EQ "$progs_during" "$progs_before" "programs loaded by --from-pinned" || return
	ASSERT_GE "$(jq '[.queues[] | select(.queue == "req.0") | .irqs] | add // 0' <<<"$out")" 200 \
		"--from-pinned counts the writes" || return
	ASSERT_MATCH "$(jq -r .hooks.notify <<<"$out")" 'irq_handler_entry|vring_interrupt' \
		"hooks as the pin's links tell" || return

	rc=0
	out=$("$VQMOD" pin "$dir" 2>&1) || rc=$?
	ASSERT_EQ "$rc" 1 "pinning twice: exit status" || return
	ASSERT_MATCH "$out" "already holds a pin" "pinning twice: message" || return

	ASSERT_TRUE "vqmod unpin" "$VQMOD" unpin "$dir" || return
	ASSERT_TRUE "the pin is gone" test ! -e "$dir" || return
	for _ in $(seq 20); do
		[ "$(bpftool prog show | grep -c '^[0-9]')" -lt "$progs_before" ] && break
		sleep 0.1
	done
	ASSERT_TRUE "unpin detaches: fewer programs than while pinned" \
		test "$(bpftool prog show | grep -c '^[0-9]')" -lt "$progs_before"
}

# vqmod run --from-pinned: the controller on a pin's counters, loading no
# program; a pin without notification hooks is refused.
test_run_from_pinned() {
	need_bpf
	local dir=/sys/fs/bpf/vqmod_test_runpin_$$ bare=/sys/fs/bpf/vqmod_test_runpin_bare_$$ port=9483
	local progs_before progs_during body rc out
	trap "'$VQMOD' unpin '$dir' 2>/dev/null; '$VQMOD' unpin '$bare' 2>/dev/null; kill \${pid:-} 2>/dev/null;
		rm -f /var/tmp/vqrunpin$$.err" EXIT
	ASSERT_TRUE "vqmod pin" "$VQMOD" pin --max-queues 256 --hooks notify "$dir" || return
	progs_before=$(bpftool prog show | grep -c '^[0-9]')
	"$VQMOD" run --dry-run --from-pinned "$dir" --duration 4 --listen $port --state /run/vqrunpin$$.state \
		2>/var/tmp/vqrunpin$$.err &
	pid=$!
	wait_until 10 grep -q monitoring /var/tmp/vqrunpin$$.err
	progs_during=$(bpftool prog show | grep -c '^[0-9]')
	disk_io 300
	sleep 1.5
	body=$(exec 3<>/dev/tcp/127.0.0.1/$port && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3)
	wait "$pid"
	rc=$?
	out=$(cat /var/tmp/vqrunpin$$.err)
	ASSERT_EQ "$rc" 0 "run --from-pinned exit status after --duration" || { echo "$out"; return 1; }
	ASSERT_EQ "$progs_during" "$progs_before" "programs loaded by run --from-pinned" || return
	ASSERT_MATCH "$out" "monitoring the pin at $dir; hooks: notify=" "it says whose monitor it reads" || return
	ASSERT_MATCH "$body" 'vqmod_controller_running 1' "the controller shows in the metrics" || return
	ASSERT_MATCH "$body" 'vqmod_virtqueue_interrupts_total\{[^}]*queue="req.0"[^}]*\} [1-9]' \
		"the pin's counts in its metrics" || return
	ASSERT_TRUE "the pin still counts after the run" test -e "$dir/maps/vq_stats" || return

	ASSERT_TRUE "a pin without notification hooks" "$VQMOD" pin --max-queues 64 --hooks net-rx "$bare" || return
	rc=0
	out=$("$VQMOD" run --dry-run --from-pinned "$bare" --duration 1 2>&1) || rc=$?
	ASSERT_EQ "$rc" 5 "run --from-pinned on it: exit status" || return
	ASSERT_MATCH "$out" "neither the notify nor the vhost-vdpa hooks" "run --from-pinned on it: message"
}

test_pin_errors() {
	need_bpf
	local rc out args
	while IFS='|' read -r args want msg; do
		rc=0
		out=$(eval "\"$VQMOD\" $args" 2>&1 >/dev/null) || rc=$?
		ASSERT_EQ "$rc" "$want" "exit status of 'vqmod $args'" || return
		ASSERT_MATCH "$out" "$msg" "message of 'vqmod $args'" || return
	done <<-'EOF'
		pin|2|which DIR
		pin /sys/fs/bpf/a /sys/fs/bpf/b|2|exactly one DIR
		pin /tmp/vqmod-not-bpffs|2|not on a BPF filesystem
		pin /sys/fs/bpf/with.dot|2|cannot contain '\.'
		pin --hooks nosuch /sys/fs/bpf/x|2|invalid --hooks
		unpin|2|which DIR
		unpin /sys/fs/bpf/vqmod-no-such-pin|2|No such file
		top -b -n 1 --from-pinned /sys/fs/bpf/vqmod_no_such_pin|1|no vqmod pin at
		top -b -n 1 --from-pinned /sys/fs/bpf/x --hooks notify|2|does not apply|do not apply
		top -b -n 1 --from-pinned /sys/fs/bpf/x --self|2|--self
		run --dry-run --from-pinned /sys/fs/bpf/vqmod_no_such_pin --duration 1|1|no vqmod pin at
		run --dry-run --from-pinned /sys/fs/bpf/x --max-queues 64|2|do not apply
		run --dry-run --from-pinned /sys/fs/bpf/x --wake-every 4|2|do not apply
	EOF
}
