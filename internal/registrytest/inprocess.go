package registrytest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Option configures InProcess.
type Option func(*inProcessConfig)

type inProcessConfig struct {
	referrers  bool
	extra      []registry.Option
	user, pass string
}

// WithBasicAuth makes the registry answer 401, with a Basic challenge, to
// every request that does not carry the credentials user:pass.
func WithBasicAuth(user, pass string) Option {
	return func(c *inProcessConfig) { c.user, c.pass = user, pass }
}

// WithoutReferrers makes the registry answer 404 to the referrers API, like
// Distribution 2.8, so clients must fall back to the sha256-<hex> tag scheme.
func WithoutReferrers() Option {
	return func(c *inProcessConfig) { c.referrers = false }
}

// WithRegistryOptions passes options straight to go-containerregistry's
// registry.New, after the ones InProcess sets (so they win).
func WithRegistryOptions(opts ...registry.Option) Option {
	return func(c *inProcessConfig) { c.extra = append(c.extra, opts...) }
}

// InProcess starts go-containerregistry's in-memory registry on a loopback
// httptest server that is closed when the test ends, and returns its host:port.
// The referrers API is on unless WithoutReferrers is given.
//
// Blobs live in memory: use Real for anything large.
func InProcess(t testing.TB, opts ...Option) string {
	t.Helper()
	cfg := inProcessConfig{referrers: true}
	for _, o := range opts {
		o(&cfg)
	}
	regOpts := append([]registry.Option{
		// registry.New logs every request to stderr by default; a nil logger panics.
		registry.Logger(log.New(io.Discard, "", 0)),
		registry.WithReferrersSupport(cfg.referrers),
	}, cfg.extra...)
	var h http.Handler = registry.New(regOpts...)
	if cfg.user != "" || cfg.pass != "" {
		h = basicAuth(h, cfg.user, cfg.pass)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func basicAuth(next http.Handler, user, pass string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
