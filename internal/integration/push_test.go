package integration

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// requestLog records every request a Counting proxy forwards, with its
// query, which Stats does not keep (a cross-repository mount is a POST
// with ?mount=…&from=…).
type requestLog struct {
	mu   sync.Mutex
	reqs []string // "METHOD path?query", the query unescaped
}

func logRequests(stats *registrytest.Stats) *requestLog {
	l := &requestLog{}
	stats.OnRequest(func(r *http.Request) int {
		l.mu.Lock()
		defer l.mu.Unlock()
		uri := r.URL.Path
		if q, err := url.QueryUnescape(r.URL.RawQuery); err == nil && q != "" {
			uri += "?" + q
		}
		l.reqs = append(l.reqs, r.Method+" "+uri)
		return 0
	})
	return l
}

func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = nil
}

// matching lists the requests with method whose URI contains all of parts.
func (l *requestLog) matching(method string, parts ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
next:
	for _, r := range l.reqs {
		if !strings.HasPrefix(r, method+" ") {
			continue
		}
		for _, p := range parts {
			if !strings.Contains(r, p) {
				continue next
			}
		}
		out = append(out, r)
	}
	return out
}

func (l *requestLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.reqs, "\n")
}

// TestPushWithinRegistryMountsBlobs copies a model from one repository to
// another of the same registry: every blob is mounted, not sent, and a
// second identical push sends nothing at all.
func TestPushWithinRegistryMountsBlobs(t *testing.T) {
	reg := env(t)
	proxy, stats := registrytest.Counting(t, reg)
	src, dst := repo("iris-src"), repo("iris-dst")

	mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", reg+"/"+src, "--lock", "iris.lock")
	m, raw := skopeoManifest(t, reg+"/"+src+":1.0.0")

	log := logRequests(stats)
	stats.Reset()
	r := mustSlipway(t, "push", proxy+"/"+src+":1.0.0", proxy+"/"+dst)
	assert.Equal(t, proxy+"/"+dst+"@"+digestOf(raw), r.lastLine(), "pinned reference push printed")

	// Every blob, config included, is mounted from the source repository.
	for _, l := range append(m.Layers, m.Config) {
		mounts := log.matching(http.MethodPost, "/v2/"+dst+"/blobs/uploads/", "mount="+l.Digest, "from="+src)
		assert.Len(t, mounts, 1, "mount requests for layer %s (%s); requests:\n%s", l.Digest, l.MediaType, log)
	}
	assert.Empty(t, log.matching(http.MethodPatch, "/blobs/uploads/"), "blob bytes sent (PATCH) in a same-registry push; requests:\n%s", log)
	assert.Equal(t, int64(len(raw)), stats.BytesUploaded(),
		"bytes sent for a same-registry push: want only the %d-byte manifest; requests:\n%s", len(raw), log)
	assert.Equal(t, digestOf(raw), skopeoDigest(t, reg+"/"+dst+":1.0.0"), "digest of the copy")
	assert.Equal(t, []string{"1.0.0"}, skopeoTags(t, reg+"/"+dst), "tags of the copy")

	// The same push again: the manifest is there, nothing is sent.
	stats.Reset()
	log.reset()
	mustSlipway(t, "push", proxy+"/"+src+":1.0.0", proxy+"/"+dst)
	assert.Zero(t, stats.BytesUploaded(), "bytes sent by a repeated push; requests:\n%s", log)
	assert.Empty(t, log.matching(http.MethodPost, "/blobs/uploads/"), "uploads started by a repeated push; requests:\n%s", log)
	assert.Empty(t, log.matching(http.MethodPut, "/manifests/"), "manifests written by a repeated push; requests:\n%s", log)
	assert.NotEmpty(t, log.matching(http.MethodHead, "/v2/"+dst+"/manifests/1.0.0"), "a repeated push should ask for the manifest first; requests:\n%s", log)
}

// TestPackTwiceUploadsNothing re-packs an unchanged model to the registry:
// the second run asks (HEAD) and sends nothing.
func TestPackTwiceUploadsNothing(t *testing.T) {
	reg := anyRegistry(t)
	proxy, stats := registrytest.Counting(t, reg)
	dst := proxy + "/" + repo("iris")
	log := logRequests(stats)

	mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "iris.lock")
	require.NotZero(t, stats.BytesUploaded(), "the first pack sent nothing")

	stats.Reset()
	log.reset()
	r := mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "iris.lock")
	assert.Contains(t, r.stderr, "unchanged")
	assert.Zero(t, stats.BytesUploaded(), "bytes sent by an unchanged re-pack; requests:\n%s", log)
	assert.Empty(t, log.matching(http.MethodPost), "POSTs in an unchanged re-pack; requests:\n%s", log)
	assert.Empty(t, log.matching(http.MethodPut), "PUTs in an unchanged re-pack; requests:\n%s", log)
}

// TestPushKeepsVersionsImmutable pushes a model over a version tag that
// already names other bytes in the destination. Versions are immutable
// (pack refuses exactly this with exit 1): push must refuse too and leave
// the tag where it was, rather than silently move it. It fails today: push
// copies with oci.Copy, which never checks the destination tag.
func TestPushKeepsVersionsImmutable(t *testing.T) {
	reg := env(t)
	a, b := reg+"/"+repo("iris-a"), reg+"/"+repo("iris-b")
	mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", a, "--lock", "a.lock")
	changed := copyExample(t)
	appendTo(t, filepath.Join(changed, "README.md"), "\nOther bytes.\n")
	mustSlipway(t, "pack", changed, "--version", "1.0.0", "--to", b, "--lock", "b.lock")
	before := skopeoDigest(t, b+":1.0.0")

	r := slipway(t, "push", a+":1.0.0", b)
	after := skopeoDigest(t, b+":1.0.0")
	if r.code == 0 && after != before {
		t.Errorf("BUG: push moved version tag %s:1.0.0 from %s to %s (exit 0); want exit 1 and the tag kept, as pack does",
			b, before, after)
		return
	}
	assert.Equal(t, 1, r.code, "push over an existing version\n%s", r)
	assert.Contains(t, r.stderr, "already exists")
	assert.Equal(t, before, after, "digest of %s:1.0.0 after a refused push", b)
}
