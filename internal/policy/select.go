package policy

import (
	"context"
	"os"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/policies"
)

// Library is the policy library built into the binary (policies/).
func Library() FSSource { return FromFS(policies.FS, ".") }

// Selection names policies the way users give them: folders, .rego files,
// .tar.gz bundles, or references to policy bundles in a registry or layout.
type Selection struct {
	// Policies are the paths and references, in the order given.
	Policies []string
	// From says where Policies came from ("--policy", "SLIPWAY_POLICIES",
	// a slipway.yaml path), for messages; "" is "--policy".
	From string
	// Data are JSON or YAML documents merged into data.
	Data []string
	// Default is used when Policies is empty (e.g. Library()); nil means none.
	Default *FSSource
	// WithDefault uses Default beside Policies too: a team's own rules
	// added to the shipped library rather than replacing it.
	WithDefault bool
}

// Refs returns the references among the policies: the ones that are not an
// existing file or folder. A verb names them to oci.Client.For.
func (s Selection) Refs(c oci.Client) []oci.Ref {
	var out []oci.Ref
	for _, p := range s.Policies {
		if _, err := os.Stat(p); err == nil {
			continue
		}
		if ref, err := c.Parse(p); err == nil {
			out = append(out, ref)
		}
	}
	return out
}

// Sources resolves the selection: a path that exists is a file or folder,
// anything else must be a reference with a tag or digest, opened with c.
func (s Selection) Sources(c oci.Client) (Sources, error) {
	var src Sources
	for _, arg := range s.Policies {
		if _, err := os.Stat(arg); err == nil {
			src.Paths = append(src.Paths, arg)
			continue
		}
		ref, err := c.Parse(arg)
		if err != nil || ref.Identifier() == "" {
			return Sources{}, fault.Usagef("%s: no such file or folder, and not a reference with a tag or digest", s.describe(arg))
		}
		src.OCI = append(src.OCI, OCISource{Store: c.Open(ref), ID: ref.Identifier()})
	}
	if s.Default != nil && (len(s.Policies) == 0 || s.WithDefault) {
		src.FS = append(src.FS, *s.Default)
	}
	src.Data = append(src.Data, s.Data...)
	return src, nil
}

// describe names a policy argument with where it came from.
func (s Selection) describe(arg string) string {
	if s.From == "" || s.From == "--policy" {
		return "--policy " + arg
	}
	return "policy " + arg + " (from " + s.From + ")"
}

// Config is the policies' configuration as they apply it: for the shipped
// library data.slipway.settings.effective (its defaults with data laid
// over); for other policies data.slipway.config as given; nil without one.
func (e *Engine) Config(ctx context.Context) (map[string]any, error) {
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
