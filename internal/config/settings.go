package config

import (
	"fmt"
	"strings"
)

// The variables that override settings of the file and their flags.
const (
	EnvRegistry = "SLIPWAY_REGISTRY"
	EnvModel    = "SLIPWAY_MODEL"
	EnvPolicies = "SLIPWAY_POLICIES" // comma-separated
	EnvKey      = "SLIPWAY_KEY"
)

// Flags are the command-line values of settings the file also has; empty
// ones were not given.
type Flags struct {
	Registry string
	Model    string
	Policies []string
	Key      string
}

// Override is one setting whose flag a variable overrode: the CLI says so,
// since a flag that silently does nothing is a trap.
type Override struct {
	Variable, Flag, Value string
}

// Apply lays flags over the file's settings, then SLIPWAY_* variables over
// both (DESIGN.md: "Flags override it; SLIPWAY_* env vars override both"),
// and returns the overrides of flags that were given.
func (c *Config) Apply(f Flags, getenv func(string) string) []Override {
	var over []Override
	set := func(dst *string, flag, flagName, variable string) {
		if flag != "" {
			*dst = flag
		}
		if v := getenv(variable); v != "" {
			if flag != "" && flag != v {
				over = append(over, Override{Variable: variable, Flag: flagName, Value: v})
			}
			*dst = v
		}
	}
	set(&c.Registry, f.Registry, "--registry", EnvRegistry)
	set(&c.Model, f.Model, "--model", EnvModel)
	set(&c.Key, f.Key, "--key", EnvKey)
	if len(f.Policies) > 0 {
		c.Policies = f.Policies
	}
	if v := getenv(EnvPolicies); v != "" {
		var ps []string
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				ps = append(ps, p)
			}
		}
		if len(f.Policies) > 0 {
			over = append(over, Override{Variable: EnvPolicies, Flag: "--policy", Value: v})
		}
		c.Policies = ps
	}
	return over
}

func (o Override) String() string {
	return fmt.Sprintf("%s=%s overrides %s", o.Variable, o.Value, o.Flag)
}
