#!/bin/sh
test_description='lb-arp-announce: IPv6 neighbour discovery against the kernel and ndisc6'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-arp.sh"

test_expect_success ROOT,NETNS,ARPING 'set up the LAN' '
	arp_lan_setup &&
	arp_start a "$NS_a" -i a0 --garp-interval 200 2001:db8::10 &&
	exec 7>a.in &&
	test_wait_for "grep -q ANNOUNCED a.out" 5
'

test_expect_success ROOT,NETNS 'the solicited-node group of the VIP is joined on a0' '
	ip -n "$NS_a" maddr show dev a0 >maddr &&
	grep "inet6 ff02::1:ff00:10" maddr
'

test_expect_success ROOT,NETNS,NDISC6 'ndisc6 gets an NA with our MAC' '
	ip netns exec "$NS_c" ndisc6 -1 -r 2 2001:db8::10 br0 >out &&
	cat out &&
	grep "Target link-layer address: 02:00:00:00:00:0A" out
'

test_expect_success ROOT,NETNS,PYTHON3 'a unicast NUD probe without source link-layer option is answered' '
	ip netns exec "$NS_c" $PYTHON3 "$TEST_DIRECTORY/arp-frames.py" nud br0 2001:db8::2 \
		$MAC_A 2001:db8::10 >out &&
	echo "NA $MAC_A SO" >expect &&
	test_cmp expect out
'

test_expect_success ROOT,NETNS 'the kernel resolves the VIP through us' '
	ip -n "$NS_c" neigh flush dev br0 &&
	ip netns exec "$NS_c" $PYTHON3 -c "
import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b\"x\", (\"2001:db8::10\", 9))" &&
	test_wait_for "test \"\$(arp_neigh $NS_c 2001:db8::10)\" = $MAC_A" 3
'

test_expect_success ROOT,NETNS,NDISC6 'an unsolicited NA updates the neighbour entry; withdraw ends answers' '
	ip -n "$NS_c" neigh replace 2001:db8::20 lladdr 02:00:00:00:00:99 dev br0 nud stale &&
	arp_line ANNOUNCE 2001:db8::20 a0 >&7 &&
	test_wait_for "test \"\$(arp_neigh $NS_c 2001:db8::20)\" = $MAC_A" 3 &&
	arp_line WITHDRAW 2001:db8::20 a0 >&7 &&
	test_wait_for "grep -q WITHDRAWN.*2001:db8::20 a.out" 3 &&
	test_must_fail ip netns exec "$NS_c" ndisc6 -1 -r 2 -w 300 2001:db8::20 br0 &&
	ip -n "$NS_a" maddr show dev a0 >maddr &&
	grep "ff02::1:ff00:10" maddr &&
	test_must_fail grep "ff02::1:ff00:20" maddr
'

test_expect_success ROOT,NETNS,NDISC6 'takeover A -> B for an IPv6 VIP' '
	arp_start b "$NS_b" -i b0 --garp-interval 200 &&
	exec 8>b.in &&
	arp_line WITHDRAW 2001:db8::10 a0 >&7 &&
	arp_line ANNOUNCE 2001:db8::10 b0 >&8 &&
	test_wait_for "test \"\$(arp_neigh $NS_c 2001:db8::10)\" = $MAC_B" 5 &&
	ip netns exec "$NS_c" ndisc6 -1 -r 2 2001:db8::10 br0 >out &&
	grep "Target link-layer address: 02:00:00:00:00:0B" out &&
	exec 7>&- 8>&-
'

test_done
