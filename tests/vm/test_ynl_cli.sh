# SPDX-License-Identifier: GPL-2.0
# An independent client of the vqsim family: the kernel's own YNL CLI
# (tools/net/ynl/cli.py from Debian's linux-source-6.12, unpacked by
# tools/ksrc under .output) driven by include/uapi/vqsim.yaml alone. It runs
# every command, do and dump, and hears COAL_NTF; its answers must equal
# `vqmod sim`'s, and a refusal must come back with the extack message and the
# attribute its offset points at.
# vq-kernels: 6.12

source "$VQ_ROOT/tests/vqsim_lib.sh"

SIM="$VQ_ROOT/vqmod sim"
SPEC=$VQ_ROOT/include/uapi/vqsim.yaml
PY=/usr/bin/python3
DEV=vqsim0

ynl_setup() {
	"$PY" -c 'import yaml' 2>/dev/null || skip "no python3-yaml (make deps)"
	# Normally unpacked on the host already (make ynl-gen, tests/host/test_ynl.sh).
	KSRC=$("$VQ_ROOT/tools/ksrc" tools/net/ynl Documentation/netlink) || skip "no kernel source for cli.py (tools/ksrc)"
	vqsim_require || return
	trap 'vqsim_down $DEV 2>/dev/null' EXIT
	vqsim_up $DEV max_vqp 2 mac 02:00:00:00:00:07 >/dev/null || return
}

# ynl ARGS...: cli.py with the spec; JSON out. The schema check is the host
# test's job, so most calls skip it (under TCG it costs seconds).
ynl() {
	"$PY" "$KSRC/tools/net/ynl/cli.py" --spec "$SPEC" --no-schema --output-json "$@"
}

# same_json A B KEYMAP: each pair "ynl-key=sim-key" of KEYMAP equal in objects
# A (cli.py) and B (vqmod sim); numbers, hex strings and enum names compared
# as values. Prints what differs.
same_json() {
	"$PY" - "$1" "$2" "$3" <<-'EOF'
		import json, sys
		a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
		a = a if isinstance(a, list) else [a]
		b = b if isinstance(b, list) else [b]
		def norm(v):
		    if isinstance(v, str) and v.startswith('0x'):
		        return int(v, 16)
		    return v
		bad = []
		if len(a) != len(b):
		    bad.append(f"{len(a)} objects from cli.py, {len(b)} from vqmod sim")
		for x, y in zip(a, b):
		    for pair in sys.argv[3].split():
		        ka, kb = pair.split('=')
		        va, vb = x.get(ka), y
		        for part in kb.split('.'):
		            vb = vb.get(part) if isinstance(vb, dict) else None
		        if norm(va) != norm(vb):
		            bad.append(f"{ka}: cli.py {va!r}, vqmod sim {vb!r}")
		print('; '.join(bad))
	EOF
}

test_schema_and_ops() {
	local out
	ynl_setup || return
	# Once with the kernel's schema check, as cli.py does by default.
	out=$("$PY" "$KSRC/tools/net/ynl/cli.py" --spec "$SPEC" \
		--schema "$KSRC/Documentation/netlink/genetlink-c.yaml" --list-ops 2>&1)
	echo "$out" | sed 's/^/  /'
	for op in dev-get coal-get coal-set coal-set-batch stats-get traffic-set; do
		ASSERT_TRUE "cli.py --list-ops has $op" grep -q "^$op " <<<"$out" || return
	done
}

test_dev_get() {
	local a b diff keys
	ynl_setup || return
	keys="dev-name=dev dev-vqp=vqp dev-queues=queues dev-mac=mac dev-mtu=mtu dev-status=status
		dev-features=features dev-virtio-index=virtio_index"
	a=$(ynl --dump dev-get) || return
	b=$($SIM devices --json) || return
	echo "  cli.py dump: $a"
	diff=$(same_json "$a" "$b" "$keys")
	ASSERT_EQ "$diff" "" "dev-get dump: cli.py = vqmod sim devices" || return
	a=$(ynl --do dev-get --json "{\"dev-name\": \"$DEV\"}") || return
	ASSERT_EQ "$(same_json "$a" "$b" "$keys")" "" "dev-get do: cli.py = vqmod sim devices" || return
	ASSERT_MATCH "$a" '"dev-mac": "02:00:00:00:00:07"' "the mac, as the spec's display hint shows it"
}

test_coal_get_set() {
	local a out
	ynl_setup || return
	# cli.py sets, vqmod sim reads.
	out=$(ynl --do coal-set --json "{\"dev-name\": \"$DEV\", \"queue\": 2, \"coal-usecs\": 77, \"coal-packets\": 5}")
	ASSERT_EQ "$out" "null" "coal-set's answer (an ack, no reply)" || return
	ASSERT_EQ "$($SIM coalesce $DEV 2)" "$DEV queue 2 usecs 77 frames 5 set-by netlink" "vqmod sim sees cli.py's set" || return
	# vqmod sim sets, cli.py reads. (--multi: several requests in one message,
	# which saves a python start, seconds under TCG.) One value alone keeps the other.
	$SIM coalesce $DEV 3 usecs 123 frames 45 >/dev/null || return
	a=$(ynl --multi coal-set "{\"dev-name\": \"$DEV\", \"queue\": 2, \"coal-packets\": 9}" \
		--multi coal-get "{\"dev-name\": \"$DEV\", \"queue\": 3}" \
		--multi coal-get "{\"dev-name\": \"$DEV\", \"queue\": 2}") || return
	echo "  cli.py coal-set, coal-get, coal-get: $a"
	ASSERT_EQ "$(jq -c '.[1] | [.["dev-name"], .queue, .["queue-type"], .["coal-usecs"], .["coal-packets"], .["coal-source"], .["queue-size"]]' <<<"$a")" \
		"[\"$DEV\",3,\"tx\",123,45,\"netlink\",256]" "cli.py reads vqmod sim's set, and the ring size" || return
	ASSERT_EQ "$(jq -c '.[2] | [.["coal-usecs"], .["coal-packets"]]' <<<"$a")" "[77,9]" "coal-packets alone kept coal-usecs"
}

test_coal_set_batch() {
	local a out
	ynl_setup || return
	a=$(ynl --do coal-set-batch --json "{\"batch\": {\"batch-entry\": [
		{\"dev-name\": \"$DEV\", \"queue\": 0, \"coal-usecs\": 10, \"coal-packets\": 1},
		{\"dev-name\": \"$DEV\", \"queue\": 1, \"coal-usecs\": 20, \"coal-packets\": 2},
		{\"dev-name\": \"$DEV\", \"queue\": 3, \"coal-usecs\": 30, \"coal-packets\": 3}]}}") || return
	echo "  cli.py coal-set-batch: $a"
	ASSERT_EQ "$(jq -c '.["batch-applied"]' <<<"$a")" 3 "entries applied" || return
	for q in 0:10:1 1:20:2 3:30:3; do
		IFS=: read -r qi u f <<<"$q"
		ASSERT_EQ "$($SIM coalesce $DEV "$qi")" "$DEV queue $qi usecs $u frames $f set-by netlink" "queue $qi after the batch" || return
	done
	# batch-partial: the reply names the refused entry, the rest applies.
	out=$(ynl --do coal-set-batch --json "{\"batch-partial\": true, \"batch\": {\"batch-entry\": [
		{\"dev-name\": \"$DEV\", \"queue\": 0, \"coal-usecs\": 11, \"coal-packets\": 1},
		{\"dev-name\": \"$DEV\", \"queue\": 9, \"coal-usecs\": 1, \"coal-packets\": 1}]}}") || return
	echo "$out" | sed 's/^/  cli.py coal-set-batch, partial: /'
	# It succeeded; the extack of the ack still names the refused entry.
	ASSERT_MATCH "$out" "Netlink warning:.*'msg': 'batch entry 1: queue 9 out of range" "cli.py prints the warning" || return
	a=$(tail -1 <<<"$out")
	ASSERT_EQ "$(jq -c '[.["batch-applied"], .["batch-result"][0]["batch-index"], .["batch-result"][0]["batch-error"]]' <<<"$a")" \
		"[1,1,-34]" "partial batch: 1 applied, entry 1 refused with -ERANGE" || return
	# vqmod sim's batch of the same, for the same answer.
	out=$(printf '%s 0 12 1\n%s 9 1 1\n' $DEV $DEV | $SIM batch --partial - 2>&1)
	ASSERT_MATCH "$out" "batch entry 1 \\($DEV queue 9\\): Numerical result out of range" "vqmod sim: the same entry refused" || return
	ASSERT_MATCH "$out" "2 entries, 1 applied, 1 refused" "vqmod sim: the same count"
}

test_stats_get() {
	local a b diff keys
	ynl_setup || return
	vqsim_traffic $DEV 0 start rate 300 size 200 || return
	sleep 1
	vqsim_traffic $DEV 0 stop || return
	sleep 0.5
	keys="dev-name=dev queue=queue queue-type=type coal-usecs=coal_usecs coal-packets=coal_packets
		coal-source=coal_source traffic-rate=traffic.rate traffic-size=traffic.size queue-size=ring_size"
	b=$($SIM stats $DEV 0 --json) || return
	a=$(ynl --do stats-get --json "{\"dev-name\": \"$DEV\", \"queue\": 0}") || return
	echo "  cli.py stats-get: $(jq -c '{q: .queue, t: .["queue-type"], st: .stats | {packets, bytes, "notify-immediate", pending}}' <<<"$a")"
	ASSERT_EQ "$(same_json "$a" "$b" "$keys")" "" "stats-get do: cli.py = vqmod sim stats" || return
	ASSERT_EQ "$(same_json "$(jq .stats <<<"$a")" "$b" "packets=packets bytes=bytes notify-frames=notify_frames
		notify-timer=notify_timer notify-immediate=notify_immediate notify-suppressed=notify_suppressed
		kicks=kicks drops=drops pending=pending src-frames=src_frames delay-max-ns=delay_max_ns
		delay-hist=delay_hist delay-hist-ll=delay_hist_ll ring-low=ring_low pending-hist=pending_hist")" "" \
		"stats-get do: the counters, cli.py = vqmod sim" || return
	ASSERT_GE "$(jq '.stats.packets' <<<"$a")" 100 "packets counted" || return
	# The dump of one device: every queue, the same numbers.
	a=$(ynl --dump stats-get --json "{\"dev-name\": \"$DEV\"}") || return
	b=$($SIM stats $DEV --json) || return
	ASSERT_EQ "$(jq length <<<"$a")" 5 "queues in cli.py's dump" || return
	diff=$(same_json "$(jq -c '[.[] | .stats + {queue}]' <<<"$a")" "$b" "queue=queue packets=packets bytes=bytes
		notify-immediate=notify_immediate notify-suppressed=notify_suppressed")
	ASSERT_EQ "$diff" "" "stats-get dump: cli.py = vqmod sim"
}

test_traffic_set() {
	local a before after
	ynl_setup || return
	before=$(vqsim_stat $DEV 2 packets)
	a=$(ynl --do traffic-set --json "{\"dev-name\": \"$DEV\", \"queue\": 2, \"traffic-state\": \"start\",
		\"traffic-rate\": 250, \"traffic-size\": 100, \"traffic-pattern\": \"constant\"}") || return
	ASSERT_EQ "$a" null "traffic-set's answer" || return
	ASSERT_EQ "$($SIM stats $DEV 2 --json | jq -c '.[0].traffic | [.running, .rate, .size, .pattern]')" \
		'[true,250,100,"constant"]' "vqmod sim sees the source cli.py started" || return
	sleep 1
	a=$(ynl --multi traffic-set "{\"dev-name\": \"$DEV\", \"queue\": 2, \"traffic-state\": \"stop\"}" \
		--multi stats-get "{\"dev-name\": \"$DEV\", \"queue\": 2}") || return
	after=$(vqsim_stat $DEV 2 packets)
	echo "  rx 1: $((after - before)) frames while cli.py's source ran"
	ASSERT_GE "$((after - before))" 50 "frames from the source" || return
	ASSERT_EQ "$(jq -r '.[1]["traffic-state"]' <<<"$a")" stop "cli.py reads the source stopped"
}

test_coal_ntf() {
	local out n m i f pid
	ynl_setup || return
	f=$(mktemp /tmp/ynl-ntf.XXXXXX)
	trap "vqsim_down $DEV 2>/dev/null; rm -f $f" EXIT
	# cli.py subscribes, sleeps, then prints what arrived. As long as it runs,
	# vqmod sim sets queue 0 (source netlink) and, every third time, the
	# guest's driver sets both rx queues on the control queue (source cvq).
	# (cli.py 6.12 cannot hear a notification during a request of its own:
	# its receive loop loses track of the request when one comes in between.)
	ynl --subscribe events --sleep 6 >"$f" 2>&1 &
	pid=$!
	for i in $(seq 1 200); do
		kill -0 $pid 2>/dev/null || break
		$SIM coalesce $DEV 0 usecs $((100 + i)) frames "$i" >/dev/null
		[ $((i % 3)) -eq 0 ] && ethtool -C "$VQSIM_IF" rx-usecs $((30 + i % 2)) rx-frames 3
		sleep 0.2
	done
	wait $pid
	out=$(tail -1 "$f")
	n=$(jq '[.[] | select(.name == "coal-ntf" and .msg["coal-source"] == "netlink")] | length' <<<"$out")
	m=$(jq '[.[] | select(.name == "coal-ntf" and .msg["coal-source"] == "cvq")] | length' <<<"$out")
	echo "  cli.py heard $n notifications of vqmod sim's sets and $m of the driver's, $i rounds; last: $(jq -c '.[-1]' <<<"$out")"
	ASSERT_GE "${n:-0}" 1 "coal-ntf of vqmod sim's sets" || { head -c 600 "$f"; return 1; }
	ASSERT_GE "${m:-0}" 1 "coal-ntf of the driver's sets" || return
	# Each carries the values of a set of its source.
	ASSERT_EQ "$(jq '[.[] | .msg | select(.["coal-source"] == "netlink") |
		select(.queue != 0 or .["coal-usecs"] != .["coal-packets"] + 100)] | length' <<<"$out")" 0 \
		"each netlink notification carries a set's values" || return
	# (ethtool -C sets tx too, with tx's own values: those are not checked.)
	echo "  the driver's, by queue: $(jq -c '[.[] | .msg | select(.["coal-source"] == "cvq") |
		[.queue, .["coal-usecs"], .["coal-packets"]]] | unique' <<<"$out")"
	ASSERT_EQ "$(jq '[.[] | .msg | select(.["coal-source"] == "cvq" and .["queue-type"] == "rx") |
		select(.["coal-usecs"] < 30 or .["coal-usecs"] > 31 or .["coal-packets"] != 3)] | length' <<<"$out")" 0 \
		"each cvq notification of an rx queue carries the driver's values"
}

# extack: "ERRNO-TEXT: MESSAGE (attribute NAME...)" from vqmod sim; cli.py
# prints the kernel's extack, with the offset turned into the attribute's path.
ext_msg() { sed -n "s/.*'msg': '\\([^']*\\)'.*/\\1/p" <<<"$1"; }
ext_attr() { sed -n "s/.*'bad-attr': '\\([^']*\\)'.*/\\1/p" <<<"$1"; }

test_extack() {
	local a b
	ynl_setup || return
	# A policy refusal: coal-usecs over its maximum.
	a=$(ynl --do coal-set --json "{\"dev-name\": \"$DEV\", \"queue\": 0, \"coal-usecs\": 2000000}" 2>&1)
	b=$($SIM coalesce $DEV 0 usecs 2000000 2>&1)
	echo "  cli.py: $(grep extack <<<"$a" | tr -s '\t ' ' ')"
	echo "  vqmod sim: $b"
	ASSERT_MATCH "$a" "Netlink error: Numerical result out of range" "cli.py: the errno" || return
	ASSERT_EQ "$(ext_attr "$a")" ".coal-usecs" "cli.py: the offset points at coal-usecs" || return
	ASSERT_MATCH "$a" "'max-value': 1000000" "cli.py: the policy's bound" || return
	ASSERT_MATCH "$b" "$(ext_msg "$a").*attribute coal-usecs, allowed 0-1000000" "vqmod sim: the same message and attribute" || return
	# A refusal of the handler's: a queue the device does not have.
	a=$(ynl --do coal-set --json "{\"dev-name\": \"$DEV\", \"queue\": 9, \"coal-usecs\": 5}" 2>&1)
	b=$($SIM coalesce $DEV 9 usecs 5 2>&1)
	ASSERT_EQ "$(ext_msg "$a")" "queue 9 out of range: $DEV has queues 0-4" "cli.py: the handler's message" || return
	ASSERT_EQ "$(ext_attr "$a")" ".queue" "cli.py: the offset points at queue" || return
	ASSERT_MATCH "$b" "$(ext_msg "$a") \\(attribute queue\\)" "vqmod sim: the same" || return
	# A missing attribute: the extack names its type.
	a=$(ynl --do coal-get --json "{\"dev-name\": \"$DEV\"}" 2>&1)
	ASSERT_MATCH "$a" "'miss-type': 'queue'" "cli.py: the missing attribute" || return
	ASSERT_EQ "$(ext_msg "$a")" "missing attribute queue" "cli.py: its message" || return
	# A refused batch entry: the offset points into the nest.
	a=$(ynl --do coal-set-batch --json "{\"batch\": {\"batch-entry\": [
		{\"dev-name\": \"$DEV\", \"queue\": 0, \"coal-usecs\": 1, \"coal-packets\": 1},
		{\"dev-name\": \"$DEV\", \"queue\": 0, \"coal-usecs\": 2000000, \"coal-packets\": 1}]}}" 2>&1)
	echo "  cli.py, batch: $(grep extack <<<"$a" | tr -s '\t ' ' ')"
	ASSERT_MATCH "$a" "Netlink error: Invalid argument" "cli.py: a refused batch fails" || return
	ASSERT_EQ "$(ext_msg "$a")" "batch entry 1: integer out of range" "cli.py: the first refused entry's message" || return
	ASSERT_EQ "$(ext_attr "$a")" ".batch.batch-entry.coal-usecs" "cli.py: the offset points into entry 1"
}
