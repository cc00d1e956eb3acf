#!/bin/sh
test_description='make demo (scripts/demo): runs to the end unattended, measures a failover, leaves nothing behind, also when interrupted'
. "$(dirname "$0")/test-lib.sh"

P=ROOT,NETNS,BIRD,ARPING,PYTHON3,JQ,CURL

# leftovers PID: the namespaces of the demo run PID that still exist.
leftovers () {
	ip netns list | grep "^lbkit-demo-$1-" || true
}

test_expect_success $P 'the demo runs without a terminal and every step works' '
	setsid "$REPO_ROOT/scripts/demo" --no-deps --no-build </dev/null >demo.out 2>demo.err &
	pid=$! &&
	echo $pid >demo.pid &&
	# Bounded: the demo itself bounds every wait; 120 s is far beyond them.
	test_wait_for "! kill -0 $pid 2>/dev/null" 120 &&
	wait $pid &&
	grep "in its status" demo.out >addresses &&
	test_line_count = 3 addresses &&
	grep "default/web    192.0.2.200 .* L2   owner node-" demo.out &&
	grep "default/api .*next hops at the router: node-a node-b node-c" demo.out &&
	grep "default/local .*next hops at the router: node-a node-c" demo.out &&
	test $(grep -c "answered by node-" demo.out) = 3 &&
	grep "failover: [0-9]* ms from the kill to the first answer from node-" demo.out &&
	grep "done: every step worked" demo.out &&
	! grep FAILED demo.out
'

test_expect_success $P 'the failover moved the address to another node and the route lost the dead one' '
	old=$(sed -n "s/.*the speaker of \(node-.\), owner.*/\1/p" demo.out) &&
	new=$(sed -n "s/.*is now announced by \(node-.\);.*/\1/p" demo.out) &&
	test -n "$old" && test -n "$new" && test "$old" != "$new" &&
	grep "next hops now:" demo.out >now &&
	! grep "$old" now
'

test_expect_success $P 'nothing is left: namespaces, processes, work directory' '
	test -z "$(leftovers $(cat demo.pid))" &&
	grep "cleaned up" demo.out &&
	! ls -d "${TMPDIR:-/tmp}"/lbkit-demo.* 2>/dev/null | xargs -r grep -l "lbkit-demo-$(cat demo.pid)-" 2>/dev/null | grep .
'

test_expect_success $P 'Ctrl-C in the middle: everything is removed, exit 130' '
	# A background job of a script starts with SIGINT ignored, which a
	# shell cannot undo: restore it as a terminal session would have it.
	setsid "$PYTHON3" -c "import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])" "$REPO_ROOT/scripts/demo" --no-deps --no-build \
		</dev/null >int.out 2>int.err &
	pid=$! &&
	test_wait_for "grep -q \"Services get addresses\" int.out" 60 &&
	test -n "$(leftovers $pid)" &&
	# A terminal sends SIGINT to the whole foreground process group.
	kill -INT -$pid &&
	test_wait_for "! kill -0 $pid 2>/dev/null" 30 &&
	{ wait $pid; rc=$?; } &&
	test $rc = 130 &&
	test -z "$(leftovers $pid)" &&
	grep "cleaned up" int.out
'

test_expect_success 'usage: an unknown option exits 2' '
	test_expect_code 2 "$REPO_ROOT/scripts/demo" --bogus 2>err &&
	grep "unknown option" err
'

test_done
