// Package integration holds Slipway's end-to-end tests: they run the CLI
// in-process against the real Distribution registries that scripts/test.sh
// starts (an open one and one with htpasswd auth) and check what it did with
// tools we did not write, skopeo and umoci, and with go-containerregistry.
// Tests that need only a registry (anyRegistry) use an in-process one when
// SLIPWAY_TEST_REGISTRY is not set, so they run everywhere.
// Run them with `make test` (or `bash scripts/test.sh ./internal/integration/`);
// without the registries they are skipped locally and fail in CI.
package integration
