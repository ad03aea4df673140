// Package config reads slipway.yaml: the registry and model a project
// works with, its policies, the key that verifies gate attestations, and
// the chain of environments a digest is promoted through. It owns the
// precedence of settings (flags, then SLIPWAY_* variables, then the file,
// then defaults) and reports every mistake in the file as a usage error at
// its file:line.
package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slipwayhq/slipway/internal/fault"
)

// FileName is the file looked for in the working folder.
const FileName = "slipway.yaml"

// EnvConfig names the config file, like --config.
const EnvConfig = "SLIPWAY_CONFIG"

// maxFile bounds the config file read: it is a few hundred bytes.
const maxFile = 1 << 20

// Config is slipway.yaml, validated. Paths in it (policies, key, an
// environment's policy) are relative to the file's folder as written, and
// made relative to the working folder (or absolute) here.
type Config struct {
	// Path is the file it was read from; "" when there is none.
	Path string `json:"path,omitempty"`
	// Registry is where artifacts go by default: host[/prefix] or oci:DIR.
	Registry string `json:"registry,omitempty"`
	// Model is the model's name (the repository under Registry).
	Model string `json:"model,omitempty"`
	// Policies are the gate's policy folders, files or references.
	Policies []string `json:"policies,omitempty"`
	// Key is the public key (PEM) that gate attestations must verify with.
	Key string `json:"key,omitempty"`
	// Pushgateway is the Prometheus Pushgateway URL gate, drift and promote
	// push their metrics to; "" pushes nothing.
	Pushgateway string `json:"pushgateway,omitempty"`
	// Environments is the promotion chain, in the order written.
	Environments []Environment `json:"environments,omitempty"`
	// Drift are the thresholds of slipway drift; flags override them.
	Drift *Drift `json:"drift,omitempty"`
	// Origins says where each setting came from (Resolve fills it).
	Origins map[string]Origin `json:"origins,omitempty"`
	// Overrides are values that a higher-precedence source replaced.
	Overrides []Override `json:"-"`
}

// Environment is one stage of the promotion chain.
type Environment struct {
	Name string `json:"name"`
	// Requires lists environments the digest must have been promoted to first.
	Requires []string `json:"requires,omitempty"`
	// Soak is how long the digest must have stayed in each required environment.
	Soak time.Duration `json:"soak,omitempty"`
	// Policy are Rego folders, files or bundles evaluated before promoting
	// here (conftest conventions: deny/violation refuse, warn warns).
	Policy []string `json:"policy,omitempty"`
	// Data are JSON or YAML documents laid over the data that comes with
	// the policies (a freeze calendar, say).
	Data []string `json:"data,omitempty"`
	// Deploy is the GitOps repository the environment's digest is written
	// to after its tag moves; nil means none.
	Deploy *Deploy `json:"deploy,omitempty"`
	// Line is where the environment is defined in the file.
	Line int `json:"-"`
}

func describeStat(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("no such file")
	}
	return err
}

// Load reads and validates the config file at path; "" gives an empty Config.
func Load(path string) (*Config, error) {
	if path == "" {
		return &Config{}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fault.Usagef("reading %s: %w", path, describeStat(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, fault.Usagef("reading %s: %w", path, err)
	}
	if len(data) > maxFile {
		return nil, fault.Usagef("%s is larger than %d KiB; a slipway.yaml is a few lines", path, maxFile>>10)
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	c.Path = path
	c.resolvePaths(filepath.Dir(path))
	return c, nil
}

// resolvePaths makes the file's relative paths relative to the working
// folder: a policy written next to slipway.yaml is found from anywhere.
func (c *Config) resolvePaths(dir string) {
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) || dir == "." || looksLikeReference(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	for i, p := range c.Policies {
		c.Policies[i] = rel(p)
	}
	c.Key = rel(c.Key)
	for i := range c.Environments {
		e := &c.Environments[i]
		for j := range e.Policy {
			e.Policy[j] = rel(e.Policy[j])
		}
		for j := range e.Data {
			e.Data[j] = rel(e.Data[j])
		}
	}
}

// looksLikeReference tells a policy reference (oci:DIR, host/repo:tag,
// host/repo@sha256:…) from a path, so that it is not joined to the folder.
func looksLikeReference(p string) bool {
	return strings.HasPrefix(p, "oci:") || strings.ContainsAny(p, ":@")
}

// Environment returns the environment called name. With no environments
// configured, any name is accepted and has no requirements; with some, a
// name that is not among them is a usage error listing them.
func (c *Config) Environment(name string) (Environment, error) {
	if err := ValidateEnvName(name); err != nil {
		return Environment{}, err
	}
	if len(c.Environments) == 0 {
		return Environment{Name: name}, nil
	}
	for _, e := range c.Environments {
		if e.Name == name {
			return e, nil
		}
	}
	return Environment{}, fault.Usagef("unknown environment %q: %s defines %s", name, c.Path, c.names())
}

func (c *Config) names() string { return strings.Join(c.EnvironmentNames(), ", ") }

// EnvironmentNames lists the environments in the order they are written.
func (c *Config) EnvironmentNames() []string {
	names := make([]string, len(c.Environments))
	for i, e := range c.Environments {
		names[i] = e.Name
	}
	return names
}

// String names where the config came from, for messages.
func (c *Config) String() string {
	if c.Path == "" {
		return "no config file"
	}
	return fmt.Sprintf("config %s", c.Path)
}
