# METADATA
# title: Licence allow-list
# description: >-
#   The model's licences (input.card.license and
#   input.model.config.descriptor.licenses) must be in
#   slipway.config.license.allow: SPDX ids, compared without regard to case.
#   An SPDX expression passes when one of its OR alternatives has all its AND
#   terms allowed ("MIT OR GPL-3.0" passes with mit allowed); the exception of
#   a WITH clause is ignored.
package slipway.license

import data.slipway.settings

allowed_ids := {lower(trim_space(id)) | some id in settings.setting("license", "allow")}

# declared maps each licence, lower-cased, to where it was declared.
declared[lower(expression)] contains source if {
	some [raw, source] in sources
	expression := trim_space(raw)
	expression != ""
}

# written is a licence as its declaration spells it.
written(key) := sort([e | some [raw, _] in sources; e := trim_space(raw); lower(e) == key])[0]

sources contains [card_license, "the model card"] if {
	is_string(input.card.license)
	card_license := input.card.license
}

sources contains [id, "the model card"] if {
	is_array(input.card.license)
	some id in input.card.license
	is_string(id)
}

sources contains [id, "the artifact config"] if {
	some id in input.model.config.descriptor.licenses
	is_string(id)
}

deny_license_not_allowed contains result if {
	some expression, where in declared
	not allowed(expression)
	result := {
		"msg": sprintf("licence %s (in %s) is not in the allow-list (%s)", [
			written(expression), concat(" and ", sort(where)), concat(", ", sort(allowed_ids)),
		]),
		"license": written(expression),
	}
}

warn_license_missing contains "no licence declared: add `license:` with an SPDX id to the model card (README.md front matter)" if {
	count(declared) == 0
}

allowed(expression) if {
	some alternative in regex.split(`\s+or\s+`, lower(replace(replace(expression, "(", " "), ")", " ")))
	every term in regex.split(`\s+and\s+`, trim_space(alternative)) {
		trim_space(regex.split(`\s+with\s+`, term)[0]) in allowed_ids
	}
}

exception contains e if some e in settings.exceptions("license")
