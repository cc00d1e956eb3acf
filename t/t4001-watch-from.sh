#!/bin/sh
test_description='lb-watch --from DIR: manifests as watch events, inotify, status files'
. "$(dirname "$0")/test-lib.sh"

mkdir m st
cat >m/a.yaml <<'EOF2'
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: LoadBalancer}
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: p, namespace: metallb-system}
spec: {addresses: [192.0.2.10/31]}
EOF2

test_expect_success 'ADDED per object, namespace defaulted, then SYNCED per kind asked for' '
	test_bg w lb-watch --from m services ipaddresspools &&
	test_wait_for "test \$(wc -l <w.out) -ge 4" 10 &&
	jq -c "[.type, .object.kind, .object.metadata.namespace, .kind]" w.out >got &&
	cat >expect <<-\EOT &&
	["ADDED","Service","default",null]
	["ADDED","IPAddressPool","metallb-system",null]
	["SYNCED",null,null,"Service"]
	["SYNCED",null,null,"IPAddressPool"]
	EOT
	test_cmp expect got
'

test_expect_success 'new file (a List) gives ADDED, a change MODIFIED, removal DELETED' '
	test_bg w lb-watch --from m services &&
	test_wait_for "grep -q SYNCED w.out" 10 &&
	printf "%s\n" "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"db\",\"namespace\":\"x\"},\"spec\":{\"type\":\"LoadBalancer\"}}]}" >m/b.json.tmp &&
	mv m/b.json.tmp m/b.json &&
	test_wait_for "grep -q \"ADDED.*\\\"db\\\"\" w.out" 10 &&
	sed "s/LoadBalancer/ClusterIP/" m/b.json >m/b.json.tmp && mv m/b.json.tmp m/b.json &&
	test_wait_for "grep -q \"MODIFIED.*ClusterIP\" w.out" 10 &&
	rm m/b.json &&
	test_wait_for "grep -q \"DELETED.*\\\"db\\\"\" w.out" 10 &&
	! grep -q IPAddressPool w.out
'

test_expect_success 'a broken file is reported and keeps its previous objects' '
	test_bg w lb-watch --from m services &&
	test_wait_for "grep -q SYNCED w.out" 10 &&
	cp m/a.yaml a.keep &&
	printf "apiVersion: v1\nkind: [unclosed\n" >m/a.yaml &&
	test_wait_for "grep -q \"keeping its previous objects\" w.err" 10 &&
	! grep -q DELETED w.out &&
	cp a.keep m/a.yaml
'

test_expect_success 'objects without a name or apiVersion are reported and skipped' '
	printf "kind: Service\napiVersion: v1\nmetadata: {}\n---\nkind: Service\nmetadata: {name: z}\n" >m/bad.yaml &&
	test_bg w lb-watch --from m services &&
	test_wait_for "grep -q SYNCED w.out" 10 &&
	grep "bad.yaml:1: Service without metadata.name" w.err &&
	grep "bad.yaml:5: Service without apiVersion" w.err &&
	test "$(grep -c ADDED w.out)" = 1 &&
	rm m/bad.yaml
'

test_expect_success '--namespace and --selector filter as the API does; a label change leaves the picture' '
	cat >m/sel.yaml <<-\EOT &&
	apiVersion: v1
	kind: Service
	metadata: {name: s1, namespace: team, labels: {app: web}}
	---
	apiVersion: v1
	kind: Service
	metadata: {name: s2, namespace: team, labels: {app: db}}
	---
	apiVersion: v1
	kind: Service
	metadata: {name: s3, namespace: other, labels: {app: web}}
	EOT
	test_bg w lb-watch --from m -n team -l app=web services &&
	test_wait_for "grep -q SYNCED w.out" 10 &&
	jq -r "select(.type==\"ADDED\") | .object.metadata.name" w.out >got &&
	echo s1 >expect && test_cmp expect got &&
	sed "s/app: web}}$/app: api}}/" m/sel.yaml >m/sel.tmp && mv m/sel.tmp m/sel.yaml &&
	test_wait_for "grep -q DELETED w.out" 10 &&
	tail -n 1 w.out | jq -e ".type == \"DELETED\" and .object.metadata.name == \"s1\"" &&
	rm m/sel.yaml &&
	test_expect_code 2 lb-watch --from m --field-selector metadata.name=x services 2>err &&
	grep "field-selector works against the API only" err
'

test_expect_success '--apply --status-dir writes one file per Service; --from overlays it' '
	echo "{\"type\":\"ASSIGNED\",\"service\":\"default/web\",\"ips\":[\"192.0.2.10\"],\"pool\":\"p\"}" |
		lb-watch --from m --apply --status-dir st &&
	jq -e ".status.loadBalancer.ingress == [{\"ip\":\"192.0.2.10\"}] and
		.metadata.annotations[\"metallb.io/ip-allocated-from-pool\"] == \"p\"" st/default_web.json &&
	test_bg w lb-watch --from m --status-dir st services &&
	test_wait_for "grep -q SYNCED w.out" 10 &&
	head -n 1 w.out | jq -e ".object.status.loadBalancer.ingress[0].ip == \"192.0.2.10\"" &&
	echo "{\"type\":\"RELEASED\",\"service\":\"default/web\",\"ips\":[]}" |
		lb-watch --from m --apply --status-dir st &&
	! test -e st/default_web.json &&
	test_wait_for "grep -q MODIFIED w.out" 10 &&
	tail -n 1 w.out | jq -e ".object.status == null"
'

test_expect_success '--apply: another loadBalancerClass, an unknown Service: nothing written' '
	cat >m/c.yaml <<-\EOT &&
	apiVersion: v1
	kind: Service
	metadata: {name: other, namespace: default}
	spec: {type: LoadBalancer, loadBalancerClass: example.com/other}
	EOT
	{ echo "{\"type\":\"ASSIGNED\",\"service\":\"default/other\",\"ips\":[\"192.0.2.11\"],\"pool\":\"p\"}" &&
	  echo "{\"type\":\"ASSIGNED\",\"service\":\"default/ghost\",\"ips\":[\"192.0.2.11\"],\"pool\":\"p\"}"; } |
		lb-watch --from m --apply --status-dir st 2>err &&
	! test -e st/default_other.json && ! test -e st/default_ghost.json &&
	grep "default/ghost: not in m" err &&
	rm m/c.yaml
'

test_expect_success '--apply: RELEASED for a Service no longer in the files removes its status file' '
	echo "{\"type\":\"ASSIGNED\",\"service\":\"default/web\",\"ips\":[\"192.0.2.10\"],\"pool\":\"p\"}" |
		lb-watch --from m --apply --status-dir st &&
	test -e st/default_web.json &&
	echo "{\"type\":\"RELEASED\",\"service\":\"default/gone\",\"ips\":[\"192.0.2.12\"]}" >rel &&
	jq -n "{apiVersion: \"v1\", kind: \"Service\", metadata: {namespace: \"default\", name: \"gone\"},
		status: {loadBalancer: {ingress: [{ip: \"192.0.2.12\"}]}}}" >st/default_gone.json &&
	lb-watch --from m --apply --status-dir st <rel 2>err &&
	! test -e st/default_gone.json &&
	test -e st/default_web.json &&
	! grep "not in m" err
'

test_expect_success '--apply: bad lines are reported with their number; exit 2' '
	printf "%s\n" "{\"type\":\"NOPE\",\"service\":\"a/b\"}" "{\"type\":\"ASSIGNED\",\"service\":\"ab\",\"ips\":[\"192.0.2.1\"]}" |
		test_expect_code 2 lb-watch --apply --status-dir st 2>err &&
	grep "<stdin>:1: unknown type" err && grep "<stdin>:2: ASSIGNED: \"service\" is not" err
'

test_expect_success 'pipeline: lb-watch --from | lb-alloc | lb-watch --apply, and a restart keeps the address' '
	cat >m/d.yaml <<-\EOT &&
	apiVersion: v1
	kind: Service
	metadata: {name: db, namespace: prod}
	spec: {type: LoadBalancer}
	EOT
	rm -f st/* &&
	test_bg pipe sh -c "lb-watch --from m --status-dir st | lb-alloc | lb-watch --from m --apply --status-dir st" &&
	test_wait_for "test -e st/default_web.json && test -e st/prod_db.json" 10 &&
	jq -r ".status.loadBalancer.ingress[0].ip" st/default_web.json st/prod_db.json | sort >ips1 &&
	test "$(sort -u ips1 | wc -l)" = 2 &&
	test_bg_kill pipe &&
	rm st/default_web.json &&
	# A restarted lb-alloc sees prod/db assigned (status file) and leaves it.
	{ timeout 2 lb-watch --from m --status-dir st || :; } | lb-alloc >alloc.out &&
	jq -c "[.type, .service]" alloc.out >got &&
	echo "[\"ASSIGNED\",\"default/web\"]" >expect &&
	test_cmp expect got
'

test_done
