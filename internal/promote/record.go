package promote

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
)

// Media and artifact types of what promote writes.
const (
	// RecordArtifactType is the artifactType of a promotion record, a
	// referrer of the digest it promoted; its one layer is the Record JSON.
	RecordArtifactType = "application/vnd.slipway.promotion.v1+json"
	// HistoryArtifactType is the artifactType of an environment's history
	// head, tagged ENV-history; its layers are pages of records.
	HistoryArtifactType = "application/vnd.slipway.promotion.history.v1+json"
	// PageMediaType is a page of the history: {"records": [Record…]}.
	PageMediaType = "application/vnd.slipway.promotion.history.page.v1+json"

	// AnnotationModelDigest on an image names the model artifact it was
	// built from (slipway build sets it); the model's gate attestation then
	// counts for the image.
	AnnotationModelDigest = "dev.slipway.model.digest"
	// AnnotationModelReference, when an image has it, says where the model
	// lives (REPO@sha256:…), to find its attestations in another repository.
	AnnotationModelReference = "dev.slipway.model.reference"

	annotationEnv     = "dev.slipway.promotion.environment"
	annotationAction  = "dev.slipway.promotion.action"
	annotationCreated = "org.opencontainers.image.created"
)

// Action is what a record records.
type Action string

// The actions.
const (
	ActionPromote  Action = "promote"
	ActionRollback Action = "rollback"
)

// Record is one promotion or rollback: immutable once written, stored as a
// referrer of Digest and in the environment's history.
type Record struct {
	// ID is the digest of the record's manifest; set in histories, not in
	// the stored record itself (it cannot hold its own digest).
	ID          string `json:"id,omitempty"`
	Action      Action `json:"action"`
	Environment string `json:"environment"`
	// Repository is where the environment's tag is (REPO:ENV).
	Repository string `json:"repository"`
	Digest     string `json:"digest"`
	MediaType  string `json:"mediaType,omitempty"`
	// Previous is what the environment's tag named when the promotion was
	// decided; "" for the first.
	Previous string    `json:"previous,omitempty"`
	Name     string    `json:"name,omitempty"`
	Version  string    `json:"version,omitempty"`
	Actor    string    `json:"actor"`
	Time     time.Time `json:"time"`
	Reason   string    `json:"reason,omitempty"`
	// Forced is set when --force overrode refusals; Overridden lists them.
	Forced     bool     `json:"forced,omitempty"`
	Overridden []string `json:"overridden,omitempty"`
	// Source is the repository the artifact was copied from (--to).
	Source string       `json:"source,omitempty"`
	CI     ci.Job       `json:"ci"`
	Gate   *GateSummary `json:"gate,omitempty"`
}

// GateSummary is the gate verdict a promotion relied on.
type GateSummary struct {
	Decision policy.Decision `json:"decision"`
	// Time is the verdict's own (signed) time.
	Time time.Time `json:"time"`
	// Subject is the digest the attestation is about: the artifact, or the
	// model an image was built from.
	Subject string `json:"subject"`
	// Attestation is the digest of the attestation manifest.
	Attestation string `json:"attestation"`
	// KeyID is the key that verified it; "" when no key was given and the
	// attestation was read without checking any signature.
	KeyID    string `json:"keyId,omitempty"`
	Verified bool   `json:"verified"`
	Failures int    `json:"failures"`
	Warnings int    `json:"warnings"`
}

// Verdict is the short word history shows for the gate.
func (r Record) Verdict() string {
	switch {
	case r.Gate == nil:
		return "-"
	case !r.Gate.Verified:
		return string(r.Gate.Decision) + " (unverified)"
	}
	return string(r.Gate.Decision)
}

// writeRecord stores rec as a referrer of subject and returns rec with its ID.
func writeRecord(ctx context.Context, store oci.Store, subject v1.Descriptor, rec Record) (Record, error) {
	rec.ID = ""
	raw, err := json.Marshal(rec)
	if err != nil {
		return Record{}, err
	}
	a, err := buildArtifact(RecordArtifactType, []layer{newLayer(RecordArtifactType, raw, nil)},
		&v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		map[string]string{
			annotationCreated: rec.Time.UTC().Format(time.RFC3339Nano),
			annotationEnv:     rec.Environment,
			annotationAction:  string(rec.Action),
		})
	if err != nil {
		return Record{}, err
	}
	if err := store.WriteImage(ctx, a.img, ""); err != nil {
		return Record{}, fmt.Errorf("writing the %s record of %s in %s: %w", rec.Action, subject.Digest, store.Ref(), err)
	}
	rec.ID = a.desc.Digest.String()
	return rec, nil
}

// FindRecords lists the promotion records attached to digest in store,
// oldest first. Records that cannot be read are skipped: anyone who can
// push can attach a referrer, so these are what the registry holds, not
// evidence; the history is what promote itself reads.
func FindRecords(ctx context.Context, store oci.Store, digest v1.Hash) ([]Record, error) {
	descs, err := store.Referrers(ctx, digest)
	if err != nil {
		return nil, fmt.Errorf("listing the referrers of %s in %s: %w", digest, store.Ref(), err)
	}
	var out []Record
	for _, d := range descs {
		if d.ArtifactType != RecordArtifactType && d.ArtifactType != "" && d.ArtifactType != "application/vnd.oci.empty.v1+json" {
			continue
		}
		m, err := readManifest(ctx, store, d.Digest)
		if err != nil || m.ArtifactType != RecordArtifactType || len(m.Layers) != 1 {
			continue
		}
		var rec Record
		if err := readJSONBlob(ctx, store, m.Layers[0], maxRecord, &rec); err != nil {
			continue
		}
		rec.ID = d.Digest.String()
		out = append(out, rec)
	}
	sortOldestFirst(out)
	return out, nil
}

// maxRecord bounds a record blob (they are about 1 KiB).
const maxRecord = 256 << 10
