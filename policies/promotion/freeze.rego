# METADATA
# title: Change freeze
# description: |
#   Refuses promotions (not rollbacks: incident response goes on) during
#   freeze windows: dated windows (a release weekend, the holidays) and
#   weekly ones (no Friday-afternoon deploys). Configure under
#   data.slipway.promotion.config.freeze (data.yaml beside this file):
#     windows: [{start: RFC 3339, end: RFC 3339, reason, environments}]
#     weekly:  [{days: [Friday], from: "15:00", to: "24:00", timezone, reason, environments}]
#   A window without environments applies to every environment.
package slipway.promotion.freeze

import rego.v1

default settings := {}

settings := data.slipway.promotion.config.freeze

now := time.parse_rfc3339_ns(input.time)

deny contains msg if {
	input.action == "promote"
	some w in object.get(settings, "windows", [])
	applies(w)
	now >= time.parse_rfc3339_ns(w.start)
	now < time.parse_rfc3339_ns(w.end)
	msg := sprintf("%s is frozen from %s to %s: %s", [input.environment, w.start, w.end, reason(w)])
}

deny contains msg if {
	input.action == "promote"
	some w in object.get(settings, "weekly", [])
	applies(w)
	tz := object.get(w, "timezone", "UTC")
	time.weekday([now, tz]) in w.days
	[h, m, _] := time.clock([now, tz])
	minute := (h * 60) + m
	minute >= minutes(w.from)
	minute < minutes(w.to)
	msg := sprintf("%s is frozen on %s from %s to %s (%s): %s", [input.environment, concat("/", w.days), w.from, w.to, tz, reason(w)])
}

applies(w) if not w.environments

applies(w) if input.environment in w.environments

reason(w) := object.get(w, "reason", "change freeze")

# minutes is "HH:MM" as minutes since midnight; "24:00" is the end of the day.
minutes(hhmm) := (to_number(parts[0]) * 60) + to_number(parts[1]) if {
	parts := split(hhmm, ":")
}
