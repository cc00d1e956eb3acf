#!/bin/sh
test_description='lb-watch --apply against the test API server: status patches, Events, retries, pipeline'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-k8s.sh"

getlog () {
	curl -sS --max-time 10 "http://127.0.0.1:$(cat "$D/control-port")/log" >"$1"
}
apiserver_start --bookmark-interval 1
KC="--kubeconfig $D/kubeconfig"

test_expect_success PYTHON3,CURL 'ASSIGNED: status patch then annotation patch, bodies byte for byte' '
	mksvc default web &&
	ctl log/clear >/dev/null &&
	echo "{\"type\":\"ASSIGNED\",\"service\":\"default/web\",\"ips\":[\"192.0.2.10\",\"2001:db8::10\"],\"pool\":\"p1\"}" |
		lb-watch $KC --apply &&
	getlog log && grep "\"PATCH\"" log >patches &&
	jq -r "[.path, .content_type, .body] | @tsv" patches >got &&
	printf "%s\t%s\t%s\n" \
		/api/v1/namespaces/default/services/web/status application/merge-patch+json \
		"{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"192.0.2.10\"},{\"ip\":\"2001:db8::10\"}]}}}" \
		/api/v1/namespaces/default/services/web application/merge-patch+json \
		"{\"metadata\":{\"annotations\":{\"metallb.io/ip-allocated-from-pool\":\"p1\"}}}" >expect &&
	test_cmp expect got &&
	api "$U/api/v1/namespaces/default/services/web" >web.json &&
	jq -e ".status.loadBalancer.ingress == [{\"ip\":\"192.0.2.10\"},{\"ip\":\"2001:db8::10\"}] and
		.metadata.annotations[\"metallb.io/ip-allocated-from-pool\"] == \"p1\"" web.json
'

test_expect_success PYTHON3,CURL 'ASSIGNED again with fewer addresses: ingress holds exactly them; pool unchanged: no annotation patch' '
	ctl log/clear >/dev/null &&
	echo "{\"type\":\"ASSIGNED\",\"service\":\"default/web\",\"ips\":[\"192.0.2.11\"],\"pool\":\"p1\"}" |
		lb-watch $KC --apply &&
	getlog log && test "$(grep -c "\"PATCH\"" log)" = 1 &&
	api "$U/api/v1/namespaces/default/services/web" >web.json &&
	jq -e ".status.loadBalancer.ingress == [{\"ip\":\"192.0.2.11\"}]" web.json
'

test_expect_success PYTHON3,CURL 'RELEASED clears ingress and the annotation' '
	ctl log/clear >/dev/null &&
	echo "{\"type\":\"RELEASED\",\"service\":\"default/web\",\"ips\":[\"192.0.2.11\"],\"pool\":\"p1\"}" |
		lb-watch $KC --apply &&
	getlog log && grep "\"PATCH\"" log | jq -r .body >got &&
	printf "%s\n" "{\"status\":{\"loadBalancer\":{\"ingress\":null}}}" \
		"{\"metadata\":{\"annotations\":{\"metallb.io/ip-allocated-from-pool\":null}}}" >expect &&
	test_cmp expect got &&
	api "$U/api/v1/namespaces/default/services/web" >web.json &&
	jq -e "(.status.loadBalancer.ingress == null) and (.metadata.annotations[\"metallb.io/ip-allocated-from-pool\"] == null)" web.json
'

test_expect_success PYTHON3,CURL 'PENDING: a Warning Event on the Service' '
	echo "{\"type\":\"PENDING\",\"service\":\"default/web\",\"reason\":\"no available IPs in pool p1\"}" |
		lb-watch $KC --apply &&
	api "$U/api/v1/namespaces/default/events" >ev.json &&
	jq -e "[.items[] | select(.involvedObject.name == \"web\" and .involvedObject.kind == \"Service\" and
		.type == \"Warning\" and .reason == \"AllocationFailed\" and
		.message == \"no available IPs in pool p1\")] | length == 1" ev.json
'

test_expect_success PYTHON3,CURL 'another loadBalancerClass: nothing written' '
	mksvc default other "\"loadBalancerClass\":\"example.com/other\"" &&
	ctl log/clear >/dev/null &&
	echo "{\"type\":\"ASSIGNED\",\"service\":\"default/other\",\"ips\":[\"192.0.2.12\"],\"pool\":\"p1\"}" |
		lb-watch $KC --apply &&
	getlog log && ! grep -q "\"PATCH\"" log &&
	ctl log/clear >/dev/null &&
	echo "{\"type\":\"ASSIGNED\",\"service\":\"default/other\",\"ips\":[\"192.0.2.12\"],\"pool\":\"p1\"}" |
		lb-watch $KC --apply --class example.com/other &&
	getlog log && grep -q "\"PATCH\"" log
'

test_expect_success PYTHON3,CURL '429 with Retry-After and 500 are retried; the write lands' '
	ctl "fail?count=1&status=429&retry_after=1&match=services/web/status" >/dev/null &&
	ctl "fail?count=1&status=500&match=services/web/status" >/dev/null &&
	ctl log/clear >/dev/null &&
	start=$(date +%s) &&
	echo "{\"type\":\"ASSIGNED\",\"service\":\"default/web\",\"ips\":[\"192.0.2.13\"],\"pool\":\"p1\"}" |
		lb-watch $KC --apply 2>err &&
	test $(($(date +%s) - start)) -ge 1 &&
	getlog log && grep "/status" log | jq -r .status >got &&
	printf "429\n500\n200\n" >expect && test_cmp expect got &&
	grep -q "HTTP 429" err &&
	api "$U/api/v1/namespaces/default/services/web" >web.json &&
	jq -e ".status.loadBalancer.ingress == [{\"ip\":\"192.0.2.13\"}]" web.json
'

test_expect_success PYTHON3,CURL 'a Service that never appears: retried, then given up with a message' '
	echo "{\"type\":\"ASSIGNED\",\"service\":\"default/ghost\",\"ips\":[\"192.0.2.14\"],\"pool\":\"p1\"}" |
		lb-watch $KC --apply 2>err &&
	grep "Service default/ghost: HTTP 404 NotFound" err &&
	grep "giving up" err
'

test_expect_success PYTHON3,CURL 'pipeline: lb-watch | lb-alloc | lb-watch --apply against the API server' '
	api -o /dev/null -H "Content-Type: application/json" \
		-d "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"prod\"}}" "$U/api/v1/namespaces" &&
	mksvc prod db &&
	test_bg pipe sh -c "lb-watch $KC services | lb-alloc -p p2=198.51.100.0/29 | lb-watch $KC --apply" &&
	test_wait_for "api $U/api/v1/namespaces/prod/services/db | jq -e \".status.loadBalancer.ingress[0].ip\" >/dev/null" 20 &&
	api "$U/api/v1/namespaces/prod/services/db" >db.json &&
	jq -e ".metadata.annotations[\"metallb.io/ip-allocated-from-pool\"] == \"p2\"" db.json &&
	ip=$(jq -r ".status.loadBalancer.ingress[0].ip" db.json) &&
	case $ip in 198.51.100.[0-7]) ;; *) false ;; esac &&
	: a Service created later gets an address too &&
	mksvc prod cache &&
	test_wait_for "api $U/api/v1/namespaces/prod/services/cache | jq -e \".status.loadBalancer.ingress[0].ip\" >/dev/null" 20 &&
	api "$U/api/v1/namespaces/prod/services/cache" >cache.json &&
	test "$(jq -r ".status.loadBalancer.ingress[0].ip" cache.json)" != "$ip"
'

test_done
