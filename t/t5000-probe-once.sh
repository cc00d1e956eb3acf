#!/bin/sh
test_description='lb-probe --once: verdicts and exit codes against servers on loopback'
. "$(dirname "$0")/test-lib.sh"

SERVER="/usr/bin/python3 $TEST_DIRECTORY/probe/server.py"

# jq_target TARGET FILTER: FILTER is true of TARGET's line in out.
jq_target () {
	grep -F "\"target\":\"$1\"" out >one &&
	test_line_count = 1 one &&
	jq -e "$2" one >/dev/null
}

# start_server NAME [ARG...]: an HTTP server on a free loopback port, its
# answers read from NAME.ctl; the port lands in $port.
start_server () {
	name=$1 && shift &&
	rm -f "$name.port" &&
	test_bg "$name" $SERVER --port-file "$name.port" --control "$PWD/$name.ctl" "$@" &&
	test_wait_for "test -s $name.port" 10 &&
	port=$(cat "$name.port")
}

# Started outside a test, so it lives until the script ends.
if test_have_prereq PYTHON3; then
	echo "200 all good" >web.ctl &&
	start_server web &&
	webport=$port || bail_out "cannot start the test server"
fi

test_expect_success PYTHON3 'tcp and http targets that answer: exit 0, one JSON line each' '
	lb-probe --once --json tcp://127.0.0.1:$webport http://127.0.0.1:$webport/ >out &&
	test_line_count = 2 out &&
	jq -c "select(.type == \"UP\" and .state == \"UP\" and (.rtt_ms | type) == \"number\")" out >up &&
	test_line_count = 2 up &&
	jq -r .target out >targets &&
	printf "%s\n" tcp://127.0.0.1:$webport http://127.0.0.1:$webport/ >expect &&
	test_cmp expect targets &&
	jq -r .reason out >reasons &&
	printf "%s\n" connected "HTTP 200" >expect &&
	test_cmp expect reasons
'

test_expect_success PYTHON3 'a refused port: exit 1, DOWN with the reason' '
	test_expect_code 1 lb-probe --once --json tcp://127.0.0.1:$webport tcp://127.0.0.1:1 >out &&
	jq_target tcp://127.0.0.1:1 ".type == \"DOWN\" and (.reason | test(\"refused\"))" &&
	jq_target tcp://127.0.0.1:$webport ".type == \"UP\""
'

test_expect_success PYTHON3 'host names: localhost resolves, a name that does not is DOWN with the reason' '
	test_expect_code 1 lb-probe --once --json tcp://localhost:$webport \
		tcp://no-such-host.invalid:80 icmp://no-such-host.invalid >out &&
	jq_target tcp://localhost:$webport ".type == \"UP\" and .reason == \"connected\"" &&
	jq_target tcp://no-such-host.invalid:80 \
		".type == \"DOWN\" and (.reason | startswith(\"cannot resolve '"'"'no-such-host.invalid'"'"'\"))" &&
	jq_target icmp://no-such-host.invalid ".type == \"DOWN\""
'

test_expect_success PYTHON3 'text output is a table with a header' '
	test_expect_code 1 lb-probe --once --text tcp://127.0.0.1:$webport tcp://127.0.0.1:1 >out &&
	test_line_count = 3 out &&
	head -n 1 out | grep "^TARGET  *STATE  *RTT  *REASON$" &&
	grep "^tcp://127.0.0.1:$webport  *UP  *[0-9.]* ms  *connected$" out &&
	grep "^tcp://127.0.0.1:1  *DOWN  *-  *connect: Connection refused$" out
'

test_expect_success PYTHON3 'HTTP status matching' '
	echo "503 no endpoints" >web.ctl &&
	test_expect_code 1 lb-probe --once --json http://127.0.0.1:$webport/healthz >out &&
	jq -e ".type == \"DOWN\" and .reason == \"HTTP 503: status not expected\"" out &&
	lb-probe --once --json -s 200,500-503 http://127.0.0.1:$webport/healthz >out &&
	jq -e ".type == \"UP\" and .reason == \"HTTP 503\"" out &&
	echo "204 " >web.ctl &&
	lb-probe --once --json http://127.0.0.1:$webport/ &&
	test_expect_code 1 lb-probe --once --json -s 200 http://127.0.0.1:$webport/
'

test_expect_success PYTHON3 'HTTP body matching, Host header and method reach the server' '
	echo "200 ready" >web.ctl &&
	lb-probe --once --json -b "GET web.example ready" -H web.example http://127.0.0.1:$webport/ >out &&
	jq -e ".type == \"UP\"" out &&
	lb-probe --once --json -b "POST " -m POST http://127.0.0.1:$webport/ &&
	test_expect_code 1 lb-probe --once --json -b "not there" http://127.0.0.1:$webport/ >out &&
	jq -e ".type == \"DOWN\" and (.reason | test(\"body does not contain\"))" out
'

test_expect_success PYTHON3 'kube-proxy healthCheckNodePort: 200 up, 503 down' '
	echo "200 {\"localEndpoints\":1}" >web.ctl &&
	lb-probe --once http://127.0.0.1:$webport/healthz &&
	echo "503 {\"localEndpoints\":0}" >web.ctl &&
	test_expect_code 1 lb-probe --once http://127.0.0.1:$webport/healthz
'

test_expect_success PYTHON3 'a hanging server is a timeout, not a hang of lb-probe' '
	echo hang >web.ctl &&
	start=$(date +%s%N) &&
	test_expect_code 1 lb-probe --once --json -t 300ms http://127.0.0.1:$webport/ >out &&
	end=$(date +%s%N) &&
	jq -e ".type == \"DOWN\" and .reason == \"timeout after 300 ms\" and (has(\"rtt_ms\") | not)" out &&
	test $(( (end - start) / 1000000 )) -lt 2000
'

test_expect_success 'exec checks: exit status, signal, timeout killing the process group' '
	lb-probe --once --json "exec:test -d /" >out &&
	jq -e ".type == \"UP\" and .reason == \"exit status 0\"" out &&
	test_expect_code 1 lb-probe --once --json "exec:exit 7" >out &&
	jq -e ".type == \"DOWN\" and .reason == \"exit status 7\"" out &&
	test_expect_code 1 lb-probe --once --json "exec:kill -TERM \$\$" >out &&
	jq -e ".reason == \"killed by signal 15\"" out &&
	start=$(date +%s%N) &&
	test_expect_code 1 lb-probe --once --json -t 200ms "exec:sleep 30 & echo \$! >child.pid; wait" >out &&
	end=$(date +%s%N) &&
	jq -e ".type == \"DOWN\" and .reason == \"timeout after 200 ms: killed\"" out &&
	test $(( (end - start) / 1000000 )) -lt 2000 &&
	test_wait_for "! kill -0 $(cat child.pid) 2>/dev/null" 5
'

test_expect_success 'exec commands run with default signals and stdin on /dev/null' '
	lb-probe --once "exec:test \$(cat | wc -c) = 0" </dev/zero &&
	lb-probe --once "exec:sleep 0.1 & kill -PIPE \$! 2>/dev/null; wait \$!; test \$? = 141"
'

test_expect_success 'rise and fall with --once take that many results' '
	echo 0 >n &&
	lb-probe --once --json --rise 3 --interval 20ms "exec:echo x >>runs" >out &&
	test_line_count = 3 runs &&
	rm runs &&
	test_expect_code 1 lb-probe --once --json --fall 2 --interval 20ms "exec:echo x >>runs; false" &&
	test_line_count = 2 runs
'

test_expect_success 'bad targets: exit 2, each named on one line, nothing probed' '
	test_expect_code 2 lb-probe --once "exec:echo x >ran" ftp://192.0.2.1/ tcp://192.0.2.1 \
		"http://exa mple/" 2>err &&
	test_line_count = 3 err &&
	grep "^lb-probe: error: .ftp://192.0.2.1/.: unknown target type" err &&
	grep "^lb-probe: error: .tcp://192.0.2.1.: expected HOST:PORT" err &&
	grep "^lb-probe: error: .http://exa mple/.: bad URL" err &&
	! test -e ran
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 lb-probe --once </dev/null 2>err &&
	grep "no targets" err &&
	test_expect_code 2 lb-probe --once --rise 0 exec:true 2>err &&
	grep -- "--rise" err &&
	test_expect_code 2 lb-probe --once --interval 5x exec:true 2>err &&
	grep -- "--interval" err &&
	test_expect_code 2 lb-probe --once -s 99 exec:true 2>err &&
	grep -- "--expect-status" err
'

test_expect_success 'targets from a file, with comments and ADD lines' '
	cat >targets <<-EOF &&
	# backends
	exec:true

	{"type":"ADD","target":"exec:exit 1","rise":1,"fall":1}
	EOF
	test_expect_code 1 lb-probe --once --json -f targets >out &&
	test_line_count = 2 out &&
	echo "tcp://nope" >>targets &&
	test_expect_code 2 lb-probe --once -f targets 2>err &&
	grep "^lb-probe: error: targets:5: .tcp://nope.: expected HOST:PORT" err
'

test_expect_success '--once reads ADD lines from stdin when given no target' '
	printf "%s\n" "{\"type\":\"ADD\",\"target\":\"exec:true\"}" \
		"{\"type\":\"ADD\",\"target\":\"exec:false\"}" |
	test_expect_code 1 lb-probe --once --json >out &&
	test_line_count = 2 out
'

test_expect_success 'exec: commands start with the descriptor limit lb-probe had, not the one it raised' '
	(ulimit -S -n 1000 && ulimit -H -n 4096 && lb-probe --once "exec:ulimit -n >limit") &&
	test "$(cat limit)" = 1000
'

test_done
