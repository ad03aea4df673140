package slipway.promotion.freeze_test

import rego.v1

import data.slipway.promotion.freeze

cfg := {
	"windows": [{"start": "2026-12-20T00:00:00Z", "end": "2027-01-04T00:00:00Z", "reason": "holidays", "environments": ["production"]}],
	"weekly": [{"days": ["Friday"], "from": "15:00", "to": "24:00", "timezone": "Europe/Berlin"}],
}

promote(env, t) := {"action": "promote", "environment": env, "time": t}

test_holiday_window_denies_production if {
	some msg in freeze.deny with input as promote("production", "2026-12-24T10:00:00Z") with data.slipway.promotion.config.freeze as cfg
	contains(msg, "production is frozen from 2026-12-20T00:00:00Z to 2027-01-04T00:00:00Z: holidays")
}

test_holiday_window_spares_staging if {
	count(freeze.deny) == 0 with input as promote("staging", "2026-12-24T10:00:00Z") with data.slipway.promotion.config.freeze as cfg
}

test_window_end_is_open if {
	count(freeze.deny) == 0 with input as promote("production", "2027-01-04T00:00:00Z") with data.slipway.promotion.config.freeze as cfg
}

test_friday_afternoon_in_berlin if {
	# 14:30 UTC is 15:30 in Berlin in winter.
	some msg in freeze.deny with input as promote("staging", "2026-03-06T14:30:00Z") with data.slipway.promotion.config.freeze as cfg
	contains(msg, "frozen on Friday from 15:00 to 24:00 (Europe/Berlin): change freeze")
}

test_friday_morning_is_open if {
	count(freeze.deny) == 0 with input as promote("staging", "2026-03-06T09:00:00Z") with data.slipway.promotion.config.freeze as cfg
}

test_rollback_is_never_frozen if {
	count(freeze.deny) == 0 with input as {"action": "rollback", "environment": "production", "time": "2026-12-24T10:00:00Z"}
		with data.slipway.promotion.config.freeze as cfg
}

test_no_configuration_no_freeze if {
	count(freeze.deny) == 0 with input as promote("production", "2026-12-24T10:00:00Z") with data.slipway.promotion.config.freeze as {}
}

test_without_data_yaml_nothing_is_frozen if {
	count(freeze.deny) == 0 with input as promote("production", "2026-12-24T10:00:00Z")
		with data.slipway.promotion.config as {}
}
