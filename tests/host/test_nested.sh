# SPDX-License-Identifier: GPL-2.0
# tools/vm/nested's command lines and checks, which need no guest: the QEMU
# arguments `args` prints are the ones `start` runs (VMs boot in the VM suite,
# tests/vm/test_nested.sh).

nested() { "$VQ_ROOT/tools/vm/nested" "$@"; }

# The value after OPT in the argv `args` printed, one per line (all of them).
arg_of() { # argv opt
	awk -v o="$2" 'prev == o { print } { prev = $0 }' <<<"$1"
}

test_args_name_and_uuid() {
	local a
	a=$(nested args --name web1 -- true) || return
	ASSERT_EQ "$(arg_of "$a" -name)" web1 "-name" || return
	ASSERT_EQ "$(arg_of "$a" -uuid)" "" "no -uuid unless asked" || return
	a=$(nested args --name web1 --libvirt-name --uuid 6F0E4C1A-6B53-4A1E-9D27-0000000000A1 -- true) || return
	ASSERT_EQ "$(arg_of "$a" -name)" guest=web1,debug-threads=on "libvirt's -name form" || return
	ASSERT_EQ "$(arg_of "$a" -uuid)" 6F0E4C1A-6B53-4A1E-9D27-0000000000A1 "-uuid" || return
	a=$(nested args --index 7 -- true) || return
	ASSERT_EQ "$(arg_of "$a" -name)" vm7 "default name from the index"
}

test_args_machine() {
	local a
	a=$(nested args --kernel 6.1 --cpus 2 --mem 300 -- true) || return
	ASSERT_EQ "$(arg_of "$a" -accel)" kvm "-accel" || return
	ASSERT_EQ "$(arg_of "$a" -smp)" 2 "-smp" || return
	ASSERT_EQ "$(arg_of "$a" -m)" 300 "-m" || return
	ASSERT_MATCH "$(arg_of "$a" -kernel)" '/boot/vmlinux-6\.1\.0-[0-9]+-amd64$' "6.1's ELF" || return
	ASSERT_MATCH "$(arg_of "$a" -initrd)" '/initramfs-6\.1\.0-[0-9]+-amd64\.cpio$' "6.1's initramfs" || return
	ASSERT_MATCH "$(arg_of "$a" -append)" ' vq\.root=[^ ]+ vq\.job=/run/vqvm/vm1 vq\.jobfs=vqjob vq\.mod=' \
		"tools/vm/init's parameters" || return
	a=$(nested args --kernel 6.12 --image bzimage --append 'a=1 b=2' -- true) || return
	ASSERT_MATCH "$(arg_of "$a" -kernel)" '/boot/vmlinuz-6\.12\.' "6.12's bzImage" || return
	ASSERT_MATCH "$(arg_of "$a" -append)" ' a=1 b=2$' "--append comes last"
}

test_args_tap_and_vhost_vdpa_nics() {
	local a
	a=$(nested args --index 3 --nic tap --nic tap,ifname=up0,bridge=br9 \
		--nic vhost-vdpa,dev=/dev/vhost-vdpa-2 -- true) || return
	ASSERT_EQ "$(arg_of "$a" -netdev | paste -sd' ')" \
		"tap,id=n0,ifname=vq3t0,script=no,downscript=no,vhost=on tap,id=n1,ifname=up0,script=no,downscript=no,vhost=on vhost-vdpa,id=n2,vhostdev=/dev/vhost-vdpa-2" \
		"-netdev per NIC" || return
	ASSERT_EQ "$(arg_of "$a" -device | grep '^virtio-net-pci' | paste -sd' ')" \
		"virtio-net-pci,netdev=n0,mac=52:54:00:72:03:00,addr=0x10,romfile= virtio-net-pci,netdev=n1,mac=52:54:00:72:03:01,addr=0x11,romfile= virtio-net-pci,netdev=n2,mac=52:54:00:72:03:02,addr=0x12,romfile=" \
		"-device per NIC: MAC from index and NIC, a fixed slot"
}

test_bad_options_fail_clearly() {
	local err rc
	err=$(mktemp)
	trap "rm -f '$err'" EXIT
	check() { # regex args...
		local re=$1
		shift
		rc=0
		nested args "$@" >/dev/null 2>"$err" || rc=$?
		ASSERT_EQ "$rc" 125 "exit status of args $*" || return
		ASSERT_MATCH "$(cat "$err")" "$re" "message for $*"
	}
	check "--name takes \[A-Za-z0-9_.-\], not 'a,b'" --name a,b -- true || return
	check "--uuid takes" --uuid 1234 -- true || return
	check "--cpus takes a positive integer" --cpus 0 -- true || return
	check "--index takes 1..254" --index 255 -- true || return
	check "--nic takes tap" --nic macvtap -- true || return
	check "--nic vhost-vdpa needs dev=" --nic vhost-vdpa -- true || return
	check "--nic tap: unknown option 'queues=2'" --nic tap,queues=2 -- true || return
	check "no command" --name a || return
	check "--append must not set vq" --append vq.job=/x -- true || return
	check "--kernel: no file /no/such/kernel" --kernel /no/such/kernel -- true
}

# Outside a guest that hosts VMs: a missing vhost-vdpa device is named first,
# then the guest it needs.
test_start_needs_a_vms_guest() {
	local err rc=0
	err=$(mktemp)
	trap "rm -f '$err'" EXIT
	VQ_GUEST= nested run --nic vhost-vdpa,dev=/dev/vhost-vdpa-99 -- true 2>"$err" || rc=$?
	ASSERT_EQ "$rc" 125 "exit status" || return
	ASSERT_MATCH "$(cat "$err")" '^tools/vm/nested: no vhost-vdpa device /dev/vhost-vdpa-99' "the device, first" || return
	rc=0
	VQ_GUEST= nested run -- true 2>"$err" || rc=$?
	ASSERT_EQ "$rc" 125 "exit status" || return
	ASSERT_MATCH "$(cat "$err")" 'runs in a tools/vm/run --vms guest' "the guest it needs"
}

test_vmrun_vms_needs_6_12() {
	local err rc=0
	err=$(mktemp)
	trap "rm -f '$err'" EXIT
	"$VQ_ROOT/tools/vm/run" --vms --kernel 6.1 -- true 2>"$err" || rc=$?
	ASSERT_EQ "$rc" 125 "exit status of --vms --kernel 6.1" || return
	ASSERT_MATCH "$(cat "$err")" '--vms needs --kernel 6.12' "message"
}
