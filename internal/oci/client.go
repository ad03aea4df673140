package oci

import (
	"net/http"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/progress"
)

// Client opens stores for one verb. It is a value: the command line builds
// it once, and a use case derives the client of its references with For,
// so which registry receives the command-line credentials is decided by a
// pure function of the references, never by the order of calls.
type Client struct {
	// Insecure allows plain HTTP to registries other than localhost.
	Insecure bool
	// Username and Password are the command-line credentials (--username,
	// --password-stdin); they and SLIPWAY_REGISTRY_* go to Host only.
	Username, Password string
	// Host is the registry the credentials are given to.
	Host string
	// Transport is the HTTP transport (tests count requests with it);
	// nil means http.DefaultTransport.
	Transport http.RoundTripper
}

// Parse parses a reference the way the client reaches it.
func (c Client) Parse(s string) (Ref, error) { return ParseRef(s, c.Insecure) }

// For returns the client whose credentials go to the first registry among
// refs: a verb names the store it writes to first, then those it reads.
// Layouts are skipped; with no registry among refs, Host is unchanged.
func (c Client) For(refs ...Ref) Client {
	for _, r := range refs {
		if r.Registry() != "" {
			c.Host = r.Registry()
			return c
		}
	}
	return c
}

// Open returns the store of ref's repository (its tag or digest is not
// used), with the client's credentials and transport.
func (c Client) Open(ref Ref, opts ...Option) Store {
	base := []Option{
		WithKeychain(Keychain(c.Username, c.Password, c.Host)),
		WithTransport(c.transport()),
	}
	return Open(ref, append(base, opts...)...)
}

// OpenWithProgress is Open with the bytes uploaded counted on bar.
func (c Client) OpenWithProgress(ref Ref, bar *progress.Bar, opts ...Option) Store {
	return c.Open(ref, append([]Option{WithTransport(bar.Transport(c.transport()))}, opts...)...)
}

func (c Client) transport() http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// ParseTagged parses a reference that must name a tag or a digest: what a
// verb reads. what names the argument in the message ("" for none).
func (c Client) ParseTagged(s, what string) (Ref, error) {
	ref, err := c.Parse(s)
	if err != nil {
		return Ref{}, err
	}
	if ref.Identifier() == "" {
		if what != "" {
			what += " "
		}
		return Ref{}, fault.Usagef("%s%s: give a tag or digest (%s:1.0.0 or %s@sha256:…)", what, ref, ref, ref)
	}
	return ref, nil
}
