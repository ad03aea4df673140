package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
)

// The variables that set settings, between flags and the file.
const (
	EnvRegistry = "SLIPWAY_REGISTRY"
	EnvModel    = "SLIPWAY_MODEL"
	EnvPolicies = "SLIPWAY_POLICIES" // comma-separated
	EnvKey      = "SLIPWAY_KEY"
	// EnvPushgateway is the Prometheus Pushgateway gate, drift and promote push to.
	EnvPushgateway = "SLIPWAY_PUSHGATEWAY"
)

// The names of settings, as slipway.yaml spells them and `slipway config`
// prints them.
const (
	SettingRegistry     = "registry"
	SettingModel        = "model"
	SettingPolicies     = "policies"
	SettingKey          = "key"
	SettingEnvironments = "environments"
	SettingPushgateway  = "pushgateway"
)

// Flags are the command-line values of settings; empty ones were not given.
type Flags struct {
	Registry string
	Model    string
	Policies []string
	Key      string
	// Pushgateway is --pushgateway.
	Pushgateway string
}

// Origin says where a setting's value came from: a flag (--key), a
// variable (SLIPWAY_KEY), the file (its path) or "default".
type Origin string

// OriginDefault is the origin of a setting nobody set.
const OriginDefault Origin = "default"

// Override is a value that a higher-precedence source replaced; the CLI
// reports it at debug level.
type Override struct {
	Setting string
	Winner  Origin
	Loser   Origin
}

func (o Override) String() string {
	return fmt.Sprintf("%s: %s overrides %s", o.Setting, o.Winner, o.Loser)
}

// ResolveOptions are what Resolve merges.
type ResolveOptions struct {
	// ConfigFlag is --config; "" looks for the file.
	ConfigFlag string
	// Flags are the settings given on the command line.
	Flags Flags
	// FlagNames name the flag of each setting, for origins ("--policy").
	FlagNames map[string]string
	// Getenv reads variables (os.Getenv).
	Getenv func(string) string
	// Dir is where the upward search for slipway.yaml starts ("" is the
	// working folder).
	Dir string
}

// Resolve merges the settings once, for every verb, with the precedence
// users know from other tools: flags, then SLIPWAY_* variables, then
// slipway.yaml, then defaults. The first that sets a value wins; every
// value a lower source set and a higher one replaced is in Overrides.
func Resolve(o ResolveOptions) (*Config, error) {
	path, err := Locate(o.ConfigFlag, o.Getenv, o.Dir)
	if err != nil {
		return nil, err
	}
	c, err := Load(path)
	if err != nil {
		return nil, err
	}
	c.Origins = map[string]Origin{}
	fileOrigin := Origin(path)
	flagName := func(setting string) Origin {
		if n := o.FlagNames[setting]; n != "" {
			return Origin(n)
		}
		return Origin("--" + setting)
	}
	str := func(setting string, dst *string, flag, variable string) {
		cur := OriginDefault
		if *dst != "" {
			cur = fileOrigin
		}
		if v := o.Getenv(variable); v != "" {
			c.note(setting, Origin(variable), cur)
			*dst, cur = v, Origin(variable)
		}
		if flag != "" {
			c.note(setting, flagName(setting), cur)
			*dst, cur = flag, flagName(setting)
		}
		c.Origins[setting] = cur
	}
	str(SettingRegistry, &c.Registry, o.Flags.Registry, EnvRegistry)
	str(SettingModel, &c.Model, o.Flags.Model, EnvModel)
	str(SettingKey, &c.Key, o.Flags.Key, EnvKey)
	str(SettingPushgateway, &c.Pushgateway, o.Flags.Pushgateway, EnvPushgateway)

	cur := OriginDefault
	if len(c.Policies) > 0 {
		cur = fileOrigin
	}
	if v := o.Getenv(EnvPolicies); v != "" {
		c.note(SettingPolicies, EnvPolicies, cur)
		c.Policies, cur = splitList(v), EnvPolicies
	}
	if len(o.Flags.Policies) > 0 {
		c.note(SettingPolicies, flagName(SettingPolicies), cur)
		c.Policies, cur = o.Flags.Policies, flagName(SettingPolicies)
	}
	c.Origins[SettingPolicies] = cur
	c.Origins[SettingEnvironments] = OriginDefault
	if len(c.Environments) > 0 {
		c.Origins[SettingEnvironments] = fileOrigin
	}
	if c.Registry != "" {
		if err := checkRegistry(c.Registry, c.Origins[SettingRegistry]); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// note records that winner replaced a value loser had set.
func (c *Config) note(setting string, winner, loser Origin) {
	if loser != OriginDefault {
		c.Overrides = append(c.Overrides, Override{Setting: setting, Winner: winner, Loser: loser})
	}
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// checkRegistry refuses a registry setting that cannot prefix a repository.
func checkRegistry(r string, from Origin) error {
	if strings.ContainsAny(r, "@") || strings.HasSuffix(r, ":") {
		return fault.Usagef("registry %q (from %s): want host[:port][/prefix] or oci:DIR, without tag or digest", r, from)
	}
	return nil
}

// Repository is where the model called name lives by default: the
// registry setting joined with name (a layout folder per model for
// oci:DIR), or "" when no registry is set.
func (c *Config) Repository(name string) string {
	if c.Registry == "" || name == "" {
		return ""
	}
	return strings.TrimSuffix(c.Registry, "/") + "/" + name
}

// ModelRepository is Repository of the model setting.
func (c *Config) ModelRepository() string { return c.Repository(c.Model) }

// Locate says which config file to read: --config when given, else
// $SLIPWAY_CONFIG, else the first slipway.yaml found in dir or a folder
// above it. "" means there is none, which is not an error. A named file
// that does not exist is a usage error.
func Locate(flag string, getenv func(string) string, dir string) (string, error) {
	for _, c := range []struct{ path, from string }{{flag, "--config"}, {getenv(EnvConfig), EnvConfig}} {
		if c.path == "" {
			continue
		}
		fi, err := os.Stat(c.path)
		if err != nil {
			return "", fault.Usagef("%s %s: %w", c.from, c.path, describeStat(err))
		}
		if fi.IsDir() {
			return "", fault.Usagef("%s %s is a folder: give the file (%s)", c.from, c.path, filepath.Join(c.path, FileName))
		}
		return c.path, nil
	}
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil
	}
	for d := abs; ; d = filepath.Dir(d) {
		p := filepath.Join(d, FileName)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			if d == abs && dir == "." {
				return FileName, nil
			}
			if rel, err := filepath.Rel(abs, p); err == nil && dir == "." {
				return rel, nil
			}
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", nil
		}
	}
}
