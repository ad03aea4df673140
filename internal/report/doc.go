// Package report renders a gate Verdict for people and CI systems: a
// terminal table, JSON, JUnit XML, SARIF 2.1.0, TAP, GitHub workflow
// commands, GitLab Code Quality and the markdown people read in their pull
// and merge requests. Each format is one Reporter behind one interface,
// chosen by --output; the conftest-compatible `slipway policy eval` mode
// renders per-file results through EvalReporter. Drift results (`slipway
// drift --report`) render as markdown and self-contained HTML (drift.go,
// drifthtml.go).
package report
