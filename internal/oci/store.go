package oci

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ErrNotFound is returned (wrapped) when a tag, digest or blob is not in a store.
var ErrNotFound = errors.New("not found")

// Store is one repository: a registry repository or a local OCI image layout.
type Store interface {
	// Ref is the repository this store holds, without tag or digest.
	Ref() Ref
	// Resolve returns the descriptor of the manifest a tag or digest names.
	Resolve(ctx context.Context, tagOrDigest string) (v1.Descriptor, error)
	// Image and Index read a manifest by digest; blobs stream on demand.
	Image(ctx context.Context, h v1.Hash) (v1.Image, error)
	Index(ctx context.Context, h v1.Hash) (v1.ImageIndex, error)
	// Manifest returns the raw bytes of a manifest.
	Manifest(ctx context.Context, h v1.Hash) ([]byte, error)
	// Blob streams a blob; the caller verifies its digest.
	Blob(ctx context.Context, h v1.Hash) (io.ReadCloser, error)
	// Tags lists the tags in the repository (none for a new one).
	Tags(ctx context.Context) ([]string, error)
	// WriteImage stores img with its blobs (only those missing), then tags it;
	// an empty tag stores it untagged. A tag never points at a manifest whose
	// blobs are missing.
	WriteImage(ctx context.Context, img v1.Image, tag string) error
	// WriteIndex is WriteImage for an index and its children.
	WriteIndex(ctx context.Context, idx v1.ImageIndex, tag string) error
	// Tag points tag at a manifest already in the store.
	Tag(ctx context.Context, desc v1.Descriptor, tag string) error
	// Referrers lists the manifests whose subject is h.
	Referrers(ctx context.Context, h v1.Hash) ([]v1.Descriptor, error)
}

// LocalStoreDir is the folder of the local store: each model's layout is
// LocalStoreDir/<name>, what a verb writes to when given no destination.
const LocalStoreDir = ".slipway"

// Options configure access to stores.
type Options struct {
	keychain  authn.Keychain
	transport http.RoundTripper
	jobs      int
	mountFrom []name.Repository
}

// Option configures Open.
type Option func(*Options)

// WithKeychain sets where registry credentials come from.
func WithKeychain(k authn.Keychain) Option { return func(o *Options) { o.keychain = k } }

// WithTransport sets the HTTP transport (tests count requests with it).
func WithTransport(t http.RoundTripper) Option { return func(o *Options) { o.transport = t } }

// WithJobs sets how many blobs move at once.
func WithJobs(n int) Option { return func(o *Options) { o.jobs = n } }

func newOptions(opts []Option) Options {
	o := Options{keychain: authn.DefaultKeychain, jobs: 4}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Open returns the store that ref names. A layout is created on first write.
func Open(ref Ref, opts ...Option) Store {
	o := newOptions(opts)
	if ref.IsLayout() {
		return &layoutStore{dir: ref.Layout}
	}
	return newRemoteStore(ref.Repo, o)
}
