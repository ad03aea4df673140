package tarball

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type entry struct {
	name, data, link string
	mode             int64
	dir              bool
}

func write(t *testing.T, mtime time.Time, entries []entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewWriter(&b, mtime)
	for _, e := range entries {
		switch {
		case e.dir:
			require.NoError(t, w.Dir(e.name))
		case e.link != "":
			require.NoError(t, w.Symlink(e.name, e.link))
		default:
			require.NoError(t, w.File(e.name, fsMode(e.mode), int64(len(e.data)), strings.NewReader(e.data)))
		}
	}
	require.NoError(t, w.Close())
	return b.Bytes()
}

func fsMode(m int64) fs.FileMode { return fs.FileMode(m) }

// TestGolden pins the archive bytes: model and image layer digests are the
// sha256 of them, so a change here changes every digest Slipway has made.
// The digests are those the two writers this package replaced produced
// (internal/modelpack's reproducibleTar, internal/imagebuild's tarWriter).
func TestGolden(t *testing.T) {
	model := []entry{
		{name: "a/b/c.txt", data: "hello", mode: 0o600},
		{name: "a/b/run.sh", data: "#!/bin/sh", mode: 0o700},
		{name: "a/d/e", mode: 0o644},
		{name: "z.bin", data: "xyz", mode: 0o644},
	}
	image := []entry{
		{name: "/opt/model", dir: true},
		{name: "/opt/model/w.bin", data: "hello", mode: 0o644},
		{name: "/opt/app/run.sh", data: "#!/bin/sh", mode: 0o755},
		{name: "/usr/bin/run", link: "/opt/app/run.sh"},
	}
	seconds := time.Unix(1700000000, 0)
	fraction := time.Unix(1700000000, 123456789).In(time.FixedZone("x", 7200))
	tests := []struct {
		name    string
		mtime   time.Time
		entries []entry
		want    string
	}{
		{"model layer", seconds, model, "6bb4f1e0fe0f9f78d5e7927aea76a4036059fdc4d9fa621c1535b2530bdd91a3"},
		{"image layer", seconds, image, "11835cf4b1af5ce9fb14460e8ab2481625574e17896a18c5c7d045bbf7063b3a"},
		{"model layer, sub-second mtime in another zone", fraction, model, "ae5d6d85a4e805962829503ac9a333f7d60b9f407553f33298b2f01860bee84a"},
		{"image layer, sub-second mtime in another zone", fraction, image, "b2990bcf977f9be77162f930ad6e9cb62029a1ec0d0684f8a800f6eb5ac87e04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum := sha256.Sum256(write(t, tt.mtime, tt.entries))
			assert.Equal(t, tt.want, hex.EncodeToString(sum[:]))
		})
	}
}

func TestEntries(t *testing.T) {
	mtime := time.Unix(1700000000, 0)
	raw := write(t, mtime, []entry{
		{name: "/x/y/f", data: "1", mode: 0o777},
		{name: "x/g", data: "22", mode: 0o600},
		{name: "/x/l", link: "../t"},
	})
	type got struct {
		name  string
		typ   byte
		mode  int64
		body  string
		link  string
		owner string
	}
	var entries []got
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		assert.True(t, h.ModTime.Equal(mtime), "%s: mtime %v", h.Name, h.ModTime)
		entries = append(entries, got{h.Name, h.Typeflag, h.Mode, string(body), h.Linkname, h.Uname + h.Gname + string(rune('0'+h.Uid+h.Gid))})
	}
	assert.Equal(t, []got{
		{"x/", tar.TypeDir, 0o755, "", "", "0"},
		{"x/y/", tar.TypeDir, 0o755, "", "", "0"},
		{"x/y/f", tar.TypeReg, 0o755, "1", "", "0"},
		{"x/g", tar.TypeReg, 0o644, "22", "", "0"},
		{"x/l", tar.TypeSymlink, 0o777, "", "../t", "0"},
	}, entries, "each folder once, before what it holds; fixed modes; no owners")
}

func TestShortFile(t *testing.T) {
	w := NewWriter(io.Discard, time.Unix(0, 0))
	err := w.File("f", 0o644, 10, strings.NewReader("short"))
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Contains(t, err.Error(), "f: ")
}
