package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/metrics"
)

// metricsFlags are --pushgateway and --metrics-file of gate, drift,
// promote and rollback.
type metricsFlags struct{ file string }

func (m *metricsFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("pushgateway", "", "push the run's metrics to this Prometheus Pushgateway, job slipway grouped by model (env "+config.EnvPushgateway+"); a failure only warns")
	bindSetting(f, "pushgateway", config.SettingPushgateway)
	f.StringVar(&m.file, "metrics-file", "", "also write the run's metrics to FILE in the text exposition format (node_exporter's textfile collector); a failure only warns")
}

// publish pushes and writes s; failures are warnings on stderr and never
// change the verb's outcome.
func (m *metricsFlags) publish(ctx context.Context, g *globalOptions, streams IO, s *metrics.Set) {
	metrics.Publish(ctx, metrics.PublishRequest{
		Set: s, Pushgateway: g.cfg.Pushgateway, File: m.file,
		Warn: func(msg string) { fmt.Fprintf(streams.Stderr, "slipway: warning: %s\n", msg) },
	})
}
