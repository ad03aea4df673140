package promote

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCleanForTerminal(t *testing.T) {
	assert.Equal(t, "a?[2Jb?c", clean("a\x1b[2Jb\tc"))
}
