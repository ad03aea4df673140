package promote

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dustin/go-humanize/english"
	"github.com/slipwayhq/slipway/internal/analysis"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/deploy"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/oci"
)

// Request is one promotion: move Env's tag in Dest to Digest from Source.
type Request struct {
	Source oci.Store
	// Analyze, when set, runs a canary analysis before the tag moves.
	Analyze Analyzer
	Digest  v1.Hash
	// Dest holds the environment's tag and history; nil means Source. A
	// Dest other than Source gets a copy of the artifact and its referrers.
	Dest oci.Store
	Env  config.Environment
	// Environments are the names of every configured environment: the
	// policy sees what each names now.
	Environments []string
	// Verifier must verify the gate attestation; nil reads it unverified.
	Verifier *attest.Verifier
	// ModelStores are more repositories to look in for the gate attestation
	// of the model an image was built from.
	ModelStores []oci.Store
	// Force overrides every refusal; Reason is then required and recorded.
	Force  bool
	Reason string
	Actor  string
	CI     ci.Job
}

// Result is what a promotion or rollback did.
type Result struct {
	Record Record `json:"record"`
	// Reference is REPO@digest in the destination.
	Reference string `json:"reference"`
	// Current is what the environment names now: Record.Digest, unless a
	// concurrent promotion was recorded after this one.
	Current string `json:"current"`
	// Unchanged is set when the environment already named the digest:
	// nothing was checked or recorded.
	Unchanged bool     `json:"unchanged,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
	// Deploy is what was written to the environment's deploy repository
	// (the commit, the pull or merge request); nil when it has none.
	Deploy *deploy.Result `json:"deploy,omitempty"`
	// DryRun is set by --dry-run: nothing was checked, moved or pushed,
	// and Deploy.Diff is the change the deploy repository would get.
	DryRun bool `json:"dryRun,omitempty"`
	// Verdict is the gate verdict relied on, for reports.
	Verdict *gate.Verdict `json:"-"`
	// Analysis is the canary analysis run before the tag moved (--analysis).
	Analysis *analysis.Result `json:"analysis,omitempty"`
	// Refusals are why the promotion was refused: nothing was recorded or
	// moved, and the command exits 1 (3 when the analysis' queries kept
	// failing). Empty when it went ahead; Record.Overridden lists what
	// --force overrode.
	Refusals []string `json:"refusals,omitempty"`
	// RolledBack is set when --rollback-on-failure rolled the environment
	// that serves the candidate back after the analysis refused it;
	// RollbackTo is the digest it returned to, Rollback the rollback itself.
	RolledBack bool    `json:"rolledBack,omitempty"`
	RollbackTo string  `json:"rollbackTo,omitempty"`
	Rollback   *Result `json:"rollback,omitempty"`
	// RollbackError says why --rollback-on-failure could not roll back.
	RollbackError string `json:"rollbackError,omitempty"`
}

// Promote checks that req.Digest may enter req.Env (a passing gate verdict,
// the environments it requires, their soak, the environment's policy),
// copies it to req.Dest when that is another repository, records the
// promotion, and moves the environment's tag. A refusal is a fault.Denied
// error listing every reason, unless req.Force, returned with a Result
// that holds the refusals and the analysis (a runtime error when the
// analysis' queries kept failing).
func Promote(ctx context.Context, req Request, opts ...Option) (*Result, error) {
	o := newOptions(opts)
	dst := req.Dest
	if dst == nil || dst.Ref().String() == req.Source.Ref().String() {
		dst = req.Source // --to the same repository is no copy
	}
	if req.Force && strings.TrimSpace(req.Reason) == "" {
		return nil, fault.Usagef("--force needs --reason: the record says why the checks were overridden")
	}
	subj, err := readSubject(ctx, req.Source, req.Digest)
	if err != nil {
		return nil, err
	}
	env := req.Env.Name
	cur, err := current(ctx, dst, env)
	if err != nil {
		return nil, err
	}
	hist, head, err := History(ctx, dst, env, historyForPolicy)
	if err != nil {
		return nil, err
	}
	res := &Result{Reference: dst.Ref().WithDigest(req.Digest.String()).String(), Current: cur}
	if cur == req.Digest.String() && head.Latest == cur {
		res.Unchanged = true
		if len(hist) > 0 {
			res.Record = hist[0]
		}
		return res, nil
	}
	p := &promotion{req: req, dst: dst, subj: subj, res: res, o: o, now: o.now().UTC()}
	refusals, err := p.check(ctx, cur, hist)
	if err != nil {
		return nil, err
	}
	if refusals, err = p.analyze(ctx, refusals); err != nil {
		return nil, err
	}
	if len(refusals) > 0 && !req.Force {
		res.Refusals = refusals
		err := refused("promotion of "+res.Reference+" to "+env, refusals)
		if a := res.Analysis; a != nil && a.Phase == analysis.Error {
			err = fault.Runtimef("promotion of %s to %s refused, the canary analysis measured nothing: %w", res.Reference, env, a.Err())
		}
		return res, err
	}

	if dst != req.Source {
		if err := oci.Copy(ctx, req.Source, dst, subj.desc, ""); err != nil {
			return nil, fmt.Errorf("copying %s to %s: %w", req.Digest, dst.Ref(), err)
		}
	}
	rec := Record{
		Action: ActionPromote, Environment: env, Repository: dst.Ref().String(), Digest: req.Digest.String(),
		MediaType: string(subj.desc.MediaType), Previous: cur, Name: subj.name, Version: subj.version,
		Actor: req.Actor, Time: p.now, Reason: req.Reason, Forced: req.Force, Overridden: refusals, CI: req.CI, Gate: p.gate,
	}
	if v := res.Verdict; v != nil {
		rec.Name, rec.Version = cmp.Or(rec.Name, v.Model.Name), cmp.Or(rec.Version, v.Model.Version)
	}
	if dst != req.Source {
		rec.Source = req.Source.Ref().String()
	}
	return commit(ctx, dst, subj.desc, rec, res, o)
}

// promotion is one Promote call's state while it checks.
type promotion struct {
	req  Request
	dst  oci.Store
	subj subject
	res  *Result
	o    options
	now  time.Time
	gate *GateSummary
}

// check runs every check and returns the refusals: the gate, the required
// environments and their soak, and the environment's policy.
func (p *promotion) check(ctx context.Context, cur string, hist []Record) ([]string, error) {
	req, env := p.req, p.req.Env.Name
	in := &PolicyInput{Action: ActionPromote, Environment: env, Repository: p.dst.Ref().String(), Current: cur,
		History: nonNil(hist), Time: p.now.Format(time.RFC3339Nano), Actor: req.Actor, Reason: req.Reason, Forced: req.Force, CI: req.CI}
	in.Artifact.Digest, in.Artifact.MediaType = req.Digest.String(), string(p.subj.desc.MediaType)
	in.Artifact.Annotations, in.Artifact.Name, in.Artifact.Version = p.subj.annotations, p.subj.name, p.subj.version
	if p.subj.modelDigest.Hex != "" {
		in.Artifact.ModelDigest = p.subj.modelDigest.String()
	}
	var refusals []string

	sum, verdict, atts, why, err := gateCheck(ctx, evidenceFor(req, p.subj, p.o), req.Verifier)
	if err != nil {
		return nil, err
	}
	p.gate, in.Gate, in.Attestations, p.res.Verdict = sum, sum, nonNil(atts), verdict
	if why != "" {
		refusals = append(refusals, why)
	}
	if sum != nil && !sum.Verified {
		p.res.Warnings = append(p.res.Warnings, fmt.Sprintf("no key: the gate verdict (%s) was read without checking its signature; give --key or key: in slipway.yaml", sum.Decision))
	}

	stores := []oci.Store{req.Source}
	if p.dst != req.Source {
		stores = append(stores, p.dst)
	}
	in.Requires = []Stint{}
	for _, r := range req.Env.Requires {
		stint, why, err := requirement(ctx, stores, r, env, req.Digest.String(), req.Env.Soak, p.now)
		if err != nil {
			return nil, err
		}
		if stint != nil {
			in.Requires = append(in.Requires, *stint)
		}
		if why != "" {
			refusals = append(refusals, why)
		}
	}

	if len(req.Env.Policy) > 0 {
		if in.Environments, err = environments(ctx, p.dst, req.Environments, env, cur); err != nil {
			return nil, err
		}
		denied, warned, err := evalPolicy(ctx, req.Env, in, p.now)
		if err != nil {
			return nil, err
		}
		refusals, p.res.Warnings = append(refusals, denied...), append(p.res.Warnings, warned...)
	}
	return refusals, nil
}

// commit writes the record, adds it to the history and moves the tag.
func commit(ctx context.Context, dst oci.Store, desc v1.Descriptor, rec Record, res *Result, o options) (*Result, error) {
	rec, err := writeRecord(ctx, dst, desc, rec)
	if err != nil {
		return nil, err
	}
	head, err := appendRecord(ctx, dst, rec.Environment, rec, o.append)
	if err != nil {
		return nil, err
	}
	if res.Current, err = moveEnvTag(ctx, dst, rec.Environment, head); err != nil {
		return nil, err
	}
	if res.Current != rec.Digest {
		res.Warnings = append(res.Warnings, fmt.Sprintf("a concurrent %s to %s was recorded after this one: %s now names %s (this %s is in the history)",
			rec.Action, rec.Environment, rec.Environment, res.Current, rec.Action))
	}
	res.Record = rec
	for _, w := range res.Warnings {
		o.warn(w)
	}
	return res, nil
}

// evidenceFor lists where a gate attestation for the artifact may be.
func evidenceFor(req Request, s subject, o options) []evidence {
	ev := []evidence{{store: req.Source, subject: req.Digest, what: oci.ShortDigest(req.Digest.String())}}
	if s.modelDigest.Hex == "" {
		return ev
	}
	what := oci.ShortDigest(s.modelDigest.String()) + " (the model it was built from)"
	ev = append(ev, evidence{store: req.Source, subject: s.modelDigest, what: what})
	if ref, err := oci.ParseRef(s.modelRef, false); err == nil && s.modelRef != "" && o.open != nil &&
		ref.Repository() != req.Source.Ref().Repository() {
		ev = append(ev, evidence{store: o.open(ref.WithTag("")), subject: s.modelDigest, what: what})
	}
	for _, st := range req.ModelStores {
		ev = append(ev, evidence{store: st, subject: s.modelDigest, what: what})
	}
	return ev
}

// refused is the Denied error listing every reason.
func refused(what string, reasons []string) error {
	if len(reasons) == 1 {
		return fault.Deniedf("%s refused: %s", what, reasons[0])
	}
	return fault.Deniedf("%s refused (%s):\n  - %s", what, english.Plural(len(reasons), "reason", ""), strings.Join(reasons, "\n  - "))
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
