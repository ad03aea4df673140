package gate

import "github.com/slipwayhq/slipway/internal/ci"

// Document is the gate input: the document policies see as input
// (docs/gate-input.md). Its JSON Schema, docs/schema/gate-input.schema.json,
// is generated from these types.
type Document struct {
	// Model is the candidate, from its artifact's manifest and config.
	Model ModelDocument `json:"model"`
	// Metrics is the metrics file as given: JSON, YAML, or a two-column
	// CSV name,value.
	Metrics map[string]any `json:"metrics"`
	// Baseline is what the candidate is compared with, or null.
	Baseline *Baseline `json:"baseline" jsonschema:"nullable"`
	// Card is the model card: the front matter of the model's README.md,
	// or the YAML given with --card; null when there is none.
	Card map[string]any `json:"card" jsonschema:"nullable"`
	// Drift is the drift report given with --drift, or null.
	Drift map[string]any `json:"drift" jsonschema:"nullable"`
	// CI is where the gate runs.
	CI ci.Job `json:"ci"`
	// Time is when the gate ran, RFC 3339 in UTC.
	Time string `json:"time"`
}

// ModelDocument is input.model.
type ModelDocument struct {
	// Name is the model's name.
	Name string `json:"name"`
	// Version is the model's version, when it has one.
	Version string `json:"version"`
	// Digest is the manifest digest: the model's identity.
	Digest string `json:"digest"`
	// Reference is the pinned reference the gate was given.
	Reference string `json:"reference"`
	// Format is the artifact format read: modelpack, kitops or cnai.
	Format string `json:"format"`
	// Size is the size of the model in bytes.
	Size int64 `json:"size"`
	// Files are the model's files.
	Files []FileDocument `json:"files"`
	// Datasets are the files with role datasets.
	Datasets []FileDocument `json:"datasets"`
	// Config is the artifact's config document (the ModelPack config:
	// descriptor, config, modelfs), as stored.
	Config map[string]any `json:"config"`
	// Annotations are the manifest's annotations.
	Annotations map[string]string `json:"annotations"`
}

// FileDocument is one file of the model.
type FileDocument struct {
	// Path is the file's path in the model folder.
	Path string `json:"path"`
	// Size is its size in bytes.
	Size int64 `json:"size"`
	// Digest is sha256:hex of its content, when the artifact records it.
	Digest string `json:"digest"`
	// Role is weights, config, docs, code or datasets.
	Role string `json:"role"`
	// Format is the weight format (safetensors, onnx, gguf, pickle, …), for weights.
	Format string `json:"format,omitempty"`
	// MediaType is the media type of the layer holding the file.
	MediaType string `json:"mediaType"`
}

// orEmptyMap keeps an object an object in JSON: {} rather than null.
func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
