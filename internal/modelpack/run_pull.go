package modelpack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dustin/go-humanize/english"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/progress"
	"github.com/slipwayhq/slipway/internal/untrusted"
)

// PullRequest says which model PullModel fetches into which folder.
type PullRequest struct {
	// Client reaches the source; the command-line credentials go to its registry.
	Client oci.Client
	// Ref is the model, with a tag or digest; "" takes the lock's reference
	// and digest, and checks the files against the lock.
	Ref string
	// Dir is the folder the files go to.
	Dir string
	// Lock is the lock file read when Ref is "".
	Lock string
	// Only lists roles or path globs to fetch (all files when empty).
	Only []string
	// Progress starts the "pull" bar.
	Progress progress.Factory
	// MaxExtractSize caps what one compressed layer may expand to (0:
	// extract.DefaultMaxExtractSize).
	MaxExtractSize int64
	// Force overwrites files of Dir that were edited locally; without it
	// such a pull is refused (fault.Denied) naming them.
	Force bool
}

// PullResult is what PullModel fetched.
type PullResult struct {
	// Reference is the model pinned by digest.
	Reference string `json:"reference"`
	// Digest is the artifact's manifest digest.
	Digest string `json:"digest"`
	// Dir is the folder written.
	Dir string `json:"dir"`
	// Files are the paths written, folders left out.
	Files []string `json:"files"`
	// Name and Version are the model's, from its config.
	Name    string `json:"name"`
	Version string `json:"version"`
}

// PullModel writes the files of the model req.Ref (or the lock's) into
// req.Dir, every byte verified as it streams. Pulled by lock without Only,
// the folder must then match the lock: files that differ are refused with
// fault.Denied and a *MismatchError (extra files in the folder are fine).
func PullModel(ctx context.Context, req PullRequest) (*PullResult, error) {
	sel, err := ParseSelection(req.Only)
	if err != nil {
		return nil, err
	}
	var lock *Lock
	refStr := req.Ref
	if refStr == "" {
		if lock, err = ReadLock(req.Lock); err != nil {
			return nil, err
		}
		refStr = lock.Reference
	}
	ref, err := req.Client.Parse(refStr)
	if err != nil {
		return nil, err
	}
	if lock != nil {
		ref = ref.WithDigest(lock.Digest)
	}
	if ref.Identifier() == "" {
		return nil, fault.Usagef("REF %s: give a tag or digest", ref)
	}
	store := req.Client.For(ref).Open(ref)
	art, err := Open(ctx, store, ref.Identifier())
	if err != nil {
		return nil, err
	}
	if !req.Force {
		if err := refuseLocalEdits(ctx, store, art, req.Dir, sel); err != nil {
			return nil, err
		}
	}
	bar := req.Progress.Start("pull", art.Size())
	written, err := Pull(ctx, store, art, req.Dir, PullOptions{Select: sel, Progress: bar.Add, MaxExtractSize: req.MaxExtractSize})
	bar.Finish()
	if err != nil {
		return nil, err
	}
	if lock != nil && len(req.Only) == 0 {
		if err := checkAgainstLock(req.Dir, req.Lock, lock); err != nil {
			return nil, err
		}
	}
	if len(req.Only) == 0 {
		// The folder's own lock records what it now holds: verify DIR checks
		// it, and the next pull tells these files from local edits.
		if lock == nil {
			files, err := art.Files(ctx, store)
			if err != nil {
				return nil, err
			}
			lock = &Lock{LockVersion: LockVersion, Name: art.Name, Version: art.Version, Reference: ref.String(),
				Digest: art.Descriptor.Digest.String(), ArtifactType: ArtifactType, Files: files}
		}
		if err := lock.Write(DefaultLock(req.Dir)); err != nil {
			return nil, err
		}
	}
	return &PullResult{
		Reference: ref.WithDigest(art.Descriptor.Digest.String()).String(), Digest: art.Descriptor.Digest.String(),
		Dir: req.Dir, Files: written, Name: art.Name, Version: art.Version,
	}, nil
}

// checkAgainstLock refuses a pulled folder whose files differ from the lock.
func checkAgainstLock(dir, path string, lock *Lock) error {
	changes, err := VerifyDir(dir, lock, nil)
	if err != nil {
		return err
	}
	var bad []Change
	for _, c := range changes {
		if c.Kind != "extra" { // the folder may hold other files
			bad = append(bad, c)
		}
	}
	if len(bad) > 0 {
		return fault.Wrap(fault.Denied, &MismatchError{Dir: dir, Lock: path, Changes: bad, AfterPull: true})
	}
	return nil
}

// refuseLocalEdits refuses a pull that would overwrite a file of dir whose
// bytes are neither what the pull writes nor what dir's own lock records
// (the version pulled or packed there before): an edit made by hand.
func refuseLocalEdits(ctx context.Context, store oci.Store, art *Artifact, dir string, sel Selection) error {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return nil // a new or empty folder has nothing to lose
	}
	files, err := art.Files(ctx, store)
	if err != nil {
		return err
	}
	known := map[string]string{}
	if prev, err := ReadLock(DefaultLock(dir)); err == nil {
		for _, f := range prev.Files {
			known[f.Path] = f.SHA256
		}
	}
	var edited []string
	for _, f := range files {
		if !sel.all() && !sel.Roles[f.Role] && !sel.matchPath(f.Path) {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		sum, err := hashFile(p, nil)
		if err != nil {
			return err
		}
		if sum != f.SHA256 && sum != known[f.Path] {
			edited = append(edited, f.Path)
		}
	}
	if len(edited) == 0 {
		return nil
	}
	slices.Sort(edited)
	shown := edited
	if len(shown) > 10 {
		shown = append(shown[:10:10], fmt.Sprintf("and %d more", len(edited)-10))
	}
	return fault.Deniedf("pull into %s would overwrite local edits to %s (%s): pass --force to overwrite them, or pull into another folder",
		dir, english.Plural(len(edited), "file", "files"), untrusted.Text(strings.Join(shown, ", ")))
}
