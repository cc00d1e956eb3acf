#!/bin/sh
test_description='lb-bgp-peer: connection collisions (RFC 4271 §6.8) resolved by BGP Identifier, the loser closed with Cease/Connection Collision Resolution'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,PYTHON3

test_expect_success $P 'set up: a router namespace and a node' '
	bgp_router_node
'

# collide ID ASN ORDER: the scripted router (BGP Identifier ID, AS ASN) lets
# both connections reach the OPEN exchange, sending its OPENs in ORDER;
# prints what the speaker (192.0.2.2, AS 64501) closed and kept.
collide () {
	rm -f router.out &&
	test_bg router ip netns exec $NS_router $PYTHON3 "$TEST_DIRECTORY/bgp-collision-peer.py" \
		192.0.2.1 192.0.2.2 "$1" "$2" "$3" 10 &&
	test_wait_for "grep -q listening router.out" 5 &&
	test_bg speaker ip netns exec $NS_node lb-bgp-peer --json -v \
		--peer 192.0.2.1 --asn 64501 --peer-asn "$2" --hold-time 9 192.0.2.10/32 &&
	test_wait_for "! kill -0 $(test_bg_pid router) 2>/dev/null" 15 &&
	sed -n "2,\$p" router.out >got &&
	kill -0 "$(test_bg_pid speaker)"
}

test_expect_success $P 'our Identifier is higher: our connection stays, the router'"'"'s gets Cease 6/7' '
	collide 192.0.2.1 64500 BA &&
	printf "CEASE7 B\nUPDATE A\n" >want &&
	test_cmp want got &&
	grep "connection collision (RFC 4271 §6.8): keeping the connection we opened" speaker.err
'

test_expect_success $P 'the same when the OPENs come the other way round' '
	collide 192.0.2.1 64500 AB &&
	printf "CEASE7 B\nUPDATE A\n" >want &&
	test_cmp want got
'

test_expect_success $P 'the router'"'"'s Identifier is higher: its connection carries the session' '
	collide 192.0.2.9 64500 AB &&
	printf "CEASE7 A\nUPDATE B\n" >want &&
	test_cmp want got &&
	grep "keeping the connection the peer opened" speaker.err &&
	grep "\"state\":\"Established\",\"from\":\"OpenConfirm\"" speaker.out
'

test_expect_success $P 'equal Identifiers (eBGP, RFC 6286): the router'"'"'s higher AS number wins' '
	collide 192.0.2.2 64502 BA &&
	printf "CEASE7 A\nUPDATE B\n" >want &&
	test_cmp want got
'

test_expect_success $P 'equal Identifiers: our higher AS number wins' '
	collide 192.0.2.2 64500 AB &&
	printf "CEASE7 B\nUPDATE A\n" >want &&
	test_cmp want got
'

test_expect_success $P 'our connection fails before the OPENs: the router'"'"'s takes over' '
	collide 192.0.2.1 64500 xB &&
	printf "UPDATE B\n" >want &&
	test_cmp want got &&
	grep "the connection the peer opened carries the session" speaker.err
'

test_done
