#!/bin/sh
test_description='lb-bgp-peer --bfd: BFD sessions (RFC 5880/5881) with BIRD over IPv4 and IPv6; a silent node loses its routes in under a second'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,BIRD,JQ

test_expect_success $P 'set up: BIRD with protocol bfd at 100 ms x 3, bfd on for the session' '
	bgp_router_node &&
	bird_router_start <<-\CONF
	protocol device {}
	protocol bfd {
		interface "r0" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
	}
	protocol bgp n4 {
		local 192.0.2.1 as 64500;
		neighbor 192.0.2.2 as 64501;
		passive on;
		bfd on;
		error wait time 1, 5;
		ipv4 { import all; export none; };
	}
	protocol bgp n6 {
		local 2001:db8::1 as 64500;
		neighbor 2001:db8::2 as 64501;
		passive on;
		bfd on;
		error wait time 1, 5;
		ipv6 { import all; export none; };
	}
	CONF
'

bfd_state () {
	bird_c bird show bfd sessions | grep "^192.0.2.2 " | awk "{print \$3}"
}

test_expect_success $P 'the BFD session comes Up at BIRD with our 100 ms interval' '
	bgp_bg sp ip netns exec $NS_node lb-bgp-peer --json --bfd --bfd-interval 100 \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 192.0.2.10/32 &&
	test_wait_for "bird_established bird n4" 10 &&
	test_wait_for "test \"\$(bfd_state)\" = Up" 10 &&
	bird_c bird show bfd sessions | grep "^192.0.2.2 .* Up .* 0.100 *0.300" &&
	test_wait_for "grep -q \"\\\"type\\\":\\\"BFD\\\",\\\"peer\\\":\\\"192.0.2.1\\\",\\\"state\\\":\\\"Up\\\"\" sp.out" 3 &&
	bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10
'

test_expect_success $P 'the node stops answering: BIRD drops the route within a second' '
	pid=$(test_bg_pid sp) &&
	kill -STOP $pid &&
	test_when_finished "kill -CONT $pid" &&
	test_wait_for "! bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 1 &&
	test "$(bfd_state)" = Down &&
	! bird_established bird n4
'

test_expect_success $P 'the node answers again: BFD Up, session and route back' '
	kill -CONT "$(test_bg_pid sp)" &&
	test_wait_for "test \"\$(bfd_state)\" = Up" 5 &&
	test_wait_for "bird_established bird n4" 10 &&
	test_wait_for "bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 5
'

test_expect_success $P 'the router goes silent: our BFD declares it Down and drops the session' '
	kill -STOP "$(cat bird.pid)" &&
	test_when_finished "kill -CONT $(cat bird.pid)" &&
	test_wait_for "grep -q \"\\\"type\\\":\\\"SESSION\\\",\\\"peer\\\":\\\"192.0.2.1\\\",\\\"state\\\":\\\"Idle\\\".*BFD detection time expired\" sp.out" 2 &&
	kill -CONT "$(cat bird.pid)" &&
	test_wait_for "bird_established bird n4" 15
'

bfd6_state () {
	bird_c bird show bfd sessions | grep "^2001:db8::2 " | awk "{print \$3}"
}

test_expect_success $P 'IPv6 peer: the BFD session comes Up at BIRD (UDP 3784 over IPv6, hop limit 255)' '
	test_bg_kill sp &&
	bgp_bg sp6 ip netns exec $NS_node lb-bgp-peer --json --bfd --bfd-interval 100 \
		--peer 2001:db8::1 --asn 64501 --peer-asn 64500 --router-id 192.0.2.2 \
		2001:db8:7::10/128 &&
	test_wait_for "bird_established bird n6" 10 &&
	test_wait_for "test \"\$(bfd6_state)\" = Up" 10 &&
	bird_c bird show bfd sessions | grep "^2001:db8::2 .* Up .* 0.100 *0.300" &&
	test_wait_for "grep -q \"\\\"type\\\":\\\"BFD\\\",\\\"peer\\\":\\\"2001:db8::1\\\",\\\"state\\\":\\\"Up\\\"\" sp6.out" 3 &&
	bird_c bird show route 2001:db8:7::10/128 | grep -q 2001:db8:7::10
'

test_expect_success $P 'IPv6: the node stops answering, BIRD drops the route within a second' '
	pid=$(test_bg_pid sp6) &&
	kill -STOP $pid &&
	test_when_finished "kill -CONT $pid" &&
	test_wait_for "! bird_c bird show route 2001:db8:7::10/128 | grep -q 2001:db8:7::10" 1 &&
	test "$(bfd6_state)" = Down &&
	! bird_established bird n6
'

test_expect_success $P 'IPv6: the router goes silent, our BFD drops the session' '
	kill -CONT "$(test_bg_pid sp6)" &&
	test_wait_for "test \"\$(bfd6_state)\" = Up" 5 &&
	test_wait_for "bird_established bird n6" 10 &&
	kill -STOP "$(cat bird.pid)" &&
	test_when_finished "kill -CONT $(cat bird.pid)" &&
	test_wait_for "grep -q \"\\\"type\\\":\\\"SESSION\\\",\\\"peer\\\":\\\"2001:db8::1\\\",\\\"state\\\":\\\"Idle\\\".*BFD detection time expired\" sp6.out" 2
'

test_done
