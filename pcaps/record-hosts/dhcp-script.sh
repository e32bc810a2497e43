#!/bin/sh
# Minimal dhclient-script / udhcpc script for pcaps/record-hosts/record.sh.
# Configures the leased address on the interface (so later traffic uses it)
# and never touches resolv.conf or anything else outside the netns.
# dhclient sets $reason/$interface/$new_*; busybox udhcpc passes the event as
# $1 and sets $interface/$ip/$mask/$router.
log() { echo "dhcp-script: $*" >>"${DHCP_SCRIPT_LOG:-/dev/null}"; }
case "${reason:-$1}" in
  PREINIT)
    ip link set dev "$interface" up ;;
  BOUND|RENEW|REBIND|REBOOT)
    ip -4 addr flush dev "$interface"
    ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
    [ -n "$new_routers" ] && ip route replace default via "${new_routers%% *}" dev "$interface"
    log "$reason $interface $new_ip_address/$new_subnet_mask router $new_routers" ;;
  EXPIRE|FAIL|RELEASE|STOP)
    ip -4 addr flush dev "$interface"
    log "$reason $interface" ;;
  deconfig)
    ip link set dev "$interface" up
    ip -4 addr flush dev "$interface" ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
    log "$1 $interface $ip/$mask router $router" ;;
esac
exit 0
