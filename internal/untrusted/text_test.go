package untrusted

import (
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "weights/model.safetensors", "weights/model.safetensors"},
		{"unicode is kept", "données/модель ✓.bin", "données/модель ✓.bin"},
		{"a forged row", "a.txt\nweights  1 GiB  evil", `a.txt\nweights  1 GiB  evil`},
		{"a forged column", "a\tb", `a\tb`},
		{"carriage return", "ok\rEVIL", `ok\rEVIL`},
		{"terminal escapes", "\x1b[2J\x1b]0;title\x07", `\x1b[2J\x1b]0;title\a`},
		{"DEL and C1", "a\x7fb\u009bc", `a\x7fb\u009bc`},
		{"bidi override", "evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"not UTF-8", "a\xffb", `a\xffb`},
		{"a backslash is doubled", `a\nb`, `a\\nb`},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"a\nb", "\x1b[31m", "\xff", "\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Text(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Text(%q) = %q is not UTF-8", s, got)
		}
		for _, r := range got {
			if needsEscape(r) && r != '\\' {
				t.Fatalf("Text(%q) = %q still holds %U", s, got, r)
			}
		}
	})
}
