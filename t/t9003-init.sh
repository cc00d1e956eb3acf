#!/bin/sh
test_description='init/: systemd units verify; runit and s6 run scripts and the environment file are valid sh'
. "$(dirname "$0")/test-lib.sh"

INIT=$REPO_ROOT/init

test_expect_success DASH 'every run script is executable and parses with dash -n; so does the environment file' '
	find "$INIT/runit" "$INIT/s6" -name run | sort >scripts &&
	test_line_count = 6 scripts &&
	while read -r f; do
		test -x "$f" && head -n 1 "$f" | grep -qx "#!/bin/sh" &&
		dash -n "$f" || { echo "$f"; return 1; }
	done <scripts &&
	dash -n "$INIT/lbkit.env"
'

test_expect_success 'the environment file sets nothing until edited, and names only the variables the tools read' '
	env -i /bin/sh -c "set -a; . \"$INIT/lbkit.env\"; env" >all.env &&
	sed -E "/^(PWD|SHLVL|_|OLDPWD)=/d" all.env >set &&
	test_must_fail test -s set &&
	sed -n "s/^#\([A-Z_][A-Z0-9_]*\)=.*/\1/p" "$INIT/lbkit.env" | sort -u >named &&
	test_line_count -ge 8 named &&
	: every name is one that lb-speaker or lb-controller reads &&
	lb-speaker --help >help && lb-controller --help >>help &&
	grep -o -E "\<(LBKIT_[A-Z_]+|KUBECONFIG)\>" help | sort -u >known &&
	test_line_count -ge 10 known &&
	comm -23 named known >unknown &&
	test_must_fail test -s unknown
'

test_expect_success 's6: each service is a longrun given 15 s to stop; its run script is the runit one' '
	for svc in lbkit-speaker lbkit-controller; do
		echo longrun >expect && test_cmp expect "$INIT/s6/$svc/type" &&
		echo 15000 >expect && test_cmp expect "$INIT/s6/$svc/timeout-kill" &&
		grep -v "^#" "$INIT/runit/$svc/run" >runit.code &&
		grep -v "^#" "$INIT/s6/$svc/run" >s6.code &&
		test_cmp runit.code s6.code || return 1
	done
'

# The run scripts for real: the environment file says where the tools and
# the manifests are.
mkdir -p m
cp "$REPO_ROOT/deploy/examples/l2.yaml" "$REPO_ROOT/deploy/examples/service.yaml" m/
cat >lbkit.env <<EOF
PATH="$LBKIT_BUILD:/usr/sbin:/usr/bin:/sbin:/bin"
LBKIT_FROM=$TRASH_DIRECTORY/m
LBKIT_STATUS_DIR=$TRASH_DIRECTORY/st
LBKIT_NODE=n1
LBKIT_HEALTH_PORT=0
EOF

for kind in runit s6; do
	test_expect_success "$kind: the controller run script reads the environment file, writes status, stops on SIGTERM" '
		rm -rf st run && mkdir run &&
		test_bg ctl env -i LBKIT_ENV_FILE="$TRASH_DIRECTORY/lbkit.env" LBKIT_RUN_DIR="$TRASH_DIRECTORY/run" \
			"$INIT/$kind/lbkit-controller/run" &&
		test_wait_for "test -s st/default_web.json" 20 &&
		jq -e ".status.loadBalancer.ingress == [{\"ip\":\"192.0.2.240\"}]" st/default_web.json &&
		grep "lb-controller: supervising watch | alloc | apply" ctl.out &&
		kill -TERM "$(test_bg_pid ctl)" &&
		test_wait_for "grep -q \"every stage has ended\" ctl.out" 20 &&
		test_must_fail test -s ctl.err
	'
done

test_expect_success ROOT,NETNS 'runit: the speaker run script starts the speaker pipeline and stops it on SIGTERM' '
	test_netns_add node &&
	rm -rf run && mkdir run &&
	test_bg spk ip netns exec "$NS_node" env -i LBKIT_ENV_FILE="$TRASH_DIRECTORY/lbkit.env" \
		LBKIT_RUN_DIR="$TRASH_DIRECTORY/run" "$INIT/runit/lbkit-speaker/run" &&
	test_wait_for "grep -q \"bgp started\" spk.out" 20 &&
	grep "lb-speaker: node n1: supervising watch elect bgp" spk.out &&
	kill -TERM "$(test_bg_pid spk)" &&
	test_wait_for "grep -q \"every stage has ended\" spk.out" 20
'

# systemd-analyze verify checks that ExecStart= exists: point it at the
# scripts in the build directory.
test_expect_success SYSTEMD_ANALYZE 'the systemd units pass systemd-analyze verify without a word' '
	for u in speaker controller; do
		sed "s|^ExecStart=/usr/local/bin/|ExecStart=$LBKIT_BUILD/|" \
			"$INIT/systemd/lbkit-$u.service" >lbkit-$u.service || return 1
	done &&
	systemd-analyze verify --man=no ./lbkit-speaker.service ./lbkit-controller.service >out 2>&1 &&
	test_must_fail test -s out
'

test_expect_success SYSTEMD_ANALYZE 'systemd-analyze verify does complain about a bad unit (the check above is real)' '
	sed "s/^KillMode=mixed/KillMode=sometimes/" lbkit-speaker.service >bad.service &&
	systemd-analyze verify --man=no ./bad.service >out 2>&1;
	grep -i "kill mode" out
'

test_expect_success 'the speaker unit keeps only CAP_NET_RAW and CAP_NET_ADMIN; the controller none' '
	grep -x "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN" "$INIT/systemd/lbkit-speaker.service" &&
	grep -x "CapabilityBoundingSet=" "$INIT/systemd/lbkit-controller.service" &&
	for u in speaker controller; do
		grep -x "NoNewPrivileges=yes" "$INIT/systemd/lbkit-$u.service" &&
		grep -x "EnvironmentFile=-/etc/lbkit/lbkit.env" "$INIT/systemd/lbkit-$u.service" &&
		grep -x "KillMode=mixed" "$INIT/systemd/lbkit-$u.service" || return 1
	done
'

test_done
