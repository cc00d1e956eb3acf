#!/bin/sh
test_description='lb-alloc --state: a standalone IPAM for scripts'
. "$(dirname "$0")/test-lib.sh"

P="--pool web=192.0.2.10-192.0.2.12 --state s.json"

test_expect_success 'get gives the lowest free address, and again the same one' '
	lb-alloc $P --text get default/web >out &&
	echo "ASSIGNED default/web 192.0.2.10 pool=web" >expect &&
	test_cmp expect out &&
	lb-alloc $P --text get default/web >out &&
	test_cmp expect out &&
	lb-alloc $P --json get default/api >out &&
	jq -e ".type==\"ASSIGNED\" and .ips==[\"192.0.2.11\"] and .pool==\"web\"" out
'

test_expect_success 'the state file is valid JSON with both claims' '
	jq -e ".version==1 and (.services|length)==2" s.json &&
	jq -e ".services[\"default/web\"].status.loadBalancer.ingress[0].ip==\"192.0.2.10\"" s.json
'

test_expect_success 'show and list' '
	lb-alloc $P --text show default/api >out &&
	grep "^ASSIGNED default/api 192.0.2.11 pool=web$" out &&
	test_expect_code 1 lb-alloc $P show default/nobody &&
	lb-alloc $P --json list >out &&
	test_line_count = 2 out &&
	# oldest first, by name within one second: which applies depends on the clock
	jq -r .service out | sort >names && printf "default/api\ndefault/web\n" >expect &&
	test_cmp expect names
'

test_expect_success 'an exhausted pool is PENDING with exit 1, and keeps no claim' '
	lb-alloc $P get default/c >/dev/null &&
	test_expect_code 1 lb-alloc $P --json get default/d >out &&
	jq -e ".type==\"PENDING\" and (.reason|test(\"no free IPv4 address\"))" out &&
	jq -e "(.services|has(\"default/d\"))|not" s.json
'

test_expect_success 'release frees the address for the next get' '
	lb-alloc $P --json release default/api >out &&
	jq -e ".type==\"RELEASED\" and .ips==[\"192.0.2.11\"]" out &&
	lb-alloc $P --text get default/d >out &&
	grep "192.0.2.11" out &&
	lb-alloc $P release default/nobody >out &&
	test_line_count = 0 out
'

test_expect_success 'a requested address, inside and outside the pools' '
	rm -f s.json &&
	lb-alloc $P --ip 192.0.2.12 --text get ns/pinned >out &&
	grep "192.0.2.12" out &&
	test_expect_code 2 lb-alloc $P --ip 203.0.113.5 --json get ns/far >out &&
	jq -e ".type==\"ERROR\" and (.reason|test(\"not in any pool\"))" out &&
	test_expect_code 2 lb-alloc $P --ip 192.0.2.12 --json get ns/thief >out &&
	jq -e ".type==\"ERROR\" and (.reason|test(\"held by ns/pinned\"))" out
'

test_expect_success 'dual stack from one pool' '
	lb-alloc -p ds=198.51.100.0/30,2001:db8::/126 -s d.json --family dual --json get ns/both >out &&
	jq -e ".ips==[\"198.51.100.0\",\"2001:db8::\"] and .pool==\"ds\"" out &&
	lb-alloc -p ds=198.51.100.0/30 -s d2.json --family dual --json get ns/both >out;
	test $? = 1 &&
	jq -e ".type==\"PENDING\"" out
'

test_expect_success 'a pool that shrinks moves the claims outside it, oldest first' '
	rm -f s.json &&
	lb-alloc -p p=192.0.2.10-192.0.2.12 -s s.json get ns/a >/dev/null &&
	lb-alloc -p p=192.0.2.10-192.0.2.12 -s s.json get ns/b >/dev/null &&
	test_expect_code 1 lb-alloc -p p=192.0.2.11-192.0.2.12 -s s.json --json get ns/c >out 2>err &&
	jq -e ".type==\"PENDING\"" out &&
	grep "ns/a" err &&
	lb-alloc -p p=192.0.2.11-192.0.2.12 -s s.json --json list >list &&
	jq -se "map(select(.service==\"ns/a\"))[0] | .ips==[\"192.0.2.12\"]" list &&
	jq -se "map(select(.service==\"ns/b\"))[0] | .ips==[\"192.0.2.11\"]" list
'

test_expect_success 'concurrent gets never lose or duplicate an address' '
	rm -f s.json &&
	i=0 && while [ $i -lt 24 ]; do
		lb-alloc -p p=192.0.2.0/27 -s s.json --json get ns/svc$i >out.$i 2>err.$i &
		i=$((i + 1))
	done &&
	wait &&
	cat out.* | jq -r ".ips[0]" | sort >ips &&
	test_line_count = 24 ips &&
	sort -u ips >uniq && test_cmp ips uniq &&
	jq -e "(.services|length)==24" s.json
'

test_expect_success 'concurrent gets of one service agree' '
	rm -f s.json &&
	i=0 && while [ $i -lt 8 ]; do
		lb-alloc -p p=192.0.2.0/27 -s s.json --json get ns/one >one.$i &
		i=$((i + 1))
	done &&
	wait &&
	cat one.* | jq -r ".ips[0]" | sort -u >ips &&
	test_line_count = 1 ips
'

test_expect_success 'a corrupt state file is refused and left alone' '
	printf "{\"version\":1,\"services\":" >bad.json &&
	cp bad.json before.json &&
	test_expect_code 2 lb-alloc -p p=192.0.2.0/27 -s bad.json get ns/x 2>err &&
	grep "bad.json" err &&
	test_cmp before.json bad.json
'

test_expect_success 'an unwritable state directory fails with exit 3 and no partial file' '
	mkdir ro && chmod 555 ro &&
	test_when_finished "chmod 755 ro" &&
	if [ "$(id -u)" = 0 ]; then
		# root ignores directory permissions: use a path under a file instead
		test_expect_code 3 lb-alloc -p p=192.0.2.0/27 -s s.json/x.json get ns/x 2>err
	else
		test_expect_code 3 lb-alloc -p p=192.0.2.0/27 -s ro/x.json get ns/x 2>err
	fi &&
	test_line_count = 1 err
'

test_expect_success 'commands without --pool use the pools stored in the state file' '
	rm -f s.json &&
	lb-alloc -p 192.0.2.10-192.0.2.20 -s s.json get default/a >/dev/null &&
	lb-alloc -p 192.0.2.10-192.0.2.20 -s s.json get default/b >/dev/null &&
	jq -e ".pools[0].metadata.name==\"default\"" s.json &&
	lb-alloc -s s.json --json release default/a >out &&
	jq -e ".ips==[\"192.0.2.10\"]" out &&
	lb-alloc -s s.json --json show default/b >out &&
	jq -e ".ips==[\"192.0.2.11\"]" out &&
	lb-alloc -s s.json --json get default/c >out &&
	jq -e ".ips==[\"192.0.2.10\"]" out
'

test_expect_success 'given pools replace the stored ones' '
	lb-alloc -p other=198.51.100.0/30 -s s.json --json get default/d >out 2>err &&
	jq -e ".pool==\"other\"" out &&
	jq -e "[.pools[].metadata.name]==[\"other\"]" s.json
'

test_done
