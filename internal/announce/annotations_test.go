package announce

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/policy"
)

func TestAnnotations(t *testing.T) {
	findings := []policy.Finding{
		{
			Kind: policy.Failure, Package: "slipway.metrics", Rule: "deny",
			Message:  "accuracy 0.81 is below 0.9",
			Location: &policy.Location{File: "policies/metrics.rego", Row: 12, Col: 3},
		},
		{Kind: policy.Warning, Package: "slipway.card", Rule: "warn_card", Message: "model card has no licence"},
		{
			Kind: policy.Failure, Package: "slipway.formats", Rule: "deny_pickle", Message: "weights.pkl is pickle",
			Location: &policy.Location{File: "policies/formats.rego", Row: 4},
			Waived:   &policy.Waiver{Package: "exceptions", Rules: []string{"deny_pickle"}},
		},
	}
	want := []ci.Annotation{
		{Level: ci.LevelError, Title: "slipway.metrics.deny", Message: "accuracy 0.81 is below 0.9", File: "policies/metrics.rego", Line: 12, Col: 3},
		{Level: ci.LevelWarning, Title: "slipway.card.warn_card", Message: "model card has no licence"},
		{Level: ci.LevelNotice, Title: "slipway.formats.deny_pickle", Message: "waived: weights.pkl is pickle", File: "policies/formats.rego", Line: 4},
	}
	assert.Equal(t, want, Annotations(findings))
}
