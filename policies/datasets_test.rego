package slipway.datasets_test

import data.slipway.datasets

digest := "sha256:9cc1c345c71bcc9b486b74cbf6063fa66f4bb5e0f603a4b3c3471ec2e5e8e355"

packed := {"path": "data/iris.csv", "role": "datasets", "digest": digest, "size": 3858}

test_pinned_datasets_pass if {
	inp := {
		"model": {"files": [packed], "datasets": [{"name": "iris-holdout", "uri": "s3://ml/iris-holdout.csv", "digest": digest}]},
		"card": {"datasets": ["iris"]},
	}
	count(datasets.deny_dataset_unpinned) == 0 with input as inp
	count(datasets.warn_card_datasets_not_packed) == 0 with input as inp
}

test_packed_file_without_digest_denies if {
	got := datasets.deny_dataset_unpinned with input as {"model": {"files": [object.remove(packed, ["digest"])]}}
	got == {{
		"msg": "dataset data/iris.csv is not pinned by a sha256 digest: pack it with the model, or give its digest (sha256:<64 hex>)",
		"dataset": "data/iris.csv", "digest": null,
	}}
}

test_named_dataset_with_other_digest_denies if {
	named := [
		{"name": "holdout", "uri": "s3://ml/holdout.csv", "digest": "md5:0cc175b9c0f1b6a831c399e269772661"},
		{"uri": "s3://ml/train.csv"},
		{"size": 3},
	]
	got := datasets.deny_dataset_unpinned with input as {"model": {"datasets": named}}
	{r.dataset | some r in got} == {"holdout", "s3://ml/train.csv", "{\"size\":3}"}
	some r in got
	r.dataset == "holdout"
	contains(r.msg, "(its digest is \"md5:0cc175b9c0f1b6a831c399e269772661\")")
}

test_pinning_can_be_switched_off if {
	inp := {"model": {"files": [object.remove(packed, ["digest"])]}}
	count(datasets.deny_dataset_unpinned) == 0 with input as inp
		with data.slipway.config as {"datasets": {"require_pinned": false}}
}

test_card_datasets_without_packed_ones_warn if {
	inp := {"model": {"files": []}, "card": {"datasets": [{"name": "iris"}, "penguins"]}}
	got := datasets.warn_card_datasets_not_packed with input as inp
	got == {{
		"msg": "the model card lists datasets (iris, penguins) but the artifact carries none: pack them with the model, or name them with their digests",
		"datasets": ["iris", "penguins"],
	}}
	some r in datasets.warn_card_datasets_not_packed with input as {"card": {"datasets": "iris"}}
	r.datasets == ["iris"]
}

test_no_card_datasets_no_warning if {
	count(datasets.warn_card_datasets_not_packed) == 0 with input as {"card": {"datasets": []}}
	count(datasets.warn_card_datasets_not_packed) == 0 with input as {"card": null}
	count(datasets.warn_card_datasets_not_packed) == 0 with input as {}
}

test_exception_as_data if {
	waiver := {"rules": ["dataset_unpinned"], "reason": "public benchmark"}
	datasets.exception == {waiver} with data.slipway.config as {"datasets": {"exceptions": [waiver]}}
}
