package analysis

import (
	"fmt"
	"strings"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Phase is a run's, a measurement's or the analysis' outcome, named as
// Argo Rollouts names them.
type Phase string

// The phases.
const (
	Running      Phase = "Running"
	Successful   Phase = "Successful"
	Failed       Phase = "Failed"
	Inconclusive Phase = "Inconclusive"
	// Error is a run whose query failed (Prometheus unreachable, a
	// timeout, a server error), and a measurement or analysis ended by more
	// query errors in a row than its consecutiveErrorLimit.
	Error Phase = "Error"
)

// Result is a finished analysis: `slipway analyze -o json`.
type Result struct {
	// Phase is Successful, Failed (a measurement failed), Error (a
	// measurement's queries kept failing) or Inconclusive.
	Phase      Phase  `json:"phase"`
	Prometheus string `json:"prometheus"`
	File       string `json:"file,omitempty"`
	// Vars are the values the query templates were given.
	Vars         Vars          `json:"vars"`
	Measurements []Measurement `json:"measurements"`
	Started      time.Time     `json:"started"`
	Finished     time.Time     `json:"finished"`
}

// Measurement is one measurement's runs and decision.
type Measurement struct {
	Name string `json:"name"`
	// Query is the PromQL sent, templates filled in.
	Query     string `json:"query"`
	Condition string `json:"condition"`
	// Phase is Successful, Failed, Inconclusive, Error, or Running when
	// the analysis ended before its runs were done.
	Phase                 Phase `json:"phase"`
	Count                 int   `json:"count"`
	FailureLimit          int   `json:"failureLimit"`
	InconclusiveLimit     int   `json:"inconclusiveLimit"`
	ConsecutiveErrorLimit int   `json:"consecutiveErrorLimit"`
	Successful            int   `json:"successful"`
	Failed                int   `json:"failed"`
	Inconclusive          int   `json:"inconclusive"`
	// Errors are the runs whose query failed; they do not count towards
	// Count. ConsecutiveErrors are the latest ones in a row.
	Errors            int       `json:"errors"`
	ConsecutiveErrors int       `json:"consecutiveErrors"`
	Runs              []Attempt `json:"runs"`

	due time.Duration // when the next run is due, from the start
}

// Attempt is one query and its decision; Message says why, or what went
// wrong with the query (phase Error).
type Attempt struct {
	Time    time.Time `json:"time"`
	Phase   Phase     `json:"phase"`
	Values  []Sample  `json:"values"`
	Message string    `json:"message"`
	// Warnings are Prometheus' own.
	Warnings promv1.Warnings `json:"warnings,omitempty"`
}

// Sample is one series' value in a run.
type Sample struct {
	// Series is the series' labels ({code="500"}); "" for a scalar.
	Series string  `json:"series,omitempty"`
	Value  float64 `json:"value"`
}

// record adds a run and decides the measurement when it can, as Argo
// does: a query error counts only towards the consecutive errors, and any
// other run resets them.
func (m *Measurement) record(r Attempt) {
	m.Runs = append(m.Runs, r)
	switch r.Phase {
	case Successful:
		m.Successful++
	case Failed:
		m.Failed++
	case Inconclusive:
		m.Inconclusive++
	case Error:
		m.Errors++
		m.ConsecutiveErrors++
	}
	if r.Phase != Error {
		m.ConsecutiveErrors = 0
	}
	switch {
	case m.ConsecutiveErrors > m.ConsecutiveErrorLimit:
		m.Phase = Error
	case m.Failed > m.FailureLimit:
		m.Phase = Failed
	case m.Inconclusive > m.InconclusiveLimit:
		m.Phase = Inconclusive
	case m.measured() >= m.Count:
		m.Phase = Successful
	}
}

// measured is how many runs count towards Count: those that queried.
func (m *Measurement) measured() int { return m.Successful + m.Failed + m.Inconclusive }

// decided says whether the measurement ends the analysis early.
func (m *Measurement) decided() bool {
	return m.Phase == Failed || m.Phase == Inconclusive || m.Phase == Error
}

// rank orders the phases from the worst: the analysis takes its worst
// measurement's (Argo's order).
var rank = map[Phase]int{Failed: 0, Error: 1, Inconclusive: 2, Successful: 3, Running: 4}

// decide sets the analysis' phase: Failed over Error over Inconclusive
// over Successful; a measurement cut short by another's decision (still
// Running) does not count.
func (r *Result) decide() {
	r.Phase = Successful
	for _, m := range r.Measurements {
		if rank[m.Phase] < rank[r.Phase] {
			r.Phase = m.Phase
		}
	}
}

// Passed says whether the analysis let the release go on.
func (r *Result) Passed() bool { return r.Phase == Successful }

// JudgedBad says whether the analysis measured the release and decided
// against it (Failed or Inconclusive): what --rollback-on-failure acts on.
// Error is not: queries that kept failing say nothing about the release.
func (r *Result) JudgedBad() bool { return r.Phase == Failed || r.Phase == Inconclusive }

// Err is nil when the analysis succeeded, else an error naming each
// measurement that decided against it and why: a runtime error when the
// queries kept failing (Error: nothing was measured), else a denial.
func (r *Result) Err() error {
	switch r.Phase {
	case Successful:
		return nil
	case Error:
		return fault.Runtimef("analysis error: %s", r.Summary())
	}
	return fault.Deniedf("analysis %s: %s", strings.ToLower(string(r.Phase)), r.Summary())
}

// Summary names the measurements that decided, with their last run's message.
func (r *Result) Summary() string {
	var parts []string
	for _, m := range r.Measurements {
		if !m.decided() {
			continue
		}
		last := ""
		if n := len(m.Runs); n > 0 {
			last = ": " + m.Runs[n-1].Message
		}
		if m.Phase == Error {
			parts = append(parts, fmt.Sprintf("%s error: %d consecutive query errors > consecutiveErrorLimit %d%s",
				m.Name, m.ConsecutiveErrors, m.ConsecutiveErrorLimit, last))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s after %d of %d runs (%d failed, %d inconclusive)%s",
			m.Name, strings.ToLower(string(m.Phase)), m.measured(), m.Count, m.Failed, m.Inconclusive, last))
	}
	if len(parts) == 0 {
		return "every measurement succeeded"
	}
	return strings.Join(parts, "; ")
}
