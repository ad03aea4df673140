package gate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dustin/go-humanize/english"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/atomicfile"
	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
)

// Request is one `slipway gate`: which model, with which evidence, against
// which policies, and what to record.
type Request struct {
	// Client opens the model's store (it gets the credentials), the
	// baseline's and the policy bundles'.
	Client oci.Client
	// Reference names the model by tag or digest.
	Reference string
	// Metrics is the metrics file (required).
	Metrics string
	// Policies select the policies; Policies.Default is used when none is
	// given (the CLI passes the shipped library).
	Policies policy.Selection
	// Namespaces narrow evaluation to these packages; none is every package.
	Namespaces []string
	// Baseline is a metrics file, or a model reference whose newest gate
	// attestation signed by one of BaselineKeys holds its metrics; "" is none.
	Baseline string
	// BaselineKeys are the public keys (PEM files) one of which must have
	// signed a reference baseline's gate attestation (see ReadBaseline).
	BaselineKeys []string
	// BaselineIdentity, when set, also counts a reference baseline's gate
	// attestation signed keyless by it, with a certificate chaining to
	// TrustedRoot ("" is the public-good Sigstore instance).
	BaselineIdentity attest.Identity
	TrustedRoot      string
	// InsecureUnsigned lets a reference baseline be read without BaselineKeys,
	// unverified, with a loud warning.
	InsecureUnsigned bool
	// Card is a model-card YAML; "" reads the model's README.md front matter.
	Card string
	// Drift is a drift report; optional.
	Drift string
	// Current are CSV files of current data: drift against the model's own
	// dataset is computed and given as input.drift (instead of Drift).
	Current []string
	// Stdin is read for Current "-".
	Stdin io.Reader
	// Key is the private key (PEM) that signs the attestation; "" leaves it
	// unsigned.
	Key string
	// Keyless signs the attestation keyless instead of with Key: an
	// ephemeral key, a Fulcio certificate for the CI job's OIDC identity
	// (attest.IDToken finds its token through Getenv) and a Rekor entry.
	Keyless bool
	// FulcioURL and RekorURL are the Sigstore instance Keyless uses; ""
	// is the public-good one.
	FulcioURL, RekorURL string
	// AttestationFormat is how the signed verdict is stored: bundle (the
	// default, a Sigstore bundle as cosign v3 writes) or dsse.
	AttestationFormat string
	// NoAttest skips storing the verdict as an attestation.
	NoAttest bool
	// Reports are written once the verdict is known.
	Reports []ReportFile
	// FailOnWarn makes warnings without failures an error (Result.Err).
	FailOnWarn bool
	// Getenv reads the CI context; nil reads nothing.
	Getenv func(string) string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Timeout limits each policy evaluation (policy.WithTimeout); 0 is no
	// limit.
	Timeout time.Duration
	// Warn receives what the gate passed over (an unreadable attestation
	// while looking for the baseline); nil drops them.
	Warn func(string)
}

// Reporter renders a verdict in one format (report.New returns them).
type Reporter interface {
	Report(w io.Writer, v *Verdict) error
}

// ReportFile is one report to write: --report FORMAT=PATH.
type ReportFile struct {
	Format   string
	Path     string
	Reporter Reporter
}

// Result is what a gate decided and where it recorded it.
type Result struct {
	// Verdict is the decision and everything that led to it.
	Verdict *Verdict `json:"verdict"`
	// Reference is the model, pinned by digest.
	Reference string `json:"reference"`
	// Attestation is the stored attestation, pinned by digest; "" with NoAttest.
	Attestation string `json:"attestation,omitempty"`
	// KeyID is the key that signed the attestation; "" when unsigned.
	KeyID string `json:"keyid,omitempty"`
	// Reports are the report files written, by path.
	Reports []string `json:"reports,omitempty"`
	// FailOnWarn is the request's.
	FailOnWarn bool `json:"-"`
}

// Run gates a model: it compiles the policies, reads the baseline,
// assembles the input, decides, attaches the verdict as an attestation
// (signed with req.Key) and writes the reports. A failing verdict is a
// Result, not an error: Result.Err says what it means for the exit code.
func Run(ctx context.Context, req Request) (*Result, error) {
	if req.Drift != "" && len(req.Current) > 0 {
		return nil, fault.Usagef("--drift and --current both give input.drift; pass one")
	}
	if err := requireMetrics(req.Metrics); err != nil { // before any store is opened
		return nil, err
	}
	format, err := attest.ParseFormat(req.AttestationFormat)
	if err != nil {
		return nil, err
	}
	signer, err := openSigner(ctx, req, format)
	if err != nil {
		return nil, err
	}
	ref, err := req.Client.ParseTagged(req.Reference, "")
	if err != nil {
		return nil, err
	}
	client := req.Client.For(append([]oci.Ref{ref}, req.refs()...)...)
	store := client.Open(ref)
	art, err := modelpack.Open(ctx, store, ref.Identifier())
	if err != nil {
		return nil, err
	}
	pinned := ref.WithDigest(art.Descriptor.Digest.String())

	engine, err := compile(ctx, client, req)
	if err != nil {
		return nil, err
	}
	baseline, err := ReadBaseline(ctx, BaselineRequest{
		Client: client, Baseline: req.Baseline, Keys: req.BaselineKeys, InsecureUnsigned: req.InsecureUnsigned, Warn: req.Warn,
		Identity: req.BaselineIdentity, TrustedRoot: req.TrustedRoot, Getenv: req.Getenv,
	})
	if err != nil {
		return nil, err
	}
	job := ci.Context(orNoEnv(req.Getenv))
	now := time.Now()
	if req.Now != nil {
		now = req.Now()
	}
	var drift map[string]any
	if len(req.Current) > 0 {
		if drift, err = computeDrift(ctx, store, art, pinned.String(), req); err != nil {
			return nil, err
		}
	}
	in, err := BuildInput(ctx, Sources{
		Store: store, Artifact: art, Reference: pinned.String(), Metrics: req.Metrics,
		Baseline: baseline, Card: req.Card, Drift: req.Drift, DriftReport: drift, Current: req.Current, CI: job, Now: now,
	})
	if err != nil {
		return nil, err
	}
	config, err := engine.Config(ctx)
	if err != nil {
		return nil, err
	}
	verdict, err := Decide(ctx, engine, in, config, job, now)
	if err != nil {
		return nil, err
	}
	res := &Result{Verdict: verdict, Reference: pinned.String(), FailOnWarn: req.FailOnWarn}
	if !req.NoAttest {
		d, err := attach(ctx, store, art, verdict, signer, format)
		if err != nil {
			return nil, err
		}
		res.Attestation = ref.WithDigest(d.Digest.String()).String()
		if signer != nil {
			res.KeyID = signer.KeyID()
		}
	}
	if res.Reports, err = writeReports(req.Reports, verdict); err != nil {
		return nil, err
	}
	return res, nil
}

// openSigner opens what signs the attestation: req.Key, or, with
// req.Keyless, a keyless signer holding the CI job's OIDC token. Nil
// leaves the attestation unsigned.
func openSigner(ctx context.Context, req Request, format attest.Format) (*attest.Signer, error) {
	switch {
	case req.Keyless && req.Key != "":
		return nil, fault.Usagef("--keyless and --key both sign the attestation: give one")
	case !req.Keyless && (req.FulcioURL != "" || req.RekorURL != ""):
		return nil, fault.Usagef("--fulcio-url and --rekor-url are for --keyless signing")
	case req.Keyless && req.NoAttest:
		return nil, nil // nothing to sign: no token is asked for
	case req.Keyless && format == attest.FormatDSSE:
		return nil, fault.Usagef("--keyless keeps its certificate in a Sigstore bundle: use --attestation-format bundle (or cosign-v2), not dsse")
	case req.Keyless:
		token, _, err := attest.IDToken(ctx, req.Getenv, nil)
		if err != nil {
			return nil, err
		}
		return attest.NewKeylessSigner(attest.KeylessSigning{IDToken: token, FulcioURL: req.FulcioURL, RekorURL: req.RekorURL})
	case req.Key != "":
		return attest.OpenSigner(ctx, req.Key, req.Getenv)
	}
	return nil, nil
}

// Err is a fault.Denied error when the gate failed, a fault.Warned one
// when it warned and FailOnWarn, else nil.
func (r *Result) Err() error {
	v := r.Verdict
	switch {
	case v.Decision == policy.Fail:
		return fault.Deniedf("gate failed for %s: %s", r.Reference, english.Plural(len(v.Result.Failures()), "failure", ""))
	case v.Decision == policy.Warn && r.FailOnWarn:
		return fault.Wrap(fault.Warned, fmt.Errorf("gate passed with %s for %s (--fail-on-warn)", english.Plural(len(v.Result.Warnings()), "warning", ""), r.Reference))
	}
	return nil
}

// refs are the other references the gate reads: the policy bundles and a
// baseline model.
func (req Request) refs() []oci.Ref {
	refs := req.Policies.Refs(req.Client)
	if req.Baseline != "" && !isFile(req.Baseline) {
		if ref, err := req.Client.Parse(req.Baseline); err == nil {
			refs = append(refs, ref)
		}
	}
	return refs
}

func compile(ctx context.Context, client oci.Client, req Request) (*policy.Engine, error) {
	src, err := req.Policies.Sources(client)
	if err != nil {
		return nil, err
	}
	opts := []policy.Option{policy.WithTimeout(req.Timeout)}
	if len(req.Namespaces) > 0 {
		opts = append(opts, policy.WithNamespaces(req.Namespaces...))
	}
	return policy.Compile(ctx, src, opts...)
}

// attach records the verdict as an in-toto attestation referring to the
// model's digest: signed with signer, or unsigned without one.
func attach(ctx context.Context, store oci.Store, art *modelpack.Artifact, v *Verdict, signer *attest.Signer, format attest.Format) (v1.Descriptor, error) {
	stmt := attest.NewStatement(v.Model.Name, art.Descriptor.Digest, attest.PredicateGate, v)
	d, err := attest.Write(ctx, store, art.Descriptor, stmt, signer, format, nil)
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("storing the gate attestation: %w", err)
	}
	return d, nil
}

// writeReports writes each report atomically, creating its folder.
func writeReports(reports []ReportFile, v *Verdict) ([]string, error) {
	var written []string
	for _, rf := range reports {
		err := atomicfile.WriteReport(rf.Path, func(w io.Writer) error { return rf.Reporter.Report(w, v) })
		if err != nil {
			return nil, fault.Usagef("writing --report %s=%s: %w", rf.Format, rf.Path, err)
		}
		written = append(written, rf.Path)
	}
	return written, nil
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}

func orNoEnv(getenv func(string) string) func(string) string {
	if getenv == nil {
		return func(string) string { return "" }
	}
	return getenv
}

// computeDrift compares req.Current with the artifact's own dataset; the
// result becomes input.drift as its JSON document.
func computeDrift(ctx context.Context, store oci.Store, art *modelpack.Artifact, pinned string, req Request) (map[string]any, error) {
	res, err := drift.FromArtifact(ctx, store, art, pinned, drift.Request{Current: req.Current, Stdin: req.Stdin})
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	return doc, json.Unmarshal(b, &doc)
}
