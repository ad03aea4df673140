package registrytest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Request is one request that a Counting proxy saw.
type Request struct {
	Method string
	Path   string
	Query  string // the raw query, e.g. "mount=sha256:…&from=acme/a"
	Status int    // what the client got back; 0 while the request is in flight
}

// Stats is what a Counting proxy has seen. Its methods are safe for concurrent
// use, as clients push blobs in parallel.
type Stats struct {
	mu       sync.Mutex
	requests []Request
	resets   int // bumped by Reset, so in-flight requests do not write into a new list
	hook     func(*http.Request) int
	uploaded atomic.Int64
}

// Counting starts a plain-HTTP reverse proxy in front of the registry at
// upstream (a host:port from InProcess or Real) and returns the proxy's
// host:port and the Stats it keeps. The proxy is closed when the test ends.
func Counting(t testing.TB, upstream string) (host string, stats *Stats) {
	t.Helper()
	target, err := url.Parse("http://" + strings.TrimPrefix(upstream, "http://"))
	if err != nil {
		t.Fatalf("registrytest.Counting(%q): %v", upstream, err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			// Keep the client's Host: Distribution builds absolute upload
			// Locations from it, so follow-up requests come back through here.
			pr.Out.Host = pr.In.Host
		},
		Transport: transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			t.Logf("registrytest: proxying %s %s to %s: %v", r.Method, r.URL.Path, upstream, err)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	stats = &Stats{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stats.serve(w, r, proxy)
	}))
	t.Cleanup(func() {
		srv.Close()
		transport.CloseIdleConnections()
	})
	return strings.TrimPrefix(srv.URL, "http://"), stats
}

// OnRequest makes the proxy call fn before forwarding each request; when fn
// returns a status other than 0 the proxy answers with it (and a plain-text body
// naming the request) instead of forwarding. fn is called concurrently and must not read
// the request body. A later call replaces fn; nil removes it.
func (s *Stats) OnRequest(fn func(*http.Request) int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = fn
}

// FailUploadsAfter lets the next n blob upload requests (the PATCH and PUT
// requests under /blobs/uploads/, two per blob for go-containerregistry) through
// and answers 500 to every one after that, simulating a registry that fails in
// the middle of a push. It replaces any OnRequest hook.
//
// go-containerregistry retries a 500 on a blob three times, sleeping 1 s and
// then 3 s: give the client a short remote.WithRetryBackoff in tests.
func (s *Stats) FailUploadsAfter(n int) {
	var seen atomic.Int64
	s.OnRequest(func(r *http.Request) int {
		if !isBlobUpload(r) || seen.Add(1) <= int64(n) {
			return 0
		}
		return http.StatusInternalServerError
	})
}

func isBlobUpload(r *http.Request) bool {
	return (r.Method == http.MethodPatch || r.Method == http.MethodPut) &&
		strings.Contains(r.URL.Path, "/blobs/uploads/")
}

// Requests returns every request seen so far, in the order they arrived.
func (s *Stats) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests used method (any, if "") on a path (with
// its query) containing pathSubstring, e.g. Count("PUT", "/manifests/") or
// Count("POST", "mount=").
func (s *Stats) Count(method, pathSubstring string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if (method == "" || r.Method == method) && strings.Contains(r.Path+"?"+r.Query, pathSubstring) {
			n++
		}
	}
	return n
}

// BytesUploaded returns the bytes of request bodies forwarded to the registry:
// blob and manifest uploads. Bodies of requests that a hook answered are not
// counted, as they never reached the registry.
func (s *Stats) BytesUploaded() int64 {
	return s.uploaded.Load()
}

// Reset forgets the requests and bytes seen so far, e.g. between a first push
// and a second one that should upload nothing. It keeps the hook.
func (s *Stats) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.resets++
	s.uploaded.Store(0)
}

func (s *Stats) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	s.mu.Lock()
	i, resets := len(s.requests), s.resets
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery})
	hook := s.hook
	s.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.resets == resets {
			s.requests[i].Status = sw.status
		}
	}()

	if hook != nil {
		if status := hook(r); status != 0 {
			// Read the body first, so the client sees the status rather than a
			// connection closed under a half-sent upload.
			_, _ = io.Copy(io.Discard, r.Body)
			// Plain text, not a registry JSON error: clients then judge the
			// failure by its status alone (go-containerregistry retries an
			// "UNKNOWN" error code whatever the status).
			sw.Header().Set("Content-Type", "text/plain; charset=utf-8")
			sw.WriteHeader(status)
			fmt.Fprintf(sw, "registrytest: injected %d for %s %s\n", status, r.Method, r.URL.Path)
			return
		}
	}
	r.Body = &countingReader{r: r.Body, n: &s.uploaded}
	next.ServeHTTP(sw, r)
}

type countingReader struct {
	r io.ReadCloser
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

// statusWriter records the final status written to the client.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController (used by httputil.ReverseProxy to flush)
// reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
