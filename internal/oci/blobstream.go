package oci

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// BlobStreamer is a store that takes a blob before its digest is known: the
// bytes travel while the writer still hashes them, and the upload is
// committed with the digest once it is. What the store receives is checked
// against that digest (a registry refuses a commit whose bytes differ), so
// a source that changes meanwhile fails the upload instead of storing the
// wrong bytes.
type BlobStreamer interface {
	// StreamBlob sends the size bytes body reads, then waits for digest and
	// commits the upload under it. An error leaves nothing in the store:
	// an uncommitted upload is discarded by the registry.
	StreamBlob(ctx context.Context, size int64, body io.Reader, digest func() (v1.Hash, error)) error
}

var _ BlobStreamer = (*remoteStore)(nil)

// StreamBlob uploads one blob by the distribution spec's chunked protocol in
// one chunk: POST opens an upload session, PATCH sends the bytes as they
// come, PUT ?digest= commits them once the digest is known.
func (s *remoteStore) StreamBlob(ctx context.Context, size int64, body io.Reader, digest func() (v1.Hash, error)) error {
	what := "a blob upload to " + s.repo.String()
	client, err := s.pushClient(ctx)
	if err != nil {
		return s.classify(err, what)
	}
	start := &url.URL{Scheme: s.repo.Scheme(), Host: s.repo.RegistryStr(), Path: "/v2/" + s.repo.RepositoryStr() + "/blobs/uploads/"}
	loc, err := s.uploadStep(ctx, client, http.MethodPost, start, nil, 0, http.StatusAccepted)
	if err != nil {
		return s.classify(err, what)
	}
	loc, err = s.uploadStep(ctx, client, http.MethodPatch, loc, body, size, http.StatusAccepted, http.StatusNoContent)
	if err != nil {
		return s.classify(err, what)
	}
	h, err := digest()
	if err != nil {
		return err
	}
	q := loc.Query()
	q.Set("digest", h.String())
	loc.RawQuery = q.Encode()
	_, err = s.uploadStep(ctx, client, http.MethodPut, loc, nil, 0, http.StatusCreated)
	return s.classify(err, s.repo.Digest(h.String()).String())
}

// pushClient is an HTTP client with the registry's auth handshake done for
// pushing to (and pulling from) the repository.
// It is made once per store, so the handshake happens once, not once a blob.
func (s *remoteStore) pushClient(ctx context.Context) (*http.Client, error) {
	s.clientOnce.Do(func() {
		auth, err := s.keys.Resolve(s.repo)
		if err != nil {
			s.clientErr = err
			return
		}
		t, err := transport.NewWithContext(ctx, s.repo.Registry, auth, s.base, []string{s.repo.Scope(transport.PushScope)})
		if err != nil {
			s.clientErr = err
			return
		}
		s.client = &http.Client{Transport: transport.NewUserAgent(t, "slipway")}
	})
	return s.client, s.clientErr
}

// uploadStep sends one request of an upload session and returns the
// session's next location (absolute, resolved against u).
func (s *remoteStore) uploadStep(ctx context.Context, client *http.Client, method string, u *url.URL, body io.Reader, size int64, want ...int) (*url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, want...); err != nil {
		return nil, err
	}
	if method == http.MethodPut {
		return nil, nil
	}
	loc, err := u.Parse(resp.Header.Get("Location"))
	if err != nil || loc.String() == "" {
		return nil, fmt.Errorf("registry %s answered %s %s without a usable Location", s.repo.RegistryStr(), method, u.Path)
	}
	return loc, nil
}
