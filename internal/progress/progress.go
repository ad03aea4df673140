// Package progress shows how far a transfer has got: a bar on a terminal,
// a plain line every few seconds elsewhere (CI logs), nothing when quiet.
package progress

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar reports progress of one operation. A nil *Bar does nothing.
type Bar struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	w     io.Writer
	label string
	total int64
	done  int64
	last  time.Time
}

// plainEvery is how often a plain progress line is written.
const plainEvery = 5 * time.Second

// New starts a progress report of total bytes on w. It draws a bar when w is
// a terminal and NO_COLOR/CI do not say otherwise, plain lines when not, and
// nothing when quiet.
func New(w io.Writer, label string, total int64, quiet bool) *Bar {
	if quiet {
		return nil
	}
	b := &Bar{w: w, label: label, total: total, last: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && os.Getenv("CI") == "" {
		max := total
		if max <= 0 {
			max = -1 // a spinner until the total is known
		}
		b.bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionEnableColorCodes(os.Getenv("NO_COLOR") == ""),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
	}
	return b
}

// SetTotal sets how many bytes the operation covers, once it is known.
func (b *Bar) SetTotal(total int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total = total
	if b.bar != nil {
		b.bar.ChangeMax64(total)
	}
}

// Add records n more bytes done.
func (b *Bar) Add(n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if b.bar != nil {
		_ = b.bar.Add64(n)
		return
	}
	if time.Since(b.last) >= plainEvery {
		b.last = time.Now()
		if b.total > 0 {
			fmt.Fprintf(b.w, "%s: %s of %s\n", b.label, Bytes(min(b.done, b.total)), Bytes(b.total))
		} else {
			fmt.Fprintf(b.w, "%s: %s\n", b.label, Bytes(b.done))
		}
	}
}

// Transport wraps an HTTP transport so that bytes sent in request bodies
// (blob uploads) advance the bar. It is used instead of go-containerregistry's
// progress channel, which is closed after each write and so cannot span a
// copy made of several writes.
func (b *Bar) Transport(inner http.RoundTripper) http.RoundTripper {
	if b == nil {
		return inner
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil && r.Body != http.NoBody && (r.Method == http.MethodPut || r.Method == http.MethodPatch || r.Method == http.MethodPost) {
			r.Body = countingBody{Reader: Reader(r.Body, b.Add), Closer: r.Body}
		}
		return inner.RoundTrip(r)
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type countingBody struct {
	io.Reader
	io.Closer
}

// Reader returns r, telling add how many bytes each Read returned (when
// any): the way a bar, or any counter, follows a copy.
func Reader(r io.Reader, add func(int64)) io.Reader { return &countingReader{r: r, add: add} }

type countingReader struct {
	r   io.Reader
	add func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.add(int64(n))
	}
	return n, err
}

// Finish ends the report.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		_ = b.bar.Finish()
	}
}

// Bytes formats a byte count for people: 1.5 MiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Factory starts the progress reports of one command; a nil Factory
// starts none. Use cases take one so that the CLI decides where bars go.
type Factory func(label string, total int64) *Bar

// Start begins a report, or returns nil (a Bar that does nothing).
func (f Factory) Start(label string, total int64) *Bar {
	if f == nil {
		return nil
	}
	return f(label, total)
}
