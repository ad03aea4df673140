# Sigstore interop: the Distribution registry the cosign tests start, and
# cosign itself (verifies what Slipway writes, writes what Slipway reads).
REGISTRY_PACKAGES+=(docker-registry:docker-registry)

COSIGN_VERSION=v3.1.3

cosign_deps() {
	local bin="$SLIPWAY_TOOLS_DIR/bin/cosign"
	if [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -q "${COSIGN_VERSION#v}"; then
		return 0
	fi
	GOBIN="$SLIPWAY_TOOLS_DIR/bin" go install "github.com/sigstore/cosign/v3/cmd/cosign@$COSIGN_VERSION"
}
DEPS_STEPS+=(cosign_deps)
