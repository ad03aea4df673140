package oci

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
)

// VerifiedReader streams a blob and checks it against its digest and size as
// it goes: at the end of the stream (or past the expected size) a mismatch is
// an error, so no caller can take corrupt or substituted bytes for good ones.
type VerifiedReader struct {
	rc   io.ReadCloser
	want v1.Hash
	size int64
	h    hash.Hash
	n    int64
}

// NewVerifiedReader wraps rc, which should hold size bytes hashing to want.
func NewVerifiedReader(rc io.ReadCloser, want v1.Hash, size int64) *VerifiedReader {
	return &VerifiedReader{rc: rc, want: want, size: size, h: sha256.New()}
}

func (v *VerifiedReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.size >= 0 && v.n > v.size {
		return n, fault.Runtimef("blob %s is larger than the %d bytes its descriptor says: refusing it", v.want, v.size)
	}
	if err == io.EOF {
		if verr := v.check(); verr != nil {
			return n, verr
		}
	}
	return n, err
}

func (v *VerifiedReader) check() error {
	if v.size >= 0 && v.n != v.size {
		return fault.Runtimef("blob %s: got %d bytes, want %d: refusing it", v.want, v.n, v.size)
	}
	if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want.Hex {
		return fault.Runtimef("blob %s arrived with digest sha256:%s: refusing corrupt or substituted content", v.want, got)
	}
	return nil
}

// Finish reads what is left (a tar reader stops before the padding) and
// reports whether the whole blob matched.
func (v *VerifiedReader) Finish() error {
	if _, err := io.Copy(io.Discard, v); err != nil {
		return err
	}
	return nil
}

// Close closes the underlying stream.
func (v *VerifiedReader) Close() error { return v.rc.Close() }

// OpenVerified opens blob d from store, verified while it streams.
func OpenVerified(ctx context.Context, store Store, d v1.Descriptor) (*VerifiedReader, error) {
	if d.Digest.Algorithm != "sha256" {
		return nil, fault.Usagef("blob %s: only sha256 digests are supported", d.Digest)
	}
	rc, err := store.Blob(ctx, d.Digest)
	if err != nil {
		return nil, fmt.Errorf("fetching blob %s: %w", d.Digest, err)
	}
	if v, ok := rc.(*VerifiedReader); ok && v.want == d.Digest && v.n == 0 {
		v.size = d.Size // a layout's blob is verified already: hash it once
		return v, nil
	}
	return NewVerifiedReader(rc, d.Digest, d.Size), nil
}
