#!/bin/sh
test_description='lb-bgp-peer: one address under several BGPAdvertisements, each to its own peers with its own communities (lb-elect BGP lines keyed by ip and advertisement)'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,BIRD,JQ

test_expect_success $P 'set up: BIRD with two IPv4 eBGP sessions, a and b, both passive' '
	test_netns_add router &&
	test_netns_add node &&
	bgp_link router r0 node n0 192.0.2.1/24 192.0.2.2/24 198.51.100.1/24 198.51.100.2/24 &&
	bird_router_start <<-\CONF
	protocol device {}
	template bgp speaker { passive on; error wait time 1, 5; }
	protocol bgp a from speaker {
		local 192.0.2.1 as 64500;
		neighbor 192.0.2.2 as 64501;
		ipv4 { import all; export none; };
	}
	protocol bgp b from speaker {
		local 198.51.100.1 as 64500;
		neighbor 198.51.100.2 as 64501;
		ipv4 { import all; export none; };
	}
	CONF
'

# announce TYPE ADVERTISEMENT COMMUNITY [PEER]: an lb-elect BGP line for 203.0.113.10.
line () {
	printf "{\"type\":\"%s\",\"ip\":\"203.0.113.10\",\"via\":\"bgp\",\"communities\":[\"%s\"]%s,\"advertisement\":\"%s\"}\n" \
		"$1" "$3" "${4:+,\"peers\":[\"$4\"]}" "$2"
}

# comms PROTOCOL: the communities BIRD holds for the route from PROTOCOL
comms () {
	bird_c bird show route 203.0.113.10/32 protocol "$1" all | sed -n "s/.*BGP.community: //p"
}

test_expect_success $P 'two advertisements of one address, one per peer, each with its community' '
	mkfifo in &&
	bgp_bg sp sh -c "exec ip netns exec $NS_node lb-bgp-peer --json -v --asn 64501 \
		--peer 192.0.2.1 --peer 198.51.100.1 --peer-asn 64500 <in" &&
	exec 9>in &&
	line ANNOUNCE ns/to-a 64501:1 192.0.2.1 >&9 &&
	line ANNOUNCE ns/to-b 64501:2 198.51.100.1 >&9 &&
	test_wait_for "bird_established bird a && bird_established bird b" 10 &&
	test_wait_for "test \"\$(comms a)\" = \"(64501,1)\"" 5 &&
	test_wait_for "test \"\$(comms b)\" = \"(64501,2)\"" 5
'

test_expect_success $P 'a third advertisement for every peer adds its community to both' '
	line ANNOUNCE ns/all 64501:3 >&9 &&
	test_wait_for "test \"\$(comms a)\" = \"(64501,1) (64501,3)\"" 5 &&
	test_wait_for "test \"\$(comms b)\" = \"(64501,2) (64501,3)\"" 5
'

test_expect_success $P 'a WITHDRAW with an advertisement undoes that one only' '
	line WITHDRAW ns/to-a 64501:1 192.0.2.1 >&9 &&
	test_wait_for "test \"\$(comms a)\" = \"(64501,3)\"" 5 &&
	test "$(comms b)" = "(64501,2) (64501,3)" &&
	line WITHDRAW ns/all 64501:3 >&9 &&
	test_wait_for "! bird_c bird show route 203.0.113.10/32 protocol a | grep -q 203.0.113.10" 5 &&
	test_wait_for "test \"\$(comms b)\" = \"(64501,2)\"" 5
'

test_expect_success $P 'a WITHDRAW without advertisement removes every entry of the address' '
	line ANNOUNCE ns/to-a 64501:1 192.0.2.1 >&9 &&
	test_wait_for "test \"\$(comms a)\" = \"(64501,1)\"" 5 &&
	echo "{\"type\":\"WITHDRAW\",\"ip\":\"203.0.113.10\",\"via\":\"bgp\"}" >&9 &&
	test_wait_for "! bird_c bird show route 203.0.113.10/32 | grep -q 203.0.113.10" 5 &&
	exec 9>&-
'

test_done
