# Shared by the t2xxx-arp-* scripts: a small LAN in namespaces.
#
#   a (a0 02:00:00:00:00:0a, 192.0.2.1 2001:db8::1)  --+
#   b (b0 02:00:00:00:00:0b, 192.0.2.3 2001:db8::3)  --+-- br0 in c (192.0.2.2 2001:db8::2)
#
# Announcers run in a and b, the client (arping, ndisc6, curl) in c. The
# client accepts gratuitous ARP for unknown addresses (arp_accept=1), as a
# router facing a VIP subnet is usually configured to; without it Linux
# only updates entries it already has.
MAC_A=02:00:00:00:00:0a
MAC_B=02:00:00:00:00:0b

arp_lan_setup () {
	test_netns_add a &&
	test_netns_add b &&
	test_netns_add c &&
	ip -n "$NS_c" link add br0 type bridge &&
	ip -n "$NS_c" link set br0 address 02:00:00:00:00:0c &&
	ip -n "$NS_c" link set br0 up &&
	test_veth c ca a a0 &&
	test_veth c cb b b0 &&
	ip -n "$NS_c" link set ca master br0 &&
	ip -n "$NS_c" link set cb master br0 &&
	ip -n "$NS_a" link set a0 address $MAC_A &&
	ip -n "$NS_b" link set b0 address $MAC_B &&
	ip netns exec "$NS_c" sysctl -qw net.ipv4.conf.br0.arp_accept=1 &&
	ip -n "$NS_a" addr add 192.0.2.1/24 dev a0 &&
	ip -n "$NS_b" addr add 192.0.2.3/24 dev b0 &&
	ip -n "$NS_c" addr add 192.0.2.2/24 dev br0 &&
	ip -n "$NS_a" addr add 2001:db8::1/64 dev a0 nodad &&
	ip -n "$NS_b" addr add 2001:db8::3/64 dev b0 nodad &&
	ip -n "$NS_c" addr add 2001:db8::2/64 dev br0 nodad &&
	# The bridge forwards only once its ports leave the listening state.
	test_wait_for "ip -n $NS_c -j link show ca | grep -q '\"operstate\":\"UP\"'" 5 &&
	test_wait_for "ip netns exec $NS_c arping -q -c 1 -w 1 -I br0 192.0.2.1" 10
}

# arp_neigh NS IP: the MAC the namespace's neighbour table holds for IP.
arp_neigh () {
	ip -n "$1" neigh show "$2" | sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p'
}

# arp_start NAME NS ARGS...: starts lb-arp-announce --json ARGS in namespace
# NS as test_bg NAME, its standard input the FIFO NAME.in; the caller opens
# the FIFO for writing (exec 7>NAME.in) to feed it ANNOUNCE/WITHDRAW lines.
# The announcer outlives the test that starts it, as if started between
# tests: later tests talk to it, and test_bg_kill or the end of the script
# stops it.
arp_start () {
	arp_name_=$1 arp_ns_=$2
	shift 2
	rm -f "$arp_name_.in" && mkfifo "$arp_name_.in" || return 1
	arp_in_body_=$test_in_body
	test_in_body=
	test_bg "$arp_name_" env ARP_IN="$arp_name_.in" \
		sh -c 'exec ip netns exec "$0" "$@" <"$ARP_IN"' "$arp_ns_" lb-arp-announce --json "$@"
	test_in_body=$arp_in_body_
}

# arp_line TYPE IP IFACE: one pipeline line, as lb-elect writes them.
arp_line () {
	printf '{"type":"%s","ip":"%s","via":"l2","interface":"%s"}\n' "$1" "$2" "$3"
}

# arp_monitor NAME NS ARGS...: lb-arp-announce --monitor ARGS in NS as
# test_bg NAME (outliving the test, as arp_start does).
arp_monitor () {
	arp_name_=$1 arp_ns_=$2
	shift 2
	arp_in_body_=$test_in_body
	test_in_body=
	test_bg "$arp_name_" ip netns exec "$arp_ns_" lb-arp-announce --monitor "$@"
	test_in_body=$arp_in_body_
}
