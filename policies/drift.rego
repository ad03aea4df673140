# METADATA
# title: Data drift
# description: >-
#   Only when a drift report is given (input.drift): no feature's population
#   stability index above max_psi, no Kolmogorov-Smirnov p-value below
#   min_ks_pvalue, and no more than max_share_drifted of the features drifted.
#   slipway.config.drift.features sets other thresholds for named features.
package slipway.drift

import data.slipway.lib
import data.slipway.settings

# features is undefined without a drift report, which turns every rule off.
features := f if {
	is_object(input.drift)
	f := object.get(input.drift, "features", {})
	is_object(f)
} else := {} if is_object(input.drift)

deny_feature_psi contains result if {
	some name, stats in features
	psi := stats.psi
	is_number(psi)
	limit := threshold(name, "max_psi")
	psi > limit
	result := {
		"msg": sprintf("feature %s drifted: its PSI %s is over the maximum %s", [name, lib.num(psi), lib.num(limit)]),
		"feature": name, "value": psi, "threshold": limit, "op": "<=",
	}
}

deny_feature_ks contains result if {
	some name, stats in features
	p := stats.ks_pvalue
	is_number(p)
	limit := threshold(name, "min_ks_pvalue")
	p < limit
	result := {
		"msg": sprintf("feature %s drifted: its KS p-value %s is below the minimum %s", [name, lib.num(p), lib.num(limit)]),
		"feature": name, "value": p, "threshold": limit, "op": ">=",
	}
}

deny_share_drifted contains result if {
	limit := settings.setting("drift", "max_share_drifted")
	share > limit
	result := {
		"msg": sprintf("%s of the features drifted (%s), over the maximum %s", [lib.percent(share), share_detail, lib.percent(limit)]),
		"value": share, "threshold": limit, "op": "<=",
	}
}

# share is the report's share_drifted, or, when it has none, the share of
# its features that drifted by the thresholds here.
share := input.drift.share_drifted if is_number(input.drift.share_drifted)

else := count(drifted) / count(features) if count(features) > 0

drifted contains name if {
	some name, stats in features
	is_number(stats.psi)
	stats.psi > threshold(name, "max_psi")
}

drifted contains name if {
	some name, stats in features
	is_number(stats.ks_pvalue)
	stats.ks_pvalue < threshold(name, "min_ks_pvalue")
}

share_detail := sprintf("share_drifted %s", [lib.num(input.drift.share_drifted)]) if is_number(input.drift.share_drifted)

else := concat(", ", sort(drifted)) if count(drifted) > 0

else := "none by the thresholds here"

# threshold is a feature's own threshold when it has one, else the global one.
threshold(feature, key) := v if {
	v := settings.setting("drift", "features")[feature][key]
} else := settings.setting("drift", key)

exception contains e if some e in settings.exceptions("drift")
