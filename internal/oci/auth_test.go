package oci

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/slipwayhq/slipway/internal/fault"
)

func TestDockerKeychainBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		config  string
		wantErr bool
	}{
		{"not JSON", "{not json", true},
		{"wrong type", `{"auths": []}`, true},
		{"auth not base64", `{"auths": {"127.0.0.1:1": {"auth": "!!!secret!!!"}}}`, true},
		{"valid", `{"auths": {"127.0.0.1:1": {"auth": "dXNlcjpwYXNz"}}}`, false},
		{"empty", ``, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "config.json")
			if err := os.WriteFile(file, []byte(tc.config), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("HOME", t.TempDir())
			t.Setenv("DOCKER_CONFIG", dir)
			reg, err := name.NewRegistry("127.0.0.1:1")
			if err != nil {
				t.Fatal(err)
			}
			_, err = Keychain("", "", "other.example").Resolve(reg)
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("Resolve with config %q: %v, want no error", tc.config, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Resolve with config %q: no error, want a usage error", tc.config)
			}
			if k := fault.KindOf(err); k != fault.Usage {
				t.Errorf("KindOf(%v) = %v, want usage", err, k)
			}
			if !strings.Contains(err.Error(), file) {
				t.Errorf("error %q does not name the file %s", err, file)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q leaks the auth value", err)
			}
		})
	}
}

// TestTokenRealmOnAnotherHost: a registry whose challenge names a token
// realm on another host (here localhost, the registry being 127.0.0.1) never
// gets the password sent there, unless that host is allowed.
func TestTokenRealmOnAnotherHost(t *testing.T) {
	const user, password = "alice", "s3cr3t-password"
	for _, tc := range []struct {
		name         string
		username     string
		allow        string
		wantKind     fault.Kind // 0: no error
		wantRealmHit bool       // the realm sees a request
		wantRealmPw  bool       // the realm sees the password
	}{
		{name: "credentials refused", username: user, wantKind: fault.Usage},
		{name: "credentials to an allowed realm", username: user, allow: "localhost", wantRealmHit: true, wantRealmPw: true},
		{name: "anonymous token request", wantRealmHit: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HOME", t.TempDir())
			t.Setenv("DOCKER_CONFIG", t.TempDir())
			t.Setenv(EnvUsername, "")
			t.Setenv(EnvPassword, "")
			t.Setenv(EnvTokenRealms, tc.allow)

			var mu sync.Mutex
			var realmHits int
			var realmSawPassword bool
			realm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				realmHits++
				if _, pw, ok := r.BasicAuth(); ok && pw == password {
					realmSawPassword = true
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"token":"tok"}`))
			}))
			defer realm.Close()
			realmURL := strings.Replace(realm.URL, "127.0.0.1", "localhost", 1) + "/token"
			reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer tok" {
					w.Header().Set("WWW-Authenticate", `Bearer realm="`+realmURL+`",service="reg"`)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.WriteHeader(http.StatusNotFound)
			}))
			defer reg.Close()

			host := strings.TrimPrefix(reg.URL, "http://")
			ref, err := ParseRef(host+"/acme/iris:1", true)
			if err != nil {
				t.Fatal(err)
			}
			pw := ""
			if tc.username != "" {
				pw = password
			}
			c := Client{Insecure: true, Username: tc.username, Password: pw}.For(ref)
			_, err = c.Open(ref).Resolve(context.Background(), "1")

			mu.Lock()
			defer mu.Unlock()
			if realmSawPassword != tc.wantRealmPw {
				t.Errorf("realm %s saw the password: %v, want %v", realmURL, realmSawPassword, tc.wantRealmPw)
			}
			if (realmHits > 0) != tc.wantRealmHit {
				t.Errorf("realm %s got %d requests, want any: %v", realmURL, realmHits, tc.wantRealmHit)
			}
			if tc.wantKind == 0 {
				if err != nil && !errors.Is(err, ErrNotFound) {
					t.Fatalf("Resolve: %v, want not found from the registry", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Resolve: no error, want the realm refused")
			}
			if k := fault.KindOf(err); k != tc.wantKind {
				t.Errorf("KindOf(%v) = %v, want %v", err, k, tc.wantKind)
			}
			for _, w := range []string{"localhost", EnvTokenRealms} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}
