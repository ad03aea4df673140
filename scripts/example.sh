#!/usr/bin/env bash
# example.sh runs Slipway's main job on the bundled example model
# (testdata/iris: a logistic regression trained on the Iris data set) against
# the embedded default store, a local OCI image layout: no server, no Docker.
#
#   make example            # or: bash scripts/example.sh
#
# It builds bin/slipway, packs the model (twice: the second pack is free),
# inspects the artifact, pulls it back by its lock file into a fresh folder
# and verifies the copy byte for byte, then gates it against the shipped
# policies (signed, verified), shows a regressed model refused, builds a
# serving image with the model inside, and promotes that image's digest to
# staging and production. Everything it writes goes under
# ${SLIPWAY_EXAMPLE_DIR:-$(mktemp -d)}.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
command -v go >/dev/null 2>&1 || { echo "example: go not found on PATH (Slipway needs Go $(sed -n 's/^go //p' go.mod))" >&2; exit 2; }

make -s build
slipway="$repo/bin/slipway"
work=${SLIPWAY_EXAMPLE_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/slipway-example.XXXXXX")}
mkdir -p "$work"
cd "$work"
export SLIPWAY_CACHE_DIR="$work/.cache" SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}

step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; "$@"; }

step "$slipway" --version
# The lock goes into the work folder, not beside the example's files in the repository.
step "$slipway" pack "$repo/testdata/iris" --version 1.0.0 --lock slipway.lock
step "$slipway" pack "$repo/testdata/iris" --version 1.0.0 --lock slipway.lock
step "$slipway" inspect oci:.slipway/iris-classifier:1.0.0
step "$slipway" pull ./pulled --lock slipway.lock
step "$slipway" verify ./pulled --lock slipway.lock
step "$slipway" diff "$repo/testdata/iris" ./pulled

# Gate: the shipped policy library, with the example's thresholds as data.
step "$slipway" attest keygen gate.key gate.pub
step "$slipway" gate oci:.slipway/iris-classifier:1.0.0 --metrics "$repo/testdata/iris/eval.json" \
	--data "$repo/testdata/iris-gate/thresholds.yaml" --key gate.key --report markdown=gate.md
step "$slipway" attest verify oci:.slipway/iris-classifier:1.0.0 --key gate.pub
# A retrained model that got worse is refused (exit 1) with a report saying why.
set +e
step "$slipway" gate oci:.slipway/iris-classifier:1.0.0 --metrics "$repo/testdata/iris-gate/regressed-eval.json" \
	--data "$repo/testdata/iris-gate/thresholds.yaml" --baseline "$repo/testdata/iris/eval.json" --no-attest
code=$?
set -e
[ "$code" = 1 ] || { echo "example: the regressed model should have been refused with exit 1, got $code" >&2; exit 1; }

# Build: a serving image holding the exact model bytes, daemonless, into the local store.
# Its output is kept and printed, not teed to /dev/stderr: that re-opens a
# redirected log file and truncates it (make example > log 2>&1).
built=$(step "$slipway" build oci:.slipway/iris-classifier:1.0.0 --base scratch --env PORT=8080)
printf '%s\n' "$built"
image=${built##*$'\n'}

# Promote: only the gated digest moves, staging first, then production; every move is recorded.
cat >slipway.yaml <<'YAML'
key: gate.pub
environments:
  - name: staging
  - name: production
    requires: staging
YAML
step "$slipway" promote "$image" --env staging
step "$slipway" promote "$image" --env production
step "$slipway" history "${image%@*}"
printf '\nexample: done; the store, the lock and the pulled copy are in %s\n' "$work" >&2
