#!/bin/sh
test_description='lb-speaker and lb-controller on a router running BIRD: ARP answered, route announced, a killed stage restarted, SIGTERM withdraws at once'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,BIRD,ARPING,JQ

# stage_pid ERRFILE STAGE: the PID of the stage's latest start.
stage_pid () {
	sed -n "s/.* $2 started (pid \\([0-9]*\\)).*/\\1/p" "$1" | tail -n 1
}

# answered: the router's ARP request for the VIP gets the node's reply.
answered () {
	ip netns exec "$NS_router" arping -c 1 -w 1 -I r0 192.0.2.10 >arping.out 2>&1 &&
	grep -i "reply from 192.0.2.10 \\[$NODE_MAC\\]" arping.out
}

routed () {
	bird_c bird show route 192.0.2.10/32 all >route 2>&1 &&
	grep -q "BGP.next_hop: 192.0.2.2" route
}

test_expect_success $P 'set up: a router running BIRD, a node, the cluster as manifests' '
	test_netns_add router &&
	test_netns_add node &&
	test_veth router r0 node n0 &&
	ip -n "$NS_router" addr add 192.0.2.1/24 dev r0 &&
	ip -n "$NS_node" addr add 192.0.2.2/24 dev n0 &&
	NODE_MAC=$(ip -n "$NS_node" -j link show n0 | jq -r ".[0].address") &&
	cat >bird.conf <<-\CONF &&
	router id 192.0.2.1;
	log "bird.log" all;
	protocol device {}
	protocol bgp node {
		passive on;
		error wait time 1, 5;
		local 192.0.2.1 as 64500;
		neighbor 192.0.2.2 as 64501;
		ipv4 { import all; export none; };
	}
	CONF
	bird_start router bird bird.conf &&
	test_wait_for "test -S bird.ctl" 5 &&
	mkdir m &&
	cat >m/cluster.yaml <<-\EOT &&
	apiVersion: v1
	kind: Node
	metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a}}
	status:
	  addresses: [{type: InternalIP, address: 192.0.2.2}]
	  conditions: [{type: Ready, status: "True"}]
	---
	apiVersion: metallb.io/v1beta1
	kind: IPAddressPool
	metadata: {name: docs, namespace: metallb-system}
	spec: {addresses: [192.0.2.10-192.0.2.12]}
	---
	apiVersion: metallb.io/v1beta1
	kind: L2Advertisement
	metadata: {name: l2, namespace: metallb-system}
	---
	apiVersion: metallb.io/v1beta1
	kind: BGPAdvertisement
	metadata: {name: bgp, namespace: metallb-system}
	---
	apiVersion: metallb.io/v1beta2
	kind: BGPPeer
	metadata: {name: router, namespace: metallb-system}
	spec: {myASN: 64501, peerASN: 64500, peerAddress: 192.0.2.1}
	---
	apiVersion: v1
	kind: Service
	metadata: {name: web, namespace: default}
	spec: {type: LoadBalancer, ports: [{port: 80}]}
	---
	apiVersion: discovery.k8s.io/v1
	kind: EndpointSlice
	metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}
	addressType: IPv4
	endpoints: [{addresses: [198.51.100.5], nodeName: node-a, conditions: {ready: true}}]
	EOT
	mkdir run
'

test_expect_success $P 'the controller assigns the address; the speaker answers ARP for it and BGP routes it' '
	bgp_bg ctl lb-controller --from m --status-dir st --run-dir run &&
	test_wait_for "test -s st/default_web.json" 30 &&
	test "$(jq -r ".status.loadBalancer.ingress[0].ip" st/default_web.json)" = 192.0.2.10 &&
	bgp_bg spk ip netns exec "$NS_node" lb-speaker --node node-a --interface n0 \
		--from m --status-dir st --run-dir run &&
	test_wait_for answered 30 &&
	test_wait_for routed 30
'

test_expect_success $P 'stage diagnostics carry the stage name' '
	grep "^\\[elect\\] lb-elect: health endpoint on http://.*:7473/healthz" spk.err &&
	test_wait_for "grep -q \"^\\[probe\\] lb-probe: http://192.0.2.2:7473/healthz: .* UP\" spk.err" 10
'

test_expect_success $P,CURL 'the health endpoint the other speakers check answers from the router' '
	ip netns exec "$NS_router" curl -sS --max-time 5 http://192.0.2.2:7473/healthz >health &&
	echo ok >expect &&
	test_cmp expect health
'

test_expect_success $P 'a killed lb-elect is restarted with its stages; ARP and the route come back' '
	elect=$(stage_pid spk.err elect) &&
	bgp=$(stage_pid spk.err bgp) &&
	arp=$(stage_pid spk.err arp) &&
	test -n "$elect" && test -n "$bgp" && test -n "$arp" &&
	kill -KILL "$elect" &&
	test_wait_for "grep -q \"starting the pipeline again\" spk.err" 30 &&
	test_wait_for "test \$(grep -c \" bgp started\" spk.err) = 2" 30 &&
	test "$(stage_pid spk.err elect)" != "$elect" &&
	! kill -0 "$arp" 2>/dev/null &&
	grep "bgp (pid $bgp) ended with status 143" spk.err &&
	test_wait_for answered 30 &&
	test_wait_for routed 30
'

test_expect_success $P 'SIGTERM: BIRD drops the route at once (Cease), ARP goes unanswered, exit 0' '
	: >bird.log &&
	pids="$(stage_pid spk.err elect) $(stage_pid spk.err arp) $(stage_pid spk.err bgp)" &&
	kill -TERM "$(test_bg_pid spk)" &&
	test_wait_for "! routed" 3 &&
	test_wait_for "grep -q \"lb-bgp-peer shutting down\" bird.log" 3 &&
	test_wait_for "! kill -0 $(test_bg_pid spk) 2>/dev/null" 20 &&
	{ wait "$(test_bg_pid spk)"; rc=$?; } &&
	test "$rc" = 0 &&
	for p in $pids; do
		! kill -0 "$p" 2>/dev/null || return 1
	done &&
	test_expect_code 1 ip netns exec "$NS_router" arping -c 2 -w 2 -I r0 192.0.2.10 &&
	test_must_fail ls run/lb-speaker.* 2>/dev/null
'

test_done
