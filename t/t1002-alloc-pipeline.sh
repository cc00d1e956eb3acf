#!/bin/sh
test_description='lb-alloc pipeline mode: lb-watch events in, one line per decision out'
. "$(dirname "$0")/test-lib.sh"

svc() { # NS NAME [EXTRA-SPEC-JSON] [STATUS-IP]
	extra=${3:+,$3}
	status=${4:+,\"status\":\{\"loadBalancer\":\{\"ingress\":[\{\"ip\":\"$4\"\}]\}\}}
	printf '{"type":"ADDED","object":{"kind":"Service","metadata":{"namespace":"%s","name":"%s","creationTimestamp":"2024-01-01T00:00:00Z"},"spec":{"type":"LoadBalancer"%s}%s}}\n' \
		"$1" "$2" "$extra" "$status"
}
synced() { printf '{"type":"SYNCED","kind":"%s"}\n' "$1"; }

test_expect_success 'assignments after SYNCED, one JSON line each' '
	{ svc ns a && svc ns b && synced Service; } >in &&
	lb-alloc -p p=192.0.2.0/30 <in >out &&
	jq -c "[.type,.service,.ips[0],.pool]" out >got &&
	cat >expect <<-\EOT &&
	["ASSIGNED","ns/a","192.0.2.0","p"]
	["ASSIGNED","ns/b","192.0.2.1","p"]
	EOT
	test_cmp expect got
'

test_expect_success 'nothing is handed out when the input ends before SYNCED' '
	{ svc ns a && svc ns b; } >in &&
	lb-alloc -p p=192.0.2.0/30 <in >out 2>err &&
	test_line_count = 0 out &&
	grep "before SYNCED from: Service" err
'

test_expect_success 'without --pool, IPAddressPool must be SYNCED too' '
	{ svc ns a && synced Service &&
	  echo "{\"type\":\"ADDED\",\"object\":{\"kind\":\"IPAddressPool\",\"metadata\":{\"name\":\"x\",\"namespace\":\"metallb-system\"},\"spec\":{\"addresses\":[\"198.51.100.8/29\"]}}}" &&
	  synced IPAddressPool; } >in &&
	lb-alloc <in >out &&
	jq -e ".ips==[\"198.51.100.8\"] and .pool==\"x\"" out
'

test_expect_success 'a bad line is reported with its line number and skipped; exit 2' '
	{ svc ns a && echo "{not json" && echo "[1,2]" &&
	  echo "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{}}}" &&
	  svc ns b && synced Service; } >in &&
	test_expect_code 2 lb-alloc -p p=192.0.2.0/30 <in >out 2>err &&
	test_line_count = 2 out &&
	grep "<stdin>:2:" err && grep "<stdin>:3:" err && grep "<stdin>:4: Service without metadata.name" err &&
	test_line_count = 3 err
'

test_expect_success 'restarting on its own output changes nothing' '
	{ svc ns a "" 192.0.2.3 && svc ns b && synced Service; } >in &&
	lb-alloc -p p=192.0.2.0/30 <in >out &&
	jq -c "[.service,.ips[0]]" out >got &&
	printf "[\"ns/a\",\"192.0.2.3\"]\n[\"ns/b\",\"192.0.2.0\"]\n" >expect &&
	test_cmp expect got &&
	# The status as lb-watch --apply writes it: address plus pool annotation.
	printf "%s\n" "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"namespace\":\"ns\",\"name\":\"a\",\"annotations\":{\"metallb.io/ip-allocated-from-pool\":\"p\"}},\"spec\":{\"type\":\"LoadBalancer\"},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"192.0.2.3\"}]}}}}" >in2 &&
	printf "%s\n" "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"namespace\":\"ns\",\"name\":\"b\",\"annotations\":{\"metallb.io/ip-allocated-from-pool\":\"p\"}},\"spec\":{\"type\":\"LoadBalancer\"},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"192.0.2.0\"}]}}}}" >>in2 &&
	synced Service >>in2 &&
	lb-alloc -p p=192.0.2.0/30 <in2 >out2 &&
	test_line_count = 0 out2
'

test_expect_success 'the metallb.universe.tf/ prefix works, with one deprecation warning' '
	ev="{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"namespace\":\"ns\",\"name\":\"old\",\"annotations\":{\"metallb.universe.tf/address-pool\":\"q\"}},\"spec\":{\"type\":\"LoadBalancer\"}}}" &&
	{ echo "$ev" && echo "$ev" && synced Service; } >in &&
	lb-alloc -p p=192.0.2.0/30 -p q=198.51.100.0/30 <in >out 2>err &&
	jq -e ".pool==\"q\"" out &&
	grep "ns/old: the metallb.universe.tf/address-pool annotation is deprecated; use metallb.io/address-pool" err &&
	test_line_count = 1 err
'

test_expect_success 'text output on request' '
	{ svc ns a && synced Service; } >in &&
	lb-alloc --text -p p=192.0.2.0/30 <in >out &&
	echo "ASSIGNED ns/a 192.0.2.0 pool=p" >expect &&
	test_cmp expect out
'

test_expect_success 'pools from a YAML file: IPAddressPool and the legacy ConfigMap' '
	cat >pools.yaml <<-\EOT &&
	apiVersion: metallb.io/v1beta1
	kind: IPAddressPool
	metadata: {name: modern, namespace: metallb-system}
	spec:
	  addresses: [198.51.100.0/31]
	---
	apiVersion: v1
	kind: ConfigMap
	metadata: {name: config, namespace: metallb-system}
	data:
	  config: |
	    address-pools:
	    - name: legacy
	      protocol: layer2
	      addresses: [203.0.113.0/31]
	EOT
	{ svc ns a && svc ns b && svc ns c && synced Service; } >in &&
	lb-alloc -f pools.yaml <in >out &&
	jq -r "[.service,.ips[0],.pool]|@tsv" out >got &&
	printf "ns/a\t203.0.113.0\tlegacy\nns/b\t203.0.113.1\tlegacy\nns/c\t198.51.100.0\tmodern\n" >expect &&
	test_cmp expect got
'

test_expect_success 'an overlapping pool is left out with an error naming both' '
	cat >overlap.yaml <<-\EOT &&
	kind: IPAddressPool
	metadata: {name: first}
	spec: {addresses: [192.0.2.0/28]}
	---
	kind: IPAddressPool
	metadata: {name: second}
	spec: {addresses: [192.0.2.8-192.0.2.31]}
	EOT
	lb-alloc -f overlap.yaml --text pools >out 2>err &&
	grep "pool second range 192.0.2.8-192.0.2.31 overlaps pool first range 192.0.2.0/28" err &&
	grep "^POOL  *second .* false  *--pool\|^POOL  *second .*false" out
'

test_expect_success 'a broken pool in a file does not stop the others; exit 2' '
	cat >mixed.yaml <<-\EOT &&
	kind: IPAddressPool
	metadata: {name: bad}
	spec: {addresses: [192.0.2.300/24]}
	---
	kind: IPAddressPool
	metadata: {name: good}
	spec: {addresses: [192.0.2.0/30]}
	EOT
	{ svc ns a && synced Service; } >in &&
	test_expect_code 2 lb-alloc -f mixed.yaml <in >out 2>err &&
	grep "mixed.yaml:1: pool .bad.: .192.0.2.300/24." err &&
	jq -e ".pool==\"good\"" out
'

test_expect_success 'loadBalancerClass: others are never touched; --class picks ours' '
	{ svc ns none && svc ns mine "\"loadBalancerClass\":\"lbkit.io/x\"" && synced Service; } >in &&
	lb-alloc -p p=192.0.2.0/30 <in >out &&
	jq -r .service out >got && echo ns/none >expect && test_cmp expect got &&
	lb-alloc -p p=192.0.2.0/30 --class lbkit.io/x <in >out &&
	jq -r .service out >got && echo ns/mine >expect && test_cmp expect got
'

test_expect_success 'bare objects (kubectl | jq .items[]) with --require-sync none' '
	echo "{\"kind\":\"Service\",\"metadata\":{\"namespace\":\"ns\",\"name\":\"k\"},\"spec\":{\"type\":\"LoadBalancer\"}}" >in &&
	lb-alloc -p p=192.0.2.0/30 --require-sync none <in >out &&
	jq -e ".service==\"ns/k\"" out
'

test_expect_success 'SIGHUP re-reads pool files; SIGTERM exits 143' '
	echo "{kind: IPAddressPool, metadata: {name: p}, spec: {addresses: [192.0.2.0/32]}}" >grow.yaml &&
	mkfifo feed &&
	test_bg alloc sh -c "lb-alloc -f grow.yaml <feed >live.out 2>live.err; echo \$? >live.rc" &&
	exec 9>feed &&
	{ svc ns a && svc ns b && synced Service; } >&9 &&
	test_wait_for "test \$(wc -l <live.out) -ge 2" 10 &&
	grep PENDING live.out &&
	echo "{kind: IPAddressPool, metadata: {name: p}, spec: {addresses: [192.0.2.0/31]}}" >grow.yaml &&
	pid=$(pgrep -P "$(test_bg_pid alloc)" -x lb-alloc) &&
	kill -HUP "$pid" &&
	test_wait_for "grep -q 192.0.2.1 live.out" 10 &&
	kill -TERM "$pid" &&
	test_wait_for "test -s live.rc" 10 &&
	exec 9>&- &&
	echo 143 >expect && test_cmp expect live.rc
'

test_done
