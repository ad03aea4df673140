package cli

import (
	"github.com/spf13/pflag"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/policy"
)

// policyFlags are the flags that choose policies: shared by gate and policy eval.
type policyFlags struct {
	paths       []string
	data        []string
	namespaces  []string
	withLibrary bool
}

// register adds the flags; --policy sets the policies setting (slipway.yaml
// policies:, SLIPWAY_POLICIES), whose value the verb reads from g.cfg.
func (p *policyFlags) register(f *pflag.FlagSet) {
	f.StringArrayVarP(&p.paths, "policy", "p", nil, "policy folder, .rego file, .tar.gz bundle, or OCI reference (repeatable; default: the policies setting, then the shipped library for gate and ./policy for policy eval)")
	f.StringArrayVarP(&p.data, "data", "d", nil, "data document (JSON or YAML) merged into data, e.g. thresholds (repeatable)")
	f.StringArrayVarP(&p.namespaces, "namespace", "n", nil, "evaluate only these packages (repeatable; default: every package given)")
	bindSetting(f, "policy", config.SettingPolicies)
}

// registerLibrary adds --with-library, for the verbs whose default is the
// shipped library (gate).
func (p *policyFlags) registerLibrary(f *pflag.FlagSet) {
	f.BoolVar(&p.withLibrary, "with-library", false, "run the shipped library as well as --policy: add a team's rules to it instead of replacing it")
}

// selection is the policies setting as resolved (flags > SLIPWAY_POLICIES >
// slipway.yaml) with --data; library falls back to the shipped library.
func (p *policyFlags) selection(g *globalOptions, library bool) policy.Selection {
	s := policy.Selection{Policies: g.cfg.Policies, From: string(g.cfg.Origins[config.SettingPolicies]), Data: p.data}
	if library {
		lib := policy.Library()
		s.Default, s.WithDefault = &lib, p.withLibrary
	}
	return s
}
