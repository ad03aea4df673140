package attest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

const (
	ghIssuer   = "https://token.actions.githubusercontent.com"
	ghIdentity = "https://github.com/acme/iris/.github/workflows/gate.yml@refs/heads/main"
)

// noTlog hides an entity's transparency-log entries.
type noTlog struct{ verify.SignedEntity }

func (noTlog) TlogEntries() ([]*tlog.Entry, error) { return nil, nil }

// TestKeylessVerify checks keyless verification against sigstore-go's
// virtual Sigstore (a Fulcio CA, a Rekor log and a TSA made in the test).
func TestKeylessVerify(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	require.NoError(t, err)
	payload, err := json.Marshal(gateStatement())
	require.NoError(t, err)
	good, err := vs.Attest(ghIdentity, ghIssuer, payload)
	require.NoError(t, err)
	expired, err := vs.AttestAtTime(ghIdentity, ghIssuer, payload, time.Now().Add(time.Hour), false)
	require.NoError(t, err)
	want := Identity{Identity: ghIdentity, Issuer: ghIssuer}

	for _, tt := range []struct {
		name   string
		entity verify.SignedEntity
		id     Identity
		want   string // "" verifies
	}{
		{"GitHub workflow identity", good, want, ""},
		{"identity by regexp", good, Identity{IdentityRegexp: `^https://github\.com/acme/.*$`, Issuer: ghIssuer}, ""},
		{"wrong identity", good, Identity{Identity: "https://github.com/evil/iris/.github/workflows/x.yml@refs/heads/main", Issuer: ghIssuer}, "wrong identity"},
		{"wrong issuer", good, Identity{Identity: ghIdentity, Issuer: "https://gitlab.com"}, "wrong OIDC issuer"},
		{"expired certificate", expired, want, "certificate had expired"},
		{"missing tlog entry", noTlog{good}, want, "no transparency log (Rekor) entry"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewKeylessVerifier(vs, tt.id)
			require.NoError(t, err)
			st, err := v.keyless.verify(tt.entity, payload)
			if tt.want == "" {
				require.NoError(t, err)
				assert.True(t, st.About(modelDigest))
				return
			}
			require.Error(t, err)
			assert.Equal(t, fault.Denied, fault.KindOf(err), "exit 1")
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	t.Run("an identity is required", func(t *testing.T) {
		_, err := NewKeylessVerifier(vs, Identity{Issuer: ghIssuer})
		assert.Equal(t, fault.Usage, fault.KindOf(err))
	})
}
