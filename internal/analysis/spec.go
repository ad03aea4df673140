package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slipwayhq/slipway/internal/fault"
)

// DefaultConsecutiveErrorLimit is the query errors in a row a measurement
// tolerates when the file does not say: Argo Rollouts' default.
const DefaultConsecutiveErrorLimit = 4

// ErrorRetry is how long after a query error a measurement without an
// interval queries again.
const ErrorRetry = 10 * time.Second

// maxFile bounds the analysis file read: it is a few kilobytes.
const maxFile = 1 << 20

// Empty says what a run whose query returned nothing counts as.
type Empty string

// The treatments of an empty result (emptyResult in the file).
const (
	EmptyInconclusive Empty = "inconclusive"
	EmptyFailure      Empty = "failure"
	EmptySuccess      Empty = "success"
)

// Spec is an analysis file, validated.
type Spec struct {
	Measurements []Spec1 `json:"measurements"`
}

// Spec1 is one measurement of a Spec.
type Spec1 struct {
	Name string `json:"name"`
	// Query is the PromQL template ({{ .Model }}, {{ .Environment }},
	// {{ .Digest }}, {{ .Version }}).
	Query string `json:"query"`
	// Success and Failure are the conditions (nil when not given); min
	// and max are folded into Success.
	Success []Condition `json:"successCondition,omitempty"`
	Failure *Condition  `json:"failureCondition,omitempty"`
	// Interval separates runs; Count is how many (default 1).
	Interval time.Duration `json:"interval,omitempty"`
	Count    int           `json:"count"`
	// FailureLimit and InconclusiveLimit are how many failed or
	// inconclusive runs are tolerated (default 0: the first one decides).
	FailureLimit      int `json:"failureLimit"`
	InconclusiveLimit int `json:"inconclusiveLimit"`
	// ConsecutiveErrorLimit is how many query errors in a row are
	// tolerated (default DefaultConsecutiveErrorLimit, Argo's): one more
	// ends the measurement as Error.
	ConsecutiveErrorLimit int           `json:"consecutiveErrorLimit"`
	InitialDelay          time.Duration `json:"initialDelay,omitempty"`
	// EmptyResult is what a run with no samples counts as.
	EmptyResult Empty `json:"emptyResult"`

	tmpl *template.Template
}

type rawSpec struct {
	Measurements []yaml.Node `yaml:"measurements"`
}

type rawMeasurement struct {
	Name              string   `yaml:"name"`
	Query             string   `yaml:"query"`
	SuccessCondition  string   `yaml:"successCondition"`
	FailureCondition  string   `yaml:"failureCondition"`
	Min               *float64 `yaml:"min"`
	Max               *float64 `yaml:"max"`
	Interval          string   `yaml:"interval"`
	Count             *int     `yaml:"count"`
	FailureLimit      *int     `yaml:"failureLimit"`
	InconclusiveLimit *int     `yaml:"inconclusiveLimit"`
	ConsecutiveErrors *int     `yaml:"consecutiveErrorLimit"`
	InitialDelay      string   `yaml:"initialDelay"`
	EmptyResult       string   `yaml:"emptyResult"`
}

// Load reads and validates the analysis file at path.
func Load(path string) (*Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fault.Usagef("--analysis %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, fault.Usagef("--analysis %s: %w", path, err)
	}
	if len(data) > maxFile {
		return nil, fault.Usagef("--analysis %s: larger than %d bytes", path, maxFile)
	}
	return Parse(path, data)
}

// Parse validates an analysis file; name is its path, for messages. Every
// mistake is reported, each as name:line: measurement: field: what is
// wrong and what is wanted, in one usage error.
func Parse(name string, data []byte) (*Spec, error) {
	var raw rawSpec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fault.Usagef("%s: empty: want a list of measurements (docs/analysis.md)", name)
		}
		return nil, fault.Usagef("%s: %s (want measurements: a list; docs/analysis.md)", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(raw.Measurements) == 0 {
		return nil, fault.Usagef("%s: measurements: want at least one measurement (docs/analysis.md)", name)
	}
	var problems []string
	spec := &Spec{}
	seen := map[string]int{}
	for i := range raw.Measurements {
		node := &raw.Measurements[i]
		where := fmt.Sprintf("%s:%d: measurements[%d]", name, node.Line, i)
		var rm rawMeasurement
		if err := node.Decode(&rm); err != nil {
			problems = append(problems, where+": "+strings.TrimPrefix(err.Error(), "yaml: "))
			continue
		}
		if rm.Name != "" {
			where += " (" + rm.Name + ")"
		}
		m, errs := measurement(rm)
		for _, e := range errs {
			problems = append(problems, where+": "+e)
		}
		if first, dup := seen[m.Name]; dup && m.Name != "" {
			problems = append(problems, fmt.Sprintf("%s: name: %q is also measurements[%d]'s: names must be unique", where, m.Name, first))
		}
		seen[m.Name] = i
		spec.Measurements = append(spec.Measurements, m)
	}
	if len(problems) > 0 {
		return nil, fault.Usagef("%s is not a valid analysis:\n  %s", name, strings.Join(problems, "\n  "))
	}
	return spec, nil
}

// measurement checks one measurement's fields, each on its own.
func measurement(rm rawMeasurement) (Spec1, []string) {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	m := Spec1{Name: rm.Name, Query: strings.TrimSpace(rm.Query), Count: 1, EmptyResult: EmptyInconclusive,
		ConsecutiveErrorLimit: DefaultConsecutiveErrorLimit}
	if m.Name == "" {
		bad("name: missing: every measurement needs a name")
	}
	if m.Query == "" {
		bad("query: missing: a PromQL query, e.g. sum(rate(http_requests_total{version=\"{{ .Version }}\",code=~\"5..\"}[5m]))")
	} else if t, err := template.New(m.Name).Option("missingkey=error").Parse(m.Query); err != nil {
		bad("query: template: %v", err)
	} else if err := t.Execute(io.Discard, Vars{}); err != nil {
		bad("query: template: %v (the variables are .Model, .Environment, .Digest and .Version)", err)
	} else {
		m.tmpl = t
	}
	if rm.SuccessCondition != "" {
		c, err := ParseCondition(rm.SuccessCondition)
		if err != nil {
			bad("successCondition: %v", err)
		}
		m.Success = append(m.Success, c)
	}
	if rm.FailureCondition != "" {
		c, err := ParseCondition(rm.FailureCondition)
		if err != nil {
			bad("failureCondition: %v", err)
		}
		m.Failure = &c
	}
	if rm.Max != nil {
		m.Success = append(m.Success, Condition{Index: -1, Op: "<=", Value: *rm.Max})
	}
	if rm.Min != nil {
		m.Success = append(m.Success, Condition{Index: -1, Op: ">=", Value: *rm.Min})
	}
	if len(m.Success) == 0 && m.Failure == nil {
		bad("successCondition: missing: give successCondition, failureCondition, max or min (e.g. successCondition: result[0] < 0.05)")
	}
	if rm.Count != nil {
		if m.Count = *rm.Count; m.Count < 1 {
			bad("count: %d: want 1 or more runs", m.Count)
		}
	}
	var err error
	if rm.Interval != "" {
		if m.Interval, err = time.ParseDuration(rm.Interval); err != nil || m.Interval <= 0 {
			bad("interval: %q: want a positive duration such as 30s or 1m", rm.Interval)
		}
	} else if m.Count > 1 {
		bad("interval: missing: count is %d, so the runs need an interval (e.g. 1m)", m.Count)
	}
	if rm.InitialDelay != "" {
		if m.InitialDelay, err = time.ParseDuration(rm.InitialDelay); err != nil || m.InitialDelay < 0 {
			bad("initialDelay: %q: want a duration such as 30s or 5m", rm.InitialDelay)
		}
	}
	if rm.FailureLimit != nil {
		if m.FailureLimit = *rm.FailureLimit; m.FailureLimit < 0 {
			bad("failureLimit: %d: want 0 or more", m.FailureLimit)
		}
	}
	if rm.InconclusiveLimit != nil {
		if m.InconclusiveLimit = *rm.InconclusiveLimit; m.InconclusiveLimit < 0 {
			bad("inconclusiveLimit: %d: want 0 or more", m.InconclusiveLimit)
		}
	}
	if rm.ConsecutiveErrors != nil {
		if m.ConsecutiveErrorLimit = *rm.ConsecutiveErrors; m.ConsecutiveErrorLimit < 0 {
			bad("consecutiveErrorLimit: %d: want 0 or more (0: the first query error ends the measurement)", m.ConsecutiveErrorLimit)
		}
	}
	switch e := Empty(rm.EmptyResult); e {
	case "":
	case EmptyInconclusive, EmptyFailure, EmptySuccess:
		m.EmptyResult = e
	default:
		bad("emptyResult: %q: want inconclusive, failure or success", rm.EmptyResult)
	}
	return m, errs
}

// Vars are the values a query template may use.
type Vars struct {
	Model       string `json:"model,omitempty"`
	Environment string `json:"environment,omitempty"`
	Digest      string `json:"digest,omitempty"`
	Version     string `json:"version,omitempty"`
}

// quoted escapes the values for a PromQL double-quoted string, where the
// templates put them.
func (v Vars) quoted() Vars {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return Vars{Model: r.Replace(v.Model), Environment: r.Replace(v.Environment), Digest: r.Replace(v.Digest), Version: r.Replace(v.Version)}
}

// Render is the measurement's query with vars filled in.
func (m Spec1) Render(vars Vars) (string, error) {
	var b strings.Builder
	if err := m.tmpl.Execute(&b, vars.quoted()); err != nil {
		return "", fault.Usagef("measurement %s: query: %w", m.Name, err)
	}
	return b.String(), nil
}
