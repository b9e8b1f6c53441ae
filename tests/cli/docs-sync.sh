#!/bin/bash
# docs-sync.sh [BUILD] - checks that the man pages (man/) and the bash completions (completion/) say what --help says.
# For dmatrace (each command) and dmatop: every option --help lists is in the
# man page (written \-\-name) and in the completion script's table, and
# neither lists an option --help does not (both ways); the man pages render
# without a warning (groff -ww); the completion scripts parse (bash -n) and
# complete commands, options and option values in a plain bash.
# Needs groff (Debian: groff-base).  DMATRACE, DMATOP, DOCS_MAN_DIR and
# DOCS_COMPLETION_DIR override what is checked.  Prints "ok - ..." and
# "not ok - ..." lines, ends with "N passed, N failed"; exit 1 on a failure.
# single-quoted code runs in another bash, which expands it
# shellcheck disable=SC2016
set -u
BUILD=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
DMATRACE=${DMATRACE:-$BUILD/dmatrace}
DMATOP=${DMATOP:-$BUILD/dmatop}
MAN_DIR=${DOCS_MAN_DIR:-$root/man}
COMP_DIR=${DOCS_COMPLETION_DIR:-$root/completion}
COMMANDS='record replay report check export serve'

T=$(mktemp -d "${TMPDIR:-/tmp}/dmascope-docs.XXXXXX")
trap '[ -n "${DOCS_SYNC_KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"' EXIT
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	echo "ok - $*"
}
bad() {
	fail=$((fail + 1))
	echo "not ok - $*"
}
# same DESC WANT GOT WHAT: the sorted lists in files WANT (from --help) and
# GOT (from WHAT) hold the same words
same() {
	local missing extra
	missing=$(comm -23 "$2" "$3" | tr '\n' ' ')
	extra=$(comm -13 "$2" "$3" | tr '\n' ' ')
	if [ -z "$missing$extra" ]; then
		ok "$1"
		return
	fi
	bad "$1"
	[ -z "$missing" ] || echo "#   in --help, not in $4: $missing"
	[ -z "$extra" ] || echo "#   in $4, not in --help: $extra"
}
# subset DESC SMALL BIG WHAT: every word of file SMALL is in file BIG
subset() {
	local extra
	extra=$(comm -23 "$2" "$3" | tr '\n' ' ')
	if [ -z "$extra" ]; then
		ok "$1"
	else
		bad "$1"
		echo "#   in $4, not in --help: $extra"
	fi
}

# ---- what --help says ----

# help_opts: the options of the option lines of a --help text on stdin (an
# option line starts with a few blanks and a dash).  An option line may name
# several options, each with its argument, separated by ", " (as in
# "-o, --output FILE" or "--leak-age D, --xfer-timeout D, --leaks-at-exit,
# --numa-share PCT"); the description begins at the first word that is
# neither an option nor an option's argument (an argument is upper case,
# such as FILE or ADDR:PORT, or a list of words, such as text|json), so a
# single blank before the description (as in "--textfile-interval S
# seconds ...") and dashes in the description do not matter.
# $1 = long or short.
help_opts() {
	grep -E '^ {1,8}-' | awk -v want="$1" '
		function is_arg(w) {
			return w ~ /^[A-Z][A-Z0-9_:.|<>-]*,?$/ || w ~ /^[a-z0-9]+(\|[a-z0-9]+)+,?$/ ||
				w ~ /^[[<].*[]>],?$/
		}
		{
			i = 1
			while (i <= NF && $i ~ /^-/) {
				o = $i
				more = sub(/,$/, "", o)
				sub(/[=[].*$/, "", o)
				if (o ~ /^--[a-z0-9][a-z0-9-]*$/) {
					if (want == "long") print o
				} else if (o ~ /^-[a-zA-Z0-9]$/) {
					if (want == "short") print o
				}
				i++
				if (more) continue
				if (i <= NF && is_arg($i)) {
					more = ($i ~ /,$/)
					i++
					if (more) continue
				}
				break
			}
		}' | LC_ALL=C sort -u
}

for b in "$DMATRACE" "$DMATOP"; do
	if [ ! -x "$b" ]; then
		bad "$b is missing (make BUILD=$BUILD)"
		echo "$pass passed, $fail failed"
		exit 1
	fi
done

"$DMATRACE" --help >"$T/top.help" 2>&1
# the top level has no option lines: its options are named in the text
grep -oE -- '--[a-z][a-z0-9-]*' "$T/top.help" | LC_ALL=C sort -u >"$T/top.long"
: >"$T/top.short"
if [ -s "$T/top.long" ]; then ok "dmatrace --help names options"; else bad "dmatrace --help names no option"; fi
# the commands --help lists
sed -n '/^commands:/,/^$/p' "$T/top.help" | awk 'NF && $1 != "commands:" {print $1}' |
	LC_ALL=C sort -u >"$T/commands.help"
echo "$COMMANDS" | tr ' ' '\n' | LC_ALL=C sort -u >"$T/commands.want"
same "dmatrace --help lists the commands this test knows" "$T/commands.help" "$T/commands.want" "this test"
for c in $COMMANDS; do
	"$DMATRACE" "$c" --help >"$T/$c.help" 2>&1
	help_opts long <"$T/$c.help" >"$T/$c.long"
	help_opts short <"$T/$c.help" >"$T/$c.short"
	if [ -s "$T/$c.long" ]; then ok "dmatrace $c --help lists options"; else bad "dmatrace $c --help lists no option"; fi
done
(
	cat "$T/top.long"
	for c in $COMMANDS; do cat "$T/$c.long"; done
) | LC_ALL=C sort -u >"$T/dmatrace.long"
"$DMATOP" --help >"$T/dmatop.help" 2>&1
help_opts long <"$T/dmatop.help" >"$T/dmatop.long"
help_opts short <"$T/dmatop.help" >"$T/dmatop.short"
if [ -s "$T/dmatop.long" ]; then ok "dmatop --help lists options"; else bad "dmatop --help lists no option"; fi

# ---- man pages ----

# man_long: the long options written in man(7) source on stdin (\-\-name,
# every hyphen escaped), unescaped
man_long() {
	grep -v '^\.\\"' | grep -oE '\\-\\-[a-z0-9]+(\\-[a-z0-9]+)*' |
		sed 's/\\-/-/g' | LC_ALL=C sort -u
}
man_short() {
	grep -v '^\.\\"' | grep -oE '(^|[^-a-z\\])\\-[a-zA-Z0-9]([^-a-zA-Z0-9]|$)' |
		grep -oE '\\-[a-zA-Z0-9]' | sed 's/\\-/-/' | LC_ALL=C sort -u
}
# man_options FILE [TITLE-WORD]: the source of the OPTIONS section, or of
# its subsection whose title has that word
man_options() {
	awk -v want="${2:-}" '
		/^\.SH/ { in_opts = ($0 ~ /^\.SH "?OPTIONS"?$/); take = in_opts && want == ""; next }
		/^\.SS/ && in_opts {
			take = 0
			n = split($0, w, /[ "]+/)
			for (i = 2; i <= n; i++) if (w[i] == want) take = 1
			if (want == "") take = 1
			next
		}
		take { print }' "$1"
}

dmatrace_man=$MAN_DIR/dmatrace.8
dmatop_man=$MAN_DIR/dmatop.8
dmat_man=$MAN_DIR/dmat.5
for f in "$dmatrace_man" "$dmatop_man" "$dmat_man"; do
	if [ -f "$f" ]; then ok "$(basename "$f") exists"; else bad "$f is missing"; fi
done

if [ -f "$dmatrace_man" ]; then
	for c in top $COMMANDS; do
		word=$c
		[ "$c" = top ] && word=General
		man_options "$dmatrace_man" "$word" >"$T/$c.mansrc"
		man_long <"$T/$c.mansrc" >"$T/$c.manlong"
		man_short <"$T/$c.mansrc" >"$T/$c.manshort"
		label="dmatrace $c"
		[ "$c" = top ] && label=dmatrace
		same "dmatrace.8 documents the long options of '$label --help' (OPTIONS, \"$word\")" \
			"$T/$c.long" "$T/$c.manlong" "dmatrace.8"
		subset "dmatrace.8 documents the short options of '$label --help'" \
			"$T/$c.short" "$T/$c.manshort" "--help, not in dmatrace.8"
	done
	man_long <"$dmatrace_man" >"$T/dmatrace.manall"
	subset "dmatrace.8 names no option that no --help lists" \
		"$T/dmatrace.manall" "$T/dmatrace.long" "dmatrace.8"
	if grep -v '^\.\\"' "$dmatrace_man" | grep -qE '(^|[^\\])--[a-z]'; then
		bad "dmatrace.8 escapes the hyphens of option names"
		grep -nE '(^|[^\\])--[a-z]' "$dmatrace_man" | grep -v ':\.\\"' | sed 's/^/#   /' | head -5
	else
		ok "dmatrace.8 escapes the hyphens of option names"
	fi
	awk '/^\.SH/ {take = ($0 ~ /^\.SH "?COMMANDS"?$/); next} take' "$dmatrace_man" >"$T/commands.mansrc"
	for c in $COMMANDS; do
		if grep -qE "^\\.B $c\$" "$T/commands.mansrc"; then
			ok "dmatrace.8 describes the command $c (COMMANDS)"
		else
			bad "dmatrace.8 describes the command $c (a '.B $c' line in COMMANDS)"
		fi
	done
fi

if [ -f "$dmatop_man" ]; then
	man_options "$dmatop_man" >"$T/dmatop.mansrc"
	man_long <"$T/dmatop.mansrc" >"$T/dmatop.manlong"
	man_short <"$T/dmatop.mansrc" >"$T/dmatop.manshort"
	same "dmatop.8 documents the long options of 'dmatop --help' (OPTIONS)" \
		"$T/dmatop.long" "$T/dmatop.manlong" "dmatop.8"
	subset "dmatop.8 documents the short options of 'dmatop --help'" \
		"$T/dmatop.short" "$T/dmatop.manshort" "--help, not in dmatop.8"
	man_long <"$dmatop_man" >"$T/dmatop.manall"
	subset "dmatop.8 names no option that 'dmatop --help' does not list" \
		"$T/dmatop.manall" "$T/dmatop.long" "dmatop.8"
	if grep -v '^\.\\"' "$dmatop_man" | grep -qE '(^|[^\\])--[a-z]'; then
		bad "dmatop.8 escapes the hyphens of option names"
	else
		ok "dmatop.8 escapes the hyphens of option names"
	fi
fi

if command -v groff >/dev/null; then
	for f in "$dmatrace_man" "$dmatop_man" "$dmat_man"; do
		[ -f "$f" ] || continue
		groff -man -ww -z -Tutf8 "$f" >"$T/groff.out" 2>"$T/groff.err"
		if [ -s "$T/groff.err" ]; then
			bad "$(basename "$f") renders without warnings"
			sed 's/^/#   /' "$T/groff.err" | head -10
		else
			ok "$(basename "$f") renders without warnings"
		fi
	done
else
	bad "groff is not installed (Debian: groff-base): the man pages cannot be checked"
fi

# ---- bash completions ----

comp_dmatrace=$COMP_DIR/dmatrace
comp_dmatop=$COMP_DIR/dmatop
for f in "$comp_dmatrace" "$comp_dmatop"; do
	if [ ! -f "$f" ]; then
		bad "$f is missing"
	elif bash -n "$f" 2>"$T/bashn.err"; then
		ok "$(basename "$f") completion passes bash -n"
	else
		bad "$(basename "$f") completion passes bash -n"
		sed 's/^/#   /' "$T/bashn.err" | head -5
	fi
done

# in_bash SCRIPT CODE: CODE run in a plain bash (no startup files, so no
# bash-completion library) after sourcing SCRIPT
in_bash() {
	bash --norc --noprofile -c 'source "$1" || exit 1; eval "$2"' in_bash "$1" "$2"
}
# complete_words SCRIPT WORD...: the sorted candidates the function that
# SCRIPT registers gives for the command line WORD... (the last word is the
# one completed)
complete_words() {
	local script=$1
	shift
	in_bash "$script" '
		set -- '"$(printf '%q ' "$@")"'
		fn=$(complete -p "$1" 2>/dev/null | sed -nE "s/.* -F ([^ ]+) .*/\1/p")
		[ -n "$fn" ] || { echo "NO-COMPLETE-FUNCTION"; exit 0; }
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort -u | tr "\n" " "'
}
# expect_completion DESC WANT SCRIPT WORD...
expect_completion() {
	local desc=$1 want=$2 got
	shift 2
	got=$(complete_words "$@")
	got=${got% }
	if [ "$got" = "$want" ]; then
		ok "$desc"
	else
		bad "$desc: got '$got', want '$want'"
	fi
}

if [ -f "$comp_dmatrace" ]; then
	for c in $COMMANDS; do
		# the table: command, option, argument
		in_bash "$comp_dmatrace" 'printf "%s\n" "$_dmatrace_options"' |
			awk -F '\t' -v c="$c" '$1 == c {print $2}' >"$T/$c.comp"
		grep -E '^--' "$T/$c.comp" | LC_ALL=C sort -u >"$T/$c.complong"
		grep -E '^-[^-]' "$T/$c.comp" | LC_ALL=C sort -u >"$T/$c.compshort"
		if [ "$c" = report ] && [ ! -s "$T/$c.comp" ]; then
			# report is replay: the script completes it from replay's rows
			cp "$T/replay.complong" "$T/$c.complong"
			cp "$T/replay.compshort" "$T/$c.compshort"
		fi
		same "completion/dmatrace completes the long options of 'dmatrace $c --help'" \
			"$T/$c.long" "$T/$c.complong" "completion/dmatrace"
		same "completion/dmatrace completes the short options of 'dmatrace $c --help'" \
			"$T/$c.short" "$T/$c.compshort" "completion/dmatrace"
	done
	in_bash "$comp_dmatrace" 'printf "%s\n" $_dmatrace_global_options' | grep -E '^--' |
		LC_ALL=C sort -u >"$T/top.complong"
	same "completion/dmatrace completes the options of 'dmatrace --help'" \
		"$T/top.long" "$T/top.complong" "completion/dmatrace"
	# any other option-looking word in the script must be a real option
	grep -v '^[[:space:]]*#' "$comp_dmatrace" | grep -oE -- '(^|[[:space:]"])--[a-z][a-z0-9-]*' |
		grep -oE -- '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u >"$T/dmatrace.compall"
	subset "completion/dmatrace names no option that no --help lists" \
		"$T/dmatrace.compall" "$T/dmatrace.long" "completion/dmatrace"

	expect_completion "dmatrace re<TAB> completes the commands" "record replay report" \
		"$comp_dmatrace" dmatrace re
	expect_completion "dmatrace <TAB> lists every command" "check export record replay report serve" \
		"$comp_dmatrace" dmatrace ''
	expect_completion "dmatrace replay --sev<TAB> completes --severity" "--severity" \
		"$comp_dmatrace" dmatrace replay --sev
	expect_completion "dmatrace report --sev<TAB> completes --severity" "--severity" \
		"$comp_dmatrace" dmatrace report --sev
	expect_completion "dmatrace replay --severity <TAB> offers the levels" "error info warning" \
		"$comp_dmatrace" dmatrace replay --severity ''
	expect_completion "dmatrace export --format <TAB> offers the formats" "csv json perfetto perfetto-json" \
		"$comp_dmatrace" dmatrace export --format ''
	expect_completion "dmatrace check --format <TAB> offers the formats" "json junit ktap sarif text" \
		"$comp_dmatrace" dmatrace check --format ''
	expect_completion "dmatrace replay --fail-on <TAB> offers the levels" "error info warning" \
		"$comp_dmatrace" dmatrace replay --fail-on ''
	expect_completion "dmatrace check --format=<TAB> offers the formats" "json junit ktap sarif text" \
		"$comp_dmatrace" dmatrace check --format =
	expect_completion "dmatrace record --no-<TAB> completes the stack options" "--no-stacks" \
		"$comp_dmatrace" dmatrace record --no-
	# the option values the table offers are those --help names
	for c in export check replay; do
		want=$(grep -oE -- '--format [a-z-]+(\|[a-z-]+)+' "$T/$c.help" | head -1 | cut -d' ' -f2)
		# the report formats: "--format FMT[=FILE]   text, json ... or ktap"
		[ -n "$want" ] || want=$(grep -oE -- '--format FMT\[=FILE\] +[a-z]+(, [a-z]+)*,? or [a-z]+' "$T/$c.help" |
			head -1 | sed -E 's/^--format FMT\[=FILE\] +//; s/,? or /|/; s/, /|/g')
		got=$(in_bash "$comp_dmatrace" 'printf "%s\n" "$_dmatrace_options"' |
			awk -F '\t' -v c="$c" '$1 == c && $2 == "--format" {print $3}')
		if [ -n "$want" ] && [ "$got" = "$want" ]; then
			ok "completion/dmatrace offers the formats of 'dmatrace $c --help' ($want)"
		else
			bad "completion/dmatrace offers the formats of 'dmatrace $c --help': got '$got', want '$want'"
		fi
	done
	for c in replay check; do
		if tr '\n' ' ' <"$T/$c.help" | tr -s ' ' | grep -q 'info, warning, error'; then
			ok "'dmatrace $c --help' names the levels the completion offers (info, warning, error)"
		else
			bad "'dmatrace $c --help' names the levels the completion offers (info, warning, error)"
		fi
	done

	# recordings are preferred for replay's FILE
	mkdir -p "$T/files"
	: >"$T/files/a.dmat"
	: >"$T/files/b.txt"
	got=$(cd "$T/files" && complete_words "$comp_dmatrace" dmatrace replay '')
	if [ "${got% }" = "a.dmat" ]; then ok "dmatrace replay <TAB> offers .dmat files"; else bad "dmatrace replay <TAB> offers .dmat files: got '$got'"; fi
	got=$(cd "$T/files" && complete_words "$comp_dmatrace" dmatrace record -o '')
	if [ "${got% }" = "a.dmat b.txt" ]; then ok "dmatrace record -o <TAB> offers files"; else bad "dmatrace record -o <TAB> offers files: got '$got'"; fi
	# serve: --replay takes a recording, --textfile a directory, --listen an address to type
	mkdir -p "$T/files/prom"
	got=$(cd "$T/files" && complete_words "$comp_dmatrace" dmatrace serve --replay '')
	if [ "${got% }" = "a.dmat prom" ]; then ok "dmatrace serve --replay <TAB> offers .dmat files"; else bad "dmatrace serve --replay <TAB> offers .dmat files: got '$got'"; fi
	got=$(cd "$T/files" && complete_words "$comp_dmatrace" dmatrace serve --textfile '')
	if [ "${got% }" = "prom" ]; then ok "dmatrace serve --textfile <TAB> offers directories"; else bad "dmatrace serve --textfile <TAB> offers directories: got '$got'"; fi
	expect_completion "dmatrace serve --listen <TAB> offers nothing" "" \
		"$comp_dmatrace" dmatrace serve --listen ''
	expect_completion "dmatrace serve --text<TAB> completes the textfile options" "--textfile --textfile-interval" \
		"$comp_dmatrace" dmatrace serve --text
fi

if [ -f "$comp_dmatop" ]; then
	in_bash "$comp_dmatop" 'printf "%s\n" "$_dmatop_options"' | awk -F '\t' 'NF {print $1}' >"$T/dmatop.comp"
	grep -E '^--' "$T/dmatop.comp" | LC_ALL=C sort -u >"$T/dmatop.complong"
	grep -E '^-[^-]' "$T/dmatop.comp" | LC_ALL=C sort -u >"$T/dmatop.compshort"
	same "completion/dmatop completes the long options of 'dmatop --help'" \
		"$T/dmatop.long" "$T/dmatop.complong" "completion/dmatop"
	same "completion/dmatop completes the short options of 'dmatop --help'" \
		"$T/dmatop.short" "$T/dmatop.compshort" "completion/dmatop"
	grep -v '^[[:space:]]*#' "$comp_dmatop" | grep -oE -- '(^|[[:space:]"])--[a-z][a-z0-9-]*' |
		grep -oE -- '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u >"$T/dmatop.compall"
	subset "completion/dmatop names no option that 'dmatop --help' does not list" \
		"$T/dmatop.compall" "$T/dmatop.long" "completion/dmatop"

	# the sort keys: as --help lists them after "sort column:" up to "(default"
	sed -n '/--sort KEY/,/(default/p' "$T/dmatop.help" | sed -E 's/.*sort column://; s/\(default.*//; s/^ +//' |
		tr -s ' ' '\n' | grep -v '^$' | LC_ALL=C sort -u >"$T/sortkeys.help"
	for o in -o --sort; do
		in_bash "$comp_dmatop" 'printf "%s\n" "$_dmatop_options"' | awk -F '\t' -v o="$o" '$1 == o {print $2}' |
			tr '|' '\n' | LC_ALL=C sort -u >"$T/sortkeys.comp"
		if [ -s "$T/sortkeys.help" ]; then
			same "completion/dmatop offers the sort keys of 'dmatop --help' for $o" \
				"$T/sortkeys.help" "$T/sortkeys.comp" "completion/dmatop"
		else
			bad "dmatop --help lists sort keys after 'sort column:'"
		fi
	done
	if [ -f "$dmatop_man" ] && [ -s "$T/sortkeys.help" ]; then
		# the paragraph of --sort, up to the next .TP
		awk '/^\.TP/ {take = 0} take {print} /\\-\\-sort/ {take = 1}' "$T/dmatop.mansrc" >"$T/sort.mansrc"
		missing=
		for k in $(cat "$T/sortkeys.help"); do
			grep -qE "(^|[ \"])$k([ \",]|$)" "$T/sort.mansrc" || missing="$missing $k"
		done
		if [ -z "$missing" ]; then ok "dmatop.8 names every sort key under --sort"; else bad "dmatop.8 names every sort key under --sort: missing$missing"; fi
	fi

	expect_completion "dmatop --so<TAB> completes --sort --source" "--sort --source" "$comp_dmatop" dmatop --so
	expect_completion "dmatop --sor<TAB> completes --sort" "--sort" "$comp_dmatop" dmatop --sor
	expect_completion "dmatop --source f<TAB> completes ftrace" "ftrace" "$comp_dmatop" dmatop --source f
	expect_completion "dmatop -o out<TAB> completes sort keys" "outbytes outstanding" \
		"$comp_dmatop" dmatop -o out
	expect_completion "dmatop --sort=f<TAB> completes sort keys" "findings from" \
		"$comp_dmatop" dmatop --sort = f
	expect_completion "dmatop --ver<TAB> completes --verbose --version" "--verbose --version" \
		"$comp_dmatop" dmatop --ver
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
