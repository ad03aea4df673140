package registrytest

import (
	"os"
	"testing"
)

// Real returns the host:port of the open Distribution registry that
// scripts/test.sh starts (SLIPWAY_TEST_REGISTRY). Without it the test is
// skipped, unless SLIPWAY_INTEGRATION=1 or CI is set: there a missing registry
// fails the test, so integration tests never pass by silently skipping.
func Real(t testing.TB) string {
	t.Helper()
	return requireEnv(t, "SLIPWAY_TEST_REGISTRY")
}

// RealAuth returns the host:port, user and password of the Distribution
// registry with htpasswd auth that scripts/test.sh starts
// (SLIPWAY_TEST_AUTH_REGISTRY, SLIPWAY_TEST_AUTH_USER, SLIPWAY_TEST_AUTH_PASSWORD),
// skipping or failing like Real when they are not set.
func RealAuth(t testing.TB) (host, user, password string) {
	t.Helper()
	host = requireEnv(t, "SLIPWAY_TEST_AUTH_REGISTRY")
	user = requireEnv(t, "SLIPWAY_TEST_AUTH_USER")
	password = requireEnv(t, "SLIPWAY_TEST_AUTH_PASSWORD")
	return host, user, password
}

// requireEnv returns the value of key, or skips (locally) or fails (in CI).
func requireEnv(t testing.TB, key string) string {
	t.Helper()
	if v := os.Getenv(key); v != "" {
		return v
	}
	unavailable(t, key+" is not set")
	return ""
}

// unavailable ends a test that lacks an integration dependency: a skip on a
// developer's machine, a failure wherever integration tests are expected to run.
func unavailable(t testing.TB, why string) {
	t.Helper()
	if integrationRequired() {
		t.Fatalf("%s, but SLIPWAY_INTEGRATION=1 or CI is set, so integration tests must run: use `make test` (scripts/test.sh), which installs and starts what they need", why)
	}
	t.Skipf("%s: run `make test` (scripts/test.sh) for the integration tests", why)
}

// IntegrationRequired reports whether integration tests must run here
// (SLIPWAY_INTEGRATION=1, or CI set and not "false" or "0"): a missing
// registry is then a failure, not a skip.
func IntegrationRequired() bool { return integrationRequired() }

func integrationRequired() bool {
	if os.Getenv("SLIPWAY_INTEGRATION") == "1" {
		return true
	}
	ci := os.Getenv("CI")
	return ci != "" && ci != "false" && ci != "0"
}
