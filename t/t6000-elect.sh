#!/bin/sh
test_description='lb-elect: recorded cluster lines in, ANNOUNCE/WITHDRAW out'
. "$(dirname "$0")/test-lib.sh"

cluster="$TEST_DIRECTORY/elect/cluster.ndjson"
notready() {
	printf '{"type":"MODIFIED","object":{"kind":"Node","metadata":{"name":"%s"},"status":{"conditions":[{"type":"Ready","status":"False"}]}}}\n' "$1"
}

test_expect_success 'exactly one node announces the L2 address; the excluded node nothing' '
	for n in node-a node-b node-c; do
		lb-elect --node $n <"$cluster" >out.$n || return 1
	done &&
	cat out.node-a out.node-b out.node-c >all &&
	test "$(grep -c "\"via\":\"l2\"" all)" = 1 &&
	grep -F "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.10\",\"via\":\"l2\",\"interface\":\"eth0\"}" all &&
	test_line_count = 0 out.node-c
'

# The rank of lb-elect(8) decides which of node-a and node-b owns it; the
# tests below take over from whichever it is.
owner=$(grep -l "\"via\":\"l2\"" out.node-a out.node-b | sed "s/^out\.//")
case $owner in node-a) other=node-b owner_ip=192.0.2.21 ;; *) other=node-a owner_ip=192.0.2.22 ;; esac

test_expect_success 'Local policy: only the node with a ready endpoint announces over BGP' '
	grep -F "{\"type\":\"ANNOUNCE\",\"ip\":\"203.0.113.10\",\"via\":\"bgp\",\"peers\":[\"router\"],\"communities\":[\"64512:100\"],\"localPref\":100}" out.node-b &&
	! grep 203.0.113.10 out.node-a
'

test_expect_success 'the same view gives the same answer every time' '
	lb-elect --node node-b <"$cluster" >again &&
	test_cmp out.node-b again
'

test_expect_success 'nothing is announced before every kind has SYNCED' '
	grep -v "\"SYNCED\",\"kind\":\"Service\"" "$cluster" >partial &&
	lb-elect --node node-a <partial >out 2>err &&
	test_line_count = 0 out &&
	grep "before SYNCED from: Service" err
'

# The steps below must reach lb-elect as separate reads (it elects once per
# batch read), so each is sent only after the previous one's output shows.
test_expect_success 'the owner goes NotReady: it withdraws, the other node takes over' '
	mkfifo in.owner &&
	test_bg owner sh -c "lb-elect --node $owner <in.owner >fo.$owner" &&
	exec 8>in.owner &&
	cat "$cluster" >&8 &&
	test_wait_for "grep -q ANNOUNCE fo.$owner" 10 &&
	notready $owner >&8 &&
	exec 8>&- &&
	test_wait_for "grep -q WITHDRAW fo.$owner" 10 &&
	grep -F "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.10\",\"via\":\"l2\",\"interface\":\"eth0\"}" fo.$owner &&
	grep -F "{\"type\":\"WITHDRAW\",\"ip\":\"192.0.2.10\",\"via\":\"l2\",\"interface\":\"eth0\"}" fo.$owner &&
	# Read at once or apart, the other node ends up announcing, never withdrawing.
	{ cat "$cluster"; notready $owner; } | lb-elect --node $other >fo.$other &&
	grep -F "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.10\",\"via\":\"l2\"" fo.$other &&
	! grep WITHDRAW fo.$other
'

test_expect_success 'lb-probe reports the owner DOWN: same takeover; UP gives it back' '
	down="{\"type\":\"DOWN\",\"target\":\"tcp://$owner_ip:7472\",\"state\":\"DOWN\",\"reason\":\"timeout\"}" &&
	up="{\"type\":\"UP\",\"target\":\"tcp://$owner_ip:7472\",\"state\":\"UP\"}" &&
	mkfifo in.probe &&
	test_bg probe sh -c "lb-elect --node $other --text <in.probe >probe.out" &&
	exec 8>in.probe &&
	cat "$cluster" >&8 &&
	echo "$down" >&8 &&
	test_wait_for "grep -q \"^ANNOUNCE 192.0.2.10\" probe.out" 10 &&
	echo "$up" >&8 &&
	exec 8>&- &&
	test_wait_for "grep -q \"^WITHDRAW 192.0.2.10\" probe.out" 10 &&
	grep -v 203.0.113.10 probe.out >l2.out &&
	cat >expect <<-\EOF &&
	ANNOUNCE 192.0.2.10 via=l2 interface=eth0
	WITHDRAW 192.0.2.10 via=l2 interface=eth0
	EOF
	test_cmp expect l2.out
'

test_expect_success 'bare objects with --require-sync none' '
	grep -v SYNCED "$cluster" | sed "s/^{\"type\":\"ADDED\",\"object\":\(.*\)}$/\1/" >bare &&
	lb-elect --node $owner --require-sync none <bare >out &&
	grep -F "\"ip\":\"192.0.2.10\",\"via\":\"l2\"" out
'

test_expect_success 'a bad line is reported with its number and skipped; exit 2' '
	{ echo "{\"type\":\"ADDED\"}"; cat "$cluster"; } >bad &&
	test_expect_code 2 lb-elect --node $owner <bad >out 2>err &&
	grep "<stdin>:1:" err &&
	grep -F "192.0.2.10" out
'

test_expect_success '--node is required' '
	test_expect_code 2 lb-elect </dev/null 2>err &&
	grep -- "--node" err
'

test_done
