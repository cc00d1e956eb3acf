#!/bin/sh
test_description='every lb-* tool keeps the shared command-line conventions and has a clean man page'
. "$(dirname "$0")/test-lib.sh"

# The conventions lib/cli.c implements and lbkit(7) documents: --help on
# stdout with exit 0, "NAME (lbkit) X.Y.Z" for --version, a usage error
# exits 2 with one message on stderr and nothing on stdout.

tools=
for f in "$LBKIT_BUILD"/lb-*; do
	test -f "$f" && test -x "$f" && tools="$tools ${f##*/}"
done

for tool in $tools; do
	test_expect_success "$tool --help: exit 0, usage on stdout" "
		$tool --help >out 2>err &&
		grep '^Usage: $tool' out &&
		test_must_fail test -s err
	"

	test_expect_success "$tool --version: '$tool (lbkit) X.Y.Z'" "
		$tool --version >out 2>err &&
		test_line_count = 1 out &&
		grep -E '^$tool \\(lbkit\\) [0-9]+\\.[0-9]+\\.[0-9]+\$' out &&
		test_must_fail test -s err
	"

	test_expect_success "$tool: an unknown option exits 2, named on stderr, stdout empty" "
		test_expect_code 2 $tool --lbkit-no-such-option >out 2>err &&
		test_must_fail test -s out &&
		grep -e '--lbkit-no-such-option' err
	"

	test_expect_success "$tool has a man page" "
		ls '$REPO_ROOT'/man/$tool.[1-8] >/dev/null
	"
done

for page in "$REPO_ROOT"/man/*.[1-8]; do
	test -f "$page" || continue
	name=${page##*/}
	test_expect_success MANDOC "man/$name: mandoc -Tlint -W warning is clean" "
		mandoc -Tlint -W warning '$page' >lint 2>&1 ||
		{ cat lint; false; } &&
		test_must_fail test -s lint
	"
done

test_done
