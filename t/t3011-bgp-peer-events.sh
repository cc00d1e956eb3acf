#!/bin/sh
test_description='lb-bgp-peer: BGPPeer and Community events on standard input add, change and remove sessions live (speaker pipeline, contract C)'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

test_expect_success 'without peers, standard input must be able to bring them' '
	test_expect_code 2 lb-bgp-peer </dev/null 2>err &&
	grep "peer or --config is required" err
'

P=ROOT,NETNS,BIRD,JQ

test_expect_success $P 'set up: BIRD with an IPv4 eBGP and an IPv6 iBGP session, both passive' '
	bgp_router_node &&
	bird_node_sessions
'

# peer_event TYPE NAME SPEC: a lb-watch line for a BGPPeer.
peer_event () {
	metallb_event "$1" BGPPeer "$2" "$3"
}

V4_SPEC="{\"myASN\":64501,\"peerASN\":64500,\"peerAddress\":\"192.0.2.1\"}"
V6_SPEC="{\"myASN\":64501,\"peerASN\":64501,\"peerAddress\":\"2001:db8::1\",\"routerID\":\"192.0.2.2\"}"

test_expect_success $P 'no peers at start: ANNOUNCE lines wait for the peers they name' '
	mkfifo in &&
	bgp_bg sp sh -c "exec ip netns exec $NS_node lb-bgp-peer --json -v <in" &&
	exec 9>in &&
	echo "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Community\",\"metadata\":{\"name\":\"c\",\"namespace\":\"metallb-system\"},\"spec\":{\"communities\":[{\"name\":\"vpn-only\",\"value\":\"64501:42\"}]}}}" >&9 &&
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.10\",\"via\":\"bgp\",\"communities\":[\"vpn-only\"],\"peers\":[\"router-v4\"]}" >&9 &&
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"2001:db8:5::20\",\"via\":\"bgp\"}" >&9 &&
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.11\",\"via\":\"bgp\",\"communities\":[\"vpn-only\"]}" >&9 &&
	echo "{\"type\":\"SYNCED\",\"kind\":\"BGPPeer\"}" >&9 &&
	sleep 1 &&
	kill -0 "$(test_bg_pid sp)" &&
	! bird_established bird n4 &&
	! grep SESSION sp.out
'

test_expect_success $P 'BGPPeer ADDED: the session comes up and the routes that name it follow' '
	peer_event ADDED router-v4 "$V4_SPEC" >&9 &&
	test_wait_for "bird_established bird n4" 10 &&
	test_wait_for "bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 5 &&
	test_wait_for "bird_c bird show route 192.0.2.11/32 | grep -q 192.0.2.11" 5 &&
	bird_c bird show route 192.0.2.11/32 all >r &&
	grep "BGP.community: (64501,42)" r &&
	jq -e "select(.type==\"SESSION\" and .state==\"Established\") | .peer==\"192.0.2.1\" and .name==\"router-v4\"" sp.out
'

test_expect_success $P 'a second BGPPeer gets the routes for every peer, not those naming another one' '
	peer_event ADDED router-v6 "$V6_SPEC" >&9 &&
	test_wait_for "bird_established bird n6" 10 &&
	test_wait_for "bird_c bird show route 2001:db8:5::20/128 | grep -q 2001:db8:5::20" 5 &&
	kill -USR1 "$(test_bg_pid sp)" &&
	test_wait_for "test \$(grep -c PEER sp.out) = 2" 3 &&
	grep PEER sp.out | jq -se "map({(.name): .prefixes_wanted}) | add == {\"router-v4\": 3, \"router-v6\": 2}"
'

test_expect_success $P 'MODIFIED with the same spec keeps the session; a changed spec restarts it' '
	peer_event MODIFIED router-v4 "$V4_SPEC" >&9 &&
	sleep 0.5 &&
	test "$(jq -s "map(select(.type==\"SESSION\" and .peer==\"192.0.2.1\" and .state==\"Established\")) | length" sp.out)" = 1 &&
	peer_event MODIFIED router-v4 "{\"myASN\":64501,\"peerASN\":64500,\"peerAddress\":\"192.0.2.1\",\"holdTime\":\"30s\"}" >&9 &&
	test_wait_for "grep -q \"n4: Received: Other configuration change\" bird.log" 5 &&
	test_wait_for "test \$(jq -s \"map(select(.type==\\\"SESSION\\\" and .peer==\\\"192.0.2.1\\\" and .state==\\\"Established\\\")) | length\" sp.out) = 2" 10 &&
	test_wait_for "bird_c bird show protocols all n4 | grep -q \"Hold timer:.*/30\"" 5 &&
	test_wait_for "bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 5
'

test_expect_success $P 'BGPPeer DELETED: Cease (peer de-configured), its routes leave the router, the other stays' '
	peer_event DELETED router-v4 "$V4_SPEC" >&9 &&
	test_wait_for "grep -q \"n4: Received: Peer de-configured\" bird.log" 5 &&
	test_wait_for "! bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 5 &&
	! bird_c bird show route 192.0.2.11/32 | grep -q 192.0.2.11 &&
	sleep 2 &&
	! bird_established bird n4 &&
	bird_established bird n6 &&
	bird_c bird show route 2001:db8:5::20/128 | grep -q 2001:db8:5::20
'

test_expect_success $P 'a peer re-added later gets the kept announcements again' '
	peer_event ADDED router-v4 "$V4_SPEC" >&9 &&
	test_wait_for "bird_established bird n4" 10 &&
	test_wait_for "bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 5
'

test_expect_success $P 'a bad BGPPeer is refused with its name; the others run on' '
	peer_event ADDED broken "{\"myASN\":64501,\"peerASN\":64500}" >&9 &&
	test_wait_for "grep -q \"BGPPeer broken: spec.peerAddress is required\" sp.err" 5 &&
	peer_event ADDED twin "$V4_SPEC" >&9 &&
	test_wait_for "grep -q \"peer 192.0.2.1 given twice (also router-v4)\" sp.err" 5 &&
	bird_established bird n4 && bird_established bird n6
'

test_expect_success $P 'SIGTERM: every session gets its Cease and the routes leave' '
	exec 9>&- &&
	kill -TERM "$(test_bg_pid sp)" &&
	test_wait_for "! kill -0 $(test_bg_pid sp) 2>/dev/null" 5 &&
	test_wait_for "! bird_established bird n4 && ! bird_established bird n6" 5 &&
	! bird_c bird show route 2001:db8:5::20/128 | grep -q 2001:db8:5::20
'

test_done
