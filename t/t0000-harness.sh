#!/bin/sh
test_description='the test harness: TAP lines, cleanup, prerequisites, strict mode, background processes'
. "$(dirname "$0")/test-lib.sh"

# Like git's t0000, the harness is checked by running small test scripts
# that use it, each written below into sub/ and run with a build directory
# of their own (sub/build, holding one fake lb-* binary), so their trash
# directories and namespaces never touch ours.
mkdir -p sub/build &&
printf '#!/bin/sh\nexit 0\n' >sub/build/lb-fake &&
chmod +x sub/build/lb-fake || bail_out 'cannot set up sub/'

write_sub () {
	{
		printf '#!/bin/sh\n'
		printf "test_description='%s'\n" "$1"
		printf "TEST_DIRECTORY='%s'\n" "$TEST_DIRECTORY"
		printf '. "$TEST_DIRECTORY/test-lib.sh"\n'
		cat
		printf 'test_done\n'
	} >"$TRASH_DIRECTORY/sub/$1.sh"
}

# run_sub NAME [OPTION...]: runs sub/NAME.sh, stdout to sub/NAME.out and
# stderr to sub/NAME.err; $sub_strict=1 runs it under strict mode. The
# caller's own strict or verbose mode must not leak in.
run_sub () {
	run_sub_name=$1
	shift
	(
		unset LBKIT_TEST_STRICT LBKIT_TEST_VERBOSE
		if test -n "$sub_strict"; then
			LBKIT_TEST_STRICT=1
			export LBKIT_TEST_STRICT
		fi
		LBKIT_T0000_OUTER=$TRASH_DIRECTORY
		LBKIT_BUILD=$TRASH_DIRECTORY/sub/build
		export LBKIT_T0000_OUTER LBKIT_BUILD
		cd "$TRASH_DIRECTORY/sub" &&
		sh "./$run_sub_name.sh" "$@" >"$run_sub_name.out" 2>"$run_sub_name.err"
	)
}

# A process that exited but was not reaped (PID 1 here may never reap
# orphans) is not running.
running () {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	'' | Z*) return 1 ;;
	esac
}

# start_sub NAME: like run_sub, but in the background; the script's own
# PID in $sub_pid.
start_sub () {
	(
		unset LBKIT_TEST_STRICT LBKIT_TEST_VERBOSE
		LBKIT_T0000_OUTER=$TRASH_DIRECTORY
		LBKIT_BUILD=$TRASH_DIRECTORY/sub/build
		export LBKIT_T0000_OUTER LBKIT_BUILD
		cd "$TRASH_DIRECTORY/sub" &&
		exec sh "./$1.sh" >"$1.out" 2>"$1.err"
	) &
	sub_pid=$!
}

# The TAP lines only, without comments.
tap_lines () {
	grep -v '^#' "sub/$1.out"
}

write_sub sub-pass <<\EOF
test_expect_success 'first passes' 'true'
test_expect_success 'second passes' 'echo quiet-output; test 1 = 1'
EOF

write_sub sub-fail <<\EOF
test_expect_success 'passes' 'true'
test_expect_success 'fails' '
	echo marker-of-failing-output &&
	false
'
test_expect_success 'return 1 from a loop fails the test' '
	test_when_finished "echo cleanup-after-return" &&
	for i in 1 2; do
		test $i = 1 || return 1
	done
'
test_expect_success 'passes after' 'true'
EOF

write_sub sub-when-finished <<\EOF
test_expect_success 'failing test cleans up' '
	test_when_finished "echo first >>\"\$LBKIT_T0000_OUTER/wf-log\"" &&
	test_when_finished "echo second >>\"\$LBKIT_T0000_OUTER/wf-log\"" &&
	false
'
test_expect_success 'failing cleanup fails a passing test' '
	test_when_finished false &&
	true
'
test_expect_success 'variables carry from test to test' 'carried=yes'
test_expect_success 'and are seen later' 'test "$carried" = yes'
EOF

write_sub sub-prereq <<\EOF
test_set_prereq HAVE
test_lazy_prereq LAZYYES 'echo probe >>"$LBKIT_T0000_OUTER/lazy-count"; true'
test_lazy_prereq LAZYNO 'false'
test_expect_success HAVE 'with a set prereq' 'true'
test_expect_success LAZYNO 'with a failing lazy prereq' 'false'
test_expect_success LAZYYES 'with a lazy prereq' 'true'
test_expect_success LAZYYES,HAVE 'lazy prereq evaluated once' 'true'
test_expect_success !HAVE 'negated prereq' 'false'
test_expect_success UNDEFINED 'undefined prereq' 'false'
test_expect_success 'test_have_prereq in a body' '
	test_have_prereq HAVE,LAZYYES &&
	! test_have_prereq HAVE,LAZYNO &&
	test "$missing_prereq" = LAZYNO
'
EOF

write_sub sub-skip-all <<\EOF
skip_all='nothing to see here'
test_done
EOF

write_sub sub-expect-failure <<\EOF
test_expect_failure 'known breakage' 'false'
test_expect_failure 'breakage vanished' 'true'
EOF

write_sub sub-bg <<\EOF
test_bg outside sleep 1000
cp outside.pid "$LBKIT_T0000_OUTER/bg-outside.pid"
test_expect_success 'process started in a test' '
	test_bg inside sh -c "echo started; exec sleep 1000" &&
	cp inside.pid "$LBKIT_T0000_OUTER/bg-inside.pid" &&
	test_wait_for "grep started inside.out" 10
'
test_expect_success 'is gone when the test ends' '
	! kill -0 $(cat "$LBKIT_T0000_OUTER/bg-inside.pid")
'
test_expect_success 'process started outside runs on' '
	kill -0 $(cat "$LBKIT_T0000_OUTER/bg-outside.pid")
'
test_expect_success 'failing test with a process' '
	test_bg failing sleep 1000 &&
	cp failing.pid "$LBKIT_T0000_OUTER/bg-failing.pid" &&
	false
'
EOF

write_sub sub-term <<\EOF
test_expect_success 'runs until killed' '
	test_bg sleeper sleep 1000 &&
	cp sleeper.pid "$LBKIT_T0000_OUTER/bg-term.pid" &&
	test_wait_for "false" 60
'
EOF

write_sub sub-exit <<\EOF
test_expect_success 'calls exit' 'exit 0'
EOF

write_sub sub-verbose <<\EOF
test_expect_success 'prints' 'echo visible-in-verbose-mode'
EOF

write_sub sub-netns <<\EOF
test_expect_success 'two namespaces and a veth' '
	test_netns_add a &&
	test_netns_add b &&
	echo "$NS_a" >"$LBKIT_T0000_OUTER/ns-names" &&
	echo "$NS_b" >>"$LBKIT_T0000_OUTER/ns-names" &&
	test "$(test_netns a)" = "$NS_a" &&
	ip -n "$NS_a" link show lo | grep -q "UP" &&
	test_veth a va b vb &&
	ip -n "$NS_a" addr add 192.0.2.1/24 dev va &&
	ip -n "$NS_b" addr add 192.0.2.2/24 dev vb &&
	ip -n "$NS_b" link show vb | grep -q "state UP\|LOWER_UP" &&
	ip netns exec "$NS_a" setsid -f sleep 1000 </dev/null >/dev/null 2>&1 &&
	test_wait_for "test -n \"\$(ip netns pids $NS_a)\"" 5 &&
	ip netns pids "$NS_a" >"$LBKIT_T0000_OUTER/ns-sleeper.pid"
'
EOF

test_expect_success 'passing tests print ok lines and a plan' '
	run_sub sub-pass &&
	cat >expect <<-\EOF &&
	ok 1 - first passes
	ok 2 - second passes
	1..2
	EOF
	test_cmp expect sub/sub-pass.out &&
	! test -e sub/build/trash/sub-pass
'

test_expect_success 'a failing test prints not ok, its output, and keeps the trash' '
	test_expect_code 1 run_sub sub-fail &&
	cat >expect <<-\EOF &&
	ok 1 - passes
	not ok 2 - fails
	not ok 3 - return 1 from a loop fails the test
	ok 4 - passes after
	1..4
	EOF
	tap_lines sub-fail >actual &&
	test_cmp expect actual &&
	grep "^# cleanup-after-return" sub/sub-fail.out &&
	grep "^# marker-of-failing-output" sub/sub-fail.out &&
	test -d sub/build/trash/sub-fail
'

test_expect_success 'test output is hidden unless it fails or -v' '
	run_sub sub-pass &&
	! grep quiet-output sub/sub-pass.out sub/sub-pass.err &&
	run_sub sub-verbose -v &&
	grep visible-in-verbose-mode sub/sub-verbose.err &&
	! grep visible-in-verbose-mode sub/sub-verbose.out
'

test_expect_success 'test_when_finished runs, last first, even when the test fails' '
	rm -f wf-log &&
	test_expect_code 1 run_sub sub-when-finished &&
	printf "second\nfirst\n" >expect &&
	test_cmp expect wf-log &&
	cat >expect <<-\EOF &&
	not ok 1 - failing test cleans up
	not ok 2 - failing cleanup fails a passing test
	ok 3 - variables carry from test to test
	ok 4 - and are seen later
	1..4
	EOF
	tap_lines sub-when-finished >actual &&
	test_cmp expect actual
'

test_expect_success 'missing prerequisites skip tests' '
	rm -f lazy-count &&
	run_sub sub-prereq &&
	cat >expect <<-\EOF &&
	ok 1 - with a set prereq
	ok 2 # skip with a failing lazy prereq (missing LAZYNO)
	ok 3 - with a lazy prereq
	ok 4 - lazy prereq evaluated once
	ok 5 # skip negated prereq (missing !HAVE)
	ok 6 # skip undefined prereq (missing UNDEFINED)
	ok 7 - test_have_prereq in a body
	1..7
	EOF
	test_cmp expect sub/sub-prereq.out &&
	test_line_count = 1 lazy-count
'

test_expect_success 'strict mode turns a missing prerequisite into a failure' '
	sub_strict=1 &&
	test_when_finished "sub_strict=" &&
	test_expect_code 1 run_sub sub-prereq &&
	cat >expect <<-\EOF &&
	ok 1 - with a set prereq
	not ok 2 - with a failing lazy prereq # missing prerequisite LAZYNO under LBKIT_TEST_STRICT=1
	ok 3 - with a lazy prereq
	ok 4 - lazy prereq evaluated once
	ok 5 # skip negated prereq (missing !HAVE)
	not ok 6 - undefined prereq # missing prerequisite UNDEFINED under LBKIT_TEST_STRICT=1
	ok 7 - test_have_prereq in a body
	1..7
	EOF
	tap_lines sub-prereq >actual &&
	test_cmp expect actual
'

test_expect_success 'skip_all skips the script, or fails it under strict mode' '
	run_sub sub-skip-all &&
	echo "1..0 # SKIP nothing to see here" >expect &&
	test_cmp expect sub/sub-skip-all.out &&
	sub_strict=1 &&
	test_when_finished "sub_strict=" &&
	test_expect_code 1 run_sub sub-skip-all &&
	cat >expect <<-\EOF &&
	not ok 1 - sub-skip-all # skipped (nothing to see here) under LBKIT_TEST_STRICT=1
	1..1
	EOF
	test_cmp expect sub/sub-skip-all.out
'

test_expect_success 'test_expect_failure reports TAP TODO' '
	run_sub sub-expect-failure &&
	cat >expect <<-\EOF &&
	not ok 1 - known breakage # TODO known breakage
	ok 2 - breakage vanished # TODO known breakage vanished
	1..2
	EOF
	tap_lines sub-expect-failure >actual &&
	test_cmp expect actual
'

test_expect_success 'test_bg processes are killed at test end and at exit' '
	test_expect_code 1 run_sub sub-bg &&
	cat >expect <<-\EOF &&
	ok 1 - process started in a test
	ok 2 - is gone when the test ends
	ok 3 - process started outside runs on
	not ok 4 - failing test with a process
	1..4
	EOF
	tap_lines sub-bg >actual &&
	test_cmp expect actual &&
	for f in bg-inside bg-outside bg-failing; do
		pid=$(cat $f.pid) &&
		test -n "$pid" &&
		! running "$pid" || return 1
	done
'

test_expect_success 'test_bg processes are killed when the script is terminated' '
	rm -f bg-term.pid &&
	start_sub sub-term &&
	script_pid=$sub_pid &&
	test_when_finished "kill $script_pid 2>/dev/null; wait $script_pid; true" &&
	test_wait_for "test -s bg-term.pid" 20 &&
	pid=$(cat bg-term.pid) &&
	running "$pid" &&
	kill -s TERM "$script_pid" &&
	test_expect_code 143 wait "$script_pid" &&
	! running "$pid" &&
	grep "^# sub-term: terminated" sub/sub-term.out
'

test_expect_success 'exit inside a test body fails the script' '
	test_must_fail run_sub sub-exit &&
	grep "exited before test_done" sub/sub-exit.out
'

test_expect_success 'a build directory without binaries bails out' '
	mkdir -p empty-build &&
	(
		LBKIT_BUILD=$TRASH_DIRECTORY/empty-build &&
		export LBKIT_BUILD &&
		cd sub &&
		test_expect_code 1 sh ./sub-pass.sh >../no-bin.out 2>&1
	) &&
	grep "^Bail out! .*no lbkit binaries" no-bin.out
'

test_expect_success 'the environment is predictable' '
	test "$LC_ALL" = C &&
	test "$TZ" = UTC &&
	test "$HOME" = "$TRASH_DIRECTORY" &&
	test "$(pwd)" = "$TRASH_DIRECTORY" &&
	test -z "${KUBECONFIG+set}" &&
	test -z "${KUBERNETES_SERVICE_HOST+set}" &&
	test -z "${https_proxy+set}" &&
	case $PATH in "$LBKIT_BUILD":*) ;; *) false ;; esac
'

test_expect_success 'test_must_fail accepts failure but not a crash or a missing command' '
	test_must_fail false &&
	test_must_fail sh -c "exit 2" &&
	! test_must_fail true 2>err &&
	grep "command succeeded" err &&
	! test_must_fail sh -c "kill -s SEGV \$\$" 2>err &&
	grep "signal 11" err &&
	! test_must_fail lbkit-no-such-command 2>err &&
	grep "not found" err
'

test_expect_success 'test_expect_code wants the exact code' '
	test_expect_code 3 sh -c "exit 3" &&
	test_expect_code 0 true &&
	! test_expect_code 2 sh -c "exit 3" 2>err &&
	grep "exited with 3, we wanted 2" err
'

test_expect_success 'test_cmp and test_line_count' '
	printf "a\nb\n" >one &&
	printf "a\nc\n" >two &&
	test_cmp one one &&
	! test_cmp one two >diff &&
	grep "^+c" diff &&
	test_line_count = 2 one &&
	test_line_count -gt 1 one &&
	! test_line_count = 3 one 2>err &&
	grep "is 2, not = 3" err
'

test_expect_success 'test_wait_for is bounded' '
	test_wait_for true 1 &&
	start=$(date +%s) &&
	! test_wait_for false 1 2>err &&
	end=$(date +%s) &&
	test $((end - start)) -le 3 &&
	grep "still false after 1 s" err
'

test_expect_success ROOT,NETNS 'test_netns_add and test_veth; namespaces removed at exit' '
	rm -f ns-names &&
	run_sub sub-netns &&
	test_line_count = 2 ns-names &&
	grep "^lbkit-sub-[0-9]*-a$" ns-names &&
	grep "^lbkit-sub-[0-9]*-b$" ns-names &&
	! running $(cat ns-sleeper.pid) &&
	for ns in $(cat ns-names); do
		! ip netns list | grep -q "^$ns\( \|$\)" || return 1
	done
'

test_done
