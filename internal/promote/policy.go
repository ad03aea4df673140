package promote

import (
	"context"
	"fmt"
	"time"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
)

// PolicyInput is what an environment's policy sees as input: the request,
// the artifact, its gate attestations, the environment's recent history,
// the stints in required environments, the time and the CI context.
// docs/promote.md documents it; change it compatibly.
type PolicyInput struct {
	Action      Action `json:"action"`
	Environment string `json:"environment"`
	Repository  string `json:"repository"`
	Artifact    struct {
		Digest      string            `json:"digest"`
		MediaType   string            `json:"mediaType"`
		Name        string            `json:"name,omitempty"`
		Version     string            `json:"version,omitempty"`
		ModelDigest string            `json:"modelDigest,omitempty"`
		Annotations map[string]string `json:"annotations,omitempty"`
	} `json:"artifact"`
	// Current is the digest the environment names now ("" for none).
	Current string `json:"current"`
	// Gate is the gate verdict the promotion relies on (null for none).
	Gate         *GateSummary  `json:"gate"`
	Attestations []Attestation `json:"attestations"`
	// History is the environment's newest records, newest first.
	History []Record `json:"history"`
	// Requires are the digest's stints in the required environments.
	Requires []Stint `json:"requires"`
	// Environments maps each configured environment to the digest it
	// names now ("" for none): a blue-green live may only switch to a slot's.
	Environments map[string]string `json:"environments"`
	// Time is now, RFC 3339 UTC (time.parse_rfc3339_ns(input.time) in Rego).
	Time   string `json:"time"`
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
	Forced bool   `json:"forced"`
	CI     ci.Job `json:"ci"`
}

// historyForPolicy is how many of the environment's newest records the
// policy sees: enough for "no more than N promotions a day".
const historyForPolicy = 100

// evalPolicy compiles and evaluates the environment's policy; failures
// become refusals, warnings are returned to print.
func evalPolicy(ctx context.Context, env config.Environment, in *PolicyInput, now time.Time) (refusals, warnings []string, err error) {
	engine, err := policy.Compile(ctx, policy.Sources{Paths: env.Policy, Data: env.Data},
		policy.WithClock(func() time.Time { return now }), policy.WithStrictBuiltinErrors())
	if err != nil {
		return nil, nil, fmt.Errorf("environment %s policy: %w", in.Environment, err)
	}
	res, err := engine.Eval(ctx, in)
	if err != nil {
		return nil, nil, fmt.Errorf("environment %s policy: %w", in.Environment, err)
	}
	for _, f := range res.Failures() {
		refusals = append(refusals, fmt.Sprintf("policy %s.%s: %s", f.Package, f.Rule, f.Message))
	}
	for _, f := range res.Warnings() {
		warnings = append(warnings, fmt.Sprintf("policy %s.%s: %s", f.Package, f.Rule, f.Message))
	}
	return refusals, warnings, nil
}

// environments resolves the tag of each environment in store.
func environments(ctx context.Context, store oci.Store, names []string, env, cur string) (map[string]string, error) {
	out := map[string]string{env: cur}
	for _, n := range names {
		if n == env {
			continue
		}
		d, err := current(ctx, store, n)
		if err != nil {
			return nil, err
		}
		out[n] = d
	}
	return out, nil
}
