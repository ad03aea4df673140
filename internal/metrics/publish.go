package metrics

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/slipwayhq/slipway/internal/atomicfile"
)

// DefaultTimeout bounds one push: a slow Pushgateway must not hold up a
// pipeline whose verdict is already known.
const DefaultTimeout = 10 * time.Second

// PublishRequest says where a Set goes.
type PublishRequest struct {
	// Set is what to publish; nil publishes nothing.
	Set *Set
	// Pushgateway is the Pushgateway's URL (http://host:9091, credentials
	// as user:password@ if it needs them); "" pushes nothing.
	Pushgateway string
	// File is written in the text exposition format (node_exporter's
	// textfile collector reads *.prom files); "" writes none.
	File string
	// Client does the push; nil is http.DefaultClient.
	Client *http.Client
	// Timeout bounds the push; 0 is DefaultTimeout.
	Timeout time.Duration
	// Warn receives each failure; nil drops them.
	Warn func(string)
}

// Publish pushes req.Set to the Pushgateway and writes it to req.File.
// Neither can change the verb's outcome: each failure is a warning (to
// req.Warn) and Publish reports how many there were.
func Publish(ctx context.Context, req PublishRequest) (failures int) {
	if req.Set == nil {
		return 0
	}
	warn := func(format string, a ...any) {
		failures++
		if req.Warn != nil {
			req.Warn(fmt.Sprintf(format, a...))
		}
	}
	if req.Pushgateway != "" {
		if err := Push(ctx, req.Set, req.Pushgateway, req.Client, req.Timeout); err != nil {
			warn("metrics were not pushed: %v", err)
		}
	}
	if req.File != "" {
		if err := WriteFile(req.File, req.Set); err != nil {
			warn("metrics were not written to --metrics-file %s: %v", req.File, err)
		}
	}
	return failures
}

// Push adds s to the Pushgateway at gateway, in the group job="slipway"
// and s.Grouping. It replaces the group's series of the same names and
// leaves the others (a drift push keeps the gate's). Credentials in the
// URL are sent as basic auth and never appear in an error.
func Push(ctx context.Context, s *Set, gateway string, client *http.Client, timeout time.Duration) error {
	target, user, pass, err := splitCredentials(gateway)
	if err != nil {
		return err
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p := push.New(target, Job).Gatherer(withoutGrouping(s))
	for _, kv := range s.Grouping {
		p = p.Grouping(kv[0], kv[1])
	}
	if user != "" {
		p = p.BasicAuth(user, pass)
	}
	if client != nil {
		p = p.Client(client)
	}
	if err := p.AddContext(ctx); err != nil {
		return fmt.Errorf("pushing to the Pushgateway %s: %w", target, err)
	}
	return nil
}

// splitCredentials takes user:password@ out of the URL.
func splitCredentials(gateway string) (target, user, pass string, err error) {
	raw := gateway
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", "", "", fmt.Errorf("--pushgateway: %q is not a URL (want http://host:9091)", redact(gateway))
	}
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
		u.User = nil
	}
	return u.String(), user, pass, nil
}

// redact hides the password of a URL that failed to parse.
func redact(s string) string {
	if at := strings.LastIndex(s, "@"); at >= 0 {
		if scheme := strings.Index(s, "://"); scheme >= 0 && scheme < at {
			return s[:scheme+3] + "…@" + s[at+1:]
		}
		return "…@" + s[at+1:]
	}
	return s
}

// WriteFile writes s to path in the text exposition format, atomically
// (the textfile collector never reads half a file), creating its folder.
func WriteFile(path string, s *Set) error {
	return atomicfile.WriteReport(path, func(w io.Writer) error { return WriteText(w, s) })
}

// WriteText writes s in the text exposition format.
func WriteText(w io.Writer, s *Set) error {
	families, err := s.reg.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	return nil
}

// withoutGrouping gathers s without the labels of its grouping key: the
// Pushgateway adds them to every series of the group, and refuses a
// series that carries one itself.
func withoutGrouping(s *Set) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		families, err := s.reg.Gather()
		out := make([]*dto.MetricFamily, 0, len(families))
		for _, f := range families {
			g := &dto.MetricFamily{Name: f.Name, Help: f.Help, Type: f.Type}
			for _, m := range f.Metric {
				var labels []*dto.LabelPair
				for _, l := range m.Label {
					if !slices.ContainsFunc(s.Grouping, func(kv [2]string) bool { return kv[0] == l.GetName() }) {
						labels = append(labels, l)
					}
				}
				g.Metric = append(g.Metric, &dto.Metric{Label: labels, Gauge: m.Gauge, TimestampMs: m.TimestampMs})
			}
			out = append(out, g)
		}
		return out, err
	})
}
