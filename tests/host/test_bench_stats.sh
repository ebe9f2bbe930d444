# SPDX-License-Identifier: GPL-2.0
# tools/bench/stats, the bench's statistics (DESIGN §11): its medians and
# 95% intervals hold their coverage on distributions whose median is known,
# paired ratios survive drift, verdicts follow the intervals, a broken
# interval makes the self-test fail, and the report pairs its ratios by round.

STATS=$VQ_ROOT/tools/bench/stats

need_python3() {
	command -v python3 >/dev/null || skip "no python3"
}

test_selftest_passes() {
	need_python3
	local out rc=0
	out=$("$STATS" selftest) || rc=$?
	echo "$out" | sed 's/^/  /' | grep -v '^  ok' || true
	ASSERT_EQ "$rc" 0 "stats selftest exit status" || return
	ASSERT_EQ "$(tail -1 <<<"$out")" "0 failed" "its summary line" || return
	ASSERT_GE "$(grep -c '^ok:' <<<"$out")" 15 "checks run"
}

# The self-test can fail: with the interval narrowed by two ranks on each
# side, the coverage checks must catch it.
test_selftest_catches_a_broken_interval() {
	need_python3
	local out rc=0
	out=$("$STATS" selftest --break) || rc=$?
	ASSERT_NE "$rc" 0 "stats selftest --break exit status" || return
	ASSERT_GE "$(grep -c '^FAIL:.*coverage' <<<"$out")" 4 "coverage checks that fail"
}

# Known answers through the command line: five runs give [min, max] at
# 93.75%, six at 96.875%, and each group is summarised apart.
test_summary_known_values() {
	need_python3
	local tsv out
	tsv=$(mktemp)
	trap "rm -f '$tsv'" RETURN
	printf 'policy\trep\tv\n' >"$tsv"
	for v in 5 1 4 2 3; do printf 'a\t%s\t%s\n' "$v" "$v"; done >>"$tsv"
	for v in 10 60 20 50 30 40; do printf 'b\t%s\t%s\n' "$v" "$v"; done >>"$tsv"
	out=$("$STATS" summary "$tsv" --by policy --values v)
	ASSERT_EQ "$(awk -F'\t' '$1 == "a" { print $3, $4, $5, $6, $7 }' <<<"$out")" "5 3 1 5 0.9375" "group a: n median lo hi coverage" || return
	ASSERT_EQ "$(awk -F'\t' '$1 == "b" { print $3, $4, $5, $6, $7 }' <<<"$out")" "6 35 10 60 0.9688" "group b" || return
}

# A sample drawn from a known distribution (seeded, n = 40, normal with
# median 100): the interval holds 100 and is narrower than the range.
test_summary_of_a_known_distribution() {
	need_python3
	local tsv out lo hi
	tsv=$(mktemp)
	trap "rm -f '$tsv'" RETURN
	python3 -c '
import random
r = random.Random(7)
print("g\tv")
for _ in range(40): print("x\t%f" % r.gauss(100, 15))' >"$tsv"
	out=$("$STATS" summary "$tsv" --by g --values v)
	read -r lo hi <<<"$(awk -F'\t' '$1 == "x" { print $5, $6 }' <<<"$out")"
	ASSERT_TRUE "the interval [$lo, $hi] holds the true median 100" \
		awk -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(lo <= 100 && 100 <= hi) }' || return
	ASSERT_TRUE "and is narrower than +-15 (one sd)" awk -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(hi - lo < 30) }'
}

# tools/bench/report's top_rates table pairs its cut by round: none's irq/pkt
# 2 1 4 1 3 1 over the top's 0.1 0.1 0.1 0.05 0.1 0.1 is 20 10 40 20 30 10,
# median 20 in [10, 40] at n = 6; unpaired medians would give 1.5 / 0.1 = 15.
test_report_top_rates_pairs_by_round() {
	need_python3
	local d out r none=(2 1 4 1 3 1) top=(0.1 0.1 0.1 0.05 0.1 0.1)
	d=$(mktemp -d)
	trap "rm -rf '$d'" RETURN
	printf 'key\tvalue\nreps\t6\n' >"$d/meta.tsv"
	{
		printf 'rep\tworkload\tpolicy\tpps\tirq_per_pkt\tp50_us\tp99_us\tguest_cpu_ns_pkt\tvqmod_cpu_ns_pkt\tlost\tchanges_per_min\treact_down_ms\treact_up_ms\tirq_per_s\n'
		for r in 0 1 2 3 4 5; do
			printf '%d\tbulk@30000\tnone\t30000\t%s\t1\t2\t3\t0\t0\t0\t-\t-\t30000\n' $((r + 1)) "${none[r]}"
			printf '%d\tbulk@30000\ttop\t30000\t%s\t1\t2\t3\t0\t%d\t0\t-\t-\t1000\n' $((r + 1)) "${top[r]}" "$r"
		done
	} >"$d/top_rates.tsv"
	out=$("$VQ_ROOT/tools/bench/report" "$d") || return
	ASSERT_MATCH "$out" '\| 30000 \| .* \| 20 \[10, 40\] \| 0 \[0, 0\] \| 2\.5 \[0, 5\] \|' "the 30,000 row: cut paired by round, lost" || return
	ASSERT_MATCH "$out" "the CI test's 10x\) \| 20 \[10, 40\] \| >= 10 \| met \|" "the goal row"
}
