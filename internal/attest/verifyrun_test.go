package attest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// subject is a stand-in model tagged 1.0.0 in a fresh registry repository.
type subject struct {
	ref   string // repo:1.0.0
	repo  string
	store oci.Store
	desc  v1.Descriptor
}

func newSubject(t *testing.T) subject {
	t.Helper()
	ctx := context.Background()
	repo := registrytest.InProcess(t) + "/acme/iris"
	ref, err := oci.ParseRef(repo, false)
	require.NoError(t, err)
	store := oci.Client{}.Open(ref)
	img, err := random.Image(256, 1)
	require.NoError(t, err)
	require.NoError(t, store.WriteImage(ctx, img, "1.0.0"))
	desc, err := store.Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	return subject{ref: repo + ":1.0.0", repo: repo, store: store, desc: desc}
}

// keygen writes a key pair and returns the private and public files.
func keygen(t *testing.T, name string) (priv, pub string) {
	t.Helper()
	dir := t.TempDir()
	priv, pub = filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pub")
	_, err := attest.Keygen(context.Background(), attest.KeygenRequest{Private: priv, Public: pub})
	require.NoError(t, err)
	return priv, pub
}

// attach signs predicate (with no key: leaves it unsigned), lets tamper
// change the envelope, and attaches it at created.
func (s subject) attach(t *testing.T, key, predicateType string, predicate any, created time.Time, tamper func(*attest.Envelope)) v1.Hash {
	t.Helper()
	stmt := attest.NewStatement("iris", s.desc.Digest, predicateType, predicate)
	env, err := attest.Unsigned(stmt)
	if key != "" {
		signer, lerr := attest.LoadPrivateKey(key)
		require.NoError(t, lerr)
		env, err = attest.Sign(stmt, signer)
	}
	require.NoError(t, err)
	if tamper != nil {
		tamper(env)
	}
	d, err := attest.Attach(context.Background(), s.store, s.desc, env, map[string]string{attest.AnnotationCreated: created.Format(time.RFC3339)})
	require.NoError(t, err)
	return d.Digest
}

var decided = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func gatePredicate(decision string) map[string]any {
	return map[string]any{"decision": decision, "time": decided, "metricValues": map[string]any{"accuracy": 0.93}}
}

func TestVerifyAttestation(t *testing.T) {
	ctx := context.Background()
	priv, pub := keygen(t, "gate")
	otherPriv, otherPub := keygen(t, "other")

	t.Run("verified gate verdict", func(t *testing.T) {
		s := newSubject(t)
		att := s.attach(t, priv, attest.PredicateGate, gatePredicate("pass"), decided, nil)
		res, err := attest.VerifyAttestation(ctx, attest.VerifyRequest{Reference: s.ref, Key: pub})
		require.NoError(t, err, "VerifyAttestation(%s)", s.ref)
		assert.Equal(t, s.repo+"@"+s.desc.Digest.String(), res.Reference)
		assert.Equal(t, att.String(), res.Attestation)
		assert.Equal(t, attest.PredicateGate, res.PredicateType)
		require.NotNil(t, res.Gate)
		assert.Equal(t, "pass", res.Gate.Decision)
		assert.True(t, decided.Equal(res.Gate.Time), "time %v", res.Gate.Time)

		// The JSON the actions parse keeps its keys.
		b, err := json.Marshal(res)
		require.NoError(t, err)
		var doc map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(b, &doc))
		for _, k := range []string{"reference", "attestation", "keyid", "predicateType", "predicate"} {
			assert.Contains(t, doc, k, "JSON key %s in %s", k, b)
		}
		var pred map[string]any
		require.NoError(t, json.Unmarshal(doc["predicate"], &pred))
		assert.Equal(t, "pass", pred["decision"])
	})

	t.Run("the newest signed by the key wins", func(t *testing.T) {
		s := newSubject(t)
		older := s.attach(t, priv, attest.PredicateGate, gatePredicate("warn"), decided, nil)
		s.attach(t, otherPriv, attest.PredicateGate, gatePredicate("pass"), decided.Add(time.Hour), nil)
		res, err := attest.VerifyAttestation(ctx, attest.VerifyRequest{Reference: s.ref, Key: pub})
		require.NoError(t, err)
		assert.Equal(t, older.String(), res.Attestation)
		assert.Equal(t, "warn", res.Gate.Decision)
	})

	// Issue 10, finding 4: an old signed pass, replayed with a created
	// annotation in the future, must not outrank the newer signed fail;
	// nor may an unsigned pass newer by every measure.
	t.Run("a replayed old pass does not outrank the newest signed verdict", func(t *testing.T) {
		s := newSubject(t)
		oldPass := map[string]any{"decision": "pass", "time": decided}
		s.attach(t, priv, attest.PredicateGate, oldPass, decided, nil)
		fail := s.attach(t, priv, attest.PredicateGate, map[string]any{"decision": "fail", "time": decided.Add(24 * time.Hour)}, decided.Add(24*time.Hour), nil)
		s.attach(t, priv, attest.PredicateGate, oldPass, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), nil)
		s.attach(t, "", attest.PredicateGate, map[string]any{"decision": "pass", "time": decided.Add(48 * time.Hour)}, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), nil)
		res, err := attest.VerifyAttestation(ctx, attest.VerifyRequest{Reference: s.ref, Key: pub})
		require.NoError(t, err)
		assert.Equal(t, fail.String(), res.Attestation, "the newest signed verdict")
		assert.Equal(t, "fail", res.Gate.Decision)
	})

	t.Run("another predicate type is not read as a verdict", func(t *testing.T) {
		s := newSubject(t)
		const other = "https://example.com/review/v1"
		s.attach(t, priv, other, map[string]any{"reviewer": "ana"}, decided, nil)
		res, err := attest.VerifyAttestation(ctx, attest.VerifyRequest{Reference: s.ref, Key: pub, PredicateType: other})
		require.NoError(t, err)
		assert.Nil(t, res.Gate)
		assert.JSONEq(t, `{"reviewer": "ana"}`, string(res.Predicate))
	})

	denied := []struct {
		name  string
		setup func(t *testing.T, s subject)
		want  []string
	}{
		{"none attached", func(t *testing.T, s subject) {}, []string{"no " + attest.PredicateGate + " attestation is attached"}},
		{"unsigned", func(t *testing.T, s subject) {
			s.attach(t, "", attest.PredicateGate, gatePredicate("pass"), decided, nil)
		}, []string{"verifies with key"}},
		{"another key", func(t *testing.T, s subject) {
			s.attach(t, otherPriv, attest.PredicateGate, gatePredicate("pass"), decided, nil)
		}, []string{"verifies with key"}},
		{"tampered", func(t *testing.T, s subject) {
			s.attach(t, priv, attest.PredicateGate, gatePredicate("fail"), decided, func(env *attest.Envelope) {
				raw, err := base64.StdEncoding.DecodeString(env.Payload)
				require.NoError(t, err)
				env.Payload = base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(raw), `"fail"`, `"pass"`, 1)))
			})
		}, []string{"verifies with key"}},
	}
	for _, tt := range denied {
		t.Run(tt.name, func(t *testing.T) {
			s := newSubject(t)
			tt.setup(t, s)
			res, err := attest.VerifyAttestation(ctx, attest.VerifyRequest{Reference: s.ref, Key: pub})
			require.Error(t, err, "VerifyAttestation returned %+v", res)
			assert.Equal(t, fault.Denied, fault.KindOf(err), "kind of %v", err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}

	t.Run("a malformed verdict is an error naming the attestation", func(t *testing.T) {
		for name, predicate := range map[string]any{
			"decision not a string": map[string]any{"decision": 3},
			"bad time":              map[string]any{"decision": "pass", "time": "yesterday"},
			"no decision":           map[string]any{"metricValues": map[string]any{}},
			// A predicate that is not an object is refused by in-toto's
			// Statement validation already, when signing and when reading
			// (TestSignRefusesInvalidStatements, TestParseValidatesInToto).
		} {
			t.Run(name, func(t *testing.T) {
				s := newSubject(t)
				att := s.attach(t, priv, attest.PredicateGate, predicate, decided, nil)
				_, err := attest.VerifyAttestation(ctx, attest.VerifyRequest{Reference: s.ref, Key: pub})
				require.Error(t, err)
				assert.Equal(t, fault.Denied, fault.KindOf(err), "kind of %v", err)
				assert.Contains(t, err.Error(), att.String())
				assert.Contains(t, err.Error(), "malformed")
			})
		}
	})

	usage := []struct {
		name string
		req  func(s subject) attest.VerifyRequest
		want string
	}{
		{"no key", func(s subject) attest.VerifyRequest { return attest.VerifyRequest{Reference: s.ref} }, "--key is required"},
		{"missing key file", func(s subject) attest.VerifyRequest {
			return attest.VerifyRequest{Reference: s.ref, Key: filepath.Join(t.TempDir(), "missing.pub")}
		}, "missing.pub"},
		{"no tag", func(s subject) attest.VerifyRequest { return attest.VerifyRequest{Reference: s.repo, Key: otherPub} }, "give a tag or digest"},
		{"unknown tag", func(s subject) attest.VerifyRequest {
			return attest.VerifyRequest{Reference: s.repo + ":9.9.9", Key: otherPub}
		}, "9.9.9"},
	}
	for _, tt := range usage {
		t.Run(tt.name, func(t *testing.T) {
			s := newSubject(t)
			_, err := attest.VerifyAttestation(ctx, tt.req(s))
			require.Error(t, err)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestKeygen(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []string{"", "ed25519", "ecdsa-p256"} {
		t.Run("kind "+kind, func(t *testing.T) {
			dir := t.TempDir()
			priv, pub := filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub")
			res, err := attest.Keygen(ctx, attest.KeygenRequest{Kind: kind, Private: priv, Public: pub})
			require.NoError(t, err)
			want := kind
			if want == "" {
				want = "ed25519"
			}
			assert.Equal(t, want, res.Kind)
			assert.Equal(t, priv, res.Private)
			assert.Equal(t, pub, res.Public)
			signer, err := attest.LoadPrivateKey(priv)
			require.NoError(t, err)
			verifier, err := attest.LoadPublicKey(pub)
			require.NoError(t, err)
			assert.Equal(t, signer.KeyID(), res.KeyID)
			assert.Equal(t, verifier.KeyID(), res.KeyID)
			fi, err := os.Stat(priv)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "private key mode")

			b, err := json.Marshal(res)
			require.NoError(t, err)
			var doc map[string]any
			require.NoError(t, json.Unmarshal(b, &doc))
			keys := make([]string, 0, len(doc))
			for k := range doc {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			assert.Equal(t, []string{"keyid", "kind", "private", "public"}, keys)
		})
	}

	t.Run("refusals", func(t *testing.T) {
		dir := t.TempDir()
		_, err := attest.Keygen(ctx, attest.KeygenRequest{Kind: "rsa", Private: filepath.Join(dir, "a"), Public: filepath.Join(dir, "b")})
		require.Error(t, err)
		assert.Equal(t, fault.Usage, fault.KindOf(err))
		assert.Contains(t, err.Error(), `--kind "rsa"`)

		existing := filepath.Join(dir, "existing.key")
		require.NoError(t, os.WriteFile(existing, []byte("the only copy"), 0o600))
		_, err = attest.Keygen(ctx, attest.KeygenRequest{Private: existing, Public: filepath.Join(dir, "new.pub")})
		require.Error(t, err)
		assert.Equal(t, fault.Usage, fault.KindOf(err))
		b, err := os.ReadFile(existing)
		require.NoError(t, err)
		assert.Equal(t, "the only copy", string(b), "an existing key is never overwritten")
	})
}
