package slipway.regression_test

import data.slipway.regression

config := {"regression": {
	"max_drop": {"accuracy": 0.02},
	"max_drop_relative": {"f1_macro": 0.05},
	"max_rise": {"log_loss": 0.05},
	"max_rise_relative": {"latency_ms": 0.1},
}}

baseline := {"metrics": {"accuracy": 0.95, "f1_macro": 0.93, "log_loss": 0.14, "latency_ms": 20}}

all_findings := (((regression.deny_regression_drop | regression.deny_regression_drop_relative) | regression.deny_regression_rise) | regression.deny_regression_rise_relative) | regression.deny_regression_unchecked

test_small_changes_pass if {
	candidate := {"metrics": {"accuracy": 0.94, "f1_macro": 0.9, "log_loss": 0.18, "latency_ms": 21}, "baseline": baseline}
	count(all_findings) == 0 with input as candidate with data.slipway.config as config
	count(regression.warn_baseline_metric_missing) == 0 with input as candidate with data.slipway.config as config
}

test_exactly_the_allowed_change_passes if {
	# decimal arithmetic must not turn 0.95 - 0.93 into a hair over 0.02
	candidate := {"metrics": {"accuracy": 0.93, "f1_macro": 0.8835, "log_loss": 0.19, "latency_ms": 22}, "baseline": baseline}
	count(all_findings) == 0 with input as candidate with data.slipway.config as config
}

test_improvements_pass if {
	candidate := {"metrics": {"accuracy": 0.99, "f1_macro": 0.99, "log_loss": 0.01, "latency_ms": 5}, "baseline": baseline}
	count(all_findings) == 0 with input as candidate with data.slipway.config as config
}

test_no_baseline_checks_nothing if {
	candidate := {"metrics": {"accuracy": 0.1}, "baseline": null}
	count(all_findings) == 0 with input as candidate with data.slipway.config as config
	count(regression.warn_baseline_metric_missing) == 0 with input as candidate with data.slipway.config as config
	count(all_findings) == 0 with input as {"metrics": {"accuracy": 0.1}} with data.slipway.config as config
}

test_absolute_drop_denies if {
	got := regression.deny_regression_drop with input as {"metrics": {"accuracy": 0.85}, "baseline": baseline}
		with data.slipway.config as config
	got == {{
		"msg": "accuracy fell from 0.95 (baseline) to 0.85 (-0.1), more than the 0.02 allowed",
		"metric": "accuracy", "value": 0.85, "baseline": 0.95, "delta": -0.1,
		"threshold": 0.02, "op": "max_drop",
	}}
}

test_relative_drop_denies if {
	got := regression.deny_regression_drop_relative with input as {"metrics": {"f1_macro": 0.85}, "baseline": baseline}
		with data.slipway.config as config
	some result in got
	result.msg == "f1_macro fell from 0.93 (baseline) to 0.85 (-0.08, -8.6%), more than the 5% allowed"
	result.op == "max_drop_relative"
}

test_absolute_rise_denies if {
	got := regression.deny_regression_rise with input as {"metrics": {"log_loss": 0.3}, "baseline": baseline}
		with data.slipway.config as config
	some result in got
	result.msg == "log_loss rose from 0.14 (baseline) to 0.3 (+0.16), more than the 0.05 allowed"
	result.threshold == 0.05
}

test_relative_rise_denies if {
	got := regression.deny_regression_rise_relative with input as {"metrics": {"latency_ms": 30}, "baseline": baseline}
		with data.slipway.config as config
	some result in got
	result.msg == "latency_ms rose from 20 (baseline) to 30 (+10, +50%), more than the 10% allowed"
}

test_relative_checks_skip_a_zero_baseline if {
	zero := {"metrics": {"f1_macro": 0, "latency_ms": 0}}
	candidate := {"metrics": {"f1_macro": -1, "latency_ms": 5}, "baseline": zero}
	count(regression.deny_regression_drop_relative) == 0 with input as candidate with data.slipway.config as config
	count(regression.deny_regression_rise_relative) == 0 with input as candidate with data.slipway.config as config
}

test_dropped_metric_denies if {
	got := regression.deny_regression_unchecked with input as {"metrics": {"f1_macro": 0.93, "log_loss": 0.14, "latency_ms": 20}, "baseline": baseline}
		with data.slipway.config as config
	got == {{
		"msg": "accuracy is 0.95 in the baseline but missing or not a number in the candidate's metrics, so its regression cannot be checked",
		"metric": "accuracy", "baseline": 0.95,
	}}
}

test_baseline_without_the_metric_warns if {
	candidate := {"metrics": {"accuracy": 0.95, "f1_macro": 0.93}, "baseline": {"metrics": {"f1_macro": 0.93}}}
	got := regression.warn_baseline_metric_missing with input as candidate with data.slipway.config as config
	got == {{
		"msg": "the baseline has no accuracy (the candidate's is 0.95), so its regression cannot be checked",
		"metric": "accuracy", "value": 0.95,
	}}
}

test_baseline_without_metrics_warns if {
	got := regression.warn_baseline_metric_missing with input as {"metrics": {"accuracy": 0.95}, "baseline": {"source": "file"}}
		with data.slipway.config as config
	count(got) == 1
}

test_defaults_check_nothing if {
	candidate := {"metrics": {"accuracy": 0.1}, "baseline": baseline}
	count(all_findings) == 0 with input as candidate with data.slipway.config as {}
}

test_exception_as_data if {
	waiver := {"rules": ["regression_drop"], "reason": "accepted trade-off for latency"}
	regression.exception == {waiver} with data.slipway.config as {"regression": {"exceptions": [waiver]}}
}

test_candidate_without_metrics_cannot_pass_unchecked if {
	got := regression.deny_regression_unchecked with input as {"metrics": null, "baseline": baseline}
		with data.slipway.config as config
	{r.metric | some r in got} == {"accuracy", "f1_macro", "log_loss", "latency_ms"}
}
