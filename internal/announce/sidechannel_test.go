package announce

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/slipwayhq/slipway/internal/promote"
)

// TestPromotionSideChannelsWarn: the move has happened, so outputs and a
// summary that cannot be written are warnings, not Promotion's error.
func TestPromotionSideChannelsWarn(t *testing.T) {
	res := &promote.Result{
		Record:    promote.Record{Repository: "registry.example.com/ml/iris", Digest: "sha256:abc", Environment: "staging", ID: "sha256:def"},
		Reference: "registry.example.com/ml/iris@sha256:abc",
	}
	env := map[string]string{"GITHUB_ACTIONS": "true"} // neither GITHUB_OUTPUT nor GITHUB_STEP_SUMMARY
	var stderr bytes.Buffer
	err := Promotion(context.Background(), res, PromotionOptions{Getenv: func(k string) string { return env[k] }, Stderr: &stderr})
	assert.NoError(t, err, "Promotion on GitHub with no output files")
	assert.Contains(t, stderr.String(), "warning: setting the outputs")
	assert.Contains(t, stderr.String(), "warning: publishing the summary")
}

// TestOutputsWarn: build's outputs that cannot be set are a warning.
func TestOutputsWarn(t *testing.T) {
	env := map[string]string{"GITHUB_ACTIONS": "true"}
	var stderr bytes.Buffer
	Outputs(func(k string) string { return env[k] }, &stderr, map[string]string{"digest": "sha256:abc"})
	assert.Contains(t, stderr.String(), "GITHUB_OUTPUT is not set")
}
