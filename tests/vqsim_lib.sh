# SPDX-License-Identifier: GPL-2.0
# A vqsim device in the guest, for tests, the demo and the benchmarks.
# Source after setting VQ_ROOT. Needs the 6.12 guest (vdpa, virtio_vdpa).

VQMOD=${VQMOD:-$VQ_ROOT/vqmod}
# Profiles of 1, 8, 64 and 256 us (net_dim's rx steps less 128), then 1 ms,
# each up to 256 frames; the lowest is 1 us, not off. net_dim's table stops
# at 256 us, which holds about one frame at the few thousand frames/s a
# nested VM takes when they arrive evenly spaced (a demo's bulk read as
# request/response there, 2026-12-04).
VQ_PROFILE_1MS=rx=1:256,8:256,64:256,256:256,1024:256
source "$VQ_ROOT/tests/lib.sh" # wait_until, also for the demo and the benchmarks

# In a test: skips where the kernel has no vDPA (6.1), else loads vqsim.
vqsim_require() {
	modprobe -q vdpa 2>/dev/null || skip "no vdpa module in $(uname -r): vqsim needs vDPA (6.12)"
	modprobe -q virtio_vdpa 2>/dev/null || skip "no virtio_vdpa module in $(uname -r)"
	[ -r "$VQ_ROOT/tools/vqsim/vqsim.ko" ] || skip "tools/vqsim/vqsim.ko is not built (make module)"
	vqsim_load
}

# vqsim_load: the vDPA bus, virtio_vdpa and vqsim.ko, once. vqsim uses
# vhost_iotlb for its address spaces, which insmod does not pull in.
vqsim_load() {
	[ -d /sys/module/vqsim ] && return 0
	modprobe vdpa && modprobe virtio_vdpa && modprobe vhost_iotlb || return
	insmod "$VQ_ROOT/tools/vqsim/vqsim.ko"
}

# _vqsim_netdev NAME: sets VQSIM_VIRTIO and VQSIM_IF once virtio_net has
# probed; both empty until then, never a name left from before
_vqsim_netdev() {
	VQSIM_VIRTIO= VQSIM_IF=
	VQSIM_VIRTIO=$(ls "/sys/bus/vdpa/devices/$1" 2>/dev/null | grep -m1 '^virtio[0-9]*$') &&
		VQSIM_IF=$(ls "/sys/bus/virtio/devices/$VQSIM_VIRTIO/net" 2>/dev/null) && [ -n "$VQSIM_IF" ]
}

# vqsim_up NAME [vdpa dev add args]: adds the device and brings its
# virtio_net netdev up. Sets VQSIM_VIRTIO (virtioN) and VQSIM_IF (the netdev).
vqsim_up() {
	local name=$1
	shift
	vqsim_load || return
	vdpa dev add name "$name" mgmtdev vqsim "$@" || return
	wait_until 30 _vqsim_netdev "$name"
	[ -n "$VQSIM_IF" ] || { echo "vqsim_up: no netdev for $name" >&2; return 1; }
	# no IPv6 chatter: the loopback would return it as rx traffic
	sysctl -qw "net.ipv6.conf.$VQSIM_IF.disable_ipv6=1" 2>/dev/null
	ip link set "$VQSIM_IF" up
}

vqsim_down() { vdpa dev del "$1"; }

# vqsim_bind NAME virtio_vdpa|vhost_vdpa: moves a device to that driver, and
# keeps it there for later probes (driver_override).
vqsim_bind() {
	local name=$1 drv=$2 dev=/sys/bus/vdpa/devices/$1
	[ -d "$dev" ] || { echo "vqsim_bind: no vdpa device $name" >&2; return 1; }
	[ "$drv" = vhost_vdpa ] && { modprobe vhost_vdpa || return; }
	[ -e "$dev/driver" ] && [ "$(basename "$(readlink -f "$dev/driver")")" = "$drv" ] && return 0
	[ -e "$dev/driver" ] && { echo "$name" >"$dev/driver/unbind" || return; }
	echo "$drv" >"$dev/driver_override" && echo "$name" >"/sys/bus/vdpa/drivers/$drv/bind"
}

# _vqsim_vhost_name NAME: sets n to vhost-vdpa-N once its /dev node is there
_vqsim_vhost_name() {
	n=$(ls "/sys/bus/vdpa/devices/$1" 2>/dev/null | grep -m1 '^vhost-vdpa-[0-9]*$') && [ -c "/dev/$n" ]
}

# vqsim_vhost_node NAME: prints /dev/vhost-vdpa-N of a device bound to vhost_vdpa.
vqsim_vhost_node() {
	local n
	wait_until 30 _vqsim_vhost_name "$1" && { echo "/dev/$n"; return 0; }
	echo "vqsim_vhost_node: no /dev/vhost-vdpa-N for $1" >&2
	return 1
}

# vqsim_up_vhost NAME [vdpa dev add args]: adds the device, binds it to
# vhost_vdpa and prints its /dev/vhost-vdpa-N, e.g. for
# `qemu ... -netdev vhost-vdpa,vhostdev=$(vqsim_up_vhost vqsim0),id=n0`.
# Delete it (vdpa dev del) only once no process has that node open:
# vhost_vdpa waits for the close.
vqsim_up_vhost() {
	local name=$1
	shift
	vqsim_load && modprobe vhost_vdpa || return
	vdpa dev add name "$name" mgmtdev vqsim "$@" || return
	vqsim_bind "$name" vhost_vdpa && vqsim_vhost_node "$name"
}

# vqsim_iotlb_stat NAME QUEUE FIELD: a refusal counter of debugfs iotlb
# (iotlb_miss iotlb_perm iotlb_bad ring_errors kicks_not_ready broken); QUEUE
# -1 reads a device line (map_refused, driver_dma_api). Readable at any time,
# unlike vdpa dev vstats, which needs the device driven (FEATURES_OK).
vqsim_iotlb_stat() {
	awk -v q="$2" -v f="$3" '
		$1 == "queue" { for (i = 1; i <= NF; i++) col[$i] = i; table = 1; next }
		q == -1 && $1 == f { print $2; exit }
		table && $1 == q && (f in col) { print $col[f]; exit }' \
		"/sys/kernel/debug/vqsim/$1/iotlb"
}

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

# coal: rx queue 0 of $DEV as usecs/frames; coal_is_not SETTING: it is not that
coal() { echo "$(vqsim_stat "$DEV" 0 coal_usecs)/$(vqsim_stat "$DEV" 0 coal_packets)"; }
coal_is_not() { [ "$(coal)" != "$1" ]; }

# rx0_held SETTING LINE LOG: rx queue 0 is still at SETTING, and vqmod run's
# LOG has no move of input.0 (from != to, back-offs for loss too) after LINE.
# Only input.0's: the tx queue's own moves say nothing of rx 0.
rx0_held() {
	[ "$(coal)" = "$1" ] &&
		! tail -n +$(($2 + 1)) "$3" | awk '$3 == "input.0" && $5 == "->" && $4 != $6 { moved = 1 } END { exit !moved }'
}
