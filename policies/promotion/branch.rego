# METADATA
# title: Production only from the default branch
# description: |
#   Refuses promotions to the listed environments unless the job runs on
#   the repository's default branch: not from a merge request, a feature
#   branch or a tag pipeline. Configure under data.slipway.promotion.config.branch:
#     environments: [production]   where the rule applies
#     default_branch: main         when the CI system does not say (Jenkins)
#     allow_local: false           allow promotions from a terminal (no CI)
#   Rollbacks are not restricted.
package slipway.promotion.branch

import rego.v1

defaults := {"environments": ["production"], "default_branch": "main", "allow_local": false}

default configured := {}

configured := data.slipway.promotion.config.branch

settings := object.union(defaults, configured)

default_branch := input.ci.default_branch if input.ci.default_branch != ""

default_branch := settings.default_branch if object.get(input.ci, "default_branch", "") == ""

restricted if {
	input.action == "promote"
	input.environment in settings.environments
}

deny contains msg if {
	restricted
	input.ci.platform != "local"
	object.get(input.ci, "branch", "") != default_branch
	msg := sprintf("%s is promoted only from the default branch %s; this %s job is on %s", [
		input.environment, default_branch, input.ci.platform, branch_name,
	])
}

deny contains msg if {
	restricted
	input.ci.platform == "local"
	not settings.allow_local
	msg := sprintf("%s is promoted only by CI on the default branch %s, not from a terminal (set allow_local to allow it)", [input.environment, default_branch])
}

branch_name := sprintf("branch %s", [input.ci.branch]) if object.get(input.ci, "branch", "") != ""

branch_name := "no branch (a tag or a detached commit)" if object.get(input.ci, "branch", "") == ""
