#!/usr/bin/env bash
# test.sh runs every Slipway test: it installs what the integration tests need,
# starts the local registries (scripts/registry.sh), runs go vet and go test, and
# stops the registries again. `make test` and .ci/run both call it.
#
# Arguments go to go test; if none names a package, ./... is tested:
#   scripts/test.sh
#   scripts/test.sh -run TestPush ./internal/oci/
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/registry.sh
source scripts/registry.sh

out=""
trap 'registry_down; rm -f "$out"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v go >/dev/null 2>&1 || die "go not found on PATH (Slipway needs the Go version in go.mod)"

flags=() pkgs=()
for arg in "$@"; do
	case $arg in
	./* | ../* | all | github.com/slipwayhq/slipway*) pkgs+=("$arg") ;;
	*) flags+=("$arg") ;;
	esac
done
((${#pkgs[@]} > 0)) || pkgs=(./...)

registry_deps
registry_up

log "go vet ${pkgs[*]}"
go vet "${pkgs[@]}" || die "go vet failed; no tests were run"

log "go test -count=1 ${flags[*]} ${pkgs[*]}"
out=$(mktemp "${TMPDIR:-/tmp}/slipway-test.XXXXXX")
set +e
go test -count=1 "${flags[@]}" "${pkgs[@]}" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e

log "stopping registries"
registry_down

# One line per package: "ok  <pkg> ..." or "FAIL <pkg> ..." (a bare "FAIL" closes
# a failed run; "?  <pkg> [no test files]" is not counted).
passed=$(grep -cE $'^ok[ \t]' "$out" || true)
failed=$(grep -cE $'^FAIL[ \t]+[^ \t]' "$out" || true)
echo "$passed passed, $failed failed"
exit "$status"
