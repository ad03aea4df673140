package policy

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// loopPolicy has a deny rule that iterates nine million times: seconds of
// work, far past a millisecond timeout.
const loopPolicy = `package main

deny contains msg if {
	n := count([1 | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000)])
	n > 0
	msg := sprintf("looped %d times", [n])
}
`

func TestEvalTimeout(t *testing.T) {
	const timeout = 5 * time.Millisecond
	t.Run("Eval", func(t *testing.T) {
		e := mustCompile(t, map[string]string{"loop.rego": loopPolicy}, WithTimeout(timeout))
		_, err := e.Eval(context.Background(), map[string]any{})
		requireUsage(t, err, "evaluating policies main", "5ms timeout", "--timeout")
		var te *TimeoutError
		require.True(t, errors.As(err, &te), "errors.As(%v, *TimeoutError)", err)
		require.False(t, errors.Is(err, context.DeadlineExceeded), "%v is a context deadline: exit 3, want the policy blamed", err)
	})
	t.Run("RunEval", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"policy/loop.rego": loopPolicy, "in.json": `{}`})
		in := filepath.Join(dir, "in.json")
		_, err := RunEval(context.Background(), EvalRequest{
			Policies: Selection{Policies: []string{filepath.Join(dir, "policy")}},
			Files:    []string{in},
			Timeout:  timeout,
		})
		requireUsage(t, err, "input "+in, "evaluating policies main", "5ms timeout")
	})
	t.Run("cancelled by the caller", func(t *testing.T) {
		e := mustCompile(t, map[string]string{"loop.rego": loopPolicy}, WithTimeout(time.Hour))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := e.Eval(ctx, map[string]any{})
		require.ErrorIs(t, err, context.Canceled)
	})
}
