package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/slipwayhq/slipway/internal/fault"
)

// remoteStore is one repository in a registry.
type remoteStore struct {
	repo      name.Repository
	opts      []remote.Option
	keys      *recordingKeychain
	mountFrom []name.Repository
	base      http.RoundTripper // the transport under the auth handshake (StreamBlob's)

	pusherOnce sync.Once // WriteBlob's pusher
	pusher     *remote.Pusher
	pusherErr  error

	clientOnce sync.Once // StreamBlob's client
	client     *http.Client
	clientErr  error
}

var _ Store = (*remoteStore)(nil)

// retryBackoff retries 429 and 5xx answers: 0.5 s, 1 s, 2 s, 4 s, 8 s.
var retryBackoff = remote.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 5}

func newRemoteStore(repo name.Repository, o Options) *remoteStore {
	keys := &recordingKeychain{inner: o.keychain}
	opts := []remote.Option{
		remote.WithAuthFromKeychain(keys),
		remote.WithJobs(o.jobs),
		remote.WithRetryBackoff(retryBackoff),
		remote.WithRetryStatusCodes(http.StatusRequestTimeout, http.StatusTooManyRequests,
			http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout),
		remote.WithUserAgent("slipway"),
	}
	t := o.transport
	if t == nil {
		t = http.DefaultTransport
	}
	base := newRealmGuard(t, repo.RegistryStr())
	opts = append(opts, remote.WithTransport(base))
	return &remoteStore{repo: repo, opts: opts, keys: keys, mountFrom: o.mountFrom, base: base}
}

func (s *remoteStore) Ref() Ref { return Ref{Repo: s.repo} }

func (s *remoteStore) with(ctx context.Context) []remote.Option {
	return append([]remote.Option{remote.WithContext(ctx)}, s.opts...)
}

func (s *remoteStore) ref(id string) name.Reference {
	if _, err := v1.NewHash(id); err == nil {
		return s.repo.Digest(id)
	}
	return s.repo.Tag(id)
}

func (s *remoteStore) Resolve(ctx context.Context, id string) (v1.Descriptor, error) {
	d, err := remote.Head(s.ref(id), s.with(ctx)...)
	if err != nil {
		return v1.Descriptor{}, s.classify(err, s.ref(id).String())
	}
	return *d, nil
}

func (s *remoteStore) Image(ctx context.Context, h v1.Hash) (v1.Image, error) {
	img, err := remote.Image(s.repo.Digest(h.String()), s.with(ctx)...)
	return img, s.classify(err, s.repo.Digest(h.String()).String())
}

func (s *remoteStore) Index(ctx context.Context, h v1.Hash) (v1.ImageIndex, error) {
	idx, err := remote.Index(s.repo.Digest(h.String()), s.with(ctx)...)
	return idx, s.classify(err, s.repo.Digest(h.String()).String())
}

func (s *remoteStore) Manifest(ctx context.Context, h v1.Hash) ([]byte, error) {
	d, err := remote.Get(s.repo.Digest(h.String()), s.with(ctx)...)
	if err != nil {
		return nil, s.classify(err, s.repo.Digest(h.String()).String())
	}
	return d.Manifest, nil
}

func (s *remoteStore) Blob(ctx context.Context, h v1.Hash) (io.ReadCloser, error) {
	l, err := remote.Layer(s.repo.Digest(h.String()), s.with(ctx)...)
	if err != nil {
		return nil, s.classify(err, h.String())
	}
	rc, err := l.Compressed()
	return rc, s.classify(err, h.String())
}

func (s *remoteStore) Tags(ctx context.Context) ([]string, error) {
	tags, err := remote.List(s.repo, s.with(ctx)...)
	if err != nil {
		err = s.classify(err, s.repo.Name())
		if errors.Is(err, ErrNotFound) {
			return nil, nil // a repository that does not exist yet has no tags
		}
		return nil, err
	}
	return tags, nil
}

func (s *remoteStore) target(ctx context.Context, raw func() ([]byte, error), tag string) (name.Reference, error) {
	if tag != "" {
		return s.repo.Tag(tag), nil
	}
	b, err := raw()
	if err != nil {
		return nil, err
	}
	h, _, err := v1.SHA256(bytesReader(b))
	if err != nil {
		return nil, err
	}
	return s.repo.Digest(h.String()), nil
}

func (s *remoteStore) WriteImage(ctx context.Context, img v1.Image, tag string) error {
	ref, err := s.target(ctx, img.RawManifest, tag)
	if err != nil {
		return err
	}
	return s.classify(remote.Write(ref, mountable(img, s.repo, s.mountFrom), s.with(ctx)...), ref.String())
}

func (s *remoteStore) WriteIndex(ctx context.Context, idx v1.ImageIndex, tag string) error {
	ref, err := s.target(ctx, idx.RawManifest, tag)
	if err != nil {
		return err
	}
	return s.classify(remote.WriteIndex(ref, idx, s.with(ctx)...), ref.String())
}

func (s *remoteStore) Tag(ctx context.Context, desc v1.Descriptor, tag string) error {
	d, err := remote.Get(s.repo.Digest(desc.Digest.String()), s.with(ctx)...)
	if err != nil {
		return s.classify(err, desc.Digest.String())
	}
	return s.classify(remote.Tag(s.repo.Tag(tag), d, s.with(ctx)...), s.repo.Tag(tag).String())
}

func (s *remoteStore) Referrers(ctx context.Context, h v1.Hash) ([]v1.Descriptor, error) {
	idx, err := remote.Referrers(s.repo.Digest(h.String()), s.with(ctx)...)
	if err != nil {
		return nil, s.classify(err, h.String())
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	return im.Manifests, nil
}

// classify turns registry errors into ones that say what to do: a missing
// credential is a usage error naming the credential tried (never its
// value), an unreachable registry a runtime error, a 404 ErrNotFound. A
// registry's error body is never printed as is: only its status and its
// OCI error codes and messages, redacted (registryError).
func (s *remoteStore) classify(err error, what string) error {
	if err == nil {
		return nil
	}
	host := s.repo.RegistryStr()
	var rerr *realmRefusedError
	if errors.As(err, &rerr) {
		return fault.Wrap(fault.Usage, rerr) // not the network failing: the registry's challenge is refused
	}
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch terr.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fault.Usagef("registry %s refused %s (HTTP %d) with %s: log in with `docker login %s`, "+
				"or pass --username and --password-stdin, or set SLIPWAY_REGISTRY_USERNAME and SLIPWAY_REGISTRY_PASSWORD%s",
				host, what, terr.StatusCode, s.keys.tried(host), host, dockerHubHint(s.repo))
		case http.StatusNotFound:
			return fmt.Errorf("%s: %w", what, ErrNotFound)
		}
		for _, d := range terr.Errors {
			switch d.Code {
			case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode:
				return fmt.Errorf("%s: %w", what, ErrNotFound)
			}
		}
		return fault.Runtimef("registry %s: %s: %w", host, what, &registryError{err: terr})
	}
	if errors.Is(err, context.Canceled) {
		return err // interrupted, not unreachable
	}
	var nerr net.Error
	var oerr *net.OpError
	if errors.As(err, &oerr) || errors.As(err, &nerr) {
		return fault.Runtimef("registry %s is unreachable (%w): check the address, that it is running, and --insecure for plain HTTP%s", host, err, dockerHubHint(s.repo))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// dockerHubHint is said when a reference went to Docker Hub: most often a
// bare name (wine:0.3.0) meant for the local store pack writes by default.
func dockerHubHint(repo name.Repository) string {
	if repo.RegistryStr() != name.DefaultRegistry {
		return ""
	}
	model := path.Base(repo.RepositoryStr())
	return fmt.Sprintf("; a reference without a registry host goes to Docker Hub: the local store is oci:%s/%s", LocalStoreDir, model)
}
