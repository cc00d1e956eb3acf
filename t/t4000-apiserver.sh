#!/bin/sh
test_description='t/k8s/apiserver.py speaks the Kubernetes API as kubectl and curl see it'

. "$(dirname "$0")/test-lib.sh"
# The server itself needs python3, openssl and curl; kubectl is optional:
# its tests skip where it is missing.
. "$TEST_DIRECTORY/lib-k8s.sh"

# json FILE EXPR: prints EXPR evaluated with d = the JSON document in FILE.
json () {
	/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
r = eval(sys.argv[2])
print(r if isinstance(r, str) else json.dumps(r))' "$1" "$2"
}
state_rv () {
	curl -sS --max-time 5 "http://127.0.0.1:$(cat "$D/control-port")/state" >state.json &&
	json state.json 'd["resourceVersion"]'
}
k () {
	timeout 30 kubectl --kubeconfig "$D/kubeconfig" --cache-dir "$TRASH_DIRECTORY/kcache" "$@"
}
start_server () {
	apiserver_start --rules "$TRASH_DIRECTORY/rules" --bookmark-interval 1 --persist "$@"
}
U=

cat >rules <<'EOF'
# token        user     resources                                 verbs
watch-token    lbwatch  services,services/status,endpointslices   get,list,watch,patch
EOF

# Started outside any test, so that it lives until the end of the script.
start_server

test_expect_success PYTHON3,CURL 'server starts: CA, port file, kubeconfig' '
	test -s "$D/port" &&
	openssl verify -CAfile "$D/ca.crt" "$D/server.crt" &&
	grep -q "server: \"$U\"" "$D/kubeconfig" &&
	api "$U/version" >v.json && test "$(json v.json "d[\"major\"]")" = 1
'

test_expect_success PYTHON3,CURL,KUBECTL 'kubectl get svc -A -o json' '
	k get svc -A -o json >svc.json &&
	test "$(json svc.json "[i[\"metadata\"][\"name\"] for i in d[\"items\"]]")" = "[\"kubernetes\"]"
'

cat >svc.yaml <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
  labels: {app: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - port: 80
EOF
cat >pool.yaml <<'EOF'
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: pool1
  namespace: default
spec:
  addresses: [192.0.2.10-192.0.2.20]
EOF

test_expect_success PYTHON3,CURL,KUBECTL 'kubectl create -f a Service and an IPAddressPool (validation on)' '
	k create -f svc.yaml &&
	k create -f pool.yaml &&
	k get ipaddresspools -o json >pools.json &&
	test "$(json pools.json "d[\"items\"][0][\"spec\"][\"addresses\"]")" = "[\"192.0.2.10-192.0.2.20\"]" &&
	test "$(json pools.json "d[\"items\"][0][\"metadata\"][\"generation\"]")" = 1 &&
	k get svc web -o json >web.json &&
	test "$(json web.json "d[\"spec\"][\"ports\"][0][\"nodePort\"] >= 30000")" = true &&
	test "$(json web.json "d[\"status\"]")" = "{\"loadBalancer\": {}}" &&
	test_must_fail k create -f svc.yaml 2>dup.err &&
	grep -q AlreadyExists dup.err
'

test_expect_success PYTHON3,CURL,KUBECTL 'kubectl patch --subresource=status: only status changes, body logged as sent' '
	ctl log/clear >/dev/null &&
	body="{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"192.0.2.10\"}]}},\"spec\":{\"type\":\"ClusterIP\"}}" &&
	k patch svc web --subresource=status --type=merge -p "$body" &&
	api "$U/api/v1/namespaces/default/services/web" >web.json &&
	test "$(json web.json "d[\"status\"][\"loadBalancer\"][\"ingress\"][0][\"ip\"]")" = 192.0.2.10 &&
	test "$(json web.json "d[\"spec\"][\"type\"]")" = LoadBalancer &&
	curl -sS "http://127.0.0.1:$(cat "$D/control-port")/log" >log.ndjson &&
	grep "\"method\": \"PATCH\"" log.ndjson >patch.line &&
	test "$(json patch.line "d[\"body\"]")" = "$body" &&
	test "$(json patch.line "d[\"path\"]")" = /api/v1/namespaces/default/services/web/status &&
	test "$(json patch.line "d[\"content_type\"]")" = application/merge-patch+json
'

test_expect_success PYTHON3,CURL,KUBECTL 'a main-resource patch ignores status' '
	k patch svc web --type=merge -p "{\"status\":{\"loadBalancer\":{}},\"metadata\":{\"labels\":{\"x\":\"y\"}}}" &&
	api "$U/api/v1/namespaces/default/services/web" >web.json &&
	test "$(json web.json "d[\"status\"][\"loadBalancer\"][\"ingress\"][0][\"ip\"]")" = 192.0.2.10 &&
	test "$(json web.json "d[\"metadata\"][\"labels\"][\"x\"]")" = y
'

test_expect_success PYTHON3,CURL,KUBECTL 'kubectl get svc -A -w -o json receives a change' '
	test_bg kwatch timeout 20 kubectl --kubeconfig "$D/kubeconfig" --cache-dir "$TRASH_DIRECTORY/kcache" \
		get svc -A -w -o json &&
	curl -sS --max-time 15 "http://127.0.0.1:$(cat "$D/control-port")/wait?watches=1&timeout=10" &&
	k label svc web changed=yes &&
	test_wait_for "grep -q changed kwatch.out" 15 &&
	kill "$(test_bg_pid kwatch)"
'

test_expect_success PYTHON3,CURL 'no token, a bad token: 401 Status' '
	code=$(curl -sS --cacert "$D/ca.crt" -o st.json -w "%{http_code}" "$U/api/v1/services") &&
	test "$code" = 401 && test "$(json st.json "d[\"reason\"]")" = Unauthorized &&
	code=$(curl -sS --cacert "$D/ca.crt" -H "Authorization: Bearer nope" -o st.json -w "%{http_code}" "$U/api/v1/services") &&
	test "$code" = 401 && test "$(json st.json "d[\"kind\"]")" = Status
'

test_expect_success PYTHON3,CURL 'a token without the resource: 403 Status, allowed ones work' '
	code=$(curl -sS --cacert "$D/ca.crt" -H "Authorization: Bearer watch-token" -o st.json -w "%{http_code}" "$U/api/v1/configmaps") &&
	test "$code" = 403 && test "$(json st.json "d[\"reason\"]")" = Forbidden &&
	code=$(curl -sS --cacert "$D/ca.crt" -H "Authorization: Bearer watch-token" -o /dev/null -w "%{http_code}" -X DELETE "$U/api/v1/namespaces/default/services/web") &&
	test "$code" = 403 &&
	code=$(curl -sS --cacert "$D/ca.crt" -H "Authorization: Bearer watch-token" -o /dev/null -w "%{http_code}" "$U/api/v1/services") &&
	test "$code" = 200
'

test_expect_success PYTHON3,CURL 'a CA that did not sign the server is refused' '
	mkdir -p other &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other/ca.key \
		-out other/ca.crt -days 1 -subj /CN=other 2>/dev/null &&
	code=0 && curl -sS --cacert other/ca.crt "$U/version" 2>ca.err || code=$? &&
	test "$code" = 60
'

test_expect_success PYTHON3,CURL 'pagination: limit/continue walks a consistent snapshot' '
	for i in 1 2 3 4 5; do
		api -o /dev/null -H "Content-Type: application/json" \
			-d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c$i\"}}" \
			"$U/api/v1/namespaces/default/configmaps" || return 1
	done &&
	api "$U/api/v1/configmaps?limit=2" >p1.json &&
	test "$(json p1.json "d[\"metadata\"][\"remainingItemCount\"]")" = 3 &&
	rv=$(json p1.json "d[\"metadata\"][\"resourceVersion\"]") &&
	api -o /dev/null -H "Content-Type: application/json" \
		-d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c0\"}}" \
		"$U/api/v1/namespaces/default/configmaps" &&
	api -X DELETE -o /dev/null "$U/api/v1/namespaces/default/configmaps/c5" &&
	names=$(json p1.json "\" \".join(i[\"metadata\"][\"name\"] for i in d[\"items\"])") &&
	cont=$(json p1.json "d[\"metadata\"][\"continue\"]") &&
	while test -n "$cont"; do
		api "$U/api/v1/configmaps?limit=2&continue=$cont" >p.json &&
		test "$(json p.json "d[\"metadata\"][\"resourceVersion\"]")" = "$rv" &&
		names="$names $(json p.json "\" \".join(i[\"metadata\"][\"name\"] for i in d[\"items\"])")" &&
		cont=$(json p.json "d[\"metadata\"].get(\"continue\", \"\")") || return 1
	done &&
	test "$names" = "c1 c2 c3 c4 c5" &&
	echo "$cont" >/dev/null
'

test_expect_success PYTHON3,CURL 'a continue token older than compacted history: 410 Expired' '
	api "$U/api/v1/configmaps?limit=2" >p1.json &&
	cont=$(json p1.json "d[\"metadata\"][\"continue\"]") &&
	api -X DELETE -o /dev/null "$U/api/v1/namespaces/default/configmaps/c1" &&
	ctl compact >/dev/null &&
	code=$(api -o st.json -w "%{http_code}" "$U/api/v1/configmaps?limit=2&continue=$cont") &&
	test "$code" = 410 && test "$(json st.json "d[\"reason\"]")" = Expired
'

test_expect_success PYTHON3,CURL 'update with a stale resourceVersion: 409 Conflict' '
	api "$U/api/v1/namespaces/default/configmaps/c2" >c2.json &&
	api -o /dev/null -X PATCH -H "Content-Type: application/merge-patch+json" -d "{\"data\":{\"a\":\"1\"}}" \
		"$U/api/v1/namespaces/default/configmaps/c2" &&
	code=$(api -o st.json -w "%{http_code}" -X PUT -H "Content-Type: application/json" --data-binary @c2.json \
		"$U/api/v1/namespaces/default/configmaps/c2") &&
	test "$code" = 409 && test "$(json st.json "d[\"reason\"]")" = Conflict
'

test_expect_success PYTHON3,CURL 'watch from a compacted resourceVersion: ERROR event with a 410 Status' '
	old=$(json c2.json "d[\"metadata\"][\"resourceVersion\"]") &&
	ctl compact >/dev/null &&
	api -D hdr.txt "$U/api/v1/configmaps?watch=1&resourceVersion=$old" >ev.json &&
	grep -qi "^transfer-encoding: chunked" hdr.txt &&
	test "$(json ev.json "d[\"type\"]")" = ERROR &&
	test "$(json ev.json "d[\"object\"][\"code\"]")" = 410 &&
	test "$(json ev.json "d[\"object\"][\"reason\"]")" = Expired
'

test_expect_success PYTHON3,CURL 'watch: events after the resourceVersion, then BOOKMARKs, then the timeout ends it' '
	rv=$(state_rv) &&
	api -o /dev/null -X PATCH -H "Content-Type: application/merge-patch+json" -d "{\"data\":{\"b\":\"2\"}}" \
		"$U/api/v1/namespaces/default/configmaps/c2" &&
	api -N "$U/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=$rv&allowWatchBookmarks=true&timeoutSeconds=3" >w.out &&
	head -n 1 w.out >first.json &&
	test "$(json first.json "d[\"type\"]")" = MODIFIED &&
	test "$(json first.json "d[\"object\"][\"data\"][\"b\"]")" = 2 &&
	grep "\"BOOKMARK\"" w.out | head -n 1 >bm.json &&
	test "$(json bm.json "list(d[\"object\"][\"metadata\"])")" = "[\"resourceVersion\"]" &&
	test "$(json bm.json "d[\"object\"][\"metadata\"][\"resourceVersion\"]")" = "$(state_rv)"
'

test_expect_success PYTHON3,CURL 'a watch stream cut mid-line: the client sees a torn line and a broken transfer' '
	rv=$(state_rv) &&
	test_bg cutw curl -sS -N --max-time 20 --cacert "$D/ca.crt" -H "Authorization: Bearer admin-token" \
		"$U/api/v1/configmaps?watch=1&resourceVersion=$rv" &&
	curl -sS --max-time 15 "http://127.0.0.1:$(cat "$D/control-port")/wait?watches=1&timeout=10" &&
	ctl "cut?mode=midline&when=next" >cut.json &&
	test "$(json cut.json "d[\"cut\"]")" -ge 1 &&
	api -o /dev/null -X PATCH -H "Content-Type: application/merge-patch+json" -d "{\"data\":{\"c\":\"3\"}}" \
		"$U/api/v1/namespaces/default/configmaps/c2" &&
	test_wait_for "grep -q \"(18)\" cutw.err" 15 &&
	test -s cutw.out &&
	test "$(tail -c 1 cutw.out | od -An -c | tr -d " ")" != "\\n" &&
	! /usr/bin/python3 -c "import json,sys; json.loads(open(sys.argv[1]).read())" cutw.out
'

test_expect_success PYTHON3,CURL 'injected failures: 429 with Retry-After, then normal service' '
	ctl "fail?count=1&status=429&retry_after=2&match=configmaps" >/dev/null &&
	code=$(api -D h429.txt -o st.json -w "%{http_code}" "$U/api/v1/configmaps") &&
	test "$code" = 429 && grep -qi "^retry-after: 2" h429.txt &&
	code=$(api -o /dev/null -w "%{http_code}" "$U/api/v1/configmaps") &&
	test "$code" = 200
'

test_expect_success PYTHON3,CURL,KUBECTL 'restart on the same port keeps objects and resourceVersion (--persist); SIGTERM ends watches cleanly' '
	rv=$(state_rv) && port=$(cat "$D/port") &&
	kill "$(test_bg_pid apiserver)" &&
	test_wait_for "! kill -0 $(test_bg_pid apiserver) 2>/dev/null" 10 &&
	rm -f "$D/port" &&
	start_server --port "$port" &&
	test "$(cat "$D/port")" = "$port" &&
	test "$(state_rv)" = "$rv" &&
	k get svc web -o json >web.json &&
	test "$(json web.json "d[\"status\"][\"loadBalancer\"][\"ingress\"][0][\"ip\"]")" = 192.0.2.10 &&
	test_bg endw curl -sS -N --max-time 20 --cacert "$D/ca.crt" -H "Authorization: Bearer admin-token" \
		"$U/api/v1/services?watch=1&resourceVersion=$rv" &&
	curl -sS --max-time 15 "http://127.0.0.1:$(cat "$D/control-port")/wait?watches=1&timeout=10" &&
	pid=$(test_bg_pid apiserver) && kill -TERM "$pid" &&
	test_wait_for "! kill -0 $pid 2>/dev/null" 10 &&
	test_wait_for "! kill -0 $(test_bg_pid endw) 2>/dev/null" 10 &&
	! test -s endw.err
'

test_expect_success PYTHON3,CURL,KUBECTL 'IPv6: the server on ::1 serves kubectl' '
	rm -f "$D/port" &&
	start_server --listen ::1 &&
	grep -q "server: \"https://\[::1\]:" "$D/kubeconfig" &&
	k get ns default -o json >ns.json &&
	test "$(json ns.json "d[\"status\"][\"phase\"]")" = Active &&
	kill "$(test_bg_pid apiserver)"
'

test_done
