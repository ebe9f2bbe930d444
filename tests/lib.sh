# SPDX-License-Identifier: GPL-2.0
# Shared by every shell test, on the host and in the guests (kernel-selftest manner).
#
# A test file defines functions named test_<name>; tests/run sources the file
# and runs each function in its own subshell as the subtest <suite>/<file>/<name>.
# Results are appended to $VQ_RESULTS, one line each:
#   PASS<TAB>name   FAIL<TAB>name<TAB>why   SKIP<TAB>name<TAB>why
# ASSERT_* print actual against expected, mark the subtest failed and return 1,
# so `ASSERT_EQ ... || return` stops a subtest at its first failure.

: "${VQ_RESULTS:=/dev/null}"
VQ_ROOT=${VQ_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

_vq_mark_failed() { : >"$_vq_failfile"; }

ASSERT_TRUE() { # description command...
	local what=$1
	shift
	"$@" && return 0
	echo "  ASSERT_TRUE($what): command failed: $*"
	_vq_mark_failed
	return 1
}

ASSERT_EQ() { # actual expected description
	[ "$1" == "$2" ] && return 0
	echo "  ASSERT_EQ($3): actual '$1', expected '$2'"
	_vq_mark_failed
	return 1
}

ASSERT_NE() { # actual unexpected description
	[ "$1" != "$2" ] && return 0
	echo "  ASSERT_NE($3): actual '$1', expected anything else"
	_vq_mark_failed
	return 1
}

ASSERT_GE() { # actual minimum description (integers)
	[ "$1" -ge "$2" ] 2>/dev/null && return 0
	echo "  ASSERT_GE($3): actual $1, expected >= $2"
	_vq_mark_failed
	return 1
}

ASSERT_LE() { # actual maximum description (integers)
	[ "$1" -le "$2" ] 2>/dev/null && return 0
	echo "  ASSERT_LE($3): actual $1, expected <= $2"
	_vq_mark_failed
	return 1
}

# ASSERT_NEAR actual expected pct abs description: within pct% of expected,
# or within abs when expected is small (below 200).
ASSERT_NEAR() {
	local a=$1 e=$2 pct=$3 abs=$4 what=$5 d tol
	d=$((a > e ? a - e : e - a))
	if [ "$e" -lt 200 ]; then tol=$abs; else tol=$((e * pct / 100)); fi
	[ "$d" -le "$tol" ] && return 0
	echo "  ASSERT_NEAR($what): actual $a, expected $e (+-$tol)"
	_vq_mark_failed
	return 1
}

ASSERT_MATCH() { # text regex description
	[[ $1 =~ $2 ]] && return 0
	echo "  ASSERT_MATCH($3): '$1' does not match /$2/"
	_vq_mark_failed
	return 1
}

# wait_until SECS command...: runs the command every 0.1 s until it succeeds;
# fails after SECS by the clock. A deadline, not a count of polls: a busy TCG
# guest stretches each poll (600 of them once took 300 s).
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

gone() { ! kill -0 "$1" 2>/dev/null; } # PID: that process has ended

# reap PID...: SIGKILLs this shell's children and waits for them, so bash does
# not print "Killed" lines into the log when it finds them dead later
reap() {
	local p
	for p; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}

# skip REASON: ends the subtest as skipped. In CI the host BPF and VM suites
# must run, so there a skip of theirs is recorded as a failure.
skip() {
	echo "$*" >"$_vq_skipfile"
	exit 4
}

_vq_record() { # status name [why]
	local status=$1 name=$2 why=${3:-}
	printf '%s\t%s\t%s\n' "$status" "$name" "$why" >>"$VQ_RESULTS"
	if [ -n "$why" ]; then
		printf '%-4s %s: %s\n' "$status" "$name" "$why"
	else
		printf '%-4s %s\n' "$status" "$name"
	fi
}

# vq_run_file SUITE FILE [FILTER]: runs every test_* function of FILE.
# A runner may define hooks around each subtest: vq_pre_subtest NAME, and
# vq_post_subtest NAME, which fails the subtest when it returns non-zero (its
# output is the reason). The VM runner checks the guest's dmesg with them.
vq_run_file() {
	local suite=$1 file=$2 filter=${3:-} fn name rc why start
	local base
	base=$(basename "$file" .sh)
	local full_only
	full_only=" $(sed -n 's/^# vq-full-only: //p' "$file") "
	_vq_failfile=$(mktemp) _vq_skipfile=$(mktemp)
	for fn in $(bash -c "source '$VQ_ROOT/tests/lib.sh'; source '$file'; declare -F" | awk '$3 ~ /^test_/ {print $3}'); do
		name="$suite/$base/${fn#test_}"
		[[ -n $filter && ! $name =~ $filter ]] && continue
		# "# vq-full-only: NAME..." subtests wait for the full set (VQ_FULL)
		if [[ -z ${VQ_FULL:-} && $full_only == *" ${fn#test_} "* ]]; then
			echo "---- $base/${fn#test_}: only in the full set (make vmtest-vms)"
			continue
		fi
		rm -f "$_vq_failfile"
		: >"$_vq_skipfile"
		if declare -F vq_pre_subtest >/dev/null; then vq_pre_subtest "$name"; fi
		start=$SECONDS
		(
			set -o pipefail
			cd "$VQ_ROOT" || exit 1
			source "$file"
			"$fn"
		)
		rc=$?
		echo "  ($((SECONDS - start)) s)" # where CI's time goes
		if declare -F vq_post_subtest >/dev/null && ! why=$(vq_post_subtest "$name"); then
			_vq_record FAIL "$name" "$why"
		elif [ $rc -eq 4 ]; then
			why=$(cat "$_vq_skipfile")
			if [ "${CI:-}" = true ] && [ "$suite" != unit ]; then
				_vq_record FAIL "$name" "skipped in CI, where it must run: $why"
			else
				_vq_record SKIP "$name" "$why"
			fi
		elif [ $rc -ne 0 ] || [ -e "$_vq_failfile" ]; then
			_vq_record FAIL "$name" "exit $rc"
		else
			_vq_record PASS "$name"
		fi
	done
	rm -f "$_vq_failfile" "$_vq_skipfile"
}
