#!/bin/sh
test_description='lb-bgp-peer against FRR bgpd (with zebra): IPv4 eBGP and IPv6 iBGP sessions, attributes, link-local next hop, withdraw, shutdown'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,FRR,JQ

test_expect_success $P 'set up: a router running FRR bgpd and a node' '
	bgp_router_node &&
	cat >bgpd.conf <<-CONF &&
	frr defaults traditional
	log file $PWD/bgpd.log
	router bgp 64500
	 bgp router-id 192.0.2.1
	 bgp log-neighbor-changes
	 no bgp ebgp-requires-policy
	 no bgp default ipv4-unicast
	 neighbor 192.0.2.2 remote-as 64501
	 neighbor 192.0.2.2 passive
	 neighbor 192.0.2.2 timers 3 9
	 neighbor 2001:db8::2 remote-as 64500
	 neighbor 2001:db8::2 passive
	 address-family ipv4 unicast
	  neighbor 192.0.2.2 activate
	 exit-address-family
	 address-family ipv6 unicast
	  neighbor 192.0.2.2 activate
	  neighbor 2001:db8::2 activate
	 exit-address-family
	CONF
	frr_start_zebra router frr bgpd.conf &&
	test_wait_for "test -S frr/bgpd.vty" 5
'

frr_route () {
	frr_c frr "show bgp $1 unicast $2 json" >route.json &&
	jq -e ".paths | length > 0" route.json >/dev/null
}

test_expect_success $P 'IPv4 eBGP: Established, routes with next hop, AS path, communities' '
	mkfifo in4 &&
	bgp_bg sp4 sh -c "exec ip netns exec $NS_node lb-bgp-peer --json -v \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 --next-hop 2001:db8::2 \
		--med 30 --community 64501:100 --community no-export --large-community 64501:1:2 \
		192.0.2.10/32 2001:db8:1::10/128 <in4" &&
	exec 9>in4 &&
	test_wait_for "speaker_state sp4.out 192.0.2.1 Established" 10 &&
	test_wait_for "frr_route ipv4 192.0.2.10/32" 5 &&
	jq -e ".paths[0].aspath.string==\"64501\" and .paths[0].origin==\"IGP\"" route.json &&
	jq -e ".paths[0].nexthops[0].ip==\"192.0.2.2\" and .paths[0].metric==30" route.json &&
	jq -e ".paths[0].community.list==[\"64501:100\",\"noExport\"]" route.json &&
	jq -e ".paths[0].largeCommunity.list==[\"64501:1:2\"]" route.json &&
	test_wait_for "frr_route ipv6 2001:db8:1::10/128" 5 &&
	jq -e "[.paths[0].nexthops[].ip] | index(\"2001:db8::2\") != null" route.json
'

test_expect_success $P 'ANNOUNCE and WITHDRAW on stdin' '
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.20\",\"via\":\"bgp\"}" >&9 &&
	test_wait_for "frr_route ipv4 192.0.2.20/32" 5 &&
	echo "{\"type\":\"WITHDRAW\",\"ip\":\"192.0.2.20\",\"via\":\"bgp\"}" >&9 &&
	test_wait_for "! frr_route ipv4 192.0.2.20/32" 5 &&
	frr_route ipv4 192.0.2.10/32
'

test_expect_success $P 'route refresh from FRR is answered' '
	frr_c frr "clear bgp ipv4 unicast 192.0.2.2 soft in" &&
	test_wait_for "grep -q \"route refresh requested\" sp4.err" 5 &&
	frr_route ipv4 192.0.2.10/32
'

test_expect_success $P 'router frozen: hold timer expiry, then back' '
	pid=$(cat frr/bgpd.pid) &&
	kill -STOP $pid &&
	test_when_finished "kill -CONT $pid" &&
	test_wait_for "grep -q \"hold timer expired\" sp4.err" 15 &&
	kill -CONT $pid &&
	test_wait_for "speaker_state sp4.out 192.0.2.1 Established" 20 &&
	test_wait_for "frr_route ipv4 192.0.2.10/32" 5
'

test_expect_success $P 'SIGTERM: FRR drops the routes at once and logs the shutdown message' '
	kill -TERM "$(test_bg_pid sp4)" &&
	test_wait_for "! frr_route ipv4 192.0.2.10/32" 2 &&
	test_wait_for "grep -q \"lb-bgp-peer shutting down\" bgpd.log" 2 &&
	exec 9>&-
'

test_expect_success $P 'IPv6 iBGP: LOCAL_PREF and an empty AS path' '
	bgp_bg sp6 ip netns exec $NS_node lb-bgp-peer --json --router-id 192.0.2.2 \
		--peer 2001:db8::1 --asn 64500 --peer-asn 64500 --local-pref 200 2001:db8:2::10/128 &&
	test_wait_for "speaker_state sp6.out 2001:db8::1 Established" 10 &&
	test_wait_for "frr_route ipv6 2001:db8:2::10/128" 5 &&
	jq -e ".paths[0].locPrf==200 and .paths[0].aspath.length==0" route.json &&
	jq -e "[.paths[0].nexthops[].ip] | index(\"2001:db8::2\") != null" route.json
'

test_expect_success $P 'IPv6 on a shared link: the link-local next hop comes too (RFC 2545)' '
	ll=$(ip -n $NS_node -6 addr show dev n0 scope link | sed -n "s/.*inet6 \([^/]*\).*/\1/p") &&
	test -n "$ll" &&
	jq -e --arg ll "$ll" "[.paths[0].nexthops[] | select(.scope==\"link-local\") | .ip] == [\$ll]" route.json
'

test_done
