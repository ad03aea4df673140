#!/usr/bin/env bash
# assemble-catalog.sh builds the GitLab CI/CD catalog project for a release:
# GitLab wants a component project's templates at templates/ in its root, so
# this copies plugins/gitlab/templates there, pins each component's default
# image to the release, and adds the README, the example model and a
# .gitlab-ci.yml that includes every component at $CI_COMMIT_SHA and runs them
# on every push, and publishes the release on a tag.
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

# The component project's own pipeline runs every component as GitLab
# documents for a component project: included at $CI_COMMIT_SHA from the
# project itself, on the bundled example model (the golden path of
# examples/gitlab/.gitlab-ci.yml, with component: in place of local:), and
# publishes a CI/CD Catalog release when a version tag (1.2.3) is pushed.
mkdir -p "$out/testdata"
rm -rf "$out/testdata/iris" "$out/testdata/iris-gate"
cp -R "$repo/testdata/iris" "$repo/testdata/iris-gate" "$out/testdata/"
{
	printf '# The component project'"'"'s pipeline: every component, included from this\n'
	printf '# commit, runs on the example model; a version tag publishes the release.\n'
	sed -e '1,/^include:/{/^include:/!d}' \
		-e 's|^  - local: plugins/gitlab/templates/\([a-z]*\)\.yml$|  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/\1@$CI_COMMIT_SHA|' \
		"$repo/examples/gitlab/.gitlab-ci.yml"
	cat <<'YAML'

release:
  stage: .post
  image: registry.gitlab.com/gitlab-org/release-cli:latest
  rules:
    - if: $CI_COMMIT_TAG =~ /^\d+\.\d+\.\d+$/
  script: echo "releasing $CI_COMMIT_TAG"
  release:
    tag_name: $CI_COMMIT_TAG
    description: "Slipway components $CI_COMMIT_TAG: pack, gate, build, promote."
YAML
} | sed "s|image: $image:latest|image: $image:$version|; s|name: $image:latest|name: $image:$version|" >"$out/.gitlab-ci.yml"
grep -q 'local: plugins' "$out/.gitlab-ci.yml" && { echo "assemble-catalog: a local include is left in the pipeline" >&2; exit 1; }
echo "assembled the component project for $version in $out:" >&2
(cd "$out" && find . -type f ! -path './.git/*' | LC_ALL=C sort) >&2
