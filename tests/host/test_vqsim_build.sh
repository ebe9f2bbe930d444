# SPDX-License-Identifier: GPL-2.0
# vqsim.ko builds against Debian's 6.12 headers with no warnings, under W=1
# and under sparse (C=1). Builds a copy under .output, not in the tree.

vqsim_kdir() {
	local kdir
	kdir=$("$VQ_ROOT/tools/vm/kernel" 6.12 2>/dev/null | sed -n 's/^kdir=//p')
	[ -n "$kdir" ] && [ -d "$kdir" ] || skip "no 6.12 headers (tools/vm/kernel 6.12 prints no kdir)"
	echo "$kdir"
}

# vqsim_build DIR KDIR make-args...: a fresh copy built in DIR; prints the log.
vqsim_build() {
	local dir=$1 kdir=$2
	shift 2
	rm -rf "$dir"
	mkdir -p "$dir/tools" "$dir/include"
	cp -r "$VQ_ROOT/tools/vqsim" "$dir/tools/"
	cp -r "$VQ_ROOT/include/uapi" "$dir/include/"
	make -C "$dir/tools/vqsim" clean KDIR="$kdir" >/dev/null 2>&1
	make -C "$dir/tools/vqsim" KDIR="$kdir" "$@" 2>&1
}

# Lines of a build log that are diagnostics.
diagnostics() {
	grep -E 'warning|error|: note:|sparse:|Error [0-9]' <<<"$1" | grep -v '^make'
}

test_w1() {
	local kdir dir log
	kdir=$(vqsim_kdir) || return
	dir=$VQ_ROOT/.output/test/vqsim-w1
	log=$(vqsim_build "$dir" "$kdir" W=1)
	ASSERT_TRUE "make W=1" test -f "$dir/tools/vqsim/vqsim.ko" || { echo "$log" | tail -20; return 1; }
	ASSERT_EQ "$(diagnostics "$log")" "" "W=1 diagnostics" || return
	ASSERT_TRUE "BTF in vqsim.ko (pahole)" sh -c "readelf -S '$dir/tools/vqsim/vqsim.ko' | grep -q '\.BTF'"
}

test_sparse() {
	local kdir dir log
	kdir=$(vqsim_kdir) || return
	command -v sparse >/dev/null || skip "no sparse (apt-get install sparse)"
	dir=$VQ_ROOT/.output/test/vqsim-sparse
	log=$(vqsim_build "$dir" "$kdir" C=1)
	ASSERT_TRUE "make C=1" test -f "$dir/tools/vqsim/vqsim.ko" || { echo "$log" | tail -20; return 1; }
	ASSERT_MATCH "$log" "CHECK .*vqsim_nl.c" "sparse ran" || return
	ASSERT_EQ "$(diagnostics "$log")" "" "sparse diagnostics"
}
