package drift_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/drift"
)

// TestRunWritesReports: the reports asked for are written by Run, into
// folders made for them, when the data drifted too; one that cannot be
// written is the error.
func TestRunWritesReports(t *testing.T) {
	dir := write(t, map[string]string{
		"ref.csv": csvOf(100, 0, "a", "b"),
		"cur.csv": csvOf(50, 40, "b", "c"),
	})
	summary := func(w io.Writer, res *drift.Result) error {
		_, err := fmt.Fprintf(w, "%d columns, drifted: %d", len(res.Columns), res.Drifted)
		return err
	}
	out := filepath.Join(t.TempDir(), "reports", "drift.txt")
	req := drift.Request{
		Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "cur.csv")},
		Reports: []drift.ReportFile{{Format: "text", Path: out, Write: summary}},
	}
	res, err := drift.Run(context.Background(), req)
	require.NoError(t, err)
	require.NotZero(t, res.Drifted, "the current data drifted")
	got, err := os.ReadFile(out)
	require.NoError(t, err, "the report")
	assert.Equal(t, fmt.Sprintf("%d columns, drifted: %d", len(res.Columns), res.Drifted), string(got))

	blocked := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocked, nil, 0o644))
	req.Reports = []drift.ReportFile{{Format: "text", Path: filepath.Join(blocked, "drift.txt"), Write: summary}}
	_, err = drift.Run(context.Background(), req)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "writing the text report")
}
