#!/bin/sh
test_description='lb-controller: the supervised controller pipeline without a cluster (--from, --status-dir)'
. "$(dirname "$0")/test-lib.sh"

# stage_pid ERRFILE STAGE: the PID of the stage's latest start, as the
# supervisor logs it.
stage_pid () {
	sed -n "s/.* $2 started (pid \\([0-9]*\\)).*/\\1/p" "$1" | tail -n 1
}

# keep_bg NAME CMD...: test_bg, but the process outlives the current test
# (the following tests use it) and is killed at the end of the script.
keep_bg () {
	keep_bg_saved_=$test_in_body
	test_in_body=
	test_bg "$@"
	keep_bg_rc_=$?
	test_in_body=$keep_bg_saved_
	return $keep_bg_rc_
}

# ip_of SERVICE-FILE: the first ingress address in a status file.
ip_of () {
	jq -r '.status.loadBalancer.ingress[0].ip' "$1"
}

test_expect_success 'the scripts are POSIX sh: dash parses them' '
	dash -n "$LBKIT_BUILD/lb-controller" &&
	dash -n "$LBKIT_BUILD/lb-speaker"
'

test_expect_success 'usage errors exit 2 with one message and nothing on stdout' '
	mkdir m &&
	test_expect_code 2 lb-controller --from m >out 2>err &&
	test_must_fail test -s out &&
	grep "^lb-controller: --from needs --status-dir" err &&
	test_expect_code 2 lb-controller --from m --status-dir st --lease ns/l >out 2>err &&
	grep "lease needs the Kubernetes API" err &&
	test_expect_code 2 lb-controller --status-dir st 2>err &&
	grep "status-dir needs --from" err &&
	test_expect_code 2 lb-controller --lease nosl 2>err &&
	grep "not NS/NAME" err &&
	test_expect_code 2 lb-controller extra 2>err &&
	grep "extra: unexpected argument" err &&
	test_expect_code 2 lb-controller --log-format xml 2>err &&
	grep "not text or json" err &&
	test_expect_code 2 lb-controller --help=x 2>err &&
	grep "takes no argument" err
'

test_expect_success 'a missing --from directory: exit 3, no run directory left' '
	mkdir run &&
	test_expect_code 3 lb-controller --from nonexistent --status-dir st --run-dir run 2>err &&
	grep "nonexistent: not a directory" err &&
	test_must_fail ls run/lb-controller.* 2>/dev/null
'

test_expect_success 'a Service gets an address from the pool manifest, written as its status' '
	cat >m/pool.yaml <<-\EOT &&
	apiVersion: metallb.io/v1beta1
	kind: IPAddressPool
	metadata: {name: docs, namespace: metallb-system}
	spec:
	  addresses: [192.0.2.10-192.0.2.12]
	EOT
	cat >m/web.yaml <<-\EOT &&
	apiVersion: v1
	kind: Service
	metadata: {name: web, namespace: default}
	spec: {type: LoadBalancer, ports: [{port: 80}]}
	EOT
	keep_bg ctl lb-controller --from m --status-dir st --run-dir run &&
	test_wait_for "test -s st/default_web.json" 20 &&
	test "$(ip_of st/default_web.json)" = 192.0.2.10 &&
	jq -e ".metadata.annotations[\"metallb.io/ip-allocated-from-pool\"] == \"docs\"" st/default_web.json &&
	ls -d run/lb-controller.* >rundir &&
	test_line_count = 1 rundir &&
	test -p "$(cat rundir)/events"
'

test_expect_success 'a Service added later gets the next address' '
	cat >m/db.yaml <<-\EOT &&
	apiVersion: v1
	kind: Service
	metadata: {name: db, namespace: prod}
	spec: {type: LoadBalancer, ports: [{port: 5432}]}
	EOT
	test_wait_for "test -s st/prod_db.json" 20 &&
	test "$(ip_of st/prod_db.json)" = 192.0.2.11
'

test_expect_success 'a killed stage is restarted with the others; nothing moves; new Services still served' '
	old_alloc=$(stage_pid ctl.err alloc) &&
	old_watch=$(stage_pid ctl.err watch) &&
	test -n "$old_alloc" && test -n "$old_watch" &&
	kill -KILL "$old_alloc" &&
	test_wait_for "grep -q \"starting the pipeline again\" ctl.err" 20 &&
	test_wait_for "test \$(grep -c \" alloc started\" ctl.err) = 2" 20 &&
	new_alloc=$(stage_pid ctl.err alloc) &&
	test "$new_alloc" != "$old_alloc" &&
	kill -0 "$new_alloc" &&
	: the watch stage was restarted too, so lb-alloc saw a whole list &&
	! kill -0 "$old_watch" 2>/dev/null &&
	test "$(stage_pid ctl.err watch)" != "$old_watch" &&
	grep "starting again in 1 s" ctl.err &&
	cat >m/cache.yaml <<-\EOT &&
	apiVersion: v1
	kind: Service
	metadata: {name: cache, namespace: prod}
	spec: {type: LoadBalancer, ports: [{port: 6379}]}
	EOT
	test_wait_for "test -s st/prod_cache.json" 20 &&
	test "$(ip_of st/prod_cache.json)" = 192.0.2.12 &&
	test "$(ip_of st/default_web.json)" = 192.0.2.10 &&
	test "$(ip_of st/prod_db.json)" = 192.0.2.11
'

test_expect_success 'a stage failing again within a minute waits twice as long' '
	kill -TERM "$(stage_pid ctl.err apply)" &&
	test_wait_for "grep -q \"starting again in 2 s\" ctl.err" 20 &&
	test_wait_for "test \$(grep -c \" apply started\" ctl.err) = 3" 20
'

test_expect_success 'stage diagnostics are prefixed with the stage name' '
	printf "kind: Service\nmetadata: {name: broken\n" >m/broken.yaml &&
	test_wait_for "grep -q \"^\\[watch\\] lb-watch: warning: m/broken.yaml\" ctl.err" 20 &&
	rm m/broken.yaml
'

test_expect_success 'SIGTERM: every stage ends, exit 0, the run directory is removed' '
	pids="$(stage_pid ctl.err watch) $(stage_pid ctl.err alloc) $(stage_pid ctl.err apply)" &&
	kill -TERM "$(test_bg_pid ctl)" &&
	test_wait_for "! kill -0 $(test_bg_pid ctl) 2>/dev/null" 20 &&
	{ wait "$(test_bg_pid ctl)"; rc=$?; } &&
	test "$rc" = 0 &&
	for p in $pids; do
		! kill -0 "$p" 2>/dev/null || return 1
	done &&
	grep "every stage has ended" ctl.err &&
	test_must_fail ls run/lb-controller.* 2>/dev/null
'

test_expect_success 'a restart keeps every address (the status files are read back)' '
	test_bg ctl2 lb-controller --from m --status-dir st --run-dir run &&
	test_wait_for "grep -q \" apply started\" ctl2.err" 20 &&
	sleep 1 &&
	test "$(ip_of st/default_web.json)" = 192.0.2.10 &&
	test "$(ip_of st/prod_db.json)" = 192.0.2.11 &&
	test "$(ip_of st/prod_cache.json)" = 192.0.2.12 &&
	test_bg_kill ctl2
'

test_expect_success 'the environment: LBKIT_FROM and LBKIT_STATUS_DIR; SIGINT stops it too' '
	rm -rf st2 &&
	test_bg ctl3 env --default-signal=INT LBKIT_FROM=m LBKIT_STATUS_DIR=st2 LBKIT_RUN_DIR=run lb-controller &&
	test_wait_for "test -s st2/default_web.json" 20 &&
	kill -INT "$(test_bg_pid ctl3)" &&
	test_wait_for "! kill -0 $(test_bg_pid ctl3) 2>/dev/null" 20 &&
	grep "SIGINT: stopping every stage" ctl3.err &&
	test_must_fail ls run/lb-controller.* 2>/dev/null
'

test_expect_success JQ '--log-format json: every diagnostic is a JSON object; stage lines carry "stage"' '
	rm -rf st3 &&
	printf "kind: Service\nmetadata: {name: broken\n" >m/broken.yaml &&
	test_bg ctl4 lb-controller --log-format json --from m --status-dir st3 --run-dir run &&
	test_wait_for "test -s st3/default_web.json" 20 &&
	test_wait_for "grep -q broken.yaml ctl4.err" 20 &&
	kill -TERM "$(test_bg_pid ctl4)" &&
	test_wait_for "! kill -0 $(test_bg_pid ctl4) 2>/dev/null" 20 &&
	rm m/broken.yaml &&
	jq -s -e "all(.[]; has(\"time\") and has(\"level\") and has(\"prog\") and has(\"msg\"))" ctl4.err &&
	jq -s -e "any(.[]; (.msg | test(\"broken.yaml\")) and .stage == \"watch\" and .prog == \"lb-watch\" and .level == \"warning\")" ctl4.err &&
	jq -s -e "any(.[]; (.msg | test(\"every stage has ended\")) and .prog == \"lb-controller\" and (has(\"stage\") | not))" ctl4.err
'

test_expect_success 'SIGTERM during the back-off wait: exit 0 at once, nothing restarted' '
	rm -rf st5 &&
	test_bg ctl5 lb-controller --from m --status-dir st5 --run-dir run &&
	test_wait_for "grep -q \" apply started\" ctl5.err" 20 &&
	kill -TERM "$(stage_pid ctl5.err apply)" &&
	test_wait_for "test \$(grep -c \" apply started\" ctl5.err) = 2" 20 &&
	kill -TERM "$(stage_pid ctl5.err apply)" &&
	test_wait_for "grep -q \"starting again in 2 s\" ctl5.err" 20 &&
	kill -TERM "$(test_bg_pid ctl5)" &&
	test_wait_for "! kill -0 $(test_bg_pid ctl5) 2>/dev/null" 5 &&
	{ wait "$(test_bg_pid ctl5)"; rc=$?; } &&
	test "$rc" = 0 &&
	test "$(grep -c " apply started" ctl5.err)" = 2 &&
	test_must_fail ls run/lb-controller.* 2>/dev/null
'

test_expect_success 'a stage that ignores SIGTERM is killed after 10 s; exit 1' '
	mkdir fake &&
	cp "$LBKIT_BUILD/lb-controller" "$LBKIT_BUILD/lb-watch" fake/ &&
	printf "#!/bin/sh\ntrap \"\" TERM\nexec sleep 300\n" >fake/lb-alloc &&
	chmod +x fake/lb-alloc &&
	test_bg ctl6 fake/lb-controller --from m --status-dir st6 --run-dir run &&
	test_wait_for "grep -q \" apply started\" ctl6.err" 20 &&
	alloc=$(stage_pid ctl6.err alloc) &&
	kill -TERM "$(test_bg_pid ctl6)" &&
	test_wait_for "! kill -0 $(test_bg_pid ctl6) 2>/dev/null" 30 &&
	{ wait "$(test_bg_pid ctl6)"; rc=$?; } &&
	test "$rc" = 1 &&
	grep "stages still running after 10 s: killing them" ctl6.err &&
	grep "alloc (pid $alloc) ended with status 137" ctl6.err &&
	! kill -0 "$alloc" 2>/dev/null
'

test_done
