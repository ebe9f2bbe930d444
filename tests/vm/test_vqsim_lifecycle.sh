# SPDX-License-Identifier: GPL-2.0
# Queues that come and go (issue 12): a vqsim device is made and deleted 50
# times under traffic while the monitor runs (pinned, with vqmod top reading
# the pin). A deleted device's queues leave every map at once, on both
# sides: vqsim's (its vqsim_dev_del tracepoint) and the driver's virtioN
# (vring_del_virtqueue). The same name made again is a new identity,
# counted from zero.
# vq-kernels: 6.12

source "$VQ_ROOT/tests/monitor_lib.sh"
source "$VQ_ROOT/tests/vqsim_lib.sh"

DEV=vqsim0
# 20 rounds under traffic: 50 took CI 176 s (3.5 s a round under TCG)
ROUNDS=${VQ_LIFECYCLE_ROUNDS:-20}
PIN=/sys/fs/bpf/vqmod_lifecycle
PY=${PYTHON:-/usr/bin/python3}

# dump MAP FILE: the pinned map as bpftool prints it (JSON, with BTF's field names)
dump() { bpftool -j map dump pinned "$PIN/maps/$1" >"$2"; }

cleanup() {
	kill "${vqmod_pid:-}" 2>/dev/null
	wait "${vqmod_pid:-}" 2>/dev/null
	vdpa dev del $DEV 2>/dev/null
	"$VQMOD" unpin "$PIN" 2>/dev/null
	rm -rf "${log:-}" "${log:-}.err" "${snap:-}"
	true
}

# Reads the snapshots the rounds left in $snap (jq and python start slowly
# under TCG, so the rounds only take them) and prints one line per finding:
# "round N: what" for a failure, "ok ..." lines for the figures.
judge() {
	"$PY" - "$snap" "$DEV" "$ROUNDS" <<-'EOF'
		import json, os, sys
		snap, dev, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
		def load(name):
		    with open(os.path.join(snap, name)) as f:
		        return [e["formatted"] for e in json.load(f)]
		def mine(v, virtio):
		    k = v["key"]
		    return (k["source"] == 4 and v["dev_name"] == dev) or (k["source"] == 1 and k["dev"] == virtio)
		def ident(names, source, queue, virtio):
		    for e in names:
		        v = e["value"]
		        if v["key"]["source"] == source and v["key"]["queue"] == queue and mine(v, virtio):
		            return e["key"], v["gen"]
		    return None, None
		sgens, vgens = set(), set()
		for r in range(1, rounds + 1):
		    virtio = int(open(os.path.join(snap, f"{r}.virtio")).read().strip()[len("virtio"):])
		    names, stats = load(f"{r}.names"), load(f"{r}.stats")
		    counters = {e["key"]: e["value"] for e in stats}
		    q = json.load(open(os.path.join(snap, f"{r}.dev")))[0]
		    # vqsim's rx 0, and the driver's input.0 on top of it: counted from zero
		    for what, source, field, own in (("vqsim rx 0", 4, "packets", q["packets"]),
		                                     (f"virtio{virtio} input.0", 1, "irqs", q["notifications"])):
		        slot, gen = ident(names, source, 0, virtio)
		        if slot is None:
		            print(f"round {r}: {what} has no identity")
		            continue
		        c = counters[slot]
		        if c["gen"] != gen or c[field] > own or c[field] < 1:
		            print(f"round {r}: {what} (slot {slot}, gen {gen}): BPF {field} {c[field]}, the device's {own}")
		        (sgens if source == 4 else vgens).add(gen)
		    if r == 1:
		        print("ok round 1:", [f"{'virtio%d' % e['value']['key']['dev'] if e['value']['key']['source'] == 1 else dev}"
		                              f" queue {e['value']['key']['queue']} gen {e['value']['gen']}"
		                              for e in names if mine(e["value"], virtio)])
		    # just after the delete: none of the device's identities, on either side
		    left = [e["value"] for e in load(f"{r}.after") if mine(e["value"], virtio)]
		    if left:
		        print(f"round {r}: left after the delete: {left}")
		    if os.path.exists(os.path.join(snap, f"{r}.ids")):
		        ids = [e for e in load(f"{r}.ids") if e["key"]["source"] == 4]
		        ptrs = [e for e in load(f"{r}.ptrs") if e["key"]["kind"] == 3]
		        if ids or ptrs:
		            print(f"round {r}: vqsim keys {ids} and pointers {ptrs} left after the delete")
		if len(sgens) != rounds or len(vgens) != rounds:
		    print(f"round -: generations: {len(sgens)} for {dev}, {len(vgens)} for virtioN, not {rounds} each")
		print(f"ok {len(sgens)} generations of {dev} rx 0, {len(vgens)} of virtioN input.0")
	EOF
}

# Every cached ref (vq_ids, vq_ptrs) names a live identity, and vq_names holds exactly the live ones.
check_maps_consistent() {
	local out
	dump vq_stats "$snap/end.stats" && dump vq_names "$snap/end.names" &&
		dump vq_ids "$snap/end.ids" && dump vq_ptrs "$snap/end.ptrs" || return
	out=$("$PY" - "$snap" <<-'EOF'
		import json, os, sys
		load = lambda n: [e["formatted"] for e in json.load(open(os.path.join(sys.argv[1], n)))]
		live = {e["key"]: e["value"]["gen"] for e in load("end.stats")
		        if e["value"]["gen"] and e["value"]["state"] == 1}
		names, ids, ptrs = load("end.names"), load("end.ids"), load("end.ptrs")
		stale = lambda refs: sum(live.get(e["value"]["slot"]) != e["value"]["gen"] for e in refs)
		print(json.dumps({"live": len(live), "names": len(names), "ids": len(ids), "ptrs": len(ptrs),
		                  "stale_ids": stale(ids), "stale_ptrs": stale(ptrs),
		                  "stale_names": sum(live.get(e["key"]) != e["value"]["gen"] for e in names)}))
	EOF
	)
	echo "  maps: $out"
	ASSERT_EQ "$(jq -c '[.stale_ids, .stale_ptrs, .stale_names]' <<<"$out")" "[0,0,0]" \
		"entries of vq_ids, vq_ptrs, vq_names that name no live identity" || return
	ASSERT_EQ "$(jq '.names == .live and .ids == .live' <<<"$out")" true "one name and one key per live identity"
}

test_create_delete_under_traffic() {
	local i next0 next1 gone0 gone1 out last
	need_bpf
	vqsim_require || return
	"$PY" -c 'import json' 2>/dev/null || skip "no python3"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	log=$(mktemp) snap=$(mktemp -d)
	trap cleanup EXIT
	"$VQMOD" unpin "$PIN" 2>/dev/null
	ASSERT_TRUE "vqmod pin" "$VQMOD" pin --max-queues 256 "$PIN" || return
	ASSERT_TRUE "the vqsim_dev_del program is attached" test -e "$PIN/links/vqsim_dev_del_raw" || return
	ASSERT_MATCH "$(ls "$PIN/links")" "vring_del_(fentry|kprobe)" "the removal hook is attached" || return
	# vqmod top reads the pin all along: its cache must let go of the queues too
	start_vqmod "$log" top --from-pinned "$PIN" --json -i 1 || return
	dump vqmon_state "$snap/state0" || return
	for i in $(seq "$ROUNDS"); do
		vqsim_up $DEV max_vqp 1 || return
		echo "$VQSIM_VIRTIO" >"$snap/$i.virtio"
		vqsim_traffic $DEV 0 start rate 2000 size 128 || return
		sleep 0.4
		# BPF's counts first, then the device's: with no counter carried over, BPF's are at most the device's
		dump vq_names "$snap/$i.names" && dump vq_stats "$snap/$i.stats" || return
		"$VQMOD" sim stats $DEV 0 --json >"$snap/$i.dev" || return
		# deleted with the source running: its queues leave every map at once
		ASSERT_TRUE "round $i: vdpa dev del under traffic" vdpa dev del $DEV || return
		dump vq_names "$snap/$i.after" || return
		if [ $((i % 10)) = 0 ] || [ "$i" = "$ROUNDS" ]; then
			dump vq_ids "$snap/$i.ids" && dump vq_ptrs "$snap/$i.ptrs" || return
		fi
	done
	dump vqmon_state "$snap/state1" || return
	out=$(judge) || return
	grep '^ok' <<<"$out" | sed 's/^ok /  /'
	ASSERT_EQ "$(grep -v '^ok' <<<"$out" | head -5)" "" "every round: counted from zero, a new generation, nothing left" || return
	read -r next0 gone0 <<<"$(jq -r '.[0].formatted.value | "\(.next_slot) \(.gone)"' "$snap/state0")"
	read -r next1 gone1 <<<"$(jq -r '.[0].formatted.value | "\(.next_slot) \(.gone)"' "$snap/state1")"
	echo "  $ROUNDS rounds: slots handed out $next0 -> $next1, identities removed by hooks +$((gone1 - gone0))"
	# freed slots are reused: a device's few queues, not one set a round
	ASSERT_LE "$((next1 - next0))" 12 "slots handed out over $ROUNDS rounds" || return
	# at least rx 0 on each side has events every round; tx and the control queue may not
	ASSERT_GE "$((gone1 - gone0))" "$((2 * ROUNDS))" "identities removed by the hooks" || return
	check_maps_consistent || return
	# vqmod top let go of them too, within a period
	sleep 2.2
	last=$(tail -1 "$log")
	ASSERT_EQ "$(jq --arg d $DEV '[.queues[] | select(.dev == $d)] | length' <<<"$last")" 0 \
		"vqmod top's last interval shows no $DEV" || return
	echo "  vqmod top: $(jq -s -c '{intervals: length, vanished: (map(.vanished) | add), monitor: .[-1].monitor}' "$log")"
	ASSERT_GE "$(jq -s 'map(.vanished) | add' "$log")" "$ROUNDS" "queues vqmod top saw vanish" || return
	ASSERT_GE "$(jq '.monitor.removed' <<<"$last")" "$((2 * ROUNDS))" "top's monitor object counts the removals"
}
