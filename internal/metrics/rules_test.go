package metrics_test

import (
	"os/exec"
	"testing"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// TestAlertRules checks monitoring/prometheus/slipway.rules.yml with
// promtool and runs its unit tests.
func TestAlertRules(t *testing.T) {
	promtool := registrytest.Tool(t, "promtool")
	if promtool == "" {
		return
	}
	for _, args := range [][]string{
		{"check", "rules", "slipway.rules.yml"},
		{"test", "rules", "slipway.rules.test.yml"},
	} {
		cmd := exec.CommandContext(t.Context(), promtool, args...)
		cmd.Dir = "../../monitoring/prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}
