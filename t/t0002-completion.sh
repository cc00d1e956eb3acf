#!/bin/sh
test_description='bash and zsh completions offer what each tool says it takes'
. "$(dirname "$0")/test-lib.sh"

# The completions ask each tool for its words (--completion-helper), so
# these checks run against every built lb-* tool: the completion offers
# every option the helper lists, option values complete as files or
# interfaces, and the helper lists no option that --help leaves out.

# complete WORD...: what bash completion offers for the command line
# WORD... (the last word is the one under the cursor), one a line, with
# '=' a word of its own as bash's default COMP_WORDBREAKS makes it.
cat >complete.bash <<\EOF || bail_out 'cannot write complete.bash'
. "$REPO_ROOT/completions/lbkit.bash" || exit 1
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
fn=$(complete -p "$1" | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
test -n "$fn" || exit 1
"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
EOF
export REPO_ROOT
complete () {
	bash "$TRASH_DIRECTORY/complete.bash" "$@"
}

tools=
for f in "$LBKIT_BUILD"/lb-*; do
	test -f "$f" && test -x "$f" && tools="$tools ${f##*/}"
done

test_expect_success 'a file and a directory to complete' '
	: >lbkit-probe-file &&
	mkdir lbkit-probe-dir
'

for tool in $tools; do
	test_expect_success BASH "bash: $tool has the lbkit completion" "
		bash -c '. \"\$REPO_ROOT/completions/lbkit.bash\" && complete -p $tool' >out &&
		grep -e '-F _lbkit ' out
	"

	test_expect_success BASH "bash: $tool - offers --help, --version and every option it lists" "
		$tool --completion-helper >helper &&
		grep '^-' helper | sort >expect &&
		grep -x -e --help -e --version expect >/dev/null &&
		test \$(grep -c -x -e --help -e --version expect) = 2 &&
		complete $tool - | sort >actual &&
		test_cmp expect actual &&
		complete $tool --h >actual &&
		grep -x -e --help actual
	"

	test_expect_success BASH "bash: $tool offers its subcommand words" "
		$tool --completion-helper | grep -v '^-' | sort >expect &&
		if test -s expect
		then
			complete $tool '' | sort >actual &&
			test_cmp expect actual
		else
			complete $tool lbkit-probe- >actual &&
			grep -x lbkit-probe-file actual
		fi
	"

	test_expect_success BASH "bash: $tool option values complete as files or interfaces" "
		for opt in \$($tool --completion-helper | sed -n 's/^--\\(.*\\)=\$/\\1/p'); do
			case \$opt in
			interface | interfaces)
				complete $tool --\$opt = '' >actual &&
				grep -x lo actual &&
				complete $tool --\$opt '' >actual &&
				grep -x lo actual || return 1
				;;
			*dir*)
				complete $tool --\$opt = lbkit-probe- >actual &&
				grep -x lbkit-probe-dir actual &&
				! grep -x lbkit-probe-file actual || return 1
				;;
			*file* | *state* | *config* | *from* | *pools* | *metrics*)
				complete $tool --\$opt = lbkit-probe- >actual &&
				grep -x lbkit-probe-file actual &&
				complete $tool --\$opt lbkit-probe- >actual &&
				grep -x lbkit-probe-file actual &&
				complete $tool --\$opt=lbkit-probe- >actual &&
				grep -x -e --\$opt=lbkit-probe-file actual || return 1
				;;
			esac
		done
	"

	test_expect_success BASH "bash: -i completes interfaces when $tool has it" "
		if $tool --completion-helper | grep -x -e -i >/dev/null
		then
			complete $tool -i '' >actual &&
			grep -x lo actual
		fi
	"

	test_expect_success "$tool --help documents every long option it completes" "
		$tool --help >help &&
		for opt in \$($tool --completion-helper | sed -n 's/^--\\([^=]*\\)=\\{0,1\\}\$/\\1/p'); do
			grep -E -e \"--\$opt([^a-z0-9-]|\\\$)\" help >/dev/null ||
			{ echo \"--\$opt is not in --help\"; return 1; }
		done
	"
done

# zsh_specs TOOL: the _arguments specs _lbkit builds for TOOL, _arguments
# replaced by a function that prints them.
test_expect_success ZSH 'zsh: _lbkit loads with compinit and serves every tool' '
	zsh -f -c "
		fpath=(\"\$REPO_ROOT/completions\" \$fpath)
		autoload -U compinit && compinit -u -D -d \"\$TRASH_DIRECTORY/zcompdump\" || exit 1
		for t in $tools lb-alloc lb-watch lb-arp-announce lb-bgp-peer lb-probe lb-elect lb-controller lb-speaker; do
			[[ \${_comps[\$t]} == _lbkit ]] || { print -u2 \"\$t: no completion\"; exit 1; }
		done
	" 2>err &&
	test_must_fail test -s err
'

for tool in $tools; do
	test_expect_success ZSH "zsh: _lbkit offers every option $tool lists" "
		zsh -f -c '
			fpath=(\"\$REPO_ROOT/completions\" \$fpath)
			autoload -U compinit && compinit -u -D -d \"\$TRASH_DIRECTORY/zcompdump\" || exit 1
			_arguments() { print -rl -- \"\$@\" }
			words=($tool \"\") CURRENT=2
			_lbkit
		' >specs 2>err &&
		test_must_fail test -s err &&
		$tool --completion-helper >helper &&
		for word in \$(grep '^-' helper); do
			grep -F -e \"*\$word\" specs >/dev/null ||
			{ echo \"no spec for \$word\"; return 1; }
		done &&
		for word in \$(grep '^-\\{1,2\\}[a-z-]*=\$' helper); do
			name=\${word#--} &&
			name=\${name%=} &&
			case \$name in
			interface | interfaces) grep -F -e \"*\$word[\$name]:\$name:_net_interfaces\" specs ;;
			*dir*) grep -F -e \"*\$word[\$name]:\$name:_files -/\" specs ;;
			*file* | *state* | *config* | *from* | *pools* | *metrics*)
				grep -F -e \"*\$word[\$name]:\$name:_files\" specs ;;
			esac || return 1
		done
	"
done

test_done
