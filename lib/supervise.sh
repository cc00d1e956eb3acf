# lbkit supervision for the pipeline scripts (lb-controller, lb-speaker).
# `make` pastes this file into each script where the line @SUPERVISE@
# stands, so an installed script is one self-contained POSIX sh file.
#
# A pipeline is a set of stages joined by FIFOs in a private run
# directory. Each stage runs under a watcher subshell that reports on one
# events FIFO (fd 3, opened read-write so it never reads end of file):
#   start NAME PID      the stage runs as PID (kill it by that PID only)
#   exit NAME PID RC    it ended with status RC
#   restart GEN         the back-off delay is over
#   deadline GEN        stages asked to stop did not within the timeout
# The main loop blocks in `read` on that FIFO; a trapped signal interrupts
# the read, so there is no polling anywhere. Signal traps only set a flag,
# the loop does the work.
#
# Every stage depends on the stream of the one before, and the last ones
# (lb-arp-announce, lb-bgp-peer) keep what they were told after their input
# ends, so a partial restart would leave them with a picture nobody feeds
# any more: when one stage dies, all of them are stopped, and all restart
# together once the last has ended (lb-watch lists everything again).

sv_stages=
sv_fifos=
sv_alive=0
sv_state=init
sv_gen=0
sv_delay=1
sv_delay_max=30
sv_stable=60
sv_stop_timeout=10
sv_started=0
sv_killed=
sv_signal=
sv_timer=
sv_run=
sv_log_format=text
sv_eof=lbkit-supervise-end-of-stage-log

# sv_json_string TEXT: TEXT as a JSON string (quotes, backslashes, tabs and
# other control characters escaped).
sv_json_string () {
	printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' \
		-e 's/	/\\t/g' -e 's/[[:cntrl:]]/ /g')"
}

sv_now_iso () {
	# Milliseconds where date(1) has %N (GNU, busybox), as the tools print.
	sv_t_=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ 2>/dev/null)
	case $sv_t_ in
	*T??:??:??.[0-9][0-9][0-9]Z) printf '%s' "$sv_t_" ;;
	*) date -u +%Y-%m-%dT%H:%M:%S.000Z ;;
	esac
}

# sv_log LEVEL MESSAGE: a diagnostic of the script itself, in the tools'
# format (text: "prog: [level: ]msg", info without a level; or JSON).
sv_log () {
	if [ "$sv_log_format" = json ]; then
		printf '{"time":"%s","level":"%s","prog":"%s","msg":%s}\n' \
			"$(sv_now_iso)" "$1" "$sv_prog" "$(sv_json_string "$2")" >&2
	elif [ "$1" = info ]; then
		printf '%s: %s\n' "$sv_prog" "$2" >&2
	else
		printf '%s: %s: %s\n' "$sv_prog" "$1" "$2" >&2
	fi
}

sv_info () { [ "${sv_quiet:-0}" -ge 1 ] || sv_log info "$1"; }
sv_warn () { [ "${sv_quiet:-0}" -ge 2 ] || sv_log warning "$1"; }

# sv_fatal CODE MESSAGE: before any stage runs.
sv_fatal () {
	sv_log error "$2"
	sv_cleanup
	exit "$1"
}

# sv_quote WORD: WORD quoted for eval.
sv_quote () {
	printf "'%s'" "$(printf '%s\n' "$1" | sed "s/'/'\\\\''/g")"
}

# sv_setup PROG RUN_PARENT: the private run directory and the events FIFO.
# sv_stage_common VERBOSE QUIET LOG_FORMAT: sets $sv_common, the options
# every stage takes, and puts the tools installed beside this script first
# on PATH, so the stages are of the script's own version.
sv_stage_common () {
	case $0 in
	*/*) PATH=${0%/*}:$PATH ;;
	esac
	sv_common="--log-format $3"
	sv_n=0
	while [ $sv_n -lt "$1" ]; do sv_common="$sv_common -v"; sv_n=$((sv_n + 1)); done
	sv_n=0
	while [ $sv_n -lt "$2" ]; do sv_common="$sv_common -q"; sv_n=$((sv_n + 1)); done
}

sv_setup () {
	sv_prog=$1
	mkdir -p "$2" 2>/dev/null
	sv_run=$(mktemp -d "$2/$sv_prog.XXXXXX" 2>/dev/null) ||
		{ sv_run=; sv_fatal 3 "$2: cannot create a run directory"; }
	mkfifo "$sv_run/events" || sv_fatal 3 "$sv_run/events: cannot create a FIFO"
	exec 3<>"$sv_run/events"
	# The echo wakes the main loop's read even when the signal came just
	# before it started reading.
	trap 'sv_signal=TERM; echo signal >&3' TERM
	trap 'sv_signal=INT; echo signal >&3' INT
	trap 'sv_signal=HUP; echo signal >&3' HUP
	trap 'sv_cleanup' EXIT
}

sv_cleanup () {
	if [ -n "$sv_timer" ]; then
		kill "$sv_timer" 2>/dev/null
		sv_timer=
	fi
	if [ -n "$sv_run" ]; then
		rm -rf "$sv_run"
		sv_run=
	fi
}

# sv_fifo NAME: the FIFO $sv_run/NAME joins two stages. It is made anew at
# every start, so that lines the last run wrote and nobody read are gone.
sv_fifo () {
	sv_fifos="$sv_fifos $1"
}

# sv_stage NAME IN OUT CMD [ARG...]: declares a stage reading IN and
# writing OUT (FIFO names in the run directory, or - for /dev/null and for
# the script's standard output).
sv_stage () {
	sv_n_=$1 sv_i_=$2 sv_o_=$3
	shift 3
	command -v "$1" >/dev/null 2>&1 || sv_fatal 3 "$1: not found (PATH=$PATH)"
	sv_c_='exec'
	for sv_a_ in "$@"; do
		sv_c_="$sv_c_ $(sv_quote "$sv_a_")"
	done
	sv_c_="$sv_c_ 2>\"\$sv_run/$sv_n_.err\""
	if [ "$sv_i_" = - ]; then
		sv_c_="$sv_c_ </dev/null"
	else
		sv_c_="$sv_c_ <\"\$sv_run/$sv_i_\""
	fi
	[ "$sv_o_" = - ] || sv_c_="$sv_c_ >\"\$sv_run/$sv_o_\""
	eval "sv_cmd_$sv_n_=\$sv_c_ sv_pid_$sv_n_="
	sv_stages="$sv_stages $sv_n_"
}

# sv_prefix NAME: copies a stage's diagnostics to standard error, each
# line marked with the stage's name ("[NAME] "), or, as JSON, with a
# "stage" member added to the tools' JSON lines (other lines, such as a
# shell's error, wrapped in one). Ends at the watcher's end marker; reads a
# FIFO opened read-write, so it never sees end of file before that.
sv_prefix () {
	trap '' TERM INT HUP
	while IFS= read -r sv_l_; do
		[ "$sv_l_" = "$sv_eof" ] && break
		if [ "$sv_log_format" != json ]; then
			printf '[%s] %s\n' "$1" "$sv_l_"
		else
			case $sv_l_ in
			'{'*'}') printf '%s,"stage":"%s"}\n' "${sv_l_%\}}" "$1" ;;
			*) printf '{"time":"%s","level":"error","prog":"%s","stage":"%s","msg":%s}\n' \
				"$(sv_now_iso)" "$sv_prog" "$1" "$(sv_json_string "$sv_l_")" ;;
			esac
		fi
	done >&2
}

# sv_watch NAME: runs in the background: starts the stage, reports its PID
# and, once its diagnostics are drained, its exit status. Trapping (not
# ignoring) the signals keeps the watcher alive when a whole process group
# is signalled, while the stage itself starts with the default actions.
sv_watch () {
	trap : TERM INT HUP
	sv_err_=$sv_run/$1.err
	sv_prefix "$1" <>"$sv_err_" 3>&- &
	sv_ppid_=$!
	eval "sv_c_=\$sv_cmd_$1"
	eval "$sv_c_ 3>&-" &
	sv_spid_=$!
	echo "start $1 $sv_spid_" >&3
	while :; do
		wait "$sv_spid_"
		sv_rc_=$?
		# A trapped signal ends wait early (status > 128); the stage may
		# still be running or not yet reaped.
		if [ "$sv_rc_" -gt 128 ] && kill -0 "$sv_spid_" 2>/dev/null; then
			continue
		fi
		break
	done
	echo "$sv_eof" >"$sv_err_"
	wait "$sv_ppid_"
	echo "exit $1 $sv_spid_ $sv_rc_" >&3
}

sv_start_all () {
	sv_gen=$((sv_gen + 1))
	sv_state=running
	sv_started=$(date +%s)
	for sv_n_ in $sv_fifos; do
		rm -f "$sv_run/$sv_n_"
		mkfifo "$sv_run/$sv_n_" || sv_fatal 3 "$sv_run/$sv_n_: cannot create a FIFO"
	done
	for sv_n_ in $sv_stages; do
		[ -p "$sv_run/$sv_n_.err" ] || mkfifo "$sv_run/$sv_n_.err" ||
			sv_fatal 3 "$sv_run/$sv_n_.err: cannot create a FIFO"
		sv_watch "$sv_n_" </dev/null &
		sv_alive=$((sv_alive + 1))
	done
}

# sv_timer_start KIND SECONDS: a "KIND GEN" event after SECONDS. The sleep
# holds no descriptor of ours, so one left behind delays nobody.
sv_timer_start () {
	[ -z "$sv_timer" ] || kill "$sv_timer" 2>/dev/null
	( sleep "$2" 3>&-; echo "$1 $sv_gen" >&3 ) </dev/null >/dev/null 2>&1 &
	sv_timer=$!
}

# sv_signal_all SIG: SIG to every running stage, by PID.
sv_signal_all () {
	for sv_n_ in $sv_stages; do
		eval "sv_p_=\$sv_pid_$sv_n_"
		[ -z "$sv_p_" ] || kill -s "$1" "$sv_p_" 2>/dev/null
	done
}

# sv_stop: a stage ended: stop the others, then restart them all.
sv_stop () {
	sv_gen=$((sv_gen + 1))
	sv_state=stopping
	if [ $(($(date +%s) - sv_started)) -ge "$sv_stable" ]; then
		sv_delay=1
	fi
	sv_signal_all TERM
	sv_timer_start deadline "$sv_stop_timeout"
}

sv_shutdown () {
	sv_gen=$((sv_gen + 1))
	sv_state=shutdown
	sv_info "$1: stopping every stage"
	sv_signal_all TERM
	sv_timer_start deadline "$sv_stop_timeout"
}

sv_on_exit () { # NAME PID RC
	sv_alive=$((sv_alive - 1))
	eval "sv_p_=\$sv_pid_$1"
	[ "$sv_p_" = "$2" ] && eval "sv_pid_$1="
	sv_why_="status $3"
	[ "$3" -le 128 ] || sv_why_="$sv_why_ (signal $(($3 - 128)))"
	case $sv_state in
	running)
		sv_warn "$1 (pid $2) exited with $sv_why_; restarting the pipeline"
		sv_stop
		;;
	*)
		sv_info "$1 (pid $2) ended with $sv_why_"
		;;
	esac
	[ "$sv_alive" -eq 0 ] || return 0
	case $sv_state in
	stopping)
		sv_gen=$((sv_gen + 1))
		sv_state=waiting
		sv_info "every stage ended; starting again in $sv_delay s"
		sv_timer_start restart "$sv_delay"
		sv_delay=$((sv_delay * 2))
		[ "$sv_delay" -le "$sv_delay_max" ] || sv_delay=$sv_delay_max
		;;
	shutdown)
		sv_state=over
		;;
	esac
}

# sv_main: starts the pipeline and supervises it until SIGTERM or SIGINT
# and the end of every stage. Returns 0, or 1 when a stage had to be killed.
sv_main () {
	sv_start_all
	while [ "$sv_state" != over ]; do
		if read -r sv_ev_ sv_a_ sv_b_ sv_c_ <&3; then
			case $sv_ev_ in
			start)
				eval "sv_pid_$sv_a_=\$sv_b_"
				sv_info "$sv_a_ started (pid $sv_b_)"
				case $sv_state in
				stopping | shutdown) kill -s TERM "$sv_b_" 2>/dev/null ;;
				esac
				;;
			exit) sv_on_exit "$sv_a_" "$sv_b_" "$sv_c_" ;;
			restart)
				if [ "$sv_state" = waiting ] && [ "$sv_a_" = "$sv_gen" ]; then
					sv_timer=
					sv_info "starting the pipeline again"
					sv_start_all
				fi
				;;
			deadline)
				if [ "$sv_a_" = "$sv_gen" ] && [ "$sv_alive" -gt 0 ]; then
					sv_timer=
					sv_warn "stages still running after $sv_stop_timeout s: killing them"
					[ "$sv_state" != shutdown ] || sv_killed=1
					sv_signal_all KILL
				fi
				;;
			esac
		fi
		case $sv_signal in
		'') ;;
		HUP)
			sv_signal=
			sv_info "SIGHUP: passed to every stage"
			sv_signal_all HUP
			;;
		*)
			if [ "$sv_state" != shutdown ]; then
				sv_shutdown "SIG$sv_signal"
				[ "$sv_alive" -gt 0 ] || sv_state=over
			fi
			sv_signal=
			;;
		esac
	done
	sv_info "every stage has ended"
	[ -z "$sv_killed" ]
}

# ---- options -----------------------------------------------------------
# One table per script, one option a line, fields separated by '|':
#   LONG|SHORT|ARG|VARIABLE|ACTION|HELP
# ACTION: set (VARIABLE=ARG), add (ARG appended, space-separated), count
# (VARIABLE incremented), help, version. --help, --completion-helper (the
# words the shell completions offer, as the C tools print them) and the
# parser all read it, so they cannot disagree.

sv_usage_error () {
	printf "%s: %s\nTry '%s --help' for more information.\n" "$sv_prog" "$1" "$sv_prog" >&2
	exit 2
}

sv_print_help () { # TABLE
	printf '%s\n\nOptions:\n' "$sv_help_head"
	printf '%s\n' "$1" | while IFS='|' read -r l_ s_ a_ v_ k_ h_; do
		[ -n "$l_" ] || continue
		o_="--$l_"
		[ -z "$a_" ] || o_="$o_=$a_"
		if [ -n "$s_" ]; then o_="-$s_, $o_"; else o_="    $o_"; fi
		printf '  %-30s %s\n' "$o_" "$h_"
	done
	printf '\n%s\n' "$sv_help_tail"
}

sv_print_completion () { # TABLE
	printf '%s\n' "$1" | while IFS='|' read -r l_ s_ a_ v_ k_ h_; do
		[ -n "$l_" ] || continue
		if [ -n "$a_" ]; then echo "--$l_="; else echo "--$l_"; fi
		[ -z "$s_" ] || echo "-$s_"
	done
}

# sv_option TABLE OPTION: sets sv_o_var, sv_o_kind, sv_o_arg for OPTION
# (--long or -x), or fails.
sv_option () {
	sv_o_found_=$(printf '%s\n' "$1" | while IFS='|' read -r l_ s_ a_ v_ k_ h_; do
		[ -n "$l_" ] || continue
		if [ "$2" = "--$l_" ] || { [ -n "$s_" ] && [ "$2" = "-$s_" ]; }; then
			printf '%s|%s|%s\n' "$v_" "$k_" "$a_"
			break
		fi
	done)
	[ -n "$sv_o_found_" ] || return 1
	IFS='|' read -r sv_o_var sv_o_kind sv_o_arg <<EOT
$sv_o_found_
EOT
}

# sv_parse TABLE ARG...: sets the table's variables; no operands allowed.
sv_parse () {
	sv_table_=$1
	shift
	while [ $# -gt 0 ]; do
		sv_w_=$1
		shift
		sv_v_=
		sv_has_v_=
		case $sv_w_ in
		--completion-helper)
			sv_print_completion "$sv_table_"
			exit 0
			;;
		--*=*)
			sv_v_=${sv_w_#*=}
			sv_has_v_=1
			sv_w_=${sv_w_%%=*}
			;;
		-?*) ;;
		*) sv_usage_error "$sv_w_: unexpected argument (this command takes options only)" ;;
		esac
		sv_option "$sv_table_" "$sv_w_" || sv_usage_error "$sv_w_: unknown option"
		if [ -n "$sv_o_arg" ]; then
			if [ -z "$sv_has_v_" ]; then
				[ $# -gt 0 ] || sv_usage_error "$sv_w_: missing argument"
				sv_v_=$1
				shift
			fi
		elif [ -n "$sv_has_v_" ]; then
			sv_usage_error "$sv_w_: takes no argument"
		fi
		case $sv_o_kind in
		set) eval "$sv_o_var=\$sv_v_" ;;
		add) eval "$sv_o_var=\"\${$sv_o_var:+\$$sv_o_var }\$sv_v_\"" ;;
		count) eval "$sv_o_var=\$((\${$sv_o_var:-0} + 1))" ;;
		help)
			sv_print_help "$sv_table_"
			exit 0
			;;
		version)
			echo "$sv_prog (lbkit) $sv_version"
			exit 0
			;;
		esac
	done
}
