// Package ci detects where Slipway runs (GitHub Actions, GitLab CI, Jenkins
// or a local terminal) and turns a gate's result into that system's idiom:
// step outputs, annotations, a step summary or a merge-request note that is
// updated in place, and files a later step archives.
//
// It renders nothing itself: callers pass findings, output values and the
// markdown report already rendered.
package ci
