# Shared set-up for the t3xxx BGP scripts: a router namespace and node
# namespaces on veth links, BIRD/FRR/GoBGP started inside, and waits
# bounded in time. Source after test-lib.sh.

# bgp_link ROUTER_NS R_IF NODE_NS N_IF R4/LEN N4/LEN R6/LEN N6/LEN
bgp_link () {
	test_veth "$1" "$2" "$3" "$4" &&
	ip -n "$(test_netns "$1")" addr add "$5" dev "$2" &&
	ip -n "$(test_netns "$3")" addr add "$6" dev "$4" &&
	ip -n "$(test_netns "$1")" addr add "$7" dev "$2" nodad &&
	ip -n "$(test_netns "$3")" addr add "$8" dev "$4" nodad
}

# bird_start NS NAME CONF: BIRD in NS with control socket NAME.ctl.
bird_start () {
	ip netns exec "$(test_netns "$1")" bird -c "$3" -s "$PWD/$2.ctl" -P "$PWD/$2.pid"
}

bird_stop () {
	test -f "$1.pid" && kill "$(cat "$1.pid")" 2>/dev/null
	i_=0
	while test -S "$1.ctl" && test $i_ -lt 50; do sleep 0.1; i_=$((i_ + 1)); done
	rm -f "$1.pid" "$1.ctl"
}

# birdc NAME ARGS...
bird_c () {
	bird_ctl_=$1
	shift
	birdc -s "$PWD/$bird_ctl_.ctl" "$@"
}

# bird_established NAME PROTOCOL
bird_established () {
	bird_c "$1" show protocols "$2" | grep -q Established
}

# bird_has_route NAME PREFIX
bird_has_route () {
	bird_c "$1" show route "$2" | grep -q "^$2\|^ *$2\| $2 "
}

# speaker_state FILE PEER STATE: the last SESSION line for PEER says STATE
speaker_state () {
	jq -r --arg p "$2" 'select(.type=="SESSION" and .peer==$p) | .state' "$1" | tail -n 1 |
		grep -qx "$3"
}

# bgp_bg NAME CMD...: like test_bg, but the process outlives the current
# test (later tests use the same session) and is killed at the end of the
# script.
bgp_bg () {
	bgp_bg_saved_=$test_in_body
	test_in_body=
	test_bg "$@"
	bgp_bg_rc_=$?
	test_in_body=$bgp_bg_saved_
	return $bgp_bg_rc_
}

# frr_start NS DIR CONF: FRR bgpd alone (no zebra, no kernel routes) in NS,
# its vty socket in DIR.
frr_start () {
	mkdir -p "$PWD/$2" &&
	ip netns exec "$(test_netns "$1")" /usr/lib/frr/bgpd -d -Z -n -S -f "$PWD/$3" \
		-i "$PWD/$2/bgpd.pid" --vty_socket "$PWD/$2" -z "$PWD/$2/zserv.api" -P 0
}

# frr_start_zebra NS DIR CONF: FRR bgpd with zebra in NS, both with their
# sockets in DIR. zebra gives bgpd the interfaces (which FRR needs to take
# a link-local next hop, RFC 2545); bgpd -n still installs no route in the
# kernel. zebra runs as the frr user, so DIR is made writable for it.
frr_start_zebra () {
	mkdir -p "$PWD/$2" && chmod 777 "$PWD/$2" && : >"$PWD/$2/zebra.conf" &&
	ip netns exec "$(test_netns "$1")" /usr/lib/frr/zebra -d -u frr -g frr \
		-f "$PWD/$2/zebra.conf" -i "$PWD/$2/zebra.pid" -z "$PWD/$2/zserv.api" \
		--vty_socket "$PWD/$2" -P 0 &&
	test_wait_for "test -S $PWD/$2/zserv.api" 5 &&
	ip netns exec "$(test_netns "$1")" /usr/lib/frr/bgpd -d -n -S -f "$PWD/$3" \
		-i "$PWD/$2/bgpd.pid" --vty_socket "$PWD/$2" -z "$PWD/$2/zserv.api" -P 0
}

# frr_c DIR COMMAND
frr_c () {
	vtysh --vty_socket "$PWD/$1" -c "$2"
}

# gobgp_c NS ARGS...: the gobgp client against the daemon in NS.
gobgp_c () {
	gobgp_ns_=$(test_netns "$1")
	shift
	ip netns exec "$gobgp_ns_" gobgp -u 127.0.0.1 "$@"
}

# bgp_router_node: namespaces router and node on one link (r0, n0): the
# router 192.0.2.1 and 2001:db8::1, the node 192.0.2.2 and 2001:db8::2.
bgp_router_node () {
	test_netns_add router &&
	test_netns_add node &&
	bgp_link router r0 node n0 192.0.2.1/24 192.0.2.2/24 2001:db8::1/64 2001:db8::2/64
}

# bird_router_conf: bird.conf with router id 192.0.2.1, logging to
# bird.log, and the rest read on stdin (also for `birdc configure`).
bird_router_conf () {
	{
		printf '%s\n' 'router id 192.0.2.1;' 'log "bird.log" all;' &&
		cat
	} >bird.conf
}

# bird_router_start: BIRD in the router namespace (control socket bird.ctl)
# with bird_router_conf's configuration, the rest of it read on stdin;
# waits up to 5 seconds for the socket.
bird_router_start () {
	bird_router_conf &&
	bird_start router bird bird.conf &&
	test_wait_for "test -S bird.ctl" 5
}

# bird_bfd_session ADDR: the line of `show bfd sessions` of the BIRD
# started as "bird" for the BFD session with ADDR.
bird_bfd_session () {
	bird_c bird show bfd sessions | grep "^$1 "
}

# metallb_event TYPE KIND NAME SPEC: a lb-watch line for a MetalLB object
# in metallb-system, as lb-elect passes it on.
metallb_event () {
	case $2 in
	BGPPeer) metallb_api_=metallb.io/v1beta2 ;;
	*) metallb_api_=metallb.io/v1beta1 ;;
	esac
	printf '{"type":"%s","object":{"apiVersion":"%s","kind":"%s","metadata":{"name":"%s","namespace":"metallb-system"},"spec":%s}}\n' \
		"$1" "$metallb_api_" "$2" "$3" "$4"
}

# bird_node_sessions [N4_LINE]: bird_router_start with two passive sessions
# to the node: n4, eBGP AS 64500 to AS 64501 over IPv4, and n6, iBGP in AS
# 64501 over IPv6 (direct). N4_LINE is one more statement for n4, e.g.
# "hold time 30;".
bird_node_sessions () {
	bird_router_start <<-CONF
	protocol device {}
	template bgp speaker { passive on; error wait time 1, 5; }
	protocol bgp n4 from speaker {
		local 192.0.2.1 as 64500;
		neighbor 192.0.2.2 as 64501;
		${1:-}
		ipv4 { import all; export none; };
	}
	protocol bgp n6 from speaker {
		local 2001:db8::1 as 64501;
		neighbor 2001:db8::2 as 64501;
		direct;
		ipv6 { import all; export none; gateway direct; };
	}
	CONF
}
