#!/bin/sh
test_description='lb-arp-announce: IPv4 serving against the kernel and iputils arping'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-arp.sh"

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 lb-arp-announce 192.0.2.10 2>err &&
	grep "interface" err &&
	test_expect_code 2 lb-arp-announce --probe 192.0.2.10 --monitor -i x 2>err &&
	test_expect_code 2 lb-arp-announce --garp-interval 0 -i x 2>err
'

test_expect_success ROOT,NETNS 'a missing interface is an environment failure (3)' '
	test_netns_add x &&
	test_expect_code 3 ip netns exec "$NS_x" lb-arp-announce -i nosuch0 192.0.2.10 2>err &&
	grep "nosuch0" err
'

test_expect_success ROOT,NETNS,ARPING 'set up the LAN' '
	arp_lan_setup
'

test_expect_success ROOT,NETNS 'refuses an address configured on a local interface' '
	test_expect_code 2 ip netns exec "$NS_a" lb-arp-announce -i a0 192.0.2.1 2>err &&
	grep "192.0.2.1 is configured on interface a0" err &&
	grep -e "--force" err
'

test_expect_success ROOT,NETNS,ARPING 'arping gets unicast replies carrying our MAC' '
	arp_start a "$NS_a" -i a0 192.0.2.10 &&
	exec 7>a.in &&
	test_wait_for "grep -q ANNOUNCED a.out" 5 &&
	ip netns exec "$NS_c" arping -c 3 -I br0 192.0.2.10 >out &&
	cat out &&
	grep -c "^Unicast reply from 192.0.2.10 \[02:00:00:00:00:0A\]" out >n &&
	test "$(cat n)" -ge 2 &&
	grep "^Received 3 response(s)" out
'

test_expect_success ROOT,NETNS 'only CAP_NET_RAW is left after the handles are open' '
	pid=$(test_bg_pid a) &&
	grep "^CapEff:	0000000000002000$" /proc/$pid/status &&
	grep "^CapPrm:	0000000000002000$" /proc/$pid/status &&
	grep "^CapBnd:	0000000000002000$" /proc/$pid/status
'

test_expect_success ROOT,NETNS,ARPING 'the client learns a new VIP from gratuitous ARP alone' '
	test -z "$(arp_neigh "$NS_c" 192.0.2.20)" &&
	arp_line ANNOUNCE 192.0.2.20 a0 >&7 &&
	test_wait_for "test \"\$(arp_neigh $NS_c 192.0.2.20)\" = $MAC_A" 3 &&
	grep "\"type\":\"ANNOUNCED\",\"ip\":\"192.0.2.20\",\"interface\":\"a0\",\"mac\":\"$MAC_A\"" a.out
'

test_expect_success ROOT,NETNS,ARPING 'lines for BGP, other interfaces and other types are ignored' '
	printf "%s\n" "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.21\",\"via\":\"bgp\"}" \
		"{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.22\",\"via\":\"l2\",\"interface\":\"eth9\"}" \
		"{\"type\":\"SYNCED\",\"kind\":\"Service\"}" >&7 &&
	arp_line ANNOUNCE 192.0.2.23 a0 >&7 &&
	test_wait_for "grep -q 192.0.2.23 a.out" 3 &&
	test_must_fail grep -e 192.0.2.21 -e 192.0.2.22 a.out &&
	test_expect_code 1 ip netns exec "$NS_c" arping -c 1 -w 1 -I br0 192.0.2.21
'

test_expect_success ROOT,NETNS 'a bad line is reported and the stream goes on' '
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.300\",\"via\":\"l2\"}" >&7 &&
	echo "not json" >&7 &&
	arp_line ANNOUNCE 192.0.2.1 a0 >&7 &&
	arp_line ANNOUNCE 192.0.2.24 a0 >&7 &&
	test_wait_for "grep -q 192.0.2.24 a.out" 3 &&
	grep "192.0.2.300" a.err &&
	grep "<stdin>:[0-9]*: 192.0.2.1 is configured on interface a0" a.err &&
	test_must_fail grep "\"192.0.2.1\"" a.out
'

test_expect_success ROOT,NETNS,ARPING 'withdraw: no more replies' '
	arp_line WITHDRAW 192.0.2.10 a0 >&7 &&
	test_wait_for "grep -q WITHDRAWN.*192.0.2.10 a.out" 3 &&
	test_expect_code 1 ip netns exec "$NS_c" arping -c 2 -I br0 192.0.2.10 >out &&
	grep "^Received 0 response(s)" out &&
	ip netns exec "$NS_c" arping -c 1 -I br0 192.0.2.20 >out &&
	grep "^Unicast reply from 192.0.2.20" out
'

test_expect_success ROOT,NETNS,PYTHON3,ARPING 'malformed frames are counted and dropped' '
	ip netns exec "$NS_c" $PYTHON3 "$TEST_DIRECTORY/arp-frames.py" malformed br0 &&
	kill -HUP $(test_bg_pid a) &&
	test_wait_for "grep -q \"3 malformed\" a.err" 3 &&
	grep "dropped malformed frame #1: ARP: truncated" a.err &&
	grep "dropped malformed frame #2: ARP: hardware address length 8" a.err &&
	grep "dropped malformed frame #3: NDP: option 1 has length 0" a.err &&
	ip netns exec "$NS_c" arping -c 1 -I br0 192.0.2.20 >out &&
	grep "^Unicast reply from 192.0.2.20" out
'

test_expect_success ROOT,NETNS,ARPING 'several interfaces in one process' '
	exec 7>&- &&
	test_bg_kill a &&
	ip -n "$NS_a" link add a1 type veth peer name ca1 netns "$NS_c" &&
	ip -n "$NS_a" link set a1 address 02:00:00:00:01:0a &&
	ip -n "$NS_a" link set a1 up &&
	ip -n "$NS_c" link set ca1 up &&
	ip -n "$NS_c" addr add 198.51.100.2/24 dev ca1 &&
	arp_start a2 "$NS_a" -i a0 -i a1 192.0.2.40 &&
	exec 7>a2.in &&
	arp_line ANNOUNCE 198.51.100.40 a1 >&7 &&
	test_wait_for "grep -q 198.51.100.40 a2.out" 3 &&
	ip netns exec "$NS_c" arping -c 1 -I ca1 198.51.100.40 >out &&
	grep "^Unicast reply from 198.51.100.40 \[02:00:00:00:01:0A\]" out &&
	ip netns exec "$NS_c" arping -c 1 -I br0 192.0.2.40 >out &&
	grep "^Unicast reply from 192.0.2.40 \[02:00:00:00:00:0A\]" out &&
	test_expect_code 1 ip netns exec "$NS_c" arping -c 1 -I br0 198.51.100.40 &&
	exec 7>&-
'

test_expect_success ROOT,NETNS,ARPING,PYTHON3,CURL 'takeover A -> B: the client follows, TCP reaches B' '
	arp_start a "$NS_a" -i a0 --garp-interval 200 &&
	exec 7>a.in &&
	arp_line ANNOUNCE 192.0.2.30 a0 >&7 &&
	test_wait_for "test \"\$(arp_neigh $NS_c 192.0.2.30)\" = $MAC_A" 3 &&
	# B serves the VIP on lo: the kube-proxy IPVS arrangement, with
	# arp_ignore=1 so that the kernel of B stays silent on b0 (hence --force).
	ip -n "$NS_b" addr add 192.0.2.30/32 dev lo &&
	ip netns exec "$NS_b" sysctl -qw net.ipv4.conf.all.arp_ignore=1 &&
	ip netns exec "$NS_b" sysctl -qw net.ipv4.conf.all.arp_announce=2 &&
	mkdir www && echo B >www/who &&
	test_bg web ip netns exec "$NS_b" $PYTHON3 -m http.server -d www -b 192.0.2.30 8000 &&
	test_expect_code 2 ip netns exec "$NS_b" lb-arp-announce -i b0 192.0.2.30 2>err &&
	grep "configured on interface lo" err &&
	arp_line WITHDRAW 192.0.2.30 a0 >&7 &&
	arp_start b "$NS_b" -i b0 --force --garp-interval 200 &&
	exec 8>b.in &&
	arp_line ANNOUNCE 192.0.2.30 b0 >&8 &&
	test_wait_for "test \"\$(arp_neigh $NS_c 192.0.2.30)\" = $MAC_B" 5 &&
	test_wait_for "ip netns exec $NS_c curl -sf --max-time 1 http://192.0.2.30:8000/who >who" 5 &&
	test "$(cat who)" = B &&
	exec 7>&- 8>&-
'

test_done
