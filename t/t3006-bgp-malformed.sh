#!/bin/sh
test_description='lb-bgp-peer: malformed messages from a scripted peer get the right NOTIFICATION, and no crash'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,PYTHON3

test_expect_success $P 'set up: a router namespace and a node' '
	bgp_router_node
'

# scenario NAME EXPECTED: the scripted router sends NAME's bytes; the first
# line it prints (the NOTIFICATION it got, or NONE) must equal EXPECTED, and
# the speaker must still be running.
scenario () {
	rm -f router.out &&
	test_bg router ip netns exec $NS_router $PYTHON3 "$TEST_DIRECTORY/bgp-scripted-peer.py" \
		192.0.2.1 "$1" 8 &&
	test_wait_for "grep -q listening router.out" 5 &&
	test_bg speaker ip netns exec $NS_node lb-bgp-peer --json -v \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 --hold-time 9 192.0.2.10/32 &&
	test_wait_for "test \$(wc -l <router.out) -ge 2" 8 &&
	sed -n 2p router.out >got &&
	echo "$2" >want &&
	test_cmp want got &&
	kill -0 "$(test_bg_pid speaker)"
}

test_expect_success $P 'bad marker: Message Header Error / Connection Not Synchronized' '
	scenario bad-marker "NOTIFICATION 1 1 "
'
test_expect_success $P 'length 18: Bad Message Length, with the length' '
	scenario short-length "NOTIFICATION 1 2 0012"
'
test_expect_success $P 'length 4097: Bad Message Length, with the length' '
	scenario long-length "NOTIFICATION 1 2 1001"
'
test_expect_success $P 'type 9: Bad Message Type, with the type' '
	scenario bad-type "NOTIFICATION 1 3 09"
'
test_expect_success $P 'KEEPALIVE with a body: Bad Message Length' '
	scenario keepalive-with-body "NOTIFICATION 1 2 0014"
'
test_expect_success $P 'OPEN version 3: Unsupported Version Number, with our version' '
	scenario open-version-3 "NOTIFICATION 2 1 0004"
'
test_expect_success $P 'OPEN from the wrong AS: Bad Peer AS' '
	scenario open-wrong-as "NOTIFICATION 2 2 "
'
test_expect_success $P 'OPEN hold time 2: Unacceptable Hold Time' '
	scenario open-hold-2 "NOTIFICATION 2 6 "
'
test_expect_success $P 'OPEN with identifier 0.0.0.0: Bad BGP Identifier' '
	scenario open-id-zero "NOTIFICATION 2 3 "
'
test_expect_success $P 'UPDATE whose attribute overruns the list: treat-as-withdraw (RFC 7606 §4)' '
	scenario update-attr-overrun "NONE" &&
	grep -q "treated as withdraw (RFC 7606): path attribute overruns" speaker.err &&
	! grep -q "sent NOTIFICATION" speaker.err
'
test_expect_success $P 'UPDATE whose attributes overrun the message: Malformed Attribute List' '
	scenario update-total-attr-overrun "NOTIFICATION 3 1 "
'
test_expect_success $P 'UPDATE with a /33 IPv4 prefix: Invalid Network Field' '
	scenario update-bad-nlri "NOTIFICATION 3 10 "
'
test_expect_success $P 'UPDATE without ORIGIN: treat-as-withdraw (RFC 7606), the session stays' '
	scenario update-missing-origin "NONE" &&
	grep -q "treated as withdraw" speaker.err &&
	! grep -q "sent NOTIFICATION" speaker.err
'
test_expect_success $P 'a valid UPDATE is accepted and counted' '
	scenario update-good "NONE" &&
	kill -USR1 "$(test_bg_pid speaker)" &&
	test_wait_for "grep -q PEER speaker.out" 3 &&
	grep PEER speaker.out | jq -e ".prefixes_received==1 and .updates_in==1"
'
test_expect_success $P 'OPEN in Established: Finite State Machine Error (RFC 6608 subcode 3)' '
	scenario open-in-established "NOTIFICATION 5 3 "
'
test_expect_success $P 'BoRR of 5 bytes: Invalid Message Length with the whole message (RFC 7313 §5)' '
	scenario route-refresh-bad-length "NOTIFICATION 7 1 ffffffffffffffffffffffffffffffff0018050001010100"
'
test_expect_success $P 'a NOTIFICATION with control characters in its shutdown text is logged masked' '
	scenario notification-ctrl-chars "NONE" &&
	test_wait_for "grep -q \"bye\" speaker.err" 3 &&
	grep "received NOTIFICATION 6/2" speaker.err >line &&
	! grep -q "$(printf "\\033")" line
'

test_done
