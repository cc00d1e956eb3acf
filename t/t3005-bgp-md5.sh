#!/bin/sh
test_description='lb-bgp-peer: TCP MD5 signatures (RFC 2385) with BIRD, and a wrong key fails cleanly'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,BIRD,JQ

test_expect_success $P 'set up: BIRD with a password, passive' '
	bgp_router_node &&
	bird_router_start <<-\CONF
	protocol device {}
	protocol bgp n4 {
		local 192.0.2.1 as 64500;
		neighbor 192.0.2.2 as 64501;
		password "lbkit-md5-key";
		passive on;
		error wait time 1, 5;
		ipv4 { import all; export none; };
	}
	CONF
'

test_expect_success $P 'a wrong key: no session, the speaker keeps trying and stays up' '
	test_bg bad ip netns exec $NS_node lb-bgp-peer --json -v --connect-retry 1 \
		--md5-password wrong-key --peer 192.0.2.1 --asn 64501 --peer-asn 64500 192.0.2.10/32 &&
	sleep 4 &&
	! bird_established bird n4 &&
	! grep -q Established bad.out &&
	kill -0 "$(test_bg_pid bad)"
'

test_expect_success $P 'no key at all: no session either' '
	test_bg none ip netns exec $NS_node lb-bgp-peer --json --connect-retry 1 \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 192.0.2.10/32 &&
	sleep 3 &&
	! bird_established bird n4 &&
	! grep -q Established none.out
'

test_expect_success $P 'the right key: Established and the route is in BIRD' '
	test_bg good ip netns exec $NS_node lb-bgp-peer --json \
		--md5-password lbkit-md5-key --peer 192.0.2.1 --asn 64501 --peer-asn 64500 192.0.2.10/32 &&
	test_wait_for "bird_established bird n4" 10 &&
	test_wait_for "bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 5
'

test_expect_success 'a key longer than 80 bytes is refused' '
	key=$(printf "%081d" 0) &&
	test_expect_code 2 lb-bgp-peer --md5-password "$key" \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 2>err &&
	grep "from 1 to 80 bytes" err
'

test_done
