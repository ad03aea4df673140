package deploy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// Actions a deploy carries out.
const (
	ActionPromote  = "promote"
	ActionRollback = "rollback"
)

// maxAttempts bounds the retries of a push that lost a race.
const maxAttempts = 3

// Request is one write of a digest into an environment's deploy repository.
type Request struct {
	// Target is the environment's deploy block of slipway.yaml.
	Target config.Deploy
	// Env is the environment's name.
	Env string
	// Action is promote or rollback (the commit message says which).
	Action string
	// Image is what is written.
	Image Image
	// Model and Version name the model, for the commit message and title.
	Model, Version string
	// Gate is the gate verdict relied on (pass, warn, none…).
	Gate string
	// Record names the promotion record (REPO@sha256:… of the record, or
	// the environment's history tag).
	Record string
	// Actor is who promoted.
	Actor string
	// Report is the gate report (markdown): the body of a pull request.
	Report string
	// DryRun clones and edits, and returns the diff, without committing
	// or pushing anything.
	DryRun bool
	// Getenv reads the credentials and GIT_AUTHOR_*; nil reads none.
	Getenv func(string) string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// HTTPClient calls the GitHub or GitLab API; nil is http.DefaultClient.
	HTTPClient *http.Client

	// beforePush runs before each push (tests make the branch move there).
	beforePush func(attempt int)
}

// Result is what a deploy did.
type Result struct {
	// Repo is the deploy repository (without credentials).
	Repo string `json:"repo"`
	// Branch is the branch the cluster follows.
	Branch string `json:"branch"`
	// Mode is commit or pull-request.
	Mode string `json:"mode"`
	// Files are the files that changed, in the repository.
	Files []string `json:"files,omitempty"`
	// Changed is set when the files needed a change; unset when the
	// repository already had the digest (nothing committed or pushed).
	Changed bool `json:"changed"`
	// Commit is the SHA of the commit that carries the change (on Branch,
	// or on the pull request's branch).
	Commit string `json:"commit,omitempty"`
	// Pushed is set when this run pushed.
	Pushed bool `json:"pushed"`
	// DryRun is set when nothing was committed; Diff is the change then.
	DryRun bool   `json:"dryRun,omitempty"`
	Diff   string `json:"diff,omitempty"`
	// PullRequest is the pull or merge request (pull-request mode).
	PullRequest *PullRequest `json:"pullRequest,omitempty"`
	// Attempts is how many times the change was made: more than one when
	// the branch moved during a push.
	Attempts int `json:"attempts"`
}

// Run writes req.Image into the deploy repository: a shallow clone of the
// branch, the updates, one commit, and a push (commit mode) or a push of
// the branch slipway/ENV and a pull/merge request (pull-request mode). A
// repository that already has the digest gets no commit and no second
// request. A push that loses a race is retried on a fresh clone.
func Run(ctx context.Context, req Request) (*Result, error) {
	getenv := req.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	r, err := newRemote(req.Target, req.Env, getenv)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		res, err := req.once(ctx, r, getenv, attempt)
		if errors.Is(err, errNonFastForward) && attempt < maxAttempts {
			continue
		}
		if errors.Is(err, errNonFastForward) {
			return nil, fault.Runtimef("pushing to %s: %d attempts lost the race with other pushes to %s: %w", r.display(), attempt, req.Target.Branch, err)
		}
		return res, err
	}
}

func (req *Request) once(ctx context.Context, r *remote, getenv func(string) string, attempt int) (*Result, error) {
	t := req.Target
	res := &Result{Repo: r.display(), Branch: t.Branch, Mode: t.Mode, DryRun: req.DryRun, Attempts: attempt}
	repo, dir, err := r.clone(ctx)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	root, err := os.OpenRoot(filepath.Join(dir, filepath.FromSlash(t.Path)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fault.Usagef("deploy.path %s of %s is not a folder of %s on %s: check the path in slipway.yaml", t.Path, req.Env, r.display(), t.Branch)
	}
	if err != nil {
		return nil, err
	}
	defer root.Close()
	e := newEditor(root, t.Path)
	for _, u := range t.Updates {
		if err := e.apply(u, req.Image); err != nil {
			return nil, fmt.Errorf("deploy of %s, %s update: %w", req.Env, u.Type, err)
		}
	}
	if res.Files, err = e.save(); err != nil {
		return nil, err
	}
	now := time.Now
	if req.Now != nil {
		now = req.Now
	}
	c, err := commitAll(repo, res.Files, req.message(), signature(getenv, now()))
	if err != nil || c == nil {
		return res, err // nothing to change: the repository has the digest
	}
	res.Changed = true
	if req.DryRun {
		res.Diff, err = diff(c)
		return res, err
	}
	if req.beforePush != nil {
		req.beforePush(attempt)
	}
	if t.Mode != config.DeployPullRequest {
		if err := r.push(ctx, repo, "refs/heads/"+t.Branch+":refs/heads/"+t.Branch, t.Branch, c.ParentHashes[0]); err != nil {
			return nil, err
		}
		res.Commit, res.Pushed = c.Hash.String(), true
		return res, nil
	}
	return res, req.pullRequest(ctx, r, repo, c, getenv, res)
}

// Branch is the branch that carries an environment's pull request.
func Branch(env string) string { return "slipway/" + env }

// pullRequest pushes the commit to slipway/ENV unless that branch already
// has the same tree, then opens or updates the pull/merge request.
func (req *Request) pullRequest(ctx context.Context, r *remote, repo *git.Repository, c *object.Commit, getenv func(string) string, res *Result) error {
	head := Branch(req.Env)
	res.Commit = c.Hash.String()
	remoteHead, err := r.remoteHead(ctx, repo, head)
	if err != nil {
		return err
	}
	same := false
	if !remoteHead.IsZero() {
		tree, err := r.fetchTree(ctx, repo, head, remoteHead)
		if err != nil {
			return err
		}
		if same = tree == c.TreeHash; same {
			res.Commit = remoteHead.String()
		}
	}
	if !same {
		if err := r.push(ctx, repo, "+refs/heads/"+req.Target.Branch+":refs/heads/"+head, head, plumbing.ZeroHash); err != nil {
			return err
		}
		res.Pushed = true
	}
	hc := req.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	res.PullRequest, err = openReview(ctx, req.Target, r, hc, getenv(req.Target.TokenEnv), review{
		title: req.title(), body: req.body(res.Files), head: head, base: req.Target.Branch,
	})
	return err
}

// diff is the unified diff of c against its parent.
func diff(c *object.Commit) (string, error) {
	parent, err := c.Parent(0)
	if err != nil {
		return "", err
	}
	p, err := parent.Patch(c)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

func (req *Request) what() string {
	return strings.TrimSpace(cmpOr(req.Model, "image") + " " + req.Version)
}

func (req *Request) title() string {
	if req.Action == ActionRollback {
		return fmt.Sprintf("Roll %s back to %s (%s)", req.Env, req.what(), oci.ShortDigest(req.Image.Digest))
	}
	return fmt.Sprintf("Promote %s to %s (%s)", req.what(), req.Env, oci.ShortDigest(req.Image.Digest))
}

// message is the commit message: the title, then what a reviewer or an
// auditor looks for, as git trailers.
func (req *Request) message() string {
	var b strings.Builder
	b.WriteString(req.title() + "\n\n")
	fmt.Fprintf(&b, "Model: %s\n", req.what())
	fmt.Fprintf(&b, "Version: %s\n", cmpOr(req.Version, "(none)"))
	fmt.Fprintf(&b, "Image: %s@%s\n", req.Image.Repository, req.Image.Digest)
	fmt.Fprintf(&b, "Digest: %s\n", req.Image.Digest)
	fmt.Fprintf(&b, "Gate: %s\n", cmpOr(req.Gate, "none"))
	fmt.Fprintf(&b, "Promotion-Record: %s\n", cmpOr(req.Record, "(none)"))
	if req.Actor != "" {
		fmt.Fprintf(&b, "Promoted-By: %s\n", req.Actor)
	}
	return b.String()
}

// body is the pull request's description: what it changes and the gate
// report.
func (req *Request) body(files []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Slipway %s of `%s@%s` to **%s**.\n\n", cmpOr(req.Action, ActionPromote), req.Image.Repository, req.Image.Digest, req.Env)
	fmt.Fprintf(&b, "- Gate: %s\n- Promotion record: `%s`\n", cmpOr(req.Gate, "none"), cmpOr(req.Record, "(none)"))
	for _, f := range files {
		fmt.Fprintf(&b, "- Changes `%s`\n", f)
	}
	if req.Report != "" {
		b.WriteString("\n" + req.Report)
	}
	return b.String()
}
