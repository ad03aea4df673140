#!/usr/bin/env bash
# install.sh makes the slipway binary that matches the action's ref available
# and writes its path to the step output `path` (and its folder to GITHUB_PATH).
# Every Slipway action runs it first; it takes its settings from the environment:
#
#   SLIPWAY_SOURCE               the action's repository root (github.action_path/../..)
#   SLIPWAY_ACTION_REF           github.action_ref: v1.2.3, v1, a branch, a SHA; empty for ./actions/…
#   SLIPWAY_ACTION_REPOSITORY    github.action_repository (owner/name); empty for ./actions/…
#   SLIPWAY_RELEASE_URL          where release assets live (default $GITHUB_SERVER_URL/<repo>/releases/download)
#   SLIPWAY_INSTALL_CACHE        cache folder (default $RUNNER_TOOL_CACHE, else $XDG_CACHE_HOME or ~/.cache)
#
# The binary it picks, in order:
#  1. a `slipway` on PATH whose --version matches (same release tag, or the
#     same source hash for a build from source): nothing to do;
#  2. the cached binary for this ref (release) or this source hash;
#  3. for an exact release tag (vX.Y.Z): the release asset slipway-<os>-<arch>,
#     verified against the release's SHA256SUMS (a mismatch is fatal);
#  4. otherwise, or when the release has no asset: `go build` of the action's
#     own source with the runner's Go (GOTOOLCHAIN fetches the version go.mod
#     names when the runner's is older).
# Moving refs (v1, main) always resolve through the source hash, so a cached
# binary is never stale.
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

# source_hash hashes what `go build ./cmd/slipway` reads: go.mod, go.sum and
# the non-test files under cmd/, internal/ and policies/ (embedded).
source_hash() {
	(
		cd "$src"
		{
			printf '%s\0' go.mod go.sum
			find cmd internal policies -type f ! -name '*_test.go' ! -path '*/testdata/*' -print0 2>/dev/null
		} | LC_ALL=C sort -z | xargs -0 sh -c 'if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi' sh |
			sha256 | cut -c1-12
	)
}

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

# download_release fetches the release asset into $1 and verifies it.
# Returns 1 (after a notice) when the release or the asset does not exist.
download_release() {
	local dest=$1 base sums got want status
	[[ -n $repo || -n ${SLIPWAY_RELEASE_URL:-} ]] || return 1 # a local action: no release to ask
	command -v curl >/dev/null 2>&1 || {
		note "curl not found; building from source"
		return 1
	}
	base=${SLIPWAY_RELEASE_URL:-${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download}
	base=${base%/}/$ref
	sums=$(mktemp "$tmpdir/sums.XXXXXX")
	status=$(curl -sSL --retry 3 -o "$sums" -w '%{http_code}' "$base/SHA256SUMS" 2>/dev/null) || status=000
	if [[ $status != 200 ]]; then
		note "no release asset for $ref ($base/SHA256SUMS: HTTP $status); building from source"
		return 1
	fi
	want=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }' "$sums")
	if [[ -z $want ]]; then
		note "release $ref has no $asset in SHA256SUMS; building from source"
		return 1
	fi
	status=$(curl -sSL --retry 3 -o "$dest" -w '%{http_code}' "$base/$asset" 2>/dev/null) || status=000
	[[ $status == 200 ]] || fail "downloading $base/$asset: HTTP $status"
	got=$(sha256 <"$dest" | cut -c1-64)
	[[ $got == "$want" ]] || fail "checksum mismatch for $asset of $ref: SHA256SUMS says $want, downloaded $got; refusing to install it"
	chmod +x "$dest"
	note "downloaded $asset of $ref (sha256 $got, verified)"
}

build_source() {
	local dest=$1 version=$2 commit ldflags pkg=github.com/slipwayhq/slipway
	command -v go >/dev/null 2>&1 ||
		fail "no release binary for '${ref:-this checkout}' and no Go on PATH to build it: add actions/setup-go (go-version-file: go.mod of slipwayhq/slipway) before this step, or use a release tag (vX.Y.Z)"
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

# What "matching" means: the release tag itself, or a build of this exact source.
if [[ $ref =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
	id=$ref want=$ref
else
	hash=$(source_hash)
	id=src.$hash want=${ref:-dev}
	want=${want//[^0-9A-Za-z.-]/-}+src.$hash
fi

if found=$(command -v "slipway$exe" 2>/dev/null) && [[ $(binary_version "$found") == "$want" ]]; then
	publish "$found"
	exit 0
fi

cache=${SLIPWAY_INSTALL_CACHE:-${RUNNER_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}}}/slipway/$id/$plat
bin=$cache/slipway$exe
if [[ -x $bin && $(binary_version "$bin") == "$want" ]]; then
	note "cached in $cache"
	publish "$bin"
	exit 0
fi

mkdir -p "$cache"
tmpdir=$(mktemp -d "$cache/.install.XXXXXX")
trap 'rm -rf "$tmpdir"' EXIT
new=$tmpdir/slipway$exe
if [[ $id == "$ref" ]] && download_release "$new"; then
	:
else
	build_source "$new" "$want"
fi
got=$(binary_version "$new")
[[ $got == "$want" ]] || fail "the installed binary reports version '$got', want '$want'"
mv -f "$new" "$bin" # atomic: a concurrent job sees the old binary or the new one
publish "$bin"
