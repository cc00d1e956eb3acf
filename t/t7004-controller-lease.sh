#!/bin/sh
test_description='lb-controller against the test API server: two replicas, one Lease, one writer; the leader stops and the other takes over'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-k8s.sh"

if ! command -v jq >/dev/null 2>&1; then
	skip_all='jq missing'
	test_done
fi

create () { # PATH JSON
	api -o /dev/null -H "Content-Type: application/json" -d "$2" "$U$1"
}
status_ip () {
	api "$U/api/v1/namespaces/default/services/$1" | jq -r ".status.loadBalancer.ingress[0].ip // empty"
}
# replica NAME: one lb-controller, kept from one test to the next.
replica () {
	replica_saved_=$test_in_body
	test_in_body=
	test_bg "$1" lb-controller --kubeconfig "$D/kubeconfig" --lease default/lbkit \
		--identity "$1" --lease-duration 3 --run-dir run
	replica_rc_=$?
	test_in_body=$replica_saved_
	return $replica_rc_
}

apiserver_start
mkdir run

test_expect_success PYTHON3,CURL,JQ 'two replicas: one LEADER, one FOLLOWER' '
	create /api/v1/namespaces "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"metallb-system\"}}" &&
	create /apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools \
		"{\"apiVersion\":\"metallb.io/v1beta1\",\"kind\":\"IPAddressPool\",\"metadata\":{\"name\":\"docs\"},\"spec\":{\"addresses\":[\"198.51.100.8/29\"]}}" &&
	replica a &&
	test_wait_for "grep -q LEADER a.out" 20 &&
	replica b &&
	test_wait_for "grep -q FOLLOWER b.out" 20 &&
	jq -e ".identity == \"a\"" a.out &&
	jq -e ".holder == \"a\"" b.out
'

test_expect_success PYTHON3,CURL,JQ 'a Service gets an address from the pool' '
	mksvc default web &&
	test_wait_for "test -n \"\$(status_ip web)\"" 20 &&
	case $(status_ip web) in 198.51.100.8 | 198.51.100.9 | 198.51.100.1[0-5]) ;; *) false ;; esac
'

test_expect_success PYTHON3,CURL,JQ 'the leader stops (SIGTERM): the other replica takes over and serves new Services' '
	web=$(status_ip web) &&
	kill -TERM "$(test_bg_pid a)" &&
	test_wait_for "! kill -0 $(test_bg_pid a) 2>/dev/null" 20 &&
	{ wait "$(test_bg_pid a)"; rc=$?; } &&
	test "$rc" = 0 &&
	test_wait_for "grep -q LEADER b.out" 30 &&
	mksvc default db &&
	test_wait_for "test -n \"\$(status_ip db)\"" 20 &&
	test "$(status_ip db)" != "$web" &&
	test "$(status_ip web)" = "$web" &&
	api "$U/apis/coordination.k8s.io/v1/namespaces/default/leases/lbkit" >lease.json &&
	jq -e ".spec.holderIdentity == \"b\"" lease.json
'

test_done
