#!/usr/bin/env bash
# release-pin.sh records a release in the tree that will be tagged: the
# version, the SHA256SUMS of its assets (made by scripts/release.sh) and the
# hash of the source they were built from. The actions (actions/lib/install.sh),
# the Jenkins library (withSlipway) and the CircleCI orb verify the binary
# they download against these sums, taken from the pinned tree — never from
# the release itself — so every pin of a release (@vX.Y.Z, @v1, @<sha>)
# installs a verified binary without Go, and a replaced asset is refused.
#
#   VERSION=v1.2.3 make release && bash scripts/release-pin.sh v1.2.3 dist
#   SLIPWAY_PIN_ROOT=/tmp/tree bash scripts/release-pin.sh v1.2.3 dist
#
# It writes release/VERSION, release/SHA256SUMS, release/SOURCE, the same
# VERSION and SHA256SUMS under plugins/jenkins/resources/io/slipway/jenkins/,
# and the pinned block of plugins/circleci/orb.yml (those two when present).
# .github/workflows/release.yml commits them and tags that commit.
set -euo pipefail

version=${1:?usage: release-pin.sh VERSION DIST}
dist=${2:?usage: release-pin.sh VERSION DIST}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src=$(cd "${SLIPWAY_PIN_ROOT:-$here}" && pwd)
[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] ||
	{ echo "release-pin: VERSION must be vX.Y.Z, got '$version'" >&2; exit 2; }
[[ -s $dist/SHA256SUMS ]] || { echo "release-pin: $dist/SHA256SUMS is missing: run scripts/release.sh first" >&2; exit 2; }
grep -qvE '^[0-9a-f]{64}  \*?slipway-[a-z0-9]+-[a-z0-9]+(\.exe)?$' "$dist/SHA256SUMS" &&
	{ echo "release-pin: $dist/SHA256SUMS has lines that are not '<sha256>  slipway-<os>-<arch>'" >&2; exit 2; }
(cd "$dist" && if command -v sha256sum >/dev/null 2>&1; then sha256sum -c --quiet SHA256SUMS; else shasum -a 256 -c --quiet SHA256SUMS; fi) ||
	{ echo "release-pin: the assets in $dist do not match its SHA256SUMS" >&2; exit 2; }

# shellcheck source=actions/lib/source.sh
source "$here/actions/lib/source.sh"
mkdir -p "$src/release"
printf '%s\n' "$version" >"$src/release/VERSION"
cp "$dist/SHA256SUMS" "$src/release/SHA256SUMS"
source_hash >"$src/release/SOURCE"

jenkins=$src/plugins/jenkins/resources/io/slipway/jenkins
if [[ -d $src/plugins/jenkins ]]; then
	mkdir -p "$jenkins"
	printf '%s\n' "$version" >"$jenkins/VERSION"
	cp "$dist/SHA256SUMS" "$jenkins/SHA256SUMS"
fi

# The orb is published as one file: its pinned version and sums live between
# the markers of its install command.
orb=$src/plugins/circleci/orb.yml
if [[ -f $orb ]]; then
	block=$(mktemp)
	{
		printf '            SLIPWAY_PINNED_VERSION: %s\n' "$version"
		printf '            SLIPWAY_PINNED_SUMS: |\n'
		sed 's/^/              /' "$dist/SHA256SUMS"
	} >"$block"
	awk -v block="$block" '
		/# BEGIN pinned release/ { print; while ((getline line < block) > 0) print line; skip = 1; next }
		/# END pinned release/ { skip = 0 }
		!skip' "$orb" >"$orb.new"
	mv "$orb.new" "$orb"
	rm -f "$block"
fi
printf 'pinned %s (source %s) in %s\n' "$version" "$(cat "$src/release/SOURCE")" "$src/release" >&2
