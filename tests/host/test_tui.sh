# SPDX-License-Identifier: GPL-2.0
# The interactive vqmod top in an 80x24 tmux pane: sort, filter, detail,
# help, group, pause, delay, resize, quit; and the terminal given back
# after quit and after each signal.

VQMOD=$VQ_ROOT/vqmod

need_tui() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for BPF"
	[ -r /sys/kernel/btf/vmlinux ] || skip "the kernel has no BTF"
	[ -x "$VQMOD" ] || skip "vqmod is not built (make)"
	command -v tmux >/dev/null || skip "no tmux"
}

# A private tmux server with one 80x24 pane running a plain shell.
tmux_start() {
	sock=vqtui$BASHPID  # one server per test: a dying one is not reused
	tmux -L "$sock" -f /dev/null new-session -d -s t -x 80 -y 24 \
		"env -i PATH=$PATH TERM=screen LANG=C.UTF-8 HOME=/tmp bash --norc --noprofile"
	trap "tmux -L $sock kill-server 2>/dev/null; rm -f /tmp/$sock.*" EXIT
	tmux -L "$sock" send-keys -t t "PS1='vq-prompt\$ '; ulimit -c 0; cd /var/tmp" Enter
}

screen() { tmux -L "$sock" capture-pane -p -t t; }
keys() { tmux -L "$sock" send-keys -t t "$@"; }
pane() { tmux -L "$sock" display -p -t t "$1"; }

# Waits until the screen matches an extended regex (a line of it).
wait_screen() { # regex [tenths of a second]
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	echo "  the screen never matched /$1/:"
	screen | sed 's/^/  | /'
	_vq_mark_failed
	return 1
}

# Some O_DIRECT writes: interrupts on the disk's queue; and reads of the
# virtio RNG where there is one, so that a second device has rows too.
disk_io() { # count
	dd if=/dev/zero of=/var/tmp/$sock.dd bs=4k count="$1" oflag=direct status=none
	rm -f /var/tmp/$sock.dd
	[ -r /dev/hwrng ] && timeout 5 dd if=/dev/hwrng of=/dev/null bs=64 count=32 status=none 2>/dev/null
	return 0
}

# Starts vqmod top in the pane, noting the terminal's settings first.
start_top() {
	keys "stty -g >/tmp/$sock.before; $VQMOD top -i 0.3 $*; echo vq-exit=\$?; stty -g >/tmp/$sock.after" Enter
	wait_screen 'hooks [1-9]' || return
	disk_io 50
	wait_screen 'q quit'
}

# After vqmod: the shell's prompt, no alternate screen, the same stty.
assert_restored() { # expected exit status
	wait_screen "vq-exit=$1" || return
	wait_screen '^vq-prompt\$ ?$' || return
	ASSERT_EQ "$(pane '#{alternate_on}')" 0 "alternate screen left" || return
	ASSERT_EQ "$(pane '#{cursor_flag}')" 1 "cursor visible" || return
	ASSERT_EQ "$(cat /tmp/$sock.after)" "$(cat /tmp/$sock.before)" "terminal settings (stty -g)"
}

# The text of the queue rows' column $1 (1-based, by whitespace).
column_of_rows() { screen | sed -n '4,23p' | awk -v c="$1" 'NF > 3 { print $c }'; }

test_screen_states() {
	need_tui
	local s before
	tmux_start
	start_top || return
	ASSERT_EQ "$(pane '#{alternate_on}')" 1 "runs in the alternate screen" || return
	s=$(screen)
	ASSERT_MATCH "$(sed -n 1p <<<"$s")" 'vqmod top .* queues [0-9]+ +hooks [0-9]+/[0-9]+ +ctl -' "header" || return
	ASSERT_MATCH "$(sed -n 2p <<<"$s")" '^IRQ/s [0-9.]+[KMG]? +PKT/s .* sort IRQ/s▼' "totals line" || return
	ASSERT_MATCH "$(sed -n 3p <<<"$s")" '^DEV +QUEUE +TYPE +IRQ/s▼ +PKT/s +B/s +PKT/IRQ +NS/IRQ +COAL' \
		"column headers with units, arrow on the sort column" || return
	wait_screen 'virtio[0-9]+ +req\.0 +req ' || return
	ASSERT_LE "$(screen | awk '{ print length }' | sort -n | tail -1)" 80 "fits 80 columns" || return

	# sort: by DEV ascending, then descending, then one column to the right;
	# a sort and a filter prove nothing on one row, or on rows all alike:
	# the RNG's queue is the second device (this machine kind has virtio-rng)
	ASSERT_TRUE "a virtio RNG, for a second device's rows" test -r /dev/hwrng || return
	disk_io 20
	wait_screen ' input +rx ' || return
	ASSERT_GE "$(column_of_rows 1 | sort -u | wc -l)" 2 "two devices' rows to sort" || return
	ASSERT_GE "$(column_of_rows 2 | sort -u | wc -l)" 2 "two queues' rows to filter" || return
	keys D
	wait_screen '^DEV▲ ' || return
	ASSERT_EQ "$(column_of_rows 1 | tr '\n' ' ')" "$(column_of_rows 1 | sort | tr '\n' ' ')" "rows by DEV A-Z" || return
	keys D
	wait_screen '^DEV▼ ' || return
	ASSERT_EQ "$(column_of_rows 1 | tr '\n' ' ')" "$(column_of_rows 1 | sort -r | tr '\n' ' ')" "rows by DEV Z-A" || return
	keys '>'
	wait_screen '^DEV +QUEUE▲' || return
	keys I
	wait_screen 'IRQ/s▼ ' || return

	# filter: a regex over "dev driver queue type"
	keys / r e q Enter
	wait_screen 'filter /req/' || return
	ASSERT_EQ "$(column_of_rows 2 | grep -vc '^req')" 0 "only req queues shown" || return
	keys / C-u z z z z Enter
	wait_screen 'no queue matches' || return
	keys / C-u '(' Enter
	wait_screen 'bad regex' || return
	keys / C-u v i r t i o_blk Enter
	wait_screen 'filter /virtio_blk/' || return

	# detail: sparklines fill as the disk works
	keys Enter
	wait_screen 'driver virtio_blk +type req +source virtio' || return
	disk_io 4000 &
	wait_screen '^\|.*[▁▂▃▄▅▆▇█].*\|$' 60 || return
	wait
	s=$(screen)
	ASSERT_MATCH "$s" 'IRQ/s +now [0-9.]+[KMG]? +max [0-9.]+' "irq/s figures" || return
	ASSERT_MATCH "$s" 'PKT/s +now' "pkt/s sparkline" || return
	ASSERT_MATCH "$s" 'moderation: coalescing - us/frames +state - +decisions -' "no controller: dashes" || return
	ASSERT_MATCH "$s" 'recent decisions:' "decisions" || return
	keys Escape
	wait_screen '^DEV +QUEUE' || return

	# help, left by any key
	keys h
	wait_screen 'vqmod top: keys' || return
	ASSERT_MATCH "$(screen)" 'q F10 +quit' "help lists quit" || return
	keys x
	wait_screen '^DEV +QUEUE' || return
	keys '?'
	wait_screen 'vqmod top: keys' || return
	keys x

	# group by device, then by VM (host devices are the host's own)
	keys / C-u Enter g
	wait_screen 'group dev' || return
	keys g
	wait_screen 'group vm' || return
	wait_screen '^host ' || return
	keys g

	# pause: the clock in the header stops
	keys p
	wait_screen 'PAUSED' || return
	before=$(screen | head -1)
	sleep 1.2
	ASSERT_EQ "$(screen | head -1)" "$before" "nothing changes while paused" || return
	keys p
	sleep 0.5
	ASSERT_TRUE "unpaused" bash -c "! tmux -L $sock capture-pane -p -t t | grep -q PAUSED" || return

	# delay
	keys d C-u 0 . 7 Enter
	wait_screen 'every 0\.7s' || return
	keys d C-u 9 9 9 9 Enter
	wait_screen 'invalid delay' || return

	# resize: a wider pane has room for more columns
	tmux -L "$sock" resize-window -t t -x 132 -y 30
	wait_screen '^DEV +DRIVER +QUEUE .*SPUR/s.*KICK/s' || return
	tmux -L "$sock" resize-window -t t -x 80 -y 24
	wait_screen '^DEV +QUEUE +TYPE' || return

	keys q
	assert_restored 0
}

test_quit_keys_restore() {
	need_tui
	tmux_start
	start_top || return
	keys F10
	assert_restored 0 || return
	start_top -s dev -f virtio || return
	wait_screen 'filter /virtio/' || return
	wait_screen '^DEV▲' || return
	keys q
	assert_restored 0
}

# SIGINT (Ctrl-C), SIGTERM and SIGHUP stop it cleanly through the event
# loop; SIGQUIT kills it, and the terminal is given back even so.
test_signals_restore() {
	need_tui
	local sig
	tmux_start
	start_top || return
	keys C-c
	assert_restored 0 || return
	for sig in TERM HUP; do
		start_top || return
		pkill -"$sig" -P "$(pane '#{pane_pid}')" -x vqmod
		assert_restored 0 || return
	done
	start_top || return
	pkill -QUIT -P "$(pane '#{pane_pid}')" -x vqmod
	assert_restored 131
}

# Not a terminal, or -b/-J: batch, as before.
test_batch_when_not_a_terminal() {
	need_tui
	local out
	out=$("$VQMOD" top -i 0.2 -n 1 2>/dev/null)
	ASSERT_MATCH "$(sed -n 2p <<<"$out")" '^DEV +DRIVER +QUEUE' "a table on a pipe" || return
	tmux_start
	keys "$VQMOD top -b -i 0.2 -n 1 | head -2; echo vq-exit=\$?" Enter
	wait_screen 'vq-exit=0' || return
	ASSERT_EQ "$(pane '#{alternate_on}')" 0 "-b: no curses"
}
