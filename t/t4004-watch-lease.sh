#!/bin/sh
test_description='lb-watch --apply --lease: two candidates, one writer, failover'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-k8s.sh"

apiserver_start
for s in web db; do
	mksvc default $s
done
: >in.a
: >in.b
candidate () { # NAME
	test_bg "$1" sh -c "tail -n +1 -f in.$1 | exec lb-watch --kubeconfig '$D/kubeconfig' --apply \
		--lease default/lbkit --identity $1 --lease-duration 3"
}
status_ip () {
	api "$U/api/v1/namespaces/default/services/$1" | jq -r ".status.loadBalancer.ingress[0].ip // empty"
}

# Started outside the tests, so that they live from one test to the next.
candidate a
test_wait_for "grep -q LEADER a.out" 15
candidate b

test_expect_success PYTHON3,CURL 'two candidates: one LEADER, one FOLLOWER; the Lease names the leader' '
	test_wait_for "grep -q FOLLOWER b.out" 15 &&
	jq -c "[.type, .identity, .lease]" a.out >got &&
	echo "[\"LEADER\",\"a\",\"default/lbkit\"]" >expect && test_cmp expect got &&
	jq -e ".type == \"FOLLOWER\" and .holder == \"a\"" b.out &&
	api "$U/apis/coordination.k8s.io/v1/namespaces/default/leases/lbkit" >lease.json &&
	jq -e ".spec.holderIdentity == \"a\" and .spec.leaseDurationSeconds == 3 and .spec.leaseTransitions == 0" lease.json &&
	grep -q "lease default/lbkit: now the leader (a)" a.err
'

test_expect_success PYTHON3,CURL 'the same decision to both: only the leader writes' '
	sleep 1 && ctl log/clear >/dev/null &&
	line="{\"type\":\"ASSIGNED\",\"service\":\"default/web\",\"ips\":[\"192.0.2.10\"],\"pool\":\"p\"}" &&
	echo "$line" >>in.a && echo "$line" >>in.b &&
	test_wait_for "test \"\$(status_ip web)\" = 192.0.2.10" 15 &&
	sleep 2 &&
	curl -sS "http://127.0.0.1:$(cat "$D/control-port")/log" >log &&
	grep "services/web/status" log | jq -r .user >writers &&
	test_line_count = 1 writers &&
	test "$(grep -c "\"PUT\".*leases/lbkit" log)" -ge 1
'

test_expect_success PYTHON3,CURL 'the leader dies: the follower takes over and writes what it was told meanwhile' '
	echo "{\"type\":\"ASSIGNED\",\"service\":\"default/db\",\"ips\":[\"192.0.2.11\"],\"pool\":\"p\"}" >>in.b &&
	sleep 1 && test -z "$(status_ip db)" &&
	test_bg_kill a &&
	test_wait_for "grep -q LEADER b.out" 20 &&
	test_wait_for "test \"\$(status_ip db)\" = 192.0.2.11" 15 &&
	api "$U/apis/coordination.k8s.io/v1/namespaces/default/leases/lbkit" >lease.json &&
	jq -e ".spec.holderIdentity == \"b\" and .spec.leaseTransitions == 1" lease.json
'

test_done
