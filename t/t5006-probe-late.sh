#!/bin/sh
test_description='lb-probe falling behind: due checks wait for running ones instead of failing'
. "$(dirname "$0")/test-lib.sh"

# 300 targets at a 100 ms interval, then lb-probe stopped for 0.8 s: when
# it continues, every check is late at once. It starts them as running ones
# finish (and says so), catches up, and no healthy target goes DOWN.
test_expect_success PYTHON3 'a stalled lb-probe holds late checks back, catches up, and reports no false DOWN' '
	test_bg tcp /usr/bin/python3 "$TEST_DIRECTORY/probe/listeners.py" --count 300 \
		--ports-file ports --lifetime 60 &&
	test_wait_for "test -s ports" 10 &&
	sed "s|^|tcp://127.0.0.1:|" ports >targets &&
	test $(wc -l <targets) = 300 &&
	test_bg probe lb-probe --json --no-stdin --interval 100ms --timeout 3s \
		--rise 1 --fall 1 --metrics m.prom -f targets &&
	test_wait_for "test \$(grep -c \"\\\"type\\\":\\\"UP\\\"\" probe.out) = 300" 20 &&
	pid=$(test_bg_pid probe) &&
	kill -STOP $pid &&
	sleep 0.8 &&
	kill -CONT $pid &&
	test_wait_for "grep -q \"checks are on schedule again\" probe.err" 20 &&
	grep "checks are running late: new checks wait for running ones to finish" probe.err &&
	test_wait_for "grep -q \"^lbkit_probe_falling_behind 0$\" m.prom &&
		! grep -q \"^lbkit_probe_checks_late_total 0$\" m.prom" 10 &&
	late=$(sed -n "s/^lbkit_probe_checks_late_total //p" m.prom) &&
	test "$late" -gt 0 &&
	sleep 0.5 &&
	test_bg_kill probe &&
	! grep "\"type\":\"DOWN\"" probe.out
'

test_done
