#!/bin/sh
test_description='lb-bgp-peer: command-line checks that need no network'
. "$(dirname "$0")/test-lib.sh"

usage_error () {
	test_expect_code 2 lb-bgp-peer "$@" >out 2>err &&
	test_must_fail test -s out
}

test_expect_success '--peer, --asn and --peer-asn are required' '
	usage_error --asn 64501 --peer-asn 64500 &&
	grep -e "--peer or --config is required" err &&
	usage_error --peer 192.0.2.1 --peer-asn 64500 &&
	grep -e "--asn is required" err &&
	usage_error --peer 192.0.2.1 --asn 64501 &&
	grep -e "--peer-asn is required" err
'

test_expect_success 'bad values are named' '
	usage_error --peer 192.0.2.300 --asn 64501 --peer-asn 64500 &&
	grep "192.0.2.300" err &&
	usage_error --peer 192.0.2.1 --asn 0 --peer-asn 64500 &&
	grep -e "--asn .0.: not an AS number" err &&
	usage_error --peer 192.0.2.1 --asn 4294967296 --peer-asn 64500 &&
	usage_error --peer 192.0.2.1 --asn 64501 --peer-asn 64500 --hold-time 2 &&
	grep "must be 0 or from 3" err &&
	usage_error --peer 192.0.2.1 --asn 64501 --peer-asn 64500 --community 65536:1 &&
	grep "65536:1" err &&
	usage_error --peer 192.0.2.1 --asn 64501 --peer-asn 64500 --large-community 1:2 &&
	usage_error --peer 192.0.2.1 --asn 64501 --peer-asn 64500 --router-id 2001:db8::1 &&
	grep "not an IPv4 address" err &&
	usage_error --peer 192.0.2.1 --asn 64501 --peer-asn 64500 --aggregation-length 33 &&
	usage_error --peer 192.0.2.1 --asn 64501 --peer-asn 64500 192.0.2.10/33 &&
	usage_error --peer 192.0.2.1 --asn 64501 --peer-asn 64500 --source 2001:db8::2 &&
	grep "not the same family" err &&
	usage_error --peer 192.0.2.1 --asn 64501 --peer-asn 64500 --local-pref x &&
	usage_error --peer 192.0.2.1 --asn 64501 --peer-asn 64500 --graceful-restart-time 4096
'

test_expect_success 'an IPv6 session needs --router-id' '
	usage_error --peer 2001:db8::1 --asn 64501 --peer-asn 64500 &&
	grep "needs --router-id" err
'

test_expect_success 'a bad line in --prefixes-from is named with file and line: exit status 2' '
	printf "192.0.2.10/32\n# a comment\n\n192.0.2.11 # an address\n192.0.2.300/32\n" >table &&
	test_expect_code 2 lb-bgp-peer --passive --port 17900 --peer 192.0.2.1 --asn 64501 \
		--peer-asn 64500 --prefixes-from table </dev/null 2>err &&
	grep "table:5: .192.0.2.300/32.: " err &&
	test_expect_code 3 lb-bgp-peer --peer 192.0.2.1 --asn 64501 --peer-asn 64500 \
		--prefixes-from no-such-table </dev/null 2>err &&
	grep "no-such-table" err
'

test_expect_success '--restart-state needs --graceful-restart' '
	usage_error --peer 192.0.2.1 --asn 64501 --peer-asn 64500 --restart-state rs &&
	grep "needs --graceful-restart" err
'

test_done
