# SPDX-License-Identifier: GPL-2.0
# The monitor with bpftool alone on the live host: bpftool 7.5, built from
# Debian's linux-source-6.12 (tools/bpftool), loads, autoattaches and pins
# vqmon_host.bpf.o; it counts with no vqmod process, as /proc/interrupts
# does, and vqmod top --from-pinned reads it. Debian's bpftool 7.1 loads,
# pins and dumps the same object but cannot attach it.

source "$VQ_ROOT/tests/monitor_lib.sh"
HOST_OBJ=$VQ_ROOT/.output/vqmon_host.bpf.o
# the host object's programs, one per hook, and the tracepoint of each
HOST_PROGS="irq_entry_btf:irq_handler_entry napi_poll_btf:napi_poll net_rx_btf:napi_gro_receive_entry
	net_tx_btf:net_dev_start_xmit"

need_ksrc() {
	dpkg-query -W -f='${Status}' linux-source-6.12 2>/dev/null | grep -q 'ok installed' ||
		skip "no linux-source-6.12 to build bpftool 7.5 from (make deps)"
}

# Sets BPFTOOL75 to bpftool 7.5, built once (tools/bpftool).
need_bpftool75() {
	need_ksrc
	BPFTOOL75=$(tools/bpftool) || {
		echo "  tools/bpftool failed"
		_vq_mark_failed
		return 1
	}
}

need_pin_dir() {
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	[ -r "$HOST_OBJ" ] || skip "no $HOST_OBJ (make)"
}

# The virtio index of the virtio-blk disk under /var/tmp ("" if none).
virtio_blk_of_tmp() {
	virtio_of_block "$(basename "$(findmnt -no SOURCE -T /var/tmp)")"
}

disk_io() { # count
	dd if=/dev/zero of=/var/tmp/vqbt$$.dd bs=4k count="$1" oflag=direct status=none
	rm -f /var/tmp/vqbt$$.dd
}

# The processes that hold a BPF map by id (none: only the pins keep it).
map_holders() { # id
	grep -lx "map_id:[[:space:]]*$1" /proc/[0-9]*/fdinfo/* 2>/dev/null | cut -d/ -f3 | sort -u | tr '\n' ' '
}

# A queue's slot in a pinned monitor, from vq_names ("" if it has none).
pinned_slot() { # dir vdev queue
	bpftool -j map dump pinned "$1/maps/vq_names" |
		jq -r --argjson dev "${2#virtio}" --arg q "$3" \
			'.[] | select(.formatted.value.key.dev == $dev and .formatted.value.queue_name == $q) | .formatted.key'
}

# A counter of a slot in a pinned vq_stats.
pinned_counter() { # dir slot field
	bpftool -j map lookup pinned "$1/maps/vq_stats" key $(printf '%d %d %d %d' \
		$(($2 & 255)) $(($2 >> 8 & 255)) $(($2 >> 16 & 255)) $(($2 >> 24))) | jq ".formatted.value.$3"
}

test_bpftool_75_builds_once() {
	need_ksrc
	local bin ver t0 mtime
	bin=$(tools/bpftool) || { ASSERT_TRUE "tools/bpftool builds" false; return; }
	ASSERT_EQ "$bin" "$VQ_ROOT/.output/bpftool/bpftool" "where it is built" || return
	ver=$("$bin" version)
	echo "  $(tr '\n' ' ' <<<"$ver")"
	ASSERT_MATCH "$(head -1 <<<"$ver")" '^bpftool v7\.5\.[0-9]+$' "the version" || return
	ASSERT_MATCH "$ver" 'using libbpf v1\.5' "its libbpf" || return
	ASSERT_EQ "$(grep -cE 'llvm|libbfd|skeletons' <<<"$ver")" 0 "optional features built in" || return
	# the second time it is the cached binary
	mtime=$(stat -c %Y "$bin")
	t0=$(date +%s)
	ASSERT_EQ "$(tools/bpftool 2>&1)" "$bin" "a second call only prints the path" || return
	ASSERT_LE "$(($(date +%s) - t0))" 2 "seconds a cached call takes" || return
	ASSERT_EQ "$(stat -c %Y "$bin")" "$mtime" "not rebuilt" || return
	ASSERT_TRUE "never committed: .output is ignored" git check-ignore -q "$bin" || return
	ASSERT_EQ "$(git ls-files .output | wc -l)" 0 "files under .output in git"
}

# Why the host object exists: bpftool 7.5 autoattaches (and pins) every
# program, and fails on the "?" ones of vqmon.bpf.o, which libbpf did not load.
test_bpftool_75_fails_on_optional_programs() {
	need_bpf
	need_pin_dir
	need_bpftool75 || return
	local pin=/sys/fs/bpf/vqmod_test_bt_opt_$$ out rc=0
	trap "rm -rf '$pin'" EXIT
	out=$("$BPFTOOL75" prog loadall "$VQ_ROOT/.output/vqmon.bpf.o" "$pin" autoattach pinmaps "$pin/maps" 2>&1) || rc=$?
	echo "  $(grep -m1 -E "can't|failed" <<<"$out")"
	ASSERT_NE "$rc" 0 "loadall autoattach of the object with \"?\" programs" || return
	ASSERT_MATCH "$out" "without FD|failed to pin" "the reason" || return
	ASSERT_EQ "$(ls "$pin" 2>/dev/null | wc -l)" 0 "pins left behind"
}

test_bpftool_75_alone_counts_match_proc_interrupts() {
	need_bpf
	need_pin_dir
	need_bpftool75 || return
	local pin=/sys/fs/bpf/vqmod_test_bt_$$ vdev p prog tp out ids= id slot p0 p1 b0 b1 left
	trap "kill \${vqmod_pid:-} 2>/dev/null; rm -rf '$pin'" EXIT
	vdev=$(virtio_blk_of_tmp) || skip "/var/tmp is not on a virtio-blk disk"
	ASSERT_TRUE "bpftool 7.5 prog loadall ... autoattach pinmaps" \
		"$BPFTOOL75" prog loadall "$HOST_OBJ" "$pin" autoattach pinmaps "$pin/maps" || return
	# each program attached once, on its own hook: a link each, no twin
	# (read with the system's bpftool: 7.5's link show exits 255 after printing)
	for p in $HOST_PROGS; do
		prog=${p%%:*} tp=${p#*:}
		out=$(bpftool -j link show pinned "$pin/$prog") || { ASSERT_TRUE "$prog is a pinned link" false; return; }
		ASSERT_EQ "$(jq -r .tp_name <<<"$out")" "$tp" "$prog's tracepoint" || return
		ids+="$(jq .prog_id <<<"$out") "
	done
	ASSERT_EQ "$(find "$pin" -maxdepth 1 -type f | wc -l)" 4 "pinned links (one per hook)" || return
	ASSERT_EQ "$(bpftool -j link show | jq --arg tp irq_handler_entry \
		--argjson ids "[${ids// /,}0]" '[.[] | select(.tp_name == $tp and (.prog_id | IN($ids[])))] | length')" 1 \
		"links of this pin on irq_handler_entry" || return
	id=$(bpftool -j map show pinned "$pin/maps/vq_stats" | jq .id)
	ASSERT_EQ "$(map_holders "$id")" "" "processes holding the monitor's counters" || return

	# bpftool alone: the pinned counters move as /proc/interrupts does
	disk_io 100 # req.0 has its slot
	slot=$(pinned_slot "$pin" "$vdev" req.0)
	ASSERT_MATCH "$slot" '^[0-9]+$' "$vdev req.0 has a slot in vq_names" || return
	p0=$(proc_irqs "$vdev-req.0")
	b0=$(pinned_counter "$pin" "$slot" irqs)
	timeout 10 dd if=/dev/zero of=/var/tmp/vqbt$$.dd bs=4k count=1000000 oflag=direct status=none
	b1=$(pinned_counter "$pin" "$slot" irqs)
	p1=$(proc_irqs "$vdev-req.0")
	rm -f /var/tmp/vqbt$$.dd
	echo "  $vdev-req.0 over 10 s, no vqmod running: /proc/interrupts +$((p1 - p0)), pinned vq_stats +$((b1 - b0))"
	ASSERT_NEAR "$((b1 - b0))" "$((p1 - p0))" 1 2 "interrupts counted by bpftool's monitor" || return
	ASSERT_EQ "$(map_holders "$id")" "" "processes holding the counters after counting" || return

	# vqmod top --from-pinned reads them, as the live-host test does vqmod's own
	out=$("$VQMOD" top -J -i 0.3 -n 1 --from-pinned "$pin" 2>/dev/null)
	ASSERT_EQ "$(jq -c '.hooks | [.notify, .handler, .napi, ."net-rx", ."net-tx", .kick]' <<<"$out")" \
		'["tp_btf irq_handler_entry",null,"tp_btf napi_poll","tp_btf napi_gro_receive_entry","tp_btf net_dev_start_xmit",null]' \
		"hooks, as the pinned links tell" || return
	vqmod_source="--from-pinned $pin" check_irqs_match "$vdev" 12 \
		timeout 10 dd if=/dev/zero of=/var/tmp/vqbt$$.dd bs=4k count=1000000 oflag=direct status=none || return
	rm -f /var/tmp/vqbt$$.dd

	# vqmod unpin takes bpftool's layout: the pins go, and the programs with them
	ASSERT_TRUE "vqmod unpin of bpftool's pin" "$VQMOD" unpin "$pin" || return
	ASSERT_TRUE "the pin is gone" test ! -e "$pin" || return
	wait_until 5 progs_gone $ids
	left=$(progs_left $ids)
	ASSERT_EQ "$left" "" "programs left after unpin"
}

# What the README says of Debian's bpftool 7.1: it loads, pins and dumps the
# host object, but cannot attach it, so nothing is counted.
test_debian_bpftool_71_loads_pins_dumps_but_cannot_attach() {
	need_bpf
	need_pin_dir
	local pin=/sys/fs/bpf/vqmod_test_bt71_$$ ver out rc=0 p prog ids= n slots
	command -v bpftool >/dev/null || skip "no bpftool (make deps)"
	ver=$(bpftool version | head -1)
	[[ $ver =~ ^bpftool\ v7\.1\. ]] || skip "the system's bpftool is '$ver', not bookworm's 7.1"
	trap "rm -rf '$pin'" EXIT
	out=$(bpftool prog loadall "$HOST_OBJ" "$pin" autoattach pinmaps "$pin/maps" 2>&1) || rc=$?
	ASSERT_NE "$rc" 0 "$ver: loadall ... autoattach" || return
	ASSERT_MATCH "$out" "got: 'autoattach'" "$ver does not know autoattach" || return
	rm -rf "$pin"
	ASSERT_TRUE "$ver: prog loadall ... pinmaps" bpftool prog loadall "$HOST_OBJ" "$pin" pinmaps "$pin/maps" || return
	for p in $HOST_PROGS; do
		prog=${p%%:*}
		out=$(bpftool -j prog show pinned "$pin/$prog") || { ASSERT_TRUE "$prog is pinned" false; return; }
		ids+="$(jq .id <<<"$out"),"
	done
	ASSERT_EQ "$(bpftool -j link show | jq --argjson ids "[${ids}0]" '[.[] | select(.prog_id | IN($ids[]))] | length')" 0 \
		"links to the loaded programs" || return
	# dump: every slot, with its field names
	n=$(bpftool -j map dump pinned "$pin/maps/vq_stats" | jq 'length')
	slots=$(sed -n 's/^#define VQMON_DEFAULT_QUEUES \([0-9]*\)$/\1/p' include/vqmon.h)
	echo "  $ver: loadall and pinmaps work; vq_stats dumps $n entries; no link"
	ASSERT_EQ "$n" "$slots" "entries in the dump of vq_stats" || return
	ASSERT_MATCH "$(bpftool map lookup pinned "$pin/maps/vq_stats" key 0 0 0 0)" '"irqs": 0' "field names" || return
	disk_io 300
	ASSERT_EQ "$(bpftool -j map lookup pinned "$pin/maps/vqmon_state" key 0 0 0 0 | jq .formatted.value.next_slot)" 0 \
		"queues seen after 300 writes: nothing attached, nothing counted" || return
	# vqmod reads such a pin, and says what it is: no hook attached
	out=$("$VQMOD" top -J -i 0.3 -n 1 --from-pinned "$pin" 2>/dev/null) || { ASSERT_TRUE "top --from-pinned" false; return; }
	ASSERT_EQ "$(jq -c '[.hooks.notify, (.queues | length)]' <<<"$out")" '[null,0]' "top --from-pinned on 7.1's pin" || return
	ASSERT_TRUE "vqmod unpin of 7.1's pin" "$VQMOD" unpin "$pin" || return
	ASSERT_TRUE "the pin is gone" test ! -e "$pin"
}
