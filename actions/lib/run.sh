# run.sh holds the helpers the Slipway actions source to call the binary.
# shellcheck shell=bash
#
# Inputs reach the step as environment variables and are added to the argv
# array one by one: no input is ever part of the script text, so no value can
# be run as shell (GitHub's script-injection rule), and none is split or
# globbed. No bash 4 features: macOS runners have bash 3.2; Windows, Git Bash.
#
#   argv=(pack "$IN_DIR" --output json)
#   opt  --name "$IN_NAME"             # --name VALUE when VALUE is not empty
#   flag --no-cache "$IN_NO_CACHE"     # --no-cache when true; false or empty: nothing
#   each --dataset "$IN_DATASET"       # --dataset LINE for every non-blank line
#   metrics_opts                       # --pushgateway "$IN_PUSHGATEWAY" --metrics-file "$IN_METRICS_FILE", when set
#   slipway_run                        # runs "$SLIPWAY" "${argv[@]}"
#   output reference "$value"          # a step output, any value (multi-line safe)
#   json_field FILE reference          # a string field of slipway's --output json

argv=()

slipway_fail() {
	printf '::error title=slipway::%s\n' "$*"
	exit 2
}

opt() {
	[[ -z $2 ]] || argv+=("$1" "$2")
}

flag() {
	case $2 in
	true | True | TRUE) argv+=("$1") ;;
	false | False | FALSE | '') ;;
	*) slipway_fail "input for $1 must be true or false, got '$2'" ;;
	esac
}

each() {
	local line
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		[[ -z ${line//[[:space:]]/} ]] || argv+=("$1" "$line")
	done <<<"$2"
}

# mask hides a secret in the log, line by line (the runner masks per line).
mask() {
	local line
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		[[ -z $line ]] || printf '::add-mask::%s\n' "$line"
	done <<<"$1"
}

# key_opt adds --key for a key input: the input itself when it is a path;
# when it is PEM content (a secret), a private temporary file holding it,
# removed when the step's script exits.
key_opt() {
	[[ -n $1 ]] || return 0
	if [[ $1 != *"-----BEGIN"* ]]; then
		argv+=(--key "$1")
		return
	fi
	mask "$1"
	slipway_key_file=$(umask 077 && mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/slipway-key.XXXXXX")
	trap 'rm -f "$slipway_key_file"' EXIT
	printf '%s\n' "$1" >"$slipway_key_file"
	argv+=(--key "$slipway_key_file")
}

# mask_url_password masks the password of a URL's user information
# (https://user:password@host/), so the log never shows it.
mask_url_password() {
	if [[ $1 =~ ^[A-Za-z][A-Za-z0-9+.-]*://([^/@]*)@ ]] && [[ ${BASH_REMATCH[1]} == *:* ]]; then
		mask "${BASH_REMATCH[1]#*:}"
	fi
}

# metrics_opts adds --pushgateway and --metrics-file (gate, drift, promote)
# from IN_PUSHGATEWAY and IN_METRICS_FILE, each only when set; the
# Pushgateway URL's password is masked first.
metrics_opts() {
	if [[ -n ${IN_PUSHGATEWAY:-} ]]; then
		mask_url_password "$IN_PUSHGATEWAY"
		argv+=(--pushgateway "$IN_PUSHGATEWAY")
	fi
	opt --metrics-file "${IN_METRICS_FILE:-}"
}

# output sets a step output with the heredoc form, so any value is safe.
output() {
	local delim
	delim=slipway_$RANDOM$RANDOM$RANDOM
	while [[ $2 == *"$delim"* ]]; do delim=slipway_$RANDOM$RANDOM$RANDOM; done
	printf '%s<<%s\n%s\n%s\n' "$1" "$delim" "$2" "$delim" >>"${GITHUB_OUTPUT:?}"
}

# json_field prints the first string (or number/boolean) value of key $2 in
# the JSON file $1 as slipway writes it (indented by two spaces per level);
# $3 is the nesting depth (default 1: top level). jq is used when present.
json_field() {
	local file=$1 key=$2 depth=${3:-1} indent
	[[ -s $file ]] || return 0
	if command -v jq >/dev/null 2>&1; then
		local path=".[\$k]?" i
		for ((i = 1; i < depth; i++)); do path=".[]? | objects | $path"; done
		jq -r --arg k "$key" "first($path | select(. != null and type != \"object\" and type != \"array\"))" "$file" 2>/dev/null || true
		return 0
	fi
	printf -v indent '%*s' $((depth * 2)) ''
	sed -n -e "s/^$indent\"$key\": \"\\(.*\\)\",\{0,1\}\$/\\1/p" \
		-e "s/^$indent\"$key\": \\([-0-9.a-z][^,]*\\),\{0,1\}\$/\\1/p" "$file" |
		head -n 1 | sed -e '/^null$/d' -e 's/\\"/"/g' -e 's/\\\\/\\/g'
}

# slipway_run runs the binary with argv; stdout goes to $1 when given.
slipway_run() {
	if [[ -n ${1:-} ]]; then
		"${SLIPWAY:?}" "${argv[@]}" >"$1"
	else
		"${SLIPWAY:?}" "${argv[@]}"
	fi
}

# summary appends markdown to the step summary when there is one.
summary() {
	[[ -z ${GITHUB_STEP_SUMMARY:-} ]] || printf '%s\n' "$@" >>"$GITHUB_STEP_SUMMARY"
}

# registry_credentials exports the username and password inputs where the
# binary reads them (SLIPWAY_REGISTRY_USERNAME/PASSWORD): never on argv.
registry_credentials() {
	if [[ -n ${IN_PASSWORD:-} ]]; then
		mask "$IN_PASSWORD"
		[[ -n ${IN_USERNAME:-} ]] || slipway_fail "the password input needs the username input"
		export SLIPWAY_REGISTRY_USERNAME=$IN_USERNAME SLIPWAY_REGISTRY_PASSWORD=$IN_PASSWORD
	fi
	unset IN_PASSWORD
}

# common adds the global flags every verb takes.
common() {
	flag --insecure "${IN_INSECURE:-}"
	flag --quiet "${IN_QUIET:-}"
	registry_credentials
}
