# SPDX-License-Identifier: GPL-2.0
# Shared by tools/bench/run and tools/bench/vm_rows.

# Policy order for round r: rotated by r, so no policy always runs first
# (or right after the same one).
rotated() { # round items...
	local r=$1 n i
	shift
	n=$#
	local a=("$@")
	for ((i = 0; i < n; i++)); do echo "${a[(i + r) % n]}"; done
}
