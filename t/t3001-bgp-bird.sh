#!/bin/sh
test_description='lb-bgp-peer against BIRD 2: IPv4 eBGP and IPv6 iBGP sessions, attributes, live changes, shutdown, restart, hold timer, route refresh'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,BIRD,JQ

test_expect_success $P 'set up: a router running BIRD and a node' '
	bgp_router_node &&
	bird_router_start <<-\CONF
	protocol device {}
	template bgp speaker {
		passive on;
		hold time 9;
		error wait time 1, 5;
		connect delay time 1;
	}
	protocol bgp n4 from speaker {
		local 192.0.2.1 as 64500;
		neighbor 192.0.2.2 as 64501;
		ipv4 { import all; export none; };
		ipv6 { import all; export none; };
	}
	protocol bgp n6 from speaker {
		local 2001:db8::1 as 64500;
		neighbor 2001:db8::2 as 64500;
		direct;
		ipv4 { import all; export none; gateway direct; };
		ipv6 { import all; export none; gateway direct; };
	}
	CONF
'

test_expect_success $P 'IPv4 eBGP session reaches Established' '
	mkfifo in4 &&
	bgp_bg sp4 sh -c "exec ip netns exec $NS_node lb-bgp-peer --json -v \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 --hold-time 9 \
		--next-hop 2001:db8::2 --med 50 --community 64501:100 --community no-export \
		--large-community 64501:1:2 192.0.2.10/32 2001:db8:1::10/128 <in4" &&
	exec 9>in4 &&
	test_wait_for "bird_established bird n4" 10 &&
	test_wait_for "speaker_state sp4.out 192.0.2.1 Established" 5
'

test_expect_success $P 'the prefixes are in BIRD with next hop, AS path, MED and communities' '
	test_wait_for "bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 5 &&
	bird_c bird show route 192.0.2.10/32 all >r4 &&
	grep "BGP.next_hop: 192.0.2.2" r4 &&
	grep "BGP.as_path: 64501\$" r4 &&
	grep "BGP.origin: IGP" r4 &&
	grep "BGP.med: 50" r4 &&
	grep "BGP.community:.*(64501,100)" r4 &&
	grep "BGP.community:.*(65535,65281)" r4 &&
	grep "BGP.large_community: (64501, 1, 2)" r4 &&
	test_wait_for "bird_c bird show route 2001:db8:1::10/128 | grep -q 2001:db8:1::10" 5 &&
	bird_c bird show route 2001:db8:1::10/128 all >r6 &&
	grep "BGP.next_hop: 2001:db8::2" r6
'

test_expect_success $P 'ANNOUNCE and WITHDRAW lines change the announced set' '
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.20\",\"via\":\"bgp\",\"communities\":[\"64501:7\"]}" >&9 &&
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.30\",\"via\":\"l2\"}" >&9 &&
	test_wait_for "bird_c bird show route 192.0.2.20/32 | grep -q 192.0.2.20" 5 &&
	bird_c bird show route 192.0.2.20/32 all >r &&
	grep "BGP.community: (64501,7)\$" r &&
	! bird_c bird show route 192.0.2.30/32 | grep -q 192.0.2.30 &&
	echo "{\"type\":\"WITHDRAW\",\"ip\":\"192.0.2.20\",\"via\":\"bgp\"}" >&9 &&
	test_wait_for "! bird_c bird show route 192.0.2.20/32 | grep -q 192.0.2.20" 5 &&
	bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10
'

test_expect_success $P 'eBGP: localPref is not sent (RFC 4271 5.1.5); BIRD has nothing to discard' '
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.21\",\"via\":\"bgp\",\"localPref\":300}" >&9 &&
	test_wait_for "bird_c bird show route 192.0.2.21/32 | grep -q 192.0.2.21" 5 &&
	bird_c bird show route 192.0.2.21/32 all >r &&
	grep "BGP.as_path: 64501\$" r &&
	! grep "BGP.local_pref: 300" r &&
	! grep -i "discarding LOCAL_PREF" bird.log &&
	echo "{\"type\":\"WITHDRAW\",\"ip\":\"192.0.2.21\",\"via\":\"bgp\"}" >&9 &&
	test_wait_for "! bird_c bird show route 192.0.2.21/32 | grep -q 192.0.2.21" 5
'

test_expect_success $P 'aggregation length announces the covering prefix once' '
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"203.0.113.5\",\"via\":\"bgp\",\"aggregationLength\":24}" >&9 &&
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"203.0.113.6\",\"via\":\"bgp\",\"aggregationLength\":24}" >&9 &&
	test_wait_for "bird_c bird show route 203.0.113.0/24 | grep -q 203.0.113.0/24" 5 &&
	echo "{\"type\":\"WITHDRAW\",\"ip\":\"203.0.113.5\",\"via\":\"bgp\"}" >&9 &&
	sleep 0.5 &&
	bird_c bird show route 203.0.113.0/24 | grep -q 203.0.113.0/24 &&
	echo "{\"type\":\"WITHDRAW\",\"ip\":\"203.0.113.6\",\"via\":\"bgp\"}" >&9 &&
	test_wait_for "! bird_c bird show route 203.0.113.0/24 | grep -q 203.0.113.0/24" 5
'

test_expect_success $P 'route refresh is answered with the whole table' '
	bird_c bird reload in n4 &&
	test_wait_for "grep -q \"route refresh requested\" sp4.err" 5 &&
	bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10
'

test_expect_success $P 'SIGUSR1 prints the state of each peer' '
	kill -USR1 "$(test_bg_pid sp4)" &&
	test_wait_for "grep -q \"\\\"type\\\":\\\"PEER\\\"\" sp4.out" 5 &&
	grep "\"type\":\"PEER\"" sp4.out | tail -n 1 >peer &&
	jq -e ".peer==\"192.0.2.1\" and .state==\"Established\" and .prefixes_sent==2" peer
'

test_expect_success $P 'router restart: the session comes back and the routes are sent again' '
	bird_stop bird &&
	test_wait_for "speaker_state sp4.out 192.0.2.1 Idle || speaker_state sp4.out 192.0.2.1 Active" 10 &&
	bird_start router bird bird.conf &&
	test_wait_for "bird_established bird n4" 15 &&
	test_wait_for "bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 5
'

test_expect_success $P 'router frozen: hold timer expires, then the session is re-established' '
	kill -STOP "$(cat bird.pid)" &&
	test_when_finished "kill -CONT $(cat bird.pid)" &&
	test_wait_for "grep -q \"hold timer expired\" sp4.err" 15 &&
	kill -CONT "$(cat bird.pid)" &&
	test_wait_for "bird_established bird n4" 20 &&
	test_wait_for "bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 5
'

test_expect_success $P 'SIGTERM: Cease with a shutdown message, routes gone at once' '
	kill -TERM "$(test_bg_pid sp4)" &&
	test_wait_for "! bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 2 &&
	test_wait_for "grep -q \"lb-bgp-peer shutting down\" bird.log" 2 &&
	exec 9>&-
'

test_expect_success $P 'IPv6 iBGP session: LOCAL_PREF, empty AS path, IPv6 next hop' '
	bgp_bg sp6 ip netns exec $NS_node lb-bgp-peer --json \
		--peer 2001:db8::1 --asn 64500 --peer-asn 64500 --router-id 192.0.2.2 \
		--local-pref 200 2001:db8:2::10/128 &&
	test_wait_for "bird_established bird n6" 10 &&
	test_wait_for "bird_c bird show route 2001:db8:2::10/128 | grep -q 2001:db8:2::10" 5 &&
	bird_c bird show route 2001:db8:2::10/128 all >r &&
	grep "BGP.local_pref: 200" r &&
	grep "BGP.as_path: *\$" r &&
	grep "BGP.next_hop: 2001:db8::2" r &&
	ll=$(ip -n $NS_node -6 addr show dev n0 scope link | sed -n "s/.*inet6 \([^/]*\).*/\1/p") &&
	test -n "$ll" &&
	grep "BGP.next_hop: 2001:db8::2 $ll\$" r
'

test_expect_success $P '--no-link-local-next-hop: the global next hop alone' '
	test_bg_kill sp6 &&
	test_wait_for "! bird_established bird n6" 5 &&
	test_bg sp6n ip netns exec $NS_node lb-bgp-peer --json --no-link-local-next-hop \
		--peer 2001:db8::1 --asn 64500 --peer-asn 64500 --router-id 192.0.2.2 \
		2001:db8:2::10/128 &&
	test_wait_for "bird_established bird n6" 10 &&
	test_wait_for "bird_c bird show route 2001:db8:2::10/128 | grep -q 2001:db8:2::10" 5 &&
	bird_c bird show route 2001:db8:2::10/128 all >r &&
	grep "BGP.next_hop: 2001:db8::2\$" r
'

test_expect_success $P 'passive speaker: BIRD connects to us' '
	test_bg_kill sp6 &&
	bird_stop bird &&
	sed "s/passive on;/passive off;/" bird.conf >bird-active.conf &&
	bird_start router bird bird-active.conf &&
	test_bg spp ip netns exec $NS_node lb-bgp-peer --json --passive \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 192.0.2.40/32 &&
	test_wait_for "bird_established bird n4" 15 &&
	test_wait_for "bird_c bird show route 192.0.2.40/32 | grep -q 192.0.2.40" 5
'

test_expect_success $P 'both sides active: the session comes up, and again after a reset at BIRD' '
	test_bg_kill spp &&
	test_wait_for "! bird_established bird n4" 5 &&
	bgp_bg spa ip netns exec $NS_node lb-bgp-peer --json \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 192.0.2.50/32 &&
	test_wait_for "bird_established bird n4" 15 &&
	test_wait_for "bird_c bird show route 192.0.2.50/32 | grep -q 192.0.2.50" 5 &&
	bird_c bird restart n4 &&
	test_wait_for "bird_c bird show route 192.0.2.50/32 | grep -q 192.0.2.50" 20 &&
	bird_established bird n4
'

test_expect_success $P '--prefixes-from: 5000 routes, read while the session runs' '
	test_bg_kill spa &&
	test_wait_for "! bird_established bird n4" 5 &&
	awk "BEGIN { print \"# benchmark block, NLRI only\"; for (i = 0; i < 5000; i++) printf \"198.18.%d.%d/32\\n\", i / 256, i % 256 }" >table &&
	bgp_bg spt ip netns exec $NS_node lb-bgp-peer --json -vv --graceful-restart \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 --prefixes-from table &&
	test_wait_for "bird_c bird show route protocol n4 count | grep -q \"^5000 of 5000 routes\"" 15 &&
	kill -USR1 "$(test_bg_pid spt)" &&
	test_wait_for "grep -q PEER spt.out" 3 &&
	grep PEER spt.out | jq -e ".prefixes_sent == 5000"
'

test_done
