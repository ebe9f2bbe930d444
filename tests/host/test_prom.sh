# SPDX-License-Identifier: GPL-2.0
# Prometheus exposition from vqmod top: the textfile (atomic updates) and
# the HTTP server (over bash's /dev/tcp), each through a strict parse: promtool check metrics
# (Debian's prometheus package) and the parser below.

VQMOD=$VQ_ROOT/vqmod

need_bpf() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for BPF"
	[ -r /sys/kernel/btf/vmlinux ] || skip "the kernel has no BTF"
	[ -x "$VQMOD" ] || skip "vqmod is not built (make)"
}

# Text format 0.0.4, strictly: names, label syntax and escapes, values,
# HELP/TYPE once and before the samples, families contiguous, no
# duplicate series, counters named *_total, the last line ended.
prom_parse() { # file
	[ -s "$1" ] || { echo "  empty exposition"; return 1; }
	[ "$(tail -c1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || { echo "  the last line has no newline"; return 1; }
	awk '
	function bad(why) { printf "  line %d: %s: %s\n", NR, why, $0; err = 1 }
	function family(n) { return n }
	/^# HELP / {
		n = $3
		if (n !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) bad("bad HELP name")
		if (help[n]++) bad("second HELP")
		if (seen[n]) bad("HELP after samples")
		rest = substr($0, length("# HELP " n) + 2)
		gsub(/\\\\|\\n/, "", rest)
		if (rest ~ /\\/) bad("bad escape in HELP")
		next
	}
	/^# TYPE / {
		n = $3
		if (NF != 4 || $4 !~ /^(counter|gauge|histogram|summary|untyped)$/) bad("bad TYPE")
		if (type[n]) bad("second TYPE")
		if (seen[n]) bad("TYPE after samples")
		type[n] = $4
		next
	}
	/^#/ { next }
	/^$/ { next }
	{
		line = $0
		if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) { bad("bad metric name"); next }
		n = substr(line, 1, RLENGTH)
		line = substr(line, RLENGTH + 1)
		labels = ""
		delete names
		if (substr(line, 1, 1) == "{") {
			line = substr(line, 2)
			while (substr(line, 1, 1) != "}") {
				if (!match(line, /^[a-zA-Z_][a-zA-Z0-9_]*="/)) { bad("bad label"); next }
				ln = substr(line, 1, RLENGTH - 2)
				if (ln ~ /^__/) bad("reserved label name")
				if (names[ln]++) bad("label twice")
				line = substr(line, RLENGTH + 1)
				v = ""
				while (1) {
					c = substr(line, 1, 1)
					if (c == "") { bad("unterminated label value"); next }
					if (c == "\"") break
					if (c == "\\") {
						d = substr(line, 2, 1)
						if (d != "\\" && d != "\"" && d != "n") { bad("bad escape"); next }
						v = v c d
						line = substr(line, 3)
						continue
					}
					v = v c
					line = substr(line, 2)
				}
				labels = labels ln "=" v ","
				line = substr(line, 2)
				if (substr(line, 1, 1) == ",") line = substr(line, 2)
				else if (substr(line, 1, 1) != "}") { bad("expected , or }"); next }
			}
			line = substr(line, 2)
		}
		if (substr(line, 1, 1) != " ") { bad("no space before the value"); next }
		split(substr(line, 2), f, " ")
		if (f[1] !~ /^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/ && f[1] !~ /^([-+]?Inf|NaN)$/)
			bad("bad value")
		if (f[2] != "" && f[2] !~ /^-?[0-9]+$/) bad("bad timestamp")
		if (f[3] != "") bad("trailing text")
		if (n != last && done[n]) bad("family not contiguous")
		if (n != last && last != "") done[last] = 1
		last = n
		seen[n] = 1
		if (series[n "{" labels]++) bad("duplicate series")
		if (!help[n] || !type[n]) bad("no HELP or TYPE")
		if (type[n] == "counter" && n !~ /_total$/) bad("counter not named _total")
		samples++
	}
	END { if (!samples) { print "  no samples"; err = 1 } exit err }' "$1"
}

# Both parsers; promtool is Debian's prometheus package, installed by make deps.
ASSERT_PROM() { # file description
	local out
	out=$(prom_parse "$1") || { echo "$out"; ASSERT_TRUE "$2: strict parse" false; return 1; }
	if command -v promtool >/dev/null; then
		out=$(promtool check metrics <"$1" 2>&1) || { echo "  $out"; ASSERT_TRUE "$2: promtool" false; return 1; }
	fi
	return 0
}

# One HTTP/1.0 request over bash's /dev/tcp: prints the status code; the
# headers (without CR) go to $dir/h, the body to $dir/m.
http() { # method path [header]
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '%s %s HTTP/1.0\r\n%s\r\n' "$1" "$2" "${3:+$3$'\r\n'}" >&3
	timeout 5 cat <&3 >"$dir/resp"
	exec 3<&-
	sed -n '1,/^\r$/p' "$dir/resp" | tr -d '\r' >"$dir/h"
	sed '1,/^\r$/d' "$dir/resp" >"$dir/m"
	awk 'NR == 1 {print $2}' "$dir/h"
}

disk_io() { # count
	dd if=/dev/zero of=/var/tmp/vqprom$$.dd bs=4k count="$1" oflag=direct status=none
	rm -f /var/tmp/vqprom$$.dd
}

# The disk queue's interrupts_total in an exposition.
disk_irqs() { # file
	awk '/^vqmod_virtqueue_interrupts_total\{.*queue="req\.0"/ { s += $NF } END { print s + 0 }' "$1"
}

# The parser itself rejects what it must.
test_parser_rejects() {
	local f bad
	f=$(mktemp)
	trap "rm -f '$f'" EXIT
	printf '# HELP a_total x\n# TYPE a_total counter\na_total{l="v"} 1\n' >"$f"
	ASSERT_TRUE "a good one" prom_parse "$f" || return
	while IFS= read -r bad; do
		printf "$bad" >"$f"
		if prom_parse "$f" >/dev/null; then
			ASSERT_TRUE "the parser rejects: $bad" false
			return
		fi
	done <<-'EOF'
		# HELP a_total x\n# TYPE a_total counter\na_total{l="v} 1\n
		# HELP a_total x\n# TYPE a_total counter\na_total{l="\\q"} 1\n
		# HELP a_total x\n# TYPE a_total counter\na_total{l="v"} one\n
		# HELP a x\n# TYPE a counter\na 1\n
		# HELP a_total x\n# TYPE a_total counter\na_total 1\na_total 2\n
		# HELP a_total x\n# TYPE a_total counter\na_total 1
		# HELP a_total x\n# TYPE a_total counter\n# TYPE a_total counter\na_total 1\n
		a_total 1\n
		# HELP a_total x\n# TYPE a_total counter\na_total{__x="1"} 1\n
		# HELP 1a x\n# TYPE 1a gauge\n1a 1\n
	EOF
}

test_textfile() {
	need_bpf
	local dir f n before=0 torn=0 reads=0 down=0
	dir=$(mktemp -d)
	f=$dir/vqmod.prom
	trap "kill \$pid 2>/dev/null; rm -rf '$dir'" EXIT
	"$VQMOD" top -b -i 0.2 -n 15 --prom-file "$f" >/dev/null 2>"$dir/err" &
	pid=$!
	wait_until 10 test -e "$f"
	ASSERT_TRUE "the textfile appears at start" test -e "$f" || return
	disk_io 300 &
	# every read sees a whole file: the old one or the new one
	while kill -0 "$pid" 2>/dev/null; do
		cp "$f" "$dir/copy" 2>/dev/null || continue
		reads=$((reads + 1))
		tail -1 "$dir/copy" | grep -q '^vqmod_monitor_idle_queues_total ' || torn=$((torn + 1)) # the last line
		# counters are totals since start: never lower than in an older file
		n=$(disk_irqs "$dir/copy")
		[ "$n" -ge "$before" ] || down=$((down + 1))
		before=$n
	done
	wait "$pid"
	ASSERT_EQ "$?" 0 "vqmod exit status" || return
	wait
	ASSERT_GE "$reads" 10 "reads while it ran" || return
	ASSERT_EQ "$torn" 0 "reads of a partial file" || return
	ASSERT_EQ "$down" 0 "counters that went down" || return
	ASSERT_TRUE "no temporary left" test ! -e "$f.tmp" || return
	ASSERT_PROM "$f" "textfile" || return
	ASSERT_GE "$(disk_irqs "$f")" 300 "the disk queue's interrupts_total counts the writes" || return
	ASSERT_MATCH "$(cat "$f")" $'\n# TYPE vqmod_virtqueue_interrupts_total counter\n' "counter type" || return
	ASSERT_MATCH "$(cat "$f")" 'vqmod_virtqueue_interrupts_total\{dev="virtio[0-9]+",driver="virtio_blk",queue="req\.0",type="req",source="virtio"\} [0-9]+' \
		"labels of the disk queue" || return
	ASSERT_MATCH "$(cat "$f")" 'vqmod_hook_active\{group="notify",how="[^"]+"\} 1' "hook status" || return
	ASSERT_MATCH "$(cat "$f")" 'vqmod_controller_running 0' "no controller" || return
	ASSERT_TRUE "an unwritable path fails" bash -c "! '$VQMOD' top -b -n 1 --prom-file /nonexistent/x.prom >/dev/null 2>&1"
}

test_http() {
	need_bpf
	local dir port=$((20000 + $$ % 20000)) code rc
	dir=$(mktemp -d)
	trap "kill \$pid 2>/dev/null; rm -rf '$dir'" EXIT
	"$VQMOD" top -b -i 0.2 --listen "127.0.0.1:$port" >/dev/null 2>"$dir/err" &
	pid=$!
	wait_until 10 grep -q monitoring "$dir/err"
	disk_io 200
	sleep 0.5
	code=$(http GET /metrics)
	ASSERT_EQ "$code" 200 "GET /metrics" || return
	ASSERT_MATCH "$(cat "$dir/h")" $'\nContent-Type: text/plain; version=0.0.4; charset=utf-8\n' "content type" || return
	ASSERT_EQ "$(awk -F': ' '$1 == "Content-Length" {print $2}' "$dir/h")" "$(stat -c %s "$dir/m")" \
		"content length" || return
	ASSERT_PROM "$dir/m" "HTTP exposition" || return
	ASSERT_GE "$(disk_irqs "$dir/m")" 200 "interrupts_total over HTTP" || return
	ASSERT_EQ "$(http GET /nope)" 404 "unknown path" || return
	ASSERT_EQ "$(http POST /metrics)" 405 "POST" || return
	ASSERT_MATCH "$(cat "$dir/h")" $'\nAllow: GET, HEAD\n' "405 says what is allowed" || return
	ASSERT_EQ "$(http HEAD /metrics)" 200 "HEAD" || return
	ASSERT_EQ "$(stat -c %s "$dir/m")" 0 "HEAD has no body" || return
	ASSERT_EQ "$(http GET /metrics 'Accept: text/plain')" 200 "with a header" || return
	# bash's /dev/tcp: a raw HTTP/1.0 request, and one that says nothing
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	exec 4<>"/dev/tcp/127.0.0.1/$port"
	printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
	ASSERT_MATCH "$(head -1 <&3 | tr -d '\r')" '^HTTP/1.0 200 OK$' "raw request while another client idles" || return
	exec 3>&- 4>&-
	printf 'garbage\r\n\r\n' | timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; head -1 <&3" >"$dir/g"
	ASSERT_MATCH "$(tr -d '\r' <"$dir/g")" '^HTTP/1.0 400' "a malformed request" || return
	ASSERT_MATCH "$(ss -Hltn "sport = :$port")" "127.0.0.1:$port" "bound to loopback only" || return
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	ASSERT_EQ "$rc" 0 "clean stop on SIGTERM" || return
	ASSERT_EQ "$(ss -Hltn "sport = :$port" | wc -l)" 0 "the port is closed"
}

test_listen_default_and_bad_addresses() {
	need_bpf
	local a rc out port=$((20000 + ($$ + 7) % 20000)) err
	err=$(mktemp)
	trap "rm -f '$err'" EXIT
	"$VQMOD" top -b -i 0.2 -n 5 --listen "$port" >/dev/null 2>"$err" &
	wait_until 10 grep -q monitoring "$err"
	ASSERT_MATCH "$(ss -Hltn "sport = :$port")" "127.0.0.1:$port" "a bare port listens on loopback" || return
	wait
	for a in localhost:9100 1.2.3:80 1.2.3.4:0 1.2.3.4:65536 1.2.3.4: :80 '[::1]' ::1:80 abc 0x7f000001:80 \
		1.2.3.4:080 +80 '1.2.3.4:80 ' '[::1]:9x' ''; do
		rc=0
		out=$("$VQMOD" top -b -n 1 --listen "$a" 2>&1 >/dev/null) || rc=$?
		ASSERT_EQ "$rc" 2 "--listen '$a' exit status" || return
		ASSERT_MATCH "$out" "invalid --listen" "--listen '$a' message" || return
	done
	rc=0
	"$VQMOD" top -b -n 1 --listen "[::1]:$port" >/dev/null 2>&1 || rc=$?
	ASSERT_TRUE "[::1]:PORT is accepted (exit $rc)" test "$rc" -ne 2
}
