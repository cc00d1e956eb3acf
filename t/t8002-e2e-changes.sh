#!/bin/sh
test_description='end to end: controller restart, externalTrafficPolicy Local, pool edited, Service deleted'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-testbed.sh"

P=ROOT,NETNS,BIRD,ARPING,PYTHON3,JQ,CURL

# addresses: every Service's address, one "ns/name ip" a line.
addresses () {
	for s in default/web default/api default/local; do
		echo "$s $(tb_service_ip $s)"
	done
}

test_expect_success $P 'set up: router, three nodes, client; controller and speakers on examples/' '
	TB_DIR=$TRASH_DIRECTORY/tb &&
	tb_init &&
	tb_up &&
	tb_ready &&
	addresses >before &&
	cat >expect <<-\EOF &&
	default/web 192.0.2.200
	default/api 203.0.113.10
	default/local 203.0.113.11
	EOF
	test_cmp expect before
'

test_expect_success $P 'the controller restarts: no address changes, no status rewritten' '
	ls -l --time-style=full-iso "$TB_STATUS" >mtimes.before &&
	tb_stop controller &&
	tb_controller_start &&
	# It has read everything and decided when the new lb-alloc has seen
	# SYNCED; give it a moment beyond that to (wrongly) write.
	sleep 3 &&
	tb_alive controller &&
	addresses >after &&
	test_cmp before after &&
	ls -l --time-style=full-iso "$TB_STATUS" >mtimes.after &&
	test_cmp mtimes.before mtimes.after &&
	test -n "$(tb_get 192.0.2.200)"
'

test_expect_success $P 'externalTrafficPolicy Local: only the nodes with endpoints announce, and follow the endpoints' '
	test "$(tb_nexthops 203.0.113.11 | tr "\n" " ")" = "node-a node-c " &&
	tb_edit endpointslices.yaml "s/nodeName: node-c/nodeName: node-b/" &&
	tb_wait "test \"\$(tb_nexthops 203.0.113.11 | tr \"\\n\" \" \")\" = \"node-a node-b \"" 10 &&
	# The Cluster Service is still announced by all three.
	test $(tb_nexthops 203.0.113.10 | wc -l) = 3
'

test_expect_success $P 'externalTrafficPolicy Local over L2: the owner is a node with an endpoint, and follows it' '
	cat >"$TB_DIR/l2local.yaml" <<-\EOF &&
	apiVersion: v1
	kind: Service
	metadata:
	  name: l2local
	  namespace: default
	  annotations:
	    metallb.io/address-pool: l2-pool
	spec:
	  type: LoadBalancer
	  externalTrafficPolicy: Local
	  ports:
	  - port: 80
	---
	apiVersion: discovery.k8s.io/v1
	kind: EndpointSlice
	metadata:
	  name: l2local-abcde
	  namespace: default
	  labels:
	    kubernetes.io/service-name: l2local
	addressType: IPv4
	endpoints:
	- addresses: [198.51.100.31]
	  nodeName: NODE
	EOF
	# Whichever node the rank prefers, an endpoint elsewhere decides.
	for n in node-a node-b node-c; do
		sed "s/NODE/$n/" "$TB_DIR/l2local.yaml" >"$TB_DIR/l2local.new" &&
		mv "$TB_DIR/l2local.new" "$TB_FROM/l2local.yaml" &&
		tb_wait "test -n \"\$(tb_service_ip default/l2local)\"" 10 &&
		vip=$(tb_service_ip default/l2local) &&
		tb_wait "test \"\$(tb_arp_macs $vip)\" = $(tb_node_mac $n)" 10 &&
		test "$(tb_get $vip)" = $n || return 1
	done &&
	rm "$TB_FROM/l2local.yaml" &&
	tb_wait "test -z \"\$(tb_service_ip default/l2local)\"" 10
'

test_expect_success $P 'externalTrafficPolicy Cluster: no ready endpoint left, no announcement; one back, announced again' '
	l2_owner=$(tb_arp_macs 192.0.2.200) &&
	test -n "$l2_owner" &&
	test $(tb_nexthops 203.0.113.10 | wc -l) = 3 &&
	# Every endpoint of default/web, then of default/api, stops being ready.
	tb_edit endpointslices.yaml "/name: web-4m9qz/,/^---/s/ready: true/ready: false/" &&
	tb_wait "test -z \"\$(tb_arp_macs 192.0.2.200)\"" 10 &&
	test $(tb_nexthops 203.0.113.10 | wc -l) = 3 &&
	tb_edit endpointslices.yaml "/name: api-h2t8w/,/^---/s/ready: true/ready: false/" &&
	tb_wait "test -z \"\$(tb_nexthops 203.0.113.10)\"" 10 &&
	# The Local Service, whose endpoints are untouched, stays.
	test $(tb_nexthops 203.0.113.11 | wc -l) = 2 &&
	# One endpoint of each is ready again: announced again, from the same
	# nodes as before wherever that endpoint runs.
	tb_edit endpointslices.yaml "/name: web-4m9qz/,/^---/{/198.51.100.12/,/ready:/s/ready: false/ready: true/}" &&
	tb_edit endpointslices.yaml "/name: api-h2t8w/,/^---/{/198.51.100.42/,/ready:/s/ready: false/ready: true/}" &&
	test "$(grep -c "ready: true" "$TB_FROM/endpointslices.yaml")" = 4 &&
	tb_wait "test \"\$(tb_arp_macs 192.0.2.200)\" = $l2_owner" 10 &&
	tb_wait "test \$(tb_nexthops 203.0.113.10 | wc -l) = 3" 10 &&
	test -n "$(tb_get 192.0.2.200)" &&
	test -n "$(tb_get 203.0.113.10)"
'

test_expect_success $P 'the BGP pool is edited: its Services move as lb-alloc decides, the routes follow' '
	tb_edit pools.yaml "s/203.0.113.10-203.0.113.19/203.0.113.20-203.0.113.29/" &&
	tb_wait "test \"\$(tb_service_ip default/api)\" != 203.0.113.10 && test \"\$(tb_service_ip default/local)\" != 203.0.113.11" 10 &&
	new_api=$(tb_service_ip default/api) &&
	new_local=$(tb_service_ip default/local) &&
	# What lb-alloc decides, asked alone on the edited files.
	{ timeout 3 lb-watch --from "$TB_FROM" services ipaddresspools namespaces || :; } |
		lb-alloc --require-sync Service,IPAddressPool,Namespace >decided &&
	jq -r "select(.type == \"ASSIGNED\") | \"\(.service) \(.ips[0])\"" decided | sort >expect &&
	printf "%s\n" "default/api $new_api" "default/local $new_local" "default/web 192.0.2.200" >actual &&
	test_cmp expect actual &&
	case $new_api in 203.0.113.2[0-9]) ;; *) false ;; esac &&
	tb_wait "test \$(tb_nexthops $new_api | wc -l) = 3 && test \$(tb_nexthops $new_local | wc -l) = 2" 10 &&
	tb_wait "test -z \"\$(tb_nexthops 203.0.113.10)\" && test -z \"\$(tb_nexthops 203.0.113.11)\"" 10 &&
	test -n "$(tb_get $new_api)" &&
	test -n "$(tb_get $new_local)" &&
	# The L2 Service did not move.
	test "$(tb_service_ip default/web)" = 192.0.2.200
'

test_expect_success $P 'Services deleted: addresses released, ARP no longer answered, routes withdrawn' '
	test -n "$(tb_arp_macs 192.0.2.200)" &&
	# services.yaml without default/web and default/api: only default/local stays.
	awk "BEGIN { RS = \"---\\n\"; ORS = \"\" } /name: local\\n/ { print }" "$TB_FROM/services.yaml" >"$TB_DIR/svc.tmp" &&
	grep -q "name: local" "$TB_DIR/svc.tmp" &&
	! grep -q "name: web" "$TB_DIR/svc.tmp" &&
	mv "$TB_DIR/svc.tmp" "$TB_FROM/services.yaml" &&
	tb_wait "test -z \"\$(tb_service_ip default/web)\" && test -z \"\$(tb_service_ip default/api)\"" 10 &&
	tb_wait "test -z \"\$(tb_nexthops $new_api)\"" 10 &&
	tb_wait "test -z \"\$(tb_arp_macs 192.0.2.200)\"" 10 &&
	# Withdrawn everywhere, the rest untouched.
	test "$(tb_service_ip default/local)" = "$new_local" &&
	test $(tb_nexthops $new_local | wc -l) = 2
'

test_done
