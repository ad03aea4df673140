package modelpack

import (
	"fmt"
	"path"
	"strings"
)

// Role is what a file is to the model; it picks the layer media type.
type Role string

// The ModelPack roles.
const (
	RoleWeights Role = "weights"
	RoleConfig  Role = "config"
	RoleDocs    Role = "docs"
	RoleCode    Role = "code"
	RoleDataset Role = "datasets"
)

// Roles lists every role in the order their layers appear in a manifest.
var Roles = []Role{RoleWeights, RoleConfig, RoleCode, RoleDocs, RoleDataset}

// ParseRole accepts a role name as users type it (weights, config, docs, code, datasets).
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "weights", "weight", "model":
		return RoleWeights, nil
	case "config", "configs", "weight.config":
		return RoleConfig, nil
	case "docs", "doc":
		return RoleDocs, nil
	case "code":
		return RoleCode, nil
	case "datasets", "dataset", "data":
		return RoleDataset, nil
	}
	return "", fmt.Errorf("unknown role %q (want weights, config, docs, code or datasets)", s)
}

// weightExts are extensions of weight files. The pickle-based ones are
// packed like the rest; whether they are safe to load is a policy question.
var weightExts = map[string]string{
	".safetensors": "safetensors",
	".onnx":        "onnx",
	".gguf":        "gguf",
	".ggml":        "ggml",
	".pt":          "pytorch",
	".pth":         "pytorch",
	".bin":         "pytorch",
	".ckpt":        "pytorch",
	".pkl":         "pickle",
	".pickle":      "pickle",
	".joblib":      "joblib",
	".h5":          "keras",
	".keras":       "keras",
	".pb":          "tensorflow",
	".tflite":      "tflite",
	".mlmodel":     "coreml",
	".msgpack":     "flax",
	".npz":         "numpy",
	".npy":         "numpy",
}

var configNames = map[string]bool{
	"config.json":                  true,
	"generation_config.json":       true,
	"tokenizer.json":               true,
	"tokenizer_config.json":        true,
	"special_tokens_map.json":      true,
	"vocab.json":                   true,
	"vocab.txt":                    true,
	"merges.txt":                   true,
	"added_tokens.json":            true,
	"preprocessor_config.json":     true,
	"model.safetensors.index.json": true,
	"tokenizer.model":              true,
	"params.json":                  true,
}

var codeExts = map[string]bool{".py": true, ".ipynb": true, ".sh": true, ".r": true, ".jl": true, ".go": true, ".js": true, ".ts": true}

var dataExts = map[string]bool{".csv": true, ".tsv": true, ".parquet": true, ".jsonl": true, ".arrow": true, ".feather": true}

// InferRole infers the role of a file from its slash-separated path relative
// to the model folder. It never fails: what is not recognised is a doc.
func InferRole(rel string) Role {
	base := strings.ToLower(path.Base(rel))
	ext := path.Ext(base)
	first, _, nested := strings.Cut(rel, "/")
	switch {
	case nested && (first == "data" || first == "dataset" || first == "datasets"):
		return RoleDataset
	case weightExts[ext] != "":
		return RoleWeights
	case configNames[base] || strings.HasPrefix(base, "tokenizer"):
		return RoleConfig
	case codeExts[ext] || strings.HasPrefix(base, "requirements") || base == "pyproject.toml" ||
		base == "environment.yml" || base == "conda.yaml" || base == "dockerfile":
		return RoleCode
	case dataExts[ext]:
		return RoleDataset
	}
	return RoleDocs
}

// Format names the serialisation of a weight file ("safetensors", "pickle", …),
// or "" for a file that is not a weight file.
func Format(rel string) string {
	return weightExts[strings.ToLower(path.Ext(rel))]
}
