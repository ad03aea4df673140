# shellcheck shell=bash
# gitops.sh: what the tests of internal/deploy and `make example-gitops` need:
# Debian's git (the bare repositories and git http-backend the tests serve),
# and kustomize and helm (Go), which render what a promotion committed.
KUSTOMIZE_VERSION=v5.7.1
HELM_VERSION=v4.3.2
REGISTRY_PACKAGES+=(git:git)

# gitops_has says whether $1 in the tools folder was built from module $2
# at version $3 (go install leaves no version for `helm version` to show).
gitops_has() {
	[[ -x $SLIPWAY_TOOLS_DIR/bin/$1 ]] &&
		go version -m "$SLIPWAY_TOOLS_DIR/bin/$1" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+$2[[:space:]]+$3([[:space:]]|$)"
}

gitops_tools() {
	local bin=$SLIPWAY_TOOLS_DIR/bin
	mkdir -p "$bin"
	if ! gitops_has kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"; then
		echo "installing kustomize $KUSTOMIZE_VERSION (a few minutes, once)" >&2
		GOBIN="$bin" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" || return 1
	fi
	if ! gitops_has helm helm.sh/helm/v4 "$HELM_VERSION"; then
		echo "installing helm $HELM_VERSION (a few minutes, once)" >&2
		GOBIN="$bin" go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" || return 1
	fi
}
DEPS_STEPS+=(gitops_tools)
