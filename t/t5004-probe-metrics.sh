#!/bin/sh
test_description='lb-probe --metrics: Prometheus text format, written atomically'
. "$(dirname "$0")/test-lib.sh"

# value METRIC TARGET FILE: the sample's value.
value () {
	grep -F "$1{target=\"$2\"," "$3" | sed "s/.* //"
}

test_expect_success '--once writes the metrics when it ends' '
	# Only the sleeper gets a short timeout: a loaded machine may take
	# longer than that to start a shell.
	echo "{\"type\":\"ADD\",\"target\":\"exec:sleep 5\",\"timeout_ms\":100}" >slow &&
	test_expect_code 1 lb-probe --once --metrics m.prom exec:true "exec:exit 2" -f slow \
		>/dev/null &&
	test $(value lbkit_probe_up exec:true m.prom) = 1 &&
	test $(value lbkit_probe_up "exec:exit 2" m.prom) = 0 &&
	test $(value lbkit_probe_checks_total exec:true m.prom) = 1 &&
	test $(value lbkit_probe_failures_total "exec:exit 2" m.prom) = 1 &&
	test $(value lbkit_probe_transitions_total "exec:exit 2" m.prom) = 1 &&
	test $(value lbkit_probe_last_check_success "exec:exit 2" m.prom) = 0 &&
	grep "^lbkit_probe_rtt_seconds{target=\"exec:true\",type=\"exec\"} [0-9]*\.[0-9]*$" m.prom &&
	! grep -F "lbkit_probe_rtt_seconds{target=\"exec:sleep 5\"" m.prom &&
	grep "^# TYPE lbkit_probe_checks_total counter$" m.prom &&
	grep "^# TYPE lbkit_probe_up gauge$" m.prom &&
	grep "^lbkit_probe_checks_started_total 3$" m.prom &&
	grep "^lbkit_probe_checks_late_total 0$" m.prom &&
	grep "^lbkit_probe_checks_in_flight 0$" m.prom &&
	grep "^lbkit_probe_falling_behind 0$" m.prom &&
	grep "^# TYPE lbkit_probe_checks_in_flight gauge$" m.prom &&
	test_line_count = 41 m.prom
'

test_expect_success 'label values are escaped' '
	lb-probe --once --metrics m.prom "exec:echo \"a\\\\b\"" >/dev/null &&
	grep -F "lbkit_probe_up{target=\"exec:echo \\\"a\\\\\\\\b\\\"\",type=\"exec\"} 1" m.prom
'

test_expect_success PYTHON3 'promtool-style check: every sample line parses' '
	lb-probe --once --metrics m.prom exec:true "exec:false" >/dev/null;
	/usr/bin/python3 -c "
import re, sys
sample = re.compile(r\"^[a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\\\"(?:[^\\\"\\\\\\\\\\n]|\\\\\\\\.)*\\\",?)*\\})? -?[0-9.e+-]+$\")
for line in open(\"m.prom\"):
    line = line.rstrip(\"\\n\")
    if line.startswith(\"# HELP \") or line.startswith(\"# TYPE \"):
        continue
    if not sample.match(line):
        sys.exit(\"bad line: \" + line)
"
'

test_expect_success 'the stream rewrites the file as states change, never half-written' '
	test_bg probe lb-probe --no-stdin --metrics m2.prom --interval 30ms --rise 1 --fall 1 \
		"exec:test -e up" &&
	test_wait_for "grep -q \"^lbkit_probe_up.* 0$\" m2.prom" 10 &&
	ino1=$(stat -c %i m2.prom) &&
	touch up &&
	test_wait_for "grep -q \"^lbkit_probe_up.* 1$\" m2.prom" 10 &&
	test $(stat -c %i m2.prom) != $ino1 &&
	test_bg_kill probe &&
	! ls m2.prom.* 2>/dev/null | grep -v "\.lock$"
'

test_expect_success 'an unwritable metrics file is reported, checks go on' '
	test_expect_code 1 lb-probe --once --metrics nodir/m.prom "exec:false" >out 2>err &&
	grep "nodir/m.prom" err &&
	test_line_count = 1 out
'

test_done
