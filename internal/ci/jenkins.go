package ci

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
)

// jenkinsPublisher writes files a pipeline reads or archives:
//
//	def out = readJSON file: 'slipway-outputs.json'
//	archiveArtifacts artifacts: 'slipway-report.md'
//
// Outputs go to a file, not stdout: stdout carries the --output json report
// (readJSON text: sh(returnStdout: true, ...)) and must stay one document.
type jenkinsPublisher struct {
	o       options
	outputs map[string]string
	// reports holds each model's markdown in the order first published, so
	// gating several models in one run keeps one section per model.
	models  []string
	reports map[string]string
}

// jenkinsDirVariable names a folder for the outputs and report files, so
// that steps running in parallel in one workspace (the Jenkins library gives
// each call its own folder) do not overwrite each other's files.
const jenkinsDirVariable = "SLIPWAY_JENKINS_DIR"

func newJenkins(o options) *jenkinsPublisher {
	dir := o.getenv(jenkinsDirVariable)
	if o.outputsPath == "" {
		o.outputsPath = filepath.Join(dir, "slipway-outputs.json")
	}
	if o.reportPath == "" {
		o.reportPath = filepath.Join(dir, "slipway-report.md")
	}
	return &jenkinsPublisher{o: o, outputs: map[string]string{}, reports: map[string]string{}}
}

// SetOutputs rewrites the outputs file as one flat JSON object of strings,
// keys as given.
func (j *jenkinsPublisher) SetOutputs(outputs map[string]string) error {
	next := maps.Clone(j.outputs)
	maps.Copy(next, outputs)
	b, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return fault.Runtimef("encoding outputs: %w", err)
	}
	if err := os.WriteFile(j.o.outputsPath, append(b, '\n'), 0o644); err != nil {
		return fault.Runtimef("writing outputs: %w", err)
	}
	j.outputs = next
	return nil
}

// Annotate does nothing: Jenkins shows findings from the JUnit report.
func (j *jenkinsPublisher) Annotate([]Annotation) error { return nil }

// Summary rewrites the report file with every model's report published so
// far; publishing a model again replaces its section.
func (j *jenkinsPublisher) Summary(_ context.Context, modelName, _, markdown string) error {
	if _, ok := j.reports[modelName]; !ok {
		j.models = append(j.models, modelName)
	}
	j.reports[modelName] = markdown
	parts := make([]string, len(j.models))
	for i, m := range j.models {
		parts[i] = strings.TrimRight(j.reports[m], "\n") + "\n"
	}
	if err := os.WriteFile(j.o.reportPath, []byte(strings.Join(parts, "\n---\n\n")), 0o644); err != nil {
		return fault.Runtimef("writing report for %s: %w", modelName, err)
	}
	return nil
}

// Mask does nothing: Jenkins masks what the credentials binding injects.
func (j *jenkinsPublisher) Mask(string) {}
