#!/bin/sh
test_description='lb-speaker: options, environment and the stages they give, without a network'
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'usage errors exit 2 with one message and nothing on stdout' '
	mkdir m &&
	test_expect_code 2 lb-speaker --node a --health-port http >out 2>err &&
	test_must_fail test -s out &&
	grep "^lb-speaker: --health-port: .http. is not a port number" err &&
	test_expect_code 2 lb-speaker --node a --health-port 70000 2>err &&
	grep "not a port number" err &&
	test_expect_code 2 lb-speaker --node a --status-dir st 2>err &&
	grep "status-dir needs --from" err &&
	test_expect_code 2 lb-speaker --node a --from m --kubeconfig kc 2>err &&
	grep "exclude each other" err &&
	test_expect_code 2 lb-speaker --node a --health-port 0 --health-address 192.0.2.1 2>err &&
	grep "health-address needs a --health-port" err &&
	test_expect_code 2 lb-speaker --node 2>err &&
	grep "^lb-speaker: --node: missing argument" err &&
	test_expect_code 2 lb-speaker -n a b 2>err &&
	grep "b: unexpected argument" err
'

test_expect_success 'a missing interface, directory or BGP file: exit 3 before anything runs' '
	mkdir run &&
	test_expect_code 3 lb-speaker --node a -i lbkit-no-such0 --from m --run-dir run 2>err &&
	grep "^lb-speaker: error: --interface lbkit-no-such0: no such interface" err &&
	test_expect_code 3 lb-speaker --node a --from nothere --run-dir run 2>err &&
	grep "nothere: not a directory" err &&
	test_expect_code 3 lb-speaker --node a --from m --bgp-config nothere.yaml --run-dir run 2>err &&
	grep "nothere.yaml: cannot read it" err &&
	test_must_fail ls run/lb-speaker.* 2>/dev/null
'

test_expect_success '--health-port 0 and no interface: only watch, elect and bgp run' '
	test_bg spk env LBKIT_NODE=node-x lb-speaker --from m --run-dir run --health-port 0 &&
	test_wait_for "grep -q \"bgp started\" spk.err" 20 &&
	grep "no --interface: addresses are not announced over layer 2" spk.err &&
	grep "node node-x: supervising watch elect bgp " spk.err &&
	kill -TERM "$(test_bg_pid spk)" &&
	test_wait_for "! kill -0 $(test_bg_pid spk) 2>/dev/null" 20 &&
	test_must_fail ls run/lb-speaker.* 2>/dev/null
'

test_expect_success 'with the health port: the node probes; LBKIT_INTERFACES adds layer 2' '
	test_bg spk2 env LBKIT_NODE=node-x LBKIT_INTERFACES=lo LBKIT_HEALTH_PORT=0 lb-speaker \
		--from m --run-dir run --health-port 17473 --health-address 127.0.0.1 &&
	test_wait_for "grep -q \"supervising\" spk2.err" 20 &&
	grep "node node-x: supervising watch nodes probe split arp elect bgp " spk2.err &&
	test_wait_for "grep -q \"health endpoint on http://127.0.0.1:17473/healthz\" spk2.err" 20 &&
	test_bg_kill spk2
'

test_done
