package promote

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHistoryEscapesRecordText: anyone who can push can write a record, so
// escape sequences and tabs in one are shown escaped: they neither rewrite
// the terminal nor add columns to the table.
func TestHistoryEscapesRecordText(t *testing.T) {
	var out strings.Builder
	require.NoError(t, WriteHistory(&out, []Record{{
		Action: ActionPromote, Environment: "prod\x1b[2J", Digest: "sha256:" + strings.Repeat("ab", 32),
		Actor: "eve\tx\u202e", Time: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC),
	}}))
	assert.NotContains(t, out.String(), "\x1b", "raw escape in\n%s", out.String())
	assert.NotContains(t, out.String(), "\t", "raw tab in\n%s", out.String())
	assert.NotContains(t, out.String(), "\u202e", "raw bidi override in\n%s", out.String())
	assert.Contains(t, out.String(), `prod\x1b[2J`)
	assert.Contains(t, out.String(), `eve\tx\u202e`)
}
