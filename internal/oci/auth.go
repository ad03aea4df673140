package oci

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Environment variables that carry registry credentials.
const (
	EnvUsername = "SLIPWAY_REGISTRY_USERNAME"
	EnvPassword = "SLIPWAY_REGISTRY_PASSWORD"
)

// Keychain returns where credentials come from, in order: the username and
// password given on the command line (password from stdin), the SLIPWAY_REGISTRY_*
// environment variables, then the docker config and its credential helpers.
// The first two are given to registry only (the one the command writes to, or
// reads from): a password is never offered to another registry that asks.
func Keychain(username, password, registry string) authn.Keychain {
	var chain []authn.Keychain
	if username != "" || password != "" {
		chain = append(chain, staticKeychain{registry: registry, from: fmt.Sprintf("--username %s", username), cfg: authn.AuthConfig{Username: username, Password: password}})
	}
	if u, p := os.Getenv(EnvUsername), os.Getenv(EnvPassword); u != "" || p != "" {
		chain = append(chain, staticKeychain{registry: registry, from: fmt.Sprintf("%s=%s", EnvUsername, u), cfg: authn.AuthConfig{Username: u, Password: p}})
	}
	chain = append(chain, dockerKeychain{})
	return authn.NewMultiKeychain(chain...)
}

// source names a credential without revealing it.
type source interface{ source() string }

type staticKeychain struct {
	registry string
	from     string
	cfg      authn.AuthConfig
}

func (k staticKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if r.RegistryStr() != k.registry {
		return authn.Anonymous, nil // the multi-keychain then asks the docker config
	}
	return describedAuth{Authenticator: authn.FromConfig(k.cfg), from: k.from}, nil
}

type dockerKeychain struct{}

func (dockerKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	a, err := authn.DefaultKeychain.Resolve(r)
	if err != nil {
		return nil, badDockerConfig(err)
	}
	if a == authn.Anonymous {
		return a, nil
	}
	return describedAuth{Authenticator: a, from: "the docker config (or its credential helper) for " + r.RegistryStr()}, nil
}

// badDockerConfig marks err as a usage error naming the file when the
// docker config does not parse: the file is the user's to fix, and retrying
// will not help. The JSON and base64 errors name a position, never a value,
// so no credential leaks into the message.
func badDockerConfig(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var b64 base64.CorruptInputError
	if !errors.As(err, &syntax) && !errors.As(err, &typ) && !errors.As(err, &b64) {
		return err
	}
	file := dockerConfigFile()
	return fault.Usagef("docker config %s does not parse: %w: fix it (it must be the JSON `docker login` writes) or move it away", file, err)
}

// dockerConfigFile names the file authn.DefaultKeychain reads: the docker
// config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json), else
// $REGISTRY_AUTH_FILE or podman's containers/auth.json.
func dockerConfigFile() string {
	home, _ := os.UserHomeDir()
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" && home != "" {
		dir = filepath.Join(home, ".docker")
	}
	docker := filepath.Join(dir, "config.json")
	if _, err := os.Stat(docker); err == nil {
		return docker
	}
	if f := os.Getenv("REGISTRY_AUTH_FILE"); f != "" {
		return f
	}
	return "containers/auth.json (podman's)"
}

type describedAuth struct {
	authn.Authenticator
	from string
}

func (d describedAuth) source() string { return d.from }

// recordingKeychain remembers which credential it handed out per registry,
// so an authentication failure can name it.
type recordingKeychain struct {
	inner authn.Keychain
	mu    sync.Mutex
	seen  map[string]string
}

func (k *recordingKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	a, err := k.inner.Resolve(r)
	if err != nil {
		return nil, fmt.Errorf("looking up credentials for %s: %w", r.RegistryStr(), err)
	}
	from := "no credentials (anonymous)"
	if s, ok := a.(source); ok {
		from = "credentials from " + s.source()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.seen == nil {
		k.seen = map[string]string{}
	}
	k.seen[r.RegistryStr()] = from
	return a, nil
}

func (k *recordingKeychain) tried(host string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s, ok := k.seen[host]; ok {
		return s
	}
	return "no credentials (anonymous)"
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// EnvTokenRealms lists more hosts (comma-separated hostnames) that may
// receive registry credentials as a token realm.
const EnvTokenRealms = "SLIPWAY_REGISTRY_TOKEN_REALMS"

// knownRealms are the token servers of registries whose realm is on another
// host than the registry itself.
var knownRealms = map[string][]string{
	"index.docker.io":      {"auth.docker.io"},
	"registry-1.docker.io": {"auth.docker.io"},
	"registry.gitlab.com":  {"gitlab.com"},
}

// realmGuard keeps credentials on the registry's own host. A registry's
// WWW-Authenticate challenge names the token realm that the credentials are
// sent to in exchange for a token; a hostile registry or proxy could name
// localhost or a host of its choosing. A token request that carries
// credentials (an Authorization header, or an OAuth form with a refresh
// token) to a host other than the registry's hostname (or a subdomain of
// it), a known token server
// of that registry, or a host listed in SLIPWAY_REGISTRY_TOKEN_REALMS is
// refused before it leaves, with a usage error. Anonymous token requests go
// anywhere: they carry nothing to steal.
type realmGuard struct {
	inner    http.RoundTripper
	registry string // hostname of the registry, no port
	allowed  map[string]bool
}

func newRealmGuard(inner http.RoundTripper, registry string) *realmGuard {
	host := hostname(registry)
	allowed := map[string]bool{host: true}
	for _, h := range knownRealms[host] {
		allowed[h] = true
	}
	for _, h := range strings.Split(os.Getenv(EnvTokenRealms), ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			allowed[hostname(h)] = true
		}
	}
	return &realmGuard{inner: inner, registry: host, allowed: allowed}
}

func (g *realmGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	host := strings.ToLower(r.URL.Hostname())
	// A subdomain of the registry's host is trusted as Go's HTTP client
	// trusts it with the Authorization header on a redirect.
	if !g.allowed[host] && !strings.HasSuffix(host, "."+g.registry) && carriesCredentials(r) {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, &realmRefusedError{registry: g.registry, realm: host}
	}
	return g.inner.RoundTrip(r)
}

func carriesCredentials(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return true
	}
	// the OAuth token flow sends an identity token in a POSTed form
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

// realmRefusedError says a registry asked for its credentials to be sent
// to another host.
type realmRefusedError struct{ registry, realm string }

func (e *realmRefusedError) Error() string {
	return fmt.Sprintf("registry %s asks for its credentials at token realm %s, another host: refused. "+
		"If %s is the registry's token server, add it to %s (comma-separated hostnames)",
		e.registry, e.realm, e.realm, EnvTokenRealms)
}

func hostname(hostport string) string {
	if u, err := url.Parse("//" + hostport); err == nil && u.Hostname() != "" {
		return strings.ToLower(u.Hostname())
	}
	return strings.ToLower(hostport)
}
