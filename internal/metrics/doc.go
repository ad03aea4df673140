// Package metrics owns the Prometheus metric families Slipway exports: it
// builds them from a gate verdict, a drift report and a promotion, pushes
// them to a Pushgateway and writes them in the text exposition format for
// node_exporter's textfile collector. Names, labels and help texts are
// documented in docs/metrics.md; a failure to publish is a warning, never
// the verb's.
package metrics
