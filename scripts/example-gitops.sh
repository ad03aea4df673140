#!/usr/bin/env bash
# example-gitops.sh shows a promotion reaching a GitOps repository: a local
# bare repository (file://) holding examples/gitops/deploy stands in for the
# repository Argo CD or Flux applies.
#
#   make example-gitops            # or: bash scripts/example-gitops.sh
#
# It installs what it needs (git from Debian when missing, kustomize and helm
# into $SLIPWAY_TOOLS_DIR/bin), builds bin/slipway, packs, gates and builds
# two versions of the example model, promotes the first and then the second
# to staging (each a one-line commit in the repository, which `kustomize
# build` renders with the new digest), shows a --dry-run diff first, and
# rolls back, which reverts the line. Everything it writes goes under
# ${SLIPWAY_EXAMPLE_DIR:-$(mktemp -d)}.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
command -v go >/dev/null 2>&1 || { echo "example-gitops: go not found on PATH (Slipway needs Go $(sed -n 's/^go //p' go.mod))" >&2; exit 2; }
if ! command -v git >/dev/null 2>&1; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git >/dev/null
	else
		echo "example-gitops: git not found: install it (Debian: apt-get install git)" >&2
		exit 2
	fi
fi
export SLIPWAY_TOOLS_DIR=${SLIPWAY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway-tools}
REGISTRY_PACKAGES=() DEPS_STEPS=()
# shellcheck source=scripts/deps/gitops.sh
source scripts/deps/gitops.sh
gitops_tools
export PATH=$SLIPWAY_TOOLS_DIR/bin:$PATH

make -s build
slipway="$repo/bin/slipway"
work=${SLIPWAY_EXAMPLE_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/slipway-gitops.XXXXXX")}
mkdir -p "$work"
cd "$work"
export SLIPWAY_CACHE_DIR="$work/.cache" SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-Slipway example} GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-slipway@localhost}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL

step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; "$@"; }
quiet() { "$@" >/dev/null 2>&1 || { echo "example-gitops: $* failed" >&2; "$@"; exit 1; }; }

# The GitOps repository: examples/gitops/deploy on main, in a bare repository.
rm -rf gitops.git gitops-src && cp -r "$repo/examples/gitops/deploy" gitops-src
(cd gitops-src && quiet git init -q -b main && quiet git add . && quiet git commit -q -m "iris deployment")
quiet git clone -q --bare gitops-src gitops.git

cat >slipway.yaml <<YAML
key: gate.pub
environments:
  - name: staging
    deploy:
      repo: file://$work/gitops.git
      branch: main
      path: overlays/staging
      mode: commit
      updates:
        - type: kustomize
          image: iris-server
YAML

# Two gated versions of the model, each built into a serving image.
quiet "$slipway" attest keygen gate.key gate.pub
images=()
for v in 1.0.0 1.1.0; do
	quiet "$slipway" pack "$repo/testdata/iris" --version "$v"
	quiet "$slipway" gate "oci:.slipway/iris-classifier:$v" --metrics "$repo/testdata/iris/eval.json" \
		--data "$repo/testdata/iris-gate/thresholds.yaml" --key gate.key
	images+=("$("$slipway" build "oci:.slipway/iris-classifier:$v" --base scratch --env PORT=8080 | tail -1)")
done
repoimg=${images[0]%@*}

show() { # what the cluster would apply now
	rm -rf check && quiet git clone -q "file://$work/gitops.git" check
	step git -C check log -1 --format='%h %s' 
	step git -C check show --format= --unified=0 HEAD -- overlays/staging
	step sh -c "kustomize build check/overlays/staging | grep 'image:'"
}

step "$slipway" promote "${images[0]}" --env staging
show
step "$slipway" promote "${images[1]}" --env staging --dry-run
step "$slipway" promote "${images[1]}" --env staging
show
step "$slipway" promote "${images[1]}" --env staging  # again: no new commit
step "$slipway" rollback "$repoimg" --env staging --reason "example rollback"
show
want=${images[0]#*@}
kustomize build check/overlays/staging | grep -q "image: registry.example.com/acme/iris-server@$want" ||
	{ echo "example-gitops: after the rollback, kustomize build does not render $want" >&2; exit 1; }
step git -C check log --format='%h %s'
printf '\nexample-gitops: done; the GitOps repository is %s/gitops.git\n' "$work" >&2
