package attest

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// cosign v2 keeps a digest's attestations under one tag, sha256-<hex>.att:
// an OCI image manifest whose config is a plain image config and whose
// layers are DSSE envelopes (media type EnvelopeMediaType), one per
// attestation, each annotated (cosign's pkg/oci/static and
// pkg/cosign/attestation):
//
//	predicateType                       the statement's predicate type
//	dev.cosignproject.cosign/signature  "" (the signature is in the envelope)
//	dev.sigstore.cosign/certificate     keyless: the signing certificate (PEM)
//	dev.sigstore.cosign/chain           keyless: its chain (PEM), when known
//	dev.sigstore.cosign/bundle          the Rekor entry: SET and payload (JSON)
//
// A new attestation is appended to the layers already there, as cosign does.
const (
	cosignAnnotationPredicateType = "predicateType"
	cosignAnnotationSignature     = "dev.cosignproject.cosign/signature"
	cosignAnnotationCertificate   = "dev.sigstore.cosign/certificate"
	cosignAnnotationChain         = "dev.sigstore.cosign/chain"
	cosignAnnotationBundle        = "dev.sigstore.cosign/bundle"
)

// CosignV2Tag is the tag cosign v2 keeps digest's attestations under.
func CosignV2Tag(digest v1.Hash) string { return oci.CosignTag(digest, "att") }

// rekorBundle is cosign v2's dev.sigstore.cosign/bundle annotation.
type rekorBundle struct {
	SignedEntryTimestamp []byte `json:"SignedEntryTimestamp"`
	Payload              struct {
		Body           string `json:"body"`
		IntegratedTime int64  `json:"integratedTime"`
		LogIndex       int64  `json:"logIndex"`
		LogID          string `json:"logID"`
	} `json:"Payload"`
}

// AttachCosignV2 adds b's DSSE envelope, with its certificate and Rekor
// entry when keyless, to the sha256-<hex>.att tag of subject, the form
// cosign v2 writes and reads.
func AttachCosignV2(ctx context.Context, store oci.Store, subject v1.Descriptor, b *Bundle, keyID string) (v1.Descriptor, error) {
	env := envelopeOf(b.GetDsseEnvelope())
	for i := range env.Signatures {
		env.Signatures[i].KeyID = keyID
	}
	raw, err := json.Marshal(env)
	if len(b.GetVerificationMaterial().GetTlogEntries()) > 0 {
		// The layer must be the envelope exactly as it was logged: cosign
		// compares its digest with the one in the Rekor entry. sigstore-go
		// logged encoding/json of the protobuf envelope.
		raw, err = json.Marshal(b.GetDsseEnvelope())
	}
	if err != nil {
		return v1.Descriptor{}, err
	}
	st, err := parseStatement(b.GetDsseEnvelope().GetPayload())
	if err != nil {
		return v1.Descriptor{}, fault.Usagef("attaching an attestation: %w", err)
	}
	anns := map[string]string{cosignAnnotationPredicateType: st.PredicateType, cosignAnnotationSignature: ""}
	vm := b.GetVerificationMaterial()
	if c := vm.GetCertificate(); c != nil {
		anns[cosignAnnotationCertificate] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.GetRawBytes()}))
	}
	if tles := vm.GetTlogEntries(); len(tles) > 0 && tles[0].GetInclusionPromise() != nil {
		var rb rekorBundle
		tle := tles[0]
		rb.SignedEntryTimestamp = tle.GetInclusionPromise().GetSignedEntryTimestamp()
		rb.Payload.Body = base64.StdEncoding.EncodeToString(tle.GetCanonicalizedBody())
		rb.Payload.IntegratedTime, rb.Payload.LogIndex = tle.GetIntegratedTime(), tle.GetLogIndex()
		rb.Payload.LogID = hex.EncodeToString(tle.GetLogId().GetKeyId())
		j, err := json.Marshal(rb)
		if err != nil {
			return v1.Descriptor{}, err
		}
		anns[cosignAnnotationBundle] = string(j)
	}

	tag := CosignV2Tag(subject.Digest)
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	if d, err := store.Resolve(ctx, tag); err == nil {
		old, err := store.Image(ctx, d.Digest)
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("reading %s: %w", tag, err)
		}
		mf, err := old.Manifest()
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("reading %s: %w", tag, err)
		}
		layers, err := old.Layers()
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("reading %s: %w", tag, err)
		}
		for i, l := range layers {
			if i < len(mf.Layers) {
				img, err = mutate.Append(img, mutate.Addendum{Layer: l, Annotations: mf.Layers[i].Annotations, MediaType: mf.Layers[i].MediaType})
				if err != nil {
					return v1.Descriptor{}, err
				}
			}
		}
	} else if !errors.Is(err, oci.ErrNotFound) {
		return v1.Descriptor{}, fmt.Errorf("looking for %s in %s: %w", tag, store.Ref(), err)
	}
	img, err = mutate.Append(img, mutate.Addendum{Layer: static.NewLayer(raw, EnvelopeMediaType), Annotations: anns, MediaType: EnvelopeMediaType})
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := store.WriteImage(ctx, img, tag); err != nil {
		return v1.Descriptor{}, fmt.Errorf("writing %s attestation to %s:%s: %w", st.PredicateType, store.Ref(), tag, err)
	}
	return store.Resolve(ctx, tag)
}

// findCosignV2 reads the sha256-<hex>.att tag of subject: one Found per
// envelope layer of predicateType ("" any). A missing tag is none.
func findCosignV2(ctx context.Context, store oci.Store, subject v1.Hash, predicateType string) ([]Found, error) {
	tag := CosignV2Tag(subject)
	d, err := store.Resolve(ctx, tag)
	if errors.Is(err, oci.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking for %s in %s: %w", tag, store.Ref(), err)
	}
	fail := func(format string, args ...any) ([]Found, error) {
		return []Found{{Descriptor: d, Err: fault.Runtimef("attestation %s (%s): "+format, append([]any{d.Digest, tag}, args...)...)}}, nil
	}
	raw, err := readManifest(ctx, store, d)
	if err != nil {
		return fail("%v", err)
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fail("not a manifest: %v", err)
	}
	desc := v1.Descriptor{MediaType: m.MediaType, Digest: d.Digest, Size: int64(len(raw)), Annotations: m.Annotations}
	var out []Found
	for _, l := range m.Layers {
		if l.MediaType != EnvelopeMediaType {
			continue
		}
		pt := l.Annotations[cosignAnnotationPredicateType]
		if predicateType != "" && pt != "" && pt != predicateType {
			continue
		}
		f := Found{Descriptor: desc, PredicateType: pt}
		body, err := readBlob(ctx, store, l)
		if err == nil {
			f.Envelope, f.Bundle, err = cosignV2Layer(body, l.Annotations)
		}
		if err != nil {
			f.Err = fault.Runtimef("attestation %s (%s, layer %s): %v", d.Digest, tag, l.Digest, err)
		} else if f.PredicateType == "" {
			f.PredicateType = peekPredicateType(f.Envelope)
		}
		if f.Err == nil && predicateType != "" && f.PredicateType != predicateType {
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

// cosignV2Layer reads one .att layer: its envelope, and, when it carries a
// certificate (keyless), a Sigstore bundle v0.1 holding the envelope, the
// certificate and the Rekor entry, for sigstore-go to verify.
func cosignV2Layer(body []byte, anns map[string]string) (*Envelope, *Bundle, error) {
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, fmt.Errorf("envelope is not DSSE JSON: %w", err)
	}
	certPEM := anns[cosignAnnotationCertificate]
	if certPEM == "" {
		return &env, nil, nil
	}
	payload, err := decodeB64(env.Payload)
	if err != nil {
		return nil, nil, fmt.Errorf("envelope payload is not base64: %w", err)
	}
	if len(env.Signatures) != 1 {
		return nil, nil, fmt.Errorf("a keyless envelope has %d signatures, want 1", len(env.Signatures))
	}
	sig, err := decodeB64(env.Signatures[0].Sig)
	if err != nil {
		return nil, nil, fmt.Errorf("envelope signature is not base64: %w", err)
	}
	var chain []*protocommon.X509Certificate
	for _, p := range []string{certPEM, anns[cosignAnnotationChain]} {
		rest := []byte(p)
		for {
			var blk *pem.Block
			if blk, rest = pem.Decode(rest); blk == nil {
				break
			}
			if blk.Type == "CERTIFICATE" {
				chain = append(chain, &protocommon.X509Certificate{RawBytes: blk.Bytes})
			}
		}
	}
	if len(chain) == 0 {
		return nil, nil, errors.New("its certificate annotation holds no PEM certificate")
	}
	vm := &protobundle.VerificationMaterial{
		Content: &protobundle.VerificationMaterial_X509CertificateChain{X509CertificateChain: &protocommon.X509CertificateChain{Certificates: chain}},
	}
	if rb := anns[cosignAnnotationBundle]; rb != "" {
		tle, err := rekorEntry(rb)
		if err != nil {
			return nil, nil, err
		}
		vm.TlogEntries = []*protorekor.TransparencyLogEntry{tle}
	}
	b := &Bundle{
		MediaType:            "application/vnd.dev.sigstore.bundle+json;version=0.1",
		VerificationMaterial: vm,
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			PayloadType: env.PayloadType, Payload: payload, Signatures: []*protodsse.Signature{{Sig: sig}},
		}},
	}
	return &env, b, nil
}

// rekorEntry turns cosign v2's Rekor bundle annotation into a
// transparency-log entry with its inclusion promise.
func rekorEntry(annotation string) (*protorekor.TransparencyLogEntry, error) {
	var rb rekorBundle
	if err := json.Unmarshal([]byte(annotation), &rb); err != nil {
		return nil, fmt.Errorf("its Rekor bundle annotation is not JSON: %w", err)
	}
	body, err := base64.StdEncoding.DecodeString(rb.Payload.Body)
	if err != nil {
		return nil, fmt.Errorf("its Rekor entry body is not base64: %w", err)
	}
	logID, err := hex.DecodeString(rb.Payload.LogID)
	if err != nil {
		return nil, fmt.Errorf("its Rekor log ID is not hex: %w", err)
	}
	var kind struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal(body, &kind); err != nil || kind.Kind == "" {
		return nil, errors.New("its Rekor entry body names no kind")
	}
	return &protorekor.TransparencyLogEntry{
		LogIndex: rb.Payload.LogIndex, LogId: &protocommon.LogId{KeyId: logID},
		KindVersion:       &protorekor.KindVersion{Kind: kind.Kind, Version: kind.APIVersion},
		IntegratedTime:    rb.Payload.IntegratedTime,
		InclusionPromise:  &protorekor.InclusionPromise{SignedEntryTimestamp: rb.SignedEntryTimestamp},
		CanonicalizedBody: body,
	}, nil
}
