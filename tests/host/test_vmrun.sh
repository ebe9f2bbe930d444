# SPDX-License-Identifier: GPL-2.0
# The VM harness itself: tools/vm/run's exit status, timeout, output and cwd,
# the in-guest runner's dmesg check, stallwatch, and tests/vm/boot's rerun of a
# stalled guest. The tools/vm/run tests each boot one guest.

vmrun() { "$VQ_ROOT/tools/vm/run" "$@"; }

test_exit_status() {
	local rc=0
	vmrun --kernel 6.1 -- sh -c 'exit 3' 2>/dev/null || rc=$?
	ASSERT_EQ "$rc" 3 "exit status of 'exit 3' in a 6.1 guest"
}

test_timeout() {
	local rc=0 t0 t1
	t0=$(date +%s)
	vmrun --timeout 20 -- sleep 1000 2>/dev/null || rc=$?
	t1=$(date +%s)
	ASSERT_EQ "$rc" 124 "exit status of a hang killed at the timeout" || return
	ASSERT_LE "$((t1 - t0))" 30 "seconds until the hang was killed"
}

# stdout and stderr come back apart; the guest starts in the host's cwd.
test_output_and_cwd() {
	local got err
	err=$(mktemp)
	got=$(cd "$VQ_ROOT/tests" && vmrun --env VQ_X=42 -- sh -c 'pwd; echo to-stderr >&2; echo "x=$VQ_X"' 2>"$err")
	ASSERT_EQ "$got" "$VQ_ROOT/tests"$'\n'"x=42" "guest stdout" || { rm -f "$err"; return 1; }
	ASSERT_EQ "$(cat "$err")" to-stderr "guest stderr"
	rm -f "$err"
}

# A subtest after which the guest's kernel log has a WARNING must fail, and
# only that one. The runner runs from a copy of tests/ under .output, which
# the guest sees, with a test file of our own.
test_dmesg_check() {
	local tree rc=0
	tree=$(mktemp -d "$VQ_ROOT/.output/test/vmrun.XXXXXX")
	mkdir -p "$tree/tests/vm"
	cp "$VQ_ROOT/tests/run" "$VQ_ROOT/tests/lib.sh" "$tree/tests/"
	cat >"$tree/tests/vm/test_warn.sh" <<-'EOF'
		test_a_clean() { :; }
		test_b_warns() { echo "WARNING: CPU: 0 PID: 1 at vmrun-selftest" >/dev/kmsg; }
		test_c_clean() { :; }
	EOF
	(cd "$tree" && CI= VQ_RESULTS="$tree/results.tsv" vmrun -- tests/run --in-guest 6.12 >/dev/null 2>&1) || rc=$?
	ASSERT_EQ "$rc" 0 "guest run" || { rm -rf "$tree"; return 1; }
	ASSERT_EQ "$(cut -f1,2 "$tree/results.tsv" | tr '\t\n' ' ;')" \
		"PASS vm-6.12/boot/dmesg;PASS vm-6.12/test_warn/a_clean;FAIL vm-6.12/test_warn/b_warns;PASS vm-6.12/test_warn/c_clean;" \
		"results" || { rm -rf "$tree"; return 1; }
	ASSERT_MATCH "$(grep b_warns "$tree/results.tsv" | cut -f3)" 'kernel log: .*WARNING: CPU: 0 PID: 1 at vmrun-selftest' "reason"
	rm -rf "$tree"
}

# tools/vm/stallwatch's judgement on saved monitor answers: the IRR/ISR/PPR
# and RIP/RFL lines of tests/host/hmp/stalled.txt are those QEMU showed in a
# stalled guest on 2026-12-02 (the rest is a healthy guest's, healthy.txt).
test_stallwatch_judges_hmp() {
	local d=$VQ_ROOT/tests/host/hmp w=$VQ_ROOT/tools/vm/stallwatch t out rc
	t=$(mktemp -d)
	out=$("$w" --judge "$d/stalled.txt" "$d/stalled.txt" "$d/stalled.txt") && rc=0 || rc=$?
	ASSERT_EQ "$rc" 3 "exit status on three stalled samples" || return
	ASSERT_MATCH "$out" "^vector 236 pending with IF set in 3 samples in a row, RIP ffffffff81a59331$" "its evidence" || return
	"$w" --judge "$d/healthy.txt" "$d/healthy.txt" "$d/healthy.txt" >/dev/null && rc=0 || rc=$?
	ASSERT_EQ "$rc" 0 "three healthy samples" || return
	"$w" --judge "$d/stalled.txt" "$d/healthy.txt" "$d/stalled.txt" >/dev/null && rc=0 || rc=$?
	ASSERT_EQ "$rc" 0 "a healthy sample between two stalled ones" || return
	# pending with IF clear is masked, not stalled; a vector at or below the PPR's class is not deliverable
	sed 's/RFL=00000202/RFL=00000002/' "$d/stalled.txt" >"$t/masked"
	"$w" --judge "$t/masked" "$t/masked" >/dev/null && rc=0 || rc=$?
	ASSERT_EQ "$rc" 0 "a vector pending with IF clear" || return
	sed 's/PPR 0x10/PPR 0xe0/' "$d/stalled.txt" >"$t/below"
	"$w" --judge "$t/below" "$t/below" >/dev/null && rc=0 || rc=$?
	ASSERT_EQ "$rc" 0 "vector 236 pending under a PPR of 0xe0"
	rm -rf "$t"
}

# A monitor that is not there yet, with --pid of a live process: stallwatch
# waits for it and then judges it (a QEMU slow to start under load had been
# taken for one that had ended, and its guest went unwatched). A stand-in
# monitor, up 1 s late, answers every command with the stalled guest's lines.
# Once the process has gone, a missing monitor ends the watch.
test_stallwatch_waits_for_a_late_monitor() {
	local w=$VQ_ROOT/tools/vm/stallwatch t out rc hmp sleeper
	command -v python3 >/dev/null || skip "no python3"
	t=$(mktemp -d)
	trap "kill \${hmp:-} \${sleeper:-} 2>/dev/null; rm -rf '$t'" RETURN
	sleep 60 &
	sleeper=$!
	(sleep 1 && exec python3 -c '
import socket, sys
answer = open(sys.argv[2]).read().encode() + b"(qemu) "
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(4)
while True:
    c, _ = s.accept()
    c.sendall(b"(qemu) ")
    f = c.makefile("rb")
    for line in f:
        c.sendall(answer)
    c.close()' "$t/monitor" "$VQ_ROOT/tests/host/hmp/stalled.txt") &
	hmp=$!
	out=$(timeout 30 "$w" "$t/monitor" --every 0.2 --samples 3 --pid "$sleeper") && rc=0 || rc=$?
	ASSERT_EQ "$rc" 3 "exit status: the late monitor was watched and judged stalled" || return
	ASSERT_MATCH "$out" "^vector 236 pending with IF set in 3 samples in a row" "its evidence" || return
	kill "$sleeper"
	wait "$sleeper" 2>/dev/null
	timeout 30 "$w" "$t/none" --every 0.2 --pid "$sleeper" && rc=0 || rc=$?
	ASSERT_EQ "$rc" 0 "no monitor and the process gone: the watch ends"
}

# tests/vm/boot runs a guest the nested-SVM stall ended (tools/vm/run's exit
# 126) again, up to VQ_STALL_RUNS runs, keeping the results of guests before
# it and of its last run only; another failure is not run again. The stall
# cannot be made on demand, so tools/vm/run is a stand-in here: each run adds
# a result line and exits with the next status listed in codes.
test_boot_reruns_a_stalled_guest() {
	local tree rc
	tree=$(mktemp -d)
	trap "rm -rf '$tree'" RETURN
	mkdir -p "$tree/tests/vm" "$tree/tools/vm"
	cp "$VQ_ROOT/tests/vm/boot" "$tree/tests/vm/"
	cat >"$tree/tools/vm/run" <<-'EOF2'
		#!/bin/sh
		n=$(($(cat "$VQ_ROOT/runs" 2>/dev/null || echo 0) + 1))
		echo "$n" >"$VQ_ROOT/runs"
		printf 'PASS\tvm-x/run%s\t\n' "$n" >>"$VQ_RESULTS"
		exit "$(sed -n "${n}p" "$VQ_ROOT/codes")"
	EOF2
	chmod +x "$tree/tools/vm/run"
	mkdir -p "$tree/.output"
	# boot_with "CODES" [VAR=value...]: boot's exit status; it leaves runs,
	# results.tsv (under the tree's .output, as boot wants) and err in the tree
	boot_with() {
		rm -f "$tree/runs"
		printf 'PASS\tearlier/guest\t\n' >"$tree/.output/results.tsv"
		tr ' ' '\n' <<<"$1" >"$tree/codes"
		shift
		env "$@" VQ_RESULTS="$tree/.output/results.tsv" "$tree/tests/vm/boot" 6.12-vms 2>"$tree/err"
	}
	boot_results() { cut -f2 "$tree/.output/results.tsv" | tr '\n' ' '; }
	boot_with "126 126 0" && rc=0 || rc=$?
	ASSERT_EQ "$rc $(cat "$tree/runs")" "0 3" "two stalls, then a run to the end: exit status and runs" || return
	ASSERT_EQ "$(boot_results)" "earlier/guest vm-x/run3 " "the earlier guest's results and the last run's" || return
	ASSERT_MATCH "$(cat "$tree/err")" "stalled .* in run 2 of 3; its results dropped" "says so" || return
	boot_with "126 126 0" VQ_STALL_RUNS=2 && rc=0 || rc=$?
	ASSERT_EQ "$rc $(cat "$tree/runs")" "126 2" "VQ_STALL_RUNS=2: two stalls end it" || return
	boot_with "1 0" && rc=0 || rc=$?
	ASSERT_EQ "$rc $(cat "$tree/runs")" "1 1" "another failure is not run again" || return
	boot_with "0" VQ_STALL_RUNS=0 && rc=0 || rc=$?
	ASSERT_EQ "$rc $(cat "$tree/runs" 2>/dev/null || echo none)" "2 none" "VQ_STALL_RUNS=0 refused before any run" || return
	ASSERT_MATCH "$(cat "$tree/err")" "VQ_STALL_RUNS '0': give the runs" "and why"
}
