package modelpack

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
//
// The cache keeps one small file per model folder (hashes/<hash of the
// folder's absolute path>.json under the cache folder), so what an
// unchanged re-pack loads and saves depends on that folder only, never on
// what else was packed on the machine. OpenHashCache returns the cache
// folder; Pack and DirFiles open the folder's own part with forFolder.
type HashCache struct {
	dir     string // the cache folder; "" disables caching
	file    string // this folder's part; "" for the cache folder itself
	folder  string
	now     time.Time
	mu      sync.Mutex
	entries map[string]cacheEntry
	used    map[string]bool // keys looked up or stored in this run
	dirty   bool
}

const (
	racyWindow = 2 * time.Second
	// unusedFor is how long an entry (or a folder's whole part) stays
	// without being used before it is dropped.
	unusedFor = 30 * 24 * time.Hour
)

type cacheEntry struct {
	Stat     fileStat  `json:"stat"`
	Digest   string    `json:"digest"`
	Size     int64     `json:"size"`
	HashedAt time.Time `json:"hashedAt"`
	// Used is the day the entry was last used (a day, so that an unchanged
	// re-pack rewrites its folder's part at most once a day).
	Used time.Time `json:"used"`
}

// folderFile is one model folder's part of the cache.
type folderFile struct {
	Folder  string                `json:"folder"`
	Entries map[string]cacheEntry `json:"entries"`
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

// DefaultCacheDir is the cache folder: $SLIPWAY_CACHE_DIR, else slipway in
// the user cache folder; "" when there is none.
func DefaultCacheDir() string {
	if d := os.Getenv("SLIPWAY_CACHE_DIR"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "slipway")
	}
	return ""
}

// OpenHashCache returns the hash cache kept in the cache folder dir. Nothing
// is read until a folder is packed; a missing or unreadable part is empty
// (the cache is only ever an optimisation). An empty dir disables caching.
func OpenHashCache(dir string) *HashCache {
	return &HashCache{dir: dir, entries: map[string]cacheEntry{}}
}

// forFolder returns the part of the cache for the model folder, loaded from
// its file. On nil, or a cache without a folder, it returns c.
func (c *HashCache) forFolder(folder string) *HashCache {
	if c == nil || c.dir == "" || c.file != "" {
		return c
	}
	abs, err := filepath.Abs(folder)
	if err != nil {
		return c
	}
	sum := sha256.Sum256([]byte(abs))
	f := &HashCache{
		dir: c.dir, folder: abs, now: time.Now(),
		file:    filepath.Join(c.dir, "hashes", hex.EncodeToString(sum[:16])+".json"),
		entries: map[string]cacheEntry{}, used: map[string]bool{},
	}
	if b, err := os.ReadFile(f.file); err == nil {
		var ff folderFile
		if json.Unmarshal(b, &ff) == nil && ff.Folder == abs && ff.Entries != nil {
			f.entries = ff.Entries
		}
	}
	return f
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
	if c.used != nil {
		c.used[key] = true
		if today := day(c.now); e.Used.Before(today) {
			e.Used = today
			c.entries[key] = e
			c.dirty = true
		}
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
	c.entries[key] = cacheEntry{Stat: st, Digest: digest, Size: size, HashedAt: hashedAt, Used: day(c.now)}
	if c.used != nil {
		c.used[key] = true
	}
	c.dirty = true
}

func day(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// Save writes the folder's part back atomically when it changed, without
// the entries unused for unusedFor and those of files this run did not
// meet that no longer exist. It then drops the parts of folders unused for
// unusedFor and the single cache file of older versions.
func (c *HashCache) Save() error {
	if c == nil || c.file == "" || !c.dirty {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if c.used[k] {
			continue
		}
		if c.now.Sub(e.Used) > unusedFor {
			delete(c.entries, k)
			continue
		}
		if p, ok := strings.CutPrefix(k, "file:"); ok {
			if _, err := os.Lstat(p); err != nil {
				delete(c.entries, k)
			}
		}
	}
	b, err := json.Marshal(folderFile{Folder: c.folder, Entries: c.entries})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.file), 0o700); err != nil {
		return err
	}
	// 0600: the cache names files of this user's; nobody else needs it.
	if err := atomicfile.WriteBytes(c.file, 0o600, b); err != nil {
		return err
	}
	c.dirty = false
	c.dropStale()
	return nil
}

// dropStale removes, best effort, the parts of folders not packed for
// unusedFor and the one-file cache (hashes.json) of older versions.
func (c *HashCache) dropStale() {
	_ = os.Remove(filepath.Join(c.dir, "hashes.json"))
	parts, err := os.ReadDir(filepath.Dir(c.file))
	if err != nil {
		return
	}
	for _, p := range parts {
		if fi, err := p.Info(); err == nil && c.now.Sub(fi.ModTime()) > unusedFor {
			_ = os.Remove(filepath.Join(filepath.Dir(c.file), p.Name()))
		}
	}
}
