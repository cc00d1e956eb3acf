#!/bin/sh
test_description='lb-bgp-peer: two nodes announcing one VIP give an ECMP route at BIRD'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,BIRD,JQ

test_expect_success $P 'set up: a router running BIRD with merge paths, two nodes' '
	test_netns_add router &&
	test_netns_add node1 &&
	test_netns_add node2 &&
	bgp_link router r1 node1 n1 192.0.2.1/24 192.0.2.2/24 2001:db8:1::1/64 2001:db8:1::2/64 &&
	bgp_link router r2 node2 n2 198.51.100.1/24 198.51.100.2/24 2001:db8:2::1/64 2001:db8:2::2/64 &&
	bird_router_start <<-\CONF
	protocol device {}
	protocol kernel {
		ipv4 { export all; };
		merge paths on limit 16;
	}
	template bgp node {
		local as 64500;
		passive on;
		error wait time 1, 5;
		ipv4 { import all; export none; };
	}
	protocol bgp n1 from node { neighbor 192.0.2.2 as 64501; }
	protocol bgp n2 from node { neighbor 198.51.100.2 as 64501; }
	CONF
'

test_expect_success $P 'both nodes announce 203.0.113.10: two next hops in the kernel route' '
	bgp_bg sp1 ip netns exec $NS_node1 lb-bgp-peer --json \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 203.0.113.10 &&
	bgp_bg sp2 ip netns exec $NS_node2 lb-bgp-peer --json \
		--peer 198.51.100.1 --asn 64501 --peer-asn 64500 203.0.113.10 &&
	test_wait_for "bird_established bird n1 && bird_established bird n2" 10 &&
	test_wait_for "test \$(ip -n $NS_router route show 203.0.113.10 | grep -c nexthop) = 2" 5 &&
	ip -n $NS_router route show 203.0.113.10 >route &&
	grep "nexthop via 192.0.2.2 dev r1" route &&
	grep "nexthop via 198.51.100.2 dev r2" route
'

test_expect_success $P 'one node stops: the route keeps the other next hop only' '
	test_bg_kill sp2 &&
	test_wait_for "! ip -n $NS_router route show 203.0.113.10 | grep -q nexthop" 3 &&
	ip -n $NS_router route show 203.0.113.10 >route &&
	grep "203.0.113.10 via 192.0.2.2 dev r1" route
'

test_done
