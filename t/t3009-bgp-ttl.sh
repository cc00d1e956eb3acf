#!/bin/sh
test_description='lb-bgp-peer --ttl: the TTL of the session packets (eBGP multihop)'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,BIRD,TCPDUMP

test_expect_success $P 'set up: BIRD and a capture of the speaker packets' '
	bgp_router_node &&
	bird_router_start <<-\CONF
	protocol device {}
	protocol bgp n4 {
		local 192.0.2.1 as 64500;
		neighbor 192.0.2.2 as 64501;
		passive on;
		multihop 2;
		error wait time 1, 5;
		ipv4 { import all; export none; };
	}
	CONF
'

test_expect_success $P '--ttl 255: every packet of the session leaves with TTL 255' '
	test_bg cap ip netns exec $NS_router tcpdump -U -n -v -l -i r0 \
		"tcp port 179 and src host 192.0.2.2" &&
	sleep 1 &&
	test_bg high ip netns exec $NS_node lb-bgp-peer --ttl 255 \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 192.0.2.10/32 &&
	test_wait_for "bird_established bird n4" 10 &&
	test_wait_for "bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 5 &&
	test_wait_for "test \$(grep -c \"ttl \" cap.out) -ge 3" 5 &&
	grep "ttl " cap.out >ttls &&
	! grep -v "ttl 255," ttls
'

test_expect_success $P 'without --ttl the kernel default (64) is used' '
	test_bg cap2 ip netns exec $NS_router tcpdump -U -n -v -l -i r0 \
		"tcp port 179 and src host 192.0.2.2" &&
	sleep 1 &&
	test_bg low ip netns exec $NS_node lb-bgp-peer \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 192.0.2.10/32 &&
	test_wait_for "test \$(grep -c \"ttl \" cap2.out) -ge 3" 10 &&
	grep "ttl 64," cap2.out
'

test_done
