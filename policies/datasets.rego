# METADATA
# title: Datasets pinned by digest
# description: >-
#   With slipway.config.datasets.require_pinned, every dataset the artifact
#   carries (files with role datasets) or names (input.model.datasets) must
#   have a sha256 digest, so the data a model was trained on can be fetched
#   again byte for byte. Warns when the model card lists datasets and the
#   artifact has none.
package slipway.datasets

import data.slipway.lib
import data.slipway.settings

# datasets are the artifact's datasets as {name, digest}.
datasets contains {"name": file.path, "digest": object.get(file, "digest", null)} if {
	some file in input.model.files
	is_object(file)
	file.role == "datasets"
}

datasets contains {"name": name_of(d), "digest": object.get(d, "digest", null)} if {
	some d in input.model.datasets
	is_object(d)
}

deny_dataset_unpinned contains result if {
	settings.setting("datasets", "require_pinned")
	some d in datasets
	not pinned(d.digest)
	result := {
		"msg": sprintf("dataset %s is not pinned by a sha256 digest%s: pack it with the model, or give its digest (sha256:<64 hex>)", [d.name, digest_note(d.digest)]),
		"dataset": d.name, "digest": d.digest,
	}
}

warn_card_datasets_not_packed contains result if {
	card_datasets := input.card.datasets
	not lib.blank(card_datasets)
	count(datasets) == 0
	names := [name_of(d) | some d in listed(card_datasets)]
	result := {
		"msg": sprintf("the model card lists datasets (%s) but the artifact carries none: pack them with the model, or name them with their digests", [concat(", ", names)]),
		"datasets": names,
	}
}

pinned(digest) if {
	is_string(digest)
	regex.match(`^sha256:[0-9a-f]{64}$`, digest)
}

digest_note(digest) := sprintf(" (its digest is %s)", [json.marshal(digest)]) if not lib.blank(digest)

else := ""

# name_of names a dataset entry: a string as it is, else its name, path, uri
# or id, else the entry itself.
name_of(d) := d if is_string(d)

else := d[keys[0]] if {
	keys := [key | some key in ["name", "path", "uri", "url", "id"]; is_string(d[key])]
	count(keys) > 0
}

else := json.marshal(d)

listed(v) := v if is_array(v)

else := [v]

exception contains e if some e in settings.exceptions("datasets")
