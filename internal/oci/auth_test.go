package oci

import (
	"os"
	"path/filepath"
	"strings"
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
