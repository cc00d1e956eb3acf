#!/bin/sh
test_description='lb-probe stream mode: transitions after exactly rise and fall results, no flapping, targets on stdin'
. "$(dirname "$0")/test-lib.sh"

SERVER="/usr/bin/python3 $TEST_DIRECTORY/probe/server.py"

# start_server NAME [ARG...]: an HTTP server on loopback answering what
# NAME.ctl says; the port lands in $port (reused when $port is set).
start_server () {
	name=$1 && shift &&
	rm -f "$name.port" &&
	test_bg "$name" $SERVER --port "${port:-0}" --port-file "$name.port" \
		--control "$PWD/$name.ctl" "$@" &&
	test_wait_for "test -s $name.port" 10 &&
	port=$(cat "$name.port")
}

# check_runs RISE FALL FILE: every UP follows exactly RISE successful CHECKs
# in a row, every DOWN exactly FALL failed ones, and the CHECK lines' state
# agrees.
check_runs () {
	jq -r "[.type, .result // \"-\", .state] | join(\" \")" "$3" |
	awk -v rise="$1" -v fall="$2" '
		$1 == "CHECK" {
			if ($2 == last) run++; else { run = 1; last = $2 }
			state = $3; next
		}
		$1 == "UP" && !(last == "ok" && run == rise && state == "UP") {
			print "UP after " run " " last; bad = 1
		}
		$1 == "DOWN" && !(last == "fail" && run == fall && state == "DOWN") {
			print "DOWN after " run " " last; bad = 1
		}
		END { exit bad }'
}

# every TYPE FILTER FILE: there are lines of TYPE and FILTER holds for each.
every () {
	jq -s -e "map(select(.type == \"$1\")) | length > 0 and all($2)" "$3" >/dev/null
}

count () {
	grep -c "\"type\":\"$1\"" "$2"
}

# One server for the whole script (started outside a test, it lives until
# the end); the first test starts and kills its own.
if test_have_prereq PYTHON3; then
	echo "200 ok" >web.ctl &&
	port= && start_server web && webport=$port || bail_out "cannot start the test server"
fi

test_expect_success PYTHON3 'a server going down and up: DOWN after exactly fall, UP after exactly rise' '
	echo "200 ok" >flaky.ctl &&
	port= && start_server flaky && flakyport=$port &&
	test_bg probe lb-probe --json --all --no-stdin --interval 50ms --timeout 2s \
		--rise 3 --fall 2 tcp://127.0.0.1:$flakyport http://127.0.0.1:$flakyport/ &&
	test_wait_for "test \$(count UP probe.out) = 2" 10 &&
	test_bg_kill flaky &&
	test_wait_for "test \$(count DOWN probe.out) = 2" 10 &&
	port=$flakyport && start_server flaky &&
	test_wait_for "test \$(count UP probe.out) = 4" 10 &&
	test_bg_kill probe &&
	grep -F "\"target\":\"tcp://127.0.0.1:$flakyport\"" probe.out >tcp.out &&
	grep -F "\"target\":\"http://127.0.0.1:$flakyport/\"" probe.out >http.out &&
	check_runs 3 2 tcp.out &&
	check_runs 3 2 http.out &&
	jq -r "select(.type != \"CHECK\") | .type" tcp.out >types &&
	printf "%s\n" UP DOWN UP >expect &&
	test_cmp expect types &&
	every DOWN "(.reason | test(\"refused\")) and .state == \"DOWN\" and (.time | test(\"^20[0-9-]+T[0-9:.]+Z$\"))" tcp.out &&
	every UP ".reason == \"HTTP 200\" and .rtt_ms >= 0" http.out
'

test_expect_success PYTHON3 'without --all only transitions are printed' '
	test_bg probe lb-probe --json --no-stdin --interval 30ms --rise 1 tcp://127.0.0.1:$webport &&
	test_wait_for "test -s probe.out" 10 &&
	sleep 0.3 &&
	test_bg_kill probe &&
	test_line_count = 1 probe.out &&
	jq -e ".type == \"UP\" and .target == \"tcp://127.0.0.1:$webport\" and (has(\"result\") | not)" probe.out
'

test_expect_success PYTHON3 'a flapping server with rise and fall does not flap the output' '
	echo "200 ok" >web.ctl &&
	test_bg probe lb-probe --json --all --no-stdin --interval 30ms --rise 2 --fall 2 \
		http://127.0.0.1:$webport/ &&
	test_wait_for "test \$(count UP probe.out) = 1" 10 &&
	echo flap >web.ctl &&
	test_wait_for "test \$(count CHECK probe.out) -ge 30" 10 &&
	echo "503 down" >web.ctl &&
	test_wait_for "test \$(count DOWN probe.out) = 1" 10 &&
	test_bg_kill probe &&
	check_runs 2 2 probe.out &&
	jq -r "select(.type != \"CHECK\") | .type" probe.out >types &&
	printf "%s\n" UP DOWN >expect &&
	test_cmp expect types &&
	jq -r "select(.type == \"CHECK\") | .reason" probe.out | uniq -c >reasons &&
	grep -c " 1 HTTP 503: status not expected" reasons >n503 &&
	test $(cat n503) -ge 5
'

test_expect_success PYTHON3 'the same flapping server with rise 1 and fall 1 does flap (the control)' '
	echo flap >web.ctl &&
	test_bg probe lb-probe --json --no-stdin --interval 30ms --rise 1 --fall 1 \
		http://127.0.0.1:$webport/ &&
	test_wait_for "test \$(wc -l <probe.out) -ge 6" 10 &&
	test_bg_kill probe
'

test_expect_success PYTHON3 'a hanging server times out check after check, and lb-probe keeps its pace' '
	echo hang >web.ctl &&
	echo "{\"type\":\"ADD\",\"target\":\"http://127.0.0.1:$webport/\",\"timeout_ms\":50}" >hang &&
	test_bg probe lb-probe --json --all --no-stdin --interval 100ms --fall 3 -f hang exec:true &&
	test_wait_for "grep -q DOWN probe.out" 10 &&
	test_wait_for "test \$(grep -c \"exec:true\" probe.out) -ge 10" 10 &&
	test_bg_kill probe &&
	grep -F "http://" probe.out >http.out &&
	check_runs 2 3 http.out &&
	every DOWN ".reason == \"timeout after 50 ms\"" http.out &&
	echo "200 ok" >web.ctl
'

test_expect_success 'targets added and removed on stdin' '
	mkfifo in &&
	test_bg probe sh -c "exec lb-probe --json --interval 30ms --rise 1 --fall 1 <in" &&
	exec 8>in &&
	echo "{\"type\":\"ADD\",\"target\":\"exec:true\"}" >&8 &&
	test_wait_for "grep -q \"\\\"UP\\\".*exec:true\" probe.out" 10 &&
	echo "{\"type\":\"ADD\",\"target\":\"exec:exit 4\",\"rise\":1,\"fall\":2}" >&8 &&
	test_wait_for "grep -q \"\\\"DOWN\\\".*exec:exit 4\" probe.out" 10 &&
	echo "not json" >&8 &&
	echo "{\"type\":\"ADD\",\"target\":\"tcp://nope\"}" >&8 &&
	echo "{\"type\":\"REMOVE\",\"target\":\"exec:true\"}" >&8 &&
	test_wait_for "grep -q REMOVED probe.out" 10 &&
	grep "<stdin>:3" probe.err &&
	grep "<stdin>:4: .tcp://nope.: expected HOST:PORT" probe.err &&
	echo "{\"type\":\"REMOVE\",\"target\":\"exec:exit 4\"}" >&8 &&
	exec 8>&- &&
	test_wait_for "! kill -0 \$(test_bg_pid probe) 2>/dev/null" 10 &&
	jq -r "[.type, .target] | join(\" \")" probe.out >got &&
	printf "%s\n" "UP exec:true" "DOWN exit 4" "REMOVED exec:true" "REMOVED exec:exit 4" >expect &&
	sed "s/DOWN exec:exit 4/DOWN exit 4/" got >got2 &&
	test_cmp expect got2
'

test_expect_success 'a target added twice keeps its state and takes the new options' '
	mkfifo in2 &&
	test_bg probe sh -c "exec lb-probe --json --all --interval 30ms --rise 1 --fall 1 <in2" &&
	exec 8>in2 &&
	echo "{\"type\":\"ADD\",\"target\":\"exec:true\"}" >&8 &&
	test_wait_for "grep -q \"\\\"UP\\\"\" probe.out" 10 &&
	echo "{\"type\":\"ADD\",\"target\":\"exec:true\",\"interval_ms\":20,\"rise\":5}" >&8 &&
	test_wait_for "test \$(count CHECK probe.out) -ge 12" 10 &&
	exec 8>&- &&
	test_bg_kill probe &&
	test $(count UP probe.out) = 1
'

slice () {
	printf "{\"type\":\"%s\",\"object\":{\"kind\":\"EndpointSlice\",\"metadata\":{\"namespace\":\"default\",\"name\":\"web-1\"},\"endpoints\":[%s],\"ports\":[{\"name\":\"http\",\"port\":%s}]}}\n" "$@"
}

test_expect_success PYTHON3 'lb-watch EndpointSlice events become targets, and changes add and remove them' '
	mkfifo in3 &&
	test_bg probe sh -c "exec lb-probe --json --interval 30ms --rise 1 --fall 1 \
		--endpoint-target \"http://{ip}:{port}/\" <in3" &&
	exec 8>in3 &&
	slice ADDED "{\"addresses\":[\"127.0.0.1\"]},{\"addresses\":[\"127.0.0.2\"],\"conditions\":{\"terminating\":true}}" $webport >&8 &&
	echo "{\"type\":\"SYNCED\",\"kind\":\"EndpointSlice\"}" >&8 &&
	test_wait_for "grep -q \"type.:.UP\" probe.out" 10 &&
	slice MODIFIED "{\"addresses\":[\"::1\"]}" 1 >&8 &&
	test_wait_for "grep -q \"type.:.DOWN\" probe.out" 10 &&
	slice DELETED "" 1 >&8 &&
	exec 8>&- &&
	test_wait_for "! kill -0 \$(test_bg_pid probe) 2>/dev/null" 10 &&
	jq -r "[.type, .target] | join(\" \")" probe.out >got &&
	printf "%s\n" "UP http://127.0.0.1:$webport/" "REMOVED http://127.0.0.1:$webport/" \
		"DOWN http://[::1]:1/" "REMOVED http://[::1]:1/" >expect &&
	test_cmp expect got
'

test_expect_success 'EndpointSlice events without --endpoint-target are reported' '
	slice ADDED "{\"addresses\":[\"127.0.0.1\"]}" 1 | lb-probe --json >out 2>err &&
	grep "no --endpoint-target" err &&
	test_expect_code 2 lb-probe --endpoint-target "tcp://{host}:80" </dev/null 2>err &&
	grep "unknown placeholder" err
'

test_expect_success 'SIGHUP reads the targets files again: gone targets go, new ones come, others keep their state' '
	printf "%s\n" exec:true exec:false >targets &&
	test_bg probe lb-probe --json --no-stdin --interval 30ms --rise 1 --fall 1 -f targets &&
	test_wait_for "test \$(wc -l <probe.out) = 2" 10 &&
	printf "%s\n" exec:true "exec:exit 3" >targets &&
	kill -HUP $(test_bg_pid probe) &&
	test_wait_for "test \$(wc -l <probe.out) = 4" 10 &&
	sleep 0.2 &&
	cp probe.out seen &&
	test_bg_kill probe &&
	jq -r "[.type, .target] | join(\" \")" seen | sort >got &&
	printf "%s\n" "DOWN exec:exit 3" "DOWN exec:false" "REMOVED exec:false" "UP exec:true" >expect &&
	test_cmp expect got &&
	grep "targets files read again: 2 targets" probe.err
'

test_expect_success 'SIGTERM ends the stream with 128+15' '
	test_bg probe sh -c "lb-probe --no-stdin --interval 1s exec:true; echo \$? >code" &&
	sleep 0.3 &&
	pkill_pid=$(pgrep -P $(test_bg_pid probe) lb-probe) &&
	kill -TERM $pkill_pid &&
	test_wait_for "test -s code" 10 &&
	test $(cat code) = 143
'

test_done
