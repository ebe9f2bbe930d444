# SPDX-License-Identifier: GPL-2.0
# The fleet's view: tools/prometheus/vqmod-rules.yml passes promtool, and
# every vqmod metric the rules and tools/grafana's dashboard name is one that
# vqmod exports (user/show/prom.c prints it).

RULES=$VQ_ROOT/tools/prometheus/vqmod-rules.yml
DASH=$VQ_ROOT/tools/grafana/vqmod-dashboard.json

# vqmod_* names (not recorded vqmod:* ones) in a file
metric_names() {
	grep -o 'vqmod_[a-z_]*' "$1" | sort -u
}

test_rules_pass_promtool() {
	command -v promtool >/dev/null || skip "no promtool (apt-get install prometheus)"
	ASSERT_TRUE "promtool check rules" promtool check rules "$RULES"
}

test_dashboard_is_grafana_json() {
	ASSERT_TRUE "the dashboard parses" jq -e . "$DASH" >/dev/null || return
	ASSERT_EQ "$(jq -r '.panels | length' "$DASH")" 11 "panels" || return
	ASSERT_EQ "$(jq -r '[.panels[].targets[].expr] | map(select(test("vqmod"))) | length > 0' "$DASH")" true \
		"every panel queries vqmod"
}

test_names_are_exported() {
	local n missing= checked=0
	for n in $(metric_names "$RULES"; metric_names "$DASH"); do
		checked=$((checked + 1))
		grep -q "\"$n\"\|\"$n{\|\"$n \|$n %" "$VQ_ROOT/user/show/prom.c" || missing+=" $n"
	done
	echo "  $checked names checked"
	ASSERT_EQ "${missing:-none}" none "metrics named but not exported"
}
