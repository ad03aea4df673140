#!/usr/bin/env bash
# release.sh cross-compiles static slipway binaries for linux, darwin and
# windows on amd64 and arm64 into dist/, with a SHA256SUMS file beside them.
# The GitHub Actions download these release assets (slipway-<os>-<arch>[.exe])
# and check them against SHA256SUMS before running them.
#
#   make release                       # or: bash scripts/release.sh
#   VERSION=v1.2.3 bash scripts/release.sh
#   SLIPWAY_RELEASE_TARGETS="linux/amd64" DIST=/tmp/dist bash scripts/release.sh
#
# The builds are reproducible: -trimpath, no build ID, no VCS stamping, the
# version and commit passed in with -X.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v go >/dev/null 2>&1 || { echo "release: go not found on PATH" >&2; exit 2; }

version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
commit=${COMMIT:-$(git rev-parse --verify -q HEAD 2>/dev/null || echo unknown)}
dist=${DIST:-dist}
targets=${SLIPWAY_RELEASE_TARGETS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}
pkg=github.com/slipwayhq/slipway

mkdir -p "$dist"
rm -f "$dist"/slipway-* "$dist/SHA256SUMS"
for target in $targets; do
	os=${target%/*} arch=${target#*/} ext=
	[[ $os != windows ]] || ext=.exe
	out=$dist/slipway-$os-$arch$ext
	printf '==> %s\n' "$out" >&2
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false \
		-ldflags "-s -w -buildid= -X $pkg/internal/cli.version=$version -X $pkg/internal/cli.commit=$commit" \
		-o "$out" ./cmd/slipway
done
(
	cd "$dist"
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum slipway-* >SHA256SUMS
	else
		shasum -a 256 slipway-* >SHA256SUMS
	fi
)
printf '==> %s/SHA256SUMS\n' "$dist" >&2
cat "$dist/SHA256SUMS"
