#!/bin/sh
test_description='lb-arp-announce --probe: the iputils arping dialect and exit codes'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-arp.sh"

probe () {
	ip netns exec "$NS_c" lb-arp-announce --probe "$@"
}

# same_as_arping IP ARGS...: lb-arp-announce --probe IP ARGS and iputils
# arping ARGS IP in the client print the same lines, timings aside, and
# exit alike.
same_as_arping () {
	same_ip_=$1
	shift
	with_exit arping.out ip netns exec "$NS_c" arping "$@" "$same_ip_"
	with_exit lbkit.out probe "$same_ip_" "$@"
	cat lbkit.out
	same_lines arping.out lbkit.out
}

# with_exit OUT CMD...: CMD's output and then "exit N" into OUT.
with_exit () {
	with_out_=$1
	shift
	"$@" >"$with_out_"
	echo "exit $?" >>"$with_out_"
}

# same_lines A B: the same lines, timings aside.
same_lines () {
	sed -E "s/ +[0-9]+\.[0-9]+ms$//" "$1" >expect &&
	sed -E "s/ +[0-9]+\.[0-9]+ms$//" "$2" >actual &&
	test_cmp expect actual
}

# sender NAME ARGS...: a gratuitous ARP sender in A, as test_bg NAME
# (stopped when the test ends).
sender () {
	sender_name_=$1
	shift
	test_bg "$sender_name_" ip netns exec "$NS_a" "$@"
}

test_expect_success 'usage errors' '
	test_expect_code 2 lb-arp-announce --probe 192.0.2.1 2>err &&
	grep "one interface" err &&
	test_expect_code 2 lb-arp-announce --probe 192.0.2.999 -I x 2>err &&
	test_expect_code 2 lb-arp-announce --probe 192.0.2.1 -I x -s 2001:db8::1 2>err &&
	grep "different families" err &&
	test_expect_code 2 lb-arp-announce --probe 192.0.2.1 -I x -D -U 2>err &&
	for i in 0 x 1.5 -1 ""; do
		test_expect_code 2 lb-arp-announce --probe 192.0.2.1 -I x -i "$i" 2>err &&
		grep "whole number of seconds" err || return 1
	done
'

test_expect_success ROOT,NETNS,ARPING 'set up the LAN' '
	arp_lan_setup
'

test_expect_success ROOT,NETNS 'the kernel answering for its own address: exit 0, iputils lines' '
	probe 192.0.2.1 -I br0 -c 2 >out &&
	cat out &&
	sed -n 1p out >first &&
	echo "ARPING 192.0.2.1 from 192.0.2.2 br0" >expect &&
	test_cmp expect first &&
	grep -E "^Unicast reply from 192\.0\.2\.1 \[02:00:00:00:00:0A\]  [0-9]+\.[0-9]{3}ms$" out >replies &&
	test_line_count = 2 replies &&
	grep "^Sent 2 probes (1 broadcast(s))$" out &&
	grep "^Received 2 response(s)$" out
'

test_expect_success ROOT,NETNS,ARPING 'the same output as iputils arping, timings aside' '
	ip netns exec "$NS_c" arping -c 2 -I br0 192.0.2.1 | sed "s/  [0-9.]*ms$//" >expect &&
	probe 192.0.2.1 -I br0 -c 2 | sed "s/  [0-9.]*ms$//" >out &&
	test_cmp expect out
'

test_expect_success ROOT,NETNS 'an unused address: exit 1' '
	test_expect_code 1 probe 192.0.2.99 -I br0 -c 2 >out &&
	grep "^Sent 2 probes (2 broadcast(s))$" out &&
	grep "^Received 0 response(s)$" out
'

test_expect_success ROOT,NETNS '-w deadline, -f first reply, -q quiet' '
	start=$(date +%s) &&
	test_expect_code 1 probe 192.0.2.99 -I br0 -w 2 >out &&
	test $(($(date +%s) - start)) -le 4 &&
	probe 192.0.2.1 -I br0 -f -w 5 >out &&
	grep "^Received 1 response(s)$" out &&
	probe 192.0.2.1 -I br0 -q -c 1 >out &&
	test_line_count = 0 out &&
	test_expect_code 1 probe 192.0.2.99 -I br0 -q -c 1 >out &&
	test_line_count = 0 out
'

test_expect_success ROOT,NETNS '-D: exit 1 when the address is in use, 0 when free' '
	test_expect_code 1 probe 192.0.2.1 -I br0 -D -w 3 >out &&
	grep "^ARPING 192.0.2.1 from 0.0.0.0 br0$" out &&
	grep "^Received 1 response(s)$" out &&
	probe 192.0.2.99 -I br0 -D -c 2 >out &&
	grep "^Received 0 response(s)$" out
'

test_expect_success ROOT,NETNS 'IPv6: NS to the kernel address, an unused one, and DAD' '
	probe 2001:db8::1 -I br0 -c 1 >out &&
	grep "^ARPING 2001:db8::1 from 2001:db8::2 br0$" out &&
	grep "^Unicast reply from 2001:db8::1 \[02:00:00:00:00:0A\]" out &&
	test_expect_code 1 probe 2001:db8::99 -I br0 -c 1 >out &&
	test_expect_code 1 probe 2001:db8::1 -I br0 -D -w 3 >out &&
	probe 2001:db8::99 -I br0 -D -c 1
'

test_expect_success ROOT,NETNS '-U: the client learns the address from our gratuitous ARP' '
	ip -n "$NS_a" addr add 192.0.2.50/32 dev a0 &&
	ip netns exec "$NS_a" lb-arp-announce --probe 192.0.2.50 -I a0 -U -c 1 >out &&
	grep "^Sent 1 probes (1 broadcast(s))$" out &&
	test_wait_for "test \"\$(arp_neigh $NS_c 192.0.2.50)\" = $MAC_A" 3
'

test_expect_success ROOT,NETNS 'two MACs answering for one IP: a warning' '
	arp_start a "$NS_a" -i a0 192.0.2.60 &&
	arp_start b "$NS_b" -i b0 192.0.2.60 &&
	exec 7>a.in 8>b.in &&
	test_wait_for "grep -q ANNOUNCED a.out && grep -q ANNOUNCED b.out" 5 &&
	probe 192.0.2.60 -I br0 -b -c 2 >out 2>err &&
	cat out err &&
	grep "\[02:00:00:00:00:0A\]" out &&
	grep "\[02:00:00:00:00:0B\]" out &&
	grep "192.0.2.60 answered from two MACs" err &&
	exec 7>&- 8>&-
'

test_expect_success ROOT,NETNS,ARPING '-i 2: probes two seconds apart, as iputils' '
	start=$(date +%s.%N) &&
	probe 192.0.2.1 -I br0 -i 2 -c 2 >out &&
	end=$(date +%s.%N) &&
	awk "BEGIN { d = $end - $start; print d; exit !(d >= 3.8 && d < 5.5) }" &&
	same_as_arping 192.0.2.1 -I br0 -i 2 -c 2
'

test_expect_success ROOT,NETNS,ARPING '-c with -w: the run ends at the count or the deadline, exit codes as iputils' '
	same_as_arping 192.0.2.99 -I br0 -c 2 -w 5 &&
	grep "^exit 1$" lbkit.out &&
	same_as_arping 192.0.2.1 -I br0 -c 2 -w 5 &&
	grep "^exit 0$" lbkit.out &&
	# Two answers where -c asks five by the deadline: exit 1; the
	# probe due at the deadline still goes out.
	test_expect_code 1 probe 192.0.2.1 -I br0 -c 5 -w 2 >out &&
	grep "^Sent 3 probes (1 broadcast(s))$" out &&
	test_expect_code 1 ip netns exec "$NS_c" arping -I br0 -c 5 -w 2 192.0.2.1 >out &&
	grep "^Sent 3 probes (1 broadcast(s))$" out
'

test_expect_success ROOT,NETNS,ARPING '-b keeps broadcasting; -U and -A say they send from the target' '
	same_as_arping 192.0.2.1 -I br0 -b -c 2 &&
	grep "^Sent 2 probes (2 broadcast(s))$" lbkit.out &&
	same_as_arping 192.0.2.2 -I br0 -U -c 2 &&
	grep "^ARPING 192.0.2.2 from 192.0.2.2 br0$" lbkit.out &&
	same_as_arping 192.0.2.2 -I br0 -A -c 1
'

test_expect_success ROOT,NETNS,ARPING '-D sees a gratuitous request: iputils line and the request/broadcast breakdown' '
	# iputils -U binds to the address it announces.
	ip netns exec "$NS_a" sysctl -qw net.ipv4.ip_nonlocal_bind=1 &&
	sender garp arping -q -U -w 6 -I a0 192.0.2.77 &&
	sleep 0.3 &&
	same_as_arping 192.0.2.77 -I br0 -D -w 3 &&
	grep "^Broadcast request from 192.0.2.77 \[02:00:00:00:00:0A\] for 192.0.2.77 \[FF:FF:FF:FF:FF:FF\] [0-9.]*ms$" lbkit.out &&
	grep "^Received 1 response(s) (1 request(s), 1 broadcast(s))$" lbkit.out &&
	grep "^exit 1$" lbkit.out &&
	test_bg_kill garp &&
	# Our -U frames look the same to iputils as its own.
	cp arping.out from-iputils &&
	sender garp lb-arp-announce --probe 192.0.2.77 -q -U -w 6 -I a0 &&
	sleep 0.3 &&
	with_exit out ip netns exec "$NS_c" arping -D -w 3 -I br0 192.0.2.77 &&
	same_lines from-iputils out
'

test_expect_success ROOT,NETNS,ARPING '-D sees a gratuitous reply (-A): broadcasts only in the breakdown' '
	sender garp arping -q -A -w 6 -I a0 192.0.2.77 &&
	sleep 0.3 &&
	same_as_arping 192.0.2.77 -I br0 -D -w 3 &&
	grep "^Broadcast reply from 192.0.2.77 \[02:00:00:00:00:0A\] for 192.0.2.77 \[02:00:00:00:00:0A\] [0-9.]*ms$" lbkit.out &&
	grep "^Received 1 response(s) (1 broadcast(s))$" lbkit.out &&
	test_bg_kill garp &&
	cp arping.out from-iputils &&
	sender garp lb-arp-announce --probe 192.0.2.77 -q -A -w 6 -I a0 &&
	sleep 0.3 &&
	with_exit out ip netns exec "$NS_c" arping -D -w 3 -I br0 192.0.2.77 &&
	same_lines from-iputils out
'

test_expect_success 'a missing interface: a clear error and exit 2, as iputils arping' '
	test_expect_code 2 lb-arp-announce --probe 192.0.2.1 -c 1 -I lbkit-nosuch0 2>err &&
	grep "interface lbkit-nosuch0: no such device" err &&
	test_line_count = 1 err
'

test_expect_success ARPING 'iputils arping agrees on that exit code' '
	test_expect_code 2 arping -c 1 -I lbkit-nosuch0 192.0.2.1 2>/dev/null
'

test_done
