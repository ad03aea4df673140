package slipway.drift_test

import data.slipway.drift

calm := {"drift": {
	"features": {
		"petal_length": {"psi": 0.04, "ks_pvalue": 0.61},
		"petal_width": {"psi": 0.2, "ks_pvalue": 0.01},
	},
	"share_drifted": 0,
}}

all_findings := (drift.deny_feature_psi | drift.deny_feature_ks) | drift.deny_share_drifted

test_no_drift_passes if {
	count(all_findings) == 0 with input as calm
}

test_no_report_checks_nothing if {
	count(all_findings) == 0 with input as {"drift": null}
	count(all_findings) == 0 with input as {}
}

test_high_psi_denies if {
	inp := {"drift": {"features": {"petal_length": {"psi": 0.35}}, "share_drifted": 0.25}}
	got := drift.deny_feature_psi with input as inp
	got == {{
		"msg": "feature petal_length drifted: its PSI 0.35 is over the maximum 0.2",
		"feature": "petal_length", "value": 0.35, "threshold": 0.2, "op": "<=",
	}}
	count(drift.deny_share_drifted) == 0 with input as inp
}

test_low_ks_pvalue_denies if {
	got := drift.deny_feature_ks with input as {"drift": {"features": {"sepal_width": {"psi": 0.1, "ks_pvalue": 0.001}}}}
	got == {{
		"msg": "feature sepal_width drifted: its KS p-value 0.001 is below the minimum 0.01",
		"feature": "sepal_width", "value": 0.001, "threshold": 0.01, "op": ">=",
	}}
}

test_share_drifted_from_the_report_denies if {
	got := drift.deny_share_drifted with input as {"drift": {"features": {}, "share_drifted": 0.5}}
	got == {{
		"msg": "50% of the features drifted (share_drifted 0.5), over the maximum 30%",
		"value": 0.5, "threshold": 0.3, "op": "<=",
	}}
}

test_share_drifted_computed_when_absent if {
	inp := {"drift": {"features": {
		"a": {"psi": 0.5},
		"b": {"ks_pvalue": 0.0001},
		"c": {"psi": 0.01, "ks_pvalue": 0.9},
	}}}
	got := drift.deny_share_drifted with input as inp
	some r in got
	r.msg == "66.7% of the features drifted (a, b), over the maximum 30%"
	count(drift.deny_share_drifted) == 0 with input as {"drift": {"features": {}}}
}

test_share_with_no_drifted_features_explained if {
	got := drift.deny_share_drifted with input as {"drift": {"features": {"a": {"psi": 0.01}}}}
		with data.slipway.config as {"drift": {"max_share_drifted": -1}}
	some r in got
	r.msg == "0% of the features drifted (none by the thresholds here), over the maximum -100%"
}

test_thresholds_are_configurable if {
	config := {"drift": {"max_psi": 0.5, "min_ks_pvalue": 0.0001, "max_share_drifted": 0.9}}
	inp := {"drift": {"features": {"a": {"psi": 0.35, "ks_pvalue": 0.001}}, "share_drifted": 0.8}}
	count(all_findings) == 0 with input as inp with data.slipway.config as config
}

test_per_feature_thresholds if {
	config := {"drift": {"features": {"age": {"max_psi": 0.4, "min_ks_pvalue": 0.001}}}}
	inp := {"drift": {
		"features": {
			"age": {"psi": 0.3, "ks_pvalue": 0.005},
			"income": {"psi": 0.3, "ks_pvalue": 0.5},
		},
		"share_drifted": 0.1,
	}}
	got := drift.deny_feature_psi with input as inp with data.slipway.config as config
	{r.feature | some r in got} == {"income"}
	count(drift.deny_feature_ks) == 0 with input as inp with data.slipway.config as config
}

test_non_numbers_are_skipped if {
	inp := {"drift": {"features": {"a": {"psi": "high", "ks_pvalue": null}}, "share_drifted": "n/a"}}
	count(all_findings) == 0 with input as inp
}

test_exception_as_data if {
	waiver := {"rules": ["feature_psi"], "expires": "2026-12-01", "reason": "seasonal shift, reviewed"}
	drift.exception == {waiver} with data.slipway.config as {"drift": {"exceptions": [waiver]}}
}

test_features_of_the_wrong_shape_are_ignored if {
	inp := {"drift": {"features": [{"psi": 0.9}], "share_drifted": 0.1}}
	count(all_findings) == 0 with input as inp
}
