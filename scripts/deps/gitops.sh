# shellcheck shell=bash
# gitops.sh: what the tests of internal/deploy and `make example-gitops` need:
# Debian's git (the bare repositories and git http-backend the tests serve),
# and kustomize and helm (Go), which render what a promotion committed.
KUSTOMIZE_VERSION=v5.7.1
HELM_VERSION=v4.3.2
REGISTRY_PACKAGES+=(git:git)

gitops_tools() {
	local bin=$SLIPWAY_TOOLS_DIR/bin
	mkdir -p "$bin"
	if ! "$bin/kustomize" version 2>/dev/null | grep -q "${KUSTOMIZE_VERSION}"; then
		echo "installing kustomize $KUSTOMIZE_VERSION (a few minutes, once)" >&2
		GOBIN="$bin" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" || return 1
	fi
	if ! "$bin/helm" version --template '{{.Version}}' 2>/dev/null | grep -q "^${HELM_VERSION}"; then
		echo "installing helm $HELM_VERSION (a few minutes, once)" >&2
		GOBIN="$bin" go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" || return 1
	fi
}
DEPS_STEPS+=(gitops_tools)
