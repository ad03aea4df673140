package extract

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tarEntry describes one entry of a test archive.
type tarEntry struct {
	name string
	typ  byte // tar.TypeReg when zero
	body string
	link string
	mode int64 // 0o644 when zero
}

func file(name, body string) tarEntry { return tarEntry{name: name, body: body} }
func dir(name string) tarEntry        { return tarEntry{name: name, typ: tar.TypeDir} }
func symlink(name, target string) tarEntry {
	return tarEntry{name: name, typ: tar.TypeSymlink, link: target}
}
func hardlink(name, target string) tarEntry {
	return tarEntry{name: name, typ: tar.TypeLink, link: target}
}

// buildTar writes entries into an in-memory tar, whatever they contain.
func buildTar(tb testing.TB, entries ...tarEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode,
			ModTime: time.Unix(0, 0), Format: tar.FormatPAX,
		}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		require.NoError(tb, tw.WriteHeader(h), "writing header %q", e.name)
		if h.Typeflag == tar.TypeReg {
			_, err := tw.Write([]byte(e.body))
			require.NoError(tb, err)
		}
	}
	require.NoError(tb, tw.Close())
	return buf.Bytes()
}

// tree describes everything under dir without following links: a file as
// "file 0644 content", a folder as "dir", a link as "link -> target".
func tree(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		info, err := de.Info()
		if err != nil {
			return err
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			got[rel] = "link -> " + target
		case info.IsDir():
			got[rel] = "dir"
		default:
			body, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			got[rel] = fmt.Sprintf("file %04o %s", info.Mode().Perm(), body)
		}
		return nil
	})
	require.NoError(tb, err, "listing %s", dir)
	return got
}

// paxTar hand-writes a one-file archive whose PAX records archive/tar's
// writer would drop, such as the GNU sparse ones.
func paxTar(name, body string, records map[string]string) []byte {
	var pax strings.Builder
	for _, k := range slices.Sorted(maps.Keys(records)) {
		rec := " " + k + "=" + records[k] + "\n"
		size := len(rec) + 1 // the record counts its own length's digits
		for len(strconv.Itoa(size))+len(rec) != size {
			size++
		}
		pax.WriteString(strconv.Itoa(size) + rec)
	}
	var buf bytes.Buffer
	writeBlock(&buf, "PaxHeaders/"+name, 'x', pax.String())
	writeBlock(&buf, name, '0', body)
	buf.Write(make([]byte, 1024))
	return buf.Bytes()
}

// writeBlock writes a ustar header and its padded data.
func writeBlock(buf *bytes.Buffer, name string, typ byte, data string) {
	h := make([]byte, 512)
	copy(h[0:], name)
	copy(h[100:], "0000644\x00")
	copy(h[108:], "0000000\x00")
	copy(h[116:], "0000000\x00")
	copy(h[124:], fmt.Sprintf("%011o\x00", len(data)))
	copy(h[136:], "00000000000\x00")
	copy(h[148:], "        ")
	h[156] = typ
	copy(h[257:], "ustar\x0000")
	sum := 0
	for _, c := range h {
		sum += int(c)
	}
	copy(h[148:], fmt.Sprintf("%06o\x00 ", sum))
	buf.Write(h)
	buf.WriteString(data)
	buf.Write(make([]byte, (512-len(data)%512)%512))
}
