// Package analysis runs canary analyses against Prometheus: an analysis
// file lists measurements (a PromQL query templated with the model,
// environment, digest and version; a success or failure condition; how
// often, how many times, and how many failed or inconclusive runs and
// query errors in a row are tolerated), with the semantics of Argo
// Rollouts' AnalysisTemplate (docs/analysis.md compares them). The use case
// is Run; internal/report renders its Result, internal/promote acts on it.
package analysis
