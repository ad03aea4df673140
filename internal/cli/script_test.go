package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// TestMain lets testscript run the CLI in-process as the `slipway` command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"slipway": func() {
			os.Exit(Main(context.Background(), os.Args[1:], IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
		},
		// slipway-exits N ARGS… runs slipway ARGS… and succeeds only when it exits with N.
		"slipway-exits": func() {
			want, err := strconv.Atoi(os.Args[1])
			if err != nil {
				fmt.Fprintln(os.Stderr, "slipway-exits: first argument must be the expected exit code")
				os.Exit(100)
			}
			got := Main(context.Background(), os.Args[2:], IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
			if got != want {
				fmt.Fprintf(os.Stderr, "slipway exited %d, want %d\n", got, want)
				os.Exit(1)
			}
			os.Exit(0)
		},
	})
}

// TestScripts runs the CLI contracts in testdata/script: exit codes, what
// goes to stdout and stderr, files written.
func TestScripts(t *testing.T) {
	example, err := filepath.Abs("../../testdata/iris")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// A copy: pack writes the lock into the model folder.
			copied := filepath.Join(env.WorkDir, "example", "iris")
			if err := os.CopyFS(copied, os.DirFS(example)); err != nil {
				return err
			}
			env.Setenv("EXAMPLE", copied)
			env.Setenv("SLIPWAY_CACHE_DIR", filepath.Join(env.WorkDir, ".cache"))
			env.Setenv("SOURCE_DATE_EPOCH", "0")
			if r := os.Getenv("SLIPWAY_TEST_REGISTRY"); r != "" {
				env.Setenv("REGISTRY", r)
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "registry":
				if os.Getenv("SLIPWAY_TEST_REGISTRY") != "" {
					return true, nil
				}
				if registrytest.IntegrationRequired() {
					// like registrytest.Real: in CI a missing registry fails, never skips
					return false, errors.New("SLIPWAY_TEST_REGISTRY is not set, but CI (or SLIPWAY_INTEGRATION=1) is, so the registry scripts must run: use `make test` (scripts/test.sh)")
				}
				return false, nil
			}
			return false, nil
		},
	})
}
