#!/bin/sh
test_description='lb-speaker: a BGPPeer with spec.bfdProfile and its BFDProfile, from the cluster through lb-watch and lb-elect, give BIRD a BFD session with the profile intervals'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,BIRD,JQ

profile () { # RECEIVE TRANSMIT MULTIPLIER
	printf "apiVersion: metallb.io/v1beta1\nkind: BFDProfile\nmetadata: {name: fast, namespace: metallb-system}\nspec: {receiveInterval: %s, transmitInterval: %s, detectMultiplier: %s}\n" "$@"
}

test_expect_success $P 'set up: BIRD with bfd on, the cluster as manifests with a BFDProfile' '
	test_netns_add router &&
	test_netns_add node &&
	test_veth router r0 node n0 &&
	ip -n "$NS_router" addr add 192.0.2.1/24 dev r0 &&
	ip -n "$NS_node" addr add 192.0.2.2/24 dev n0 &&
	cat >bird.conf <<-\CONF &&
	router id 192.0.2.1;
	log "bird.log" all;
	protocol device {}
	protocol bfd {
		interface "r0" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
	}
	protocol bgp node {
		passive on;
		bfd on;
		error wait time 1, 5;
		local 192.0.2.1 as 64500;
		neighbor 192.0.2.2 as 64501;
		ipv4 { import all; export none; };
	}
	CONF
	bird_start router bird bird.conf &&
	test_wait_for "test -S bird.ctl" 5 &&
	mkdir m run &&
	cat >m/cluster.yaml <<-\EOT
	apiVersion: v1
	kind: Node
	metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a}}
	status:
	  addresses: [{type: InternalIP, address: 192.0.2.2}]
	  conditions: [{type: Ready, status: "True"}]
	---
	apiVersion: metallb.io/v1beta2
	kind: BGPPeer
	metadata: {name: router, namespace: metallb-system}
	spec: {myASN: 64501, peerASN: 64500, peerAddress: 192.0.2.1, bfdProfile: fast}
	EOT
	profile 250 150 4 >m/bfd.yaml
'

test_expect_success $P 'the speaker peers with BFD at the profile intervals' '
	bgp_bg spk ip netns exec "$NS_node" lb-speaker --node node-a --health-port 0 \
		--from m --run-dir run &&
	test_wait_for "bird_c bird show protocols node | grep -q Established" 30 &&
	: BIRD sends every max 100 ms, our 250 ms, and times out after 4 x max 100 ms, our 150 ms &&
	test_wait_for "bird_c bird show bfd sessions | grep -q \"^192.0.2.2 .* Up .* 0.250 *0.600\"" 15 &&
	grep -q "BFD with profile fast: transmit 150 ms, receive 250 ms, multiplier 4" spk.err &&
	test_wait_for "grep -q \"\\\"type\\\":\\\"BFD\\\",.*\\\"state\\\":\\\"Up\\\"\" spk.out" 5 &&
	grep -q "\"state\":\"Established\"" spk.out
'

test_expect_success $P 'the BFDProfile is edited: BIRD sees the new intervals, nothing goes down' '
	profile 120 200 3 >bfd.new &&
	mv bfd.new m/bfd.yaml &&
	test_wait_for "bird_c bird show bfd sessions | grep -q \"^192.0.2.2 .* Up .* 0.120 *0.600\"" 15 &&
	! grep "\"state\":\"Idle\"" spk.out &&
	grep -q "BFDProfile fast changed: transmit 200 ms, receive 120 ms, multiplier 3" spk.err
'

test_expect_success $P 'the BFDProfile is deleted: BFD stops' '
	rm m/bfd.yaml &&
	test_wait_for "grep -q \"BFDProfile fast deleted: BFD stopped\" spk.err" 15 &&
	test_wait_for "! bird_c bird show bfd sessions | grep -q \"^192.0.2.2 .* Up \"" 5
'

test_done
