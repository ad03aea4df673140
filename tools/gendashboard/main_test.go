package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/metrics"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/promote"
)

var update = flag.Bool("update", false, "rewrite monitoring/grafana/slipway.json instead of comparing")

// committed is the dashboard, relative to this package.
const committed = "../../monitoring/grafana/slipway.json"

// TestGenerateMatchesCommitted keeps the committed board from drifting from
// its generator: rendering must give the committed file byte for byte.
func TestGenerateMatchesCommitted(t *testing.T) {
	got, err := render()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(committed, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatalf("%v (generate it with `make dashboard`)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the generated dashboard differs from monitoring/grafana/slipway.json at byte %d (%d vs %d bytes); "+
			"if the change is intended, run `make dashboard` (or `go test ./tools/gendashboard -update`) and review the diff",
			firstDiff(got, want), len(got), len(want))
	}
}

// TestRunWritesFile runs the command as `go generate` does.
func TestRunWritesFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "grafana", "slipway.json")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := render()
	if !bytes.Equal(got, want) {
		t.Error("-out wrote something else than render()")
	}
	if code := run([]string{"extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("an unexpected argument: exit %d, want 2", code)
	}
}

// exported is every metric family internal/metrics builds, with its label
// names, taken from the families its own constructors register (not from
// a copy of the list): a gate with a metric, a drift run with a tested
// feature and a promotion.
func exported(t *testing.T) map[string][]string {
	t.Helper()
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	sets := []*metrics.Set{
		metrics.FromGate(&gate.Verdict{
			Decision: policy.Pass,
			Model:    gate.ModelRef{Name: "iris", Version: "1.0.0"},
			Metrics:  []gate.MetricRow{{Name: "accuracy", Candidate: 0.9}},
			Time:     at,
		}),
		metrics.FromDrift("iris", &drift.Result{Features: map[string]*drift.Feature{"petal": {Test: "ks", PSI: 0.1, PValue: 0.5}}}, at),
		metrics.FromPromotion(&promote.Result{Record: promote.Record{
			Name: "iris", Version: "1.0.0", Environment: "production", Digest: "sha256:abc", Time: at,
		}}),
	}
	known := map[string][]string{}
	for _, s := range sets {
		families, err := s.Gatherer().Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			var names []string
			for _, l := range f.GetMetric()[0].GetLabel() {
				names = append(names, l.GetName())
			}
			known[f.GetName()] = names
		}
	}
	for name := range known {
		if !slices.Contains(metrics.Names(), name) {
			t.Errorf("metrics.Names() lacks %s, which internal/metrics exports", name)
		}
	}
	return known
}

// scrapeLabels are added by Prometheus (or kept from the Pushgateway's
// grouping with honor_labels) on every series, so queries may name them.
var scrapeLabels = []string{"job", "instance"}

// query is one PromQL expression of the board and where it sits.
type query struct {
	where string
	expr  string
}

// grafanaDurations are Grafana's duration variables; they stand where
// PromQL wants a duration literal, so they are replaced before parsing.
// Other variables ($model, $environment) sit inside label matchers'
// strings, where the parser accepts them as they are: one outside a string
// fails to parse, as it should.
var grafanaDurations = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "7d")

// labelValues is a query variable's label_values(selector, label).
var labelValues = regexp.MustCompile(`^label_values\((.+), *([a-zA-Z_][a-zA-Z0-9_]*)\)$`)

// boardQueries reads every PromQL expression from the committed JSON: panel
// targets, annotations and query variables (their series selector).
func boardQueries(t *testing.T) (queries []query, variableLabels map[string]string) {
	t.Helper()
	data, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	var board struct {
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				RefID      string `json:"refId"`
				Expr       string `json:"expr"`
				Datasource struct {
					Type string `json:"type"`
					UID  string `json:"uid"`
				} `json:"datasource"`
			} `json:"targets"`
		} `json:"panels"`
		Annotations struct {
			List []struct {
				Name string `json:"name"`
				Expr string `json:"expr"`
			} `json:"list"`
		} `json:"annotations"`
		Templating struct {
			List []struct {
				Type  string `json:"type"`
				Name  string `json:"name"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &board); err != nil {
		t.Fatalf("%s: %v", committed, err)
	}
	for _, p := range board.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			where := fmt.Sprintf("panel %q query %s", p.Title, tg.RefID)
			if tg.Datasource.Type != "prometheus" || tg.Datasource.UID != "${datasource}" {
				t.Errorf("%s reads data source %+v, want the board's Prometheus variable", where, tg.Datasource)
			}
			queries = append(queries, query{where, tg.Expr})
		}
	}
	for _, a := range board.Annotations.List {
		queries = append(queries, query{fmt.Sprintf("annotation %q", a.Name), a.Expr})
	}
	variableLabels = map[string]string{}
	for _, v := range board.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(string)
		m := labelValues.FindStringSubmatch(q)
		if m == nil {
			t.Errorf("variable %q: query %q is not label_values(selector, label)", v.Name, q)
			continue
		}
		where := fmt.Sprintf("variable %q", v.Name)
		queries = append(queries, query{where, m[1]})
		variableLabels[where] = m[2]
	}
	return queries, variableLabels
}

// TestQueriesParseAndNameExportedMetrics parses every PromQL expression on
// the board with Prometheus' parser and checks that each series selector
// names a metric family Slipway exports and matches only labels that
// family has.
func TestQueriesParseAndNameExportedMetrics(t *testing.T) {
	known := exported(t)
	queries, variableLabels := boardQueries(t)
	if len(queries) < 10 {
		t.Fatalf("found %d queries on the board; the JSON's layout changed?", len(queries))
	}
	used := map[string]bool{}
	for _, q := range queries {
		if q.expr == "" {
			t.Errorf("%s has no PromQL", q.where)
			continue
		}
		expr, err := parser.ParseExpr(grafanaDurations.Replace(q.expr))
		if err != nil {
			t.Errorf("%s does not parse: %v\n%s", q.where, err, q.expr)
			continue
		}
		selectors := 0
		parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
			vs, ok := node.(*parser.VectorSelector)
			if !ok {
				return nil
			}
			selectors++
			names, err := metricNames(vs)
			if err != nil {
				t.Errorf("%s: %v in %s", q.where, err, vs)
				return nil
			}
			for _, name := range names {
				labelNames, ok := known[name]
				if !ok {
					t.Errorf("%s names %s, which Slipway does not export (internal/metrics exports %v)", q.where, name, sortedKeys(known))
					continue
				}
				used[name] = true
				for _, m := range vs.LabelMatchers {
					if m.Name != labels.MetricName && !slices.Contains(labelNames, m.Name) && !slices.Contains(scrapeLabels, m.Name) {
						t.Errorf("%s matches label %q on %s, which has only %v", q.where, m.Name, name, labelNames)
					}
				}
				if l, ok := variableLabels[q.where]; ok && !slices.Contains(labelNames, l) {
					t.Errorf("%s lists values of label %q, which %s does not have (%v)", q.where, l, name, labelNames)
				}
			}
			return nil
		})
		if selectors == 0 {
			t.Errorf("%s reads no series: %s", q.where, q.expr)
		}
	}
	// What the board is for (docs/metrics.md): each of these shows somewhere.
	for _, name := range []string{metrics.EnvironmentInfo, metrics.GatePassed, metrics.ModelMetric,
		metrics.DriftPSI, metrics.DriftPValue, metrics.DriftShare, metrics.DriftDetected, metrics.PromotionTimestamp} {
		if !used[name] {
			t.Errorf("no query on the board reads %s", name)
		}
	}
}

// metricNames is the metric names a selector reads: its name, or each
// alternative of a __name__ regexp made only of literal names. Any other
// __name__ matcher could read series Slipway does not export.
func metricNames(vs *parser.VectorSelector) ([]string, error) {
	if vs.Name != "" {
		return []string{vs.Name}, nil
	}
	for _, m := range vs.LabelMatchers {
		if m.Name != labels.MetricName {
			continue
		}
		switch m.Type {
		case labels.MatchEqual:
			return []string{m.Value}, nil
		case labels.MatchRegexp:
			alts := strings.Split(m.Value, "|")
			for _, a := range alts {
				if !regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`).MatchString(a) {
					return nil, fmt.Errorf("__name__ regexp alternative %q is not a literal metric name", a)
				}
			}
			return alts, nil
		}
	}
	return nil, fmt.Errorf("selector names no metric")
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestCheckerCatchesMistakes makes sure the checks above bite: a query
// that does not parse, an unknown metric and an unknown label.
func TestCheckerCatchesMistakes(t *testing.T) {
	if _, err := parser.ParseExpr(grafanaDurations.Replace(`rate(slipway_gate_passed[$model])`)); err == nil {
		t.Error("a variable where a duration belongs parsed")
	}
	expr, err := parser.ParseExpr(`slipway_gate_pased{model="a"} + {__name__=~"slipway_.*"}`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			names, err := metricNames(vs)
			got = append(got, fmt.Sprint(names, err))
		}
		return nil
	})
	want := []string{"[slipway_gate_pased] <nil>", `[] __name__ regexp alternative "slipway_.*" is not a literal metric name`}
	if !slices.Equal(got, want) {
		t.Errorf("metricNames = %q, want %q", got, want)
	}
	if _, ok := exported(t)["slipway_gate_pased"]; ok {
		t.Error("a misspelt name is exported?")
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestCommittedUnmarshals reads the committed board back with the SDK's
// own types (its plugins decode each panel's options and queries), so the
// JSON stays a dashboard Grafana's schema describes.
func TestCommittedUnmarshals(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	data, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard.Dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s does not decode as a Grafana dashboard: %v", committed, err)
	}
	if d.Uid == nil || *d.Uid != UID || len(d.Panels) < 10 {
		t.Errorf("decoded board: uid %v, %d panels", d.Uid, len(d.Panels))
	}
}
