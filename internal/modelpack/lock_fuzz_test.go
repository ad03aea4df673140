package modelpack

import (
	"bytes"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/internal/extract"
)

func FuzzParseLock(f *testing.F) {
	good := `{"lockVersion":1,"name":"m","reference":"oci:x:1","digest":"sha256:` + strings.Repeat("a", 64) +
		`","artifactType":"a","files":[{"path":"model.onnx","size":1,"sha256":"` + strings.Repeat("b", 64) +
		`","role":"weights","mediaType":"m","layer":"l"}]}`
	for _, s := range []string{good, `{}`, `{"lockVersion":1,"files":[{"path":"../x"}]}`, `[`, `{"lockVersion":1}{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseLock(bytes.NewReader(b))
		if err != nil {
			return
		}
		// An accepted lock names only safe, unique paths and sha256 digests.
		if !validDigest(l.Digest) {
			t.Fatalf("accepted digest %q", l.Digest)
		}
		seen := map[string]bool{}
		for _, f := range l.Files {
			if err := extract.ValidName(f.Path); err != nil {
				t.Fatalf("accepted path %q: %v", f.Path, err)
			}
			if seen[f.Path] {
				t.Fatalf("accepted duplicate path %q", f.Path)
			}
			seen[f.Path] = true
		}
	})
}
