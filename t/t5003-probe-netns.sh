#!/bin/sh
test_description='lb-probe icmp:// and tcp:// to namespace addresses, IPv4 and IPv6, raw and datagram sockets'
. "$(dirname "$0")/test-lib.sh"

test_lazy_prereq UNSHARE 'unshare -m true'

# Two namespaces on a veth: probe (192.0.2.1, 2001:db8::1) and node
# (192.0.2.2, 2001:db8::2). 192.0.2.3 and 2001:db8::3 answer nothing.
test_expect_success ROOT,NETNS 'namespaces' '
	test_netns_add probe &&
	test_netns_add node &&
	test_veth probe p0 node n0 &&
	ip -n "$NS_probe" addr add 192.0.2.1/24 dev p0 &&
	ip -n "$NS_node" addr add 192.0.2.2/24 dev n0 &&
	ip -n "$NS_probe" addr add 2001:db8::1/64 dev p0 nodad &&
	ip -n "$NS_node" addr add 2001:db8::2/64 dev n0 nodad
'

in_probe () {
	ip netns exec "$NS_probe" "$@"
}

test_expect_success ROOT,NETNS 'echo replies from the node: UP, for both families' '
	in_probe lb-probe --once --json icmp://192.0.2.2 icmp://2001:db8::2 icmp://[2001:db8::2] >out &&
	test_line_count = 3 out &&
	jq -s -e "all(.type == \"UP\" and .reason == \"echo reply\" and .rtt_ms > 0)" out
'

test_expect_success ROOT,NETNS 'no answer: DOWN after the timeout' '
	test_expect_code 1 in_probe lb-probe --once --json -t 300ms icmp://192.0.2.3 icmp://2001:db8::3 >out &&
	jq -s -e "length == 2 and all(.type == \"DOWN\" and .reason == \"timeout after 300 ms: no echo reply\")" out
'

test_expect_success ROOT,NETNS 'a TCP connect nobody answers is a timeout, not a hang' '
	start=$(date +%s%N) &&
	test_expect_code 1 in_probe lb-probe --once --json -t 300ms tcp://192.0.2.3:80 \
		"tcp://[2001:db8::3]:80" >out &&
	end=$(date +%s%N) &&
	jq -s -e "length == 2 and all(.type == \"DOWN\" and .reason == \"timeout after 300 ms\")" out &&
	test $(( (end - start) / 1000000 )) -lt 2000 &&
	in_probe lb-probe --once --json tcp://192.0.2.2:22 2>err >out ||
	jq -e ".reason == \"connect: Connection refused\"" out
'

test_expect_success ROOT,NETNS 'a node that stops answering goes DOWN after fall, and UP again after rise' '
	test_bg probe ip netns exec "$NS_probe" lb-probe --json --all --no-stdin --interval 100ms \
		--timeout 90ms --rise 2 --fall 3 icmp://192.0.2.2 icmp://2001:db8::2 &&
	test_wait_for "test \$(grep -c \"type.:.UP\" probe.out) = 2" 10 &&
	ip netns exec "$NS_node" sysctl -qw net.ipv4.icmp_echo_ignore_all=1 \
		net.ipv6.icmp.echo_ignore_all=1 &&
	test_wait_for "test \$(grep -c \"type.:.DOWN\" probe.out) = 2" 10 &&
	ip netns exec "$NS_node" sysctl -qw net.ipv4.icmp_echo_ignore_all=0 \
		net.ipv6.icmp.echo_ignore_all=0 &&
	test_wait_for "test \$(grep -c \"type.:.UP\" probe.out) = 4" 10 &&
	test_bg_kill probe &&
	for t in icmp://192.0.2.2 icmp://2001:db8::2; do
		grep -F "\"target\":\"$t\"" probe.out |
		jq -r "select(.type != \"CHECK\") | .type" >types &&
		printf "%s\n" UP DOWN UP >expect &&
		test_cmp expect types || return 1
	done
'

test_expect_success ROOT,NETNS 'every capability is dropped once the raw ICMP sockets are open; targets on stdin still work' '
	in_probe sysctl -qw net.ipv4.ping_group_range="1 0" &&
	mkfifo in &&
	test_bg probe sh -c "exec ip netns exec $NS_probe lb-probe --json -v --interval 100ms \
		--rise 1 --fall 1 <in" &&
	exec 8>in &&
	test_wait_for "grep -q \"every capability dropped\" probe.err" 10 &&
	pid=$(pgrep -P $(test_bg_pid probe) lb-probe || test_bg_pid probe) &&
	grep -E "^Cap(Prm|Eff|Inh|Amb):" /proc/$pid/status >caps &&
	test_line_count = 4 caps &&
	! grep -v "0000000000000000$" caps &&
	echo "{\"type\":\"ADD\",\"target\":\"icmp://192.0.2.2\"}" >&8 &&
	echo "{\"type\":\"ADD\",\"target\":\"icmp://2001:db8::2\"}" >&8 &&
	test_wait_for "test \$(grep -c \"type.:.UP\" probe.out) = 2" 10 &&
	exec 8>&- &&
	test_bg_kill probe
'

# A name server that never answers (192.0.2.53 on the link, absent), seen
# through a private mount namespace's /etc/resolv.conf.
test_expect_success ROOT,NETNS,UNSHARE 'a name lookup that hangs does not hold up the other checks' '
	printf "nameserver 192.0.2.53\noptions timeout:4 attempts:1\n" >resolv.conf &&
	test_bg probe ip netns exec "$NS_probe" unshare -m sh -c \
		"mount --bind $PWD/resolv.conf /etc/resolv.conf &&
		 exec lb-probe --json --all --no-stdin --interval 50ms --timeout 3s --rise 1 --fall 1 \
			tcp://slow.example:80 exec:true" &&
	sleep 1.5 &&
	grep -c "\"target\":\"exec:true\"" probe.out >n &&
	test $(cat n) -ge 10 &&
	! grep -q "slow.example" probe.out &&
	test_wait_for "grep -q \"slow.example.*timeout after 3000 ms: looking up .slow.example.\" probe.out" 10 &&
	test_wait_for "grep -q \"slow.example.*cannot resolve\" probe.out" 10 &&
	test_bg_kill probe
'

test_expect_success ROOT,NETNS 'an unprivileged user uses a datagram ICMP socket where the kernel allows it' '
	in_probe sysctl -qw net.ipv4.ping_group_range="0 2147483647" &&
	in_probe setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		lb-probe --once --json icmp://192.0.2.2 >out &&
	jq -e ".type == \"UP\"" out &&
	in_probe sysctl -qw net.ipv4.ping_group_range="1 0" &&
	test_expect_code 3 in_probe setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all lb-probe --once --json icmp://192.0.2.2 2>err &&
	grep "cannot open an ICMP socket" err
'

test_done
