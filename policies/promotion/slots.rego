# METADATA
# title: Blue-green slots
# description: |
#   In a blue-green setup the two slots (blue, green) are environments that
#   deployments follow, and live is the environment the router follows.
#   This rule lets live move only to a digest one of the slots runs now, so
#   switching traffic never serves something no slot has warmed up; a
#   rollback of live to a digest neither slot holds any more is refused too.
#   Configure under data.slipway.promotion.config.slots:
#     live:  [live]          the environments that switch between slots
#     slots: [blue, green]
package slipway.promotion.slots

import rego.v1

defaults := {"live": ["live"], "slots": ["blue", "green"]}

default configured := {}

configured := data.slipway.promotion.config.slots

settings := object.union(defaults, configured)

deny contains msg if {
	input.environment in settings.live
	running := {d | some s in settings.slots; d := object.get(input.environments, s, ""); d != ""}
	not input.artifact.digest in running
	msg := sprintf("%s switches only to a digest a slot (%s) runs; %s is in none of them: promote it to the idle slot first", [
		input.environment, concat(", ", settings.slots), input.artifact.digest,
	])
}
