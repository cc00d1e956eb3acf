#!/bin/sh
# lb-controller: the controller pipeline of lbkit(7), supervised:
#   lb-watch services ipaddresspools namespaces | lb-alloc | lb-watch --apply
# See lb-controller(8).

sv_prog=lb-controller
sv_version=@VERSION@

@SUPERVISE@

sv_help_head="Usage: $sv_prog [--from DIR --status-dir DIR | --kubeconfig FILE] [--lease NS/NAME] [OPTION...]
Run and supervise the controller pipeline, lb-watch | lb-alloc | lb-watch --apply:
Services get addresses from IPAddressPools, written back as their status."
sv_help_tail="Every option also comes from the environment: LBKIT_FROM, LBKIT_STATUS_DIR,
KUBECONFIG, LBKIT_LEASE, LBKIT_IDENTITY, LBKIT_LEASE_DURATION, LBKIT_CLASS, LBKIT_RUN_DIR,
LBKIT_LOG_FORMAT.
Exit status: 0 stopped by SIGTERM or SIGINT, 1 a stage had to be killed,
2 usage error, 3 environment failure. See lb-controller(8) and lbkit(7)."

opts='
from||DIR|opt_from|set|read manifests from DIR instead of the API
status-dir||DIR|opt_status_dir|set|with --from: Service status files in DIR
kubeconfig||FILE|opt_kubeconfig|set|kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)
lease||NS/NAME|opt_lease|set|write status only while holding this Lease (HA)
identity||ID|opt_identity|set|--lease: this replica'"'"'s name (default: the host name)
lease-duration||SECONDS|opt_lease_duration|set|--lease: seconds a Lease lasts without renewal (15)
class||NAME|opt_class|set|serve Services of this loadBalancerClass (default: none set)
run-dir||DIR|opt_run_dir|set|where the private FIFO directory goes (default: $TMPDIR or /tmp)
log-format||FORMAT|opt_log_format|set|diagnostics as text (default) or json, the stages'"'"' too
verbose|v||opt_verbose|count|debug messages from every stage
quiet|q||opt_quiet|count|fewer diagnostics: -q hides info, -qq warnings too
version|V||opt_version|version|print the version and exit
help|h||opt_help|help|show this help and exit
'

opt_from=${LBKIT_FROM-}
opt_status_dir=${LBKIT_STATUS_DIR-}
opt_kubeconfig=
opt_lease=${LBKIT_LEASE-}
opt_identity=${LBKIT_IDENTITY-}
opt_lease_duration=${LBKIT_LEASE_DURATION-}
opt_class=${LBKIT_CLASS-}
opt_run_dir=${LBKIT_RUN_DIR-}
opt_log_format=${LBKIT_LOG_FORMAT-text}
opt_verbose=0
opt_quiet=0

sv_parse "$opts" "$@"

case $opt_log_format in
text | json) ;;
*) sv_usage_error "--log-format: '$opt_log_format' is not text or json" ;;
esac
if [ -n "$opt_from" ]; then
	[ -n "$opt_status_dir" ] || sv_usage_error "--from needs --status-dir (where status is written)"
	[ -z "$opt_kubeconfig" ] || sv_usage_error "--from and --kubeconfig exclude each other"
	[ -z "$opt_lease" ] || sv_usage_error "--lease needs the Kubernetes API, not --from"
elif [ -n "$opt_status_dir" ]; then
	sv_usage_error "--status-dir needs --from"
fi
[ -n "$opt_lease" ] || [ -z "$opt_identity" ] || sv_usage_error "--identity needs --lease"
[ -n "$opt_lease" ] || [ -z "$opt_lease_duration" ] || sv_usage_error "--lease-duration needs --lease"
case $opt_lease in
'' | ?*/?*) ;;
*) sv_usage_error "--lease: '$opt_lease' is not NS/NAME" ;;
esac
sv_log_format=$opt_log_format
sv_quiet=$opt_quiet

sv_stage_common "$opt_verbose" "$opt_quiet" "$opt_log_format"
common=$sv_common

sv_setup "$sv_prog" "${opt_run_dir:-${TMPDIR:-/tmp}}"

if [ -n "$opt_from" ]; then
	[ -d "$opt_from" ] || sv_fatal 3 "--from $opt_from: not a directory"
	mkdir -p "$opt_status_dir" || sv_fatal 3 "--status-dir $opt_status_dir: cannot create it"
	set -- --from "$opt_from" --status-dir "$opt_status_dir"
elif [ -n "$opt_kubeconfig" ]; then
	set -- --kubeconfig "$opt_kubeconfig"
else
	set --
fi

sv_fifo alloc.in
sv_fifo apply.in
# shellcheck disable=SC2086 # $common is a list of words
sv_stage watch - alloc.in lb-watch $common "$@" --trim services ipaddresspools namespaces
# shellcheck disable=SC2086
sv_stage alloc alloc.in apply.in lb-alloc $common --json ${opt_class:+--class "$opt_class"}
[ -z "$opt_lease" ] || set -- "$@" --lease "$opt_lease" ${opt_identity:+--identity "$opt_identity"} \
	${opt_lease_duration:+--lease-duration "$opt_lease_duration"}
# shellcheck disable=SC2086
sv_stage apply apply.in - lb-watch $common --apply "$@" ${opt_class:+--class "$opt_class"}

sv_info "supervising watch | alloc | apply (run directory $sv_run)"
sv_main
exit $?
