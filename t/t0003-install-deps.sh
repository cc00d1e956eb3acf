#!/bin/sh
test_description='scripts/install-deps installs exactly the missing packages'
. "$(dirname "$0")/test-lib.sh"

# install-deps runs against stub dpkg-query, apt-get, id and sudo, with a
# PATH of nothing else, so the test needs neither root nor a network and
# sees every command the script would run.
install_deps=$REPO_ROOT/scripts/install-deps

mkdir -p stub &&
cat >stub/dpkg-query <<\EOF &&
#!/bin/sh
PATH=$STUB:/usr/bin:/bin
# dpkg-query -W -f=FORMAT PKG: "installed" for the packages in $STUB/installed.
for last; do :; done
grep -qx "$last" "$STUB/installed" && printf installed && exit 0
echo "dpkg-query: no packages found matching $last" >&2
exit 1
EOF
cat >stub/apt-get <<\EOF &&
#!/bin/sh
PATH=$STUB:/usr/bin:/bin
echo "apt-get $*" >>"$STUB/log"
test -z "$STUB_APT_FAILS"
EOF
cat >stub/id <<\EOF &&
#!/bin/sh
echo "${STUB_UID:-0}"
EOF
cat >stub/sudo <<\EOF &&
#!/bin/sh
PATH=$STUB:/usr/bin:/bin
echo "sudo $*" >>"$STUB/log"
test -n "$STUB_SUDO_OK" || exit 1
test "$1" = -n && shift
exec "$@"
EOF
cat >stub/debconf-set-selections <<\EOF &&
#!/bin/sh
PATH=$STUB:/usr/bin:/bin
echo "debconf-set-selections $(cat)" >>"$STUB/log"
EOF
chmod +x stub/* &&
ln -s "$(command -v env)" stub/env || bail_out 'cannot write the stubs'

STUB=$TRASH_DIRECTORY/stub
export STUB

all_default='gcc make pkg-config libcurl4-openssl-dev libjansson-dev libpcap-dev
libpopt-dev libyaml-dev libssl-dev perl jq mandoc python3 python3-yaml iproute2 procps curl
bash zsh ca-certificates openssl'

# installed PKG...: the stub system has exactly these.
installed () {
	printf '%s\n' $* >stub/installed
}

run_deps () {
	rm -f stub/log
	PATH=$STUB /bin/sh "$install_deps" "$@"
}

test_expect_success 'nothing missing: silent, no apt-get at all' '
	installed $all_default &&
	run_deps >out 2>err &&
	test_must_fail test -s out &&
	test_must_fail test -s err &&
	! test -e stub/log
'

test_expect_success '--list prints the missing packages only' '
	installed $(echo $all_default | sed "s/ jq / /; s/ zsh / /") &&
	run_deps --list >out &&
	printf "jq\nzsh\n" >expect &&
	test_cmp expect out &&
	! test -e stub/log
'

test_expect_success 'as root: apt-get update, then install exactly the missing ones' '
	run_deps >out 2>err &&
	grep "installing jq zsh" out &&
	test_line_count = 2 stub/log &&
	head -n 1 stub/log | grep "^apt-get .*update" &&
	tail -n 1 stub/log >last &&
	grep "install --no-install-recommends jq zsh$" last &&
	grep -- "-y" last
'

test_expect_success 'groups: --fuzz, --peers, --all' '
	installed $all_default &&
	run_deps --list --fuzz >out &&
	printf "clang\nlibclang-rt-14-dev\n" >expect &&
	test_cmp expect out &&
	run_deps --list --peers >out &&
	printf "%s\n" bird2 frr gobgpd iputils-arping ndisc6 tcpdump tshark haproxy >expect &&
	test_cmp expect out &&
	run_deps --list --all >out &&
	printf "%s\n" clang libclang-rt-14-dev bird2 frr gobgpd iputils-arping \
		ndisc6 tcpdump tshark haproxy >expect &&
	test_cmp expect out
'

test_expect_success 'tshark is preseeded so its install asks nothing' '
	installed $all_default &&
	run_deps --peers >out 2>err &&
	grep "^debconf-set-selections wireshark-common wireshark-common/install-setuid boolean false" stub/log &&
	grep "^apt-get .*install .*tshark" stub/log
'

test_expect_success 'not root, passwordless sudo: installs through sudo -n' '
	installed $(echo $all_default | sed "s/ jq / /") &&
	STUB_UID=1000 STUB_SUDO_OK=1 run_deps >out 2>err &&
	grep "^sudo -n env DEBIAN_FRONTEND=noninteractive apt-get .*update" stub/log &&
	grep "^sudo -n env DEBIAN_FRONTEND=noninteractive apt-get .*install .* jq$" stub/log
'

test_expect_success 'not root, no sudo: prints the command and exits 3' '
	STUB_UID=1000 test_expect_code 3 run_deps >out 2>err &&
	grep "missing packages: jq" err &&
	grep "sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get .*install .* jq$" err &&
	! grep "apt-get" stub/log
'

test_expect_success 'a failing apt-get exits 3' '
	STUB_APT_FAILS=1 test_expect_code 3 run_deps 2>err &&
	grep "apt-get update failed" err
'

test_expect_success 'not Debian: names the packages and exits 3' '
	mv stub/dpkg-query stub/dpkg-query.off &&
	test_when_finished "mv stub/dpkg-query.off stub/dpkg-query" &&
	test_expect_code 3 run_deps --fuzz 2>err &&
	grep "not a Debian/Ubuntu system" err &&
	grep "gcc make .* openssl clang libclang-rt-14-dev" err
'

test_expect_success 'an unknown option is a usage error' '
	test_expect_code 2 run_deps --bogus 2>err &&
	grep "unknown option .--bogus." err
'

test_done
