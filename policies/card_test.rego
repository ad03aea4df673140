package slipway.card_test

import data.slipway.card

full := {
	"name": "iris-classifier", "license": "apache-2.0",
	"intended_use": "demos", "limitations": "30 test flowers",
	"datasets": [{"name": "iris"}], "metrics": {"accuracy": 0.93},
}

test_complete_card_passes if {
	count(card.deny_no_card) == 0 with input as {"card": full}
	count(card.deny_card_field_missing) == 0 with input as {"card": full}
	count(card.warn_card_field_recommended) == 0 with input as {"card": full}
}

test_no_card_denies if {
	card.deny_no_card == {"no model card: add YAML front matter to README.md"} with input as {"card": null}
	card.deny_no_card == {"no model card: add YAML front matter to README.md"} with input as {}

	# and nothing else piles on
	count(card.deny_card_field_missing) == 0 with input as {"card": null}
}

test_missing_required_field_denies if {
	got := card.deny_card_field_missing with input as {"card": object.remove(full, ["limitations"])}
	got == {{
		"msg": "the model card has no limitations: add `limitations:` to the front matter of README.md",
		"field": "limitations",
	}}
}

test_empty_required_fields_deny if {
	blank := object.union(full, {"license": "  ", "intended_use": null, "limitations": []})
	got := card.deny_card_field_missing with input as {"card": blank}
	{r.field | some r in got} == {"license", "intended_use", "limitations"}
}

test_field_names_match_loosely if {
	loose := {"License": "mit", "Intended-Use": "demos", "limitations": "few"}
	count(card.deny_card_field_missing) == 0 with input as {"card": loose}
}

test_required_fields_from_config if {
	got := card.deny_card_field_missing with input as {"card": full}
		with data.slipway.config as {"card": {"required": ["license", "owner.team"]}}
	{r.field | some r in got} == {"owner.team"}

	nested := object.union(full, {"owner": {"team": "ml-platform"}})
	count(card.deny_card_field_missing) == 0 with input as {"card": nested}
		with data.slipway.config as {"card": {"required": ["license", "owner.team"]}}
}

test_missing_recommended_field_warns if {
	got := card.warn_card_field_recommended with input as {"card": object.remove(full, ["metrics"])}
	got == {{
		"msg": "the model card has no metrics (recommended): add `metrics:` to the front matter of README.md",
		"field": "metrics",
	}}
}

test_recommended_fields_can_be_switched_off if {
	count(card.warn_card_field_recommended) == 0 with input as {"card": {}}
		with data.slipway.config as {"card": {"recommended": []}}
}

test_exception_as_data if {
	waiver := {"rules": ["no_card"], "expires": "2026-12-31", "reason": "card being written"}
	card.exception == {waiver} with data.slipway.config as {"card": {"exceptions": [waiver]}}
}
