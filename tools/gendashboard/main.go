// Command gendashboard writes Slipway's Grafana dashboard,
// monitoring/grafana/slipway.json, from Go with Grafana's Foundation SDK, so
// that the board is reviewed as code and its every query is checked
// (main_test.go parses each PromQL expression with Prometheus' own parser and
// checks it names only the metric families internal/metrics exports, with
// their labels).
//
// The board reads the series docs/metrics.md lists, from any Prometheus data
// source (a variable), filtered by model and environment:
//
//	What runs where   slipway_environment_info joined with the promotion time
//	Gate              pass rate over the range, verdicts and failures over time
//	Model metrics     slipway_model_metric per version: over time and as a table
//	Drift             PSI and p-value per feature, share drifted, data set drift
//	Annotations       promotions (slipway_promotion_timestamp_seconds), gate runs
//
// The output is deterministic (no map iteration, no time, no IDs chosen at
// random), so regenerating gives the committed file byte for byte; the test
// checks it. After changing the board, regenerate with
// `go generate ./tools/gendashboard` or `make dashboard`.
//
// Usage, from the repository root:
//
//	go run ./tools/gendashboard [-out monitoring/grafana/slipway.json]
//
// -out - writes to stdout.
package main

//go:generate go run . -out ../../monitoring/grafana/slipway.json

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, writes the dashboard and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gendashboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "monitoring/grafana/slipway.json", "file to write the dashboard to (- for stdout)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gendashboard: unexpected arguments %q\n", fs.Args())
		return 2
	}
	data, err := render()
	if err != nil {
		fmt.Fprintf(stderr, "gendashboard: %v\n", err)
		return 1
	}
	if *out == "-" {
		if _, err := stdout.Write(data); err != nil {
			fmt.Fprintf(stderr, "gendashboard: %v\n", err)
			return 1
		}
		return 0
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		fmt.Fprintf(stderr, "gendashboard: %v\n", err)
		return 1
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintf(stderr, "gendashboard: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "wrote %s\n", *out)
	return 0
}
