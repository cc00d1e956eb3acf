#!/bin/sh
test_description='lb-probe --node-target: lb-watch Node events become one target per node'
. "$(dirname "$0")/test-lib.sh"

SERVER="/usr/bin/python3 $TEST_DIRECTORY/probe/server.py"

# node TYPE NAME ADDRESSES [LABELS]: an lb-watch Node event line.
node () {
	printf '{"type":"%s","object":{"apiVersion":"v1","kind":"Node","metadata":{"name":"%s","labels":{%s}},"status":{"addresses":[%s]}}}\n' \
		"$1" "$2" "${4:-}" "$3"
}

internal () {
	printf '{"type":"InternalIP","address":"%s"}' "$1"
}

lines () {
	test -f probe.out && wc -l <probe.out || echo 0
}

if test_have_prereq PYTHON3; then
	echo "200 ok" >web.ctl &&
	test_bg web $SERVER --port 0 --port-file web.port --control "$PWD/web.ctl" &&
	test_wait_for "test -s web.port" 10 &&
	port=$(cat web.port) || bail_out "cannot start the test server"
fi

test_expect_success PYTHON3 'nodes come, change address, share a target with a slice and go' '
	mkfifo in &&
	test_bg probe sh -c "exec lb-probe --json --interval 30ms --rise 1 --fall 1 \
		--node-target \"http://{ip}:$port/healthz\" \
		--endpoint-target \"http://{ip}:{port}/healthz\" <in" &&
	exec 8>in &&
	{
		node ADDED n1 "$(internal 127.0.0.1)" >&8 &&
		test_wait_for "test \$(lines) = 1" 10 &&
		node ADDED n2 "{\"type\":\"ExternalIP\",\"address\":\"203.0.113.9\"},$(internal 127.0.0.2)" >&8 &&
		test_wait_for "test \$(lines) = 2" 10 &&
		echo "{\"type\":\"SYNCED\",\"kind\":\"Node\"}" >&8 &&
		echo "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"namespace\":\"a\",\"name\":\"b\"}}}" >&8 &&
		node MODIFIED n2 "$(internal 127.0.0.2)" "\"zone\":\"b\"" >&8 &&
		node MODIFIED n1 "$(internal 127.0.0.3)" >&8 &&
		test_wait_for "test \$(lines) = 4" 10 &&
		printf "{\"type\":\"ADDED\",\"object\":{\"kind\":\"EndpointSlice\",\"metadata\":{\"namespace\":\"a\",\"name\":\"b-1\"},\"endpoints\":[{\"addresses\":[\"127.0.0.3\"]}],\"ports\":[{\"port\":%s}]}}\n" $port >&8 &&
		node DELETED n1 "" >&8 &&
		node ADDED n3 "{\"type\":\"Hostname\",\"address\":\"n3\"}" >&8 &&
		node MODIFIED n3 "$(internal ::1)" >&8 &&
		test_wait_for "test \$(lines) = 5" 10 &&
		printf "{\"type\":\"DELETED\",\"object\":{\"kind\":\"EndpointSlice\",\"metadata\":{\"namespace\":\"a\",\"name\":\"b-1\"}}}\n" >&8 &&
		test_wait_for "test \$(lines) = 6" 10 &&
		node DELETED n2 "" >&8 &&
		node DELETED n3 "" >&8
	} &&
	exec 8>&- &&
	test_wait_for "! kill -0 \$(test_bg_pid probe) 2>/dev/null" 10 &&
	jq -r "[.type, .target] | join(\" \")" probe.out >got &&
	printf "%s\n" \
		"UP http://127.0.0.1:$port/healthz" \
		"DOWN http://127.0.0.2:$port/healthz" \
		"REMOVED http://127.0.0.1:$port/healthz" \
		"DOWN http://127.0.0.3:$port/healthz" \
		"DOWN http://[::1]:$port/healthz" \
		"REMOVED http://127.0.0.3:$port/healthz" \
		"REMOVED http://127.0.0.2:$port/healthz" \
		"REMOVED http://[::1]:$port/healthz" >expect &&
	test_cmp expect got &&
	! grep -i "error" probe.err
'

test_expect_success 'the target text is what lb-elect maps to the node: the host part is its address' '
	node ADDED n1 "$(internal ::1)" |
		lb-probe --once --json --node-target "http://{ip}:9/{name}" --timeout 100ms >out;
	test $? = 1 &&
	jq -r .target out >got &&
	echo "http://[::1]:9/n1" >expect &&
	test_cmp expect got
'

test_expect_success 'Node events without --node-target are reported once and ignored' '
	{ node ADDED n1 "$(internal 127.0.0.1)" && node ADDED n2 "$(internal 127.0.0.2)"; } |
		lb-probe --json >out 2>err &&
	test_line_count = 1 err &&
	grep "no --node-target" err &&
	test ! -s out
'

test_expect_success 'bad templates and bad Node objects are named' '
	test_expect_code 2 lb-probe --node-target "tcp://{ip}:{port}" </dev/null 2>err &&
	grep "unknown placeholder" err &&
	test_expect_code 2 lb-probe --node-target "tcp://192.0.2.1:80" </dev/null 2>err &&
	grep "none of" err &&
	node ADDED "Bad_Name" "$(internal 127.0.0.1)" |
		lb-probe --json --node-target "tcp://{ip}:1" >out 2>err &&
	grep "<stdin>:1: Node .Bad_Name.: the name is not an RFC 1123 subdomain" err
'

test_done
