package sigstoretest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-openapi/runtime"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	_ "github.com/sigstore/rekor/pkg/types/dsse/v0.0.1" // the entry kind keyless DSSE signing logs
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// Servers are a fake Fulcio and a fake Rekor (v1 API) backed by a Sigstore:
// Fulcio issues a short-lived certificate for the key it is sent, naming
// the identity the OIDC token claims (unverified: a test has no identity
// provider), and Rekor logs the entry and signs its timestamp and
// inclusion, as the real ones do.
type Servers struct {
	// FulcioURL and RekorURL are the servers' base URLs.
	FulcioURL, RekorURL string
	// Token, when set, is the only OIDC token Fulcio accepts.
	Token string

	mu sync.Mutex
	// Requests counts what each server was asked.
	Requests map[string]int
}

// Serve starts the fake servers; close them with the returned function.
func (s *Sigstore) Serve(token string) (*Servers, func()) {
	srv := &Servers{Token: token, Requests: map[string]int{}}
	fulcio := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.count("fulcio")
		s.fulcioSign(srv, w, r)
	}))
	rekor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.count("rekor")
		s.rekorAdd(w, r)
	}))
	srv.FulcioURL, srv.RekorURL = fulcio.URL, rekor.URL
	return srv, func() { fulcio.Close(); rekor.Close() }
}

func (srv *Servers) count(what string) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.Requests[what]++
}

// Identity is what Fulcio puts in a certificate for claims: GitHub's
// workflow URL (job_workflow_ref), else the email, else the subject.
func Identity(claims map[string]any) string {
	if ref, ok := claims["job_workflow_ref"].(string); ok {
		return "https://github.com/" + ref
	}
	if e, ok := claims["email"].(string); ok {
		return e
	}
	sub, _ := claims["sub"].(string)
	return sub
}

// JWT is an OIDC token with claims, ES256-signed by a key made for it: well
// formed for clients that parse it (cosign does), trusted by nobody (the
// fake Fulcio does not check signatures).
func JWT(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString([]byte(`{"alg":"ES256","typ":"JWT"}`)) + "." + enc.EncodeToString(b)
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256([]byte(signed))
	r, sv, err := ecdsa.Sign(rand.Reader, k, sum[:])
	if err != nil {
		panic(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return signed + "." + enc.EncodeToString(sig)
}

func (s *Sigstore) fulcioSign(srv *Servers, w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/signingCert" {
		http.NotFound(w, r)
		return
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if srv.Token != "" && token != srv.Token {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	parts := strings.Split(token, ".")
	var claims map[string]any
	if len(parts) != 3 {
		http.Error(w, "not a JWT", http.StatusBadRequest)
		return
	}
	if raw, err := base64.RawURLEncoding.DecodeString(parts[1]); err != nil || json.Unmarshal(raw, &claims) != nil {
		http.Error(w, "not a JWT", http.StatusBadRequest)
		return
	}
	var req struct {
		PublicKeyRequest struct {
			PublicKey struct {
				Content string `json:"content"`
			} `json:"publicKey"`
		} `json:"publicKeyRequest"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey([]byte(req.PublicKeyRequest.PublicKey.Content))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	issuer, _ := claims["iss"].(string)
	leaf, err := s.issue(Identity(claims), issuer, pub)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	chain := []string{pemCert(leaf), pemCert(s.fulcio.Intermediates[0]), pemCert(s.fulcio.Root)}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": chain}}})
}

// issue makes a ten-minute code-signing certificate for pub, naming
// identity (a URI, or an email) and issuer as Fulcio does.
func (s *Sigstore) issue(identity, issuer string, pub crypto.PublicKey) (*x509.Certificate, error) {
	issuerV2, err := asn1.Marshal(issuer)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(10 * time.Minute),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: []pkix.Extension{
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}, Value: []byte(issuer)}, // OIDC issuer (v1)
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}, Value: issuerV2},       // OIDC issuer (v2)
		},
	}
	if u, err := url.Parse(identity); err == nil && u.Scheme != "" && u.Host != "" {
		tmpl.URIs = []*url.URL{u}
	} else {
		tmpl.EmailAddresses = []string{identity}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.fulcio.Intermediates[0], pub, s.fulcioKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func pemCert(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// rekorAdd logs one proposed entry: it canonicalizes it as Rekor does and
// returns it with a signed entry timestamp and an inclusion proof.
func (s *Sigstore) rekorAdd(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/log/entries" {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	anon, uuid, err := s.logEntry(r.Context(), body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", uuid)
	w.Header().Set("Location", "/api/v1/log/entries/"+uuid)
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(models.LogEntry{uuid: anon})
}

func (s *Sigstore) logEntry(ctx context.Context, body []byte) (models.LogEntryAnon, string, error) {
	pe, err := models.UnmarshalProposedEntry(bytes.NewReader(body), runtime.JSONConsumer())
	if err != nil {
		return models.LogEntryAnon{}, "", err
	}
	entry, err := types.UnmarshalEntry(pe)
	if err != nil {
		return models.LogEntryAnon{}, "", err
	}
	canonical, err := types.CanonicalizeEntry(ctx, entry)
	if err != nil {
		return models.LogEntryAnon{}, "", err
	}
	logID, err := s.RekorLogID()
	if err != nil {
		return models.LogEntryAnon{}, "", err
	}
	now, index := time.Now().Unix(), int64(0)
	b64 := base64.StdEncoding.EncodeToString(canonical)
	set, err := s.RekorSignPayload(tlog.RekorPayload{Body: b64, IntegratedTime: now, LogIndex: index, LogID: logID})
	if err != nil {
		return models.LogEntryAnon{}, "", err
	}
	proof, err := s.GetInclusionProof(canonical)
	if err != nil {
		return models.LogEntryAnon{}, "", err
	}
	leaf := sha256.Sum256(append([]byte{0}, canonical...))
	return models.LogEntryAnon{
		Body: b64, IntegratedTime: &now, LogID: &logID, LogIndex: &index,
		Verification: &models.LogEntryAnonVerification{InclusionProof: proof, SignedEntryTimestamp: set},
	}, hex.EncodeToString(leaf[:]), nil
}
