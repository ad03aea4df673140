package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

func TestParseDrift(t *testing.T) {
	c, err := Parse("slipway.yaml", []byte("drift:\n  psi: 0.25\n  alpha: 0.01\n  share: 0.3\n  degradation: 0.1\n  exact_limit: 5000\n"))
	require.NoError(t, err)
	require.NotNil(t, c.Drift)
	assert.Equal(t, 0.25, *c.Drift.PSI)
	assert.Equal(t, 0.01, *c.Drift.Alpha)
	assert.Equal(t, 0.3, *c.Drift.Share)
	assert.Equal(t, 0.1, *c.Drift.Degradation)
	assert.Equal(t, 5000, *c.Drift.ExactLimit)

	c, err = Parse("slipway.yaml", []byte("drift:\n  share: 1\n"))
	require.NoError(t, err)
	assert.Nil(t, c.Drift.PSI, "a threshold not written stays unset")

	c, err = Parse("slipway.yaml", []byte("model: m\n"))
	require.NoError(t, err)
	assert.Nil(t, c.Drift)
}

func TestParseDriftRefusals(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"not a mapping", "drift: 0.2\n", "slipway.yaml:1: drift: want a mapping"},
		{"unknown", "drift:\n  pvalue: 0.05\n", `slipway.yaml:2: drift: "pvalue" is not a drift setting (psi, alpha, share, degradation, exact_limit)`},
		{"psi zero", "drift:\n  psi: 0\n", `slipway.yaml:2: drift.psi "0": want a number above 0`},
		{"psi word", "drift:\n  psi: high\n", `drift.psi "high": want a number above 0`},
		{"alpha one", "drift:\n  alpha: 1\n", `slipway.yaml:2: drift.alpha "1": want a number between 0 and 1`},
		{"share over one", "drift:\n  psi: 0.1\n  share: 1.5\n", `slipway.yaml:3: drift.share "1.5": want a number above 0 and at most 1`},
		{"negative degradation", "drift:\n  degradation: -0.1\n", `drift.degradation "-0.1": want a number of at least 0`},
		{"fractional limit", "drift:\n  exact_limit: 10.5\n", `drift.exact_limit "10.5": want a whole number`},
		{"list", "drift:\n  psi: [0.1]\n", `drift.psi "": want a number above 0`},
		{"nan", "drift:\n  psi: .nan\n", `drift.psi ".nan"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("slipway.yaml", []byte(tc.yaml))
			require.Error(t, err)
			assert.Equal(t, fault.Usage, fault.KindOf(err))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
