// Package untrusted shows text taken from artifacts (file paths, names,
// versions, annotations) on a terminal without letting it act there.
//
// A path may hold any byte but NUL and '/': newlines forge rows of a table,
// tabs forge its columns, and ESC sequences clear the screen, retitle the
// window or hide text. Text output passes such names through Text; JSON
// output keeps them exact, since an encoder escapes them already.
package untrusted

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text returns s with every character that could act on a terminal or
// disguise what is printed written as a Go escape: control characters (C0,
// DEL, C1, so also ESC, tab and newline), line and paragraph separators,
// format characters such as the bidirectional overrides, and bytes that are
// not UTF-8 (as \xNN). A backslash is doubled, so that an escape in the
// output always means an escaped character. Other text is unchanged.
func Text(s string) string {
	if !strings.ContainsFunc(s, needsEscape) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case needsEscape(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return r == '\\' || unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}
