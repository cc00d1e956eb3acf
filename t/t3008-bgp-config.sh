#!/bin/sh
test_description='lb-bgp-peer --config: MetalLB BGPPeer and Community objects, several peers, per-peer announcements'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

test_expect_success 'config errors are named with file and line' '
	cat >bad.yaml <<-\EOF &&
	apiVersion: metallb.io/v1beta2
	kind: BGPPeer
	metadata: {name: r1, namespace: metallb-system}
	spec: {myASN: 64501, peerASN: 64500, peerAddress: 192.0.2.1, holdTime: 2s}
	EOF
	test_expect_code 2 lb-bgp-peer --config bad.yaml 2>err &&
	grep "bad.yaml:1: BGPPeer r1: spec.holdTime 2s: must be 0 or from 3s" err &&
	cat >noaddr.yaml <<-\EOF &&
	kind: BGPPeer
	metadata: {name: r2}
	spec: {myASN: 64501, peerASN: 64500}
	EOF
	test_expect_code 2 lb-bgp-peer --config noaddr.yaml 2>err &&
	grep "BGPPeer r2: spec.peerAddress is required" err &&
	cat >none.yaml <<-\EOF &&
	kind: ConfigMap
	metadata: {name: x}
	EOF
	test_expect_code 2 lb-bgp-peer --config none.yaml 2>err &&
	grep "no BGPPeer objects" err
'

P=ROOT,NETNS,BIRD,JQ

test_expect_success $P 'set up: BIRD with an IPv4 eBGP and an IPv6 iBGP session' '
	bgp_router_node &&
	bird_node_sessions "hold time 30;"
'

test_expect_success $P 'two BGPPeer objects give two sessions; a Community name resolves' '
	cat >peers.yaml <<-\EOF &&
	apiVersion: metallb.io/v1beta2
	kind: BGPPeer
	metadata: {name: router-v4, namespace: metallb-system}
	spec:
	  myASN: 64501
	  peerASN: 64500
	  peerAddress: 192.0.2.1
	  holdTime: 30s
	---
	apiVersion: metallb.io/v1beta2
	kind: BGPPeer
	metadata: {name: router-v6, namespace: metallb-system}
	spec:
	  myASN: 64501
	  peerASN: 64501
	  peerAddress: "2001:db8::1"
	  routerID: 192.0.2.2
	---
	apiVersion: metallb.io/v1beta1
	kind: Community
	metadata: {name: communities, namespace: metallb-system}
	spec:
	  communities:
	  - name: vpn-only
	    value: "64501:42"
	  - name: tagged
	    value: "large:64501:7:9"
	EOF
	mkfifo in &&
	bgp_bg sp sh -c "exec ip netns exec $NS_node lb-bgp-peer --json --config peers.yaml <in" &&
	exec 9>in &&
	test_wait_for "bird_established bird n4 && bird_established bird n6" 10 &&
	bird_c bird show protocols all n4 | grep "Hold timer:.*/30" &&
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.10\",\"via\":\"bgp\",\"communities\":[\"vpn-only\",\"tagged\"],\"peers\":[\"router-v4\"]}" >&9 &&
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"2001:db8:5::10\",\"via\":\"bgp\",\"localPref\":150,\"peers\":[\"router-v6\"]}" >&9 &&
	test_wait_for "bird_c bird show route 192.0.2.10/32 | grep -q 192.0.2.10" 5 &&
	bird_c bird show route 192.0.2.10/32 all >r &&
	grep "BGP.community: (64501,42)" r &&
	grep "BGP.large_community: (64501, 7, 9)" r &&
	test_wait_for "bird_c bird show route 2001:db8:5::10/128 | grep -q 2001:db8:5::10" 5 &&
	bird_c bird show route 2001:db8:5::10/128 all >r6 &&
	grep "BGP.local_pref: 150" r6 &&
	grep "\[n6 " r6
'

test_expect_success $P '"peers" in a line restricts the announcement to those peers' '
	kill -USR1 "$(test_bg_pid sp)" &&
	test_wait_for "test \$(grep -c PEER sp.out) = 2" 3 &&
	grep PEER sp.out | jq -se "map({(.peer): .prefixes_wanted}) | add == {\"192.0.2.1\": 1, \"2001:db8::1\": 1}"
'

test_done
