package cli

import (
	"context"
	"os"

	"github.com/spf13/pflag"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/policies"
)

// policyFlags are the flags that choose policies: shared by gate and policy eval.
type policyFlags struct {
	paths      []string
	data       []string
	namespaces []string
}

func (p *policyFlags) register(f *pflag.FlagSet) {
	f.StringArrayVarP(&p.paths, "policy", "p", nil, "policy folder, .rego file, .tar.gz bundle, or OCI reference (repeatable; default: the shipped library)")
	f.StringArrayVarP(&p.data, "data", "d", nil, "data document (JSON or YAML) merged into data, e.g. thresholds (repeatable)")
	f.StringArrayVarP(&p.namespaces, "namespace", "n", nil, "evaluate only these packages (repeatable; default: every package given)")
}

// sources turns the flags into policy sources: a path that exists is a
// file or folder, anything else a reference to a policy bundle in a store;
// with no --policy, the library built into the binary and its defaults.
func (p *policyFlags) sources(g *globalOptions) (policy.Sources, error) {
	var src policy.Sources
	for _, arg := range p.paths {
		if _, err := os.Stat(arg); err == nil {
			src.Paths = append(src.Paths, arg)
			continue
		}
		ref, err := g.parseRef(arg)
		if err != nil || ref.Identifier() == "" {
			return policy.Sources{}, fault.Usagef("--policy %s: no such file or folder, and not a reference with a tag or digest", arg)
		}
		src.OCI = append(src.OCI, policy.OCISource{Store: g.store(ref.WithTag(""), nil), ID: ref.Identifier()})
	}
	if len(p.paths) == 0 {
		src.FS = append(src.FS, policy.FromFS(policies.FS, "."))
	}
	src.Data = append(src.Data, p.data...)
	return src, nil
}

func (p *policyFlags) compile(ctx context.Context, g *globalOptions) (*policy.Engine, error) {
	src, err := p.sources(g)
	if err != nil {
		return nil, err
	}
	var opts []policy.Option
	if len(p.namespaces) > 0 {
		opts = append(opts, policy.WithNamespaces(p.namespaces...))
	}
	return policy.Compile(ctx, src, opts...)
}

// policyConfig is the shipped policies' configuration as they apply it:
// data.slipway.settings.effective (their defaults with --data laid over);
// with other policies, data.slipway.config as given.
func policyConfig(ctx context.Context, e *policy.Engine) (map[string]any, error) {
	for _, path := range [][]string{{"slipway", "settings", "effective"}, {"slipway", "config"}} {
		v, err := e.Data(ctx, path...)
		if err != nil {
			return nil, err
		}
		if m, ok := v.(map[string]any); ok {
			return m, nil
		}
	}
	return nil, nil
}
