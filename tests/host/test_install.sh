# SPDX-License-Identifier: GPL-2.0
# make install DESTDIR= PREFIX=: the binary, both BPF objects, the man pages,
# the systemd unit with its example config, and the bash completion; every
# man page renders without a warning.

need_built() {
	[ -x "$VQ_ROOT/vqmod" ] || skip "vqmod is not built (make)"
	command -v man >/dev/null || skip "no man (man-db)"
}

test_make_install() {
	need_built
	local d f
	d=$(mktemp -d)
	trap "rm -rf '$d'" EXIT
	ASSERT_TRUE "make install" make -s -C "$VQ_ROOT" install DESTDIR="$d" PREFIX=/usr >/dev/null || return
	for f in usr/sbin/vqmod usr/lib/vqmod/vqmon.bpf.o usr/lib/vqmod/vqmon_fentry.bpf.o \
		usr/share/man/man8/vqmod.8 usr/share/man/man8/vqmod-top.8 usr/share/man/man8/vqmod-pin.8 usr/share/man/man8/vqmod-run.8 \
		usr/lib/systemd/system/vqmod.service etc/default/vqmod usr/share/bash-completion/completions/vqmod; do
		ASSERT_TRUE "installed: /$f" test -s "$d/$f" || return
	done
	ASSERT_EQ "$(stat -c %a "$d/usr/sbin/vqmod")" 755 "binary mode" || return
	ASSERT_MATCH "$("$d/usr/sbin/vqmod" --version)" '^vqmod [0-9]' "the installed binary runs" || return
	ASSERT_MATCH "$(grep ^ExecStart= "$d/usr/lib/systemd/system/vqmod.service")" \
		'^ExecStart=/usr/sbin/vqmod run \$VQMOD_RUN_OPTS$' "the unit runs the installed binary" || return
	ASSERT_TRUE "no placeholder left" bash -c "! grep -q @ '$d/usr/lib/systemd/system/vqmod.service'" || return
	ASSERT_EQ "$(bash -c "source '$d/etc/default/vqmod'; echo \$VQMOD_RUN_OPTS")" "--dry-run --log json" \
		"the example config is shell-readable" || return
	ASSERT_MATCH "$(bash -c "source '$d/usr/share/bash-completion/completions/vqmod'; complete -p vqmod")" \
		'-F _vqmod vqmod' "the completion loads" || return
	# its options come from the installed binary's --help, so none is missing
	ASSERT_EQ "$(bash -c "source '$d/usr/share/bash-completion/completions/vqmod'; COMP_WORDS=('$d/usr/sbin/vqmod' run --take);
		COMP_CWORD=2; _vqmod; echo \"\${COMPREPLY[*]}\"")" "--take-back" "run's options complete" || return
	# an admin's configuration survives a reinstall
	echo 'VQMOD_RUN_OPTS="--actuator ethtool"' >"$d/etc/default/vqmod"
	make -s -C "$VQ_ROOT" install DESTDIR="$d" PREFIX=/usr >/dev/null
	ASSERT_EQ "$(cat "$d/etc/default/vqmod")" 'VQMOD_RUN_OPTS="--actuator ethtool"' "config kept" || return
	# another prefix
	ASSERT_TRUE "PREFIX=/opt/vq" make -s -C "$VQ_ROOT" install DESTDIR="$d/opt" PREFIX=/opt/vq >/dev/null || return
	ASSERT_TRUE "installed under the prefix" test -x "$d/opt/opt/vq/sbin/vqmod" || return
	ASSERT_MATCH "$(grep ^ExecStart= "$d/opt/opt/vq/lib/systemd/system/vqmod.service")" '=/opt/vq/sbin/vqmod ' \
		"the unit follows the prefix"
}

# man -l renders every page, with groff's warnings on, and says nothing on stderr.
test_man_pages_render() {
	need_built
	local p err out n=0
	for p in "$VQ_ROOT"/man/*.8; do
		err=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
		ASSERT_EQ "$err" "" "warnings rendering $(basename "$p")" || return
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -E UTF-8 -l "$p" 2>/dev/null)
		ASSERT_MATCH "$out" 'NAME' "$(basename "$p") has a NAME section" || return
		n=$((n + 1))
	done
	ASSERT_GE "$n" 3 "man pages" || return
	out=$(MANWIDTH=80 man -l "$VQ_ROOT/man/vqmod.8" 2>/dev/null)
	ASSERT_MATCH "$out" 'EXIT STATUS' "vqmod(8) has exit codes" || return
	# every command of vqmod --help is in vqmod(8)
	for p in $("$VQ_ROOT/vqmod" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'); do
		ASSERT_MATCH "$out" "vqmod $p" "vqmod(8) covers '$p'" || return
	done
	# and each exit code of user/core/errors.h
	for p in $(awk -F'[=,]' '/EXIT_[A-Z]+ = [0-9]+/ {gsub(/ /, "", $2); print $2}' "$VQ_ROOT/user/core/errors.h"); do
		ASSERT_MATCH "$out" $'\n       '"$p"' +[A-Z]' "vqmod(8) documents exit status $p" || return
	done
}

test_systemd_unit_verifies() {
	need_built
	local d out
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
	d=$(mktemp -d)
	trap "rm -rf '$d'" EXIT
	# the unit as installed, pointing at the built binary
	sed "s|@SBINDIR@|$VQ_ROOT|g" "$VQ_ROOT/tools/systemd/vqmod.service" >"$d/vqmod.service"
	out=$(systemd-analyze verify --man=no "$d/vqmod.service" 2>&1)
	ASSERT_EQ "$out" "" "systemd-analyze verify"
}
