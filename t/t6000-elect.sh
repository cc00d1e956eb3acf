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
	grep -F "{\"type\":\"ANNOUNCE\",\"ip\":\"203.0.113.10\",\"via\":\"bgp\",\"peers\":[\"router\"],\"communities\":[\"64512:100\"],\"localPref\":100,\"advertisement\":\"metallb-system/bgp\"}" out.node-b &&
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

# --health-listen: port 0 picks a free one, which lb-elect logs with -v.
health_port() {
	sed -n "s|.*health endpoint on http://127.0.0.1:\([0-9]*\)/healthz.*|\1|p" "$1"
}

test_expect_success CURL 'the health endpoint says 503 before SYNCED and 200 after' '
	mkfifo in.health &&
	test_bg health sh -c "lb-elect --node $owner -v --health-listen 127.0.0.1:0 <in.health" &&
	exec 8>in.health &&
	test_wait_for "test -n \"\$(health_port health.err)\"" 10 &&
	port=$(health_port health.err) &&
	test "$(curl -s -o body -w "%{http_code}" http://127.0.0.1:$port/healthz)" = 503 &&
	grep -v "\"SYNCED\",\"kind\":\"Service\"" "$cluster" >&8 &&
	test "$(curl -s -o body -w "%{http_code}" http://127.0.0.1:$port/healthz)" = 503 &&
	echo "{\"type\":\"SYNCED\",\"kind\":\"Service\"}" >&8 &&
	test_wait_for "grep -q ANNOUNCE health.out" 10 &&
	test "$(curl -s -o body -w "%{http_code}" http://127.0.0.1:$port/healthz)" = 200 &&
	echo ok >expect && test_cmp expect body &&
	test "$(curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:$port/metrics)" = 404 &&
	test "$(curl -s -o /dev/null -w "%{http_code}" -X POST http://127.0.0.1:$port/healthz)" = 405 &&
	test "$(curl -s -o /dev/null -w "%{http_code}" -I http://127.0.0.1:$port/healthz)" = 200 &&
	exec 8>&-
'

test_expect_success CURL,PYTHON3 'clients that connect and send nothing block neither lines nor checks' '
	mkfifo in.idle &&
	test_bg idle sh -c "lb-elect --node $owner -v --health-listen 127.0.0.1:0 <in.idle" &&
	exec 8>in.idle &&
	test_wait_for "test -n \"\$(health_port idle.err)\"" 10 &&
	port=$(health_port idle.err) &&
	# More silent clients than lb-elect keeps (16), held for 5 s.
	test_bg silent "$PYTHON3" -c "
import socket, sys, time
s = [socket.create_connection((\"127.0.0.1\", $port)) for _ in range(20)]
print(\"connected\", flush=True)
time.sleep(5)
" &&
	test_wait_for "grep -q connected silent.out" 10 &&
	cat "$cluster" >&8 &&
	test_wait_for "grep -q ANNOUNCE idle.out" 3 &&
	test "$(curl -s -m 1 -o /dev/null -w "%{http_code}" http://127.0.0.1:$port/healthz)" = 200 &&
	exec 8>&-
'

test_expect_success PYTHON3 'a client that stays silent is closed after a second' '
	mkfifo in.slow &&
	test_bg slow sh -c "lb-elect --node $other -v --health-listen 127.0.0.1:0 <in.slow" &&
	exec 8>in.slow &&
	test_wait_for "test -n \"\$(health_port slow.err)\"" 10 &&
	port=$(health_port slow.err) &&
	"$PYTHON3" -c "
import socket, time
s = socket.create_connection((\"127.0.0.1\", $port))
s.settimeout(5)
t = time.monotonic()
assert s.recv(100) == b\"\"
print(round(time.monotonic() - t, 1))
" >closed &&
	exec 8>&- &&
	awk "{ exit !(\$1 >= 0.8 && \$1 <= 3) }" closed
'

test_expect_success 'a FIFO --input of lb-probe lines moves the L2 owner; its writer may come and go' '
	down="{\"type\":\"DOWN\",\"target\":\"http://$owner_ip:7473/healthz\",\"state\":\"DOWN\",\"reason\":\"timeout\"}" &&
	up="{\"type\":\"UP\",\"target\":\"http://$owner_ip:7473/healthz\",\"state\":\"UP\"}" &&
	mkfifo in.watch probes &&
	test_bg fifo sh -c "lb-elect --node $other --text --input probes <in.watch" &&
	exec 8>in.watch &&
	cat "$cluster" >&8 &&
	# Half a DOWN line from one writer, which then goes away...
	printf "%s" "${down%????????????????????}" >probes &&
	# ...while lines go on arriving on standard input.
	echo "{\"type\":\"BOOKMARK\",\"object\":{}}" >&8 &&
	printf "%s\n" "${down#${down%????????????????????}}" >probes &&
	test_wait_for "grep -q \"^ANNOUNCE 192.0.2.10\" fifo.out" 10 &&
	echo "$up" >probes &&
	test_wait_for "grep -q \"^WITHDRAW 192.0.2.10\" fifo.out" 10 &&
	exec 8>&- &&
	test_wait_for "! kill -0 $(test_bg_pid fifo) 2>/dev/null" 10 &&
	grep -v 203.0.113.10 fifo.out >l2.out &&
	cat >expect <<-\EOF &&
	ANNOUNCE 192.0.2.10 via=l2 interface=eth0
	WITHDRAW 192.0.2.10 via=l2 interface=eth0
	EOF
	test_cmp expect l2.out &&
	! grep -i "error\|bad" fifo.err
'

test_expect_success 'a regular --input file is read to its end; a missing one is an error' '
	echo "$down" >downs &&
	lb-elect --node $other --text --input downs <"$cluster" >reg.out &&
	grep "^ANNOUNCE 192.0.2.10" reg.out &&
	test_expect_code 3 lb-elect --node $other --input nonexistent <"$cluster" 2>err &&
	grep nonexistent err
'

test_expect_success 'BGPPeers selecting this node pass through before the ANNOUNCE naming them' '
	peer="{\"apiVersion\":\"metallb.io/v1beta2\",\"kind\":\"BGPPeer\",\"metadata\":{\"namespace\":\"metallb-system\",\"name\":\"router\"},\"spec\":{\"myASN\":64512,\"peerASN\":64513,\"peerAddress\":\"192.0.2.1\",\"nodeSelectors\":[{\"matchLabels\":{\"zone\":\"b\"}}]}}" &&
	other_peer="{\"apiVersion\":\"metallb.io/v1beta2\",\"kind\":\"BGPPeer\",\"metadata\":{\"namespace\":\"metallb-system\",\"name\":\"far\"},\"spec\":{\"myASN\":64512,\"peerASN\":64513,\"peerAddress\":\"192.0.2.2\",\"nodeSelectors\":[{\"matchLabels\":{\"zone\":\"z\"}}]}}" &&
	{ echo "{\"type\":\"ADDED\",\"object\":$peer}"; echo "{\"type\":\"ADDED\",\"object\":$other_peer}"; cat "$cluster"; } >peers.in &&
	lb-elect --node node-b <peers.in >peers.out &&
	head -n 1 peers.out >first &&
	echo "{\"type\":\"ADDED\",\"object\":$peer}" >expect &&
	test_cmp expect first &&
	grep -n "\"via\":\"bgp\",\"peers\":\[\"router\"\]" peers.out &&
	! grep far peers.out &&
	lb-elect --node node-a <peers.in >peers.a &&
	! grep BGPPeer peers.a
'

test_expect_success 'a peer that stops selecting the node: WITHDRAW, then DELETED' '
	mkfifo in.peers &&
	sed "s/\"name\":\"bgp\"},\"spec\":{/&\"nodeSelectors\":[{\"matchLabels\":{\"zone\":\"b\"}}],/" peers.in >peers2.in &&
	grep -q "nodeSelectors\":\[{\"matchLabels\":{\"zone\":\"b\"}}\],\"ipAddressPools" peers2.in &&
	test_bg peers sh -c "lb-elect --node node-b <in.peers" &&
	exec 8>in.peers &&
	cat peers2.in >&8 &&
	test_wait_for "grep -q ANNOUNCE peers.out" 10 &&
	echo "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-b\",\"labels\":{\"zone\":\"z\"}},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.0.2.22\"}]}}}" >&8 &&
	exec 8>&- &&
	test_wait_for "! kill -0 $(test_bg_pid peers) 2>/dev/null" 10 &&
	grep -v 192.0.2.10 peers.out |
	sed "s/\"object\":{\"apiVersion\":\"metallb.io\/v1beta2\",\"kind\":\"\([A-Za-z]*\)\",\"metadata\":{\"namespace\":\"metallb-system\",\"name\":\"\([a-z]*\)\".*/\1 \2/; s/\"ip\":\"\([0-9.]*\)\".*/\1/; s/^{\"type\":\"\([A-Z]*\)\",/\1 /" >got &&
	cat >expect <<-\EOF &&
	ADDED BGPPeer router
	ANNOUNCE 203.0.113.10
	ADDED BGPPeer far
	WITHDRAW 203.0.113.10
	DELETED BGPPeer router
	EOF
	test_cmp expect got
'

test_expect_success CURL 'speakers watch each other: lb-probe on the owner'"'"'s health endpoint, through a FIFO' '
	sed "s/\"address\":\"$owner_ip\"/\"address\":\"127.0.0.1\"/" "$cluster" >lo.cluster &&
	grep -q 127.0.0.1 lo.cluster &&
	mkfifo in.a in.b watch &&
	test_bg spa sh -c "lb-elect --node $owner -v --health-listen 127.0.0.1:0 <in.a" &&
	exec 8>in.a &&
	cat lo.cluster >&8 &&
	test_wait_for "grep -q ANNOUNCE spa.out" 10 &&
	test_wait_for "test -n \"\$(health_port spa.err)\"" 10 &&
	port=$(health_port spa.err) &&
	test_bg spb sh -c "lb-elect --node $other --text --input watch <in.b" &&
	exec 9>in.b &&
	cat lo.cluster >&9 &&
	test_bg watcher sh -c "lb-probe --no-stdin --interval 100ms -t 100ms --fall 2 --rise 1 http://127.0.0.1:$port/healthz | tee watch.log >watch" &&
	test_wait_for "grep -q UP watch.log" 10 &&
	sleep 0.3 &&
	! grep "192.0.2.10" spb.out &&
	test_bg_kill spa &&
	test_wait_for "grep -q \"^ANNOUNCE 192.0.2.10\" spb.out" 10 &&
	grep DOWN watch.log &&
	exec 8>&- 9>&-
'

test_expect_success '--health-listen: a malformed spec is a usage error, a port in use exit 3' '
	test_expect_code 2 lb-elect --node a --health-listen 2001:db8::1:80 </dev/null 2>err &&
	grep "brackets" err &&
	mkfifo in.busy &&
	test_bg busy sh -c "lb-elect --node a -v --health-listen 127.0.0.1:0 <in.busy" &&
	exec 8>in.busy &&
	test_wait_for "test -n \"\$(health_port busy.err)\"" 10 &&
	test_expect_code 3 lb-elect --node a --health-listen 127.0.0.1:$(health_port busy.err) </dev/null 2>err &&
	grep -i "in use" err &&
	exec 8>&-
'

# MetalLB's rule: a Service is announced only while one of its endpoints
# is ready (or terminating but still serving). node-a is NotReady here, so
# node-b owns the L2 address; its Local Service's ANNOUNCE tells that the
# first batch has been read.
slice_line() { # NAME SERVICE NODE READY [TYPE]
	printf '{"type":"%s","object":{"kind":"EndpointSlice","metadata":{"namespace":"default","name":"%s","labels":{"kubernetes.io/service-name":"%s"}},"endpoints":[{"addresses":["198.51.100.5"],"nodeName":"%s","conditions":{"ready":%s}}]}}\n' \
		"${5:-MODIFIED}" "$1" "$2" "$3" "$4"
}

test_expect_success 'Cluster policy: 0 -> 1 -> 0 -> 1 ready endpoints, over L2 and BGP; Local follows its endpoint' '
	api="{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"namespace\":\"default\",\"name\":\"api\",\"annotations\":{\"metallb.io/ip-allocated-from-pool\":\"bgppool\"}},\"spec\":{\"type\":\"LoadBalancer\",\"externalTrafficPolicy\":\"Cluster\"},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"203.0.113.20\"}]}}}}" &&
	grep -v "\"name\":\"web-fghij\"" "$cluster" |
	sed "/\"name\":\"node-a\"/s/\"Ready\",\"status\":\"True\"/\"Ready\",\"status\":\"False\"/" |
	sed "/\"SYNCED\",\"kind\":\"Service\"/i\\
$api" >noeps &&
	test "$(grep -c "\"Ready\",\"status\":\"False\"" noeps)" = 1 &&
	grep -q 203.0.113.20 noeps && ! grep -q web-fghij noeps &&
	mkfifo in.eps &&
	test_bg eps sh -c "lb-elect --node node-b --text <in.eps" &&
	exec 8>in.eps &&
	cat noeps >&8 &&
	test_wait_for "grep -q \"^ANNOUNCE 203.0.113.10\" eps.out" 10 &&
	! grep "192.0.2.10\|203.0.113.20" eps.out &&
	slice_line web-1 web node-c true ADDED >&8 &&
	slice_line api-1 api node-a true ADDED >&8 &&
	test_wait_for "grep -q \"^ANNOUNCE 192.0.2.10\" eps.out && grep -q \"^ANNOUNCE 203.0.113.20\" eps.out" 10 &&
	slice_line web-1 web node-c false >&8 &&
	echo "{\"type\":\"DELETED\",\"object\":{\"kind\":\"EndpointSlice\",\"metadata\":{\"namespace\":\"default\",\"name\":\"api-1\"}}}" >&8 &&
	test_wait_for "grep -q \"^WITHDRAW 192.0.2.10\" eps.out && grep -q \"^WITHDRAW 203.0.113.20\" eps.out" 10 &&
	slice_line web-1 web node-c true >&8 &&
	test_wait_for "test \$(grep -c \"^ANNOUNCE 192.0.2.10\" eps.out) = 2" 10 &&
	slice_line local-abcde local node-b false >&8 &&
	test_wait_for "grep -q \"^WITHDRAW 203.0.113.10\" eps.out" 10 &&
	slice_line local-abcde local node-b true >&8 &&
	test_wait_for "test \$(grep -c \"^ANNOUNCE 203.0.113.10\" eps.out) = 2" 10 &&
	exec 8>&- &&
	test_wait_for "! kill -0 $(test_bg_pid eps) 2>/dev/null" 10 &&
	sed "s/ peers=.*//" eps.out >got &&
	cat >expect <<-\EOF &&
	ANNOUNCE 203.0.113.10 via=bgp
	ANNOUNCE 192.0.2.10 via=l2 interface=eth0
	ANNOUNCE 203.0.113.20 via=bgp
	WITHDRAW 192.0.2.10 via=l2 interface=eth0
	WITHDRAW 203.0.113.20 via=bgp
	ANNOUNCE 192.0.2.10 via=l2 interface=eth0
	WITHDRAW 203.0.113.10 via=bgp
	ANNOUNCE 203.0.113.10 via=bgp
	EOF
	test_cmp expect got
'

test_expect_success 'Cluster policy, no endpoint: no node announces; nothing before the slices SYNCED' '
	for n in node-a node-b node-c; do
		grep -v "\"name\":\"web-fghij\"" "$cluster" | lb-elect --node $n >none.$n || return 1
	done &&
	! grep -h 192.0.2.10 none.node-a none.node-b none.node-c &&
	grep -v "\"SYNCED\",\"kind\":\"EndpointSlice\"" "$cluster" | lb-elect --node $owner >out 2>err &&
	test_line_count = 0 out &&
	grep "before SYNCED from: EndpointSlice" err
'

test_expect_success '--node is required' '
	test_expect_code 2 lb-elect </dev/null 2>err &&
	grep -- "--node" err
'

test_done
