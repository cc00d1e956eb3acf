#!/bin/sh
test_description='lb-speaker on two nodes: one L2 owner; the other takes over through the health checks when the owner speaker stops or the node drops off, with Kubernetes still saying Ready'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-arp.sh"

P=ROOT,NETNS,ARPING,JQ

# owner_mac: the MAC that answers the client's ARP request for the VIP.
owner_mac () {
	ip netns exec "$NS_c" arping -c 1 -w 1 -I br0 192.0.2.10 2>/dev/null |
		sed -n 's/.*reply from 192.0.2.10 \[\([0-9A-Fa-f:]*\)\].*/\1/p' |
		tr A-F a-f | head -n 1
}

# only_owner MAC: MAC answers, and nobody else (arping counts every reply).
only_owner () {
	ip netns exec "$NS_c" arping -b -c 2 -w 2 -I br0 192.0.2.10 >arping.out 2>&1
	replies=$(grep -ci "reply from 192.0.2.10" arping.out)
	owners=$(sed -n 's/.*reply from 192.0.2.10 \[\([0-9A-Fa-f:]*\)\].*/\1/p' arping.out |
		tr A-F a-f | sort -u)
	test "$replies" -ge 1 && test "$owners" = "$1"
}

ms_now () {
	echo $(($(date +%s%N) / 1000000))
}

# speaker NODE: lb-speaker of node-NODE in namespace NODE, kept across tests.
speaker () {
	speaker_saved_=$test_in_body
	test_in_body=
	test_bg "spk$1" ip netns exec "$(test_netns "$1")" lb-speaker --node "node-$1" \
		--interface "${1}0" --from m --status-dir st --run-dir run
	speaker_rc_=$?
	test_in_body=$speaker_saved_
	return $speaker_rc_
}

test_expect_success $P 'set up: two nodes and a client on one LAN, the cluster as manifests' '
	arp_lan_setup &&
	mkdir m run &&
	cat >m/cluster.yaml <<-\EOT &&
	apiVersion: v1
	kind: Node
	metadata: {name: node-a}
	status:
	  addresses: [{type: InternalIP, address: 192.0.2.1}]
	  conditions: [{type: Ready, status: "True"}]
	---
	apiVersion: v1
	kind: Node
	metadata: {name: node-b}
	status:
	  addresses: [{type: InternalIP, address: 192.0.2.3}]
	  conditions: [{type: Ready, status: "True"}]
	---
	apiVersion: metallb.io/v1beta1
	kind: IPAddressPool
	metadata: {name: docs, namespace: metallb-system}
	spec: {addresses: [192.0.2.10/32]}
	---
	apiVersion: metallb.io/v1beta1
	kind: L2Advertisement
	metadata: {name: l2, namespace: metallb-system}
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
	test_bg ctl lb-controller --from m --status-dir st --run-dir run &&
	test_wait_for "test -s st/default_web.json" 30 &&
	test_bg_kill ctl
'

test_expect_success $P 'both speakers run; exactly one node answers for the address' '
	speaker a &&
	speaker b &&
	test_wait_for "grep -q \"probe started\" spka.err && grep -q \"probe started\" spkb.err" 30 &&
	test_wait_for "test -n \"\$(owner_mac)\"" 30 &&
	owner=$(owner_mac) &&
	case $owner in
	$MAC_A) owner=a other=b other_mac=$MAC_B ;;
	$MAC_B) owner=b other=a other_mac=$MAC_A ;;
	*) echo "unexpected owner $owner"; false ;;
	esac &&
	only_owner "$(owner_mac)" &&
	: every speaker sees both endpoints UP &&
	test_wait_for "test \$(grep -c \"healthz: .* UP\" spka.err) -ge 2" 10 &&
	test_wait_for "test \$(grep -c \"healthz: .* UP\" spkb.err) -ge 2" 10
'

test_expect_success $P 'the owner speaker stops (SIGTERM): the other node answers within seconds' '
	start=$(ms_now) &&
	kill -TERM "$(test_bg_pid spk$owner)" &&
	test_wait_for "test \"\$(owner_mac)\" = $other_mac" 10 &&
	echo "# takeover after the owner speaker stopped: $(($(ms_now) - start)) ms (arping once a second)" &&
	test_wait_for "! kill -0 $(test_bg_pid spk$owner) 2>/dev/null" 20 &&
	only_owner "$other_mac" &&
	grep "^\\[probe\\] lb-probe: http://192.0.2.*:7473/healthz: UP -> DOWN" "spk$other.err"
'

test_expect_success $P 'the speaker comes back: the address returns to the node that ranks first' '
	speaker $owner &&
	test_wait_for "test \"\$(owner_mac)\" != $other_mac" 30 &&
	test_wait_for "only_owner \$(owner_mac)" 10
'

test_expect_success $P 'the owner node drops off the LAN: the other answers, while its Node still says Ready' '
	case $owner in a) owner_mac=$MAC_A ;; b) owner_mac=$MAC_B ;; esac &&
	test "$(owner_mac)" = "$owner_mac" &&
	start=$(ms_now) &&
	ip -n "$(test_netns c)" link set "c$owner" down &&
	test_wait_for "test \"\$(owner_mac)\" = $other_mac" 10 &&
	: the Node objects never change here: the health checks alone did it &&
	echo "# takeover after the owner node dropped off: $(($(ms_now) - start)) ms"
'

test_done
