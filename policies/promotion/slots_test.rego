package slipway.promotion.slots_test

import rego.v1

import data.slipway.promotion.slots

switch(env, digest) := {
	"action": "promote", "environment": env, "artifact": {"digest": digest},
	"environments": {"blue": "sha256:b", "green": "sha256:g", "live": "sha256:b"},
}

test_live_switches_to_the_green_slot if {
	count(slots.deny) == 0 with input as switch("live", "sha256:g")
}

test_live_refuses_a_digest_no_slot_runs if {
	some msg in slots.deny with input as switch("live", "sha256:new")
	msg == "live switches only to a digest a slot (blue, green) runs; sha256:new is in none of them: promote it to the idle slot first"
}

test_slots_themselves_take_anything if {
	count(slots.deny) == 0 with input as switch("green", "sha256:new")
}

test_configured_names if {
	count(slots.deny) == 1 with input as switch("prod", "sha256:new")
		with data.slipway.promotion.config.slots as {"live": ["prod"]}
}

test_without_data_yaml_the_defaults_apply if {
	count(slots.deny) == 1 with input as switch("live", "sha256:new")
		with data.slipway.promotion.config as {}
}
