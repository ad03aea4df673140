package integration

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// TestPackProgressLines packs to a registry that is slow to answer, so pack
// runs past the 5 s after which it writes a plain progress line (stderr is
// not a terminal, as in CI). The line must read "pack: DONE of TOTAL" with
// a real total that DONE does not exceed. It fails today: pack starts its
// bar with a total of 0 and counts both the bytes it reads and the bytes it
// uploads (internal/cli/pack.go).
func TestPackProgressLines(t *testing.T) {
	reg := anyRegistry(t)
	proxy, stats := registrytest.Counting(t, reg)
	var held atomic.Bool
	stats.OnRequest(func(r *http.Request) int {
		// Hold the first blob HEAD: every upload then starts past the 5 s mark.
		if r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/blobs/") && held.CompareAndSwap(false, true) {
			time.Sleep(5200 * time.Millisecond)
		}
		return 0
	})

	r := mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", proxy+"/"+repo("iris"), "--lock", "iris.lock")
	lines := regexp.MustCompile(`(?m)^(?:pack|push): (.+) of (.+)$`).FindAllStringSubmatch(r.stderr, -1)
	require.NotEmpty(t, lines, "no progress line in a pack that took over 5 s; stderr:\n%s", r.stderr)
	for _, l := range lines {
		done, total := parseBytes(t, l[1]), parseBytes(t, l[2])
		assert.NotZero(t, total, "progress line %q: the total is 0 B though pack knows every size", l[0])
		assert.LessOrEqual(t, done, total, "progress line %q: done exceeds the total", l[0])
	}
}

// parseBytes reads what progress.Bytes prints: "388 B", "26.4 KiB".
func parseBytes(t *testing.T, s string) float64 {
	t.Helper()
	var n float64
	var unit string
	_, err := fmt.Sscan(s, &n, &unit)
	require.NoError(t, err, "parsing %q", s)
	mult := map[string]float64{"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit]
	require.NotZero(t, mult, "unit of %q", s)
	return n * mult
}
