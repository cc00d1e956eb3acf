#!/bin/sh
test_description='lb-probe https: verification with a test CA, --insecure, client certificates'
. "$(dirname "$0")/test-lib.sh"

SERVER="/usr/bin/python3 $TEST_DIRECTORY/probe/server.py"

test_lazy_prereq OPENSSL 'openssl version'

start_server () {
	name=$1 && shift &&
	rm -f "$name.port" &&
	test_bg "$name" $SERVER --port-file "$name.port" --control "$PWD/web.ctl" "$@" &&
	test_wait_for "test -s $name.port" 10 &&
	port=$(cat "$name.port")
}

# A CA, a server certificate for 127.0.0.1 and a client certificate.
make_certs () {
	curve="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes" &&
	openssl req -x509 $curve -keyout ca.key -out ca.pem -days 2 -subj /CN=lbkit-test-ca \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
	openssl req $curve -keyout server.key -out server.csr -subj /CN=127.0.0.1 &&
	printf "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" >server.ext &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile server.ext -out server.pem &&
	openssl req $curve -keyout client.key -out client.csr -subj /CN=lb-probe &&
	printf "extendedKeyUsage=clientAuth\n" >client.ext &&
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile client.ext -out client.pem
}

if test_have_prereq PYTHON3,OPENSSL; then
	echo "200 secure" >web.ctl &&
	make_certs >certs.log 2>&1 &&
	start_server tls --cert server.pem --key server.key && tlsport=$port &&
	start_server mtls --cert server.pem --key server.key --client-ca ca.pem && mtlsport=$port ||
	bail_out "cannot start the TLS servers"
fi

test_expect_success PYTHON3,OPENSSL 'verified against the test CA: UP' '
	lb-probe --once --json --ca-file ca.pem -b secure https://127.0.0.1:$tlsport/ >out &&
	jq -e ".type == \"UP\" and .reason == \"HTTP 200\"" out
'

test_expect_success PYTHON3,OPENSSL 'verification is on by default: an unknown CA is DOWN' '
	test_expect_code 1 lb-probe --once --json https://127.0.0.1:$tlsport/ >out &&
	jq -e ".type == \"DOWN\" and (.reason | test(\"certificate\"))" out
'

test_expect_success PYTHON3,OPENSSL 'a certificate for another name is DOWN even with the CA' '
	test_expect_code 1 lb-probe --once --json --ca-file ca.pem https://localhost:$tlsport/ >out &&
	jq -e ".type == \"DOWN\"" out
'

test_expect_success PYTHON3,OPENSSL '--insecure, or "insecure":true on an ADD line: UP' '
	lb-probe --once --json -k https://127.0.0.1:$tlsport/ &&
	echo "{\"type\":\"ADD\",\"target\":\"https://127.0.0.1:$tlsport/\",\"insecure\":true}" |
	lb-probe --once --json >out &&
	jq -e ".type == \"UP\"" out
'

test_expect_success PYTHON3,OPENSSL 'a server asking for a client certificate: DOWN without, UP with' '
	test_expect_code 1 lb-probe --once --json --ca-file ca.pem https://127.0.0.1:$mtlsport/ >out &&
	jq -e ".type == \"DOWN\"" out &&
	lb-probe --once --json --ca-file ca.pem --cert client.pem --key client.key \
		https://127.0.0.1:$mtlsport/ >out &&
	jq -e ".type == \"UP\" and .reason == \"HTTP 200\"" out
'

test_expect_success '--key without --cert is a usage error' '
	test_expect_code 2 lb-probe --once --key client.key https://127.0.0.1:1/ 2>err &&
	grep -- "--key goes with --cert" err
'

test_done
