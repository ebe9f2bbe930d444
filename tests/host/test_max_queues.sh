# SPDX-License-Identifier: GPL-2.0
# A small map on the live host (--max-queues N): every virtqueue that fires
# holds a slot or is refused and counted, never dropped unsaid; a refusal
# comes only once every slot is taken; and the count shows in vqmod top's
# header (table and TUI), its JSON "monitor" object and its Prometheus
# metrics. This machine has 11 virtqueue vectors, of which 8 at most can be
# made to fire from inside it (disk, rng, network, vsock, balloon stats and
# page reporting), so --max-queues 8 holds them all here, and refusals are
# seen with 2 slots.

source "$VQ_ROOT/tests/monitor_lib.sh"

need_pin() {
	need_bpf
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

# Every virtqueue vector in /proc/interrupts (virtioN-*, not -config) and its count, sorted.
vq_vectors() {
	awk '$NF ~ /^virtio[0-9]+-/ && $NF !~ /-config$/ {
		s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print $NF, s }' /proc/interrupts | sort
}

# How many vectors moved from one vq_vectors file to another.
vectors_moved() { join "$1" "$2" | awk '$3 != $2' | wc -l; }

# Interrupts on as many virtqueues as can be driven from here.
drive_queues() {
	local gw
	dd if=/dev/zero of=/var/tmp/vqmq$$.dd bs=4k count=300 oflag=direct status=none # the disk's req.0
	rm -f /var/tmp/vqmq$$.dd
	if grep -q '^virtio_rng' /sys/class/misc/hw_random/rng_current 2>/dev/null; then
		dd if=/dev/hwrng of=/dev/null bs=64 count=20 status=none # virtio-rng's input
	fi
	gw=$(ip -4 route show default | awk '{print $3; exit}')
	# UDP to the discard port of the gateway: virtio-net's output.0, and input.0 for what comes back
	[ -n "$gw" ] && python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(50):
	s.sendto(b"x" * 100, (sys.argv[1], 9))' "$gw"
	sleep 1
}

# check_refused N: pins a monitor of N slots (notifications only, so that a
# queue holds a slot only if its vector fired), drives the queues, and reads
# the pin as a table, as JSON with Prometheus beside it, and in the TUI.
# Sets refused to the refused queues.
check_refused() {
	local n=$1 pin=/sys/fs/bpf/vqmod_test_maxq_$$ tmp lo hi table json prom q events slots next
	tmp=$(mktemp -d)
	trap "'$VQMOD' unpin '$pin' 2>/dev/null; rm -rf '$tmp'" EXIT
	vq_vectors >"$tmp/before"
	ASSERT_TRUE "vqmod pin --max-queues $n" "$VQMOD" pin --hooks notify --max-queues "$n" "$pin" 2>/dev/null || return
	vq_vectors >"$tmp/attached"
	drive_queues
	vq_vectors >"$tmp/driven"
	# --idle-timeout 0: the reader frees no slot, so the map stays as BPF filled it
	table=$("$VQMOD" top -b -i 0.3 -n 1 --idle-timeout 0 --from-pinned "$pin" 2>/dev/null) || {
		ASSERT_TRUE "top -b --from-pinned" false
		return
	}
	json=$("$VQMOD" top -J -i 0.3 -n 1 --idle-timeout 0 --prom-file "$tmp/prom" --from-pinned "$pin" 2>/dev/null) || {
		ASSERT_TRUE "top -J --from-pinned" false
		return
	}
	next=$(bpftool -j map lookup pinned "$pin/maps/vqmon_state" key 0 0 0 0 | jq .formatted.value.next_slot)
	vq_vectors >"$tmp/after"
	lo=$(vectors_moved "$tmp/attached" "$tmp/driven") # fired while attached: seen
	hi=$(vectors_moved "$tmp/before" "$tmp/after")	   # fired at all: could have been seen
	q=$(jq '.queues | length' <<<"$json")
	refused=$(jq .monitor.refused_queues <<<"$json")
	events=$(jq .monitor.refused_events <<<"$json")
	slots=$(jq .monitor.max_queues <<<"$json")
	echo "  --max-queues $n: $lo to $hi virtqueues fired ($(join "$tmp/before" "$tmp/after" | awk '$3 != $2 {printf "%s ", $1}'))"
	echo "  $q hold a slot ($(jq -r '[.queues[] | .dev + " " + .queue] | join(", ")' <<<"$json")); refused: $refused queues, $events events"
	echo "  table header: $(head -1 <<<"$table")"
	ASSERT_EQ "$slots" "$n" "JSON monitor.max_queues" || return
	# BPF's own count of slots handed out, read after the JSON: a queue may have come since
	ASSERT_LE "$q" "$next" "queues shown, against slots handed out (vqmon_state.next_slot)" || return
	ASSERT_LE "$next" "$n" "slots handed out of $n" || return
	ASSERT_GE "$((q + refused))" "$lo" "queues that fired while attached: each in a slot or refused" || return
	ASSERT_LE "$((q + refused))" "$hi" "queues counted or refused: no more than fired" || return
	if [ "$refused" -gt 0 ]; then
		ASSERT_EQ "$q" "$n" "a queue is refused only when every slot is taken" || return
		ASSERT_GE "$events" "$refused" "events of the refused queues" || return
		# the table was read first: its count can only be lower
		ASSERT_MATCH "$(head -1 <<<"$table")" "REFUSED [1-9][0-9]* queues \\(no free slot of $n: --max-queues\\)" \
			"the table's header" || return
		ASSERT_LE "$(head -1 <<<"$table" | sed -n 's/.*REFUSED \([0-9]*\) queues.*/\1/p')" "$refused" \
			"the table's count" || return
	else
		ASSERT_EQ "$(grep -c REFUSED <<<"$table")" 0 "REFUSED in the table with nothing refused" || return
	fi
	# Prometheus: the same report as the JSON
	prom=$(cat "$tmp/prom")
	ASSERT_MATCH "$prom" $'\nvqmod_monitor_slots '"$n"$'\n' "vqmod_monitor_slots" || return
	ASSERT_MATCH "$prom" $'\nvqmod_monitor_refused_queues_total '"$refused"$'\n' "vqmod_monitor_refused_queues_total" || return
	ASSERT_MATCH "$prom" $'\nvqmod_monitor_refused_events_total '"$events"$'\n' "vqmod_monitor_refused_events_total" || return
	check_tui_refused "$pin" "$refused"
}

# The interactive top's header says REFUSED too, in an 80x24 pane.
check_tui_refused() { # pin refused
	local sock=vqmq$BASHPID s
	command -v tmux >/dev/null || skip "no tmux"
	tmux -L "$sock" -f /dev/null new-session -d -s t -x 80 -y 24 \
		"env TERM=screen LANG=C.UTF-8 $VQMOD top -i 0.3 --idle-timeout 0 --from-pinned $1"
	for _ in $(seq 50); do
		s=$(tmux -L "$sock" capture-pane -p -t t | head -1)
		[[ $s =~ ^vqmod\ top\ [0-9]{2}: ]] && break # a period shown
		sleep 0.1
	done
	tmux -L "$sock" kill-server 2>/dev/null
	echo "  TUI header: $s"
	ASSERT_MATCH "$s" "^vqmod top [0-9]{2}:.* queues [0-9]+" "the TUI's header, after a period" || return
	if [ "$2" -gt 0 ]; then
		ASSERT_MATCH "$s" "REFUSED [1-9][0-9]*" "REFUSED in the TUI's header"
	else
		ASSERT_EQ "$(grep -c REFUSED <<<"$s")" 0 "REFUSED in the TUI with nothing refused"
	fi
}

# Eight slots: as many as this host can make fire, so none is refused here;
# on a host with more busy queues the same checks see the refusals.
test_max_queues_8() {
	need_pin
	local refused
	check_refused 8
}

# Two slots, and more queues than that firing: the rest are refused, and said so.
test_max_queues_2_refuses() {
	need_pin
	local refused
	check_refused 2 || return
	ASSERT_GE "$refused" 1 "queues refused with 2 slots"
}
