package promote

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// subject is what is being promoted, as read from its manifest.
type subject struct {
	desc        v1.Descriptor
	annotations map[string]string
	name        string
	version     string
	// modelDigest and modelRef name the model an image was built from.
	modelDigest v1.Hash
	modelRef    string
}

// readSubject resolves digest in store and reads what the manifest says
// about it. A digest that is not there is a usage error.
func readSubject(ctx context.Context, store oci.Store, digest v1.Hash) (subject, error) {
	desc, err := store.Resolve(ctx, digest.String())
	if isNotFound(err) {
		return subject{}, fault.Usagef("%s is not in %s: promotion is of a digest already pushed there (check the repository, or push it first)", digest, store.Ref())
	}
	if err != nil {
		return subject{}, fmt.Errorf("resolving %s in %s: %w", digest, store.Ref(), err)
	}
	raw, err := store.Manifest(ctx, digest)
	if err != nil {
		return subject{}, fmt.Errorf("reading %s in %s: %w", digest, store.Ref(), err)
	}
	var m struct {
		ArtifactType string            `json:"artifactType"`
		Config       v1.Descriptor     `json:"config"`
		Annotations  map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return subject{}, fault.Usagef("%s in %s: manifest does not parse: %w", digest, store.Ref(), err)
	}
	s := subject{desc: desc, annotations: m.Annotations}
	if d := m.Annotations[AnnotationModelDigest]; d != "" {
		h, err := v1.NewHash(d)
		if err != nil {
			return subject{}, fault.Usagef("%s in %s: annotation %s=%q is not a digest", digest, store.Ref(), AnnotationModelDigest, d)
		}
		s.modelDigest, s.modelRef = h, m.Annotations[AnnotationModelReference]
	}
	s.name = cmp.Or(m.Annotations["dev.slipway.model.name"], m.Annotations["org.opencontainers.image.title"])
	s.version = m.Annotations["org.opencontainers.image.version"]
	if !desc.MediaType.IsIndex() && modelpack.IsModelManifest(m.ArtifactType, m.Config.MediaType) {
		if art, err := modelpack.Open(ctx, store, digest.String()); err == nil {
			s.name, s.version = cmp.Or(art.Name, s.name), cmp.Or(art.Version, s.version)
		}
	}
	return s, nil
}

func isNotFound(err error) bool { return errors.Is(err, oci.ErrNotFound) }

// current is the digest env's tag names in store, or "".
func current(ctx context.Context, store oci.Store, env string) (string, error) {
	d, err := store.Resolve(ctx, env)
	if isNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("resolving %s:%s: %w", store.Ref(), env, err)
	}
	return d.Digest.String(), nil
}
