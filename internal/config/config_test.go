package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

const chain = `registry: registry.example.com/ml
model: iris
policies: [policies/gate]
key: keys/gate.pub
environments:
  - name: staging
  - name: canary
    requires: staging
    soak: 30m
  - name: production
    requires: [staging, canary]
    soak: 1d2h
    policy: policies/promotion
    data: [freeze.yaml]
`

func TestParseChain(t *testing.T) {
	c, err := Parse("slipway.yaml", []byte(chain))
	require.NoError(t, err)
	assert.Equal(t, "registry.example.com/ml", c.Registry)
	assert.Equal(t, []string{"policies/gate"}, c.Policies)
	require.Len(t, c.Environments, 3)
	prod := c.Environments[2]
	assert.Equal(t, Environment{Name: "production", Requires: []string{"staging", "canary"}, Soak: 26 * time.Hour,
		Policy: []string{"policies/promotion"}, Data: []string{"freeze.yaml"}, Line: 10}, prod)
	assert.Equal(t, 30*time.Minute, c.Environments[1].Soak)
}

func TestParseRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown requirement", "environments:\n  - name: production\n    requires: stagin\n", `slipway.yaml:2: environment "production" requires "stagin", which is not defined`},
		{"cycle", "environments:\n  - name: a\n    requires: c\n  - name: b\n    requires: a\n  - name: c\n    requires: b\n", "slipway.yaml:2: the requires of environments form a cycle: a → c → b → a"},
		{"self cycle", "environments:\n  - name: a\n    requires: a\n", "cycle: a → a"},
		{"malformed soak", "environments:\n  - name: s\n  - name: p\n    requires: s\n    soak: 1 hour\n", `slipway.yaml:5: environment "p": soak "1 hour" is not a duration`},
		{"soak without unit", "environments:\n  - name: s\n  - name: p\n    requires: s\n    soak: 3600\n", `slipway.yaml:5: environment "p": soak "3600" is not a duration`},
		{"negative soak", "environments:\n  - name: s\n  - name: p\n    requires: s\n    soak: -1h\n", `soak "-1h" is not a duration`},
		{"soak alone", "environments:\n  - name: p\n    soak: 1h\n", "has a soak but requires no environment"},
		{"duplicate", "environments:\n  - name: p\n  - name: p\n", `slipway.yaml:3: environment "p" is defined twice (first at line 2)`},
		{"no name", "environments:\n  - requires: p\n", "slipway.yaml:2: an environment needs a name"},
		{"bad name", "environments:\n  - name: prod/eu\n", `slipway.yaml:2: environment name "prod/eu"`},
		{"history name", "environments:\n  - name: prod-history\n", "are the tags of environments' histories"},
		{"version name", "environments:\n  - name: 1.0.0\n", "is a version"},
		{"unknown field", "environments:\n  - name: p\n    soaks: 1h\n", "slipway.yaml:3: field soaks is not an environment setting"},
		{"unknown top field", "registy: x\n", "slipway.yaml:1: field registy is not a setting"},
		{"not yaml", "environments: [\n", "slipway.yaml:"},
		{"requires a map", "environments:\n  - name: s\n  - name: p\n    requires: {a: b}\n", "slipway.yaml:4: requires: want a string or a list of strings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("slipway.yaml", []byte(tc.yaml))
			require.Error(t, err, "Parse(%q) succeeded", tc.yaml)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "Parse(%q): %v", tc.yaml, err)
		})
	}
}

func TestEmptyAndMissing(t *testing.T) {
	c, err := Parse("slipway.yaml", nil)
	require.NoError(t, err)
	e, err := c.Environment("anything")
	require.NoError(t, err, "with no environments configured any valid name is accepted")
	assert.Equal(t, "anything", e.Name)

	c, err = Parse("slipway.yaml", []byte(chain))
	require.NoError(t, err)
	c.Path = "slipway.yaml"
	_, err = c.Environment("prod")
	require.Error(t, err)
	assert.Equal(t, fault.Usage, fault.KindOf(err))
	assert.Contains(t, err.Error(), `unknown environment "prod": slipway.yaml defines staging, canary, production`)
}

func TestLocateAndLoad(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	path, err := Locate("", getenv, "")
	require.NoError(t, err)
	assert.Empty(t, path, "no slipway.yaml: no config, not an error")

	_, err = Locate("missing.yaml", getenv, "")
	assert.Equal(t, fault.Usage, fault.KindOf(err))

	require.NoError(t, os.MkdirAll("deploy/sub", 0o755))
	require.NoError(t, os.WriteFile("deploy/slipway.yaml", []byte(chain), 0o644))
	require.NoError(t, os.WriteFile(FileName, []byte("model: local\n"), 0o644))
	path, err = Locate("", getenv, "")
	require.NoError(t, err)
	assert.Equal(t, FileName, path)

	path, err = Locate("", getenv, "deploy/sub")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "deploy", FileName), path, "found upward from the folder")

	env[EnvConfig] = "deploy/slipway.yaml"
	path, err = Locate("", getenv, "")
	require.NoError(t, err)
	assert.Equal(t, "deploy/slipway.yaml", path, "SLIPWAY_CONFIG names the file")
	path, err = Locate(FileName, getenv, "")
	require.NoError(t, err)
	assert.Equal(t, FileName, path, "--config wins over SLIPWAY_CONFIG")

	c, err := Load("deploy/slipway.yaml")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("deploy", "keys/gate.pub"), c.Key, "paths are relative to the file")
	assert.Equal(t, []string{filepath.Join("deploy", "policies/promotion")}, c.Environments[2].Policy)
	assert.Equal(t, []string{filepath.Join("deploy", "freeze.yaml")}, c.Environments[2].Data)
}

func TestResolvePrecedence(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, os.WriteFile(FileName, []byte(chain), 0o644))
	env := map[string]string{}
	resolve := func(f Flags) *Config {
		t.Helper()
		c, err := Resolve(ResolveOptions{Flags: f, Getenv: func(k string) string { return env[k] }, FlagNames: map[string]string{SettingPolicies: "--policy"}})
		require.NoError(t, err)
		return c
	}

	c := resolve(Flags{})
	assert.Equal(t, "keys/gate.pub", c.Key, "the file, with no flag and no variable")
	assert.Equal(t, Origin(FileName), c.Origins[SettingKey])
	assert.Empty(t, c.Overrides)

	env[EnvKey] = "env.pub"
	env[EnvPolicies] = "a, b"
	c = resolve(Flags{})
	assert.Equal(t, "env.pub", c.Key, "a variable overrides the file")
	assert.Equal(t, []string{"a", "b"}, c.Policies)
	assert.Equal(t, Origin(EnvKey), c.Origins[SettingKey])

	c = resolve(Flags{Key: "flag.pub", Policies: []string{"p"}})
	assert.Equal(t, "flag.pub", c.Key, "a flag overrides the variable and the file")
	assert.Equal(t, []string{"p"}, c.Policies)
	assert.Equal(t, Origin("--policy"), c.Origins[SettingPolicies])
	var lines []string
	for _, o := range c.Overrides {
		lines = append(lines, o.String())
	}
	assert.Equal(t, []string{
		"key: SLIPWAY_KEY overrides slipway.yaml", "key: --key overrides SLIPWAY_KEY",
		"policies: SLIPWAY_POLICIES overrides slipway.yaml", "policies: --policy overrides SLIPWAY_POLICIES",
	}, lines)
	assert.Equal(t, "registry.example.com/ml/iris", c.ModelRepository())
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"90s": 90 * time.Second, "7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "0s": 0} {
		got, err := ParseDuration(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, "ParseDuration(%q)", in)
	}
	for _, in := range []string{"", "1 hour", "d", "99999d", "-5m", "1d-1h"} {
		_, err := ParseDuration(in)
		assert.Error(t, err, "ParseDuration(%q)", in)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(chain))
	f.Add([]byte("environments:\n  - name: a\n    requires: a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err != nil {
			if fault.KindOf(err) != fault.Usage {
				t.Fatalf("Parse error is %v, not a usage error: %v", fault.KindOf(err), err)
			}
			return
		}
		for _, e := range c.Environments {
			if ValidateEnvName(e.Name) != nil {
				t.Fatalf("accepted environment name %q", e.Name)
			}
		}
	})
}
