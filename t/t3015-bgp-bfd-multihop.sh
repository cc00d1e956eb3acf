#!/bin/sh
test_description='lb-bgp-peer: multi-hop BFD (RFC 5883) for an ebgpMultiHop BGPPeer with a BFDProfile, two routers away from BIRD; minimumTtl decides which packets count'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,BIRD,JQ

# node 192.0.2.2 - hop1 - hop2 - router 203.0.113.1. BIRD 2 sends its
# multi-hop BFD packets with TTL 64: they arrive with 62.
test_expect_success $P 'set up: BIRD two routed hops away, multi-hop BFD at 100 ms x 3' '
	for n in node hop1 hop2 router; do test_netns_add $n || return 1; done &&
	test_veth node n0 hop1 a0 &&
	test_veth hop1 b0 hop2 b1 &&
	test_veth hop2 c0 router r0 &&
	ip -n $NS_node addr add 192.0.2.2/24 dev n0 &&
	ip -n $NS_hop1 addr add 192.0.2.1/24 dev a0 &&
	ip -n $NS_hop1 addr add 198.51.100.1/24 dev b0 &&
	ip -n $NS_hop2 addr add 198.51.100.2/24 dev b1 &&
	ip -n $NS_hop2 addr add 203.0.113.2/24 dev c0 &&
	ip -n $NS_router addr add 203.0.113.1/24 dev r0 &&
	ip -n $NS_node route add default via 192.0.2.1 &&
	ip -n $NS_hop1 route add 203.0.113.0/24 via 198.51.100.2 &&
	ip -n $NS_hop2 route add 192.0.2.0/24 via 198.51.100.1 &&
	ip -n $NS_router route add default via 203.0.113.2 &&
	ip netns exec $NS_hop1 sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec $NS_hop2 sysctl -qw net.ipv4.ip_forward=1 &&
	cat >bird.conf <<-\CONF &&
	router id 203.0.113.1;
	log "bird.log" all;
	protocol device {}
	protocol bfd {
		multihop { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
	}
	protocol bgp n4 {
		local 203.0.113.1 as 64500;
		neighbor 192.0.2.2 as 64501;
		multihop 3;
		passive on;
		bfd on;
		error wait time 1, 5;
		ipv4 { import all; export none; };
	}
	CONF
	bird_start router bird bird.conf &&
	test_wait_for "test -S bird.ctl" 5
'

bfd_line () {
	bird_bfd_session 192.0.2.2
}

PEER="{\"myASN\":64501,\"peerASN\":64500,\"peerAddress\":\"203.0.113.1\",\"ebgpMultiHop\":true,\"bfdProfile\":\"mh\"}"

test_expect_success $P 'minimumTtl 254 (the default): packets arriving with TTL 62 do not count' '
	mkfifo in &&
	bgp_bg sp sh -c "exec ip netns exec $NS_node lb-bgp-peer --json -v -v 192.0.2.10/32 <in" &&
	exec 9>in &&
	metallb_event ADDED BFDProfile mh "{\"receiveInterval\":200,\"transmitInterval\":200}" >&9 &&
	metallb_event ADDED BGPPeer tor "$PEER" >&9 &&
	test_wait_for "bird_established bird n4" 15 &&
	test_wait_for "grep -q \"BFD with profile mh: .*, multi-hop\" sp.err" 5 &&
	test_wait_for "grep -q \"BFD from 203.0.113.1 dropped: TTL 62 below minimumTtl 254\" sp.err" 5 &&
	sleep 2 &&
	! grep "\"type\":\"BFD\"" sp.out &&
	! bfd_line | grep " Up "
'

test_expect_success $P 'minimumTtl 63: still dropped' '
	metallb_event MODIFIED BFDProfile mh "{\"receiveInterval\":200,\"transmitInterval\":200,\"minimumTtl\":63}" >&9 &&
	test_wait_for "grep -q \"BFD from 203.0.113.1 dropped: TTL 62 below minimumTtl 63\" sp.err" 5 &&
	sleep 1 &&
	! grep "\"type\":\"BFD\"" sp.out
'

test_expect_success $P 'minimumTtl 62: the multi-hop session comes Up with the profile intervals' '
	metallb_event MODIFIED BFDProfile mh "{\"receiveInterval\":200,\"transmitInterval\":200,\"minimumTtl\":62}" >&9 &&
	test_wait_for "grep -q \"\\\"type\\\":\\\"BFD\\\",\\\"peer\\\":\\\"203.0.113.1\\\",\\\"state\\\":\\\"Up\\\"\" sp.out" 10 &&
	test_wait_for "bfd_line | grep -q \" Up .* 0.200 *0.600\"" 5 &&
	bird_established bird n4
'

test_expect_success $P 'the router goes silent: our multi-hop BFD drops the session' '
	kill -STOP "$(cat bird.pid)" &&
	test_when_finished "kill -CONT $(cat bird.pid)" &&
	test_wait_for "grep -q \"\\\"type\\\":\\\"SESSION\\\",\\\"peer\\\":\\\"203.0.113.1\\\",\\\"state\\\":\\\"Idle\\\".*BFD detection time expired\" sp.out" 3
'

test_done
