# SPDX-License-Identifier: GPL-2.0
# The engine under libFuzzer, for a bounded time (VQ_FUZZ_SECONDS, default 60):
# no crash, no sanitizer report, no broken invariant (the target traps on an
# index outside the table or a setting above the latency budget).
# Needs clang with libFuzzer: Debian's libclang-rt-14-dev.

FUZZ_OUT=$VQ_ROOT/.output/fuzz

# Builds the target into $FUZZ_OUT, or skips when clang has no libFuzzer.
build_fuzzer() {
	local cc=${CLANG:-clang} log
	command -v "$cc" >/dev/null || skip "no $cc"
	mkdir -p "$FUZZ_OUT"
	log=$FUZZ_OUT/build.log
	if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
		"$cc" -x c -fsanitize=fuzzer - -o "$FUZZ_OUT/probe" 2>"$log"; then
		skip "$cc has no libFuzzer (install libclang-rt-14-dev): $(head -c 200 "$log")"
	fi
	"$cc" -g -O1 -std=gnu11 -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Iinclude -Iuser tests/fuzz/fuzz_engine.c user/engine/*.c \
		-o "$FUZZ_OUT/fuzz_engine" 2>"$log" || {
		echo "  build failed:"
		sed 's/^/    /' "$log" | head -20
		return 1
	}
}

# A few hand-made starting points: two config bytes, then operations.
seed_corpus() {
	local dir=$1
	mkdir -p "$dir"
	# no budgets; add queue 0, then a long steady run of bulk-like samples
	printf '\x00\x00\x00\x00\x00\x01\x07\x3f\x02\x70\x01\x00\x10\x10\x05\xdc\x01' >"$dir/seed-bulk"
	# latency budget 100 us and an interrupt budget; two queues, steady runs, rebalance
	printf '\x03\x00\x00\x64\x00\x00\xea\x60\x00\x00\x01\x01\x10\x01\x00\x02\x07\x3f\x02\x70\x00\x01\x00\x00\x05\x17\x3f\x02\x70\x00\x01\x00\x00\x05' >"$dir/seed-budget"
	# a profile spec from the input, then wrapped and reset samples
	printf '\x40\x00\x11rx=1:4,50:64,500:9\x00\x00\x00\x00\x02\xff\xff\xff\xff\xff\xff\xff\xf0\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0b\x01' >"$dir/seed-profile"
	# a 2 us budget below a table's lowest profile: usecs are clamped
	printf '\x41\x00\x00\x02\x0arx=5:8,9:9\x00\x00\x00\x03\x02\x70\x00\x40\x01\x04\x00\x05\xdc\x01\x03\x02\x70\x00\x40\x01\x04\x00\x05\xdc\x01' >"$dir/seed-clamp"
	# the guards: a 200 us budget; a steady run with 240 of 256 buffers pending, drops and a p99 of 256 us
	printf '\x01\x00\x00\xc8\x00\x00\x00\x01\x0f\x3f\x02\x70\x00\x40\x01\x10\x00\x05\xdc\x01\xf0\x01\x00' >"$dir/seed-guards"
}

test_engine_fuzz() {
	local secs=${VQ_FUZZ_SECONDS:-60} log rc=0 runs
	build_fuzzer || return 1
	log=$FUZZ_OUT/fuzz.log
	seed_corpus "$FUZZ_OUT/corpus"
	rm -f "$FUZZ_OUT"/crash-* "$FUZZ_OUT"/leak-* "$FUZZ_OUT"/timeout-* "$FUZZ_OUT"/oom-*
	"$FUZZ_OUT/fuzz_engine" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$FUZZ_OUT/" "$FUZZ_OUT/corpus" >"$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log")
	echo "  fuzz: ${runs:-no summary}; $(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1); corpus $(ls "$FUZZ_OUT/corpus" | wc -l)"
	if [ $rc -ne 0 ]; then
		grep -m1 -A12 -E '^==[0-9]+==ERROR|runtime error|deadly signal' "$log" | sed 's/^/    /'
		ls "$FUZZ_OUT"/crash-* "$FUZZ_OUT"/leak-* 2>/dev/null | sed 's/^/    artifact: /'
	fi
	ASSERT_EQ "$rc" 0 "libFuzzer exit status (see $log)" || return
	ASSERT_TRUE "a run summary in $log" test -n "$runs" || return
	ASSERT_EQ "$(grep -c 'runtime error' "$log")" 0 "UBSan reports"
}
