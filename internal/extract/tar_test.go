package extract

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

// extractCase is one archive and what extracting it must do; the cases also
// seed FuzzExtractTar.
type extractCase struct {
	name      string
	entries   []tarEntry
	keep      func(string) bool
	names     []string          // returned by ExtractTar
	want      map[string]string // the target after Commit, as tree describes it
	err       string            // in ExtractTar's error
	commitErr string            // in Commit's error
}

var extractCases = []extractCase{
	{
		name: "files and folders",
		entries: []tarEntry{
			dir("./"),
			dir("weights/"),
			file("weights/model.safetensors", "tensors"),
			file("./config.json", `{"a":1}`),
			{name: "run.sh", body: "#!/bin/sh", mode: 0o755},
			{name: "setuid", body: "s", mode: 0o4777},
			{name: "locked", body: "l", mode: 0o400},
			file("a/b/c.txt", "deep"),
		},
		names: []string{"weights", "weights/model.safetensors", "config.json", "run.sh", "setuid", "locked", "a/b/c.txt"},
		want: map[string]string{
			"weights":                   "dir",
			"weights/model.safetensors": "file 0644 tensors",
			"config.json":               `file 0644 {"a":1}`,
			"run.sh":                    "file 0755 #!/bin/sh",
			"setuid":                    "file 0755 s",
			"locked":                    "file 0600 l",
			"a":                         "dir",
			"a/b":                       "dir",
			"a/b/c.txt":                 "file 0644 deep",
		},
	},
	{
		name:    "parent climb",
		entries: []tarEntry{file("../evil", "x")},
		err:     `refusing "../evil": path leaves the target folder`,
	},
	{
		name:    "absolute path",
		entries: []tarEntry{file("/etc/passwd", "x")},
		err:     `refusing "/etc/passwd": path is absolute`,
	},
	{
		name:    "climb after a folder",
		entries: []tarEntry{file("a/../../evil", "x")},
		err:     `refusing "a/../../evil": path leaves the target folder`,
	},
	{
		name:    "backslash climb",
		entries: []tarEntry{file(`..\evil`, "x")},
		err:     `contains a backslash`,
	},
	{
		name:    "staging folder name",
		entries: []tarEntry{file(".slipway-pull-123/x", "x")},
		err:     "reserved for Slipway's staging folder",
	},
	{
		name:    "link to an absolute path",
		entries: []tarEntry{symlink("etc", "/etc")},
		err:     `refusing "etc": link to absolute path "/etc"`,
	},
	{
		name:    "link climbing out",
		entries: []tarEntry{symlink("a", "../..")},
		err:     `refusing "a": link to "../.." leaves the target folder`,
	},
	{
		name:    "nested link climbing out",
		entries: []tarEntry{dir("sub/"), symlink("sub/a", "../../x")},
		err:     `refusing "sub/a": link to "../../x" leaves the target folder`,
	},
	{
		name:      "link climbing out through another link",
		entries:   []tarEntry{symlink("sub/b", ".."), symlink("a", "sub/b/../..")},
		names:     []string{"sub/b", "a"},
		commitErr: `refusing "a": link to "sub/b/../.." leaves the target folder through link "sub/b"`,
	},
	{
		name:      "link loop",
		entries:   []tarEntry{symlink("a", "b"), symlink("b", "a")},
		names:     []string{"a", "b"},
		commitErr: "links to follow",
	},
	{
		name: "links inside",
		entries: []tarEntry{
			file("sub/file", "x"),
			symlink("link", "sub/file"),
			symlink("sub/self", "../sub/file"),
			symlink("dangling", "sub/missing"),
		},
		names: []string{"sub/file", "link", "sub/self", "dangling"},
		want: map[string]string{
			"sub":      "dir",
			"sub/file": "file 0644 x",
			"link":     "link -> sub/file",
			"sub/self": "link -> ../sub/file",
			"dangling": "link -> sub/missing",
		},
	},
	{
		name:    "hard link",
		entries: []tarEntry{file("a", "same"), hardlink("b/c", "./a")},
		names:   []string{"a", "b/c"},
		want:    map[string]string{"a": "file 0644 same", "b": "dir", "b/c": "file 0644 same"},
	},
	{
		name:    "hard link outside",
		entries: []tarEntry{hardlink("a", "../../etc/passwd")},
		err:     `refusing "a": hard link to "../../etc/passwd", which is not a name inside the target folder`,
	},
	{
		name:    "hard link to a missing entry",
		entries: []tarEntry{hardlink("a", "b")},
		err:     `refusing "a": hard link to "b", which is not a file extracted before it`,
	},
	{
		name:    "hard link to a folder",
		entries: []tarEntry{dir("d/"), hardlink("a", "d")},
		err:     `refusing "a": hard link to "d", which is not a file extracted before it`,
	},
	{
		name:    "file through an absolute link",
		entries: []tarEntry{symlink("dir", "/tmp"), file("dir/x", "x")},
		err:     `refusing "dir": link to absolute path "/tmp"`,
	},
	{
		name:    "file through a link inside",
		entries: []tarEntry{dir("sub/"), symlink("dir", "sub"), file("dir/x", "x")},
		err:     `refusing "dir/x": "dir" is a symbolic link, not a directory`,
	},
	{
		name:    "file beneath a file",
		entries: []tarEntry{file("a", "x"), file("a/b", "y")},
		err:     `refusing "a/b": "a" is a file, not a directory`,
	},
	{
		name:    "file then folder of the same name",
		entries: []tarEntry{file("a", "x"), dir("a/")},
		err:     `refusing "a" as a directory: already extracted as a file`,
	},
	{
		name:    "folder then link of the same name",
		entries: []tarEntry{file("a/b", "x"), symlink("a", "c")},
		err:     `refusing "a" as a symbolic link: already extracted as a directory`,
	},
	{
		name:    "same file twice",
		entries: []tarEntry{file("a", "first"), file("a", "second")},
		names:   []string{"a"},
		want:    map[string]string{"a": "file 0644 second"},
	},
	{
		name:    "character device",
		entries: []tarEntry{{name: "null", typ: tar.TypeChar}},
		err:     `refusing "null": character device entries are not allowed`,
	},
	{
		name:    "fifo",
		entries: []tarEntry{{name: "pipe", typ: tar.TypeFifo}},
		err:     `refusing "pipe": FIFO entries are not allowed`,
	},
	{
		name:    "keep filter",
		entries: []tarEntry{file("weights/a.bin", "w"), file("README.md", "r"), symlink("skipped", "/etc")},
		keep:    func(name string) bool { return strings.HasPrefix(name, "weights/") },
		names:   []string{"weights/a.bin"},
		want:    map[string]string{"weights": "dir", "weights/a.bin": "file 0644 w"},
	},
	{
		name:    "hostile name is refused even when not kept",
		entries: []tarEntry{file("../evil", "x")},
		keep:    func(string) bool { return false },
		err:     "path leaves the target folder",
	},
}

func TestExtractTar(t *testing.T) {
	for _, tc := range extractCases {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			root := filepath.Join(parent, "model")
			d, err := Open(root)
			require.NoError(t, err)
			defer d.Abort()

			names, err := d.ExtractTar(bytes.NewReader(buildTar(t, tc.entries...)), tc.keep)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err, "ExtractTar(%s)", tc.name)
				require.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
				require.Error(t, d.Commit(), "Commit after a refused entry")
				require.NoError(t, d.Abort())
				require.NoDirExists(t, root, "target after a refused archive: Open made it, Abort removes it")
				return
			}
			require.NoError(t, err, "ExtractTar(%s)", tc.name)
			require.Equal(t, tc.names, names, "names returned by ExtractTar")

			err = d.Commit()
			if tc.commitErr != "" {
				require.ErrorContains(t, err, tc.commitErr, "Commit(%s)", tc.name)
				require.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
				require.NoDirExists(t, root, "target after a refused Commit: Open made it, Abort removes it")
				return
			}
			require.NoError(t, err, "Commit(%s)", tc.name)
			require.Equal(t, tc.want, tree(t, root), "target after Commit")
			require.Equal(t, map[string]string{"model": "dir"}, topLevel(t, parent), "beside the target")
		})
	}
}

// topLevel lists parent without descending into it.
func topLevel(t *testing.T, parent string) map[string]string {
	t.Helper()
	des, err := os.ReadDir(parent)
	require.NoError(t, err)
	got := map[string]string{}
	for _, de := range des {
		got[de.Name()] = "dir"
		if !de.IsDir() {
			got[de.Name()] = "other"
		}
	}
	return got
}

// failingReader returns its data, then err instead of the rest.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestExtractTarReaderFails(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "old.txt"), []byte("before"), 0o644))
	before := tree(t, root)

	big := strings.Repeat("w", 64<<10)
	archive := buildTar(t, file("small.txt", "s"), file("weights.bin", big), file("after.txt", "a"))
	cut := bytes.Index(archive, []byte(big)) + len(big)/2 // in the middle of weights.bin
	errBoom := errors.New("connection reset")

	d, err := Open(root)
	require.NoError(t, err)
	_, err = d.ExtractTar(&failingReader{data: archive[:cut], err: errBoom}, nil)
	require.ErrorIs(t, err, errBoom, "ExtractTar of a stream that breaks")
	require.ErrorContains(t, d.Commit(), "an earlier write failed", "Commit after a failed write")
	require.NoError(t, d.Abort())
	require.Equal(t, before, tree(t, root), "target after Abort")
}

func TestExtractTarSparse(t *testing.T) {
	archive := paxTar("big", "x", map[string]string{
		"GNU.sparse.numblocks": "1", "GNU.sparse.map": "0,1", "GNU.sparse.size": "1000000000000",
	})
	hdr, err := tar.NewReader(bytes.NewReader(archive)).Next()
	require.NoError(t, err, "reading the hand-made archive")
	require.Equal(t, int64(1000000000000), hdr.Size, "archive/tar reads it as a sparse 1 TB file")

	d, err := Open(t.TempDir())
	require.NoError(t, err)
	defer d.Abort()
	_, err = d.ExtractTar(bytes.NewReader(archive), nil)
	require.ErrorContains(t, err, `refusing "big": sparse files are not allowed`)
	require.Equal(t, fault.Usage, fault.KindOf(err))
}

func TestCommitOverExistingLinks(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, root, outside string)
		entries []tarEntry
		err     string
		want    map[string]string // files of the target after Commit, links left out
	}{
		{
			name:    "absolute link to a folder outside",
			setup:   func(t *testing.T, root, outside string) { must(t, os.Symlink(outside, filepath.Join(root, "escape"))) },
			entries: []tarEntry{file("escape/x", "x")},
			err:     `refusing "escape/x": "escape" is a link that leaves the target folder`,
		},
		{
			name:    "relative link to a folder outside",
			setup:   func(t *testing.T, root, outside string) { must(t, os.Symlink("../outside", filepath.Join(root, "up"))) },
			entries: []tarEntry{dir("up/"), file("up/x", "x")},
			err:     `"up" is a link that leaves the target folder`,
		},
		{
			name:    "staged link through a link outside",
			setup:   func(t *testing.T, root, outside string) { must(t, os.Symlink("../outside", filepath.Join(root, "up"))) },
			entries: []tarEntry{symlink("peek", "up/secret")},
			err:     `refusing "peek": link to "up/secret" leaves the target folder through link "up"`,
		},
		{
			name: "link at the final name is replaced, not written through",
			setup: func(t *testing.T, root, outside string) {
				must(t, os.WriteFile(filepath.Join(outside, "passwd"), []byte("secret"), 0o644))
				must(t, os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(root, "model.bin")))
			},
			entries: []tarEntry{file("model.bin", "weights")},
			want:    map[string]string{"model.bin": "file 0644 weights"},
		},
		{
			name: "link inside the target is followed",
			setup: func(t *testing.T, root, outside string) {
				must(t, os.Mkdir(filepath.Join(root, "v1"), 0o755))
				must(t, os.Symlink("v1", filepath.Join(root, "current")))
			},
			entries: []tarEntry{file("current/x", "x")},
			want:    map[string]string{"v1": "dir", "v1/x": "file 0644 x"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			root, outside := filepath.Join(parent, "model"), filepath.Join(parent, "outside")
			must(t, os.Mkdir(root, 0o755))
			must(t, os.Mkdir(outside, 0o755))
			tc.setup(t, root, outside)
			outsideBefore := tree(t, outside)

			d, err := Open(root)
			require.NoError(t, err)
			_, err = d.ExtractTar(bytes.NewReader(buildTar(t, tc.entries...)), nil)
			require.NoError(t, err, "ExtractTar stages without touching the target")
			err = d.Commit()
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
			} else {
				require.NoError(t, err)
				got := tree(t, root)
				for name, desc := range got {
					if strings.HasPrefix(desc, "link") {
						delete(got, name)
					}
				}
				require.Equal(t, tc.want, got, "target after Commit")
			}
			require.Equal(t, outsideBefore, tree(t, outside), "the folder outside the target")
			require.Equal(t, map[string]string{"model": "dir", "outside": "dir"}, topLevel(t, parent))
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	require.NoError(t, err)
}

func TestWriteFile(t *testing.T) {
	root := filepath.Join(t.TempDir(), "new", "model")
	d, err := Open(root)
	require.NoError(t, err, "Open creates a missing target")

	require.NoError(t, d.WriteFile("weights/model.safetensors", 0o644, strings.NewReader("tensors")))
	require.Equal(t, map[string]string{}, visible(t, root), "nothing visible before Commit")
	require.NoError(t, d.Commit())
	require.Equal(t, map[string]string{
		"weights":                   "dir",
		"weights/model.safetensors": "file 0644 tensors",
	}, tree(t, root))
	require.NoError(t, d.Abort(), "Abort after Commit")
	require.Error(t, d.WriteFile("b", 0o644, strings.NewReader("b")), "WriteFile after Commit")

	d, err = Open(root)
	require.NoError(t, err)
	defer d.Abort()
	err = d.WriteFile("../x", 0o644, strings.NewReader("x"))
	require.ErrorContains(t, err, `refusing "../x": path leaves the target folder`)
	require.Equal(t, fault.Usage, fault.KindOf(err))
}

// visible is tree without the staging folder.
func visible(t *testing.T, root string) map[string]string {
	got := tree(t, root)
	for name := range got {
		if strings.HasPrefix(name, stagingPrefix) {
			delete(got, name)
		}
	}
	return got
}

func TestOpenOnAFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	must(t, os.WriteFile(f, nil, 0o644))
	_, err := Open(f)
	require.Error(t, err, "Open(%s) on a regular file", f)
}
