package attest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

// TestIDToken finds the OIDC token where GitLab and GitHub Actions put it,
// and never says a token in an error.
func TestIDToken(t *testing.T) {
	const bearer, token = "req-bearer-secret", "oidc.token.secret"
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.RawQuery)
		switch {
		case r.Header.Get("Authorization") != "bearer "+bearer:
			http.Error(w, "denied for "+r.Header.Get("Authorization"), http.StatusForbidden) // echoes the bearer
		case r.URL.Query().Get("audience") != "sigstore":
			http.Error(w, "audience", http.StatusBadRequest)
		case r.URL.Path == "/garbage":
			_, _ = w.Write([]byte("not json " + token))
		default:
			_, _ = w.Write([]byte(`{"count":1,"value":"` + token + `"}`))
		}
	}))
	defer srv.Close()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	ctx := context.Background()

	got, src, err := IDToken(ctx, env(EnvIDToken, "gitlab.token", EnvActionsTokenURL, srv.URL, EnvActionsToken, bearer), nil)
	require.NoError(t, err)
	assert.Equal(t, "gitlab.token", got, "SIGSTORE_ID_TOKEN first")
	assert.Equal(t, EnvIDToken, src)

	got, _, err = IDToken(ctx, env(EnvActionsTokenURL, srv.URL+"/token?api-version=2.0", EnvActionsToken, bearer), nil)
	require.NoError(t, err)
	assert.Equal(t, token, got)
	assert.Equal(t, "api-version=2.0&audience=sigstore", asked[len(asked)-1])

	for name, tt := range map[string]struct {
		env  func(string) string
		kind fault.Kind
		want string
	}{
		"refused bearer":   {env(EnvActionsTokenURL, srv.URL, EnvActionsToken, "wrong-"+bearer), fault.Runtime, "answered 403 Forbidden"},
		"not JSON":         {env(EnvActionsTokenURL, srv.URL+"/garbage", EnvActionsToken, bearer), fault.Runtime, "hold no token"},
		"half the pair":    {env(EnvActionsTokenURL, srv.URL), fault.Usage, "only one of"},
		"no permission":    {env("GITHUB_ACTIONS", "true"), fault.Usage, "permissions: id-token: write"},
		"GitLab, no block": {env("GITLAB_CI", "true"), fault.Usage, "id_tokens:"},
		"nowhere":          {env(), fault.Usage, "none was found"},
		"unreachable":      {env(EnvActionsTokenURL, "http://127.0.0.1:1/t?secret="+bearer, EnvActionsToken, bearer), fault.Runtime, "requesting a token"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := IDToken(ctx, tt.env, nil)
			require.Error(t, err)
			assert.Equal(t, tt.kind, fault.KindOf(err))
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), bearer)
			assert.NotContains(t, err.Error(), token)
		})
	}
}
