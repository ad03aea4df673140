package slipway.settings_test

import data.slipway.settings

test_defaults_when_nothing_is_configured if {
	settings.setting("drift", "max_psi") == 0.2 with data.slipway.config as {}
	settings.setting("metrics", "min") == {} with data.slipway.config as {}
	settings.setting("card", "required") == ["license", "intended_use", "limitations"] with data.slipway.config as {}
}

test_configured_value_wins if {
	settings.setting("drift", "max_psi") == 0.1 with data.slipway.config as {"drift": {"max_psi": 0.1}}

	# other keys of the same section keep their defaults
	settings.setting("drift", "min_ks_pvalue") == 0.01 with data.slipway.config as {"drift": {"max_psi": 0.1}}
}

test_null_and_wrong_types_fall_back if {
	settings.setting("drift", "max_psi") == 0.2 with data.slipway.config as {"drift": {"max_psi": null}}
	settings.setting("drift", "max_psi") == 0.2 with data.slipway.config as {"drift": {"max_psi": "0.1"}}
	settings.setting("drift", "max_psi") == 0.2 with data.slipway.config as {"drift": "strict"}
}

test_well_formed_config_has_no_findings if {
	config := {
		"metrics": {"min": {"accuracy": 0.9}, "required": ["accuracy"], "require_thresholded": false},
		"drift": {"features": {"age": {"max_psi": 0.3}}},
		"formats": {"exceptions": [{"rules": ["unsafe_format"], "expires": "2027-01-31", "reason": "legacy"}]},
		"size": {"max_file_bytes": null},
	}
	count(settings.deny_config) == 0 with data.slipway.config as config
	count(settings.warn_config) == 0 with data.slipway.config as config
}

test_wrong_types_deny if {
	config := {
		"metrics": {"min": {"accuracy": "0.9"}, "require_thresholded": "yes"},
		"license": {"allow": "mit"},
		"drift": {"features": {"age": 0.3}},
		"formats": {"exceptions": [{"rules": "unsafe_format"}, {"rules": []}, {"rules": ["x"], "expires": 20270131}]},
		"size": 100,
	}
	got := settings.deny_config with data.slipway.config as config
	got == {
		"slipway.config.metrics.min must be a map of metric names to numbers, not {\"accuracy\":\"0.9\"}",
		"slipway.config.metrics.require_thresholded must be true or false, not \"yes\"",
		"slipway.config.license.allow must be a list of strings, not \"mit\"",
		"slipway.config.drift.features must be a map of feature names to {max_psi, min_ks_pvalue}, not {\"age\":0.3}",
		"slipway.config.formats.exceptions must be a list of {rules: [names], expires: YYYY-MM-DD, reason: text}, not [{\"rules\":\"unsafe_format\"},{\"rules\":[]},{\"expires\":20270131,\"rules\":[\"x\"]}]",
		"slipway.config.size must be a map, not 100",
	}
}

test_unknown_names_warn if {
	config := {"metric": {"min": {"accuracy": 0.9}}, "drift": {"max_pis": 0.1}}
	got := settings.warn_config with data.slipway.config as config
	got == {
		"slipway.config.metric is not read by the shipped policies (they read card, datasets, drift, formats, license, metrics, regression, size)",
		"slipway.config.drift.max_pis is not a setting of slipway.drift (it reads exceptions, features, max_psi, max_share_drifted, min_ks_pvalue)",
	}
}

test_exceptions_keep_only_their_keys if {
	config := {"card": {"exceptions": [{"rules": ["no_card"], "ticket": "ML-1"}]}}
	settings.exceptions("card") == {{"rules": ["no_card"]}} with data.slipway.config as config
}

test_effective_merges_config_over_defaults if {
	got := settings.effective with data.slipway.config as {"metrics": {"min": {"accuracy": 0.9}}, "size": {"max_file_bytes": "big"}}
	got.metrics.min == {"accuracy": 0.9}
	got.metrics.require_thresholded == true
	got.size.max_file_bytes == 21474836480
	object.keys(got) == object.keys(settings.defaults)
}
