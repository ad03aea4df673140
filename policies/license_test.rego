package slipway.license_test

import data.slipway.license

test_allowed_licence_passes if {
	count(license.deny_license_not_allowed) == 0 with input as {"card": {"license": "apache-2.0"}}
	count(license.warn_license_missing) == 0 with input as {"card": {"license": "apache-2.0"}}
}

test_case_does_not_matter if {
	inp := {"card": {"license": "Apache-2.0"}, "model": {"config": {"descriptor": {"licenses": ["MIT"]}}}}
	count(license.deny_license_not_allowed) == 0 with input as inp
}

test_licence_outside_the_list_denies if {
	got := license.deny_license_not_allowed with input as {"card": {"license": "GPL-3.0"}}
		with data.slipway.config as {"license": {"allow": ["apache-2.0", "MIT"]}}
	got == {{
		"msg": "licence GPL-3.0 (in the model card) is not in the allow-list (apache-2.0, mit)",
		"license": "GPL-3.0",
	}}
}

test_both_sources_are_read if {
	inp := {
		"card": {"license": ["mit", "cc-by-nc-4.0"]},
		"model": {"config": {"descriptor": {"licenses": ["CC-BY-NC-4.0", "llama2"]}}},
	}
	got := license.deny_license_not_allowed with input as inp
	{r.license | some r in got} == {"CC-BY-NC-4.0", "llama2"}
	some r in got
	r.license == "CC-BY-NC-4.0"
	contains(r.msg, "(in the artifact config and the model card)")
}

test_spdx_expressions if {
	allow := {"license": {"allow": ["mit", "apache-2.0"]}}
	count(license.deny_license_not_allowed) == 0 with input as {"card": {"license": "MIT OR GPL-3.0"}} with data.slipway.config as allow
	count(license.deny_license_not_allowed) == 0 with input as {"card": {"license": "(MIT AND Apache-2.0)"}} with data.slipway.config as allow
	count(license.deny_license_not_allowed) == 0 with input as {"card": {"license": "Apache-2.0 WITH LLVM-exception"}} with data.slipway.config as allow
	count(license.deny_license_not_allowed) == 1 with input as {"card": {"license": "MIT AND GPL-3.0"}} with data.slipway.config as allow
}

test_no_licence_warns if {
	msg := "no licence declared: add `license:` with an SPDX id to the model card (README.md front matter)"
	license.warn_license_missing == {msg} with input as {"card": null, "model": {"config": {}}}
	license.warn_license_missing == {msg} with input as {"card": {"license": " "}}
	license.warn_license_missing == {msg} with input as {}
	count(license.deny_license_not_allowed) == 0 with input as {}
}

test_default_allow_list if {
	count(license.deny_license_not_allowed) == 0 with input as {"card": {"license": "cc-by-4.0"}} with data.slipway.config as {}
	count(license.deny_license_not_allowed) == 1 with input as {"card": {"license": "cc-by-nc-4.0"}} with data.slipway.config as {}
}

test_exception_as_data if {
	waiver := {"rules": ["license_not_allowed"], "expires": "2027-01-31", "reason": "legal approved llama2 for internal use"}
	license.exception == {waiver} with data.slipway.config as {"license": {"exceptions": [waiver]}}
}
