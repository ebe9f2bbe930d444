# SPDX-License-Identifier: GPL-2.0
# The vqsim netlink spec (include/uapi/vqsim.yaml): it validates against the
# kernel's YNL schema, and the committed files generated from it are what the
# kernel's generator (Debian's linux-source-6.12) and tools/ynl-tables make
# of it today. Needs linux-source-6.12, python3-yaml and python3-jsonschema.

SPEC=include/uapi/vqsim.yaml
PY=${PYTHON:-/usr/bin/python3}

ynl_ksrc() {
	dpkg-query -W -f='${Status}' linux-source-6.12 2>/dev/null | grep -q 'ok installed' ||
		skip "no linux-source-6.12 (make deps)"
	"$PY" -c 'import yaml, jsonschema' 2>/dev/null || skip "no python3-yaml or python3-jsonschema (make deps)"
	tools/ksrc tools/net/ynl Documentation/netlink
}

test_spec_validates() {
	local ksrc proto out
	ksrc=$(ynl_ksrc) || return
	proto=$(sed -n 's/^protocol: *//p' $SPEC)
	ASSERT_EQ "$proto" genetlink-c "the spec's protocol" || return
	out=$("$PY" - "$SPEC" "$ksrc/Documentation/netlink/$proto.yaml" 2>&1 <<-'EOF'
		import sys, yaml, jsonschema
		spec = yaml.safe_load(open(sys.argv[1]))
		jsonschema.validate(spec, yaml.safe_load(open(sys.argv[2])))
		print(f"{len(spec['operations']['list'])} operations, "
		      f"{sum(len(s['attributes']) for s in spec['attribute-sets'])} attributes in "
		      f"{len(spec['attribute-sets'])} sets")
	EOF
	)
	ASSERT_MATCH "$out" '^[0-9]+ operations' "jsonschema validation against $proto.yaml" || { echo "$out" | tail -5; return 1; }
	echo "  $SPEC: $out"
	# The schema can fail: a spec with a misspelt key is refused.
	out=$(sed 's/^    name-prefix: vqsim-a-$/    name-prefx: vqsim-a-/' $SPEC |
		"$PY" -c 'import sys, yaml, jsonschema; jsonschema.validate(yaml.safe_load(sys.stdin), yaml.safe_load(open(sys.argv[1])))' \
			"$ksrc/Documentation/netlink/$proto.yaml" 2>&1)
	ASSERT_MATCH "$out" "name-prefx" "a misspelt key is refused" || return
}

git_tracked() { git ls-files --error-unmatch "$1" >/dev/null 2>&1; }

test_generated_files_match() {
	local dir f n=0 bad=0
	ynl_ksrc >/dev/null || return
	dir=$VQ_ROOT/.output/test/ynl-gen
	rm -rf "$dir"
	ASSERT_TRUE "tools/ynl-gen --out $dir" sh -c "tools/ynl-gen --out '$dir' >/dev/null" || return
	for f in $(tools/ynl-gen --list); do
		n=$((n + 1))
		ASSERT_TRUE "$f is committed" git_tracked "$f" || bad=1
		if ! diff -u "$f" "$dir/$f" >"$dir/diff" 2>&1; then
			echo "  $f differs from what the spec makes (make ynl-gen):"
			head -20 "$dir/diff" | sed 's/^/    /'
			bad=1
		fi
	done
	echo "  $n generated files, regenerated into $dir"
	ASSERT_GE "$n" 5 "generated files listed" || return
	ASSERT_EQ "$bad" 0 "committed generated files = a fresh generation"
}

# make and make module use the committed files: no kernel source, no generator.
# (Only vqmod is dry-run: a dry run of the module would still recurse into
# Kbuild, which relinks vqsim.ko.)
test_build_needs_no_ksrc() {
	local plan
	plan=$(make -n -B vqmod 2>&1)
	ASSERT_MATCH "$plan" "user/act/vqsim_nl.c" "make -n shows the build" || return
	ASSERT_EQ "$(grep -cE 'tools/ksrc|tools/ynl-gen|tools/ynl-tables|ynl-gen-c' <<<"$plan")" 0 "steps of make that use the kernel source" || return
	plan=$(sed -n '/^\$(VQSIM_KO):/,/^$/p' Makefile; cat tools/vqsim/Kbuild tools/vqsim/Makefile)
	ASSERT_MATCH "$plan" "tools/vqsim" "the module's rule" || return
	ASSERT_EQ "$(grep -cE 'tools/ksrc|tools/ynl-gen|tools/ynl-tables|ynl-gen-c' <<<"$plan")" 0 "steps of make module that use the kernel source"
}
