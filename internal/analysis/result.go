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
)

// Result is a finished analysis: `slipway analyze -o json`.
type Result struct {
	// Phase is Successful, Failed (a measurement failed) or Inconclusive.
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
	// Phase is Successful, Failed, Inconclusive, or Running when the
	// analysis ended before its runs were done.
	Phase             Phase     `json:"phase"`
	Count             int       `json:"count"`
	FailureLimit      int       `json:"failureLimit"`
	InconclusiveLimit int       `json:"inconclusiveLimit"`
	Successful        int       `json:"successful"`
	Failed            int       `json:"failed"`
	Inconclusive      int       `json:"inconclusive"`
	Runs              []Attempt `json:"runs"`
}

// Attempt is one query and its decision.
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

// record adds a run and decides the measurement when it can.
func (m *Measurement) record(r Attempt) {
	m.Runs = append(m.Runs, r)
	switch r.Phase {
	case Successful:
		m.Successful++
	case Failed:
		m.Failed++
	case Inconclusive:
		m.Inconclusive++
	}
	switch {
	case m.Failed > m.FailureLimit:
		m.Phase = Failed
	case m.Inconclusive > m.InconclusiveLimit:
		m.Phase = Inconclusive
	case len(m.Runs) >= m.Count:
		m.Phase = Successful
	}
}

// decide sets the analysis' phase: Failed over Inconclusive over
// Successful; a measurement cut short by another's decision does not count.
func (r *Result) decide() {
	r.Phase = Successful
	for _, m := range r.Measurements {
		switch {
		case m.Phase == Failed:
			r.Phase = Failed
		case m.Phase == Inconclusive && r.Phase != Failed:
			r.Phase = Inconclusive
		}
	}
}

// Passed says whether the analysis let the release go on.
func (r *Result) Passed() bool { return r.Phase == Successful }

// Err is nil when the analysis succeeded, else a Denied error naming each
// measurement that decided against it and why.
func (r *Result) Err() error {
	if r.Passed() {
		return nil
	}
	return fault.Deniedf("analysis %s: %s", strings.ToLower(string(r.Phase)), r.Summary())
}

// Summary names the measurements that decided, with their last run's message.
func (r *Result) Summary() string {
	var parts []string
	for _, m := range r.Measurements {
		if m.Phase != Failed && m.Phase != Inconclusive {
			continue
		}
		last := ""
		if n := len(m.Runs); n > 0 {
			last = ": " + m.Runs[n-1].Message
		}
		parts = append(parts, fmt.Sprintf("%s %s after %d of %d runs (%d failed, %d inconclusive)%s",
			m.Name, strings.ToLower(string(m.Phase)), len(m.Runs), m.Count, m.Failed, m.Inconclusive, last))
	}
	if len(parts) == 0 {
		return "every measurement succeeded"
	}
	return strings.Join(parts, "; ")
}
