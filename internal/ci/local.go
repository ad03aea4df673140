package ci

import (
	"context"

	"github.com/slipwayhq/slipway/internal/policy"
)

// localPublisher does nothing: in a terminal the CLI prints the table and
// writes the files the user asked for itself.
type localPublisher struct{}

func (localPublisher) SetOutputs(map[string]string) error                    { return nil }
func (localPublisher) Annotate([]policy.Finding) error                       { return nil }
func (localPublisher) Summary(context.Context, string, string, string) error { return nil }
func (localPublisher) Mask(string)                                           {}
