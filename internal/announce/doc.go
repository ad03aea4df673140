// Package announce sends what a verb decided to where the CI system shows
// it: outputs for later steps, annotations, the step summary or the one
// merge-request note of a model, and GitLab releases. It sits above the
// domain packages (gate, promote, imagebuild) and below the CLI; the
// platforms' own mechanics live in package ci.
package announce
