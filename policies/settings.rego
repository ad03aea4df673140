# METADATA
# title: Settings of the shipped policies
# description: >-
#   Reads data.slipway.config, falls back to the defaults below for every key
#   that is absent or null, and fails the gate when a key has the wrong type:
#   a threshold that silently stops applying is worse than a red build.
package slipway.settings

# defaults mirrors config.yaml (a Go test keeps them equal), so every rule
# works when --data overrides only part of the configuration, or none of it.
defaults := {
	"metrics": {
		"min": {},
		"max": {},
		"required": [],
		"require_thresholded": true,
		"exceptions": [],
	},
	"regression": {
		"max_drop": {},
		"max_drop_relative": {},
		"max_rise": {},
		"max_rise_relative": {},
		"exceptions": [],
	},
	"card": {
		"required": ["license", "intended_use", "limitations"],
		"recommended": ["datasets", "metrics"],
		"exceptions": [],
	},
	"license": {
		"allow": [
			"apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause", "isc",
			"0bsd", "zlib", "unlicense", "cc0-1.0", "cc-by-4.0",
		],
		"exceptions": [],
	},
	"formats": {
		"unsafe": ["pickle", "pytorch", "joblib"],
		"roles": ["weights"],
		"exceptions": [],
	},
	"size": {
		"max_total_bytes": 53687091200,
		"max_file_bytes": 21474836480,
		"exceptions": [],
	},
	"datasets": {
		"require_pinned": true,
		"exceptions": [],
	},
	"drift": {
		"max_psi": 0.2,
		"min_ks_pvalue": 0.01,
		"max_share_drifted": 0.3,
		"features": {},
		"exceptions": [],
	},
}

# kinds says what each key must hold.
kinds := {section: {key: kind_of(key, value) | some key, value in keys} | some section, keys in defaults}

kind_of(key, value) := "exceptions" if {
	key == "exceptions"
} else := "feature_thresholds" if {
	key == "features"
} else := "numbers" if {
	is_object(value)
} else := "strings" if {
	is_array(value)
} else := "number" if {
	is_number(value)
} else := "boolean"

kind_names := {
	"number": "a number",
	"boolean": "true or false",
	"numbers": "a map of metric names to numbers",
	"strings": "a list of strings",
	"exceptions": "a list of {rules: [names], expires: YYYY-MM-DD, reason: text}",
	"feature_thresholds": "a map of feature names to {max_psi, min_ks_pvalue}",
}

# section is data.slipway.config[name], or {} when it is absent or not a map.
section(name) := s if {
	s := data.slipway.config[name]
	is_object(s)
} else := {}

# setting is the configured value of a key, or its default when the key is
# absent, null or of the wrong type (deny_config then says so).
setting(sec, key) := v if {
	v := section(sec)[key]
	kind_ok(kinds[sec][key], v)
} else := defaults[sec][key]

# effective is the whole configuration the rules use: data.slipway.config
# over the defaults. Reports read thresholds from it.
effective := {sec: {key: setting(sec, key) | some key, _ in keys} | some sec, keys in defaults}

# exceptions are the waivers configured for a package as data
# (slipway.config.<section>.exceptions), in the form exception rules return.
exceptions(sec) := {object.filter(e, ["rules", "expires", "reason"]) | some e in setting(sec, "exceptions")}

kind_ok("number", v) if is_number(v)

kind_ok("boolean", v) if is_boolean(v)

kind_ok("numbers", v) if numbers(v)

kind_ok("strings", v) if strings(v)

kind_ok("exceptions", v) if {
	is_array(v)
	every e in v {
		valid_exception(e)
	}
}

kind_ok("feature_thresholds", v) if {
	is_object(v)
	every t in v {
		numbers(t)
	}
}

numbers(v) if {
	is_object(v)
	every x in v {
		is_number(x)
	}
}

strings(v) if {
	is_array(v)
	every x in v {
		is_string(x)
	}
}

valid_exception(e) if {
	strings(e.rules)
	count(e.rules) > 0
	is_string(object.get(e, "expires", ""))
	is_string(object.get(e, "reason", ""))
}

# deny_config: a section or key holding the wrong type.
deny_config contains msg if {
	some sec, value in data.slipway.config
	defaults[sec]
	value != null
	not is_object(value)
	msg := sprintf("slipway.config.%s must be a map, not %s", [sec, json.marshal(value)])
}

deny_config contains msg if {
	some sec, _ in defaults
	some key, value in section(sec)
	kind := kinds[sec][key]
	value != null
	not kind_ok(kind, value)
	msg := sprintf("slipway.config.%s.%s must be %s, not %s", [sec, key, kind_names[kind], json.marshal(value)])
}

# warn_config: names nothing reads, most often a typo that would otherwise
# switch a check off without a word.
warn_config contains msg if {
	some sec, _ in data.slipway.config
	not defaults[sec]
	msg := sprintf("slipway.config.%s is not read by the shipped policies (they read %s)", [sec, concat(", ", sort(object.keys(defaults)))])
}

warn_config contains msg if {
	some sec, _ in defaults
	some key, _ in section(sec)
	not kinds[sec][key]
	msg := sprintf("slipway.config.%s.%s is not a setting of slipway.%s (it reads %s)", [sec, key, sec, concat(", ", sort(object.keys(kinds[sec])))])
}
