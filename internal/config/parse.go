package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// rawConfig is the file as written; yaml.Node fields keep their lines.
type rawConfig struct {
	Registry     string    `yaml:"registry"`
	Model        string    `yaml:"model"`
	Policies     yaml.Node `yaml:"policies"`
	Key          string    `yaml:"key"`
	Pushgateway  string    `yaml:"pushgateway"`
	Environments []rawEnv  `yaml:"environments"`
	Drift        yaml.Node `yaml:"drift"`
}

type rawEnv struct {
	Name     yaml.Node `yaml:"name"`
	Requires yaml.Node `yaml:"requires"`
	Soak     yaml.Node `yaml:"soak"`
	Policy   yaml.Node `yaml:"policy"`
	Data     yaml.Node `yaml:"data"`
	Deploy   yaml.Node `yaml:"deploy"`
}

// Parse validates the YAML in data; name is the file, for messages.
// Unknown fields, an environment defined twice or with a bad name, a
// requirement of an undefined environment, a cycle of requirements and a
// soak that is not a duration are usage errors at name:line.
func Parse(name string, data []byte) (*Config, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &Config{}, nil // an empty file
		}
		return nil, yamlError(name, err)
	}
	var raw rawConfig
	dec = yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, yamlError(name, err)
	}
	c := &Config{Registry: raw.Registry, Model: raw.Model, Key: raw.Key, Pushgateway: raw.Pushgateway}
	var err error
	if c.Policies, err = stringList(name, "policies", &raw.Policies); err != nil {
		return nil, err
	}
	if c.Drift, err = parseDrift(name, &raw.Drift); err != nil {
		return nil, err
	}
	seen := map[string]int{}
	for _, re := range raw.Environments {
		e, err := parseEnv(name, re)
		if err != nil {
			return nil, err
		}
		if first, dup := seen[e.Name]; dup {
			return nil, fault.Usagef("%s:%d: environment %q is defined twice (first at line %d)", name, e.Line, e.Name, first)
		}
		seen[e.Name] = e.Line
		c.Environments = append(c.Environments, e)
	}
	if err := checkRequires(name, c.Environments); err != nil {
		return nil, err
	}
	return c, nil
}

func parseEnv(file string, re rawEnv) (Environment, error) {
	e := Environment{Name: re.Name.Value, Line: re.Name.Line}
	if re.Name.Kind == 0 || e.Name == "" {
		return Environment{}, fault.Usagef("%s:%d: an environment needs a name", file, max(re.Name.Line, re.Requires.Line, re.Soak.Line))
	}
	if err := ValidateEnvName(e.Name); err != nil {
		return Environment{}, fault.Usagef("%s:%d: %w", file, e.Line, err)
	}
	var err error
	if e.Requires, err = stringList(file, "requires", &re.Requires); err != nil {
		return Environment{}, err
	}
	if e.Policy, err = stringList(file, "policy", &re.Policy); err != nil {
		return Environment{}, err
	}
	if e.Data, err = stringList(file, "data", &re.Data); err != nil {
		return Environment{}, err
	}
	if re.Deploy.Kind != 0 {
		if e.Deploy, err = parseDeploy(file, e.Name, &re.Deploy); err != nil {
			return Environment{}, err
		}
	}
	if re.Soak.Kind != 0 {
		if e.Soak, err = ParseDuration(re.Soak.Value); err != nil || re.Soak.Kind != yaml.ScalarNode {
			return Environment{}, fault.Usagef("%s:%d: environment %q: soak %q is not a duration: want e.g. 30m, 1h, 2h30m or 7d",
				file, re.Soak.Line, e.Name, re.Soak.Value)
		}
		if len(e.Requires) == 0 {
			return Environment{}, fault.Usagef("%s:%d: environment %q has a soak but requires no environment to soak in", file, re.Soak.Line, e.Name)
		}
	}
	return e, nil
}

// stringList reads a scalar or a sequence of scalars.
func stringList(file, field string, n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.ScalarNode:
		if n.Value == "" {
			return nil, nil
		}
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode || c.Value == "" {
				return nil, fault.Usagef("%s:%d: %s: want a string or a list of strings", file, c.Line, field)
			}
			out = append(out, c.Value)
		}
		return out, nil
	}
	return nil, fault.Usagef("%s:%d: %s: want a string or a list of strings", file, n.Line, field)
}

// checkRequires finds requirements of undefined environments and cycles.
func checkRequires(file string, envs []Environment) error {
	byName := map[string]Environment{}
	for _, e := range envs {
		byName[e.Name] = e
	}
	for _, e := range envs {
		for _, r := range e.Requires {
			if _, ok := byName[r]; !ok {
				return fault.Usagef("%s:%d: environment %q requires %q, which is not defined", file, e.Line, e.Name, r)
			}
		}
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(name string) error
	visit = func(name string) error {
		switch state[name] {
		case visiting:
			i := indexOf(path, name)
			cycle := append(append([]string{}, path[i:]...), name)
			return fault.Usagef("%s:%d: the requires of environments form a cycle: %s", file, byName[name].Line, strings.Join(cycle, " → "))
		case done:
			return nil
		}
		state[name] = visiting
		path = append(path, name)
		for _, r := range byName[name].Requires {
			if err := visit(r); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		state[name] = done
		return nil
	}
	for _, e := range envs {
		if err := visit(e.Name); err != nil {
			return err
		}
	}
	return nil
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError rewrites yaml's "line N: …" messages as file:N: ….
func yamlError(file string, err error) error {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			m = file + ":" + sub[1] + ": " + strings.Replace(sub[2], "not found in type config.rawEnv", "is not an environment setting (name, requires, soak, policy, data, deploy)", 1)
			m = strings.Replace(m, "not found in type config.rawConfig", "is not a setting (registry, model, policies, key, pushgateway, environments, drift)", 1)
		} else {
			m = file + ": " + m
		}
		out = append(out, m)
	}
	return fault.Usagef("%s", strings.Join(out, "\n"))
}

var envName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$`)

// ValidateEnvName checks that name can be an environment: a valid tag
// (the environment's tag is REPO:name), not one of the tags Slipway uses
// for something else (name-history, sha256-…) and not a version, which
// would be an immutable tag.
func ValidateEnvName(name string) error {
	switch {
	case !envName.MatchString(name):
		return fault.Usagef("environment name %q: want letters, digits, '.', '_' and '-' (it becomes a tag), at most 100", name)
	case strings.HasSuffix(name, HistorySuffix):
		return fault.Usagef("environment name %q: names ending in %s are the tags of environments' histories", name, HistorySuffix)
	case strings.HasPrefix(name, "sha256-"):
		return fault.Usagef("environment name %q: sha256-… tags hold referrers on registries without the referrers API", name)
	case oci.IsVersion(name):
		return fault.Usagef("environment name %q is a version; environment tags move, versions do not", name)
	}
	return nil
}

// HistorySuffix ends the tag of an environment's history: REPO:staging-history.
const HistorySuffix = "-history"

var days = regexp.MustCompile(`^(\d+)d(.*)$`)

// ParseDuration is time.ParseDuration that also takes days (7d, 1d12h)
// and refuses negative durations.
func ParseDuration(s string) (time.Duration, error) {
	var d time.Duration
	if m := days.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 3650 {
			return 0, fmt.Errorf("%q: too many days", s)
		}
		d, s = time.Duration(n)*24*time.Hour, m[2]
		if s == "" {
			return d, nil
		}
	}
	rest, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	if rest < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d + rest, nil
}
