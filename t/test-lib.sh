# lbkit test library: sourced by every t/tNNNN-*.sh script (POSIX sh).
#
# A script looks like this (git's t/test-lib.sh is the model):
#
#	#!/bin/sh
#	test_description='lb-alloc hands out the first free address'
#	. "$(dirname "$0")/test-lib.sh"
#	test_expect_success 'first address' '
#		lb-alloc --pool 192.0.2.10-192.0.2.20 get default/web >out &&
#		grep 192.0.2.10 out
#	'
#	test_done
#
# Output is TAP, for prove. Options: -v/--verbose (or LBKIT_TEST_VERBOSE=1)
# shows the tests' own output; -i/--immediate stops at the first failure;
# -x traces the test bodies. LBKIT_TEST_STRICT=1 turns every test skipped
# for a missing prerequisite into a failure, so CI cannot go green by
# quietly testing nothing. LBKIT_BUILD names the build directory (default:
# <repo>/build); its binaries come first in PATH.

# --- where we are ---------------------------------------------------------

# A sourced file cannot learn its own path portably, so it trusts the script
# it was sourced from to sit beside it (the harness self-test sets
# TEST_DIRECTORY itself for scripts it writes elsewhere).
if test -z "$TEST_DIRECTORY" || ! test -f "$TEST_DIRECTORY/test-lib.sh"; then
	TEST_DIRECTORY=$(cd "$(dirname "$0")" && pwd) || exit 1
fi
TEST_NAME=$(basename "$0" .sh)
TEST_SHORT=${TEST_NAME%%-*}

# --- options ----------------------------------------------------------------

verbose=${LBKIT_TEST_VERBOSE:-}
test "$verbose" = 0 && verbose=
immediate=
trace=
strict=${LBKIT_TEST_STRICT:-}
test "$strict" = 0 && strict=
for test_arg_ in "$@"; do
	case $test_arg_ in
	-v | --verbose) verbose=t ;;
	-i | --immediate) immediate=t ;;
	-x | --trace) trace=t ;;
	--strict) strict=t ;;
	*)
		echo "Bail out! $TEST_NAME: unknown option '$test_arg_' (known: -v -i -x --strict)"
		exit 1
		;;
	esac
done
unset test_arg_

# --- a predictable environment ---------------------------------------------

LC_ALL=C
TZ=UTC
export LC_ALL TZ
unset LANG LANGUAGE LC_CTYPE LC_NUMERIC LC_TIME LC_COLLATE LC_MONETARY LC_MESSAGES
# A developer's cluster credentials must never reach a test: the tools read
# these exactly as kubectl does.
unset KUBECONFIG KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT KUBERNETES_MASTER
unset XDG_CONFIG_HOME XDG_RUNTIME_DIR
# libcurl honours proxy variables; the tests talk only to local servers.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
unset CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR
unset CDPATH GREP_OPTIONS
umask 022

REPO_ROOT=$(cd "$TEST_DIRECTORY/.." && pwd)
: "${LBKIT_BUILD:=$REPO_ROOT/build}"
case $LBKIT_BUILD in
/*) ;;
*) LBKIT_BUILD=$(pwd)/$LBKIT_BUILD ;;
esac
export LBKIT_BUILD

# --- TAP output -------------------------------------------------------------

# fd 5 keeps the real stdout (the TAP stream) and fd 6 the real stderr,
# whatever a test body redirects.
exec 5>&1 6>&2

say () {
	printf '%s\n' "$*" >&5
}

# Prints the lines of stdin as TAP comments.
say_comment () {
	sed -e 's/^/# /' >&5
}

bail_out () {
	say "Bail out! $TEST_NAME: $*"
	exit 1
}

lbkit_have_binaries_ () {
	for f in "$LBKIT_BUILD"/lb-*; do
		test -f "$f" && test -x "$f" && return 0
	done
	return 1
}

test -d "$LBKIT_BUILD" ||
	bail_out "LBKIT_BUILD=$LBKIT_BUILD is not a directory (run make first)"
lbkit_have_binaries_ ||
	bail_out "no lbkit binaries (lb-*) in LBKIT_BUILD=$LBKIT_BUILD (run make first)"
# sbin holds ip, bird, tcpdump: non-root PATHs often lack it.
PATH=$LBKIT_BUILD:$PATH:/usr/sbin:/sbin
export PATH

# --- the trash directory ----------------------------------------------------

TRASH_DIRECTORY=$LBKIT_BUILD/trash/$TEST_NAME
LBKIT_TEST_STATE=$TRASH_DIRECTORY/.lbkit
rm -rf "$TRASH_DIRECTORY" || bail_out "cannot remove stale $TRASH_DIRECTORY"
mkdir -p "$LBKIT_TEST_STATE" || bail_out "cannot create $TRASH_DIRECTORY"
: >"$LBKIT_TEST_STATE/bg"
: >"$LBKIT_TEST_STATE/netns"
HOME=$TRASH_DIRECTORY
export HOME TRASH_DIRECTORY
cd "$TRASH_DIRECTORY" || bail_out "cannot enter $TRASH_DIRECTORY"

test_count=0
test_failed=0
test_fixed=0
test_broken=0
test_skipped=0
test_in_body=
test_cleanup=:
skip_all=${skip_all:-}
satisfied_prereq=' '
lazily_tested_prereq=' '

# --- background processes and namespaces: cleaned up whatever happens -------

# A process is identified by PID plus its start time, so a PID that the
# kernel has reused since is never signalled.
lbkit_proc_start_ () {
	sed -e 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

lbkit_proc_alive_ () {
	test -r "/proc/$1/stat" || return 1
	case $(sed -e 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) in
	Z | X | '') return 1 ;;
	esac
	return 0
}

# Signals the process group test_bg made (setsid), falling back to the PID.
lbkit_signal_ () {
	kill -s "$1" -- "-$2" 2>/dev/null || kill -s "$1" "$2" 2>/dev/null
}

# Kills one PID if it still is the process recorded; waits up to ~2 s for
# TERM before KILL.
lbkit_kill_ () {
	lbkit_pid_=$1 lbkit_start_=$2
	test -n "$lbkit_pid_" || return 0
	if test "$(lbkit_proc_start_ "$lbkit_pid_")" = "$lbkit_start_"; then
		lbkit_signal_ TERM "$lbkit_pid_"
		lbkit_i_=0
		while lbkit_proc_alive_ "$lbkit_pid_" && test $lbkit_i_ -lt 20; do
			sleep 0.1
			lbkit_i_=$((lbkit_i_ + 1))
		done
		if lbkit_proc_alive_ "$lbkit_pid_"; then
			lbkit_signal_ KILL "$lbkit_pid_"
		fi
	fi
	# Reaps it when it is our child; instant otherwise.
	wait "$lbkit_pid_" 2>/dev/null
	return 0
}

# test_bg NAME CMD [ARG...]: starts CMD in the background in its own process
# group, stdout to NAME.out and stderr to NAME.err in the current directory,
# PID in $TRASH_DIRECTORY/NAME.pid. It is killed (by PID, never by name)
# when the current test ends, or at the end of the script when started
# outside a test, and in any case when the script exits or is interrupted.
test_bg () {
	test $# -ge 2 || bail_out "test_bg: usage: test_bg NAME CMD [ARG...]"
	test_bg_name_=$1
	shift
	case $test_bg_name_ in
	*/* | '' | .*) bail_out "test_bg: bad name '$test_bg_name_'" ;;
	esac
	if command -v setsid >/dev/null 2>&1; then
		setsid "$@" >"$test_bg_name_.out" 2>"$test_bg_name_.err" </dev/null &
	else
		"$@" >"$test_bg_name_.out" 2>"$test_bg_name_.err" </dev/null &
	fi
	test_bg_pid_=$!
	echo "$test_bg_pid_" >"$TRASH_DIRECTORY/$test_bg_name_.pid"
	# The start time may not be readable in the first microseconds.
	test_bg_start_=$(lbkit_proc_start_ "$test_bg_pid_")
	echo "$test_bg_pid_ $test_bg_start_ $test_bg_name_" >>"$LBKIT_TEST_STATE/bg"
	if test -n "$test_in_body"; then
		test_when_finished "test_bg_kill $test_bg_name_"
	fi
	return 0
}

# test_bg_pid NAME: prints the PID of a process test_bg started.
test_bg_pid () {
	cat "$TRASH_DIRECTORY/$1.pid"
}

# test_bg_kill NAME: kills it now (TERM, then KILL after ~2 s).
test_bg_kill () {
	while read -r pid_ start_ name_; do
		test "$name_" = "$1" && lbkit_kill_ "$pid_" "$start_"
	done <"$LBKIT_TEST_STATE/bg"
	return 0
}

lbkit_kill_all_bg_ () {
	test -f "$LBKIT_TEST_STATE/bg" || return 0
	while read -r pid_ start_ name_; do
		lbkit_kill_ "$pid_" "$start_"
	done <"$LBKIT_TEST_STATE/bg"
	: >"$LBKIT_TEST_STATE/bg"
}

# test_netns_add NAME: creates a network namespace named
# lbkit-<script>-<pid>-NAME (unique per running script, so parallel scripts
# never collide), brings its lo up, and registers its deletion at exit. The
# real name is stored in $NS_<NAME> (NAME with - and . as _) and printed by
# `test_netns NAME`.
test_netns_add () {
	test $# = 1 || bail_out "test_netns_add: usage: test_netns_add NAME"
	case $1 in
	*[!A-Za-z0-9_.-]* | '') bail_out "test_netns_add: bad name '$1'" ;;
	esac
	test_netns_real_=lbkit-$TEST_SHORT-$$-$1
	ip netns add "$test_netns_real_" || return 1
	echo "$1 $test_netns_real_" >>"$LBKIT_TEST_STATE/netns"
	ip -n "$test_netns_real_" link set lo up || return 1
	eval "NS_$(echo "$1" | tr .- __)=\$test_netns_real_"
	return 0
}

# test_netns NAME: prints the real name of a namespace test_netns_add made
# (or NAME itself when it made none by that name).
test_netns () {
	test_netns_found_=
	while read -r logical_ real_; do
		test "$logical_" = "$1" && test_netns_found_=$real_
	done <"$LBKIT_TEST_STATE/netns"
	echo "${test_netns_found_:-$1}"
}

# test_veth A_NS A_IF B_NS B_IF: a veth pair from A_IF in A_NS to B_IF in
# B_NS, both up. Created inside A_NS, so the host's own namespace never
# sees it.
test_veth () {
	test $# = 4 || bail_out "test_veth: usage: test_veth A_NS A_IF B_NS B_IF"
	test_veth_a_=$(test_netns "$1")
	test_veth_b_=$(test_netns "$3")
	ip -n "$test_veth_a_" link add "$2" type veth peer name "$4" netns "$test_veth_b_" &&
	ip -n "$test_veth_a_" link set "$2" up &&
	ip -n "$test_veth_b_" link set "$4" up
}

lbkit_delete_netns_ () {
	test -f "$LBKIT_TEST_STATE/netns" || return 0
	while read -r logical_ real_; do
		# Daemons started inside (bird, bgpd) left test_bg's process
		# group; the namespace's own PID list finds them.
		for sig_ in TERM KILL; do
			pids_=$(ip netns pids "$real_" 2>/dev/null)
			test -n "$pids_" || break
			# shellcheck disable=SC2086 # one PID a word
			kill -s $sig_ $pids_ 2>/dev/null
			i_=0
			while test $i_ -lt 20 && test -n "$(ip netns pids "$real_" 2>/dev/null)"; do
				sleep 0.1
				i_=$((i_ + 1))
			done
		done
		ip netns delete "$real_" 2>/dev/null
	done <"$LBKIT_TEST_STATE/netns"
	: >"$LBKIT_TEST_STATE/netns"
}

lbkit_cleanup_ () {
	lbkit_kill_all_bg_
	lbkit_delete_netns_
}

lbkit_exit_trap_ () {
	lbkit_exit_code_=$?
	trap - EXIT
	cd "$TRASH_DIRECTORY" 2>/dev/null || cd /
	lbkit_cleanup_
	if test -z "$lbkit_done_"; then
		say "# $TEST_NAME: exited before test_done (status $lbkit_exit_code_); trash kept: $TRASH_DIRECTORY"
		test "$lbkit_exit_code_" = 0 && lbkit_exit_code_=1
	fi
	exit $lbkit_exit_code_
}

trap 'lbkit_exit_trap_' EXIT
trap 'say "# $TEST_NAME: interrupted"; exit 130' INT
trap 'say "# $TEST_NAME: terminated"; exit 143' TERM
trap 'say "# $TEST_NAME: hung up"; exit 129' HUP

# --- prerequisites ----------------------------------------------------------

test_set_prereq () {
	satisfied_prereq="$satisfied_prereq$1 "
}

# test_lazy_prereq NAME 'script': NAME holds when script succeeds; the
# script runs once, in a subshell inside a scratch directory, when a test
# first asks.
test_lazy_prereq () {
	eval "test_lazy_prereq_script_$1=\$2"
}

lbkit_run_lazy_prereq_ () {
	lazily_tested_prereq="$lazily_tested_prereq$1 "
	eval "lbkit_script_=\${test_lazy_prereq_script_$1}"
	test -n "$lbkit_script_" || return 1
	lbkit_dir_=$LBKIT_TEST_STATE/prereq-$1
	mkdir -p "$lbkit_dir_" &&
	(cd "$lbkit_dir_" && eval "$lbkit_script_") >/dev/null 2>&1 </dev/null
	lbkit_ret_=$?
	rm -rf "$lbkit_dir_"
	return $lbkit_ret_
}

# test_have_prereq P[,P...]: all hold. !P means P must not hold. Sets
# missing_prereq to the ones that fail.
test_have_prereq () {
	missing_prereq=
	lbkit_ifs_=$IFS
	IFS=,
	# shellcheck disable=SC2048,SC2086 # split P,Q,!R at the commas
	set -- $*
	IFS=$lbkit_ifs_
	for prereq_; do
		case $prereq_ in
		!*) negated_=t; prereq_=${prereq_#!} ;;
		*) negated_= ;;
		esac
		case $satisfied_prereq in
		*" $prereq_ "*) ;;
		*)
			case $lazily_tested_prereq in
			*" $prereq_ "*) ;;
			*) lbkit_run_lazy_prereq_ "$prereq_" && test_set_prereq "$prereq_" ;;
			esac
			;;
		esac
		case $satisfied_prereq in
		*" $prereq_ "*) have_=t ;;
		*) have_= ;;
		esac
		if test -n "$negated_"; then
			test -z "$have_" || missing_prereq="${missing_prereq:+$missing_prereq,}!$prereq_"
		else
			test -n "$have_" || missing_prereq="${missing_prereq:+$missing_prereq,}$prereq_"
		fi
	done
	test -z "$missing_prereq"
}

test_lazy_prereq ROOT 'test "$(id -u)" = 0'
test_lazy_prereq NETNS '
	test "$(id -u)" = 0 &&
	ns=lbkit-prereq-$$ &&
	ip netns add "$ns" &&
	ip netns delete "$ns"
'
test_lazy_prereq BIRD 'command -v bird && command -v birdc'
test_lazy_prereq FRR 'test -x /usr/lib/frr/bgpd && command -v vtysh'
test_lazy_prereq GOBGP 'command -v gobgpd && command -v gobgp'
# Debian also ships Thomas Habets' arping; lbkit follows iputils' dialect.
test_lazy_prereq ARPING 'arping -V 2>&1 | grep -i iputils'
test_lazy_prereq NDISC6 'command -v ndisc6'
test_lazy_prereq TCPDUMP 'command -v tcpdump'
test_lazy_prereq TSHARK 'command -v tshark'
test_lazy_prereq KUBECTL 'command -v kubectl'
# A Docker daemon that builds: CI machines have none.
test_lazy_prereq DOCKER 'docker info'
test_lazy_prereq SYSTEMD_ANALYZE 'command -v systemd-analyze'
# Prerequisites the project uses only where they happen to be installed
# (Debian has no kubectl package; containers lack a Docker daemon and often
# systemd): missing, they skip even in strict mode.
lbkit_optional_prereqs=KUBECTL,DOCKER,SYSTEMD_ANALYZE
# A python3 earlier in PATH may lack Debian's modules.
test_lazy_prereq PYTHON3 'test -x /usr/bin/python3'
PYTHON3=/usr/bin/python3
test_lazy_prereq PYYAML '/usr/bin/python3 -c "import yaml"'
test_lazy_prereq DASH 'command -v dash'
test_lazy_prereq JQ 'command -v jq'
test_lazy_prereq MANDOC 'command -v mandoc'
test_lazy_prereq CURL 'command -v curl'
test_lazy_prereq ZSH 'command -v zsh'
test_lazy_prereq BASH 'command -v bash'

# --- running tests ----------------------------------------------------------

# test_when_finished CMD: runs CMD after the current test, pass or fail
# (last registered first); a failing CMD fails the test.
test_when_finished () {
	test -n "$test_in_body" ||
		bail_out "test_when_finished outside a test: $*"
	test_cleanup="{ $*
		} && (exit \"\$eval_ret\"); eval_ret=\$?; $test_cleanup"
}

# The body runs inside a function of its own, so that `return 1` (the
# idiom to fail from inside a loop) ends the body, not the harness.
lbkit_eval_ () {
	eval "$1"
}

# Runs a body (and its cleanups) in this shell, so variables carry over
# from test to test as in git; output goes to a file unless verbose.
lbkit_run_body_ () {
	test_cleanup=:
	test_in_body=t
	lbkit_out_=$LBKIT_TEST_STATE/out-$test_count
	if test -n "$verbose"; then
		lbkit_redirect_out_=/dev/fd/6
	else
		lbkit_redirect_out_=$lbkit_out_
	fi
	: >"$lbkit_out_"
	if test -n "$trace"; then
		{ set -x; lbkit_eval_ "$1"; eval_ret=$?; set +x; } >>"$lbkit_redirect_out_" 2>&1 </dev/null
	else
		{ lbkit_eval_ "$1"; eval_ret=$?; } >>"$lbkit_redirect_out_" 2>&1 </dev/null
	fi
	{ lbkit_eval_ "$test_cleanup"; } >>"$lbkit_redirect_out_" 2>&1 </dev/null
	test_in_body=
	test_cleanup=:
	cd "$TRASH_DIRECTORY" || bail_out "cannot return to $TRASH_DIRECTORY"
	return $eval_ret
}

lbkit_show_failure_ () {
	say_comment <<EOF
failed: $1
$(printf '%s\n' "$2" | sed -e '/^[ 	]*$/d')
EOF
	if test -z "$verbose" && test -s "$lbkit_out_"; then
		say '# output (last 25 lines):'
		tail -n 25 "$lbkit_out_" | say_comment
	fi
}

# Common start of test_expect_success/failure: checks prerequisites and
# prints the skip (or strict-mode failure) line. Returns 1 when the test
# must not run.
lbkit_test_start_ () {
	test -n "$skip_all" && test $test_count = 0 && test_done
	test_count=$((test_count + 1))
	test -z "$1" && return 0
	test_have_prereq "$1" && return 0
	lbkit_positive_missing_=
	lbkit_ifs_=$IFS
	IFS=,
	for p_ in $missing_prereq; do
		case $p_ in
		!*) ;;
		*) case ",$lbkit_optional_prereqs," in
		   *",$p_,"*) ;;
		   *) lbkit_positive_missing_="${lbkit_positive_missing_:+$lbkit_positive_missing_,}$p_" ;;
		   esac ;;
		esac
	done
	IFS=$lbkit_ifs_
	# Under strict mode a missing tool or privilege is a CI setup bug; a
	# negated prerequisite (!ROOT) cannot hold everywhere, so it only skips.
	if test -n "$strict" && test -n "$lbkit_positive_missing_"; then
		say "not ok $test_count - $2 # missing prerequisite $lbkit_positive_missing_ under LBKIT_TEST_STRICT=1"
		test_failed=$((test_failed + 1))
		test -n "$immediate" && test_done
	else
		say "ok $test_count # skip $2 (missing $missing_prereq)"
		test_skipped=$((test_skipped + 1))
	fi
	return 1
}

# test_expect_success [PREREQ[,PREREQ]] 'title' 'body'
test_expect_success () {
	test $# = 3 && lbkit_prereq_=$1 && shift || lbkit_prereq_=
	test $# = 2 || bail_out "test_expect_success: need [PREREQ] TITLE BODY, got $# arguments"
	lbkit_test_start_ "$lbkit_prereq_" "$1" || return 0
	if lbkit_run_body_ "$2"; then
		say "ok $test_count - $1"
	else
		say "not ok $test_count - $1"
		lbkit_show_failure_ "$1" "$2"
		test_failed=$((test_failed + 1))
		test -n "$immediate" && test_done
	fi
	return 0
}

# test_expect_failure [PREREQ] 'title' 'body': a known breakage (TAP TODO).
test_expect_failure () {
	test $# = 3 && lbkit_prereq_=$1 && shift || lbkit_prereq_=
	test $# = 2 || bail_out "test_expect_failure: need [PREREQ] TITLE BODY, got $# arguments"
	lbkit_test_start_ "$lbkit_prereq_" "$1" || return 0
	if lbkit_run_body_ "$2"; then
		say "ok $test_count - $1 # TODO known breakage vanished"
		test_fixed=$((test_fixed + 1))
	else
		say "not ok $test_count - $1 # TODO known breakage"
		test_broken=$((test_broken + 1))
	fi
	return 0
}

# --- helpers for test bodies ------------------------------------------------

# test_must_fail CMD...: CMD exits non-zero, but not by a signal (>128),
# and was found (not 126/127).
test_must_fail () {
	"$@"
	lbkit_code_=$?
	if test $lbkit_code_ = 0; then
		echo >&2 "test_must_fail: command succeeded: $*"
		return 1
	elif test $lbkit_code_ -gt 128 && test $lbkit_code_ -le 192; then
		echo >&2 "test_must_fail: died by signal $((lbkit_code_ - 128)): $*"
		return 1
	elif test $lbkit_code_ = 126 || test $lbkit_code_ = 127; then
		echo >&2 "test_must_fail: command not found or not executable: $*"
		return 1
	fi
	return 0
}

# test_expect_code N CMD...
test_expect_code () {
	lbkit_want_=$1
	shift
	"$@"
	lbkit_code_=$?
	test $lbkit_code_ = "$lbkit_want_" && return 0
	echo >&2 "test_expect_code: command exited with $lbkit_code_, we wanted $lbkit_want_: $*"
	return 1
}

# test_cmp EXPECTED ACTUAL
test_cmp () {
	test $# = 2 || bail_out "test_cmp: need 2 files, got $#"
	diff -u "$@"
}

# test_line_count OP N FILE, e.g. test_line_count = 3 out
test_line_count () {
	test $# = 3 || bail_out "test_line_count: usage: test_line_count OP N FILE"
	lbkit_lines_=$(wc -l <"$3") || return 1
	if ! test "$lbkit_lines_" "$1" "$2"; then
		echo >&2 "test_line_count: line count of $3 is $lbkit_lines_, not $1 $2:"
		cat >&2 "$3"
		return 1
	fi
}

# test_wait_for 'COND' SECONDS: polls COND (eval'ed) every 0.05 s until it
# holds; fails when it still does not after SECONDS (a whole number).
test_wait_for () {
	test $# = 2 || bail_out "test_wait_for: usage: test_wait_for 'COND' SECONDS"
	case $2 in
	'' | *[!0-9]*) bail_out "test_wait_for: '$2' is not a whole number of seconds" ;;
	esac
	lbkit_deadline_=$(($(date +%s) + $2 + 1))
	lbkit_polls_=$(($2 * 20))
	while :; do
		eval "$1" && return 0
		if test $lbkit_polls_ -le 0 || test "$(date +%s)" -ge $lbkit_deadline_; then
			echo >&2 "test_wait_for: still false after $2 s: $1"
			return 1
		fi
		lbkit_polls_=$((lbkit_polls_ - 1))
		sleep 0.05
	done
}

# --- the end ----------------------------------------------------------------

test_done () {
	lbkit_done_=t
	trap - INT TERM HUP
	cd "$TRASH_DIRECTORY" 2>/dev/null || cd /
	lbkit_cleanup_
	if test $test_count = 0 && test -n "$skip_all"; then
		if test -n "$strict"; then
			say "not ok 1 - $TEST_NAME # skipped ($skip_all) under LBKIT_TEST_STRICT=1"
			say "1..1"
			exit 1
		fi
		say "1..0 # SKIP $skip_all"
		rm -rf "$TRASH_DIRECTORY"
		exit 0
	fi
	say "1..$test_count"
	if test $test_broken != 0; then
		say "# still have $test_broken known breakage(s)"
	fi
	if test $test_fixed != 0; then
		say "# $test_fixed known breakage(s) vanished; flip them to test_expect_success"
	fi
	if test $test_failed = 0; then
		cd / && rm -rf "$TRASH_DIRECTORY"
		exit 0
	fi
	say "# failed $test_failed among $test_count test(s); trash kept: $TRASH_DIRECTORY"
	exit 1
}

# A script that set skip_all before sourcing us has nothing to run.
test -n "$skip_all" && test_done
:
