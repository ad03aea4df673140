// Package gate decides whether a model may go on: it assembles the input
// policies see (the model, its metrics, the baseline, the model card, drift,
// the CI context), evaluates the policies, and returns a Verdict that reports
// render and attestations record.
package gate
