package slipway.size_test

import data.slipway.size

gib := 1073741824

files(sizes) := {"model": {"files": [{"path": sprintf("shard-%d.safetensors", [i]), "size": s} | some i, s in sizes]}}

test_small_model_passes if {
	count(size.deny_total_size) == 0 with input as files([388, 3858])
	count(size.deny_file_size) == 0 with input as files([388, 3858])
}

test_total_over_limit_denies if {
	got := size.deny_total_size with input as files([20 * gib, 20 * gib, 20 * gib])
	got == {{
		"msg": "the model is 60 GiB in total, over the 50 GiB limit",
		"size": 60 * gib, "threshold": 50 * gib,
	}}
}

test_total_from_model_size_when_files_have_none if {
	got := size.deny_total_size with input as {"model": {"size": 60000000000, "files": [{"path": "x"}]}}
	some r in got
	r.msg == "the model is 55.9 GiB in total, over the 50 GiB limit"
	count(size.deny_total_size) == 0 with input as {}
}

test_file_over_limit_denies if {
	got := size.deny_file_size with input as files([388, 25 * gib])
	got == {{
		"msg": "shard-1.safetensors is 25 GiB, over the 20 GiB limit for one file",
		"path": "shard-1.safetensors", "size": 25 * gib, "threshold": 20 * gib,
	}}
}

test_exact_bytes_when_rounding_hides_the_difference if {
	got := size.deny_file_size with input as files([(20 * gib) + 1])
	some r in got
	r.msg == "shard-0.safetensors is 20 GiB (21474836481 bytes), over the 20 GiB (21474836480 bytes) limit for one file"
}

test_limits_are_configurable if {
	config := {"size": {"max_total_bytes": 1000, "max_file_bytes": 500}}
	got_total := size.deny_total_size with input as files([400, 700]) with data.slipway.config as config
	got_total == {{"msg": "the model is 1.1 KiB in total, over the 1000 B limit", "size": 1100, "threshold": 1000}}
	got_file := size.deny_file_size with input as files([400, 700]) with data.slipway.config as config
	{r.path | some r in got_file} == {"shard-1.safetensors"}
}

test_sizes_that_are_not_numbers_are_skipped if {
	count(size.deny_file_size) == 0 with input as {"model": {"files": [{"path": "x", "size": "big"}]}}
}

test_exception_as_data if {
	waiver := {"rules": ["total_size"], "expires": "2027-01-31", "reason": "70B model, registry raised limits"}
	size.exception == {waiver} with data.slipway.config as {"size": {"exceptions": [waiver]}}
}
