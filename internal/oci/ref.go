// Package oci stores and moves OCI content: a local OCI image layout or a
// registry behind one Store interface, copies with referrers, credentials
// and progress. It knows nothing about models.
package oci

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
)

// LayoutPrefix marks a reference to a local OCI image layout.
const LayoutPrefix = "oci:"

// Ref names content in a store: a registry repository or a local OCI image
// layout (one repository per layout), optionally with a tag or a digest.
type Ref struct {
	// Layout is the layout folder; empty for a registry reference.
	Layout string
	// Repo is the registry repository; zero for a layout reference.
	Repo name.Repository
	// Tag and Digest select content; at most one of them is set.
	Tag    string
	Digest string
}

// ParseRef parses `oci:DIR[:tag|@sha256:…]` or `host[:port]/path[:tag|@sha256:…]`.
// insecure allows plain HTTP to registries other than localhost and 127.0.0.1.
func ParseRef(s string, insecure bool) (Ref, error) {
	if s == "" {
		return Ref{}, fault.Usagef("empty reference: give oci:DIR or host/repository[:tag]")
	}
	if rest, ok := strings.CutPrefix(s, LayoutPrefix); ok {
		return parseLayoutRef(s, rest)
	}
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(s, append(opts, name.WithDefaultTag(""))...)
	if err != nil {
		return Ref{}, fault.Usagef("reference %q: %w (want host/repository[:tag|@sha256:…] or oci:DIR)", s, err)
	}
	if err := checkRepoPath(s, r.Context().RepositoryStr()); err != nil {
		return Ref{}, err
	}
	ref := Ref{Repo: r.Context()}
	switch r := r.(type) {
	case name.Tag:
		ref.Tag = r.TagStr()
	case name.Digest:
		ref.Digest = r.DigestStr()
	}
	return ref, nil
}

// checkRepoPath refuses `.`, `..` and empty segments in a registry
// repository path. go-containerregistry accepts them, and a registry or a
// proxy in front of it may resolve them, so `host/team/../other` could reach
// a repository other than the one the user (and a policy) reads.
func checkRepoPath(orig, repo string) error {
	for _, seg := range strings.Split(repo, "/") {
		switch seg {
		case ".", "..", "":
			return fault.Usagef("reference %q: repository %q has a %q path segment: name the repository without . or .. or empty segments", orig, repo, seg)
		}
	}
	return nil
}

func parseLayoutRef(orig, rest string) (Ref, error) {
	var ref Ref
	if dir, dig, ok := strings.Cut(rest, "@"); ok {
		if _, err := v1.NewHash(dig); err != nil {
			return Ref{}, fault.Usagef("reference %q: bad digest %q: %w", orig, dig, err)
		}
		rest, ref.Digest = dir, dig
	} else if i := strings.LastIndex(rest, ":"); i > 0 && i < len(rest)-1 && !strings.ContainsAny(rest[i+1:], `/\`) {
		tag := rest[i+1:]
		if _, err := name.NewTag("example.com/x:"+tag, name.StrictValidation); err != nil {
			return Ref{}, fault.Usagef("reference %q: bad tag %q", orig, tag)
		}
		rest, ref.Tag = rest[:i], tag
	}
	if rest == "" {
		return Ref{}, fault.Usagef("reference %q: no folder after %q", orig, LayoutPrefix)
	}
	ref.Layout = filepath.Clean(rest)
	return ref, nil
}

// IsLayout reports whether r names a local OCI image layout.
func (r Ref) IsLayout() bool { return r.Layout != "" }

// Registry is the registry host, or "" for a layout.
func (r Ref) Registry() string {
	if r.IsLayout() {
		return ""
	}
	return r.Repo.RegistryStr()
}

// Repository is the string form without tag or digest.
func (r Ref) Repository() string {
	if r.IsLayout() {
		return LayoutPrefix + r.Layout
	}
	return r.Repo.Name()
}

// WithTag returns r selecting tag.
func (r Ref) WithTag(tag string) Ref { r.Tag, r.Digest = tag, ""; return r }

// WithDigest returns r pinned to digest.
func (r Ref) WithDigest(digest string) Ref { r.Tag, r.Digest = "", digest; return r }

// String is the reference as a user would type it.
func (r Ref) String() string {
	s := r.Repository()
	switch {
	case r.Digest != "":
		return s + "@" + r.Digest
	case r.Tag != "":
		return s + ":" + r.Tag
	}
	return s
}

// Identifier is the tag or digest r selects, or "".
func (r Ref) Identifier() string {
	if r.Digest != "" {
		return r.Digest
	}
	return r.Tag
}

func (r Ref) nameRef() (name.Reference, error) {
	switch {
	case r.Digest != "":
		return r.Repo.Digest(r.Digest), nil
	case r.Tag != "":
		return r.Repo.Tag(r.Tag), nil
	}
	return nil, fmt.Errorf("reference %s has no tag or digest", r)
}

// ShortDigest is a digest cut for people to read, as git shortens commits:
// its algorithm and 12 hex digits (sha256:0123456789ab). Anything that is
// not algorithm:hex, or is short already, is returned as it is.
func ShortDigest(d string) string {
	algo, hex, ok := strings.Cut(d, ":")
	if !ok || len(hex) <= 12 {
		return d
	}
	return algo + ":" + hex[:12]
}
