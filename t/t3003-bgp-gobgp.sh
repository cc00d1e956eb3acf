#!/bin/sh
test_description='lb-bgp-peer against GoBGP (passive): IPv4 eBGP and IPv6 iBGP sessions, attributes, withdraw, shutdown'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-bgp.sh"

P=ROOT,NETNS,GOBGP,JQ

test_expect_success $P 'set up: a router running gobgpd (passive) and a node' '
	bgp_router_node &&
	cat >gobgp.toml <<-\CONF &&
	[global.config]
	  as = 64500
	  router-id = "192.0.2.1"
	[[neighbors]]
	  [neighbors.config]
	    neighbor-address = "192.0.2.2"
	    peer-as = 64501
	  [neighbors.transport.config]
	    passive-mode = true
	  [[neighbors.afi-safis]]
	    [neighbors.afi-safis.config]
	      afi-safi-name = "ipv4-unicast"
	  [[neighbors.afi-safis]]
	    [neighbors.afi-safis.config]
	      afi-safi-name = "ipv6-unicast"
	[[neighbors]]
	  [neighbors.config]
	    neighbor-address = "2001:db8::2"
	    peer-as = 64500
	  [neighbors.transport.config]
	    passive-mode = true
	  [[neighbors.afi-safis]]
	    [neighbors.afi-safis.config]
	      afi-safi-name = "ipv6-unicast"
	CONF
	bgp_bg gobgpd ip netns exec $NS_router gobgpd -f gobgp.toml -t toml -l info -p \
		--api-hosts 127.0.0.1:50051 --pprof-disable &&
	test_wait_for "gobgp_c router global >/dev/null 2>&1" 10
'

# gobgp_route FAMILY PREFIX: the route is in GoBGP's RIB; its paths in route.json
gobgp_route () {
	gobgp_c router global rib -a "$1" -j >rib.json &&
	jq -e --arg p "$2" ".[\$p] | length > 0" rib.json >/dev/null &&
	jq --arg p "$2" ".[\$p][0]" rib.json >route.json
}

test_expect_success $P 'IPv4 eBGP: Established, routes with next hop, AS path, communities' '
	mkfifo in4 &&
	bgp_bg sp4 sh -c "exec ip netns exec $NS_node lb-bgp-peer --json -v \
		--peer 192.0.2.1 --asn 64501 --peer-asn 64500 --next-hop 2001:db8::2 \
		--med 30 --community 64501:100 --large-community 64501:1:2 \
		192.0.2.10/32 2001:db8:1::10/128 <in4" &&
	exec 9>in4 &&
	test_wait_for "speaker_state sp4.out 192.0.2.1 Established" 10 &&
	test_wait_for "gobgp_route ipv4 192.0.2.10/32" 5 &&
	jq -e ".attrs[] | select(.type==1) | .value==0" route.json &&
	jq -e ".attrs[] | select(.type==2) | .as_paths==[{\"segment_type\":2,\"num\":1,\"asns\":[64501]}]" route.json &&
	jq -e ".attrs[] | select(.type==3) | .nexthop==\"192.0.2.2\"" route.json &&
	jq -e ".attrs[] | select(.type==4) | .metric==30" route.json &&
	jq -e ".attrs[] | select(.type==8) | .communities==[$(( (64501 << 16) | 100 ))]" route.json &&
	jq -e ".attrs[] | select(.type==32) | .value==[{\"ASN\":64501,\"LocalData1\":1,\"LocalData2\":2}]" route.json &&
	test_wait_for "gobgp_route ipv6 2001:db8:1::10/128" 5 &&
	jq -e ".attrs[] | select(.type==14) | .nexthop==\"2001:db8::2\"" route.json
'

test_expect_success $P 'ANNOUNCE and WITHDRAW on stdin' '
	echo "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.20\",\"via\":\"bgp\"}" >&9 &&
	test_wait_for "gobgp_route ipv4 192.0.2.20/32" 5 &&
	echo "{\"type\":\"WITHDRAW\",\"ip\":\"192.0.2.20\",\"via\":\"bgp\"}" >&9 &&
	test_wait_for "! gobgp_route ipv4 192.0.2.20/32" 5 &&
	gobgp_route ipv4 192.0.2.10/32
'

# GoBGP's softresetin replays its own Adj-RIB-In and sends no ROUTE-REFRESH;
# t3001 and t3002 test route refresh against BIRD and FRR.

test_expect_success $P 'SIGTERM: GoBGP drops the routes at once' '
	kill -TERM "$(test_bg_pid sp4)" &&
	test_wait_for "! gobgp_route ipv4 192.0.2.10/32" 2 &&
	test_wait_for "grep -q \"lb-bgp-peer shutting down\" gobgpd.out gobgpd.err" 2 &&
	exec 9>&-
'

test_expect_success $P 'IPv6 iBGP: LOCAL_PREF and an empty AS path' '
	bgp_bg sp6 ip netns exec $NS_node lb-bgp-peer --json --router-id 192.0.2.2 \
		--peer 2001:db8::1 --asn 64500 --peer-asn 64500 --local-pref 200 2001:db8:2::10/128 &&
	test_wait_for "speaker_state sp6.out 2001:db8::1 Established" 10 &&
	test_wait_for "gobgp_route ipv6 2001:db8:2::10/128" 5 &&
	jq -e ".attrs[] | select(.type==5) | .value==200" route.json &&
	jq -e "[.attrs[] | select(.type==2) | .as_paths | length] | . == [] or . == [0]" route.json
'

test_done
