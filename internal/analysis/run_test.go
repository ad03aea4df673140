package analysis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/analysis"
	"github.com/slipwayhq/slipway/internal/fault"
)

// fakeProm answers every query with the next of values ("" is an empty
// vector, "!" a server error, "!bad" a query Prometheus cannot parse).
func fakeProm(t *testing.T, values ...string) (string, *[]string) {
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		queries = append(queries, r.Form.Get("query"))
		v := values[min(len(queries)-1, len(values)-1)]
		w.Header().Set("Content-Type", "application/json")
		switch v {
		case "!":
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"status":"error","errorType":"unavailable","error":"storage is starting"}`)
			return
		case "!bad":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"}`)
			return
		}
		result := "[]"
		if v != "" {
			result = fmt.Sprintf(`[{"metric":{},"value":[1,%q]}]`, v)
		}
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":%s}}`, result)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &queries
}

// clock is a fake clock that Sleep advances.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }
func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return nil
}

func TestRun(t *testing.T) {
	spec := func(extra string) string {
		return "measurements:\n  - name: err\n    query: e{v=\"{{ .Version }}\"}\n    successCondition: result[0] < 0.05\n    interval: 1m\n    count: 3\n" + extra
	}
	tests := []struct {
		name    string
		file    string
		values  []string
		phase   analysis.Phase
		runs    int
		elapsed time.Duration
	}{
		{"healthy", spec(""), []string{"0.01"}, analysis.Successful, 3, 2 * time.Minute},
		{"one failure ends it", spec(""), []string{"0.01", "0.2"}, analysis.Failed, 2, time.Minute},
		{"within failureLimit", spec("    failureLimit: 1\n"), []string{"0.2", "0.01"}, analysis.Successful, 3, 2 * time.Minute},
		{"empty is inconclusive", spec(""), []string{""}, analysis.Inconclusive, 1, 0},
		{"empty as failure", spec("    emptyResult: failure\n"), []string{""}, analysis.Failed, 1, 0},
		{"initial delay", spec("    initialDelay: 5m\n"), []string{"0.01"}, analysis.Successful, 3, 7 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, queries := fakeProm(t, tt.values...)
			s, err := analysis.Parse("canary.yaml", []byte(tt.file))
			require.NoError(t, err)
			c := &clock{now: time.Unix(1_700_000_000, 0)}
			start := c.now
			res, err := analysis.Run(t.Context(), analysis.Request{Prometheus: url, Spec: s,
				Vars: analysis.Vars{Version: `1.0"x`}, Now: c.Now, Sleep: c.Sleep})
			require.NoError(t, err)
			assert.Equal(t, tt.phase, res.Phase, res.Summary())
			assert.Len(t, res.Measurements[0].Runs, tt.runs)
			assert.Equal(t, tt.elapsed, c.now.Sub(start))
			assert.Equal(t, `e{v="1.0\"x"}`, (*queries)[0], "template values are escaped")
			assert.Equal(t, tt.phase == analysis.Successful, res.Err() == nil)
		})
	}
}

// TestConsecutiveErrors: query errors count only towards
// consecutiveErrorLimit (Argo's semantics): more in a row than the limit end
// the analysis as Error (a runtime error), a run that queried resets them,
// and errors do not count towards count.
func TestConsecutiveErrors(t *testing.T) {
	spec := func(extra string) string {
		return "measurements:\n  - name: err\n    query: e\n    max: 0.05\n    interval: 1m\n    count: 3\n" + extra
	}
	tests := []struct {
		name    string
		file    string
		values  []string
		phase   analysis.Phase
		runs    int
		errors  int
		elapsed time.Duration
	}{
		{"within the default limit of 4", spec(""), []string{"!", "!", "!", "!", "0.01"}, analysis.Successful, 7, 4, 6 * time.Minute},
		{"one more than the limit", spec("    consecutiveErrorLimit: 1\n"), []string{"0.01", "!", "!"}, analysis.Error, 3, 2, 2 * time.Minute},
		{"limit 0: the first error", spec("    consecutiveErrorLimit: 0\n"), []string{"!"}, analysis.Error, 1, 1, 0},
		{"a success resets the count", spec("    consecutiveErrorLimit: 1\n"), []string{"!", "0.01", "!", "0.01"}, analysis.Successful, 5, 2, 4 * time.Minute},
		{"no interval: retried after ErrorRetry", "measurements:\n  - name: err\n    query: e\n    max: 0.05\n",
			[]string{"!", "!", "0.01"}, analysis.Successful, 3, 2, 2 * analysis.ErrorRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, _ := fakeProm(t, tt.values...)
			s, err := analysis.Parse("canary.yaml", []byte(tt.file))
			require.NoError(t, err)
			c := &clock{now: time.Unix(1_700_000_000, 0)}
			start := c.now
			res, err := analysis.Run(t.Context(), analysis.Request{Prometheus: url, Spec: s, Now: c.Now, Sleep: c.Sleep})
			require.NoError(t, err)
			m := res.Measurements[0]
			assert.Equal(t, tt.phase, res.Phase, res.Summary())
			assert.Len(t, m.Runs, tt.runs)
			assert.Equal(t, tt.errors, m.Errors)
			assert.Equal(t, tt.elapsed, c.now.Sub(start))
			if tt.phase == analysis.Error {
				assert.Equal(t, fault.Runtime, fault.KindOf(res.Err()))
				assert.Contains(t, res.Err().Error(), "consecutive query errors > consecutiveErrorLimit")
				assert.Contains(t, res.Err().Error(), "querying Prometheus at "+url)
				assert.Equal(t, analysis.Error, m.Runs[len(m.Runs)-1].Phase)
			}
		})
	}
}

// TestUnreachableAndBadQuery: an unreachable Prometheus ends, after the
// retries, as a runtime error naming it; a query it cannot parse is a usage
// error at once, naming the query.
func TestUnreachableAndBadQuery(t *testing.T) {
	s, err := analysis.Parse("canary.yaml", []byte("measurements:\n  - name: err\n    query: e\n    max: 0.05\n"))
	require.NoError(t, err)
	c := &clock{now: time.Unix(1_700_000_000, 0)}
	res, err := analysis.Run(t.Context(), analysis.Request{Prometheus: "http://127.0.0.1:1", Spec: s, Now: c.Now, Sleep: c.Sleep})
	require.NoError(t, err)
	assert.Equal(t, analysis.Error, res.Phase)
	assert.Len(t, res.Measurements[0].Runs, analysis.DefaultConsecutiveErrorLimit+1)
	assert.Equal(t, fault.Runtime, fault.KindOf(res.Err()))
	assert.Contains(t, res.Err().Error(), "querying Prometheus at http://127.0.0.1:1")

	url, queries := fakeProm(t, "!bad")
	_, err = analysis.Run(t.Context(), analysis.Request{Prometheus: url, Spec: s, Now: c.Now, Sleep: c.Sleep})
	require.Error(t, err)
	assert.Equal(t, fault.Usage, fault.KindOf(err))
	assert.Contains(t, err.Error(), "refused the query e")
	assert.Len(t, *queries, 1, "a query that does not parse is not retried")
}

func TestParseReportsEveryField(t *testing.T) {
	_, err := analysis.Parse("a.yaml", []byte(`measurements:
  - name: x
    query: up{a="{{ .Nope }}"}
    interval: soon
    count: 0
    failureLimit: -1
    consecutiveErrorLimit: -2
    emptyResult: maybe
  - query: up
    successCondition: result ~ 3
`))
	require.Error(t, err)
	assert.Equal(t, fault.Usage, fault.KindOf(err))
	for _, want := range []string{
		"a.yaml:2: measurements[0] (x): query: template",
		"measurements[0] (x): successCondition: missing",
		`interval: "soon"`, "count: 0", "failureLimit: -1", "consecutiveErrorLimit: -2", `emptyResult: "maybe"`,
		"a.yaml:9: measurements[1]: name: missing",
		`successCondition: "result ~ 3"`,
	} {
		assert.Contains(t, err.Error(), want)
	}
}

// TestPasswordNotReported: a password in --prometheus is sent, never printed.
func TestPasswordNotReported(t *testing.T) {
	s, err := analysis.Parse("canary.yaml", []byte("measurements:\n  - name: err\n    query: e\n    max: 0.05\n    consecutiveErrorLimit: 0\n"))
	require.NoError(t, err)
	res, err := analysis.Run(t.Context(), analysis.Request{Prometheus: "http://ci:s3cret@127.0.0.1:1", Spec: s})
	require.NoError(t, err)
	b, err := json.Marshal(res)
	require.NoError(t, err)
	assert.NotContains(t, string(b)+res.Err().Error(), "s3cret")
	assert.Contains(t, res.Err().Error(), "querying Prometheus at http://ci:xxxxx@127.0.0.1:1")
}
