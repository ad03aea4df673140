# Prometheus, its Pushgateway and promtool: the metrics and canary-analysis
# tests start them on loopback ports themselves (internal/promtest).
REGISTRY_PACKAGES+=(prometheus:prometheus prometheus:promtool prometheus-pushgateway:prometheus-pushgateway)
