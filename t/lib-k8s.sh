# The test API server (t/k8s/apiserver.py) for the scripts that run against
# it: its directory $D (ca.crt, kubeconfig, port, control-port), client
# helpers, and its start. Source after test-lib.sh. The server needs
# python3, curl and openssl (scripts/install-deps installs them): without
# them the script is skipped (a failure under LBKIT_TEST_STRICT).

APISERVER="/usr/bin/python3 $TEST_DIRECTORY/k8s/apiserver.py"
D=$TRASH_DIRECTORY/api

if ! test -x /usr/bin/python3 || ! command -v curl >/dev/null 2>&1 ||
	! command -v openssl >/dev/null 2>&1; then
	skip_all='python3, curl or openssl missing'
	test_done
fi

# api CURL-ARGUMENT...: a request to the API as the admin (admin-token).
api () {
	curl -sS --max-time 20 --cacert "$D/ca.crt" -H "Authorization: Bearer admin-token" "$@"
}

# ctl PATH: a POST to the server's control port (cut, delete, ...).
ctl () {
	curl -sS --max-time 20 -X POST "http://127.0.0.1:$(cat "$D/control-port")/$1"
}

# mksvc NS NAME [EXTRA-SPEC]: a LoadBalancer Service on port 80; EXTRA-SPEC
# is more JSON members for its spec.
mksvc () {
	api -o /dev/null -H "Content-Type: application/json" \
		-d "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"$2\"},\"spec\":{\"type\":\"LoadBalancer\",\"ports\":[{\"port\":80}]${3:+,$3}}}" \
		"$U/api/v1/namespaces/$1/services"
}

# apiserver_start [OPTION...]: the server in the background (test_bg name
# apiserver) with the admin token and directory $D; waits up to 20 seconds
# for it to listen and sets U to its URL.
apiserver_start () {
	test_bg apiserver $APISERVER --dir "$D" --token admin-token "$@" &&
	test_wait_for 'test -s "$D/port"' 20 &&
	U=https://127.0.0.1:$(cat "$D/port")
}
