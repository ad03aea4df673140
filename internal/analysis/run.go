package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/slipwayhq/slipway/internal/fault"
)

// DefaultQueryTimeout bounds one query.
const DefaultQueryTimeout = 30 * time.Second

// Request is one analysis: which Prometheus, which file, which candidate.
type Request struct {
	// Prometheus is the server's URL (http://host:9090).
	Prometheus string
	// File is the analysis file; Spec, when set, is used instead.
	File string
	Spec *Spec
	// Vars fill the query templates.
	Vars Vars
	// Client does the queries; nil is http.DefaultClient.
	Client *http.Client
	// QueryTimeout bounds one query; 0 is DefaultQueryTimeout.
	QueryTimeout time.Duration
	// Now is the clock and Sleep waits (tests make both instant); nil
	// are the real ones.
	Now   func() time.Time
	Sleep func(context.Context, time.Duration) error
	// Progress hears each run as it is decided; nil hears nothing.
	Progress func(measurement string, r Attempt)
}

// Run runs every measurement on its own schedule (initialDelay, then
// every interval, count times) and decides the analysis as Argo Rollouts
// does: a measurement fails once more runs failed than its failureLimit,
// is inconclusive once more were inconclusive than its inconclusiveLimit,
// and either ends the analysis at once; otherwise it succeeds after count
// runs. A query that fails (Prometheus unreachable, a timeout, a server
// error) is a run in phase Error, retried at the next interval (ErrorRetry
// without one) and not counted towards count; more errors in a row than
// consecutiveErrorLimit end the measurement, and the analysis, as Error. A
// query Prometheus cannot parse is a usage error naming it, at once. The
// analysis' own outcome is in the Result (Err says whether it may proceed).
func Run(ctx context.Context, req Request) (*Result, error) {
	spec := req.Spec
	if spec == nil {
		if req.File == "" {
			return nil, fault.Usagef("--analysis is required: the analysis file (docs/analysis.md)")
		}
		var err error
		if spec, err = Load(req.File); err != nil {
			return nil, err
		}
	}
	if req.Prometheus == "" {
		return nil, fault.Usagef("--prometheus is required: the URL of the Prometheus server to query (e.g. http://prometheus:9090)")
	}
	client, err := api.NewClient(api.Config{Address: req.Prometheus, Client: req.Client})
	if err != nil {
		return nil, fault.Usagef("--prometheus %s: %w", redacted(req.Prometheus), err)
	}
	now, sleep := req.Now, req.Sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = sleepCtx
	}
	a := &analyzer{api: promv1.NewAPI(client), req: req, timeout: req.QueryTimeout}
	if a.timeout <= 0 {
		a.timeout = DefaultQueryTimeout
	}
	res := &Result{Prometheus: redacted(req.Prometheus), File: req.File, Vars: req.Vars, Started: now().UTC()}
	for _, m := range spec.Measurements {
		q, err := m.Render(req.Vars)
		if err != nil {
			return nil, err
		}
		res.Measurements = append(res.Measurements, Measurement{Name: m.Name, Query: q, Condition: conditionText(m),
			Count: m.Count, FailureLimit: m.FailureLimit, InconclusiveLimit: m.InconclusiveLimit,
			ConsecutiveErrorLimit: m.ConsecutiveErrorLimit, Phase: Running, due: m.InitialDelay})
	}
	for {
		i, due := next(spec, res)
		if i < 0 {
			break
		}
		at := res.Started.Add(due)
		if wait := at.Sub(now()); wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("waiting for measurement %s: %w", spec.Measurements[i].Name, err)
			}
		}
		run, err := a.measure(ctx, spec.Measurements[i], res.Measurements[i].Query)
		if err != nil {
			return nil, err
		}
		run.Time = now().UTC()
		m := &res.Measurements[i]
		m.record(run)
		m.due = max(due, run.Time.Sub(res.Started)) + spec.Measurements[i].Interval
		if run.Phase == Error && spec.Measurements[i].Interval == 0 {
			m.due += ErrorRetry
		}
		if req.Progress != nil {
			req.Progress(m.Name, run)
		}
		if m.decided() {
			break // Argo ends the run as soon as one measurement is decided against
		}
	}
	res.Finished = now().UTC()
	res.decide()
	return res, nil
}

// next is the measurement whose next run is due first and when, from the
// start; -1 when every measurement is done.
func next(spec *Spec, res *Result) (int, time.Duration) {
	best, bestAt := -1, time.Duration(math.MaxInt64)
	for i, m := range spec.Measurements {
		r := &res.Measurements[i]
		if r.Phase != Running || r.measured() >= m.Count {
			continue
		}
		if r.due < bestAt {
			best, bestAt = i, r.due
		}
	}
	return best, bestAt
}

type analyzer struct {
	api     promv1.API
	req     Request
	timeout time.Duration
}

// measure runs one query and decides the run. A query Prometheus cannot
// parse is a usage error; any other failure of the query is a run in phase
// Error, unless the caller gave up (ctx).
func (a *analyzer) measure(ctx context.Context, m Spec1, query string) (Attempt, error) {
	qctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	v, warnings, _, err := a.api.Query(qctx, query, time.Time{})
	if err != nil {
		var perr *promv1.Error
		if errors.As(err, &perr) && perr.Type == promv1.ErrBadData {
			return Attempt{}, fault.Usagef("measurement %s: Prometheus refused the query %s: %s", m.Name, query, perr.Msg)
		}
		if ctx.Err() != nil {
			return Attempt{}, fmt.Errorf("measurement %s: %w", m.Name, ctx.Err())
		}
		return Attempt{Phase: Error, Message: fmt.Sprintf("querying Prometheus at %s: %v", redacted(a.req.Prometheus), err)}, nil
	}
	run := Attempt{Values: values(v), Warnings: warnings}
	run.Phase, run.Message = decide(m, run.Values)
	return run, nil
}

// values are the sample values of a query result, NaN left out (0/0 with
// no traffic is no data), series ordered by their labels.
func values(v model.Value) []Sample {
	var out []Sample
	add := func(labels string, f float64) {
		if !math.IsNaN(f) {
			out = append(out, Sample{Series: labels, Value: f})
		}
	}
	switch v := v.(type) {
	case model.Vector:
		sort.Slice(v, func(i, j int) bool { return v[i].Metric.Before(v[j].Metric) })
		for _, s := range v {
			add(s.Metric.String(), float64(s.Value))
		}
	case *model.Scalar:
		add("", float64(v.Value))
	case model.Matrix:
		for _, s := range v {
			if n := len(s.Values); n > 0 {
				add(s.Metric.String(), float64(s.Values[n-1].Value))
			}
		}
	}
	return out
}

// decide is one run's phase: Argo's rules for successCondition and
// failureCondition, and emptyResult when there is nothing to compare.
func decide(m Spec1, samples []Sample) (Phase, string) {
	vals := make([]float64, len(samples))
	for i, s := range samples {
		vals[i] = s.Value
	}
	empty := func() (Phase, string) {
		switch m.EmptyResult {
		case EmptyFailure:
			return Failed, "the query returned no samples (emptyResult: failure)"
		case EmptySuccess:
			return Successful, "the query returned no samples (emptyResult: success)"
		}
		return Inconclusive, "the query returned no samples"
	}
	if m.Failure != nil {
		holds, ok := m.Failure.holds(vals)
		if !ok {
			return empty()
		}
		if holds {
			return Failed, "failureCondition " + m.Failure.String() + " holds"
		}
	}
	if len(m.Success) == 0 {
		return Successful, "failureCondition " + m.Failure.String() + " does not hold"
	}
	for _, c := range m.Success {
		holds, ok := c.holds(vals)
		if !ok {
			return empty()
		}
		if !holds {
			if m.Failure != nil {
				return Inconclusive, "neither successCondition " + c.String() + " nor failureCondition holds"
			}
			return Failed, c.String() + " does not hold"
		}
	}
	return Successful, conditionText(m) + " holds"
}

func conditionText(m Spec1) string {
	var parts []string
	for _, c := range m.Success {
		parts = append(parts, c.String())
	}
	s := strings.Join(parts, " && ")
	if m.Failure != nil {
		if s != "" {
			s += "; "
		}
		s += "fails when " + m.Failure.String()
	}
	return s
}

// redacted is the server's URL without the password it may carry
// (https://user:pass@host sends basic auth): it is printed and reported.
func redacted(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(an unparsable URL)"
	}
	return p.Redacted()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
