#!/bin/sh
test_description='lb-bgp-peer: BGPPeer spec.bfdProfile with BFDProfile events (MetalLB metallb.io/v1beta1) against BIRD: intervals, live changes, deletion, passive mode'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,BIRD,JQ

# BIRD's BFD at 100 ms x 3, passive: it answers but never starts a session.
bird_conf () { # PASSIVE(on|off)
	cat <<-CONF
	protocol device {}
	protocol bfd {
		interface "r0" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; passive $1; };
	}
	protocol bgp n4 {
		local 192.0.2.1 as 64500;
		neighbor 192.0.2.2 as 64501;
		passive on;
		bfd on;
		error wait time 1, 5;
		ipv4 { import all; export none; };
	}
	CONF
}

test_expect_success $P 'set up: BIRD with a passive BFD at 100 ms x 3, bfd on for the session' '
	bgp_router_node &&
	bird_conf on | bird_router_start
'

# The BFD session with 192.0.2.2 as BIRD shows it: state, interval, timeout.
bfd_line () {
	bird_bfd_session 192.0.2.2
}
bfd_state () {
	bfd_line | awk "{print \$3}"
}

PEER="{\"myASN\":64501,\"peerASN\":64500,\"peerAddress\":\"192.0.2.1\",\"bfdProfile\":\"fast\"}"

test_expect_success $P 'a BGPPeer naming an unknown BFDProfile waits for it, as MetalLB does' '
	mkfifo in &&
	bgp_bg sp sh -c "exec ip netns exec $NS_node lb-bgp-peer --json -v 192.0.2.10/32 <in" &&
	exec 9>in &&
	metallb_event ADDED BGPPeer tor "$PEER" >&9 &&
	test_wait_for "grep -q \"BGPPeer tor: BFDProfile fast unknown: waiting for it\" sp.err" 5 &&
	sleep 1 &&
	! grep SESSION sp.out &&
	! bird_established bird n4
'

test_expect_success $P 'the BFDProfile arrives: session and BFD Up with its intervals at BIRD' '
	metallb_event ADDED BFDProfile fast "{\"receiveInterval\":400,\"transmitInterval\":200,\"detectMultiplier\":5}" >&9 &&
	test_wait_for "bird_established bird n4" 10 &&
	test_wait_for "test \"\$(bfd_state)\" = Up" 10 &&
	test_wait_for "grep -q \"\\\"type\\\":\\\"BFD\\\",\\\"peer\\\":\\\"192.0.2.1\\\",\\\"state\\\":\\\"Up\\\"\" sp.out" 3 &&
	: BIRD sends every max 100 ms, our 400 ms receive interval, and times out after 5 x max 100 ms, our 200 ms &&
	test_wait_for "bfd_line | grep -q \" Up .* 0.400 *1.000\"" 5 &&
	bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10
'

test_expect_success $P 'the BFDProfile changes: new intervals by a Poll Sequence, nothing goes down' '
	n=$(grep -c "\"type\":\"SESSION\"" sp.out) &&
	metallb_event MODIFIED BFDProfile fast "{\"receiveInterval\":150,\"transmitInterval\":120,\"detectMultiplier\":4}" >&9 &&
	test_wait_for "bfd_line | grep -q \" Up .* 0.150 *0.480\"" 5 &&
	grep -q "BFDProfile fast changed: transmit 120 ms, receive 150 ms, multiplier 4" sp.err &&
	test $(grep -c "\"type\":\"BFD\"" sp.out) = 1 &&
	test $(grep -c "\"type\":\"SESSION\"" sp.out) = $n &&
	bird_established bird n4
'

test_expect_success $P 'echoMode is accepted and said to be unsupported' '
	metallb_event MODIFIED BFDProfile fast "{\"receiveInterval\":150,\"transmitInterval\":120,\"detectMultiplier\":4,\"echoMode\":true}" >&9 &&
	test_wait_for "grep -q \"BFDProfile fast: echoMode: lbkit sends no echo packets\" sp.err" 5 &&
	test "$(bfd_state)" = Up
'

test_expect_success $P 'a BFDProfile out of bounds is refused and changes nothing' '
	metallb_event MODIFIED BFDProfile fast "{\"receiveInterval\":5}" >&9 &&
	test_wait_for "grep -q \"spec.receiveInterval: not an integer from 10 to 60000\" sp.err" 5 &&
	bfd_line | grep " Up .* 0.150 *0.480"
'

# BIRD 2 with "bfd on" closes its BGP session when the BFD session ends,
# even by AdminDown; lb-bgp-peer itself keeps it (RFC 5882 §3.2) and the
# session comes back without BFD.
test_expect_success $P 'the BFDProfile is deleted: BFD stops (AdminDown), we keep the BGP session' '
	metallb_event DELETED BFDProfile fast "{}" >&9 &&
	test_wait_for "grep -q \"\\\"type\\\":\\\"BFD\\\",\\\"peer\\\":\\\"192.0.2.1\\\",\\\"state\\\":\\\"AdminDown\\\"\" sp.out" 5 &&
	test_wait_for "test \"\$(bfd_state)\" != Up" 5 &&
	grep -q "BFDProfile fast deleted: BFD stopped" sp.err &&
	! grep "\"type\":\"SESSION\".*\"reason\":\"BFD" sp.out &&
	jq -se "[.[] | select(.type == \"SESSION\" and .state == \"Idle\") | .reason |
		startswith(\"received NOTIFICATION\")] | all" sp.out &&
	test_wait_for "bird_established bird n4" 15 &&
	sleep 1 &&
	bird_established bird n4
'

test_expect_success $P 'passiveMode with a passive BIRD: nobody starts, BFD stays Down' '
	metallb_event ADDED BFDProfile fast "{\"receiveInterval\":100,\"transmitInterval\":100,\"passiveMode\":true}" >&9 &&
	test_wait_for "grep -q \"BFD with profile fast: transmit 100 ms, receive 100 ms, multiplier 3, passive\" sp.err" 5 &&
	sleep 3 &&
	test "$(grep -c "\"type\":\"BFD\"" sp.out)" = 2 &&
	test "$(bfd_state)" != Up
'

test_expect_success $P 'passiveMode: BIRD starts sending, we answer and BFD comes Up' '
	bird_conf off | bird_router_conf &&
	bird_c bird configure &&
	test_wait_for "test \"\$(bfd_state)\" = Up" 10 &&
	test_wait_for "grep -q \"\\\"type\\\":\\\"BFD\\\",\\\"peer\\\":\\\"192.0.2.1\\\",\\\"state\\\":\\\"Up\\\"\" sp.out" 3 &&
	bfd_line | grep " Up .* 0.100 *0.300"
'

test_expect_success $P 'BGPPeer DELETED: its session and BFD end' '
	metallb_event DELETED BGPPeer tor "$PEER" >&9 &&
	test_wait_for "! bird_established bird n4" 10 &&
	test_wait_for "test \"\$(bfd_state)\" != Up" 5
'

cat >missing.yaml <<-\EOF
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: tor, namespace: metallb-system}
spec: {myASN: 64501, peerASN: 64500, peerAddress: 192.0.2.1, bfdProfile: nope}
EOF

test_expect_success '--config: a BGPPeer naming a BFDProfile the file lacks is an error' '
	test_expect_code 2 lb-bgp-peer --config missing.yaml </dev/null 2>err &&
	grep "missing.yaml:.*BGPPeer tor: spec.bfdProfile nope: no such BFDProfile" err
'

test_expect_success '--config: a BFDProfile out of MetalLB bounds is an error' '
	cat missing.yaml - >bad.yaml <<-\EOF &&
	---
	apiVersion: metallb.io/v1beta1
	kind: BFDProfile
	metadata: {name: nope, namespace: metallb-system}
	spec: {detectMultiplier: 1}
	EOF
	test_expect_code 2 lb-bgp-peer --config bad.yaml </dev/null 2>err &&
	grep "bad.yaml:6: BFDProfile nope: spec.detectMultiplier: not an integer from 2 to 255" err
'

test_expect_success $P '--config: a BFDProfile document after the BGPPeer naming it gives BIRD its intervals' '
	test_bg_kill sp &&
	cat missing.yaml - >good.yaml <<-\EOF &&
	---
	apiVersion: metallb.io/v1beta1
	kind: BFDProfile
	metadata: {name: nope, namespace: metallb-system}
	spec: {receiveInterval: 250, transmitInterval: 150, detectMultiplier: 2}
	EOF
	bgp_bg sp2 ip netns exec $NS_node lb-bgp-peer --json -v --config good.yaml 192.0.2.10/32 &&
	test_wait_for "bird_established bird n4" 15 &&
	test_wait_for "bfd_line | grep -q \" Up .* 0.250 *0.300\"" 10
'

test_done
