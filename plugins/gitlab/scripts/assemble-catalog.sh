#!/usr/bin/env bash
# assemble-catalog.sh builds the GitLab CI/CD catalog project for a release:
# GitLab wants a component project's templates at templates/ in its root, so
# this copies plugins/gitlab/templates there, pins each component's default
# image to the release, and adds the README and a .gitlab-ci.yml that tests
# the components on every push and publishes the release on a tag.
#
#   plugins/gitlab/scripts/assemble-catalog.sh OUT [VERSION]
#
# VERSION (default: git describe) is the release, e.g. v1.2.3: the tag of
# Slipway's image the components default to. Push OUT to the component
# project (gitlab.com/slipwayhq/slipway), tag it 1.2.3 (the catalog wants a
# semantic version without the v), and mark the project as a CI/CD Catalog
# resource once; the components are then used as
#   include: - component: gitlab.com/slipwayhq/slipway/gate@1.2.3
set -euo pipefail

out=${1:?usage: assemble-catalog.sh OUT [VERSION]}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo=$(cd "$here/../.." && pwd)
version=${2:-$(git -C "$repo" describe --tags --always 2>/dev/null || echo dev)}
image=ghcr.io/slipwayhq/slipway

[[ ! -e $out || -d $out ]] || { echo "assemble-catalog: $out exists and is not a folder" >&2; exit 2; }
mkdir -p "$out/templates"
rm -f "$out"/templates/*.yml
for f in "$here"/templates/*.yml; do
	# The default image follows the release; everything else is the template as tested.
	sed "s|default: $image:latest|default: $image:$version|" "$f" >"$out/templates/$(basename "$f")"
done
cp "$here/README.md" "$out/README.md"
[[ ! -f $repo/LICENSE ]] || cp "$repo/LICENSE" "$out/LICENSE"

# The component project's own pipeline. It holds no model to run the
# components on (this repository's pipeline does that, with
# examples/gitlab/.gitlab-ci.yml), so it checks their headers and releases.
cat >"$out/.gitlab-ci.yml" <<'YAML'
# The component project's pipeline: lint the components on every push, and
# publish a CI/CD Catalog release when a version tag (1.2.3) is pushed.
stages: [test, release]

lint-components:
  stage: test
  image: alpine:3.20
  script:
    - for f in templates/*.yml; do grep -q '^spec:' "$f" || { echo "$f has no spec header"; exit 1; }; done
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
    - if: $CI_COMMIT_TAG

release:
  stage: release
  image: registry.gitlab.com/gitlab-org/release-cli:latest
  rules:
    - if: $CI_COMMIT_TAG =~ /^\d+\.\d+\.\d+$/
  script: echo "releasing $CI_COMMIT_TAG"
  release:
    tag_name: $CI_COMMIT_TAG
    description: "Slipway components $CI_COMMIT_TAG: pack, gate, build, promote."
YAML
echo "assembled the component project for $version in $out:" >&2
(cd "$out" && find . -type f ! -path './.git/*' | LC_ALL=C sort) >&2
