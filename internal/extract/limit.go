package extract

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
)

// How far a compressed layer may expand. A layer's digest proves only that
// its compressed bytes are the ones published; what they expand to is
// unchecked until the end, so a small hostile layer could fill the disk.
//
// ExpansionRatio is 100: model content compresses far less (weights about
// 1.1×, JSON, CSV and text 3–20×), while a bomb expands by 1000× (gzip's
// limit) or more (zstd), so a 2 MB layer stops at 200 MB, not 2 GB.
// ExpansionFloor lets small layers of very repetitive text through.
// DefaultMaxExtractSize bounds any one layer, however large it is
// compressed; --max-extract-size raises it.
const (
	ExpansionRatio        = 100
	ExpansionFloor        = 64 << 20  // 64 MiB
	DefaultMaxExtractSize = 256 << 30 // 256 GiB
)

// ExpansionLimit is how many bytes a layer of compressed bytes may expand to:
// ExpansionRatio times its size, at least ExpansionFloor, at most maxSize
// (DefaultMaxExtractSize when 0 or less).
func ExpansionLimit(compressed, maxSize int64) int64 {
	if maxSize <= 0 {
		maxSize = DefaultMaxExtractSize
	}
	limit := int64(ExpansionFloor)
	if compressed > 0 && compressed <= (1<<62)/ExpansionRatio {
		limit = max(limit, ExpansionRatio*compressed)
	} else if compressed > 0 {
		limit = 1 << 62
	}
	return min(limit, maxSize)
}

// Bounded returns r, the decompressed content of the layer what (its
// digest), refusing with a usage error to read more than limit bytes.
func Bounded(r io.Reader, limit int64, what string) io.Reader {
	return &boundedReader{r: r, left: limit, limit: limit, what: what}
}

type boundedReader struct {
	r           io.Reader
	left, limit int64
	what        string
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells a stream of exactly limit bytes from a longer one.
		var one [1]byte
		if n, _ := io.ReadFull(b.r, one[:]); n == 0 {
			return 0, io.EOF
		}
		return 0, fault.Usagef("layer %s expands past %s (%d× its size, at least %s, at most --max-extract-size): refusing a possible decompression bomb; raise --max-extract-size if the layer is genuine",
			b.what, FormatSize(b.limit), ExpansionRatio, FormatSize(ExpansionFloor))
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

var sizeUnits = []struct {
	suffix string
	factor int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1},
}

// ParseSize reads a byte count such as "512MiB", "300GB", "2T" or "1048576"
// (K, M, G, T alone are binary). It refuses zero, negative and fractional
// counts with a usage error.
func ParseSize(s string) (int64, error) {
	num, factor := strings.TrimSpace(s), int64(1)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, factor = strings.TrimSpace(rest), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/factor {
		return 0, fault.Usagef("size %q: want a positive whole number of bytes, with an optional unit (KiB, MiB, GiB, TiB, KB, MB, GB, TB)", s)
	}
	return n * factor, nil
}

// FormatSize prints a byte count in the largest binary unit that divides it.
func FormatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		factor int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.factor && n%u.factor == 0 {
			return fmt.Sprintf("%d %s", n/u.factor, u.suffix)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
