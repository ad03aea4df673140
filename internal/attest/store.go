package attest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// maxEnvelope and maxManifest bound what Find reads from a store: anyone
// who can push can attach a referrer, so its sizes are not to be trusted.
const (
	maxEnvelope = 4 << 20
	maxManifest = 4 << 20
)

// Attach stores env as a referrer of subject (see ArtifactType for the
// form) and returns the descriptor of the manifest it wrote. Annotations are
// added to the manifest's; a given AnnotationCreated replaces the current time.
func Attach(ctx context.Context, store oci.Store, subject v1.Descriptor, env *Envelope, annotations map[string]string) (v1.Descriptor, error) {
	if env == nil {
		return v1.Descriptor{}, fault.Usagef("attaching an attestation: no envelope")
	}
	if subject.Digest.Hex == "" || subject.MediaType == "" {
		return v1.Descriptor{}, fault.Usagef("attaching an attestation: the subject descriptor needs a digest and a media type")
	}
	payload, err := decodeB64(env.Payload)
	if err != nil {
		return v1.Descriptor{}, fault.Usagef("attaching an attestation: payload is not base64: %w", err)
	}
	st, err := parseStatement(payload)
	if err != nil {
		return v1.Descriptor{}, fault.Usagef("attaching an attestation: %w", err)
	}
	if !st.About(subject.Digest) {
		return v1.Descriptor{}, fault.Usagef("attaching an attestation about %s to %s: the statement is about another artifact", subjectDigests(st), subject.Digest)
	}
	raw, err := json.Marshal(env)
	if err != nil {
		return v1.Descriptor{}, err
	}
	if len(raw) > maxEnvelope {
		return v1.Descriptor{}, fault.Usagef("attestation envelope is %d bytes; the limit is %d", len(raw), maxEnvelope)
	}
	img, desc, err := newArtifact(subject, raw, st.PredicateType, annotations)
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := store.WriteImage(ctx, img, ""); err != nil {
		return v1.Descriptor{}, fmt.Errorf("attaching %s attestation to %s in %s: %w", st.PredicateType, subject.Digest, store.Ref(), err)
	}
	return desc, nil
}

// Found is an attestation manifest found by Find. Nothing in it is
// verified: pass Envelope to VerifyFor.
type Found struct {
	// Descriptor is the attestation manifest's, with its annotations.
	Descriptor v1.Descriptor
	// Created is when it was attached, as whoever attached it says; zero if
	// it does not say.
	Created time.Time
	// PredicateType is the predicate type the manifest or payload claims.
	PredicateType string
	// Envelope is the DSSE envelope; nil when Err is set.
	Envelope *Envelope
	// Bundle is the Sigstore bundle holding Envelope, for attestations
	// stored as bundles (cosign v3's form); nil for bare envelopes.
	Bundle *Bundle
	// Err says why a referrer that is an attestation could not be read (a
	// missing or oversized blob, corrupt JSON, a subject that differs).
	Err error
}

// Find lists the attestations attached to subject in store (its referrers,
// and cosign v2's sha256-<hex>.att tag), newest first
// by their unsigned created annotation: an order for listings, never for
// choosing one (Check and Newest do that, by the signed time).
// An empty predicateType finds every kind. Only listing the referrers, or a
// cancelled ctx, fails Find; an attestation that cannot be read is returned
// with its Err set, so one bad referrer never hides good ones.
func Find(ctx context.Context, store oci.Store, subject v1.Hash, predicateType string) ([]Found, error) {
	descs, err := store.Referrers(ctx, subject)
	if errors.Is(err, oci.ErrNotFound) {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing attestations of %s in %s: %w", subject, store.Ref(), err)
	}
	var out []Found
	seen := map[v1.Hash]bool{}
	for _, d := range descs {
		if seen[d.Digest] || !candidate(d, predicateType) {
			continue
		}
		seen[d.Digest] = true
		f, ok := load(ctx, store, subject, d)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if ok && (predicateType == "" || f.PredicateType == predicateType || (f.Err != nil && f.PredicateType == "")) {
			out = append(out, f)
		}
	}
	v2, err := findCosignV2(ctx, store, subject, predicateType)
	if err != nil {
		return nil, err
	}
	out = append(out, v2...)
	slices.SortStableFunc(out, func(a, b Found) int {
		return cmp.Or(b.Created.Compare(a.Created), strings.Compare(a.Descriptor.Digest.String(), b.Descriptor.Digest.String()))
	})
	return out, nil
}

// candidate reports whether a referrer may be an attestation of
// predicateType, from what its descriptor says. A descriptor's artifactType
// may be missing, or be the config media type (go-containerregistry's
// registry reports that), so those are fetched and looked at.
func candidate(d v1.Descriptor, predicateType string) bool {
	switch d.ArtifactType {
	case ArtifactType, EnvelopeMediaType, BundleMediaType, "", "application/vnd.oci.empty.v1+json":
	default:
		return false
	}
	pt, ok := d.Annotations[AnnotationPredicateType]
	if !ok {
		pt, ok = d.Annotations[annotationBundlePredicateType]
	}
	return !ok || predicateType == "" || pt == predicateType
}

// load reads the manifest d and its envelope; ok is false when d turns out
// not to be an attestation.
func load(ctx context.Context, store oci.Store, subject v1.Hash, d v1.Descriptor) (f Found, ok bool) {
	f = Found{Descriptor: d, PredicateType: d.Annotations[AnnotationPredicateType]}
	fail := func(format string, args ...any) (Found, bool) {
		f.Err = fault.Runtimef("attestation %s: "+format, append([]any{d.Digest}, args...)...)
		return f, true
	}
	raw, err := readManifest(ctx, store, d)
	if err != nil {
		return fail("%w", err)
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return Found{}, false
	}
	if m.ArtifactType == BundleMediaType {
		return loadBundle(ctx, store, subject, d, raw, m)
	}
	layer := slices.IndexFunc(m.Layers, func(l v1.Descriptor) bool { return l.MediaType == EnvelopeMediaType })
	if (m.ArtifactType != ArtifactType && m.ArtifactType != EnvelopeMediaType) || layer < 0 {
		return Found{}, false
	}
	f.Descriptor = v1.Descriptor{MediaType: cmp.Or(m.MediaType, d.MediaType), Digest: d.Digest, Size: int64(len(raw)), ArtifactType: m.ArtifactType, Annotations: m.Annotations}
	f.PredicateType = cmp.Or(m.Annotations[AnnotationPredicateType], m.Layers[layer].Annotations[layerAnnotationPredicateType])
	f.Created, _ = time.Parse(time.RFC3339Nano, m.Annotations[AnnotationCreated])
	if m.Subject == nil || m.Subject.Digest != subject {
		return fail("is listed as a referrer of %s, but its subject is another artifact", subject)
	}
	env, err := readEnvelope(ctx, store, m.Layers[layer])
	if err != nil {
		return fail("%w", err)
	}
	f.Envelope = env
	if f.PredicateType == "" {
		f.PredicateType = peekPredicateType(env)
	}
	return f, true
}

// loadBundle reads a Sigstore bundle referrer (cosign v3's form).
func loadBundle(ctx context.Context, store oci.Store, subject v1.Hash, d v1.Descriptor, raw []byte, m v1.Manifest) (Found, bool) {
	f := Found{Descriptor: v1.Descriptor{MediaType: cmp.Or(m.MediaType, d.MediaType), Digest: d.Digest, Size: int64(len(raw)), ArtifactType: m.ArtifactType, Annotations: m.Annotations}}
	f.PredicateType = cmp.Or(m.Annotations[AnnotationPredicateType], m.Annotations[annotationBundlePredicateType])
	f.Created, _ = time.Parse(time.RFC3339Nano, m.Annotations[AnnotationCreated])
	fail := func(format string, args ...any) (Found, bool) {
		f.Err = fault.Runtimef("attestation %s: "+format, append([]any{d.Digest}, args...)...)
		return f, true
	}
	layer := slices.IndexFunc(m.Layers, func(l v1.Descriptor) bool {
		return strings.HasPrefix(string(l.MediaType), "application/vnd.dev.sigstore.bundle")
	})
	if layer < 0 {
		return Found{}, false
	}
	if m.Subject == nil || m.Subject.Digest != subject {
		return fail("is listed as a referrer of %s, but its subject is another artifact", subject)
	}
	body, err := readBlob(ctx, store, m.Layers[layer])
	if err != nil {
		return fail("%w", err)
	}
	b, err := parseBundle(body)
	if err != nil {
		return fail("%w", err)
	}
	f.Bundle, f.Envelope = b, envelopeOf(b.GetDsseEnvelope())
	if f.PredicateType == "" {
		f.PredicateType = peekPredicateType(f.Envelope)
	}
	return f, true
}

// readManifest reads the manifest d names, bounded in size and checked
// against its digest: an attestation's store is anyone's to write.
func readManifest(ctx context.Context, store oci.Store, d v1.Descriptor) ([]byte, error) {
	if d.Size > maxManifest {
		return nil, fmt.Errorf("manifest is %d bytes; the limit is %d", d.Size, maxManifest)
	}
	raw, err := store.Manifest(ctx, d.Digest)
	if err != nil {
		return nil, err
	}
	if h, _, err := v1.SHA256(bytes.NewReader(raw)); err != nil || h != d.Digest {
		return nil, errors.New("manifest content does not match its digest")
	}
	return raw, nil
}

func readBlob(ctx context.Context, store oci.Store, d v1.Descriptor) ([]byte, error) {
	if d.Size > maxEnvelope {
		return nil, fmt.Errorf("attestation blob is %d bytes; the limit is %d", d.Size, maxEnvelope)
	}
	r, err := oci.OpenVerified(ctx, store, d)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// AttachBundle stores b as an OCI 1.1 referrer of subject, as cosign v3
// does: artifactType and layer BundleMediaType, an empty config, and the
// dev.sigstore.bundle.* annotations.
func AttachBundle(ctx context.Context, store oci.Store, subject v1.Descriptor, b *Bundle, annotations map[string]string) (v1.Descriptor, error) {
	st, err := parseStatement(b.GetDsseEnvelope().GetPayload())
	if err != nil {
		return v1.Descriptor{}, fault.Usagef("attaching an attestation: %w", err)
	}
	if !st.About(subject.Digest) {
		return v1.Descriptor{}, fault.Usagef("attaching an attestation about %s to %s: the statement is about another artifact", subjectDigests(st), subject.Digest)
	}
	raw, err := marshalBundle(b)
	if err != nil {
		return v1.Descriptor{}, err
	}
	anns := map[string]string{AnnotationCreated: time.Now().UTC().Format(time.RFC3339)}
	maps.Copy(anns, annotations)
	anns["dev.sigstore.bundle.content"] = "dsse-envelope"
	anns[annotationBundlePredicateType] = st.PredicateType
	anns[AnnotationPredicateType] = st.PredicateType
	art, err := oci.Artifact{
		ArtifactType: BundleMediaType,
		Layers:       []oci.Blob{{MediaType: BundleMediaType, Data: raw}},
		Subject:      &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations:  anns,
	}.Build()
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := store.WriteImage(ctx, art.Image, ""); err != nil {
		return v1.Descriptor{}, fmt.Errorf("attaching %s bundle to %s in %s: %w", st.PredicateType, subject.Digest, store.Ref(), err)
	}
	return art.Descriptor, nil
}

func readEnvelope(ctx context.Context, store oci.Store, d v1.Descriptor) (*Envelope, error) {
	if d.Size > maxEnvelope {
		return nil, fmt.Errorf("envelope is %d bytes; the limit is %d", d.Size, maxEnvelope)
	}
	r, err := oci.OpenVerified(ctx, store, d)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	raw, err := io.ReadAll(r) // the verified reader stops past d.Size
	if err != nil {
		return nil, err
	}
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("envelope is not DSSE JSON: %w", err)
	}
	return &env, nil
}

// peekPredicateType reads the predicate type from an unverified payload,
// for attestations written by tools that do not annotate it.
func peekPredicateType(env *Envelope) string {
	payload, err := decodeB64(env.Payload)
	if err != nil {
		return ""
	}
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	_ = json.Unmarshal(payload, &st)
	return st.PredicateType
}

// FindVerified returns the newest attestation of predicateType about
// subject that verifier's key signed, newest by the time inside the signed
// statement (Newest). When none counts, the fault.Denied error says what
// was found and why each one failed.
func FindVerified(ctx context.Context, store oci.Store, subject v1.Hash, predicateType string, verifier *Verifier) (Statement, Found, error) {
	found, err := Find(ctx, store, subject, predicateType)
	if err != nil {
		return Statement{}, Found{}, err
	}
	if len(found) == 0 {
		return Statement{}, Found{}, fault.Deniedf("no %s attestation is attached to %s", predicateType, subject)
	}
	checked := make([]Checked, len(found))
	for i, f := range found {
		checked[i] = Check(f, subject, predicateType, verifier)
	}
	if best := Newest(checked); best >= 0 {
		return checked[best].Statement, checked[best].Found, nil
	}
	return Statement{}, Found{}, fault.Deniedf("none of the %d %s attestations of %s verifies with %s: %s",
		len(found), predicateType, subject, verifier.Name(), strings.Join(Reasons(checked), "; "))
}
