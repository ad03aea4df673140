// Package sigstoretest is a Sigstore instance for tests: sigstore-go's
// virtual Sigstore (a Fulcio CA, a Rekor log and a timestamp authority made
// in memory), whose keyless attestations come out as Sigstore bundles and
// whose trusted root can be written to a file for --trusted-root.
package sigstoretest

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"os"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"google.golang.org/protobuf/proto"
)

// Sigstore is one virtual Sigstore instance.
type Sigstore struct {
	*ca.VirtualSigstore
	// fulcio is the CA the fake Fulcio server (Serve) issues from; the
	// virtual Sigstore's own keeps its key to itself.
	fulcio *root.FulcioCertificateAuthority
	// fulcioKey signs the fake Fulcio's certificates.
	fulcioKey crypto.Signer
}

// New makes a virtual Sigstore.
func New() (*Sigstore, error) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		return nil, err
	}
	rootCert, rootKey, err := ca.GenerateRootCa()
	if err != nil {
		return nil, err
	}
	inter, interKey, err := ca.GenerateFulcioIntermediate(rootCert, rootKey)
	if err != nil {
		return nil, err
	}
	fulcio := &root.FulcioCertificateAuthority{Root: rootCert, Intermediates: []*x509.Certificate{inter}}
	return &Sigstore{VirtualSigstore: vs, fulcio: fulcio, fulcioKey: interKey}, nil
}

// TrustedRootJSON is the instance's trusted root, as a trusted_root.json.
func (s *Sigstore) TrustedRootJSON() ([]byte, error) {
	// The virtual logs' IDs are their hex key IDs as bytes; a trusted root
	// file carries the raw key ID, which sigstore-go hex-encodes on reading.
	fix := func(logs map[string]*root.TransparencyLog) (map[string]*root.TransparencyLog, error) {
		out := map[string]*root.TransparencyLog{}
		for k, l := range logs {
			c := *l
			id, err := hex.DecodeString(string(l.ID))
			if err != nil {
				return nil, err
			}
			c.ID = id
			out[k] = &c
		}
		return out, nil
	}
	rekor, err := fix(s.RekorLogs())
	if err != nil {
		return nil, err
	}
	ct, err := fix(s.CTLogs())
	if err != nil {
		return nil, err
	}
	cas := append(s.FulcioCertificateAuthorities(), s.fulcio)
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, cas, ct, s.TimestampingAuthorities(), rekor)
	if err != nil {
		return nil, err
	}
	return tr.MarshalJSON()
}

// WriteTrustedRoot writes TrustedRootJSON to path.
func (s *Sigstore) WriteTrustedRoot(path string) error {
	raw, err := s.TrustedRootJSON()
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o644)
}

// Options vary an attestation from the valid one Attest makes by default.
type Options struct {
	// LoggedAt is when Rekor says it logged the signature; zero is within
	// the certificate's validity. A time past it makes an expired certificate.
	LoggedAt time.Time
	// NoTlog leaves the transparency-log entry out of the bundle.
	NoTlog bool
}

// Attest signs payload (an in-toto statement) keyless as identity from
// issuer, and returns it as a Sigstore bundle v0.3, the form cosign v3 and
// Slipway write.
func (s *Sigstore) Attest(identity, issuer string, payload []byte, o Options) (*protobundle.Bundle, error) {
	at := o.LoggedAt
	if at.IsZero() {
		at = time.Now().Add(5 * time.Minute) // what the virtual CA's own Attest uses
	}
	e, err := s.AttestAtTime(identity, issuer, payload, at, true)
	if err != nil {
		return nil, err
	}
	vc, err := e.VerificationContent()
	if err != nil {
		return nil, err
	}
	entries, err := e.TlogEntries()
	if err != nil {
		return nil, err
	}
	sig, err := base64.StdEncoding.DecodeString(mustEnvelopeSig(e))
	if err != nil {
		return nil, err
	}
	b := &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: vc.Certificate().Raw}},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			PayloadType: "application/vnd.in-toto+json", Payload: payload,
			Signatures: []*protodsse.Signature{{Sig: sig}},
		}},
	}
	if o.NoTlog {
		return b, nil
	}
	for _, entry := range entries {
		tle := proto.Clone(entry.TransparencyLogEntry()).(*protorekor.TransparencyLogEntry)
		tle.KindVersion = &protorekor.KindVersion{Kind: "dsse", Version: "0.0.1"}
		set, err := s.RekorSignPayload(tlog.RekorPayload{
			Body:           base64.StdEncoding.EncodeToString(tle.GetCanonicalizedBody()),
			IntegratedTime: tle.GetIntegratedTime(),
			LogIndex:       tle.GetLogIndex(),
			LogID:          hex.EncodeToString(tle.GetLogId().GetKeyId()),
		})
		if err != nil {
			return nil, err
		}
		tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
		b.VerificationMaterial.TlogEntries = append(b.VerificationMaterial.TlogEntries, tle)
	}
	return b, nil
}

func mustEnvelopeSig(e *ca.TestEntity) string {
	sc, err := e.SignatureContent()
	if err != nil || sc.EnvelopeContent() == nil {
		return ""
	}
	env := sc.EnvelopeContent().RawEnvelope()
	if len(env.Signatures) == 0 {
		return ""
	}
	return env.Signatures[0].Sig
}
