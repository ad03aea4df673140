package oci

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

const dgst = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParseRef(t *testing.T) {
	tests := []struct {
		in                             string
		layout, repo, tag, digest, str string
	}{
		{in: "oci:.slipway/iris", layout: ".slipway/iris", str: "oci:.slipway/iris"},
		{in: "oci:.slipway/iris:1.0.0", layout: ".slipway/iris", tag: "1.0.0", str: "oci:.slipway/iris:1.0.0"},
		{in: "oci:/tmp/x@" + dgst, layout: "/tmp/x", digest: dgst, str: "oci:/tmp/x@" + dgst},
		{in: "oci:./a:b/c", layout: "a:b/c", str: "oci:a:b/c"},
		{in: "127.0.0.1:5000/acme/iris:1.0.0", repo: "127.0.0.1:5000/acme/iris", tag: "1.0.0", str: "127.0.0.1:5000/acme/iris:1.0.0"},
		{in: "127.0.0.1:5000/acme/iris", repo: "127.0.0.1:5000/acme/iris", str: "127.0.0.1:5000/acme/iris"},
		{in: "oci:../models/iris:1.0.0", layout: "../models/iris", tag: "1.0.0", str: "oci:../models/iris:1.0.0"},
		{in: "registry.example.com/ml/iris@" + dgst, repo: "registry.example.com/ml/iris", digest: dgst, str: "registry.example.com/ml/iris@" + dgst},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRef(tt.in, false)
			require.NoError(t, err)
			assert.Equal(t, tt.layout, r.Layout)
			if tt.repo != "" {
				assert.Equal(t, tt.repo, r.Repo.Name())
			}
			assert.Equal(t, tt.tag, r.Tag)
			assert.Equal(t, tt.digest, r.Digest)
			assert.Equal(t, tt.str, r.String())
		})
	}
}

func TestParseRefErrors(t *testing.T) {
	for _, in := range []string{"", "oci:", "oci:x@sha256:short", "oci:x:bad tag!", "UPPER/Case:1", "host/repo@sha256:zz",
		"host/team/../other:1", "host/../repo", "host/team/..", "host/./repo:1", "host/a//b:1", "127.0.0.1:5000/acme/../../v2:1"} {
		t.Run(in, func(t *testing.T) {
			_, err := ParseRef(in, false)
			require.Error(t, err, "ParseRef(%q) should fail", in)
			assert.Equal(t, fault.Usage, fault.KindOf(err))
		})
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"oci:.slipway/iris:1.0.0", "oci:/x@" + dgst, "127.0.0.1:5000/a/b:c", "a/b@" + dgst, "oci::", "x:y:z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s, false)
		if err != nil {
			return
		}
		// What parses prints back to something that parses to the same reference.
		again, err := ParseRef(r.String(), false)
		if err != nil {
			t.Fatalf("ParseRef(%q) = %q, which does not parse: %v", s, r.String(), err)
		}
		if again.String() != r.String() {
			t.Fatalf("round trip of %q: %q then %q", s, r.String(), again.String())
		}
	})
}
