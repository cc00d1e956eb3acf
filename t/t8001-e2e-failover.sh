#!/bin/sh
test_description='end to end: one L2 owner, takeover when it dies, BGP routes withdrawn when a node stops'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-testbed.sh"

P=ROOT,NETNS,BIRD,ARPING,PYTHON3,JQ,CURL

test_expect_success $P 'set up: router, three nodes, client; controller and speakers on examples/' '
	TB_DIR=$TRASH_DIRECTORY/tb &&
	tb_init &&
	tb_up &&
	tb_ready &&
	web=$(tb_service_ip default/web) &&
	api=$(tb_service_ip default/api) &&
	test "$web" = 192.0.2.200 &&
	test "$api" = 203.0.113.10
'

test_expect_success $P 'exactly one node answers ARP for the L2 address, and it serves the request' '
	tb_arp_macs $web >macs &&
	test_line_count = 1 macs &&
	owner=$(tb_mac_node "$(cat macs)") &&
	test "$(tb_get $web)" = "$owner"
'

test_expect_success $P 'a node stops (SIGTERM): the router withdraws its BGP route at once' '
	test "$(tb_nexthops $api | tr "\n" " ")" = "node-a node-b node-c " &&
	stopped=node-b &&
	test "$owner" != node-b || stopped=node-a &&
	tb_stop speaker-$stopped &&
	# Cease, not the 9 s hold timer: well under the hold time.
	tb_wait "! tb_nexthops $api | grep -qx $stopped" 4 &&
	test $(tb_nexthops $api | wc -l) = 2 &&
	! tb_bgp_established $stopped &&
	test -n "$(tb_get $api)"
'

test_expect_success $P 'it starts again: its route comes back' '
	tb_speaker_start $stopped &&
	tb_wait "tb_nexthops $api | grep -qx $stopped" 20 &&
	test $(tb_nexthops $api | wc -l) = 3
'

test_expect_success $P 'the L2 owner dies: another node takes over and answers the next request' '
	tb_bg client ip netns exec "$(tb_ns client)" "$TB_PY" "$TB_T/testbed-client.py" $web 10 100 20 &&
	tb_wait "grep -q \" $owner\$\" \"$TB_DIR/client.out\"" 10 &&
	kill_at=$(date +%s.%N) &&
	tb_node_down $owner &&
	tb_wait "awk -v t0=$kill_at -v old=$owner \"\\\$1 > t0 && \\\$2 != old && \\\$2 != \\\"-\\\" { f = 1 } END { exit !f }\" \"$TB_DIR/client.out\"" 10 &&
	new=$(awk -v t0=$kill_at -v old=$owner "\$1 > t0 && \$2 != old && \$2 != \"-\" { print \$2; exit }" "$TB_DIR/client.out") &&
	test "$new" != "$owner" &&
	test "$(tb_neigh_owner $web)" = "$new" &&
	test "$(tb_get $web)" = "$new" &&
	tb_arp_macs $web >macs &&
	test_line_count = 1 macs &&
	test "$(tb_mac_node "$(cat macs)")" = "$new"
'

test_expect_success $P 'the dead node'"'"'s BGP routes go when its session times out' '
	# Nothing told the router: the 9 s hold time of examples/bgppeers.yaml.
	tb_wait "! tb_nexthops $api | grep -qx $owner" 20 &&
	test -n "$(tb_get $api)"
'

test_done
