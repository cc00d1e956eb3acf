# bash completion for the lbkit tools                      -*- shell-script -*-
#
# One function serves every tool: it asks the tool itself for its words
# (`TOOL --completion-helper`, generated from the tool's option table by
# lib/cli.c), so completions cannot drift from the options. The helper
# prints one word a line: --opt, --opt= (takes a value), -x short options
# (a short option printed right after --opt= is that option's short form
# and takes the value too), then the subcommand words. The answer is cached
# per tool for the life of the shell.

# _lbkit_words TOOL: sets _lbkit_reply to the tool's helper lines.
_lbkit_words()
{
	local tool=$1 key
	key=_lbkit_cache_${tool//[^A-Za-z0-9_]/_}
	if [[ -z ${!key+set} ]]; then
		local out
		out=$("$tool" --completion-helper 2>/dev/null) || out=
		printf -v "$key" '%s' "$out"
	fi
	mapfile -t _lbkit_reply <<<"${!key}"
}

# _lbkit_value_option TOOL WORD: prints the long name (without --) of the
# option WORD names when it takes a value: --opt= lines, and -x lines that
# follow one. Fails for options without a value.
_lbkit_value_option()
{
	local tool=$1 word=$2 line last=
	_lbkit_words "$tool"
	for line in "${_lbkit_reply[@]}"; do
		if [[ $line == --*= && ( $word == "${line%=}" || $word == "$line" ) ]]; then
			line=${line#--}
			printf '%s\n' "${line%=}"
			return 0
		fi
		if [[ $line == -? && $line == "$word" && $last == --*= ]]; then
			last=${last#--}
			printf '%s\n' "${last%=}"
			return 0
		fi
		last=$line
	done
	return 1
}

# _lbkit_values NAME CUR: completes the value of option --NAME=.
_lbkit_values()
{
	local name=${1%=} cur=$2
	case $name in
	interface | interfaces)
		local ifs=() dev
		for dev in /sys/class/net/*; do
			[[ -e $dev ]] && ifs+=("${dev##*/}")
		done
		mapfile -t COMPREPLY < <(compgen -W "${ifs[*]}" -- "$cur")
		;;
	*dir*)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		;;
	*file* | *state* | *config* | *from* | *pools* | *metrics*)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	*)
		COMPREPLY=()
		;;
	esac
}

_lbkit()
{
	local tool=${1:-${COMP_WORDS[0]}} cur prev prev2 name
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	((COMP_CWORD >= 2)) && prev2=${COMP_WORDS[COMP_CWORD - 2]}
	COMPREPLY=()
	# Fills the cache here: the lookups below run in subshells.
	_lbkit_words "$tool"

	# With '=' in COMP_WORDBREAKS (the default), --state=sub arrives as
	# three words: --state, =, sub.
	if [[ $cur == = && $prev == --* ]] && name=$(_lbkit_value_option "$tool" "$prev"); then
		_lbkit_values "$name" ""
		return 0
	fi
	if [[ $prev == = && $prev2 == --* ]] && name=$(_lbkit_value_option "$tool" "$prev2"); then
		_lbkit_values "$name" "$cur"
		return 0
	fi
	# And without it, as one word.
	if [[ $cur == --*=* ]]; then
		if name=$(_lbkit_value_option "$tool" "${cur%%=*}"); then
			local opt=${cur%%=*}= i
			_lbkit_values "$name" "${cur#*=}"
			for i in "${!COMPREPLY[@]}"; do
				COMPREPLY[i]=$opt${COMPREPLY[i]}
			done
		fi
		return 0
	fi
	# The value as the next word: --state FILE, -i eth0.
	if [[ $prev == -* && $cur != -* ]] && name=$(_lbkit_value_option "$tool" "$prev"); then
		_lbkit_values "$name" "$cur"
		return 0
	fi

	local line opts=() words=()
	for line in "${_lbkit_reply[@]}"; do
		[[ -n $line ]] || continue
		if [[ $line == -* ]]; then
			opts+=("$line")
		else
			words+=("$line")
		fi
	done
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "${opts[*]}" -- "$cur")
		# No space after --opt=, the value follows.
		if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *= ]]; then
			compopt -o nospace 2>/dev/null
		fi
	elif ((${#words[@]})); then
		mapfile -t COMPREPLY < <(compgen -W "${words[*]}" -- "$cur")
	else
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
	return 0
}

# Named one by one rather than every lb-* on PATH: completion runs the
# command, and an lb-* from another package must not be run. t0002 fails
# when a built tool is missing here.
complete -F _lbkit lb-alloc lb-watch lb-arp-announce lb-bgp-peer lb-probe lb-elect \
	lb-controller lb-speaker
