// Package policies is Slipway's shipped policy library: the Rego v1 rules
// `slipway gate` evaluates when no --policy is given (metric thresholds,
// regression against the baseline, model card, licence, weight formats,
// size, dataset pinning, drift), their tests, and config.yaml, the defaults
// the rules read as data.slipway.config.
//
// The rules follow conftest's conventions (deny/violation fail, warn warns,
// exception waives named rules) and each concern lives in one package,
// slipway.<concern>, in <concern>.rego beside its <concern>_test.rego.
package policies

import (
	"embed"
	"strings"
)

// FS holds every file of the library at its root: the policies (*.rego),
// their tests (*_test.rego, which `slipway policy test` runs and the gate
// leaves out, see IsTest), and ConfigFile.
//
//go:embed *.rego config.yaml
var FS embed.FS

// ConfigFile is the name in FS of the defaults, a YAML document of the form
// {slipway: {config: …}}, loaded as data before any --data file.
const ConfigFile = "config.yaml"

// IsTest reports whether name is a Rego test file (x_test.rego): tests are
// embedded so `slipway policy test` can run them, but they are not policies
// and the gate does not load them.
func IsTest(name string) bool {
	return strings.HasSuffix(name, "_test.rego")
}
