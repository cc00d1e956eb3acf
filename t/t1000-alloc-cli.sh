#!/bin/sh
test_description='lb-alloc: options, usage errors and messages'
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'a reversed range is a usage error naming the range' '
	test_expect_code 2 lb-alloc --pool web=192.0.2.20-192.0.2.10 pools >out 2>err &&
	test_line_count = 0 out &&
	grep "192.0.2.20-192.0.2.10" err &&
	grep "reversed" err &&
	test_line_count = 2 err
'

test_expect_success 'a pool without NAME= is called default; an empty name is refused' '
	lb-alloc --text --pool 192.0.2.0/30 pools >out &&
	grep "^POOL  *default  *192.0.2.0/30 " out &&
	test_expect_code 2 lb-alloc --pool =192.0.2.0/30 pools 2>err &&
	grep "empty pool name" err
'

test_expect_success 'overlapping ranges inside one pool are refused, naming both' '
	test_expect_code 2 lb-alloc --pool p=192.0.2.0/28,192.0.2.8-192.0.2.20 pools 2>err &&
	grep "192.0.2.0/28 and 192.0.2.8-192.0.2.20 overlap" err
'

test_expect_success 'an unknown command is a usage error' '
	test_expect_code 2 lb-alloc --state s.json frobnicate 2>err &&
	grep "frobnicate" err && ! test -e s.json
'

test_expect_success 'get needs --state, and a NAMESPACE/NAME' '
	test_expect_code 2 lb-alloc --pool p=192.0.2.0/28 get default/web 2>err &&
	grep "needs --state" err &&
	test_expect_code 2 lb-alloc --pool p=192.0.2.0/28 --state s.json get web 2>err &&
	grep "expected NAMESPACE/NAME" err &&
	test_expect_code 2 lb-alloc --pool p=192.0.2.0/28 --state s.json get a/b/c 2>err &&
	! test -e s.json
'

test_expect_success 'request options go with get only' '
	test_expect_code 2 lb-alloc --state s.json --ip 192.0.2.1 list 2>err &&
	grep "go with get" err &&
	test_expect_code 2 lb-alloc --ip 192.0.2.1 </dev/null 2>err &&
	grep "need a command" err
'

test_expect_success 'a bad --family value is named' '
	test_expect_code 2 lb-alloc -p p=192.0.2.0/28 -s s.json --family ipv5 get a/b 2>err &&
	grep "ipv5" err
'

test_expect_success '--json and --text exclude each other' '
	test_expect_code 2 lb-alloc --json --text pools 2>err &&
	grep "exclude" err
'

test_expect_success 'pools: a table in text, lines in JSON, the same facts' '
	lb-alloc --text -p a=192.0.2.0/30 -p b=2001:db8::/64 pools >text &&
	lb-alloc --json -p a=192.0.2.0/30 -p b=2001:db8::/64 pools >json &&
	head -n 1 text | grep "^TYPE  *NAME  *RANGES  *SIZE  *USED  *AUTOASSIGN" &&
	grep "^POOL  *a  *192.0.2.0/30  *4  *0  *true" text &&
	grep "^POOL  *b  *2001:db8::/64  *18446744073709551616  *0  *true" text &&
	test_line_count = 3 text &&
	jq -se "map(select(.name==\"a\"))[0] | .size==\"4\" and .used==0 and .active" json &&
	test_line_count = 2 json
'

test_expect_success 'a pools file that does not exist is an error naming it' '
	test_expect_code 2 lb-alloc -f nonexistent.yaml pools 2>err &&
	grep "nonexistent.yaml" err
'

test_done
