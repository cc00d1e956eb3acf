#!/bin/sh
test_description='deploy/: every manifest parses; kinds, security settings and CRD schemas as documented'
. "$(dirname "$0")/test-lib.sh"

DEPLOY=$REPO_ROOT/deploy
YAML="/usr/bin/python3 $TEST_DIRECTORY/deploy-yaml.py"

# obj KIND NAME: that object of deploy/, as JSON.
obj () {
	jq -c --arg k "$1" --arg n "$2" \
		'select(.object.kind == $k and .object.metadata.name == $n) | .object' all.jsonl
}

test_expect_success PYTHON3,PYYAML,JQ 'every YAML file under deploy/ parses, each document an object with apiVersion and kind' '
	find "$DEPLOY" -name "*.yaml" | sort >files &&
	test "$(wc -l <files)" -ge 8 &&
	$YAML json $(cat files) >all.jsonl &&
	jq -r "[(.file | sub(\".*/deploy/\"; \"\")), .object.apiVersion, .object.kind,
		(.object.metadata.name // \"-\")] | @tsv" all.jsonl >got &&
	cat >expect <<-\EOF &&
	00-namespace.yaml	v1	Namespace	lbkit-system
	10-rbac.yaml	v1	ServiceAccount	lbkit-controller
	10-rbac.yaml	v1	ServiceAccount	lbkit-speaker
	10-rbac.yaml	rbac.authorization.k8s.io/v1	ClusterRole	lbkit:controller
	10-rbac.yaml	rbac.authorization.k8s.io/v1	ClusterRoleBinding	lbkit:controller
	10-rbac.yaml	rbac.authorization.k8s.io/v1	Role	lbkit-controller-lease
	10-rbac.yaml	rbac.authorization.k8s.io/v1	RoleBinding	lbkit-controller-lease
	10-rbac.yaml	rbac.authorization.k8s.io/v1	ClusterRole	lbkit:speaker
	10-rbac.yaml	rbac.authorization.k8s.io/v1	ClusterRoleBinding	lbkit:speaker
	20-controller.yaml	apps/v1	Deployment	lbkit-controller
	20-controller.yaml	policy/v1	PodDisruptionBudget	lbkit-controller
	30-speaker.yaml	apps/v1	DaemonSet	lbkit-speaker
	crds/metallb.yaml	apiextensions.k8s.io/v1	CustomResourceDefinition	ipaddresspools.metallb.io
	crds/metallb.yaml	apiextensions.k8s.io/v1	CustomResourceDefinition	l2advertisements.metallb.io
	crds/metallb.yaml	apiextensions.k8s.io/v1	CustomResourceDefinition	bgpadvertisements.metallb.io
	crds/metallb.yaml	apiextensions.k8s.io/v1	CustomResourceDefinition	communities.metallb.io
	crds/metallb.yaml	apiextensions.k8s.io/v1	CustomResourceDefinition	bfdprofiles.metallb.io
	crds/metallb.yaml	apiextensions.k8s.io/v1	CustomResourceDefinition	bgppeers.metallb.io
	examples/bgp.yaml	metallb.io/v1beta1	IPAddressPool	routed
	examples/bgp.yaml	metallb.io/v1beta2	BGPPeer	tor
	examples/bgp.yaml	metallb.io/v1beta1	BFDProfile	fast
	examples/bgp.yaml	metallb.io/v1beta1	Community	communities
	examples/bgp.yaml	metallb.io/v1beta1	BGPAdvertisement	routed
	examples/l2.yaml	metallb.io/v1beta1	IPAddressPool	lan
	examples/l2.yaml	metallb.io/v1beta1	L2Advertisement	lan
	examples/service.yaml	v1	Service	web
	kustomization.yaml	kustomize.config.k8s.io/v1beta1	Kustomization	-
	EOF
	test_cmp expect got
'

test_expect_success PYTHON3,PYYAML 'a file that does not parse is named' '
	printf "apiVersion: v1\nkind: [unclosed\n" >broken.yaml &&
	test_must_fail $YAML json broken.yaml 2>err &&
	grep "^broken.yaml: " err
'

test_expect_success JQ 'namespaced objects live in lbkit-system; the kustomization lists every file of deploy/' '
	jq -e -s "[.[] | .object | select(.kind | test(\"^(ServiceAccount|Role|RoleBinding|Deployment|PodDisruptionBudget|DaemonSet)$\"))
		| .metadata.namespace] | length == 7 and all(. == \"lbkit-system\")" all.jsonl &&
	jq -e -s "[.[] | .object | select(.kind | test(\"^(IPAddressPool|L2Advertisement|BGPAdvertisement|BGPPeer|Community|BFDProfile)$\"))
		| .metadata.namespace] | all(. == \"lbkit-system\")" all.jsonl &&
	jq -r "select(.object.kind == \"Kustomization\") | .object.resources[]" all.jsonl >got &&
	(cd "$DEPLOY" && ls *.yaml | grep -v kustomization) >expect &&
	test_cmp expect got
'

test_expect_success JQ 'controller: two replicas, its own account, lb-controller electing through the Lease the Role names' '
	obj Deployment lbkit-controller >dep.json &&
	jq -e ".spec.replicas == 2" dep.json &&
	jq -e ".spec.template.spec.serviceAccountName == \"lbkit-controller\"" dep.json &&
	jq -e ".spec.template.spec.containers | length == 1" dep.json &&
	jq -e ".spec.template.spec.containers[0].command == [\"lb-controller\"]" dep.json &&
	jq -r ".spec.template.spec.containers[0].env[] | select(.name == \"LBKIT_LEASE\") | .value" dep.json >lease &&
	echo "\$(POD_NAMESPACE)/lbkit-controller" >expect && test_cmp expect lease &&
	jq -e ".spec.template.spec.containers[0].env[] | select(.name == \"POD_NAMESPACE\")
		| .valueFrom.fieldRef.fieldPath == \"metadata.namespace\"" dep.json &&
	jq -e ".spec.template.spec.containers[0].env[] | select(.name == \"LBKIT_IDENTITY\")
		| .value == \"\$(POD_NAME)\"" dep.json &&
	jq -e ".spec.template.spec.containers[0].env[] | select(.name == \"POD_NAME\")
		| .valueFrom.fieldRef.fieldPath == \"metadata.name\"" dep.json &&
	jq -e ".spec.selector.matchLabels as \$m | .spec.template.metadata.labels | contains(\$m)" dep.json &&
	obj PodDisruptionBudget lbkit-controller >pdb.json &&
	jq -e --slurpfile d dep.json ".spec.selector == \$d[0].spec.selector and .spec.maxUnavailable == 1" pdb.json &&
	obj Role lbkit-controller-lease >role.json &&
	jq -e "[.rules[] | select(.resourceNames) | .resourceNames[]] == [\"lbkit-controller\"]" role.json
'

test_expect_success JQ 'controller: not root, no capability, read-only root, no privilege escalation' '
	jq -e ".spec.template.spec.securityContext.runAsNonRoot == true" dep.json &&
	jq -e ".spec.template.spec.containers[0].securityContext |
		.capabilities.drop == [\"ALL\"] and (.capabilities.add // []) == [] and
		.allowPrivilegeEscalation == false and .readOnlyRootFilesystem == true and
		(.privileged // false) == false" dep.json &&
	jq -e "(.spec.template.spec.hostNetwork // false) == false" dep.json
'

test_expect_success JQ 'speaker: a DaemonSet on the host network, its node name from the Pod spec' '
	obj DaemonSet lbkit-speaker >ds.json &&
	jq -e ".spec.selector.matchLabels as \$m | .spec.template.metadata.labels | contains(\$m)" ds.json &&
	jq -e ".spec.template.spec.hostNetwork == true" ds.json &&
	jq -e ".spec.template.spec.dnsPolicy == \"ClusterFirstWithHostNet\"" ds.json &&
	jq -e ".spec.template.spec.serviceAccountName == \"lbkit-speaker\"" ds.json &&
	jq -e ".spec.template.spec.containers | length == 1" ds.json &&
	jq -e ".spec.template.spec.containers[0].command[0:2] == [\"/bin/sh\", \"-c\"]" ds.json &&
	jq -j ".spec.template.spec.containers[0].command[2]" ds.json >speaker.sh &&
	test_line_count = 5 speaker.sh &&
	tail -n 1 speaker.sh >last && echo "exec lb-speaker" >expect && test_cmp expect last &&
	test_must_fail grep -F "\$(" speaker.sh &&
	jq -e ".spec.template.spec.containers[0].env[] | select(.name == \"LBKIT_NODE\")
		| .valueFrom.fieldRef.fieldPath == \"spec.nodeName\"" ds.json
'

# The DaemonSet's command, for real: in a node namespace whose default
# route leaves through n0, with the example pool as manifests.
test_expect_success ROOT,NETNS 'speaker: without LBKIT_INTERFACES it answers on the default route interface; "" means BGP only' '
	test_netns_add node &&
	test_netns_add gw &&
	test_veth node n0 gw g0 &&
	ip -n "$NS_node" addr add 192.0.2.21/24 dev n0 &&
	ip -n "$NS_gw" addr add 192.0.2.1/24 dev g0 &&
	ip -n "$NS_node" route add default via 192.0.2.1 &&
	mkdir -p spk.m spk.run &&
	cp "$DEPLOY/examples/l2.yaml" spk.m/ &&
	test_bg spk ip netns exec "$NS_node" env PATH="$LBKIT_BUILD:$PATH" LBKIT_NODE=n1 \
		LBKIT_FROM=spk.m LBKIT_HEALTH_PORT=0 LBKIT_RUN_DIR=spk.run /bin/sh speaker.sh &&
	test_wait_for "grep -q \"arp started\" spk.err" 20 &&
	grep "node n1: supervising watch split arp elect bgp" spk.err &&
	test_wait_for "pgrep -a -g \$(test_bg_pid spk) lb-arp-announce >arp.ps" 10 &&
	grep -- " -i n0\$" arp.ps &&
	test_bg_kill spk &&
	test_bg spk ip netns exec "$NS_node" env PATH="$LBKIT_BUILD:$PATH" LBKIT_NODE=n1 LBKIT_INTERFACES= \
		LBKIT_FROM=spk.m LBKIT_HEALTH_PORT=0 LBKIT_RUN_DIR=spk.run /bin/sh speaker.sh &&
	test_wait_for "grep -q supervising spk.err" 20 &&
	grep "no --interface: addresses are not announced over layer 2" spk.err &&
	grep "node n1: supervising watch elect bgp" spk.err
'

# The DaemonSet's privileges, for real: root with a bounding set of
# NET_RAW and NET_ADMIN only and no_new_privs, as its securityContext
# gives; a router's ARP request for the Service address is answered.
test_expect_success ROOT,NETNS,ARPING 'speaker: with only NET_RAW and NET_ADMIN it answers ARP for an assigned address' '
	test_netns_add router &&
	test_netns_add node2 &&
	test_veth router r0 node2 n0 &&
	ip -n "$NS_router" addr add 192.0.2.1/24 dev r0 &&
	ip -n "$NS_node2" addr add 192.0.2.2/24 dev n0 &&
	ip -n "$NS_node2" route add default via 192.0.2.1 &&
	mac=$(ip -n "$NS_node2" -j link show n0 | jq -r ".[0].address") &&
	mkdir -p caps.m caps.run &&
	cp "$DEPLOY/examples/l2.yaml" "$DEPLOY/examples/service.yaml" caps.m/ &&
	cat >caps.m/node.yaml <<-\EOF &&
	apiVersion: v1
	kind: Node
	metadata: {name: n1}
	status:
	  addresses: [{type: InternalIP, address: 192.0.2.2}]
	  conditions: [{type: Ready, status: "True"}]
	EOF
	# The endpoint of the Service, as Kubernetes would list it: without a
	# ready one the speaker announces nothing (lb-elect(8)).
	cat >caps.m/endpointslice.yaml <<-\EOF &&
	apiVersion: discovery.k8s.io/v1
	kind: EndpointSlice
	metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}
	addressType: IPv4
	endpoints: [{addresses: [198.51.100.5], nodeName: n1, conditions: {ready: true}}]
	EOF
	test_bg capctl lb-controller --from caps.m --status-dir caps.st --run-dir caps.run &&
	test_wait_for "test -s caps.st/default_web.json" 30 &&
	jq -e ".status.loadBalancer.ingress == [{\"ip\":\"192.0.2.240\"}]" caps.st/default_web.json &&
	test_bg capspk ip netns exec "$NS_node2" setpriv --bounding-set -all,+net_raw,+net_admin \
		--inh-caps -all --no-new-privs env PATH="$LBKIT_BUILD:$PATH" LBKIT_NODE=n1 \
		LBKIT_FROM=caps.m LBKIT_STATUS_DIR=caps.st LBKIT_RUN_DIR=caps.run /bin/sh speaker.sh &&
	test_wait_for "grep -q \"arp started\" capspk.err" 20 &&
	grep "^CapBnd:	0000000000003000$" /proc/$(test_bg_pid capspk)/status &&
	test_wait_for "ip netns exec $NS_router arping -c 1 -w 1 -I r0 192.0.2.240 >arping.out 2>&1 &&
		grep -i \"reply from 192.0.2.240 \\[$mac\\]\" arping.out" 30
'

test_expect_success JQ 'speaker: drops ALL and adds exactly NET_RAW and NET_ADMIN; not privileged' '
	jq -cS "[.spec.template.spec.initContainers[]?, .spec.template.spec.containers[]]
		| map(.securityContext.capabilities)" ds.json >caps &&
	echo "[{\"add\":[\"NET_RAW\",\"NET_ADMIN\"],\"drop\":[\"ALL\"]}]" >expect &&
	test_cmp expect caps &&
	jq -e ".spec.template.spec.containers[0].securityContext |
		.privileged == false and .allowPrivilegeEscalation == false and
		.readOnlyRootFilesystem == true" ds.json &&
	jq -e "(.spec.template.spec.hostPID // false) == false and (.spec.template.spec.hostIPC // false) == false" ds.json &&
	jq -e "[.spec.template.spec.volumes[] | select(.hostPath)] == []" ds.json
'

test_expect_success JQ 'speaker: the health port the other speakers probe is the one probed for readiness' '
	port=$(jq -r ".spec.template.spec.containers[0].env[] | select(.name == \"LBKIT_HEALTH_PORT\") | .value" ds.json) &&
	test "$port" = 7473 &&
	jq -e --argjson p "$port" ".spec.template.spec.containers[0].ports[] | select(.name == \"health\") | .containerPort == \$p" ds.json &&
	jq -e ".spec.template.spec.containers[0].readinessProbe.httpGet | .path == \"/healthz\" and .port == \"health\"" ds.json
'

test_expect_success JQ 'both run the image of this version, which the kustomization pins' '
	version=$(sed -n "s/^VERSION = //p" "$REPO_ROOT/Makefile") &&
	jq -r ".spec.template.spec.containers[].image" dep.json ds.json >got &&
	printf "lbkit:%s\n" "$version" "$version" >expect &&
	test_cmp expect got &&
	jq -e --arg v "$version" "select(.object.kind == \"Kustomization\") | .object.images == [{\"name\":\"lbkit\",\"newTag\":\$v}]" all.jsonl
'

test_expect_success JQ 'CRDs: one storage version each; every version lb-watch asks for is served with its kind' '
	jq -c "select(.object.kind == \"CustomResourceDefinition\") | .object" all.jsonl >crds.jsonl &&
	jq -e -s "all(.[]; [.spec.versions[] | select(.storage)] | length == 1)" crds.jsonl &&
	jq -e -s "all(.[]; .spec.group == \"metallb.io\" and .spec.scope == \"Namespaced\")" crds.jsonl &&
	sed -n "s/^[[:space:]]*{\"\([a-z0-9]*\)\", \"metallb.io\", \"\([a-z0-9]*\)\", \(NULL\|\"\([a-z0-9]*\)\"\), \"\([A-Za-z0-9]*\)\".*/\1 \2 \5 \4/p" \
		"$REPO_ROOT/lib/k8s_resource.c" >wanted &&
	test_line_count = 6 wanted &&
	while read plural version kind fallback; do
		for v in $version $fallback; do
			jq -e --arg p "$plural" --arg v "$v" --arg k "$kind" -s \
				"any(.[]; .spec.names.plural == \$p and .spec.names.kind == \$k and
					any(.spec.versions[]; .name == \$v and .served))" crds.jsonl >/dev/null || {
				echo "no served $plural $v ($kind)"; return 1; }
		done
	done <wanted &&
	jq -e -s "[.[] | select(.spec.names.kind == \"BGPPeer\") | .spec.versions[] | select(.storage) | .name] == [\"v1beta2\"]" crds.jsonl
'

test_expect_success JQ 'CRDs: the schemas are structural (every node has a type; no unknown fields kept)' '
	jq -r ".metadata.name as \$n | .spec.versions[] | .name as \$v | .schema.openAPIV3Schema
		| paths(type == \"object\") as \$p | getpath(\$p)
		| select(\$p | length == 0 or (.[-2] == \"properties\" or .[-1] == \"items\" or .[-1] == \"additionalProperties\"))
		| select(has(\"type\") | not) | \"\(\$n) \(\$v)\"" crds.jsonl >untyped &&
	test_must_fail test -s untyped &&
	test_must_fail grep -q preserve-unknown-fields "$DEPLOY/crds/metallb.yaml"
'

test_expect_success PYTHON3,PYYAML 'CRDs: the examples and the MetalLB objects of the tests keep every field (nothing pruned or refused)' '
	$YAML prune "$DEPLOY/crds/metallb.yaml" "$DEPLOY"/examples/*.yaml \
		"$TEST_DIRECTORY/elect/cluster.ndjson" \
		"$TEST_DIRECTORY/fuzz/corpus/fz-yaml/metallb-pool-and-service.yaml" >out &&
	test_must_fail test -s out
'

test_expect_success PYTHON3,PYYAML 'CRDs: the schema check does catch an unknown field, a wrong type and a bad enum' '
	cat >bad.yaml <<-\EOF &&
	apiVersion: metallb.io/v1beta2
	kind: BGPPeer
	metadata: {name: x}
	spec: {myASN: 64500, peerASN: "64501", dynamicASN: sideways, peerAddres: 192.0.2.1}
	---
	apiVersion: metallb.io/v1beta1
	kind: BFDProfile
	metadata: {name: y}
	spec: {detectMultiplier: 1}
	EOF
	test_must_fail $YAML prune "$DEPLOY/crds/metallb.yaml" bad.yaml >out &&
	grep "BGPPeer/x: spec.peerASN: .64501. is not of type integer" out &&
	grep "BGPPeer/x: spec.dynamicASN: .sideways. is not one of" out &&
	grep "BGPPeer/x: spec.peerAddres: not in the schema" out &&
	grep "BFDProfile/y: spec.detectMultiplier: 1 is below 2" out &&
	test_line_count = 4 out
'

test_expect_success 'the example pools and advertisements are read by lb-watch --from, and lb-alloc serves from them' '
	mkdir ex st &&
	cp "$DEPLOY"/examples/*.yaml ex/ &&
	test_bg w lb-watch --from ex services ipaddresspools namespaces l2advertisements bgpadvertisements bgppeers communities bfdprofiles &&
	test_wait_for "test \$(grep -c SYNCED w.out) = 8" 10 &&
	test_must_fail test -s w.err &&
	jq -r "select(.type == \"ADDED\") | \"\(.object.kind) \(.object.metadata.name)\"" w.out | sort >got &&
	cat >expect <<-\EOF &&
	BFDProfile fast
	BGPAdvertisement routed
	BGPPeer tor
	Community communities
	IPAddressPool lan
	IPAddressPool routed
	L2Advertisement lan
	Service web
	EOF
	test_cmp expect got &&
	test_bg_kill w &&
	lb-watch --from ex services ipaddresspools namespaces >events &
	pid=$! && test_wait_for "test \$(grep -c SYNCED events) = 3" 10 && kill $pid && wait $pid;
	lb-alloc --require-sync Service,IPAddressPool <events >alloc &&
	jq -c "select(.type == \"ASSIGNED\") | [.service, .pool, .ips]" alloc >got &&
	echo "[\"default/web\",\"lan\",[\"192.0.2.240\"]]" >expect &&
	test_cmp expect got
'

test_expect_success KUBECTL 'kubectl kustomize deploy/ builds the same objects' '
	kubectl kustomize "$DEPLOY" >k.yaml &&
	$YAML json k.yaml | jq -r ".object | \"\(.kind) \(.metadata.name)\"" | sort >got &&
	jq -r "select(.file | test(\"/deploy/[0-9][0-9]-\")) | .object | \"\(.kind) \(.metadata.name)\"" all.jsonl | sort >expect &&
	test_cmp expect got
'

test_done
