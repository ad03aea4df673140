// Package promtest starts Debian's prometheus and prometheus-pushgateway
// for tests, on free loopback ports, with a configuration the test writes,
// and stops them by PID when the test ends. Without the binaries a test is
// skipped on a developer's machine and fails in CI (registrytest.Tool).
package promtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// Pushgateway starts prometheus-pushgateway and returns its URL.
func Pushgateway(t testing.TB) string {
	t.Helper()
	bin := registrytest.Tool(t, "prometheus-pushgateway")
	if bin == "" {
		return ""
	}
	addr := freeAddr(t)
	start(t, bin, "--web.listen-address="+addr, "--log.level=warn")
	u := "http://" + addr
	waitReady(t, u+"/-/ready")
	return u
}

// Prometheus starts prometheus scraping each target (host:port) every
// second, with honor_labels (as a Pushgateway needs), and returns its URL.
func Prometheus(t testing.TB, targets ...string) string {
	t.Helper()
	bin := registrytest.Tool(t, "prometheus")
	if bin == "" {
		return ""
	}
	dir := t.TempDir()
	quoted := make([]string, len(targets))
	for i, tg := range targets {
		quoted[i] = fmt.Sprintf("%q", tg)
	}
	cfg := fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: test
    honor_labels: true
    static_configs:
      - targets: [%s]
`, strings.Join(quoted, ", "))
	path := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	start(t, bin, "--config.file="+path, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+addr, "--log.level=warn")
	u := "http://" + addr
	waitReady(t, u+"/-/ready")
	return u
}

// Host is the host:port of a URL, as a scrape target.
func Host(t testing.TB, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Host
}

// Exporter serves text (the exposition format) on /metrics until the test
// ends; set changes what it serves.
func Exporter(t testing.TB, text string) (target string, set func(string)) {
	t.Helper()
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, text)
	}))
	t.Cleanup(srv.Close)
	return Host(t, srv.URL), func(s string) { mu.Lock(); text = s; mu.Unlock() }
}

// Await polls query on Prometheus until it returns a non-empty vector (a
// scrape is about a second apart), failing the test after a minute.
func Await(t testing.TB, prometheus, query string) model.Vector {
	t.Helper()
	c, err := api.NewClient(api.Config{Address: prometheus})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		v, _, _, err := promv1.NewAPI(c).Query(context.Background(), query, time.Time{})
		if err == nil {
			if vec, ok := v.(model.Vector); ok && len(vec) > 0 {
				return vec
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s on %s: no result within a minute (last: %v, %v)", query, prometheus, v, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// freeAddr is a loopback address nobody listens on now.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs bin until the test ends, then kills it by PID and waits.
func start(t testing.TB, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	logf, err := os.Create(filepath.Join(t.TempDir(), filepath.Base(bin)+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				t.Logf("%s log:\n%s", bin, b)
			}
		}
		logf.Close()
	})
}

// waitReady polls url until it answers 200, for at most 30 seconds.
func waitReady(t testing.TB, u string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not ready within 30s: %v", u, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
