#!/bin/sh
test_description='lb-arp-announce --sched-fifo and --busy-poll: the policy is set, answers still come'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-arp.sh"

test_lazy_prereq SETPRIV 'command -v setpriv'

test_expect_success 'usage errors exit 2' '
	for bad in "--sched-fifo 100" "--sched-fifo -1" "--busy-poll -5" "--busy-poll 1000001"; do
		# shellcheck disable=SC2086 # an option and its value
		test_expect_code 2 lb-arp-announce -i x $bad 192.0.2.10 2>err || return 1
	done &&
	grep "busy-poll" err
'

test_expect_success ROOT,NETNS,ARPING 'set up the LAN' '
	arp_lan_setup
'

test_expect_success ROOT,NETNS,ARPING,NDISC6 '--sched-fifo 10 --busy-poll 200: SCHED_FIFO, locked memory, CAP_NET_RAW only, answers' '
	arp_start a "$NS_a" -i a0 --sched-fifo 10 --busy-poll 200 192.0.2.90 2001:db8::90 &&
	exec 7>a.in &&
	test_wait_for "grep -c ANNOUNCED a.out | grep -qx 2" 5 &&
	pid=$(test_bg_pid a) &&
	# /proc/PID/stat fields 40 and 41: rt_priority and policy (1 = FIFO).
	sed -e "s/.*) //" /proc/$pid/stat | cut -d" " -f38,39 >policy &&
	echo "10 1" >expect &&
	test_cmp expect policy &&
	grep "^VmLck:" /proc/$pid/status >locked &&
	# AddressSanitizer makes mlockall a no-op (make asan).
	if ldd "$(command -v lb-arp-announce)" | grep -q libasan
	then
		echo "memory locking not checked under ASan"
	else
		test_must_fail grep "VmLck:[	 ]*0 kB" locked
	fi &&
	grep "^CapEff:	0000000000002000$" /proc/$pid/status &&
	ip netns exec "$NS_c" arping -c 3 -I br0 192.0.2.90 >out &&
	grep "^Received 3 response(s)$" out &&
	grep -c "^Unicast reply from 192.0.2.90 \[02:00:00:00:00:0A\]" out >n &&
	test "$(cat n)" = 3 &&
	ip netns exec "$NS_c" ndisc6 -1 -r 2 2001:db8::90 br0 >out &&
	grep "Target link-layer address: 02:00:00:00:00:0A" out &&
	# Withdraw still takes effect while it spins.
	arp_line WITHDRAW 192.0.2.90 a0 >&7 &&
	test_wait_for "grep -q WITHDRAWN a.out" 3 &&
	test_expect_code 1 ip netns exec "$NS_c" arping -c 1 -w 1 -I br0 192.0.2.90 &&
	exec 7>&- &&
	test_bg_kill a
'

test_expect_success ROOT,NETNS,SETPRIV 'without CAP_SYS_NICE, --sched-fifo is an environment failure (3)' '
	test_expect_code 3 ip netns exec "$NS_a" setpriv --bounding-set -sys_nice --inh-caps -sys_nice \
		lb-arp-announce -i a0 --sched-fifo 10 192.0.2.91 </dev/null 2>err &&
	grep -e "--sched-fifo 10" err
'

test_done
