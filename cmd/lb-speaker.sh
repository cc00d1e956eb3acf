#!/bin/sh
# lb-speaker: the speaker pipeline of lbkit(7) for one node, supervised:
#   lb-watch services nodes ... | lb-elect --node N --health-listen 7473 --input P
#       | tee >(lb-arp-announce -i IF...) | lb-bgp-peer
#   lb-watch nodes | lb-probe --node-target http://{ip}:7473/healthz  > P
# See lb-speaker(8).

sv_prog=lb-speaker
sv_version=@VERSION@

@SUPERVISE@

sv_help_head="Usage: $sv_prog [--node NAME] [--interface IF]... [--from DIR [--status-dir DIR] | --kubeconfig FILE] [OPTION...]
Run and supervise the speaker pipeline of one node: lb-watch | lb-elect | lb-arp-announce
and lb-bgp-peer, with lb-probe checking the other speakers' health endpoints."
sv_help_tail="Every option also comes from the environment: LBKIT_NODE (else NODE_NAME, else the
host name), LBKIT_INTERFACES (space-separated), LBKIT_FROM, LBKIT_STATUS_DIR, KUBECONFIG,
LBKIT_HEALTH_PORT, LBKIT_HEALTH_ADDRESS, LBKIT_BGP_CONFIG, LBKIT_RUN_DIR, LBKIT_LOG_FORMAT.
Exit status: 0 stopped by SIGTERM or SIGINT, 1 a stage had to be killed,
2 usage error, 3 environment failure. See lb-speaker(8) and lbkit(7)."

opts='
node|n|NAME|opt_node|set|this node'"'"'s name (default: $LBKIT_NODE, $NODE_NAME, the host name)
interface|i|IFACE|opt_interfaces|add|answer ARP/NDP on IFACE (repeatable; none: no layer 2)
from||DIR|opt_from|set|read manifests from DIR instead of the API
status-dir||DIR|opt_status_dir|set|with --from: Service status files the controller writes
kubeconfig||FILE|opt_kubeconfig|set|kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)
health-port||PORT|opt_health_port|set|health endpoint the speakers check each other on (7473; 0: off)
health-address||ADDR|opt_health_address|set|serve the health endpoint on ADDR only (default: all)
bgp-config||FILE|opt_bgp_config|set|BGPPeer and Community objects for lb-bgp-peer, beside the cluster'"'"'s
run-dir||DIR|opt_run_dir|set|where the private FIFO directory goes (default: $TMPDIR or /tmp)
log-format||FORMAT|opt_log_format|set|diagnostics as text (default) or json, the stages'"'"' too
verbose|v||opt_verbose|count|debug messages from every stage
quiet|q||opt_quiet|count|fewer diagnostics: -q hides info, -qq warnings too
version|V||opt_version|version|print the version and exit
help|h||opt_help|help|show this help and exit
'

opt_node=
opt_interfaces=
opt_from=${LBKIT_FROM-}
opt_status_dir=${LBKIT_STATUS_DIR-}
opt_kubeconfig=
opt_health_port=${LBKIT_HEALTH_PORT-7473}
opt_health_address=${LBKIT_HEALTH_ADDRESS-}
opt_bgp_config=${LBKIT_BGP_CONFIG-}
opt_run_dir=${LBKIT_RUN_DIR-}
opt_log_format=${LBKIT_LOG_FORMAT-text}
opt_verbose=0
opt_quiet=0

sv_parse "$opts" "$@"

[ -n "$opt_node" ] || opt_node=${LBKIT_NODE:-${NODE_NAME:-$(uname -n)}}
[ -n "$opt_interfaces" ] || opt_interfaces=${LBKIT_INTERFACES-}
case $opt_log_format in
text | json) ;;
*) sv_usage_error "--log-format: '$opt_log_format' is not text or json" ;;
esac
[ -n "$opt_node" ] || sv_usage_error "--node: no node name (and no host name)"
if [ -n "$opt_from" ]; then
	[ -z "$opt_kubeconfig" ] || sv_usage_error "--from and --kubeconfig exclude each other"
elif [ -n "$opt_status_dir" ]; then
	sv_usage_error "--status-dir needs --from"
fi
case $opt_health_port in
'' | *[!0-9]*) sv_usage_error "--health-port: '$opt_health_port' is not a port number" ;;
esac
[ "$opt_health_port" -le 65535 ] || sv_usage_error "--health-port: '$opt_health_port' is not a port number"
[ "$opt_health_port" -ne 0 ] || [ -z "$opt_health_address" ] ||
	sv_usage_error "--health-address needs a --health-port"
sv_log_format=$opt_log_format
sv_quiet=$opt_quiet

sv_stage_common "$opt_verbose" "$opt_quiet" "$opt_log_format"
common=$sv_common

sv_setup "$sv_prog" "${opt_run_dir:-${TMPDIR:-/tmp}}"

if [ -n "$opt_from" ]; then
	[ -d "$opt_from" ] || sv_fatal 3 "--from $opt_from: not a directory"
	if [ -n "$opt_status_dir" ]; then
		mkdir -p "$opt_status_dir" || sv_fatal 3 "--status-dir $opt_status_dir: cannot create it"
	fi
	set -- --from "$opt_from"
elif [ -n "$opt_kubeconfig" ]; then
	set -- --kubeconfig "$opt_kubeconfig"
else
	set --
fi
[ -z "$opt_bgp_config" ] || [ -r "$opt_bgp_config" ] ||
	sv_fatal 3 "--bgp-config $opt_bgp_config: cannot read it"

# A missing interface would make lb-arp-announce fail at every start, and
# every restart would take the BGP sessions down with it: refuse it now.
for i in $opt_interfaces; do
	[ -e "/sys/class/net/$i" ] || sv_fatal 3 "--interface $i: no such interface"
done

health=
if [ "$opt_health_port" -ne 0 ]; then
	case $opt_health_address in
	'') health=$opt_health_port ;;
	*:*) health="[$opt_health_address]:$opt_health_port" ;;
	*) health="$opt_health_address:$opt_health_port" ;;
	esac
fi

# lb-watch | lb-elect, the cluster's picture as this node's announcements.
sv_fifo elect.in
# shellcheck disable=SC2086 # $common is a list of words
sv_stage watch - elect.in lb-watch $common "$@" \
	${opt_status_dir:+--status-dir "$opt_status_dir"} --trim \
	services nodes endpointslices l2advertisements bgpadvertisements bgppeers \
	communities bfdprofiles ipaddresspools

# Fast failover: every speaker checks every node's health endpoint (its
# lb-elect's) and feeds the verdicts to its lb-elect, so a dead node or a
# dead speaker is DOWN within fall x interval, long before Kubernetes marks
# the node NotReady.
if [ -n "$health" ]; then
	sv_fifo nodes.out
	sv_fifo probe.out
	# shellcheck disable=SC2086
	sv_stage nodes - nodes.out lb-watch $common "$@" --trim nodes
	# shellcheck disable=SC2086
	sv_stage probe nodes.out probe.out lb-probe $common --json \
		--node-target "http://{ip}:$opt_health_port/healthz" \
		--interval 200ms --timeout 150ms --fall 2 --rise 2
fi

if [ -n "$opt_interfaces" ]; then
	elect_out=split.in
	sv_fifo split.in
	sv_fifo arp.in
	sv_fifo bgp.in
	sv_stage split split.in bgp.in tee "$sv_run/arp.in"
	set --
	for i in $opt_interfaces; do set -- "$@" -i "$i"; done
	# shellcheck disable=SC2086
	sv_stage arp arp.in - lb-arp-announce $common --json "$@"
else
	elect_out=bgp.in
	sv_fifo bgp.in
	sv_info "no --interface: addresses are not announced over layer 2 (ARP/NDP)"
fi

# shellcheck disable=SC2086
sv_stage elect elect.in "$elect_out" lb-elect $common --json --node "$opt_node" \
	${health:+--health-listen "$health" --input "$sv_run/probe.out"}

# BGPPeers come from the cluster through lb-elect (and from --bgp-config).
# A restart stops it with SIGTERM too: without graceful restart (which
# would also keep a dead node's routes at the router) a session closed
# without NOTIFICATION loses its routes all the same, and Cease says why.
# shellcheck disable=SC2086
sv_stage bgp bgp.in - lb-bgp-peer $common --json \
	${opt_bgp_config:+--config "$opt_bgp_config"}

sv_info "node $opt_node: supervising$sv_stages (run directory $sv_run)"
sv_main
exit $?
