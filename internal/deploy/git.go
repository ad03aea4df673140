package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
)

// remote is the deploy repository with the credentials to reach it.
type remote struct {
	target config.Deploy
	env    string
	auth   transport.AuthMethod
	// secret is the credential's value, scrubbed from every error.
	secret string
	// credential names where the credential came from, for messages.
	credential string
}

// newRemote picks the credentials for t.Repo from the environment: an
// HTTPS token for http(s) URLs, an SSH key (PEM, or a file) for ssh ones,
// none for file://.
func newRemote(t config.Deploy, env string, getenv func(string) string) (*remote, error) {
	r := &remote{target: t, env: env}
	switch scheme(t.Repo) {
	case "http", "https":
		r.credential = "$" + t.TokenEnv
		if tok := getenv(t.TokenEnv); tok != "" {
			user := "x-access-token"
			if provider(t) == "gitlab" {
				user = "oauth2"
			}
			r.auth, r.secret = &githttp.BasicAuth{Username: user, Password: tok}, tok
		}
	case "ssh":
		r.credential = "$" + t.SSHKeyEnv
		key := getenv(t.SSHKeyEnv)
		if key == "" {
			break // ssh-agent, as git does
		}
		user := "git"
		if u, err := url.Parse(t.Repo); err == nil && u.User != nil {
			user = u.User.Username()
		}
		var err error
		if strings.Contains(key, "-----BEGIN") {
			r.auth, err = gitssh.NewPublicKeys(user, []byte(key), "")
			r.secret = key
		} else {
			r.auth, err = gitssh.NewPublicKeysFromFile(user, key, "")
		}
		if err != nil {
			return nil, fault.Usagef("the SSH key in %s: %v", r.credential, r.scrub(err))
		}
	}
	return r, nil
}

// scheme is a repository URL's scheme; scp-like addresses are ssh.
func scheme(repo string) string {
	if u, err := url.Parse(repo); err == nil && u.Scheme != "" {
		if u.Scheme == "git" {
			return "ssh"
		}
		return u.Scheme
	}
	return "ssh"
}

// display is the repository URL without any password in it.
func (r *remote) display() string {
	if u, err := url.Parse(r.target.Repo); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return r.target.Repo
}

// scrub removes the credential's value (and any password in the URL)
// from an error message.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

func (r *remote) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r.secret != "" {
		msg = strings.ReplaceAll(msg, r.secret, "***")
	}
	if u, perr := url.Parse(r.target.Repo); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "***")
		}
	}
	return &scrubbed{msg: msg, err: err}
}

// clone makes a shallow clone of the deploy branch in a new temporary
// folder; the caller removes it.
func (r *remote) clone(ctx context.Context) (*git.Repository, string, error) {
	dir, err := os.MkdirTemp("", "slipway-deploy-*")
	if err != nil {
		return nil, "", err
	}
	repo, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{
		URL: r.target.Repo, Auth: r.auth, ReferenceName: plumbing.NewBranchReferenceName(r.target.Branch),
		SingleBranch: true, Depth: 1, Tags: git.NoTags,
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", r.classify("cloning", err)
	}
	return repo, dir, nil
}

// classify turns a transport error into one that says what to fix.
func (r *remote) classify(doing string, err error) error {
	where := fmt.Sprintf("%s %s (deploy repository of %s)", doing, r.display(), r.env)
	err = r.scrub(err)
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed):
		if r.auth == nil {
			return fault.Usagef("%s: it wants credentials: set %s (its value is never printed): %w", where, r.credential, err)
		}
		return fault.Usagef("%s: it refused the credentials in %s (the value is not shown): %w", where, r.credential, err)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fault.Usagef("%s: no such repository: check deploy.repo in slipway.yaml (or the access of %s): %w", where, r.credential, err)
	case errors.Is(err, plumbing.ErrReferenceNotFound), isNoBranch(err):
		return fault.Usagef("%s: it has no branch %s: check deploy.branch: %w", where, r.target.Branch, err)
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return fault.Usagef("%s: the repository is empty: commit the manifests to %s first: %w", where, r.target.Branch, err)
	}
	return fault.Runtimef("%s: %w", where, err)
}

func isNoBranch(err error) bool {
	var nm git.NoMatchingRefSpecError
	return errors.As(err, &nm) || strings.Contains(err.Error(), "couldn't find remote ref")
}

// commitAll commits the changed files (paths in the repository) and
// returns the new commit, or nil when the tree did not change.
func commitAll(repo *git.Repository, files []string, msg string, sig object.Signature) (*object.Commit, error) {
	wt, err := repo.Worktree()
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if _, err := wt.Add(f); err != nil {
			return nil, fmt.Errorf("staging %s: %w", f, err)
		}
	}
	status, err := wt.Status()
	if err != nil {
		return nil, err
	}
	if status.IsClean() {
		return nil, nil
	}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: &sig, Committer: &sig})
	if err != nil {
		return nil, fmt.Errorf("committing: %w", err)
	}
	return repo.CommitObject(h)
}

// errNonFastForward is a push that lost a race: the branch moved since
// the clone.
var errNonFastForward = errors.New("the branch moved since it was cloned")

// push pushes refspec; it returns errNonFastForward (wrapped) when the
// remote branch has moved on, and a Denied error when the remote refuses
// the update (a protected branch, a hook).
//
// parent is the commit the pushed one was made on; when the remote
// branch (dst) has moved past it, the push is not tried, and when a push
// fails, a branch that moved in the meantime explains it (a shallow clone
// cannot tell a lost race from a missing object).
func (r *remote) push(ctx context.Context, repo *git.Repository, spec string, dst string, parent plumbing.Hash) error {
	moved := func() bool {
		if parent.IsZero() {
			return false
		}
		head, err := r.remoteHead(ctx, repo, dst)
		return err == nil && head != parent
	}
	if moved() {
		return fmt.Errorf("%w: %s is no longer at %s", errNonFastForward, dst, parent)
	}
	err := repo.PushContext(ctx, &git.PushOptions{RemoteName: "origin", RefSpecs: []gitconfig.RefSpec{gitconfig.RefSpec(spec)}, Auth: r.auth})
	if err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	if moved() {
		return fmt.Errorf("%w: %v", errNonFastForward, r.scrub(err))
	}
	msg := err.Error()
	// go-git and the remote report these only as text.
	switch {
	case strings.Contains(msg, "non-fast-forward"), strings.Contains(msg, "fetch first"), strings.Contains(msg, "failed to update ref"):
		return fmt.Errorf("%w: %v", errNonFastForward, r.scrub(err))
	case strings.Contains(msg, "declined"), strings.Contains(msg, "protected"), strings.Contains(msg, "denied"), strings.Contains(msg, "rejected"):
		hint := "a protected branch takes changes by review: set mode: pull-request in the deploy block of " + r.env
		if r.target.Mode == config.DeployPullRequest {
			hint = "check that the token in " + r.credential + " may push branches"
		}
		return fault.Deniedf("pushing to %s (deploy repository of %s): the repository refused the update of %s: %v; %s",
			r.display(), r.env, strings.TrimPrefix(strings.SplitN(spec, ":", 2)[1], "refs/heads/"), r.scrub(err), hint)
	}
	return r.classify("pushing to", err)
}

// remoteHead is the commit the branch names on the remote, or "".
func (r *remote) remoteHead(ctx context.Context, repo *git.Repository, branch string) (plumbing.Hash, error) {
	rem, err := repo.Remote("origin")
	if err != nil {
		return plumbing.ZeroHash, err
	}
	refs, err := rem.ListContext(ctx, &git.ListOptions{Auth: r.auth})
	if err != nil {
		return plumbing.ZeroHash, r.classify("listing", err)
	}
	for _, ref := range refs {
		if ref.Name() == plumbing.NewBranchReferenceName(branch) {
			return ref.Hash(), nil
		}
	}
	return plumbing.ZeroHash, nil
}

// fetchTree fetches branch's head and returns its tree hash.
func (r *remote) fetchTree(ctx context.Context, repo *git.Repository, branch string, head plumbing.Hash) (plumbing.Hash, error) {
	spec := gitconfig.RefSpec("+refs/heads/" + branch + ":refs/remotes/origin/" + branch)
	err := repo.FetchContext(ctx, &git.FetchOptions{RemoteName: "origin", RefSpecs: []gitconfig.RefSpec{spec}, Depth: 1, Auth: r.auth, Tags: git.NoTags})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return plumbing.ZeroHash, r.classify("fetching "+branch+" from", err)
	}
	c, err := repo.CommitObject(head)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return c.TreeHash, nil
}

// signature is the author of Slipway's commits: GIT_AUTHOR_NAME and
// GIT_AUTHOR_EMAIL when set, as git reads them.
func signature(getenv func(string) string, now time.Time) object.Signature {
	return object.Signature{
		Name:  cmpOr(getenv("GIT_AUTHOR_NAME"), "Slipway"),
		Email: cmpOr(getenv("GIT_AUTHOR_EMAIL"), "slipway@localhost"),
		When:  now,
	}
}
