# METADATA
# title: Model card
# description: >-
#   The model card (input.card: the front matter of the model's README.md, or
#   a model-card YAML) must exist and fill in the fields slipway.config.card
#   requires; the recommended ones only warn.
package slipway.card

import data.slipway.lib
import data.slipway.settings

# card is undefined when there is none, which leaves only deny_no_card.
card := input.card if is_object(input.card)

deny_no_card contains "no model card: add YAML front matter to README.md" if not card

deny_card_field_missing contains result if {
	card
	some field in settings.setting("card", "required")
	not filled(field)
	result := {
		"msg": sprintf("the model card has no %s: add `%s:` to the front matter of README.md", [field, field]),
		"field": field,
	}
}

warn_card_field_recommended contains result if {
	card
	some field in settings.setting("card", "recommended")
	not filled(field)
	result := {
		"msg": sprintf("the model card has no %s (recommended): add `%s:` to the front matter of README.md", [field, field]),
		"field": field,
	}
}

filled(field) if not lib.blank(field_value(field))

# field_value finds a field as written, as a dotted path, or under a key
# that differs only in case, dashes or spaces ("Intended-Use" for intended_use).
field_value(field) := v if {
	v := lib.lookup(card, field)
} else := card[key] if {
	keys := sort([k | some k, _ in card; normal(k) == normal(field)])
	key := keys[0]
}

normal(name) := replace(replace(lower(trim_space(name)), "-", "_"), " ", "_")

exception contains e if some e in settings.exceptions("card")
