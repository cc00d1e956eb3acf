#!/bin/sh
test_description='lb-watch against the test API server: list, watch, resume, 410, auth, TLS'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-k8s.sh"

wait_watches () {
	curl -sS --max-time 15 "http://127.0.0.1:$(cat "$D/control-port")/wait?watches=$1&timeout=10" >/dev/null
}
start_server () {
	apiserver_start --rules "$TRASH_DIRECTORY/rules" --bookmark-interval 1 --persist "$@"
}
echo "svc-only  lbwatch  services  get,list,watch" >rules
printf "admin-token\n" >admin.token
printf "svc-only\n" >svc.token
start_server

test_expect_success PYTHON3,CURL 'pagination: every object once, kind and apiVersion on list items, SYNCED' '
	for i in 1 2 3 4 5; do mksvc default s$i || return 1; done &&
	test_bg w lb-watch --kubeconfig "$D/kubeconfig" --page-size 2 services &&
	test_wait_for "grep -q SYNCED w.out" 15 &&
	jq -r "select(.type==\"ADDED\") | .object.metadata.name" w.out | sort >got &&
	printf "kubernetes\ns1\ns2\ns3\ns4\ns5\n" >expect &&
	test_cmp expect got &&
	jq -s -e "map(select(.type==\"ADDED\")) | all(.object.kind == \"Service\" and .object.apiVersion == \"v1\")" w.out &&
	test "$(tail -n 1 w.out)" = "{\"type\":\"SYNCED\",\"kind\":\"Service\"}" &&
	curl -sS "http://127.0.0.1:$(cat "$D/control-port")/log" >log &&
	test "$(grep "/api/v1/services" log | grep -c "limit=2&continue=")" = 2
'

test_expect_success PYTHON3,CURL 'a watch event after SYNCED; --trim drops managedFields' '
	test_bg w lb-watch --kubeconfig "$D/kubeconfig" --trim services &&
	test_wait_for "grep -q SYNCED w.out" 15 && wait_watches 1 &&
	mksvc default late &&
	test_wait_for "grep -q \"ADDED.*\\\"late\\\"\" w.out" 15 &&
	! grep -q managedFields w.out
'

test_expect_success PYTHON3,CURL 'a stream torn mid-line resumes from the last resourceVersion: no loss, no duplicate' '
	test_bg w lb-watch --kubeconfig "$D/kubeconfig" services &&
	test_wait_for "grep -q SYNCED w.out" 15 && wait_watches 1 &&
	ctl "cut?mode=midline&when=next" >/dev/null &&
	mksvc default torn1 &&
	test_wait_for "grep -q \"watch stream broke\" w.err" 15 &&
	wait_watches 1 &&
	mksvc default torn2 &&
	test_wait_for "grep -q \"\\\"torn2\\\"\" w.out" 15 &&
	test "$(grep -c "\"torn1\"" w.out)" = 1 &&
	jq -c . w.out >/dev/null &&
	test "$(grep -c SYNCED w.out)" = 1
'

test_expect_success PYTHON3,CURL '410 after objects were deleted while disconnected: DELETED lines, SYNCED again' '
	test_bg w lb-watch --kubeconfig "$D/kubeconfig" services &&
	test_wait_for "grep -q SYNCED w.out" 15 && wait_watches 1 &&
	api -o /dev/null -X PATCH -H "Content-Type: application/merge-patch+json" \
		-d "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}" "$U/api/v1/namespaces/default/services/s2" &&
	test_wait_for "grep -q MODIFIED w.out" 15 &&
	: the server forgets history and drops s1 and s3 without watch events &&
	ctl "delete?path=/api/v1/namespaces/default/services/s1&path=/api/v1/namespaces/default/services/s3" >/dev/null &&
	test_wait_for "test \$(grep -c SYNCED w.out) = 2" 15 &&
	grep -q "expired (410 Gone); re-listing" w.err &&
	sed -n "/MODIFIED/,\$p" w.out | jq -c "[.type, .object.metadata.name // .kind]" >got &&
	cat >expect <<-\EOT &&
	["MODIFIED","s2"]
	["DELETED","s1"]
	["DELETED","s3"]
	["SYNCED","Service"]
	EOT
	test_cmp expect got
'

test_expect_success PYTHON3,CURL 'a rejected token: one clear line, not one per retry' '
	printf "nope\n" >bad.token &&
	test_bg w lb-watch --server "$U" --ca-file "$D/ca.crt" --token-file bad.token services &&
	test_wait_for "grep -q \"HTTP 401 Unauthorized\" w.err" 15 &&
	sleep 2 &&
	test "$(wc -l <w.err)" = 1 &&
	! test -s w.out
'

test_expect_success PYTHON3,CURL 'a forbidden resource: 403 named; the allowed one works; the token file is re-read' '
	test_bg w lb-watch --server "$U" --ca-file "$D/ca.crt" --token-file svc.token services configmaps &&
	test_wait_for "grep -q \"configmaps: HTTP 403 Forbidden\" w.err" 15 &&
	test_wait_for "grep -q \"SYNCED.*Service\" w.out" 15 &&
	! grep -q ConfigMap w.out &&
	cp admin.token svc.token &&
	test_wait_for "grep -q \"SYNCED.*ConfigMap\" w.out" 40 &&
	grep -q "configmaps: connected again" w.err
'

test_expect_success PYTHON3,CURL 'a CA that did not sign the server: a clear TLS error' '
	mkdir -p other &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other/ca.key \
		-out other/ca.crt -days 1 -subj /CN=other 2>/dev/null &&
	test_bg w lb-watch --server "$U" --ca-file other/ca.crt --token-file admin.token services &&
	test_wait_for "grep -q \"certificate is not trusted (CA other/ca.crt)\" w.err" 15 &&
	! test -s w.out
'

test_expect_success PYTHON3,CURL 'insecure-skip-tls-verify works and warns loudly' '
	test_bg w lb-watch --server "$U" --insecure-skip-tls-verify --token-file admin.token services &&
	test_wait_for "grep -q SYNCED w.out" 15 &&
	grep -q "WARNING: TLS verification is OFF" w.err
'

test_expect_success PYTHON3,CURL 'kubeconfig: client certificate context; KUBECONFIG list merged (first wins)' '
	test_bg w lb-watch --kubeconfig "$D/kubeconfig" --context lbkit-test-cert namespaces &&
	test_wait_for "grep -q SYNCED w.out" 15 &&
	grep -q "\"kube-system\"" w.out &&
	: first.yaml names the context and its user, the server file the cluster &&
	cat >first.yaml <<-\EOT &&
	apiVersion: v1
	kind: Config
	current-context: mine
	contexts:
	- name: mine
	  context: {cluster: lbkit-test, user: watcher}
	users:
	- name: watcher
	  user: {token: svc-only}
	EOT
	KUBECONFIG=$PWD/missing:$PWD/first.yaml:$D/kubeconfig test_bg w2 lb-watch services configmaps &&
	test_wait_for "grep -q SYNCED w2.out" 15 &&
	test_wait_for "grep -q \"configmaps: HTTP 403\" w2.err" 15
'

test_expect_success PYTHON3,CURL 'bgppeers: v1beta2, several resources on one loop' '
	test_bg w lb-watch --kubeconfig "$D/kubeconfig" bgppeers services namespaces &&
	test_wait_for "test \$(grep -c SYNCED w.out) = 3" 15 &&
	curl -sS "http://127.0.0.1:$(cat "$D/control-port")/log" >log &&
	grep -q "/apis/metallb.io/v1beta2/bgppeers" log
'

test_expect_success PYTHON3,CURL 'server restart mid-watch: retried, then the watch resumes' '
	test_bg w lb-watch --kubeconfig "$D/kubeconfig" services &&
	test_wait_for "grep -q SYNCED w.out" 15 && wait_watches 1 &&
	port=$(cat "$D/port") &&
	kill "$(test_bg_pid apiserver)" &&
	test_wait_for "! kill -0 $(test_bg_pid apiserver) 2>/dev/null" 10 &&
	sleep 1 && rm -f "$D/port" &&
	start_server --port "$port" &&
	wait_watches 1 &&
	mksvc default after &&
	test_wait_for "grep -q \"ADDED.*\\\"after\\\"\" w.out" 30 &&
	test "$(grep -c SYNCED w.out)" = 1
'

test_done
