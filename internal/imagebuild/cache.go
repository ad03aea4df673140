package imagebuild

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/atomicfile"
)

// cacheVersion changes whenever the tars this package writes change, so
// entries made by another version are never used.
const cacheVersion = "imagebuild/1"

// layerCache remembers what hashing a layer found: its digest, size and
// files. A key names the digest of the blob the layer is made from and every
// parameter of the transform, so an entry cannot go stale: the same key
// always means the same bytes. One small file per entry, written aside and
// renamed, so concurrent builds never see a torn entry. A cache that cannot
// be read or written only costs a hashing pass.
type layerCache struct {
	dir string
}

type cacheEntry struct {
	Digest v1.Hash `json:"digest"`
	Size   int64   `json:"size"`
	Files  []File  `json:"files"`
}

func openLayerCache(dir string) *layerCache {
	if dir == "" {
		return nil
	}
	return &layerCache{dir: dir}
}

func (c *layerCache) path(key string) string {
	sum := sha256.Sum256([]byte(cacheVersion + "\x00" + key))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:])+".json")
}

func (c *layerCache) get(key string) (cacheEntry, bool) {
	if c == nil || key == "" {
		return cacheEntry{}, false
	}
	b, err := os.ReadFile(c.path(key))
	if err != nil {
		return cacheEntry{}, false
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil || e.Digest.Algorithm != "sha256" || len(e.Digest.Hex) != 64 || e.Size <= 0 {
		return cacheEntry{}, false
	}
	return e, true
}

func (c *layerCache) put(key string, e cacheEntry) {
	if c == nil || key == "" {
		return
	}
	b, err := json.Marshal(e)
	if err != nil || os.MkdirAll(c.dir, 0o755) != nil {
		return
	}
	// A cache write that fails costs a re-hash next time, nothing more.
	_ = atomicfile.WriteBytes(c.path(key), 0o600, b)
}

// maxPushedTo bounds how many repositories are remembered per model blob.
const maxPushedTo = 8

// pushRecord is where images made from one model blob were pushed.
type pushRecord struct {
	// Repos are registry repositories (host/path), the newest first.
	Repos []string `json:"repos"`
}

func (c *layerCache) pushPath(blob v1.Hash) string {
	sum := sha256.Sum256([]byte("pushed\x00" + blob.String()))
	return filepath.Join(c.dir, "pushed", hex.EncodeToString(sum[:])+".json")
}

// pushedTo lists the repositories that images made from blob were pushed
// to, the newest first. The layers made from it may be there: a build into
// another repository of the same registry offers to mount them from there
// rather than upload them. A wrong guess costs nothing: the registry then
// answers the same upload request with an upload location.
func (c *layerCache) pushedTo(blob v1.Hash) []string {
	if c == nil {
		return nil
	}
	b, err := os.ReadFile(c.pushPath(blob))
	if err != nil {
		return nil
	}
	var r pushRecord
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	return r.Repos
}

// recordPush remembers that an image made from blobs is in repo.
func (c *layerCache) recordPush(blobs []v1.Hash, repo string) {
	if c == nil {
		return
	}
	for _, blob := range blobs {
		repos := []string{repo}
		for _, r := range c.pushedTo(blob) {
			if r != repo && len(repos) < maxPushedTo {
				repos = append(repos, r)
			}
		}
		b, err := json.Marshal(pushRecord{Repos: repos})
		if err != nil || os.MkdirAll(filepath.Dir(c.pushPath(blob)), 0o755) != nil {
			return
		}
		_ = atomicfile.WriteBytes(c.pushPath(blob), 0o600, b)
	}
}
