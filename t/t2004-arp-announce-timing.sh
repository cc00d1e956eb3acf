#!/bin/sh
test_description='lb-arp-announce: when gratuitous frames go out (--garp-count, --garp-interval, --refresh)'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-arp.sh"

# capture NAME: tcpdump in the client namespace, one line per ARP or
# ICMPv6 frame A sends (epoch timestamps), as test_bg NAME; returns once
# tcpdump is listening.
capture () {
	cap_body_=$test_in_body
	test_in_body=
	test_bg "$1" ip netns exec "$NS_c" tcpdump -l -n -tt -e -i br0 \
		"ether src $MAC_A and (arp or (icmp6 and ip6[40] = 136))"
	test_in_body=$cap_body_
	test_wait_for "grep -q \"listening on\" $1.err" 5
}

# rounds FILE IP: the announcement rounds for IP in a capture, one line
# each: its time and how many frames it had. Frames less than 100 ms
# apart belong to one round (the request and reply forms go out
# back to back).
rounds () {
	grep -F -e "tell $2," -e "$2 is-at" -e "tgt is $2," "$1" |
	awk '{ t = $1 + 0
	       if (n && t - last < 0.1) { c++ } else { if (n) printf "%.6f %d\n", start, c; start = t; c = 1; n++ }
	       last = t }
	     END { if (n) printf "%.6f %d\n", start, c }'
}

# gaps FILE: the seconds between successive rounds of a rounds listing.
gaps () {
	awk 'NR > 1 { printf "%.3f\n", $1 - prev } { prev = $1 }' "$1"
}

# between LO HI FILE: every line of FILE is a number within [LO, HI].
between () {
	awk -v lo="$1" -v hi="$2" '$1 < lo || $1 > hi { bad = 1; print "out of range: " $1 }
	     END { exit bad }' "$3"
}

test_expect_success ROOT,NETNS,ARPING 'set up the LAN' '
	arp_lan_setup
'

test_expect_success ROOT,NETNS,TCPDUMP '--garp-count 3 --garp-interval 300: three rounds of both ARP forms, then silence' '
	capture cap1 &&
	arp_start a "$NS_a" -i a0 --garp-count 3 --garp-interval 300 192.0.2.70 &&
	exec 7>a.in &&
	# 3 rounds take 0.6 s; watch for 2.5 s, so that a fourth would show.
	sleep 2.5 &&
	test_bg_kill cap1 &&
	cat cap1.out &&
	rounds cap1.out 192.0.2.70 >r &&
	cat r &&
	test_line_count = 3 r &&
	awk "\$2 != 2 { exit 1 }" r &&
	grep -c "Request who-has 192.0.2.70 tell 192.0.2.70," cap1.out >n && test "$(cat n)" = 3 &&
	grep -c "Reply 192.0.2.70 is-at $MAC_A," cap1.out >n && test "$(cat n)" = 3 &&
	gaps r >g &&
	between 0.25 0.45 g &&
	exec 7>&- &&
	test_bg_kill a
'

test_expect_success ROOT,NETNS,TCPDUMP '--refresh 1: the client sees a round every second, ARP and NA' '
	capture cap2 &&
	arp_start a "$NS_a" -i a0 --garp-count 2 --garp-interval 200 --refresh 1 \
		192.0.2.71 2001:db8::71 &&
	exec 7>a.in &&
	# Rounds at 0 and 0.2 s (garp-count), then refreshes at 1.2, 2.2,
	# 3.2 s; 3.6 s of capture hold five rounds.
	sleep 3.6 &&
	test_bg_kill cap2 &&
	cat cap2.out &&
	rounds cap2.out 192.0.2.71 >r4 &&
	rounds cap2.out 2001:db8::71 >r6 &&
	cat r4 r6 &&
	test_line_count = 5 r4 &&
	test_line_count = 5 r6 &&
	awk "\$2 != 2 { exit 1 }" r4 &&
	awk "\$2 != 1 { exit 1 }" r6 &&
	gaps r4 >g4 && gaps r6 >g6 &&
	sed -n 1p g4 >first && between 0.15 0.35 first &&
	sed 1d g4 >refresh4 && test_line_count = 3 refresh4 && between 0.85 1.3 refresh4 &&
	sed 1d g6 >refresh6 && test_line_count = 3 refresh6 && between 0.85 1.3 refresh6 &&
	exec 7>&- &&
	test_bg_kill a
'

test_expect_success ROOT,NETNS,TCPDUMP,ARPING,NDISC6 '--garp-count 0: nothing announced on acquire, requests still answered' '
	capture cap3 &&
	arp_start a "$NS_a" -i a0 --garp-count 0 192.0.2.72 2001:db8::72 &&
	exec 7>a.in &&
	test_wait_for "grep -c ANNOUNCED a.out | grep -qx 2" 5 &&
	arp_line ANNOUNCE 192.0.2.73 a0 >&7 &&
	test_wait_for "grep -q 192.0.2.73 a.out" 3 &&
	sleep 1.5 &&
	test -z "$(arp_neigh "$NS_c" 192.0.2.72)" &&
	test -z "$(arp_neigh "$NS_c" 192.0.2.73)" &&
	ip netns exec "$NS_c" arping -c 1 -I br0 192.0.2.73 >out &&
	grep "^Unicast reply from 192.0.2.73 \[02:00:00:00:00:0A\]" out &&
	ip netns exec "$NS_c" ndisc6 -1 -r 2 2001:db8::72 br0 >out &&
	grep "Target link-layer address: 02:00:00:00:00:0A" out &&
	test_wait_for "grep -q \"is-at $MAC_A\" cap3.out && grep -q \"tgt is 2001:db8::72,\" cap3.out" 3 &&
	test_bg_kill cap3 &&
	cat cap3.out &&
	# Only the two answers: an ARP reply unicast to the client, an NA
	# with the Solicited flag; no broadcast, no all-nodes NA.
	grep . cap3.out >frames && test_line_count = 2 frames &&
	grep "> 02:00:00:00:00:0c, ethertype ARP.*Reply 192.0.2.73 is-at $MAC_A" cap3.out &&
	test_must_fail grep "ff:ff:ff:ff:ff:ff" cap3.out &&
	test_must_fail grep "33:33:00:00:00:01," cap3.out &&
	exec 7>&- &&
	test_bg_kill a
'

test_expect_success ROOT,NETNS,TCPDUMP '--garp-count 0 --refresh 1: the first round waits for the refresh' '
	capture cap4 &&
	arp_start a "$NS_a" -i a0 --garp-count 0 --refresh 1 192.0.2.74 &&
	exec 7>a.in &&
	test_wait_for "grep -q ANNOUNCED a.out" 5 &&
	t0=$(date +%s.%N) &&
	test_wait_for "grep -q \"Request who-has 192.0.2.74 tell 192.0.2.74,\" cap4.out" 3 &&
	t1=$(date +%s.%N) &&
	awk "BEGIN { printf \"%.3f\\n\", $t1 - $t0 }" >waited &&
	cat waited &&
	between 0.5 1.5 waited &&
	test_bg_kill cap4 &&
	exec 7>&- &&
	test_bg_kill a
'

test_done
