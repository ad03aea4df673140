package slipway.metrics_test

import data.slipway.metrics

config := {"metrics": {
	"min": {"accuracy": 0.9, "per_class.virginica.recall": 0.7},
	"max": {"log_loss": 0.5},
}}

good := {"metrics": {
	"accuracy": 0.9333, "log_loss": 0.1434,
	"per_class": {"virginica": {"recall": 0.8}},
}}

test_within_bounds_passes if {
	count(metrics.deny_metric_below_min) == 0 with input as good with data.slipway.config as config
	count(metrics.deny_metric_above_max) == 0 with input as good with data.slipway.config as config
	count(metrics.deny_metric_missing) == 0 with input as good with data.slipway.config as config
	count(metrics.deny_metric_not_number) == 0 with input as good with data.slipway.config as config
}

test_on_the_bound_passes if {
	bounds := {"metrics": {"accuracy": 0.9, "log_loss": 0.5, "per_class": {"virginica": {"recall": 0.7}}}}
	count(metrics.deny_metric_below_min) == 0 with input as bounds with data.slipway.config as config
	count(metrics.deny_metric_above_max) == 0 with input as bounds with data.slipway.config as config
}

test_below_minimum_denies if {
	got := metrics.deny_metric_below_min with input as {"metrics": {"accuracy": 0.81, "log_loss": 0.1}}
		with data.slipway.config as config
	got == {{
		"msg": "accuracy 0.81 is below the minimum 0.9",
		"metric": "accuracy", "value": 0.81, "threshold": 0.9, "op": ">=",
	}}
}

test_nested_metric_below_minimum_denies if {
	got := metrics.deny_metric_below_min with input as {"metrics": {"accuracy": 0.95, "per_class": {"virginica": {"recall": 0.6}}}}
		with data.slipway.config as config
	some result in got
	result.msg == "per_class.virginica.recall 0.6 is below the minimum 0.7"
	count(got) == 1
}

test_above_maximum_denies if {
	got := metrics.deny_metric_above_max with input as {"metrics": {"accuracy": 0.95, "log_loss": 0.71}}
		with data.slipway.config as config
	got == {{
		"msg": "log_loss 0.71 is above the maximum 0.5",
		"metric": "log_loss", "value": 0.71, "threshold": 0.5, "op": "<=",
	}}
}

test_thresholded_metric_missing_denies if {
	got := metrics.deny_metric_missing with input as {"metrics": {"log_loss": 0.1}}
		with data.slipway.config as {"metrics": {"min": {"accuracy": 0.9}, "max": {"latency_ms": 20}}}
	got == {
		{
			"msg": "accuracy is missing from the metrics, so its minimum 0.9 cannot be checked",
			"metric": "accuracy", "threshold": 0.9, "op": ">=",
		},
		{
			"msg": "latency_ms is missing from the metrics, so its maximum 20 cannot be checked",
			"metric": "latency_ms", "threshold": 20, "op": "<=",
		},
	}
}

test_required_metric_missing_denies if {
	got := metrics.deny_metric_missing with input as {"metrics": {"accuracy": 0.95}}
		with data.slipway.config as {"metrics": {"required": ["accuracy", "f1_macro"]}}
	got == {{"msg": "f1_macro is required but missing from the metrics", "metric": "f1_macro"}}
}

test_missing_thresholded_metric_passes_when_not_required if {
	count(metrics.deny_metric_missing) == 0 with input as {"metrics": {}}
		with data.slipway.config as {"metrics": {"min": {"accuracy": 0.9}, "require_thresholded": false}}
}

test_no_metrics_at_all if {
	got := metrics.deny_metric_missing with input as {"metrics": null}
		with data.slipway.config as {"metrics": {"required": ["accuracy"]}}
	count(got) == 1
}

test_string_metric_denies if {
	got := metrics.deny_metric_not_number with input as {"metrics": {"accuracy": "0.95", "log_loss": 0.1}}
		with data.slipway.config as config
	got == {{
		"msg": "accuracy is \"0.95\", not a number, so its minimum 0.9 cannot be checked",
		"metric": "accuracy", "value": "0.95", "threshold": 0.9, "op": ">=",
	}}

	# a string is never compared with the bound
	count(metrics.deny_metric_below_min) == 0 with input as {"metrics": {"accuracy": "0.95"}}
		with data.slipway.config as config
}

test_non_number_required_or_maximum_denies if {
	got := metrics.deny_metric_not_number with input as {"metrics": {"auc": null, "log_loss": {"mean": 0.1}}}
		with data.slipway.config as {"metrics": {"required": ["auc"], "max": {"log_loss": 0.5}}}
	got == {
		{"msg": "auc is null, not a number", "metric": "auc", "value": null},
		{
			"msg": "log_loss is {\"mean\":0.1}, not a number, so its maximum 0.5 cannot be checked",
			"metric": "log_loss", "value": {"mean": 0.1}, "threshold": 0.5, "op": "<=",
		},
	}
}

test_defaults_check_nothing if {
	count(metrics.deny_metric_below_min) == 0 with input as {"metrics": {"accuracy": 0.1}} with data.slipway.config as {}
	count(metrics.deny_metric_missing) == 0 with input as {"metrics": {}} with data.slipway.config as {}
}

test_partial_override_keeps_other_defaults if {
	# only max is given: min stays empty, require_thresholded stays true
	got := metrics.deny_metric_missing with input as {"metrics": {}}
		with data.slipway.config as {"metrics": {"max": {"log_loss": 0.5}}}
	count(got) == 1
}

test_exception_as_data if {
	waiver := {"rules": ["metric_below_min"], "expires": "2027-01-31", "reason": "retraining in progress"}
	metrics.exception == {waiver} with data.slipway.config as {"metrics": {"exceptions": [waiver]}}
}
