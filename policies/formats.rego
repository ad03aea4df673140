# METADATA
# title: Unsafe weight formats
# description: >-
#   Weight files in a pickle-based format (pickle, PyTorch's .pt/.pth/.bin/
#   .ckpt, joblib) run arbitrary code when they are loaded. They are denied
#   unless an exception waives unsafe_format; safetensors, ONNX and GGUF hold
#   only data.
package slipway.formats

import data.slipway.settings

unsafe := {lower(f) | some f in settings.setting("formats", "unsafe")}

# roles are the file roles checked: weights by default.
roles := {lower(r) | some r in settings.setting("formats", "roles")}

deny_unsafe_format contains result if {
	some file in input.model.files
	is_string(file.role)
	is_string(file.path)
	lower(file.role) in roles
	format := format_of(file)
	format in unsafe
	result := {
		"msg": sprintf("%s is %s, which runs code when loaded: convert it to safetensors or ONNX, or add an exception", [file.path, describe(format)]),
		"path": file.path, "format": format,
	}
}

# format_of is the file's format as the gate input gives it, else as its
# extension tells (the same table slipway pack uses).
format_of(file) := lower(file.format) if {
	is_string(file.format)
	file.format != ""
} else := extension_formats[ext] if {
	ext := regex.find_n(`\.[^./]+$`, lower(file.path), 1)[0]
}

extension_formats := {
	".pkl": "pickle", ".pickle": "pickle",
	".pt": "pytorch", ".pth": "pytorch", ".bin": "pytorch", ".ckpt": "pytorch",
	".joblib": "joblib",
	".safetensors": "safetensors", ".onnx": "onnx", ".gguf": "gguf",
}

describe(format) := object.get(descriptions, format, format)

descriptions := {
	"pytorch": "a PyTorch pickle",
	"joblib": "joblib (pickle underneath)",
}

# exception: waivers configured as data, e.g.
#   slipway.config.formats.exceptions:
#     [{rules: [unsafe_format], expires: "2027-01-31", reason: "…"}]
exception contains e if some e in settings.exceptions("formats")
