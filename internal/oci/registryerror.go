package oci

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// registryError is a registry's error answer as Slipway prints it: the
// request (method and path, no query), the HTTP status and the OCI error
// codes with their messages, redacted. The raw body is never printed: a
// misbehaving registry or proxy may echo the request, Authorization header
// included. errors.As still finds the *transport.Error underneath.
type registryError struct {
	err *transport.Error
}

func (e *registryError) Unwrap() error { return e.err }

func (e *registryError) Error() string {
	var b strings.Builder
	if r := e.err.Request; r != nil && r.URL != nil {
		fmt.Fprintf(&b, "%s %s: ", r.Method, r.URL.Path)
	}
	fmt.Fprintf(&b, "HTTP %d %s", e.err.StatusCode, http.StatusText(e.err.StatusCode))
	for i, d := range e.err.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(redact(string(d.Code), 40))
		if d.Message != "" {
			b.WriteString(": " + redact(d.Message, 200))
		}
	}
	return b.String()
}

var credentialLike = []struct {
	re   *regexp.Regexp
	with string
}{
	// Authorization: Basic dXNlcjpwYXNz, Proxy-Authorization: Bearer x
	{regexp.MustCompile(`(?i)((?:proxy-)?authorization)\s*[:=]\s*("?)[^\s",;]+(?:\s+[^\s",;]+)?`), `$1: $2[redacted]`},
	// Basic dXNlcjpwYXNz, Bearer eyJ…
	{regexp.MustCompile(`(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{4,}`), `$1 [redacted]`},
	// token=…, "password": "…", access_token: …
	{regexp.MustCompile(`(?i)\b([a-z_-]*(?:token|password|passwd|secret|api[_-]?key|credential)s?)("?\s*[:=]\s*"?)[^\s",&;]+`), `$1$2[redacted]`},
	// a JWT anywhere
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?`), `[redacted]`},
}

// redact removes credential-like text from s, makes it one line and cuts it
// to max bytes.
func redact(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	for _, c := range credentialLike {
		s = c.re.ReplaceAllString(s, c.with)
	}
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}
