# SPDX-License-Identifier: GPL-2.0
# The vqsim family under hostile input: .output/tests/vqsim_nl_fuzz (from
# tests/fuzz/vqsim_nl_fuzz.c) sends VQ_NL_FUZZ_COUNT (default 100,000)
# random, malformed, cut-short, oversized and unprivileged messages. It fails
# unless every message with NLM_F_ACK got exactly one ack or error, no message
# cut short got an answer, every set without CAP_NET_ADMIN got EPERM (and
# nobody with only CAP_NET_ADMIN got through), and each queue's COAL_GET at the
# end equals the last set the kernel accepted. Then the devices must still be
# listed and carry traffic; the runner fails the subtest on a WARNING, BUG or
# Oops in the kernel log.
# vq-kernels: 6.12

source "$VQ_ROOT/tests/vqsim_lib.sh"

SIM="$VQ_ROOT/vqmod sim"
FUZZ=$VQ_ROOT/.output/tests/vqsim_nl_fuzz

fuzz_cleanup() {
	local d
	for d in $(vdpa dev show 2>/dev/null | awk -F: '/mgmtdev vqsim/ {print $1}'); do
		vdpa dev del "$d"
	done
	true
}

test_hostile_netlink() {
	local count=${VQ_NL_FUZZ_COUNT:-100000} seed=${VQ_NL_FUZZ_SEED:-$RANDOM} out rc json q ifn frames
	vqsim_require || return
	[ -x "$FUZZ" ] || skip "$FUZZ is not built (make)"
	trap fuzz_cleanup EXIT
	vqsim_up vqsim1 max_vqp 1 >/dev/null || return
	vqsim_up vqsim0 max_vqp 2 >/dev/null || return
	ifn=$VQSIM_IF
	out=$("$FUZZ" -n "$count" -s "$seed" 2>&1)
	rc=$?
	echo "$out" | grep -v '^{' | sed 's/^/  /'
	json=$(tail -1 <<<"$out")
	ASSERT_EQ "$rc" 0 "vqsim_nl_fuzz exit status (seed $seed)" || return
	ASSERT_GE "$(jq .messages <<<"$json")" "$count" "messages sent" || return
	ASSERT_EQ "$(jq .anomalies <<<"$json")" 0 "acks missing, doubled or unasked for" || return
	ASSERT_EQ "$(jq .mismatches <<<"$json")" 0 "queues whose COAL_GET is not the last accepted set" || return
	ASSERT_GE "$(jq .queues_checked <<<"$json")" 8 "queues checked against the model" || return
	ASSERT_EQ "$(jq .priv_ok <<<"$json")" true "EPERM without CAP_NET_ADMIN, accepted with it alone" || return
	ASSERT_GE "$(jq .sets_applied <<<"$json")" 100 "sets accepted (the model saw some)" || return
	ASSERT_GE "$(jq .errors_by.EPERM <<<"$json")" 1 "EPERM among the errors" || return

	# The sources the fuzz started: off.
	for q in 0 2; do $SIM traffic vqsim0 $q stop >/dev/null; done
	$SIM traffic vqsim1 0 stop >/dev/null
	ASSERT_EQ "$($SIM devices --json | jq -c '[.[].dev] | sort')" '["vqsim0","vqsim1"]' "devices still listed" || return
	# Still a working device: frames from its source reach the guest's socket
	# (with coalescing off: the fuzz may have left a 1 s timer). A count under a
	# wide deadline, not a rate: a busy TCG guest delivered 280 in 2 s at 500/s.
	$SIM coalesce vqsim0 0 usecs 0 frames 0 >/dev/null || return
	$SIM traffic vqsim0 0 start rate 500 size 128 >/dev/null || return
	out=$($SIM rx "$ifn" --count 300 --duration 30 --json)
	$SIM traffic vqsim0 0 stop >/dev/null
	frames=$(jq .frames <<<"$out")
	echo "  after the fuzz: $frames frames received on $ifn in $(jq .duration_s <<<"$out") s"
	ASSERT_GE "${frames:-0}" 300 "frames within 30 s after the fuzz"
}
