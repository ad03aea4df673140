package policy

import (
	"io/fs"

	"github.com/slipwayhq/slipway/internal/oci"
)

// Sources says where policies and data come from. Any mix may be given; a
// policy file met twice with the same content (the same folder given twice)
// is loaded once.
type Sources struct {
	// Paths are folders (searched recursively for *.rego, and for data.json,
	// data.yaml or data.yml documents rooted at their folder, as in an OPA
	// bundle), single .rego files, and .tar.gz OPA bundles.
	Paths []string
	// FS are file systems, e.g. the policy library embedded in the binary.
	FS []FSSource
	// OCI are policy bundles in a registry or layout, read in memory (conftest
	// push's format, or an OPA bundle tarball layer).
	OCI []OCISource
	// Data are JSON or YAML documents (files, or folders searched for them)
	// merged at the root of data: objects are deep-merged, any other clash
	// between two of them is an error naming both files. They override,
	// key by key, the data that comes with the policies (the library's
	// defaults), whose documents merge with each other the same strict way.
	Data []string
}

// FSSource is a folder in a file system, loaded like a folder on disk.
type FSSource struct {
	FS   fs.FS
	Root string
}

// FromFS returns the source for root (a slash-separated path, "." for all)
// in fsys: policy.Sources{FS: []policy.FSSource{policy.FromFS(library, "policies")}}.
func FromFS(fsys fs.FS, root string) FSSource { return FSSource{FS: fsys, Root: root} }

// OCISource is a policy bundle in a store, named by tag or digest.
type OCISource struct {
	Store oci.Store
	ID    string
}

// File is one policy or data file that went into an engine, with the
// sha256 of its bytes, so that a verdict can name exactly what decided it.
type File struct {
	// Name is how messages refer to the file: the path as given, an fs.FS
	// path, or bundle-or-reference/path-inside.
	Name   string `json:"name"`
	Digest string `json:"digest"`
	// Data is set for data documents, clear for Rego modules.
	Data bool `json:"data,omitempty"`
}
