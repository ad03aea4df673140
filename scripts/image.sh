#!/usr/bin/env bash
# image.sh builds Slipway's own container image with `slipway build` itself: the
# static slipway binary on a minimal base — a static busybox for the shell
# that GitLab jobs and Jenkins agents need, and the CA certificates for TLS
# registries — with no Docker daemon. The image's "model" is its own
# documentation (under /usr/share/doc/slipway); its entrypoint is slipway.
#
#   bash scripts/image.sh                                 # into oci:dist/image:<version>
#   bash scripts/image.sh ghcr.io/slipwayhq/slipway       # push to a registry
#   VERSION=v1.2.3 bash scripts/image.sh oci:dist/image
#
# The image is linux/amd64 (the busybox this machine has); it prints the
# pinned reference as its last line, like every slipway build.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
to=${1:-oci:dist/image}
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
commit=${COMMIT:-$(git rev-parse --verify -q HEAD 2>/dev/null || echo unknown)}
busybox=${BUSYBOX:-/bin/busybox}
certs=${CA_CERTIFICATES:-/etc/ssl/certs/ca-certificates.crt}

command -v go >/dev/null 2>&1 || { echo "image: go not found on PATH" >&2; exit 2; }
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
	echo "image: $busybox is not a static busybox (apt-get install busybox-static, or set BUSYBOX)" >&2
	exit 2
fi
[[ -f $certs ]] || { echo "image: no CA certificates at $certs (apt-get install ca-certificates, or set CA_CERTIFICATES)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/slipway-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The binary the image ships, and one to run the build (the host's).
pkg=github.com/slipwayhq/slipway
ldflags="-s -w -buildid= -X $pkg/internal/cli.version=$version -X $pkg/internal/cli.commit=$commit"
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$work/root/usr/local/bin/slipway" ./cmd/slipway
CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$work/host/slipway" ./cmd/slipway

# The base: busybox and its applets (sh, cat, env… as links), a writable /tmp.
mkdir -p "$work/root/bin" "$work/root/tmp" "$work/root/etc/ssl/certs"
cp "$busybox" "$work/root/bin/busybox"
for applet in $("$busybox" --list); do
	[[ $applet == busybox ]] || ln -s busybox "$work/root/bin/$applet"
done
chmod 1777 "$work/root/tmp"
cp "$certs" "$work/root/etc/ssl/certs/ca-certificates.crt"

# The "model": the image's documentation.
mkdir -p "$work/doc"
cat >"$work/doc/README.md" <<DOC
---
name: slipway
version: ${version#v}
---
# Slipway $version

The slipway CLI (commit $commit) on a static busybox: run \`slipway --help\`.
GitLab components and Jenkins agents use this image; see
https://github.com/slipwayhq/slipway.
DOC

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
export SLIPWAY_CACHE_DIR=$work/cache
"$work/host/slipway" build "$work/doc" --base scratch --platform linux/amd64 \
	--model-dir /usr/share/doc/slipway \
	--add "$work/root/bin:/bin" --add "$work/root/usr/local/bin:/usr/local/bin" \
	--add "$work/root/etc/ssl/certs:/etc/ssl/certs" --add "$work/root/tmp:/tmp" \
	--entrypoint /usr/local/bin/slipway --cmd --help \
	--env PATH=/usr/local/bin:/bin --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
	--label org.opencontainers.image.title=slipway \
	--label "org.opencontainers.image.version=$version" \
	--label "org.opencontainers.image.revision=$commit" \
	--label org.opencontainers.image.source=https://github.com/slipwayhq/slipway \
	--to "$to" --tag "${version//[^A-Za-z0-9_.-]/-}" --tag latest
