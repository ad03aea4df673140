// Package drift compares a current data set with a reference one, feature
// by feature: the statistics (ks.go, wasserstein.go, bins.go, chi2.go) are
// pure functions equal to scipy's and numpy's (docs/drift.md defines each),
// the readers turn CSV into columns, and Run is the use case behind
// `slipway drift` and `slipway gate --current`.
package drift
