package slipway.promotion.branch_test

import rego.v1

import data.slipway.promotion.branch

promote(env, ci) := {"action": "promote", "environment": env, "ci": ci}

test_default_branch_passes if {
	count(branch.deny) == 0 with input as promote("production", {"platform": "gitlab", "branch": "main", "default_branch": "main"})
}

test_feature_branch_is_refused if {
	some msg in branch.deny with input as promote("production", {"platform": "github", "branch": "feat/x", "default_branch": "trunk"})
	msg == "production is promoted only from the default branch trunk; this github job is on branch feat/x"
}

test_tag_pipeline_is_refused if {
	some msg in branch.deny with input as promote("production", {"platform": "gitlab", "default_branch": "main"})
	contains(msg, "no branch (a tag or a detached commit)")
}

test_default_branch_from_configuration if {
	count(branch.deny) == 0 with input as promote("production", {"platform": "jenkins", "branch": "release"})
		with data.slipway.promotion.config.branch as {"default_branch": "release"}
}

test_other_environments_are_free if {
	count(branch.deny) == 0 with input as promote("staging", {"platform": "github", "branch": "feat/x", "default_branch": "main"})
}

test_rollback_is_free if {
	count(branch.deny) == 0 with input as {"action": "rollback", "environment": "production", "ci": {"platform": "github", "branch": "x"}}
}

test_terminal_is_refused_unless_allowed if {
	some msg in branch.deny with input as promote("production", {"platform": "local"})
	contains(msg, "not from a terminal")
	count(branch.deny) == 0 with input as promote("production", {"platform": "local"})
		with data.slipway.promotion.config.branch as {"allow_local": true}
}

test_without_data_yaml_production_is_restricted if {
	count(branch.deny) == 1 with input as promote("production", {"platform": "github", "branch": "x", "default_branch": "main"})
		with data.slipway.promotion.config as {}
}
