# METADATA
# title: Metric thresholds
# description: >-
#   The candidate's metrics (input.metrics) against the bounds in
#   slipway.config.metrics: min, max and required. A metric name may be a
#   dotted path into nested metrics ("per_class.virginica.recall").
package slipway.metrics

import data.slipway.lib
import data.slipway.settings

metrics := input.metrics if is_object(input.metrics)

else := {}

minimums := settings.setting("metrics", "min")

maximums := settings.setting("metrics", "max")

# required are the metrics that must be present: those listed, and, with
# require_thresholded (the default), every metric that has a bound, so a
# renamed or dropped metric cannot slip past its threshold.
required contains name if some name in settings.setting("metrics", "required")

required contains name if {
	settings.setting("metrics", "require_thresholded")
	some name, _ in object.union(minimums, maximums)
}

# configured are the metrics something here compares.
configured := ({name | some name in settings.setting("metrics", "required")} | object.keys(minimums)) | object.keys(maximums)

deny_metric_below_min contains result if {
	some name, threshold in minimums
	value := lib.lookup(metrics, name)
	is_number(value)
	value < threshold
	result := {
		"msg": sprintf("%s %s is below the minimum %s", [name, lib.num(value), lib.num(threshold)]),
		"metric": name, "value": value, "threshold": threshold, "op": ">=",
	}
}

deny_metric_above_max contains result if {
	some name, threshold in maximums
	value := lib.lookup(metrics, name)
	is_number(value)
	value > threshold
	result := {
		"msg": sprintf("%s %s is above the maximum %s", [name, lib.num(value), lib.num(threshold)]),
		"metric": name, "value": value, "threshold": threshold, "op": "<=",
	}
}

deny_metric_missing contains result if {
	some name in required
	not lib.has(metrics, name)
	result := object.union(
		{"msg": missing_message(name), "metric": name},
		bound(name),
	)
}

deny_metric_not_number contains result if {
	some name in configured
	value := lib.lookup(metrics, name)
	not is_number(value)
	result := object.union(
		{"msg": sprintf("%s is %s, not a number%s", [name, json.marshal(value), missing_reason(name)]), "metric": name, "value": value},
		bound(name),
	)
}

# bound is the threshold metadata of a metric: its minimum, else its maximum.
bound(name) := {"threshold": minimums[name], "op": ">="} if minimums[name]

else := {"threshold": maximums[name], "op": "<="} if maximums[name]

else := {}

missing_message(name) := sprintf("%s is missing from the metrics%s", [name, missing_reason(name)]) if missing_reason(name) != ""

else := sprintf("%s is required but missing from the metrics", [name])

missing_reason(name) := sprintf(", so its minimum %s cannot be checked", [lib.num(minimums[name])]) if minimums[name]

else := sprintf(", so its maximum %s cannot be checked", [lib.num(maximums[name])]) if maximums[name]

else := ""

exception contains e if some e in settings.exceptions("metrics")
