# SPDX-License-Identifier: GPL-2.0
# The BPF monitor on the live host kernel: counts against /proc/interrupts,
# bpftool on the object and the maps, the JSON schema, errors and exit codes.

source "$VQ_ROOT/tests/monitor_lib.sh"
HOST_OBJ=$VQ_ROOT/.output/vqmon_host.bpf.o # the object for bpftool on its own

# The virtio index of the virtio-blk disk under a directory ("" if none).
virtio_blk_of() {
	local src
	src=$(findmnt -no SOURCE -T "$1") || return
	virtio_of_block "$(basename "$src")"
}

# Over one 10 s window of O_DIRECT writes, vqmod's count for each busy
# queue of the disk equals that vector's change in /proc/interrupts.
test_irqs_match_proc_interrupts() {
	need_bpf
	local dir vdev
	dir=$(mktemp -d /var/tmp/vqmod-test.XXXXXX)
	trap "kill \${vqmod_pid:-} 2>/dev/null; rm -rf '$dir'" EXIT
	vdev=$(virtio_blk_of "$dir") || skip "$dir is not on a virtio-blk disk"
	check_irqs_match "$vdev" 12 timeout 10 dd if=/dev/zero of="$dir/f" bs=4k count=1000000 oflag=direct status=none
}

# The raw_tp fallback of the irq tracepoints counts the same.
test_raw_tp_fallback_counts_the_same() {
	need_bpf
	local dir vdev
	dir=$(mktemp -d /var/tmp/vqmod-test.XXXXXX)
	trap "kill \${vqmod_pid:-} 2>/dev/null; rm -rf '$dir'" EXIT
	vdev=$(virtio_blk_of "$dir") || skip "$dir is not on a virtio-blk disk"
	vqmod_extra="--hook-types raw_tp"
	check_irqs_match "$vdev" 5 timeout 3 dd if=/dev/zero of="$dir/f" bs=4k count=1000000 oflag=direct status=none
}

# The object files load here as in each guest (tests/vm/test_monitor.sh).
test_same_object_attaches() {
	check_object_attaches
}

test_bpftool_loadall_and_field_names() {
	need_bpf
	local pin=/sys/fs/bpf/vqmod_test_$$ out # bpffs refuses dots in names
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	mkdir -p "$pin"
	trap "rm -rf '$pin'" EXIT
	ASSERT_TRUE "bpftool prog loadall" bpftool prog loadall "$HOST_OBJ" "$pin/progs" pinmaps "$pin/maps" || return
	# an identity: dev 1, queue 0, source virtio -> slot 7, generation 9
	ASSERT_TRUE "map update" bpftool map update pinned "$pin/maps/vq_ids" \
		key hex 01 00 00 00 00 00 01 00 00 00 00 00 value hex 07 00 00 00 09 00 00 00 || return
	out=$(bpftool map dump pinned "$pin/maps/vq_ids")
	ASSERT_MATCH "$out" '"dev": 1' "key field names in the dump" || return
	ASSERT_MATCH "$out" '"slot": 7' "value field names in the dump" || return
	out=$(bpftool map lookup pinned "$pin/maps/vq_stats" key hex 07 00 00 00)
	ASSERT_MATCH "$out" '"irqs": 0' "counter field names" || return
	ASSERT_MATCH "$out" '"handler_ns"' "counter field names"
}

# The live map of a running vqmod dumps with field names too.
test_live_map_dump() {
	need_bpf
	local log out
	log=$(mktemp)
	trap "kill \${vqmod_pid:-} 2>/dev/null; rm -f '$log' '$log.err'" EXIT
	start_vqmod "$log" top -b -i 5 -n 1 --max-queues 64 || return
	dd if=/dev/zero of=/var/tmp/vqmod-live.$$ bs=4k count=200 oflag=direct status=none
	rm -f /var/tmp/vqmod-live.$$
	out=$(bpftool map dump name vq_names)
	ASSERT_MATCH "$out" '"queue": [0-9]+' "identity fields" || return
	ASSERT_MATCH "$out" '"driver": "virtio_blk"' "identity names" || return
	out=$(bpftool map dump name vq_stats)
	ASSERT_MATCH "$out" '"irqs": [1-9]' "counted notifications"
}

# Every documented field, with its JSON type (README: JSON output).
test_json_schema() {
	need_bpf
	local out types load
	# disk writes through both intervals, however long vqmod takes to load
	timeout 30 dd if=/dev/zero of=/var/tmp/vqmod-json.$$ bs=4k count=1000000 oflag=direct status=none &
	load=$!
	out=$("$VQMOD" top --json --self -i 0.5 -n 2 2>/dev/null)
	kill "$load" 2>/dev/null # no writes left to disturb the next test's counts
	wait "$load" 2>/dev/null
	rm -f /var/tmp/vqmod-json.$$
	ASSERT_EQ "$(wc -l <<<"$out")" 2 "one line per interval" || return
	ASSERT_TRUE "every line parses" jq -e . <<<"$out" >/dev/null || return
	types=$(jq -c '[
		(.time|type), (.interval_s|type), (.interval_ns|type), (.hooks|type), (.queues|type),
		(.totals|type), (.vanished|type), (.programs|type),
		(.hooks.notify|type)]' <<<"$out" | sort -u)
	ASSERT_EQ "$types" '["number","number","number","object","array","object","number","array","string"]' \
		"top-level fields" || return
	ASSERT_EQ "$(jq -c '.queues[] | [
		(.dev,.driver,.queue,.type,.source|type),
		(.index,.irqs,.irqs_per_s,.spurious,.spurious_per_s,.packets,.packets_per_s,.bytes,.bytes_per_s,
		 .kicks,.kicks_per_s,.polls,.polls_per_s,.packets_per_irq,.handler_ns,.avg_handler_ns|type),
		(.appeared,.reset|type)] | unique' <<<"$out" | sort -u)" '["boolean","number","string"]' \
		"queue fields" || return
	ASSERT_EQ "$(jq -c '[(.controller | type), (.queues[] | .coalesce | type)] | unique - ["null", "string", "object"]' \
		<<<"$out" | sort -u)" '[]' "controller and coalesce: null without a vqmod run" || return
	ASSERT_EQ "$(jq -c '[.queues[] | .type] - ["rx","tx","ctrl","req","admin","other"]' <<<"$out" | sort -u)" \
		'[]' "queue types" || return
	ASSERT_EQ "$(jq -c '[.totals | .irqs,.irqs_per_s,.packets,.bytes,.packets_per_irq,.avg_handler_ns | type] | unique' \
		<<<"$out" | sort -u)" '["number"]' "totals fields" || return
	ASSERT_EQ "$(jq -c '.programs[] | [.name|type], [.events,.events_per_s,.run_ns,.ns_per_event,.cpu_percent|type] | unique' \
		<<<"$out" | sort -u | tr '\n' ' ')" '["number"] ["string"] ' "--self program fields" || return
	ASSERT_MATCH "$(jq -r '.interval_s' <<<"$out" | head -1)" '^0\.(4|5)[0-9]*$' "measured interval near 0.5 s"
}

# Every bad option and combination: non-zero, the reason, a usage hint.
test_bad_arguments() {
	check_bad_arguments <<-'EOF'
		bogus
		top --bogus
		top -i
		top -i 0
		top -i -1
		top -i abc
		top -i 1e9
		top -n 0
		top -n 1.5
		top --sort nosuch
		top --filter '(['
		top --filter a --filter b
		top --hooks nosuch
		top --hooks notify,
		top -i 1 2
		top -n 2 1 2
		top 1 2 3
	EOF
}

test_exit_codes() {
	need_bpf
	local rc out
	rc=0
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$VQMOD" top -b -n 1 2>&1) || rc=$?
	ASSERT_EQ "$rc" 3 "no privilege: exit status" || return
	ASSERT_MATCH "$out" "not allowed to use BPF" "no privilege: message" || return
	rc=0
	out=$("$VQMOD" top -b -n 1 --btf /nonexistent/btf 2>&1) || rc=$?
	ASSERT_EQ "$rc" 4 "no BTF: exit status" || return
	ASSERT_MATCH "$out" "no BTF at /nonexistent/btf" "no BTF: message" || return
	grep -qw vhost_signal /proc/kallsyms && skip "this kernel has vhost, so --hooks vhost can attach"
	rc=0
	out=$("$VQMOD" top -b -n 1 --hooks vhost 2>&1) || rc=$?
	ASSERT_EQ "$rc" 5 "missing feature: exit status" || return
	ASSERT_MATCH "$out" "none of the requested hooks can attach" "missing feature: message"
}

# SIGTERM and SIGINT stop vqmod cleanly, and its programs go with it.
test_signals_detach() {
	need_bpf
	local log sig rc ids id left
	log=$(mktemp)
	trap "kill \${vqmod_pid:-} 2>/dev/null; rm -f '$log' '$log.err'" EXIT
	for sig in TERM INT; do
		start_vqmod "$log" top -b -i 0.2 || return
		# the programs this process holds (other vqmods may run alongside)
		ids=$(cat /proc/"$vqmod_pid"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ {print $2}' | sort -u)
		ASSERT_NE "$ids" "" "programs held while running" || return
		kill -s "$sig" "$vqmod_pid"
		rc=0
		wait "$vqmod_pid" || rc=$?
		ASSERT_EQ "$rc" 0 "exit status after SIG$sig" || return
		# programs are freed after an RCU grace period: allow a moment
		wait_until 5 progs_gone $ids
		left=$(progs_left $ids)
		ASSERT_EQ "$left" "" "programs left after SIG$sig" || return
	done
}
