# METADATA
# title: Regression against the baseline
# description: >-
#   When there is a baseline (input.baseline, the model now in the target
#   environment), the candidate's metrics may not fall (higher is better:
#   max_drop, max_drop_relative) or rise (lower is better: max_rise,
#   max_rise_relative) by more than slipway.config.regression allows.
package slipway.regression

import data.slipway.lib
import data.slipway.settings

candidate := input.metrics if is_object(input.metrics)

else := {}

# baseline is undefined when input.baseline is null, which turns every rule off.
baseline := object.get(input.baseline, "metrics", {}) if is_object(input.baseline)

max_drop := settings.setting("regression", "max_drop")

max_drop_relative := settings.setting("regression", "max_drop_relative")

max_rise := settings.setting("regression", "max_rise")

max_rise_relative := settings.setting("regression", "max_rise_relative")

configured := {name | some limits in [max_drop, max_drop_relative, max_rise, max_rise_relative]; some name, _ in limits}

deny_regression_drop contains result if {
	some name, allowed in max_drop
	[value, base] := pair(name)
	lib.exceeds(base - value, allowed)
	change := sprintf("fell from %s (baseline) to %s (%s)", [lib.num(base), lib.num(value), lib.signed(value - base)])
	result := finding(name, value, base, change, lib.num(allowed), allowed, "max_drop")
}

deny_regression_drop_relative contains result if {
	some name, allowed in max_drop_relative
	[value, base] := pair(name)
	base != 0
	lib.exceeds((base - value) / abs(base), allowed)
	change := sprintf("fell from %s (baseline) to %s (%s, %s)", [
		lib.num(base), lib.num(value), lib.signed(value - base),
		lib.percent((value - base) / abs(base)),
	])
	result := finding(name, value, base, change, lib.percent(allowed), allowed, "max_drop_relative")
}

deny_regression_rise contains result if {
	some name, allowed in max_rise
	[value, base] := pair(name)
	lib.exceeds(value - base, allowed)
	change := sprintf("rose from %s (baseline) to %s (%s)", [lib.num(base), lib.num(value), lib.signed(value - base)])
	result := finding(name, value, base, change, lib.num(allowed), allowed, "max_rise")
}

deny_regression_rise_relative contains result if {
	some name, allowed in max_rise_relative
	[value, base] := pair(name)
	base != 0
	lib.exceeds((value - base) / abs(base), allowed)
	change := sprintf("rose from %s (baseline) to %s (%s, +%s)", [
		lib.num(base), lib.num(value), lib.signed(value - base),
		lib.percent((value - base) / abs(base)),
	])
	result := finding(name, value, base, change, lib.percent(allowed), allowed, "max_rise_relative")
}

# deny_regression_unchecked: the baseline has the metric and the candidate
# does not, which would otherwise be the easiest way past this check.
deny_regression_unchecked contains result if {
	some name in configured
	base := lib.lookup(baseline, name)
	is_number(base)
	not number(candidate, name)
	result := {
		"msg": sprintf("%s is %s in the baseline but missing or not a number in the candidate's metrics, so its regression cannot be checked", [name, lib.num(base)]),
		"metric": name, "baseline": base,
	}
}

warn_baseline_metric_missing contains result if {
	some name in configured
	value := lib.lookup(candidate, name)
	is_number(value)
	not number(baseline, name)
	result := {
		"msg": sprintf("the baseline has no %s (the candidate's is %s), so its regression cannot be checked", [name, lib.num(value)]),
		"metric": name, "value": value,
	}
}

pair(name) := [value, base] if {
	value := lib.lookup(candidate, name)
	is_number(value)
	base := lib.lookup(baseline, name)
	is_number(base)
}

number(metrics, name) if is_number(lib.lookup(metrics, name))

finding(name, value, base, change, allowed_text, allowed, op) := {
	"msg": sprintf("%s %s, more than the %s allowed", [name, change, allowed_text]),
	"metric": name, "value": value, "baseline": base, "delta": lib.tidy(value - base),
	"threshold": allowed, "op": op,
}

exception contains e if some e in settings.exceptions("regression")
