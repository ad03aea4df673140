package extract

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

func TestExpansionLimit(t *testing.T) {
	tests := []struct {
		name            string
		compressed, max int64
		want            int64
	}{
		{name: "a 2 MB layer stops at 200 MB, not 2 GB", compressed: 2e6, want: 200e6},
		{name: "a tiny layer may reach the floor", compressed: 1 << 10, want: ExpansionFloor},
		{name: "a huge layer stops at the default cap", compressed: 10 << 30, want: DefaultMaxExtractSize},
		{name: "the cap raised", compressed: 10 << 30, max: 1 << 40, want: 1000 << 30},
		{name: "the cap lowered below the floor", compressed: 1 << 10, max: 1 << 20, want: 1 << 20},
		{name: "no overflow", compressed: 1 << 62, max: 1 << 62, want: 1 << 62},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ExpansionLimit(tt.compressed, tt.max), "ExpansionLimit(%d, %d)", tt.compressed, tt.max)
		})
	}
}

func TestBounded(t *testing.T) {
	t.Run("exactly the limit", func(t *testing.T) {
		got, err := io.ReadAll(Bounded(strings.NewReader("12345"), 5, "sha256:x"))
		require.NoError(t, err)
		assert.Equal(t, "12345", string(got))
	})
	t.Run("one byte past the limit", func(t *testing.T) {
		n, err := io.Copy(io.Discard, Bounded(bytes.NewReader(make([]byte, 1<<20+1)), 1<<20, "sha256:x"))
		require.ErrorContains(t, err, "layer sha256:x expands past 1 MiB")
		assert.Equal(t, fault.Usage, fault.KindOf(err))
		assert.Equal(t, int64(1<<20), n, "bytes read before the refusal")
	})
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"1048576": 1 << 20, "512MiB": 512 << 20, "300GB": 300e9, "2T": 2 << 40, "256 GiB": 256 << 30, "10 KB": 10e3,
	} {
		got, err := ParseSize(in)
		require.NoError(t, err, "ParseSize(%q)", in)
		assert.Equal(t, want, got, "ParseSize(%q)", in)
	}
	for _, in := range []string{"", "0", "-1", "1.5GiB", "GiB", "lots", "99999999999TiB"} {
		_, err := ParseSize(in)
		assert.Equal(t, fault.Usage, fault.KindOf(err), "ParseSize(%q) = %v; want a usage error", in, err)
	}
	assert.Equal(t, "256 GiB", FormatSize(DefaultMaxExtractSize))
}
