package promote

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// t0 is the tests' epoch; clocks advance from it.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is a settable clock for soak and freeze tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// registryStore opens a new repository in an in-process registry.
func registryStore(t *testing.T, opts ...registrytest.Option) oci.Store {
	t.Helper()
	return repoIn(t, registrytest.InProcess(t, opts...), "acme/iris")
}

func repoIn(t testing.TB, host, repo string) oci.Store {
	t.Helper()
	ref, err := oci.ParseRef(host+"/"+repo, false)
	require.NoError(t, err)
	return oci.Open(ref)
}

func layoutStore(t *testing.T) oci.Store {
	t.Helper()
	return oci.Open(oci.Ref{Layout: filepath.Join(t.TempDir(), "layout")})
}

// pushImage writes a small random image, with annotations, and returns its descriptor.
func pushImage(t testing.TB, store oci.Store, annotations map[string]string) v1.Descriptor {
	t.Helper()
	img, err := random.Image(512, 1)
	require.NoError(t, err)
	if annotations != nil {
		img = mutate.Annotations(img, annotations).(v1.Image)
	}
	require.NoError(t, store.WriteImage(context.Background(), img, ""))
	d, err := partial.Descriptor(img)
	require.NoError(t, err)
	return *d
}

type keys struct {
	signer   *attest.Signer
	verifier *attest.Verifier
}

func newKeys(t *testing.T) keys {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := attest.NewSigner(priv)
	require.NoError(t, err)
	return keys{signer: s, verifier: s.Verifier()}
}

// attachGate attaches a gate verdict about subject, signed by k (unsigned
// with nil), made at verdictTime, and returns the attestation's descriptor.
func attachGate(t *testing.T, store oci.Store, subject v1.Descriptor, decision policy.Decision, verdictTime time.Time, k *keys, annotations map[string]string) v1.Descriptor {
	t.Helper()
	v := gate.Verdict{Decision: decision, Model: gate.ModelRef{Name: "iris", Version: "1.0.0", Digest: subject.Digest.String()}, Time: verdictTime}
	st := attest.NewStatement("iris", subject.Digest, attest.PredicateGate, v)
	env, err := attest.Unsigned(st)
	if k != nil {
		env, err = attest.Sign(st, k.signer)
	}
	require.NoError(t, err)
	d, err := attest.Attach(context.Background(), store, subject, env, annotations)
	require.NoError(t, err)
	return d
}

// gated pushes an image and attaches a passing gate verdict signed by k.
func gated(t *testing.T, store oci.Store, k keys) v1.Descriptor {
	t.Helper()
	d := pushImage(t, store, nil)
	attachGate(t, store, d, policy.Pass, t0.Add(-time.Hour), &k, nil)
	return d
}

// fast keeps tests quick: a short settle, and the test's clock.
func fast(c *clock) []Option {
	return []Option{WithClock(c.Now), WithSettle(5*time.Millisecond, 50*time.Millisecond)}
}

func request(store oci.Store, d v1.Descriptor, env config.Environment, k *keys) Request {
	r := Request{Source: store, Digest: d.Digest, Env: env, Actor: "tester"}
	if k != nil {
		r.Verifier = k.verifier
	}
	return r
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}
