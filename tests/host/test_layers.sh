# SPDX-License-Identifier: GPL-2.0
# The build holds the layers of user/ (DESIGN §3): tools/check-layers passes
# on the tree, and fails, naming the file and the rule, on a file that strays.

# scratch OUTPUT with the tree's objects, plus one stray object in LAYER
# built from the C text on stdin; prints the checker's complaints.
stray() { # layer name
	local layer=$1 name=$2 dir
	dir=$(mktemp -d "$VQ_ROOT/.output/test/layers.XXXXXX")
	cp -r "$VQ_ROOT/.output/user" "$dir/"
	mkdir -p "$dir/user/$layer"
	gcc -std=gnu11 -MD -MP -Iinclude -Iuser -I.output -x c -c - -o "$dir/user/$layer/$name.o" \
		-MF "$dir/user/$layer/$name.d" -MT "$dir/user/$layer/$name.o" || return
	# the tree's objects as the build checked them, moved into the copy
	local objs
	mapfile -t objs < <(sed "s|^\.output/|$dir/|" .output/layers.ok)
	tools/check-layers "$dir" "${objs[@]}" "$dir/user/$layer/$name.o" 2>&1 && echo "(no complaint)"
	rm -rf "$dir"
}

test_tree_passes() {
	ASSERT_TRUE "make check-layers" make -s check-layers
	ASSERT_TRUE "the check ran on every object" test -e .output/layers.ok
}

test_front_end_reaching_bpf_fails() {
	local out
	out=$(stray show bad_show <<'C'
#include <bpf/libbpf.h>
#include "monitor/collector.h"
int bad_show(void);
int bad_show(void) { return collector_init(0, 0, 0) + bpf_object__load(0); }
C
)
	echo "$out" | sed 's/^/  /' | head -4
	ASSERT_MATCH "$out" "user/show/bad_show.c \(show\) includes .*bpf/libbpf.h, of libbpf" "a libbpf header in show/" || return
	ASSERT_MATCH "$out" "needs bpf_object__load, from libbpf" "a libbpf symbol in show/" || return
	ASSERT_MATCH "$out" "needs collector_init, from monitor" "a monitor symbol in show/"
}

test_impure_engine_fails() {
	local out
	out=$(stray engine bad_engine <<'C'
#include <stdlib.h>
#include <time.h>
#include <stdio.h>
int bad_engine(void);
int bad_engine(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); puts("x");
	return malloc(4) != NULL; }
C
)
	echo "$out" | sed 's/^/  /' | head -3
	ASSERT_MATCH "$out" "bad_engine.c \(engine\) needs clock_gettime from libc" "a clock in the engine" || return
	ASSERT_MATCH "$out" "needs malloc from libc" "an allocation of its own in the engine" || return
	ASSERT_MATCH "$out" "needs puts from libc" "I/O in the engine"
}

test_core_reaching_up_fails() {
	local out
	out=$(stray core bad_core <<'C'
int vqsim_nl_open(void *h);
int bad_core(void);
int bad_core(void) { return vqsim_nl_open(0); }
C
)
	ASSERT_MATCH "$out" "bad_core.c \(core\) needs vqsim_nl_open, from act" "core calling the actuators"
}

test_clean_stray_passes() {
	local out
	out=$(stray core fine_core <<'C'
#include <string.h>
#include "core/queue.h"
int fine_core(const char *s);
int fine_core(const char *s) { return (int)strlen(s) + vq_type_of(s, s, 0); }
C
)
	ASSERT_EQ "$out" "(no complaint)" "a core file using libc and core"
}
