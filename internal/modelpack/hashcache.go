package modelpack

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/slipwayhq/slipway/internal/atomicfile"
)

// HashCache remembers the digest of files by what stat says of them (path,
// size, mtime, ctime, inode, device), so an unchanged re-pack does not read
// them again. Like git's index it guards against "racily clean" files: an
// entry whose file changed less than racyWindow before it was hashed is not
// trusted, since a same-size edit within the filesystem's timestamp
// granularity would leave stat unchanged.
type HashCache struct {
	path    string
	mu      sync.Mutex
	entries map[string]cacheEntry
	dirty   bool
}

const racyWindow = 2 * time.Second

type cacheEntry struct {
	Stat     fileStat  `json:"stat"`
	Digest   string    `json:"digest"`
	Size     int64     `json:"size"`
	HashedAt time.Time `json:"hashedAt"`
}

type fileStat struct {
	Size  int64  `json:"size"`
	Mtime int64  `json:"mtime"`
	Ctime int64  `json:"ctime"`
	Ino   uint64 `json:"ino"`
	Dev   uint64 `json:"dev"`
	Mode  uint32 `json:"mode"`
}

func statOf(fi fs.FileInfo) fileStat {
	s := fileStat{Size: fi.Size(), Mtime: fi.ModTime().UnixNano(), Mode: uint32(fi.Mode())}
	s.Ino, s.Dev, s.Ctime = sysStat(fi)
	return s
}

// DefaultCachePath is where the hash cache lives: $SLIPWAY_CACHE_DIR, else the user cache folder.
func DefaultCachePath() string {
	if d := os.Getenv("SLIPWAY_CACHE_DIR"); d != "" {
		return filepath.Join(d, "hashes.json")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "slipway", "hashes.json")
	}
	return ""
}

// OpenHashCache loads the cache at path; a missing or unreadable cache is
// empty (it is only ever an optimisation). An empty path disables caching.
func OpenHashCache(path string) *HashCache {
	c := &HashCache{path: path, entries: map[string]cacheEntry{}}
	if path == "" {
		return c
	}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &c.entries)
	}
	return c
}

// lookup returns the cached digest and size for key if st still matches.
func (c *HashCache) lookup(key string, st fileStat) (string, int64, bool) {
	if c == nil {
		return "", 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.Stat != st {
		return "", 0, false
	}
	if e.HashedAt.Sub(time.Unix(0, st.Mtime)) < racyWindow {
		return "", 0, false
	}
	return e.Digest, e.Size, true
}

// store records a digest computed from a read that began at hashedAt.
func (c *HashCache) store(key string, st fileStat, digest string, size int64, hashedAt time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = cacheEntry{Stat: st, Digest: digest, Size: size, HashedAt: hashedAt}
	c.dirty = true
}

// Save writes the cache back atomically.
func (c *HashCache) Save() error {
	if c == nil || c.path == "" || !c.dirty {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := json.Marshal(c.entries)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	// 0600: the cache names files of this user's; nobody else needs it.
	if err := atomicfile.WriteBytes(c.path, 0o600, b); err != nil {
		return err
	}
	c.dirty = false
	return nil
}
