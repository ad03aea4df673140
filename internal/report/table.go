package report

import (
	"strings"
	"unicode/utf8"
)

// ANSI SGR codes used by the text format.
const (
	red    = "31"
	green  = "32"
	yellow = "33"
	cyan   = "36"
	bold   = "1"
	dim    = "2"
	loud   = "1;31"
)

// palette paints text when colour is on and leaves it alone when not.
type palette bool

func (p palette) paint(code, s string) string {
	if !p || code == "" || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// table lays out plain cells in padded columns; colour is applied after
// padding so escape codes never skew the widths.
type table struct {
	indent string
	right  []bool // right-align column i (numbers)
	rows   [][]string
	paints [][]string // SGR code per cell, optional
}

func (t *table) add(paint []string, cells ...string) {
	t.rows = append(t.rows, cells)
	t.paints = append(t.paints, paint)
}

func (t *table) render(b *strings.Builder, p palette) {
	var widths []int
	for _, row := range t.rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for r, row := range t.rows {
		var line strings.Builder
		line.WriteString(t.indent)
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			last := i == len(row)-1
			switch {
			case i < len(t.right) && t.right[i]:
				c = pad + c
			case !last:
				c += pad
			}
			if i < len(t.paints[r]) {
				c = p.paint(t.paints[r][i], c)
			}
			line.WriteString(c)
			if !last {
				line.WriteString("  ")
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}
