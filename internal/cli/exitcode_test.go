package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exitRow is one documented exit code, reached through the real binary.
type exitRow struct {
	name  string
	args  []string
	env   []string // KEY=VALUE added to the isolated environment
	dir   string   // working folder under the shared one; "" is the shared one
	want  int
	stdin string
}

// TestExitCodes builds cmd/slipway once and checks every documented exit
// code through it: what a shell or CI runner sees, including errors cobra
// raises before a verb runs and a SIGINT. Only 127.0.0.1 is dialled.
func TestExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the slipway binary")
	}
	bin := buildSlipway(t)
	work := t.TempDir()
	env := isolatedEnv(t, work)
	run := func(t *testing.T, dir string, extraEnv []string, args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = filepath.Join(work, dir)
		cmd.Env = append(append([]string{}, env...), extraEnv...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("running slipway %s: %v", strings.Join(args, " "), err)
		}
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	}
	mustRun := func(args ...string) {
		t.Helper()
		if code, stdout, stderr := run(t, "", nil, args...); code != 0 {
			t.Fatalf("setup: slipway %s exited %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
		}
	}

	// A tiny model packed into a layout with its lock, then changed; keys; a
	// policy that only warns; metrics nested far too deep; a docker config
	// that is not JSON; a folder whose slipway.yaml has an unknown field.
	write(t, work, "model/model.safetensors", "weights")
	mustRun("pack", "model", "--version", "1.0.0", "--to", "oci:layout", "--lock", "model.lock")
	write(t, work, "model/model.safetensors", "retrained")
	mustRun("attest", "keygen", "k.key", "k.pub")
	write(t, work, "warnonly/w.rego", "package custom\n\nwarn contains \"no drift report\" if input.drift == null\n")
	write(t, work, "eval.json", `{"accuracy": 0.93}`)
	write(t, work, "deep.json", strings.Repeat(`{"a":`, 10000)+"1"+strings.Repeat("}", 10000))
	write(t, work, "baddocker/config.json", "{not json")
	write(t, work, "badconfig/slipway.yaml", "bogus: 1\n")
	long := strings.Repeat("n", 300)

	for _, tc := range []exitRow{
		{name: "version", args: []string{"--version"}, want: 0},

		{name: "verify a folder that differs from its lock", args: []string{"verify", "model", "--lock", "model.lock"}, want: 1},

		{name: "unknown command", args: []string{"frobnicate"}, want: 2},
		{name: "unknown flag", args: []string{"inspect", "--frobnicate", "oci:layout:1.0.0"}, want: 2},
		{name: "policy eval without arguments", args: []string{"policy", "eval"}, want: 2},
		{name: "policy push without arguments", args: []string{"policy", "push"}, want: 2},
		{name: "--output xml", args: []string{"inspect", "oci:layout:1.0.0", "--output", "xml"}, want: 2},
		{name: "slipway.yaml with an unknown field", dir: "badconfig", args: []string{"inspect", "oci:../layout:1.0.0"}, want: 2},
		// credentials are looked up before the registry is dialled, so the
		// unreachable registry is never reached
		{name: "docker config that is not JSON", env: []string{"DOCKER_CONFIG=" + filepath.Join(work, "baddocker")},
			args: []string{"inspect", "127.0.0.1:1/m:1"}, want: 2},
		{name: "metrics nested 10,000 deep", args: []string{"gate", "oci:layout:1.0.0", "--metrics", "deep.json", "--no-attest"}, want: 2},
		{name: "metrics file name too long", args: []string{"gate", "oci:layout:1.0.0", "--metrics", long + ".json", "--no-attest"}, want: 2},
		{name: "pull into a folder whose name is too long", args: []string{"pull", "oci:layout:1.0.0", long}, want: 2},
		{name: "pack a folder whose name is too long", args: []string{"pack", long}, want: 2},

		{name: "inspect an unreachable registry", args: []string{"inspect", "127.0.0.1:1/m:1"}, want: 3},
		{name: "attest verify against an unreachable registry", args: []string{"attest", "verify", "127.0.0.1:1/m:1", "--key", "k.pub"}, want: 3},

		{name: "gate --fail-on-warn with only a warning",
			args: []string{"gate", "oci:layout:1.0.0", "--metrics", "eval.json", "--policy", "warnonly", "--no-attest", "--fail-on-warn"}, want: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.dir, tc.env, tc.args...)
			if code != tc.want {
				t.Errorf("slipway %s exited %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), code, tc.want, stdout, stderr)
			}
		})
	}

	t.Run("SIGINT while waiting on a registry", func(t *testing.T) {
		host, dialled := hangingRegistry(t)
		cmd := exec.Command(bin, "inspect", host+"/m:1")
		cmd.Dir, cmd.Env = work, env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Once slipway has dialled, its signal handler is installed (main
		// installs it first); a SIGINT before that would kill it outright.
		select {
		case <-dialled:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("slipway inspect %s did not dial it within 30s\nstderr:\n%s", host, stderr.String())
		}
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("slipway inspect %s did not end within 30s of SIGINT\nstderr:\n%s", host, stderr.String())
		}
		if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
			t.Errorf("slipway inspect %s/m:1 after SIGINT exited %d, want %d\nstdout:\n%s\nstderr:\n%s", host, code, exitInterrupted, stdout.String(), stderr.String())
		}
		if strings.Contains(stderr.String(), "unreachable") {
			t.Errorf("slipway inspect %s/m:1 after SIGINT says the registry is unreachable; it was interrupted\nstderr:\n%s", host, stderr.String())
		}
	})
}

// TestExitCodeOfCancelled pins the mapping the SIGINT row relies on.
func TestExitCodeOfCancelled(t *testing.T) {
	for _, err := range []error{context.Canceled, fmt.Errorf("pushing: %w", context.Canceled)} {
		if got := ExitCode(err); got != exitInterrupted {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, exitInterrupted)
		}
	}
}

// buildSlipway builds cmd/slipway into a temporary folder.
func buildSlipway(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "slipway")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/slipway")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/slipway: %v\n%s", err, out)
	}
	return bin
}

// isolatedEnv is the process environment without anything that would make
// slipway read the machine's settings or write CI outputs.
func isolatedEnv(t *testing.T, work string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "SLIPWAY_"), strings.HasPrefix(k, "GITHUB_"), strings.HasPrefix(k, "GITLAB_"),
			strings.HasPrefix(k, "CI_"), strings.HasPrefix(k, "JENKINS"), k == "CI", k == "DOCKER_CONFIG",
			k == "HOME", k == "REGISTRY_AUTH_FILE", k == "XDG_CONFIG_HOME", k == "XDG_RUNTIME_DIR", k == "BUILD_URL":
			continue
		}
		env = append(env, kv)
	}
	home := filepath.Join(work, ".home")
	dockerConfig := filepath.Join(work, ".docker")
	for _, d := range []string{home, dockerConfig} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return append(env, "HOME="+home, "DOCKER_CONFIG="+dockerConfig, "NO_COLOR=1", "SOURCE_DATE_EPOCH=0",
		"SLIPWAY_CACHE_DIR="+filepath.Join(work, ".cache"))
}

// hangingRegistry accepts connections and never answers, so a client waits
// until its context ends. It returns host:port and a channel closed at the
// first connection.
func hangingRegistry(t *testing.T) (string, <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done, dialled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if conns = append(conns, c); len(conns) == 1 {
				close(dialled)
			}
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String(), dialled
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
