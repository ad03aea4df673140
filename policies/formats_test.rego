package slipway.formats_test

import data.slipway.formats

model(files) := {"model": {"name": "iris-classifier", "files": files}}

safetensors := {"path": "model.safetensors", "role": "weights", "format": "safetensors", "size": 388}

test_safe_formats_pass if {
	files := [
		safetensors,
		{"path": "model.onnx", "role": "weights", "format": "onnx"},
		{"path": "model.Q4_K_M.gguf", "role": "weights", "format": "gguf"},
		{"path": "config.json", "role": "config"},
	]
	count(formats.deny_unsafe_format) == 0 with input as model(files)
}

test_pickle_denies if {
	got := formats.deny_unsafe_format with input as model([safetensors, {"path": "model.pkl", "role": "weights", "format": "pickle"}])
	got == {{
		"msg": "model.pkl is pickle, which runs code when loaded: convert it to safetensors or ONNX, or add an exception",
		"path": "model.pkl", "format": "pickle",
	}}
}

test_pytorch_and_joblib_deny if {
	files := [
		{"path": "pytorch_model.bin", "role": "weights", "format": "pytorch"},
		{"path": "scaler.joblib", "role": "weights", "format": "joblib"},
	]
	got := formats.deny_unsafe_format with input as model(files)
	{r.msg | some r in got} == {
		"pytorch_model.bin is a PyTorch pickle, which runs code when loaded: convert it to safetensors or ONNX, or add an exception",
		"scaler.joblib is joblib (pickle underneath), which runs code when loaded: convert it to safetensors or ONNX, or add an exception",
	}
}

test_format_from_extension_when_absent if {
	files := [
		{"path": "ckpt/epoch=3.CKPT", "role": "weights"},
		{"path": "model.pth", "role": "weights", "format": ""},
		{"path": "weights.npz", "role": "weights"},
	]
	got := formats.deny_unsafe_format with input as model(files)
	{[r.path, r.format] | some r in got} == {["ckpt/epoch=3.CKPT", "pytorch"], ["model.pth", "pytorch"]}
}

test_only_configured_roles_are_checked if {
	files := [{"path": "data/frame.pkl", "role": "datasets", "format": "pickle"}]
	count(formats.deny_unsafe_format) == 0 with input as model(files)
	count(formats.deny_unsafe_format) == 1 with input as model(files)
		with data.slipway.config as {"formats": {"roles": ["weights", "datasets"]}}
}

test_unsafe_list_is_configurable if {
	files := [{"path": "model.pt", "role": "weights", "format": "PyTorch"}]
	count(formats.deny_unsafe_format) == 1 with input as model(files) with data.slipway.config as {}
	count(formats.deny_unsafe_format) == 0 with input as model(files)
		with data.slipway.config as {"formats": {"unsafe": ["pickle"]}}
}

test_no_files_passes if {
	count(formats.deny_unsafe_format) == 0 with input as {"model": {"name": "x"}}
	count(formats.deny_unsafe_format) == 0 with input as {}
}

# An exception with an expiry: the engine waives deny_unsafe_format until
# the date, then reports the waiver as expired and the denial counts again.
test_exception_with_expiry_waives_unsafe_format if {
	config := {"formats": {"exceptions": [{
		"rules": ["unsafe_format"],
		"expires": "2027-01-31",
		"reason": "legacy scikit-learn model; ONNX export tracked in ML-142",
		"owner": "ml-platform",
	}]}}
	formats.exception == {{
		"rules": ["unsafe_format"],
		"expires": "2027-01-31",
		"reason": "legacy scikit-learn model; ONNX export tracked in ML-142",
	}} with data.slipway.config as config

	# the finding itself still fires: waiving is the engine's job
	count(formats.deny_unsafe_format) == 1 with input as model([{"path": "model.pkl", "role": "weights", "format": "pickle"}])
		with data.slipway.config as config
}

test_no_exceptions_by_default if {
	count(formats.exception) == 0 with data.slipway.config as {}
}
