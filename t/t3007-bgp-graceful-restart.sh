#!/bin/sh
test_description='lb-bgp-peer: graceful restart (RFC 4724) as the restarting speaker, with BIRD as helper'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,BIRD,JQ

test_expect_success $P 'set up: BIRD, graceful restart aware' '
	bgp_router_node &&
	bird_router_start <<-\CONF
	debug protocols { states, events };
	protocol device {}
	protocol bgp n4 {
		local 192.0.2.1 as 64500;
		neighbor 192.0.2.2 as 64501;
		passive on;
		graceful restart on;
		error wait time 1, 5;
		ipv4 { import all; export none; };
		ipv6 { import all; export none; };
	}
	CONF
'

test_expect_success $P 'the capability is advertised with the forwarding bit for both families' '
	bgp_bg sp1 ip netns exec $NS_node lb-bgp-peer --json -v --graceful-restart \
		--graceful-restart-time 60 --restart-state "$PWD/restart" \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 192.0.2.10/32 192.0.2.11/32 &&
	test_wait_for "bird_established bird n4" 10 &&
	bird_c bird show protocols all n4 >proto &&
	sed -n "/Neighbor capabilities/,/Session:/p" proto >caps &&
	cat caps &&
	grep "Graceful restart" caps &&
	grep "Restart time: 60" caps &&
	grep "AF supported: ipv4 ipv6" caps &&
	grep "AF preserved: ipv4 ipv6" caps &&
	! grep "Restart recovery" caps &&
	test_wait_for "bird_c bird show route 192.0.2.11/32 | grep -q 192.0.2.11" 5
'

test_expect_success $P 'SIGUSR2: the speaker leaves without NOTIFICATION and BIRD keeps the routes' '
	kill -USR2 "$(test_bg_pid sp1)" &&
	test_wait_for "! kill -0 $(test_bg_pid sp1) 2>/dev/null" 5 &&
	sleep 1 &&
	bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10 &&
	bird_c bird show route 192.0.2.11/32 | grep -q 192.0.2.11 &&
	! grep -q "Received: Administrative shutdown" bird.log &&
	jq -e ".restarting == true" restart
'

test_expect_success $P 'back with one prefix less: End-of-RIB makes BIRD drop the stale one at once' '
	bgp_bg sp2 ip netns exec $NS_node lb-bgp-peer --json --graceful-restart \
		--graceful-restart-time 60 --restart-state "$PWD/restart" \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 192.0.2.10/32 &&
	test_wait_for "bird_established bird n4" 10 &&
	grep "planned restart [0-9]* s ago .*: the Restart State bit is set" sp2.err &&
	! test -e restart &&
	bird_c bird show protocols all n4 >proto &&
	sed -n "/Neighbor capabilities/,/Session:/p" proto >caps &&
	grep "Restart recovery" caps &&
	test_wait_for "! bird_c bird show route 192.0.2.11/32 | grep -q 192.0.2.11" 5 &&
	bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10
'

test_expect_success $P 'SIGTERM still sends Cease: BIRD drops the routes at once' '
	kill -TERM "$(test_bg_pid sp2)" &&
	test_wait_for "! bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 2 &&
	! test -e restart
'

test_expect_success $P 'a start without a recent planned restart does not set the bit' '
	echo "{\"restarting\":true,\"time\":$(($(date +%s) - 61))}" >restart &&
	bgp_bg sp3 ip netns exec $NS_node lb-bgp-peer --json --graceful-restart \
		--graceful-restart-time 60 --restart-state "$PWD/restart" \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 192.0.2.10/32 &&
	test_wait_for "bird_established bird n4" 10 &&
	grep "older than the restart time: a fresh start" sp3.err &&
	bird_c bird show protocols all n4 >proto &&
	sed -n "/Neighbor capabilities/,/Session:/p" proto >caps &&
	grep "Graceful restart" caps &&
	! grep "Restart recovery" caps
'

test_done
