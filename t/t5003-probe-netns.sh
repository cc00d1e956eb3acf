#!/bin/sh
test_description='lb-probe icmp:// and tcp:// to namespace addresses, IPv4 and IPv6, raw and datagram sockets'
. "$(dirname "$0")/test-lib.sh"

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
