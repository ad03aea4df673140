package imagebuild

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// FuzzTarLayer feeds arbitrary bytes to the re-rooting of a model's tar
// layer (content from a registry is untrusted): it must never panic, and
// whatever it writes must stay under the model folder.
func FuzzTarLayer(f *testing.F) {
	var seed bytes.Buffer
	tw := tar.NewWriter(&seed)
	_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "docs/", Mode: 0o755})
	_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "docs/a.md", Mode: 0o644, Size: 2})
	_, _ = tw.Write([]byte("hi"))
	_ = tw.Close()
	f.Add(seed.Bytes())
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, b []byte) {
		store := oci.OpenLayout(t.TempDir())
		h, n, err := store.Ingest(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		src := &tarSource{store: store, dir: "/models/m", epoch: time.Unix(0, 0), layer: modelpack.Layer{
			Descriptor: v1.Descriptor{MediaType: modelpack.LayerMediaType(modelpack.RoleDocs, false), Digest: h, Size: n},
			Info:       modelpack.LayerInfo{Role: modelpack.RoleDocs},
		}}
		var out bytes.Buffer
		rec := &recorder{}
		if err := src.write(t.Context(), &out, pass{rec: rec, verify: true}); err != nil {
			return
		}
		for _, f := range rec.files {
			if !strings.HasPrefix(f.Path, "/models/m/") {
				t.Fatalf("file %q is outside the model folder", f.Path)
			}
		}
		tr := tar.NewReader(&out)
		for {
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("the re-rooted tar does not read back: %v", err)
			}
			if name := strings.TrimSuffix(hdr.Name, "/"); name != "models" && name != "models/m" && !strings.HasPrefix(name, "models/m/") {
				t.Fatalf("entry %q is outside the model folder", hdr.Name)
			}
		}
	})
}
