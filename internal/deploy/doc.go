// Package deploy writes a promoted digest into the GitOps repository that
// Argo CD or Flux applies: it edits Kustomize, Helm values, plain manifests,
// blue-green and canary settings in place (comments, key order and every
// untouched byte kept, so a reviewer sees the one line that changed),
// commits with go-git and pushes the commit, or a branch with a pull
// request (GitHub) or merge request (GitLab). The use case is Run.
package deploy
