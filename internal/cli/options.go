package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/progress"
)

// globalOptions are the flags every verb has.
type globalOptions struct {
	output        string
	insecure      bool
	username      string
	passwordStdin bool
	quiet         bool
	password      string // read from stdin once
	// credentialHost is the one registry --username and SLIPWAY_REGISTRY_*
	// credentials are given to: the one the verb writes to, else reads from.
	credentialHost string
}

// credentialsFor gives the command-line and environment credentials to ref's registry only.
func (g *globalOptions) credentialsFor(ref oci.Ref) { g.credentialHost = ref.Registry() }

func (g *globalOptions) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVarP(&g.output, "output", "o", "text", "output format: text or json (gate and policy take more)")
	f.BoolVar(&g.insecure, "insecure", false, "allow plain HTTP to registries other than localhost")
	f.StringVarP(&g.username, "username", "u", "", "registry username (with --password-stdin); else "+oci.EnvUsername+"/"+oci.EnvPassword+" or the docker config")
	f.BoolVar(&g.passwordStdin, "password-stdin", false, "read the registry password from stdin")
	f.BoolVarP(&g.quiet, "quiet", "q", false, "no progress output")
}

// prepare validates the global flags and reads the password once.
func (g *globalOptions) prepare(stdin io.Reader) error {
	return g.prepareFormats(stdin, "text", "json")
}

// prepareFormats is prepare for a verb whose --output takes formats.
func (g *globalOptions) prepareFormats(stdin io.Reader, formats ...string) error {
	if !slices.Contains(formats, g.output) {
		return fault.Usagef("--output %q: want one of %s", g.output, strings.Join(formats, ", "))
	}
	if g.passwordStdin {
		if g.username == "" {
			return fault.Usagef("--password-stdin needs --username")
		}
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<16))
		if err != nil {
			return fault.Usagef("reading the password from stdin: %v", err)
		}
		g.password = strings.TrimRight(string(b), "\r\n")
		if g.password == "" {
			return fault.Usagef("--password-stdin: stdin was empty")
		}
	}
	return nil
}

func (g *globalOptions) parseRef(s string) (oci.Ref, error) {
	return oci.ParseRef(s, g.insecure)
}

// store opens the store ref names, with credentials and progress wired in.
func (g *globalOptions) store(ref oci.Ref, bar *progress.Bar, extra ...oci.Option) oci.Store {
	return oci.Open(ref, append([]oci.Option{
		oci.WithKeychain(oci.Keychain(g.username, g.password, g.credentialHost)),
		oci.WithTransport(bar.Transport(http.DefaultTransport)),
	}, extra...)...)
}

// mountFrom parses --mount-from repositories.
func (g *globalOptions) mountFrom(repos []string) (oci.Option, error) {
	var out []name.Repository
	for _, r := range repos {
		ref, err := g.parseRef(r)
		if err != nil {
			return nil, err
		}
		if ref.IsLayout() {
			return nil, fault.Usagef("--mount-from %s: want a registry repository", r)
		}
		out = append(out, ref.Repo)
	}
	return oci.WithMountFrom(out...), nil
}

// bar starts a progress report on stderr (none with --quiet or --output json).
func (g *globalOptions) bar(streams IO, label string, total int64) *progress.Bar {
	return progress.New(streams.Stderr, label, total, g.quiet)
}

// printJSON writes v as one indented JSON document.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// defaultStore is the local store a verb writes to when given no destination.
func defaultStore(name string) string {
	return oci.LayoutPrefix + ".slipway/" + name
}

func sourceDateEpoch() (int64, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return 0, nil
	}
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n < 0 {
		return 0, fault.Usagef("SOURCE_DATE_EPOCH=%q: want a non-negative number of seconds since 1970", s)
	}
	return n, nil
}

// openTagged parses a reference that must name a tag or digest, gives the
// command-line credentials to its registry, and opens its store.
func (g *globalOptions) openTagged(arg string) (oci.Ref, oci.Store, error) {
	ref, err := g.parseRef(arg)
	if err != nil {
		return oci.Ref{}, nil, err
	}
	if ref.Identifier() == "" {
		return oci.Ref{}, nil, fault.Usagef("%s: give a tag or digest (%s:1.0.0 or %s@sha256:…)", ref, ref, ref)
	}
	g.credentialsFor(ref)
	return ref, g.store(ref.WithTag(""), nil), nil
}
