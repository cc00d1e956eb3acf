#!/bin/sh
test_description='deploy/ RBAC: the grants cover every request the controller and speaker make, and nothing more'
. "$(dirname "$0")/test-lib.sh"

# The test API server enforces rules "TOKEN USER RESOURCES VERBS" made from
# the ClusterRoles and Roles that deploy/10-rbac.yaml binds to each
# ServiceAccount. The controller and speaker pipelines then run against it
# under those accounts; its request log shows every request they made, and
# the test compares that set with the grants, both ways.

APISERVER="/usr/bin/python3 $TEST_DIRECTORY/k8s/apiserver.py"
YAML="/usr/bin/python3 $TEST_DIRECTORY/deploy-yaml.py"
DEPLOY=$REPO_ROOT/deploy
D=$TRASH_DIRECTORY/api
NS=lbkit-system

if ! test -x /usr/bin/python3 || ! /usr/bin/python3 -c 'import yaml' 2>/dev/null ||
	! command -v curl >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1 ||
	! command -v jq >/dev/null 2>&1; then
	skip_all='python3 with PyYAML, curl, openssl or jq missing'
	test_done
fi

ctl () { # PATH [CURL-OPTION...]
	ctl_path_=$1
	shift
	curl -sS --max-time 20 -X POST "http://127.0.0.1:$(cat "$D/control-port")/$ctl_path_" "$@"
}
getlog () {
	curl -sS --max-time 20 "http://127.0.0.1:$(cat "$D/control-port")/log" >"$1"
}
api () {
	curl -sS --max-time 20 --cacert "$D/ca.crt" -H "Authorization: Bearer admin-token" "$@"
}

# granted SA: "GROUP RESOURCE VERB" lines (RESOURCE may be plural/subresource)
# of every rule bound to ServiceAccount lbkit-SA, sorted.
granted () {
	jq -r -s --arg sa "lbkit-$1" --arg ns "$NS" '
		map(.object) as $all
		| [$all[] | select(.kind == "ClusterRoleBinding" or .kind == "RoleBinding")
		   | select(any(.subjects[]; .kind == "ServiceAccount" and .name == $sa and .namespace == $ns))
		   | .roleRef as $ref | (.metadata.namespace // "") as $bns
		   | $all[] | select(.kind == $ref.kind and .metadata.name == $ref.name and
				(.kind == "ClusterRole" or .metadata.namespace == $bns))
		   | .rules[]] as $rules
		| $rules[] | .apiGroups[] as $g | .resources[] as $r | .verbs[] as $v
		| "\(if $g == "" then "core" else $g end) \($r) \($v)"' rbac.jsonl | sort -u
}

# used USER: "GROUP RESOURCE VERB" of every API request USER made (discovery
# excluded: every authenticated user may read it), from the request log.
used () {
	jq -r --arg u "$1" '
		select(.user == $u)
		| (.path | split("/") | map(select(. != ""))) as $p
		| (if $p[0] == "api" then {g: "core", rest: $p[2:]} else {g: $p[1], rest: $p[3:]} end) as $a
		| ($a.rest | if .[0] == "namespaces" and length >= 3 then .[2:] else . end) as $r
		| select(($r | length) > 0)
		| ($r[1] // "") as $name
		| (if .method == "GET" then
			(if (.query | test("(^|&)watch=(1|true)(&|$)")) then "watch"
			 elif $name != "" then "get" else "list" end)
		   elif .method == "POST" then "create"
		   elif .method == "PUT" then "update"
		   elif .method == "PATCH" then "patch"
		   elif .method == "DELETE" then "delete"
		   else .method end) as $verb
		| "\($a.g) \($r[0] + (if ($r | length) == 3 then "/" + $r[2] else "" end)) \($verb)"' "$2" | sort -u
}

kubeconfig () { # SA
	cat >"kc.$1" <<-EOF
	apiVersion: v1
	kind: Config
	clusters:
	- name: t
	  cluster: {server: "$U", certificate-authority: "$D/ca.crt"}
	users:
	- name: $1
	  user: {token: $1-token}
	contexts:
	- name: t
	  context: {cluster: t, user: $1}
	current-context: t
	EOF
}

$YAML json "$DEPLOY/10-rbac.yaml" >rbac.jsonl || bail_out 'deploy/10-rbac.yaml does not parse'
: >rules
for sa in controller speaker; do
	granted $sa >"granted.$sa"
	# The test server has no API groups in its rules: plurals are unique
	# among the resources it serves.
	while read -r group resource verb; do
		echo "$sa-token system:serviceaccount:$NS:lbkit-$sa $resource $verb" >>rules
	done <"granted.$sa"
done

test_bg apiserver $APISERVER --dir "$D" --token admin-token --rules rules
test_wait_for 'test -s "$D/port"' 30 || bail_out 'the test API server did not start'
U=https://127.0.0.1:$(cat "$D/port")
kubeconfig controller
kubeconfig speaker

# The cluster: the namespace, the example pool and advertisement, the
# example Service, one asking for an address outside every pool (an Event),
# a node and an EndpointSlice.
{
	echo "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$NS\"}}"
	$YAML json "$DEPLOY/examples/l2.yaml" "$DEPLOY/examples/service.yaml" | jq -c .object
	echo '{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad","namespace":"default"},"spec":{"type":"LoadBalancer","loadBalancerIP":"203.0.113.99","ports":[{"port":80}]}}'
	echo '{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"status":{"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"InternalIP","address":"192.0.2.1"}]}}'
	echo '{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"web-1","namespace":"default","labels":{"kubernetes.io/service-name":"web"}},"addressType":"IPv4","endpoints":[{"addresses":["198.51.100.5"],"nodeName":"n1","conditions":{"ready":true}}]}'
} >seed.jsonl
ctl seed --data-binary @seed.jsonl >seed.out || bail_out 'seeding the API server failed'

test_expect_success 'the rules are what 10-rbac.yaml grants: no wildcard, no Secrets, no non-resource URLs' '
	cat >expect <<-\EOF &&
	coordination.k8s.io leases create
	coordination.k8s.io leases get
	coordination.k8s.io leases update
	core events create
	core namespaces list
	core namespaces watch
	core services get
	core services list
	core services patch
	core services watch
	core services/status patch
	metallb.io ipaddresspools list
	metallb.io ipaddresspools watch
	EOF
	test_cmp expect granted.controller &&
	cat >expect <<-\EOF &&
	core nodes list
	core nodes watch
	core services list
	core services watch
	discovery.k8s.io endpointslices list
	discovery.k8s.io endpointslices watch
	metallb.io bfdprofiles list
	metallb.io bfdprofiles watch
	metallb.io bgpadvertisements list
	metallb.io bgpadvertisements watch
	metallb.io bgppeers list
	metallb.io bgppeers watch
	metallb.io communities list
	metallb.io communities watch
	metallb.io ipaddresspools list
	metallb.io ipaddresspools watch
	metallb.io l2advertisements list
	metallb.io l2advertisements watch
	EOF
	test_cmp expect granted.speaker &&
	jq -e -s "[.[].object | select(.kind | test(\"Role$\")) | .rules[]] | length > 0" rbac.jsonl &&
	jq -e -s "all(.[].object | select(.kind | test(\"Role$\")) | .rules[];
		(.apiGroups + .resources + .verbs | all(. != \"*\")) and (has(\"nonResourceURLs\") | not))" rbac.jsonl &&
	test_must_fail grep -i -E "secrets|pods|configmaps|escalate|bind|impersonate" granted.controller granted.speaker
'

test_expect_success 'the server enforces them: the speaker may not write a Service status' '
	curl -sS --max-time 20 --cacert "$D/ca.crt" -H "Authorization: Bearer speaker-token" \
		-X PATCH -H "Content-Type: application/merge-patch+json" -d "{}" \
		-o /dev/null -w "%{http_code}\n" "$U/api/v1/namespaces/default/services/web/status" >code &&
	echo 403 >expect && test_cmp expect code
'

ctl log/clear >/dev/null

test_expect_success 'controller under its account: status, pool annotation, Event, Lease' '
	mkdir -p run &&
	test_bg controller env KUBECONFIG=kc.controller LBKIT_LEASE=$NS/lbkit-controller LBKIT_IDENTITY=a \
		LBKIT_RUN_DIR=run lb-controller &&
	test_wait_for "api $U/api/v1/namespaces/default/services/web | jq -e \".status.loadBalancer.ingress[0].ip\" >/dev/null" 30 &&
	api "$U/api/v1/namespaces/default/services/web" >web.json &&
	jq -e ".status.loadBalancer.ingress == [{\"ip\":\"192.0.2.240\"}]" web.json &&
	jq -e ".metadata.annotations[\"metallb.io/ip-allocated-from-pool\"] == \"lan\"" web.json &&
	test_wait_for "api $U/api/v1/namespaces/default/events | jq -e \"any(.items[]; .involvedObject.name == \\\"bad\\\" and .reason == \\\"AllocationFailed\\\")\" >/dev/null" 30 &&
	api "$U/apis/coordination.k8s.io/v1/namespaces/$NS/leases/lbkit-controller" >lease.json &&
	jq -e ".spec.holderIdentity == \"a\"" lease.json &&
	: the Lease is renewed with an update, which the Role allows by name &&
	test_wait_for "getlog log && jq -e -s \"any(.[]; .method == \\\"PUT\\\" and (.path | endswith(\\\"/leases/lbkit-controller\\\")))\" log >/dev/null" 30
'

# Without interfaces and health port the speaker sends nothing to the
# network: no ARP, and no probes of the node address 192.0.2.1 from the
# host. Its lb-elect then has everything, and says so.
test_expect_success 'speaker under its account: lb-speaker lists and watches every kind it reads' '
	test_bg speaker env KUBECONFIG=kc.speaker LBKIT_NODE=n1 LBKIT_HEALTH_PORT=0 LBKIT_RUN_DIR=run \
		lb-speaker -v &&
	test_wait_for "grep -q \"bgp started\" speaker.err" 30 &&
	test_wait_for "curl -sS --max-time 5 http://127.0.0.1:\$(cat $D/control-port)/watches | jq -e \"length == 12\" >/dev/null" 30 &&
	curl -sS --max-time 5 "http://127.0.0.1:$(cat $D/control-port)/watches" |
		jq -r ".[].path | sub(\"[?].*\"; \"\")" | sort >watched &&
	cat >expect <<-\EOF &&
	/api/v1/namespaces
	/api/v1/nodes
	/api/v1/services
	/api/v1/services
	/apis/discovery.k8s.io/v1/endpointslices
	/apis/metallb.io/v1beta1/bfdprofiles
	/apis/metallb.io/v1beta1/bgpadvertisements
	/apis/metallb.io/v1beta1/communities
	/apis/metallb.io/v1beta1/ipaddresspools
	/apis/metallb.io/v1beta1/ipaddresspools
	/apis/metallb.io/v1beta1/l2advertisements
	/apis/metallb.io/v1beta2/bgppeers
	EOF
	test_cmp expect watched
'

# A watch is logged when it ends: end every open one cleanly (the tools
# resume them), so that the log holds them all.
watches () { # USER
	jq -r --arg u "$1" "select(.user == \$u and (.query | test(\"watch=\")))" log | wc -l
}
test_expect_success 'every watch stream, ended by the server, is logged' '
	test_wait_for "curl -sS --max-time 5 http://127.0.0.1:\$(cat $D/control-port)/watches | jq -e \"length == 12\" >/dev/null" 30 &&
	ctl "cut?mode=clean" >/dev/null &&
	test_wait_for "getlog log && test \$(watches system:serviceaccount:$NS:lbkit-controller) -ge 3 &&
		test \$(watches system:serviceaccount:$NS:lbkit-speaker) -ge 9" 30
'

test_expect_success 'no request of either account was refused' '
	getlog log &&
	jq -c "select((.user // \"\") | startswith(\"system:serviceaccount:$NS:\")) | select(.status == 401 or .status == 403)" log >refused &&
	test_must_fail test -s refused
'

test_expect_success 'controller: the requests it made are exactly the grants (nothing missing, nothing unused)' '
	used system:serviceaccount:$NS:lbkit-controller log >used.controller &&
	test_cmp granted.controller used.controller
'

test_expect_success 'speaker: the requests it made are exactly the grants' '
	used system:serviceaccount:$NS:lbkit-speaker log >used.speaker &&
	test_cmp granted.speaker used.speaker
'

test_expect_success 'the controller touches Leases only in its namespace, by the name the Role allows' '
	jq -r "select(.user == \"system:serviceaccount:$NS:lbkit-controller\" and (.path | contains(\"/leases\"))) | .path" log |
		sort -u >got &&
	printf "%s\n" /apis/coordination.k8s.io/v1/namespaces/$NS/leases \
		/apis/coordination.k8s.io/v1/namespaces/$NS/leases/lbkit-controller >expect &&
	test_cmp expect got
'

test_expect_success 'a second controller replica under the same account follows the first' '
	mkdir -p run.b &&
	test_bg controller_b env KUBECONFIG=kc.controller LBKIT_LEASE=$NS/lbkit-controller LBKIT_IDENTITY=b \
		LBKIT_RUN_DIR=run.b lb-controller &&
	test_wait_for "grep -q FOLLOWER controller_b.out" 30 &&
	jq -e -s "any(.[]; .type == \"FOLLOWER\" and .holder == \"a\")" controller_b.out &&
	jq -e -s "any(.[]; .type == \"LEADER\" and .identity == \"a\")" controller.out &&
	test_must_fail grep -q LEADER controller_b.out
'

test_done
