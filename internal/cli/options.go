package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/progress"
)

// globalOptions are the flags every verb has and what prepare makes of
// them, once, before any verb runs: the output format checked, the
// password read, the settings merged. Verbs only read it.
type globalOptions struct {
	output        string
	insecure      bool
	username      string
	passwordStdin bool
	quiet         bool
	debug         bool
	configPath    string

	// Set by prepare.
	client  oci.Client
	cfg     *config.Config
	log     *slog.Logger
	started bool // prepare ran: errors from here on are the verb's own
}

// Annotations on commands and flags that prepare reads.
const (
	// annotationFormats lists a verb's --output formats, comma-separated
	// (default text,json).
	annotationFormats = "slipway/formats"
	// annotationSetting names the setting of slipway.yaml a flag sets.
	annotationSetting = "slipway/setting"
)

func (g *globalOptions) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVarP(&g.output, "output", "o", "text", "output format: text or json (gate and policy take more)")
	f.BoolVar(&g.insecure, "insecure", false, "allow plain HTTP to registries other than localhost")
	f.StringVarP(&g.username, "username", "u", "", "registry username (with --password-stdin); else "+oci.EnvUsername+"/"+oci.EnvPassword+" or the docker config")
	f.BoolVar(&g.passwordStdin, "password-stdin", false, "read the registry password from stdin")
	f.BoolVarP(&g.quiet, "quiet", "q", false, "no progress bars or summaries on stderr (warnings and errors still show)")
	f.BoolVar(&g.debug, "debug", false, "log debug details on stderr (where each setting came from, what overrode it)")
	f.StringVar(&g.configPath, "config", "", "settings file (default: slipway.yaml here or in a folder above; env "+config.EnvConfig+")")
}

// formats declares the --output formats a verb takes.
func formats(cmd *cobra.Command, fs ...string) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[annotationFormats] = strings.Join(fs, ",")
	return cmd
}

// bindSetting marks flag as the command-line value of a slipway.yaml setting.
func bindSetting(f *pflag.FlagSet, flag, setting string) {
	if err := f.SetAnnotation(flag, annotationSetting, []string{setting}); err != nil {
		panic(err) // a programming error: the flag is not defined
	}
}

// prepare runs once before any verb (the root's PersistentPreRunE).
func (g *globalOptions) prepare(cmd *cobra.Command, streams IO) error {
	g.started = true
	level := slog.LevelWarn
	if g.debug {
		level = slog.LevelDebug
	}
	g.log = slog.New(slog.NewTextHandler(streams.Stderr, &slog.HandlerOptions{Level: level, ReplaceAttr: dropTime}))
	want := []string{"text", "json"}
	if fs := cmd.Annotations[annotationFormats]; fs != "" {
		want = strings.Split(fs, ",")
	}
	if !slices.Contains(want, g.output) {
		return fault.Usagef("--output %q: want one of %s", g.output, strings.Join(want, ", "))
	}
	g.client = oci.Client{Insecure: g.insecure, Username: g.username}
	if g.passwordStdin {
		if g.username == "" {
			return fault.Usagef("--password-stdin needs --username")
		}
		b, err := io.ReadAll(io.LimitReader(streams.Stdin, 1<<16))
		if err != nil {
			return fault.Usagef("reading the password from stdin: %w", err)
		}
		g.client.Password = strings.TrimRight(string(b), "\r\n")
		if g.client.Password == "" {
			return fault.Usagef("--password-stdin: stdin was empty")
		}
	}
	flags, names := settingFlags(cmd)
	cfg, err := config.Resolve(config.ResolveOptions{ConfigFlag: g.configPath, Flags: flags, FlagNames: names, Getenv: os.Getenv})
	if err != nil {
		return err
	}
	for _, o := range cfg.Overrides {
		g.log.Debug("setting overridden", "setting", o.Setting, "from", string(o.Winner), "over", string(o.Loser))
	}
	g.cfg = cfg
	return nil
}

// dropTime leaves the time out of log lines: CI systems stamp them already.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// settingFlags collects the flags of cmd that set settings and were given.
func settingFlags(cmd *cobra.Command) (config.Flags, map[string]string) {
	var f config.Flags
	names := map[string]string{}
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		s := fl.Annotations[annotationSetting]
		if len(s) != 1 {
			return
		}
		names[s[0]] = "--" + fl.Name
		if !fl.Changed {
			return
		}
		switch s[0] {
		case config.SettingRegistry:
			f.Registry = fl.Value.String()
		case config.SettingModel:
			f.Model = fl.Value.String()
		case config.SettingKey:
			f.Key = fl.Value.String()
		case config.SettingPushgateway:
			f.Pushgateway = fl.Value.String()
		case config.SettingPolicies:
			if sv, ok := fl.Value.(pflag.SliceValue); ok {
				f.Policies = sv.GetSlice()
			}
		}
	})
	return f, names
}

// progress starts bars on stderr, none with --quiet.
func (g *globalOptions) progress(streams IO) progress.Factory {
	if g.quiet {
		return nil
	}
	return func(label string, total int64) *progress.Bar {
		return progress.New(streams.Stderr, label, total, false)
	}
}

// summary is where a verb says what it did for people (stderr): nowhere
// with --quiet. Warnings and errors do not go through it.
func (g *globalOptions) summary(streams IO) io.Writer {
	if g.quiet {
		return io.Discard
	}
	return streams.Stderr
}

// render prints a verb's typed result: as one JSON document with
// --output json, else as text.
func (g *globalOptions) render(w io.Writer, result any, text func(io.Writer) error) error {
	if g.output == "json" {
		return printJSON(w, result)
	}
	return text(w)
}

// printJSON writes v as one indented JSON document.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// sourceDateEpoch reads SOURCE_DATE_EPOCH, the time reproducible builds record.
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
