// Package plugins holds the tests of Slipway's CI plugins — the GitHub
// Actions (action.yml, actions/), the GitLab CI/CD components
// (plugins/gitlab) and the Jenkins shared library (plugins/jenkins) — each
// run by the real runner: act and actionlint, gitlab-ci-local, groovy.
//
// scripts/test.sh installs the runners (into $SLIPWAY_TOOLS_DIR, by default
// ~/.cache/slipway-tools). Without one a test is skipped, unless
// SLIPWAY_INTEGRATION=1 or CI is set: there a missing runner fails it.
package plugins
