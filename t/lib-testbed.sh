# The whole LoadBalancer in network namespaces: shared by `make demo`
# (scripts/demo), the end-to-end tests (t/t8xxx) and bench/e2e. POSIX sh.
#
#                      client (eth0 192.0.2.100, eth1 198.51.100.2)
#                        |  eth0                      | eth1
#   node-a eth0 --+      |                            |
#   node-b eth0 --+-- br0 in "lan" --+-- eth0 router eth1 (198.51.100.1)
#   node-c eth0 --+                     192.0.2.1, BIRD AS 64500
#
# - LAN 192.0.2.0/24: router .1, node-a/b/c .11/.12/.13 (MACs
#   02:00:00:00:01:0a/0b/0c), client .100. The L2 pool of examples/
#   (192.0.2.200-209) lies in it, so the client ARPs for those VIPs.
# - The client reaches the BGP pool (203.0.113.0/24) through the router,
#   over its second link, 198.51.100.0/24; BIRD installs one route per VIP
#   with a next hop per announcing node (ECMP, `merge paths`).
# - Each node accepts every VIP locally (a local route on lo, as kube-proxy
#   accepts Service addresses) and runs a backend answering with its name;
#   arp_ignore=1 keeps its kernel from answering ARP for them, so only the
#   announcer does (the strictARP set-up of lb-arp-announce(8)).
#
# Two modes, one code: under the test harness (t/test-lib.sh sourced first)
# namespaces and processes go through test_netns_add / test_bg, which clean
# up at exit; otherwise (demo, bench) tb_* keep their own records under
# $TB_DIR and tb_cleanup (install it with tb_trap) kills by PID and deletes
# the namespaces, also on Ctrl-C.
#
# Variables: TB_DIR (work directory, required), TB_TAG (namespace name
# part; default: tb), TB_EXAMPLES (manifests; default: examples/ beside
# t/), LBKIT_BUILD (binaries, lb-controller and lb-speaker among them).

TB_NODES='node-a node-b node-c'
TB_ROUTER_IP=192.0.2.1
TB_CLIENT_IP=192.0.2.100
TB_HEALTH_PORT=7473
TB_PY=${PYTHON3:-/usr/bin/python3}

tb_node_ip () {
	case $1 in
	node-a) echo 192.0.2.11 ;;
	node-b) echo 192.0.2.12 ;;
	node-c) echo 192.0.2.13 ;;
	*) return 1 ;;
	esac
}

tb_node_mac () {
	case $1 in
	node-a) echo 02:00:00:00:01:0a ;;
	node-b) echo 02:00:00:00:01:0b ;;
	node-c) echo 02:00:00:00:01:0c ;;
	*) return 1 ;;
	esac
}

tb_mac_node () {
	for tb_n_ in $TB_NODES; do
		test "$(tb_node_mac "$tb_n_")" = "$1" && echo "$tb_n_" && return 0
	done
	return 1
}

tb_harness () {
	command -v test_netns_add >/dev/null 2>&1
}

# --- records, processes, namespaces ------------------------------------------

tb_init () {
	: "${TB_DIR:?TB_DIR must name a work directory}"
	: "${TB_TAG:=tb}"
	tb_lib_dir_=${TEST_DIRECTORY:-${TB_LIB_DIR:-$(pwd)/t}}
	: "${TB_EXAMPLES:=$tb_lib_dir_/../examples}"
	TB_T=$tb_lib_dir_
	mkdir -p "$TB_DIR" "$TB_DIR/run" || return 1
	TB_DIR=$(cd "$TB_DIR" && pwd)
	: >"$TB_DIR/run/procs"
	: >"$TB_DIR/run/netns"
	if test -n "$LBKIT_BUILD"; then
		PATH=$LBKIT_BUILD:$PATH
	fi
	PATH=$PATH:/usr/sbin:/sbin
	export PATH
}

# tb_ns NAME: the real name of a testbed namespace.
tb_ns () {
	if tb_harness; then
		test_netns "$1"
	else
		echo "lbkit-$TB_TAG-$$-$1"
	fi
}

tb_ns_add () {
	if tb_harness; then
		test_netns_add "$1"
		return
	fi
	tb_real_=$(tb_ns "$1")
	ip netns add "$tb_real_" || return 1
	echo "$tb_real_" >>"$TB_DIR/run/netns"
	ip -n "$tb_real_" link set lo up
}

# tb_bg NAME CMD...: CMD in the background in its own process group, output
# in $TB_DIR/NAME.out and NAME.err, outliving the current test.
tb_bg () {
	tb_bg_name_=$1
	shift
	if tb_harness; then
		tb_saved_=$test_in_body
		test_in_body=
		(cd "$TB_DIR" && test_bg "$tb_bg_name_" "$@")
		tb_rc_=$?
		# test_bg wrote the PID file into the trash directory.
		cp "$TRASH_DIRECTORY/$tb_bg_name_.pid" "$TB_DIR/run/$tb_bg_name_.pid" 2>/dev/null
		test_in_body=$tb_saved_
		return $tb_rc_
	fi
	setsid "$@" >"$TB_DIR/$tb_bg_name_.out" 2>"$TB_DIR/$tb_bg_name_.err" </dev/null &
	tb_pid_=$!
	echo "$tb_pid_" >"$TB_DIR/run/$tb_bg_name_.pid"
	echo "$tb_pid_ $tb_bg_name_" >>"$TB_DIR/run/procs"
}

tb_pid () {
	cat "$TB_DIR/run/$1.pid" 2>/dev/null
}

# tb_signal SIG NAME: signals NAME's whole process group (a pipeline).
tb_signal () {
	tb_p_=$(tb_pid "$2")
	test -n "$tb_p_" || return 1
	kill -s "$1" -- "-$tb_p_" 2>/dev/null || kill -s "$1" "$tb_p_" 2>/dev/null
}

# tb_alive NAME: its process runs (a zombie, not yet reaped, does not).
tb_alive () {
	tb_p_=$(tb_pid "$1")
	test -n "$tb_p_" && test -r "/proc/$tb_p_/stat" || return 1
	case $(sed -e 's/.*) //' "/proc/$tb_p_/stat" 2>/dev/null | cut -d' ' -f1) in
	Z | X | '') return 1 ;;
	esac
}

# tb_stop NAME [SIG]: SIG (default TERM) to a supervisor script's own PID
# (it must pass the signal on to its stages), or to the whole process group
# of anything else; KILL to the group after ~5 s.
tb_stop () {
	if test "${2:-TERM}" != KILL && test -f "$TB_DIR/run/$1.supervisor"; then
		kill -s "${2:-TERM}" "$(tb_pid "$1")" 2>/dev/null || return 0
	else
		tb_signal "${2:-TERM}" "$1" || return 0
	fi
	tb_i_=0
	while tb_alive "$1" && test $tb_i_ -lt 50; do
		sleep 0.1
		tb_i_=$((tb_i_ + 1))
	done
	tb_signal KILL "$1"
	wait "$(tb_pid "$1")" 2>/dev/null
	rm -f "$TB_DIR/run/$1.pid" "$TB_DIR/run/$1.supervisor"
	return 0
}

tb_cleanup () {
	test -n "$TB_DIR" && test -d "$TB_DIR/run" || return 0
	if ! tb_harness; then
		while read -r tb_p_ _; do
			kill -s TERM -- "-$tb_p_" 2>/dev/null
		done <"$TB_DIR/run/procs"
		sleep 0.3
		while read -r tb_p_ _; do
			kill -s KILL -- "-$tb_p_" 2>/dev/null
		done <"$TB_DIR/run/procs"
		: >"$TB_DIR/run/procs"
		while read -r tb_real_; do
			for tb_sig_ in TERM KILL; do
				tb_pids_=$(ip netns pids "$tb_real_" 2>/dev/null)
				test -n "$tb_pids_" || break
				# shellcheck disable=SC2086 # one PID a word
				kill -s $tb_sig_ $tb_pids_ 2>/dev/null
				sleep 0.3
			done
			ip netns delete "$tb_real_" 2>/dev/null
		done <"$TB_DIR/run/netns"
		: >"$TB_DIR/run/netns"
	fi
	return 0
}

# tb_trap: cleanup at exit, on Ctrl-C, TERM and HUP (standalone mode).
tb_trap () {
	trap 'tb_rc_=$?; trap - EXIT; tb_cleanup; exit $tb_rc_' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# tb_wait 'COND' SECONDS: polls COND every 50 ms, fails after SECONDS.
tb_wait () {
	tb_deadline_=$(($(date +%s) + $2 + 1))
	while :; do
		eval "$1" && return 0
		test "$(date +%s)" -ge $tb_deadline_ && return 1
		sleep 0.05
	done
}

# tb_now: the time, in milliseconds since the epoch.
tb_now () {
	date +%s%3N
}

tb_x () {
	tb_ns_=$(tb_ns "$1")
	shift
	ip netns exec "$tb_ns_" "$@"
}

# --- the network --------------------------------------------------------------

tb_net_up () {
	for tb_n_ in lan router client $TB_NODES; do
		tb_ns_add "$tb_n_" || return 1
	done
	tb_lan_=$(tb_ns lan)
	ip -n "$tb_lan_" link add br0 type bridge &&
	ip -n "$tb_lan_" link set br0 up || return 1
	# Port names in "lan": p-<namespace>.
	for tb_n_ in router client $TB_NODES; do
		tb_p_=p-$tb_n_
		ip -n "$tb_lan_" link add "$tb_p_" type veth peer name eth0 netns "$(tb_ns "$tb_n_")" &&
		ip -n "$tb_lan_" link set "$tb_p_" master br0 &&
		ip -n "$tb_lan_" link set "$tb_p_" up &&
		ip -n "$(tb_ns "$tb_n_")" link set eth0 up || return 1
	done
	tb_r_=$(tb_ns router) tb_c_=$(tb_ns client)
	ip -n "$tb_r_" addr add $TB_ROUTER_IP/24 dev eth0 &&
	ip -n "$tb_r_" link add eth1 type veth peer name eth1 netns "$tb_c_" &&
	ip -n "$tb_r_" addr add 198.51.100.1/24 dev eth1 &&
	ip -n "$tb_c_" addr add 198.51.100.2/24 dev eth1 &&
	ip -n "$tb_r_" link set eth1 up &&
	ip -n "$tb_c_" link set eth1 up &&
	ip netns exec "$tb_r_" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$tb_c_" link set eth0 address 02:00:00:00:01:64 &&
	ip -n "$tb_c_" addr add $TB_CLIENT_IP/24 dev eth0 &&
	ip -n "$tb_c_" route add 203.0.113.0/24 via 198.51.100.1 || return 1
	for tb_n_ in $TB_NODES; do
		tb_nn_=$(tb_ns "$tb_n_")
		ip -n "$tb_nn_" link set eth0 address "$(tb_node_mac "$tb_n_")" &&
		ip -n "$tb_nn_" addr add "$(tb_node_ip "$tb_n_")/24" dev eth0 &&
		ip -n "$tb_nn_" route add default via $TB_ROUTER_IP &&
		ip netns exec "$tb_nn_" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
			net.ipv4.conf.all.arp_announce=2 &&
		ip -n "$tb_nn_" route add local 192.0.2.192/27 dev lo &&
		ip -n "$tb_nn_" route add local 203.0.113.0/24 dev lo || return 1
	done
	# The bridge forwards once its ports leave the listening state.
	tb_wait "tb_x client ping -c1 -W1 -q $TB_ROUTER_IP >/dev/null 2>&1 ||
		tb_x client arping -q -c 1 -w 1 -I eth0 $TB_ROUTER_IP" 15
}

# --- the router -----------------------------------------------------------------

tb_bird_start () {
	{
		echo "router id $TB_ROUTER_IP;"
		echo "log \"$TB_DIR/bird.log\" all;"
		echo 'protocol device { scan time 10; }'
		echo 'protocol kernel {'
		echo '	ipv4 { export all; };'
		echo '	merge paths on limit 16;'
		echo '}'
		echo 'template bgp node {'
		echo "	local $TB_ROUTER_IP as 64500;"
		echo '	passive on;'
		echo '	error wait time 1, 5;'
		echo '	ipv4 { import all; export none; };'
		echo '}'
		for tb_n_ in $TB_NODES; do
			echo "protocol bgp $(echo "$tb_n_" | tr - _) from node { neighbor $(tb_node_ip "$tb_n_") as 64512; }"
		done
	} >"$TB_DIR/bird.conf"
	tb_x router bird -c "$TB_DIR/bird.conf" -s "$TB_DIR/bird.ctl" -P "$TB_DIR/bird.pid" &&
	tb_wait "test -S '$TB_DIR/bird.ctl'" 10
}

tb_birdc () {
	birdc -s "$TB_DIR/bird.ctl" "$@"
}

# tb_nexthops IP: the nodes the router's kernel route to IP/32 goes to,
# sorted, one a line (nothing when there is no route).
tb_nexthops () {
	ip -n "$(tb_ns router)" route show "$1/32" 2>/dev/null |
		sed -n 's/.*via \([0-9.]*\).*/\1/p' | while read -r tb_ip_; do
		for tb_n_ in $TB_NODES; do
			test "$(tb_node_ip "$tb_n_")" = "$tb_ip_" && echo "$tb_n_"
		done
	done | sort
}

tb_bgp_established () {
	tb_birdc show protocols "$(echo "$1" | tr - _)" | grep -q Established
}

# --- backends and client --------------------------------------------------------

tb_backends_start () {
	for tb_n_ in $TB_NODES; do
		tb_bg "http-$tb_n_" ip netns exec "$(tb_ns "$tb_n_")" "$TB_PY" "$TB_T/testbed-http.py" "$tb_n_" 80 ||
			return 1
	done
	for tb_n_ in $TB_NODES; do
		tb_wait "tb_x client curl -s -m 1 http://$(tb_node_ip "$tb_n_")/ >/dev/null" 15 || return 1
	done
}

# tb_get VIP: who answers http://VIP/ from the client (nothing on failure).
tb_get () {
	tb_x client curl -s --connect-timeout 1 -m 2 "http://$1/" 2>/dev/null
}

# tb_arp_owner VIP: the node whose MAC answers the client's ARP for VIP now.
tb_arp_owner () {
	tb_mac_=$(tb_x client arping -c 1 -w 1 -I eth0 "$1" 2>/dev/null |
		sed -n 's/.*\[\([0-9a-fA-F:]*\)\].*/\1/p' | head -n 1 | tr A-F a-f)
	test -n "$tb_mac_" && tb_mac_node "$tb_mac_"
}

# tb_neigh_owner VIP: the node the client's neighbour table sends VIP to.
tb_neigh_owner () {
	tb_mac_=$(ip -n "$(tb_ns client)" neigh show "$1" dev eth0 |
		sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p')
	test -n "$tb_mac_" && tb_mac_node "$tb_mac_"
}

# --- the controller and the speakers -------------------------------------------

# tb_manifests: copies the examples into $TB_DIR/manifests ($TB_FROM),
# where the tests edit them; the pipelines read that copy.
tb_manifests () {
	TB_FROM=$TB_DIR/manifests
	TB_STATUS=$TB_DIR/status
	mkdir -p "$TB_FROM" "$TB_STATUS" &&
	cp "$TB_EXAMPLES"/*.yaml "$TB_FROM"/
}

# tb_controller_start: lb-controller(8) on the manifests, status written to
# $TB_STATUS. Runs in the router's namespace: it needs none of the
# testbed's addresses, only to outlive any node.
tb_controller_start () {
	tb_bg controller ip netns exec "$(tb_ns router)" \
		lb-controller --from "$TB_FROM" --status-dir "$TB_STATUS" --run-dir "$TB_DIR" &&
	: >"$TB_DIR/run/controller.supervisor"
}

# tb_speaker_start NODE: lb-speaker(8) of NODE in its namespace, its own
# process group (tb_speaker_kill kills every stage at once: a crash). The
# speakers check each other's health endpoint, so the survivors re-elect
# within a second of a node or a speaker dying; BGPPeers come with the
# manifests, through lb-elect.
tb_speaker_start () {
	tb_sdir_=$TB_DIR/speaker-$1.run
	rm -rf "$tb_sdir_" && mkdir -p "$tb_sdir_" || return 1
	tb_bg "speaker-$1" ip netns exec "$(tb_ns "$1")" \
		lb-speaker --node "$1" --interface eth0 --from "$TB_FROM" \
		--status-dir "$TB_STATUS" --health-port $TB_HEALTH_PORT \
		--run-dir "$tb_sdir_" &&
	: >"$TB_DIR/run/speaker-$1.supervisor"
}

tb_speakers_start () {
	for tb_n_ in $TB_NODES; do
		tb_speaker_start "$tb_n_" || return 1
	done
}

# tb_speaker_kill NODE: the speaker crashes (SIGKILL to every stage).
tb_speaker_kill () {
	tb_stop "speaker-$1" KILL
}

# tb_node_down NODE: the node dies: its link goes down, its speaker dies.
tb_node_down () {
	ip -n "$(tb_ns lan)" link set "p-$1" down &&
	tb_speaker_kill "$1"
}

# tb_service_ip NS/NAME: the address in the Service's status (nothing when
# it has none).
tb_service_ip () {
	tb_f_=$TB_STATUS/$(echo "$1" | tr / _).json
	test -f "$tb_f_" && jq -r '.status.loadBalancer.ingress[0].ip // empty' "$tb_f_" 2>/dev/null
}

# tb_up: the whole testbed with the examples' Services, ready for requests.
tb_up () {
	tb_net_up &&
	tb_bird_start &&
	tb_backends_start &&
	tb_manifests &&
	tb_controller_start &&
	tb_speakers_start
}

# tb_arp_macs VIP: the distinct MACs answering the client's ARP for VIP
# (3 requests), one a line; nothing when nobody answers.
tb_arp_macs () {
	tb_x client arping -b -c 3 -w 2 -I eth0 "$1" 2>/dev/null |
		sed -n 's/.*\[\([0-9a-fA-F:]*\)\].*/\1/p' | tr A-F a-f | sort -u
}

# tb_edit FILE SED-SCRIPT: edits a manifest of $TB_FROM the way an editor
# saves it (a new file renamed over the old one), so lb-watch --from sees
# one change.
tb_edit () {
	sed -e "$2" "$TB_FROM/$1" >"$TB_DIR/.edit.tmp" &&
	mv "$TB_DIR/.edit.tmp" "$TB_FROM/$1"
}

# tb_ready: every Service of examples/ has its address, is announced (one
# ARP owner, the routes at the router) and answers the client.
tb_ready () {
	tb_wait 'test -n "$(tb_service_ip default/web)" && test -n "$(tb_service_ip default/api)" &&
		test -n "$(tb_service_ip default/local)"' 20 &&
	for tb_n_ in $TB_NODES; do
		tb_wait "tb_bgp_established $tb_n_" 20 || return 1
	done &&
	tb_wait "test \$(tb_nexthops $(tb_service_ip default/api) | wc -l) = 3" 15 &&
	tb_wait "test \$(tb_nexthops $(tb_service_ip default/local) | wc -l) = 2" 15 &&
	tb_wait "test -n \"\$(tb_get $(tb_service_ip default/web))\"" 15
}
