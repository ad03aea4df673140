package modelpack

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormaliseLicences(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"lower-case id", []string{"apache-2.0"}, []string{"Apache-2.0"}},
		{"mit", []string{"mit"}, []string{"MIT"}},
		{"expression", []string{"mit or apache-2.0"}, []string{"MIT OR Apache-2.0"}},
		{"not on the list", []string{"other"}, []string{"LicenseRef-other"}},
		{"name with spaces", []string{"llama 3 community"}, []string{"LicenseRef-llama-3-community"}},
		{"licence ref kept", []string{"LicenseRef-acme"}, []string{"LicenseRef-acme"}},
		{"repeats and blanks dropped", []string{"MIT", " ", "mit"}, []string{"MIT"}},
		{"none", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, normaliseLicences(tt.in), "normaliseLicences(%q)", tt.in)
		})
	}
}
