package oci

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/slipwayhq/slipway/internal/fault"
)

// TestRegistryErrorBodyNotPrinted: a registry (or a proxy) that answers 500
// with a body echoing the request's Authorization header and a token gets
// its status and OCI error code printed, never the credentials.
func TestRegistryErrorBodyNotPrinted(t *testing.T) {
	const basic = "dXNlcjpzM2NyM3QtcGFzc3dvcmQ=" // user:s3cr3t-password
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"
	for _, tc := range []struct {
		name, contentType, body string
		want                    []string
	}{
		{
			name:        "raw echo",
			contentType: "text/plain",
			body:        "upstream failed; request was:\nGET /v2/acme/iris/manifests/x HTTP/1.1\nAuthorization: Basic " + basic + "\nX-Registry-Token: tok-s3cr3t-42\n",
			want:        []string{"HTTP 500 Internal Server Error", "/v2/acme/iris/manifests/"},
		},
		{
			name:        "OCI error with echo in message",
			contentType: "application/json",
			body: `{"errors":[{"code":"UNKNOWN","message":"backend said Authorization: Bearer ` + jwt +
				` and access_token=tok-s3cr3t-42 password: s3cr3t-password","detail":{"Authorization":["Basic ` + basic + `"]}}]}`,
			want: []string{"HTTP 500 Internal Server Error", "UNKNOWN: backend said", "[redacted]"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v2/" {
					return
				}
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			repo, err := name.NewRepository(strings.TrimPrefix(srv.URL, "http://")+"/acme/iris", name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			s := newRemoteStore(repo, newOptions([]Option{WithKeychain(Keychain("user", "s3cr3t-password", repo.RegistryStr()))}))
			s.opts = append(s.opts, remote.WithRetryBackoff(remote.Backoff{Steps: 1})) // no retries in a unit test

			_, err = s.Manifest(context.Background(), v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("a", 64)})
			if err == nil {
				t.Fatal("Manifest from a registry answering 500: no error")
			}
			msg := err.Error()
			for _, secret := range []string{basic, jwt, "tok-s3cr3t-42", "s3cr3t-password", "eyJ"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q contains the credential %q", msg, secret)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if k := fault.KindOf(err); k != fault.Runtime {
				t.Errorf("KindOf(%v) = %v, want runtime", err, k)
			}
			var terr *transport.Error
			if !errors.As(err, &terr) || terr.StatusCode != http.StatusInternalServerError {
				t.Errorf("errors.As(%v, *transport.Error) = %v, want the registry's 500", err, terr)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Authorization: Basic dXNlcjpwYXNz", "Authorization: [redacted]"},
		{"authorization=Bearer abc.def", "authorization: [redacted]"},
		{"got Bearer abcdefgh from", "got Bearer [redacted] from"},
		{`{"token":"xyz","refresh_token": "abc"}`, `{"token":"[redacted]","refresh_token": "[redacted]"}`},
		{"blob unknown to registry", "blob unknown to registry"},
		{"line\nbreak", "line break"},
	} {
		if got := redact(tc.in, 200); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
