#!/usr/bin/env bash
# install.sh makes the slipway binary that matches the action's ref available
# and writes its path to the step output `path` (and its folder to GITHUB_PATH).
# Every Slipway action runs it first; it takes its settings from the environment:
#
#   SLIPWAY_SOURCE               the action's repository root (github.action_path/../..)
#   SLIPWAY_ACTION_REF           github.action_ref: v1.2.3, v1, a branch, a SHA; empty for ./actions/…
#   SLIPWAY_ACTION_REPOSITORY    github.action_repository (owner/name); empty for ./actions/…
#   SLIPWAY_VERSION              the slipway-version input: empty (the release this tree
#                                pins, else a build of this source), vX.Y.Z, or "source"
#   SLIPWAY_RELEASE_URL          where release assets live (default $GITHUB_SERVER_URL/<repo>/releases/download)
#   SLIPWAY_INSTALL_CACHE        cache folder (default $RUNNER_TOOL_CACHE, else $XDG_CACHE_HOME or ~/.cache)
#
# A release commits release/VERSION, release/SHA256SUMS (of its assets) and
# release/SOURCE (the hash of the source it was built from) into the tree it
# tags (scripts/release.sh pin). Every pin of that tree — @vX.Y.Z, the moving
# @v1, the commit SHA — therefore carries the sums its binary must match, so a
# replaced release asset is refused, and no pin builds from source.
#
# The binary it picks, in order:
#  1. a `slipway` on PATH whose --version matches (same release tag, or the
#     same source hash for a build from source): nothing to do;
#  2. the cached binary for this release (checked against the pinned sums
#     again) or this source hash;
#  3. the release asset slipway-<os>-<arch>, verified against the pinned
#     SHA256SUMS, when this tree is a release's (release/SOURCE matches its
#     source) or slipway-version names that release; for another vX.Y.Z (in
#     slipway-version, or the ref of a release made before sums were pinned)
#     against that release's own SHA256SUMS. A mismatch is fatal;
#  4. otherwise (an untagged commit, a branch, slipway-version: source), or
#     when the release has no asset for this platform: `go build` of the
#     action's own source with the runner's Go (GOTOOLCHAIN fetches the
#     version go.mod names when the runner's is older).
# Builds from source are keyed by the source hash, so a cached binary is
# never stale.
set -euo pipefail

note() { printf 'slipway: %s\n' "$*" >&2; }
fail() {
	printf '::error title=slipway install::%s\n' "$*"
	exit 1
}

sha256() { # sha256 of stdin or of the files named, in sha256sum's format
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$@"
	elif command -v shasum >/dev/null 2>&1; then
		shasum -a 256 "$@"
	else
		fail "neither sha256sum nor shasum is on PATH"
	fi
}

# binary_version prints the version field of `slipway --version`
# ("slipway v1.2.3 (commit abc)" gives v1.2.3), or nothing.
binary_version() {
	local out
	out=$("$1" --version 2>/dev/null) || return 0
	out=${out#slipway }
	printf '%s\n' "${out%% *}"
}

# source_hash (source.sh) hashes what `go build ./cmd/slipway` reads in $src.
# shellcheck source=actions/lib/source.sh
source "$(dirname "${BASH_SOURCE[0]}")/source.sh"

platform() {
	local os arch
	case ${RUNNER_OS:-$(uname -s)} in
	Linux | linux) os=linux ;;
	macOS | Darwin) os=darwin ;;
	Windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
	*) fail "unsupported runner OS ${RUNNER_OS:-$(uname -s)}" ;;
	esac
	case ${RUNNER_ARCH:-$(uname -m)} in
	X64 | x86_64 | amd64) arch=amd64 ;;
	ARM64 | arm64 | aarch64) arch=arm64 ;;
	*) fail "unsupported runner architecture ${RUNNER_ARCH:-$(uname -m)}" ;;
	esac
	printf '%s-%s\n' "$os" "$arch"
}

# download_release fetches the release asset of $release into $1 and verifies
# it against the pinned sums ($sums_file, from this tree) or, with none, the
# release's own SHA256SUMS. Returns 1 (after a notice) when the release or the
# asset does not exist.
download_release() {
	local dest=$1 base sums got want status
	[[ -n $repo || -n ${SLIPWAY_RELEASE_URL:-} ]] || return 1 # a local action: no release to ask
	command -v curl >/dev/null 2>&1 || {
		note "curl not found; building from source"
		return 1
	}
	base=${SLIPWAY_RELEASE_URL:-${GITHUB_SERVER_URL:-https://github.com}/${repo:-slipwayhq/slipway}/releases/download}
	base=${base%/}/$release
	if [[ -n $sums_file ]]; then
		sums=$sums_file
	else
		sums=$(mktemp "$tmpdir/sums.XXXXXX")
		status=$(curl -sSL --retry 3 -o "$sums" -w '%{http_code}' "$base/SHA256SUMS" 2>/dev/null) || status=000
		if [[ $status != 200 ]]; then
			note "no release asset for $release ($base/SHA256SUMS: HTTP $status); building from source"
			return 1
		fi
	fi
	want=$(sum_of "$sums")
	if [[ -z $want ]]; then
		note "release $release has no $asset in SHA256SUMS; building from source"
		return 1
	fi
	status=$(curl -sSL --retry 3 -o "$dest" -w '%{http_code}' "$base/$asset" 2>/dev/null) || status=000
	[[ $status == 200 ]] || fail "downloading $base/$asset: HTTP $status"
	got=$(sha256 <"$dest" | cut -c1-64)
	[[ $got == "$want" ]] || fail "checksum mismatch for $asset of $release: $(sums_name) says $want, downloaded $got; refusing to install it"
	chmod +x "$dest"
	note "downloaded $asset of $release (sha256 $got, verified against $(sums_name))"
}

# sum_of prints the sha256 the sums file $1 lists for $asset.
sum_of() {
	awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }' "$1"
}

sums_name() {
	if [[ -n $sums_file ]]; then
		printf 'the SHA256SUMS pinned in this tree (release/SHA256SUMS)'
	else
		printf "the release's own SHA256SUMS"
	fi
}

build_source() {
	local dest=$1 version=$2 commit ldflags pkg=github.com/slipwayhq/slipway
	command -v go >/dev/null 2>&1 ||
		fail "no release binary for '${ref:-this checkout}' and no Go on PATH to build it: pin a release of the action (@v1, @vX.Y.Z or its commit), set slipway-version: vX.Y.Z, or add actions/setup-go (go-version-file: go.mod of slipwayhq/slipway) before this step"
	commit=$(git -C "$src" rev-parse HEAD 2>/dev/null) || commit=
	[[ -n $commit || ! $ref =~ ^[0-9a-f]{40}$ ]] || commit=$ref
	ldflags="-s -w -X $pkg/internal/cli.version=$version -X $pkg/internal/cli.commit=${commit:-unknown}"
	note "building slipway $version from $src with $(go version | cut -d' ' -f3)"
	(cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dest" ./cmd/slipway) ||
		fail "go build of slipway failed (see above)"
}

publish() { # $1: the binary
	local dir
	dir=$(cd "$(dirname "$1")" && pwd)
	if [[ -n ${GITHUB_PATH:-} ]]; then
		if command -v cygpath >/dev/null 2>&1; then
			cygpath -w "$dir" >>"$GITHUB_PATH"
		else
			printf '%s\n' "$dir" >>"$GITHUB_PATH"
		fi
	fi
	if [[ -n ${GITHUB_OUTPUT:-} ]]; then
		printf 'path=%s\nversion=%s\n' "$1" "$(binary_version "$1")" >>"$GITHUB_OUTPUT"
	fi
	note "using $1 ($("$1" --version))"
}

src=$(cd "${SLIPWAY_SOURCE:?SLIPWAY_SOURCE must name the action repository root}" && pwd)
ref=${SLIPWAY_ACTION_REF:-}
repo=${SLIPWAY_ACTION_REPOSITORY:-}
plat=$(platform)
exe=
[[ $plat != windows-* ]] || exe=.exe
asset=slipway-$plat$exe

# What "matching" means: a release's binary, or a build of this exact source.
requested=${SLIPWAY_VERSION:-}
requested=${requested//[[:space:]]/}
semver='^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$'
[[ -z $requested || $requested == source || $requested =~ $semver ]] ||
	fail "slipway-version must be a release (vX.Y.Z), source or empty, got '$requested'"
pinned= sums_file= hash=
if [[ -f $src/release/VERSION && -f $src/release/SHA256SUMS ]]; then
	pinned=$(tr -d ' \r\n' <"$src/release/VERSION")
	[[ $pinned =~ $semver ]] || fail "release/VERSION holds '$pinned', not a release vX.Y.Z"
fi
release=
if [[ $requested =~ $semver ]]; then
	release=$requested
	[[ $release != "$pinned" ]] || sums_file=$src/release/SHA256SUMS
elif [[ -z $requested && -n $pinned ]]; then
	hash=$(source_hash)
	if [[ $(tr -d ' \r\n' <"$src/release/SOURCE" 2>/dev/null) == "$hash" ]]; then
		release=$pinned sums_file=$src/release/SHA256SUMS
	else
		note "this tree pins $pinned, but its source changed since (an untagged commit); building it"
	fi
elif [[ -z $requested && $ref =~ $semver ]]; then
	release=$ref # a release made before its sums were pinned in the tree
fi
if [[ -n $release ]]; then
	id=$release want=$release
else
	hash=${hash:-$(source_hash)}
	id=src.$hash want=${ref:-dev}
	want=${want//[^0-9A-Za-z.-]/-}+src.$hash
fi

if found=$(command -v "slipway$exe" 2>/dev/null) && [[ $(binary_version "$found") == "$want" ]]; then
	publish "$found"
	exit 0
fi

cache=${SLIPWAY_INSTALL_CACHE:-${RUNNER_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}}}/slipway/$id/$plat
bin=$cache/slipway$exe
if [[ -x $bin && $(binary_version "$bin") == "$want" ]] &&
	{ [[ -z $sums_file ]] || [[ $(sha256 <"$bin" | cut -c1-64) == "$(sum_of "$sums_file")" ]]; }; then
	note "cached in $cache"
	publish "$bin"
	exit 0
fi

mkdir -p "$cache"
tmpdir=$(mktemp -d "$cache/.install.XXXXXX")
trap 'rm -rf "$tmpdir"' EXIT
new=$tmpdir/slipway$exe
if [[ -n $release ]] && download_release "$new"; then
	:
else
	build_source "$new" "$want"
fi
got=$(binary_version "$new")
[[ $got == "$want" ]] || fail "the installed binary reports version '$got', want '$want'"
mv -f "$new" "$bin" # atomic: a concurrent job sees the old binary or the new one
publish "$bin"
