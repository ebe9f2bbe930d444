# SPDX-License-Identifier: GPL-2.0
# A vqsim device in the guest, for tests, the demo and the benchmarks.
# Source after setting VQ_ROOT. Needs the 6.12 guest (vdpa, virtio_vdpa).

VQMOD=${VQMOD:-$VQ_ROOT/vqmod}

# In a test: skips where the kernel has no vDPA (6.1), else loads vqsim.
vqsim_require() {
	modprobe -q vdpa 2>/dev/null || skip "no vdpa module in $(uname -r): vqsim needs vDPA (6.12)"
	modprobe -q virtio_vdpa 2>/dev/null || skip "no virtio_vdpa module in $(uname -r)"
	[ -r "$VQ_ROOT/tools/vqsim/vqsim.ko" ] || skip "tools/vqsim/vqsim.ko is not built (make module)"
	vqsim_load
}

# vqsim_load: the vDPA bus, virtio_vdpa and vqsim.ko, once.
vqsim_load() {
	[ -d /sys/module/vqsim ] && return 0
	modprobe vdpa && modprobe virtio_vdpa || return
	insmod "$VQ_ROOT/tools/vqsim/vqsim.ko"
}

# vqsim_up NAME [vdpa dev add args]: adds the device and brings its
# virtio_net netdev up. Sets VQSIM_VIRTIO (virtioN) and VQSIM_IF (the netdev).
vqsim_up() {
	local name=$1
	shift
	vqsim_load || return
	vdpa dev add name "$name" mgmtdev vqsim "$@" || return
	VQSIM_VIRTIO= VQSIM_IF=
	for _ in $(seq 100); do
		VQSIM_VIRTIO=$(ls "/sys/bus/vdpa/devices/$name" 2>/dev/null | grep -m1 '^virtio[0-9]*$') &&
			VQSIM_IF=$(ls "/sys/bus/virtio/devices/$VQSIM_VIRTIO/net" 2>/dev/null) && [ -n "$VQSIM_IF" ] && break
		sleep 0.1
	done
	[ -n "$VQSIM_IF" ] || { echo "vqsim_up: no netdev for $name" >&2; return 1; }
	# no IPv6 chatter: the loopback would return it as rx traffic
	sysctl -qw "net.ipv6.conf.$VQSIM_IF.disable_ipv6=1" 2>/dev/null
	ip link set "$VQSIM_IF" up
}

vqsim_down() { vdpa dev del "$1"; }

# vqsim_stat NAME QUEUE FIELD: one figure of vqmod sim stats --json.
vqsim_stat() {
	"$VQMOD" sim stats "$1" "$2" --json | jq -r "if type == \"array\" then .[0] else . end | .$3"
}

# vqsim_traffic NAME QUEUE start|stop [ARGS...]
vqsim_traffic() {
	local name=$1 queue=$2
	shift 2
	"$VQMOD" sim traffic "$name" "$queue" "$@" >/dev/null
}
