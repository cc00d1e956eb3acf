#!/bin/sh
test_description='lb-arp-announce --monitor: ARP and NDP traffic, and two owners of one VIP'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-arp.sh"

test_expect_success 'usage errors' '
	test_expect_code 2 lb-arp-announce --monitor 2>err &&
	test_expect_code 2 lb-arp-announce --monitor -i x 192.0.2.0/33 2>err &&
	test_expect_code 2 lb-arp-announce --monitor -i x --window 0 2>err
'

test_expect_success ROOT,NETNS,ARPING 'set up the LAN and a monitor on the client' '
	arp_lan_setup &&
	arp_monitor mon "$NS_c" --json -i br0 192.0.2.64/26 2001:db8::/120 &&
	sleep 0.5
'

test_expect_success ROOT,NETNS,ARPING,JQ 'requests and replies, with timestamps, for watched addresses only' '
	ip netns exec "$NS_c" arping -c 1 -I br0 192.0.2.1 >/dev/null &&
	ip netns exec "$NS_c" arping -c 1 -w 1 -I br0 192.0.2.70 >/dev/null;
	test_wait_for "grep -q 192.0.2.70 mon.out" 3 &&
	jq -s -e "[.[] | select(.target==\"192.0.2.70\")] | length > 0 and all(.type==\"ARP\" and .op==\"request\" and .ip==\"192.0.2.2\" and .mac==\"02:00:00:00:00:0c\" and (.time|test(\"^20[0-9-]+T[0-9:.]+Z$\")))" mon.out &&
	test_must_fail grep "\"target\":\"192.0.2.1\"" mon.out
'

test_expect_success ROOT,NETNS,JQ 'one announcer: announcements, no conflict' '
	arp_start a "$NS_a" -i a0 --garp-interval 100 192.0.2.80 2001:db8::80 &&
	exec 7>a.in &&
	test_wait_for "grep -q \"NA.*2001:db8::80\" mon.out" 3 &&
	# jq -s: with -e alone, jq judges only the last line of the file.
	jq -s -e "[.[] | select(.type==\"ARP\" and .ip==\"192.0.2.80\" and .op==\"announcement\")] | length > 0 and all(.mac==\"$MAC_A\")" mon.out &&
	jq -s -e "[.[] | select(.type==\"NA\" and .ip==\"2001:db8::80\")] | length > 0 and all(.flags==\"O\" and .mac==\"$MAC_A\")" mon.out &&
	test_must_fail grep CONFLICT mon.out
'

test_expect_success ROOT,NETNS,JQ 'two announcers for one VIP: a CONFLICT naming both MACs' '
	arp_start b "$NS_b" -i b0 --garp-interval 100 192.0.2.80 2001:db8::80 &&
	exec 8>b.in &&
	test_wait_for "grep -q CONFLICT.*192.0.2.80 mon.out" 3 &&
	test_wait_for "grep -q CONFLICT.*2001:db8::80 mon.out" 3 &&
	jq -s -e "[.[] | select(.type==\"CONFLICT\" and .ip==\"192.0.2.80\")][0] | (.macs|sort)==[\"$MAC_A\",\"$MAC_B\"] and .window_s==10" mon.out &&
	exec 7>&- 8>&-
'

test_expect_success ROOT,NETNS,PYTHON3 'malformed frames are reported' '
	ip netns exec "$NS_c" $PYTHON3 "$TEST_DIRECTORY/arp-frames.py" malformed br0 &&
	test_wait_for "test \$(grep -c MALFORMED mon.out) = 3" 3 &&
	grep "\"type\":\"MALFORMED\".*hardware address length 8" mon.out
'

test_expect_success ROOT,NETNS,ARPING 'text output' '
	test_bg_kill mon &&
	arp_monitor mon2 "$NS_c" --text -i br0 192.0.2.90 &&
	sleep 0.3 &&
	ip netns exec "$NS_c" arping -c 1 -w 1 -I br0 192.0.2.90 >/dev/null;
	test_wait_for "test -s mon2.out" 3 &&
	grep "^ARP 192.0.2.2 192.0.2.90 time=.* interface=br0 mac=02:00:00:00:00:0c op=request$" mon2.out
'

test_done
