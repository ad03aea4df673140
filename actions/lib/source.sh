# source.sh defines source_hash, shared by install.sh (is this tree the
# source of the release it pins?) and scripts/release-pin.sh (record it).
# shellcheck shell=bash

# source_hash prints a 12-digit hash of what `go build ./cmd/slipway` reads
# in the folder $src: go.mod, go.sum and the non-test files under cmd/,
# internal/ and policies/ (embedded).
source_hash() {
	(
		cd "$src"
		{
			for f in go.mod go.sum; do [ ! -f "$f" ] || printf '%s\0' "$f"; done
			find cmd internal policies -type f ! -name '*_test.go' ! -path '*/testdata/*' -print0 2>/dev/null || true
		} | LC_ALL=C sort -z | xargs -0 sh -c 'if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi' sh |
			{ if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi; } | cut -c1-12
	)
}
